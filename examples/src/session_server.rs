//! The parts of the demo API that need a session: a token endpoint, a protected resource, and a
//! flaky endpoint. Counters let the examples show what the server saw.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

/// What the session endpoints have seen.
#[derive(Debug, Default)]
pub struct SessionStats {
    /// Calls to the token endpoint.
    pub refreshes: AtomicUsize,
    /// Requests to the flaky endpoint.
    pub flaky_requests: AtomicUsize,
    /// Requests to `/me` that were turned away with 401.
    pub rejected: AtomicUsize,
}

#[derive(Default)]
struct Session {
    /// The access token `/me` accepts right now; tokens handed out before it are expired.
    valid_access: Mutex<String>,
    stats: Arc<SessionStats>,
}

/// Routes under `/v1`: `POST /auth/token`, `GET /me`, `GET /flaky`. The first valid access
/// token is `access-1`, so a client holding `access-0` starts with an expired one.
pub fn routes(stats: Arc<SessionStats>) -> Router {
    let session = Arc::new(Session {
        valid_access: Mutex::new("access-1".to_owned()),
        stats,
    });
    Router::new()
        .route("/v1/auth/token", post(token))
        .route("/v1/me", get(me))
        .route("/v1/flaky", get(flaky))
        .with_state(session)
}

#[derive(Deserialize)]
struct TokenQuery {
    refresh_token: String,
}

async fn token(State(session): State<Arc<Session>>, Query(query): Query<TokenQuery>) -> Response {
    let n = session.stats.refreshes.fetch_add(1, Ordering::SeqCst) + 2;
    if !query.refresh_token.starts_with("refresh-") {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant"})),
        )
            .into_response();
    }
    // A refresh takes a moment, so concurrent 401s really do overlap with it.
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let access = format!("access-{n}");
    *session
        .valid_access
        .lock()
        .unwrap_or_else(PoisonError::into_inner) = access.clone();
    Json(json!({
        "access_token": access,
        "refresh_token": format!("refresh-{n}"),
        "expires_in": 3600,
    }))
    .into_response()
}

async fn me(State(session): State<Arc<Session>>, headers: HeaderMap) -> Response {
    let valid = session
        .valid_access
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let presented = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if presented == Some(valid.as_str()) {
        Json(json!({"name": "Ada"})).into_response()
    } else {
        session.stats.rejected.fetch_add(1, Ordering::SeqCst);
        (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "token expired"})),
        )
            .into_response()
    }
}

/// Fails twice, then succeeds, over and over.
async fn flaky(State(session): State<Arc<Session>>) -> Response {
    let n = session.stats.flaky_requests.fetch_add(1, Ordering::SeqCst);
    if n % 3 == 2 {
        Json(json!({"status": "finally"})).into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "try again").into_response()
    }
}
