//! A users API with the behaviours the examples show: JSON CRUD, a 422 with field errors, a
//! HEAD health check, a slow endpoint to cancel, the session endpoints of
//! [`crate::session_server`], the file endpoints of [`crate::file_server`] and the streams of
//! [`crate::stream_server`].

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use crate::session_server::{self, SessionStats};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A user as the demo API stores it.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct User {
    /// Identifier.
    pub id: u64,
    /// Display name.
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// Free-form tags.
    pub tags: Vec<String>,
}

#[derive(Default)]
struct Users {
    next_id: u64,
    all: Vec<User>,
}

type Shared = Arc<Mutex<Users>>;

/// A running demo server; it stops when the process exits.
#[derive(Debug)]
pub struct DemoServer {
    address: SocketAddr,
    stats: Arc<SessionStats>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl DemoServer {
    /// Starts the server on 127.0.0.1 with an ephemeral port, seeded with two users.
    ///
    /// # Errors
    ///
    /// When the loopback port cannot be bound.
    pub async fn start() -> std::io::Result<Self> {
        let users = Shared::default();
        {
            let mut state = users.lock().unwrap_or_else(PoisonError::into_inner);
            for (name, tags) in [("Ada", vec!["admin", "math"]), ("Linus", vec!["kernel"])] {
                state.next_id += 1;
                let id = state.next_id;
                state.all.push(User {
                    id,
                    name: name.to_owned(),
                    email: format!("{}@example.com", name.to_lowercase()),
                    tags: tags.into_iter().map(str::to_owned).collect(),
                });
            }
        }
        let app = Router::new()
            .route("/v1/users", get(list_users).post(create_user))
            .route("/v1/users/{id}", get(get_user).delete(delete_user))
            .route("/v1/health", get(health).head(health))
            .route("/v1/slow", get(slow))
            .route("/v1/feed", get(feed))
            .with_state(users);
        let stats = Arc::new(SessionStats::default());
        let app = app
            .merge(session_server::routes(stats.clone()))
            .merge(crate::file_server::routes())
            .merge(crate::stream_server::routes());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await;
        });
        Ok(Self {
            address,
            stats,
            stop: Some(stop),
        })
    }

    /// Stops the server: new connections are refused from then on, as when a phone goes
    /// offline.
    pub async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // Wait until the port is really closed.
        while tokio::net::TcpStream::connect(self.address).await.is_ok() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// What the session endpoints (token, `/me`, `/flaky`) have seen.
    pub fn stats(&self) -> &SessionStats {
        &self.stats
    }

    /// The base URL of the API, e.g. `http://127.0.0.1:41234/v1/`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1/", self.address)
    }
}

#[derive(Deserialize)]
struct ListQuery {
    page: Option<u32>,
    #[serde(rename = "per-page")]
    per_page: Option<usize>,
}

async fn list_users(
    State(users): State<Shared>,
    Query(query): Query<ListQuery>,
    uri: axum::http::Uri,
) -> Json<Vec<User>> {
    // Repeated `tag=a&tag=b` keys: read them from the raw query.
    let tags: Vec<String> = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.strip_prefix("tag="))
        .map(str::to_owned)
        .collect();
    let state = users.lock().unwrap_or_else(PoisonError::into_inner);
    let per_page = query.per_page.unwrap_or(10).max(1);
    let skip = (query.page.unwrap_or(1).max(1) as usize - 1) * per_page;
    let found = state
        .all
        .iter()
        .filter(|u| tags.iter().all(|t| u.tags.contains(t)))
        .skip(skip)
        .take(per_page)
        .cloned()
        .collect();
    Json(found)
}

async fn get_user(State(users): State<Shared>, Path(id): Path<u64>) -> Response {
    let state = users.lock().unwrap_or_else(PoisonError::into_inner);
    match state.all.iter().find(|u| u.id == id) {
        Some(user) => Json(user.clone()).into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({"code": "not_found"}))).into_response(),
    }
}

#[derive(Deserialize)]
struct NewUser {
    name: String,
    email: String,
    #[serde(default)]
    tags: Vec<String>,
}

async fn create_user(State(users): State<Shared>, Json(new): Json<NewUser>) -> Response {
    let mut errors = serde_json::Map::new();
    if new.name.trim().is_empty() {
        errors.insert("name".into(), json!(["must not be empty"]));
    }
    if !new.email.contains('@') {
        errors.insert("email".into(), json!(["must contain @"]));
    }
    if !errors.is_empty() {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({ "errors": errors })),
        )
            .into_response();
    }
    let mut state = users.lock().unwrap_or_else(PoisonError::into_inner);
    state.next_id += 1;
    let user = User {
        id: state.next_id,
        name: new.name,
        email: new.email,
        tags: new.tags,
    };
    state.all.push(user.clone());
    (StatusCode::CREATED, Json(user)).into_response()
}

async fn delete_user(State(users): State<Shared>, Path(id): Path<u64>) -> StatusCode {
    let mut state = users.lock().unwrap_or_else(PoisonError::into_inner);
    let before = state.all.len();
    state.all.retain(|u| u.id != id);
    if state.all.len() < before {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::NOT_FOUND
    }
}

async fn health() -> (HeaderMap, &'static str) {
    let mut headers = HeaderMap::new();
    headers.insert("x-version", axum::http::HeaderValue::from_static("demo-1"));
    (headers, "ok")
}

async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(30)).await;
    "finally"
}

/// A news feed that may be cached for one second and revalidated with its ETag.
async fn feed(headers: HeaderMap) -> Response {
    const ETAG: &str = "\"feed-v1\"";
    let cache_headers = [
        (axum::http::header::CACHE_CONTROL, "max-age=1"),
        (axum::http::header::ETAG, ETAG),
    ];
    if headers.get("if-none-match").is_some_and(|v| v == ETAG) {
        return (StatusCode::NOT_MODIFIED, cache_headers).into_response();
    }
    let items = json!([
        "Rust 2024 edition ships",
        "ferrofit gets a cache",
        "Offline-first apps, explained"
    ]);
    (cache_headers, Json(items)).into_response()
}
