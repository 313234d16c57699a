//! An OAuth-style provider over HTTP for fleet tests: every refresh rotates the refresh token,
//! presenting a used one revokes the whole family (RFC 9700 §4.14.2) unless it comes within
//! the grace period some providers give (Okta, Auth0's reuse interval); and the API it
//! protects, which takes only the newest access token. It counts what the tests assert.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response};

use super::hyper_server::HyperServer;

/// What the provider has seen.
#[derive(Default, Debug, Clone, PartialEq, Eq)]
pub struct Counts {
    /// Refreshes it granted.
    pub refreshes: usize,
    /// Used refresh tokens presented outside the grace period (each revokes the family).
    pub reuses: usize,
    /// API calls answered 200.
    pub successes: usize,
}

#[derive(Default)]
struct State {
    /// The newest tokens are `a<n>` and `r<n>`; `a0` was never valid (an expired token).
    generation: u32,
    /// When the previous refresh token stopped being the newest.
    rotated_at: Option<Instant>,
    revoked: bool,
    /// The newest access token has expired too (until the next refresh).
    access_expired: bool,
    counts: Counts,
}

/// The running provider: `POST /token?refresh_token=…` and `GET /me`.
pub struct RotatingProvider {
    pub base_url: String,
    state: Arc<Mutex<State>>,
    _server: HyperServer,
}

impl RotatingProvider {
    /// A provider whose session starts at `a0`/`r0`, taking the previous refresh token again
    /// within `grace` (`Duration::ZERO`: a strict provider).
    pub async fn start(grace: Duration) -> Self {
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let server = HyperServer::start(move |request: Request<hyper::body::Incoming>| {
            let state = shared.clone();
            async move { answer(&state, &request, grace) }
        })
        .await;
        Self {
            base_url: server.base_url.clone(),
            state,
            _server: server,
        }
    }

    /// What the provider has seen so far.
    pub fn counts(&self) -> Counts {
        self.state.lock().unwrap().counts.clone()
    }

    /// Starts over: a new family at `a0`/`r0`, counts at zero.
    pub fn reset(&self) {
        *self.state.lock().unwrap() = State::default();
    }

    /// Expires the newest access token: the next call needs a refresh.
    pub fn expire_access(&self) {
        self.state.lock().unwrap().access_expired = true;
    }

    /// The newest generation issued.
    pub fn generation(&self) -> u32 {
        self.state.lock().unwrap().generation
    }
}

fn answer(
    state: &Mutex<State>,
    request: &Request<hyper::body::Incoming>,
    grace: Duration,
) -> Response<Full<Bytes>> {
    let mut state = state.lock().unwrap();
    match request.uri().path() {
        "/token" => {
            let presented = request
                .uri()
                .query()
                .and_then(|q| q.strip_prefix("refresh_token="))
                .unwrap_or_default()
                .to_owned();
            let newest = format!("r{}", state.generation);
            let previous = state.generation.checked_sub(1).map(|g| format!("r{g}"));
            let within_grace = previous.as_deref() == Some(presented.as_str())
                && state.rotated_at.is_some_and(|at| at.elapsed() < grace);
            if state.revoked || !(presented == newest || within_grace) {
                if !state.revoked {
                    state.counts.reuses += 1;
                }
                state.revoked = true;
                return reply(400, r#"{"error":"invalid_grant"}"#.to_owned());
            }
            state.generation += 1;
            state.access_expired = false;
            state.rotated_at = Some(Instant::now());
            state.counts.refreshes += 1;
            let g = state.generation;
            reply(
                200,
                format!(r#"{{"access_token":"a{g}","refresh_token":"r{g}","expires_in":3600}}"#),
            )
        }
        _ => {
            let expected = format!("Bearer a{}", state.generation);
            let ok = !state.revoked
                && !state.access_expired
                && state.generation > 0
                && request
                    .headers()
                    .get("authorization")
                    .is_some_and(|v| v.as_bytes() == expected.as_bytes());
            if ok {
                state.counts.successes += 1;
                reply(200, r#"{"user":"ann"}"#.to_owned())
            } else {
                reply(401, r#"{"error":"invalid_token"}"#.to_owned())
            }
        }
    }
}

fn reply(status: u16, body: String) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .unwrap()
}
