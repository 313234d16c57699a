//! File endpoints of the demo API: `POST /v1/files` takes a multipart upload and streams its
//! `file` part to disk; `GET /v1/files/{name}` streams a stored file back. Neither holds a
//! whole file in memory.

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

/// What the server reports about a stored upload.
#[derive(Debug, Serialize, serde::Deserialize)]
pub struct Stored {
    /// The name to download it by.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its SHA-256, hex.
    pub sha256: String,
}

/// Where uploads go: a directory of its own under the system's temporary directory.
struct Storage {
    dir: PathBuf,
}

/// The file routes, storing under a fresh temporary directory.
pub(crate) fn routes() -> Router {
    let dir = std::env::temp_dir().join(format!("ferrofit-demo-files-{}", std::process::id()));
    let storage = Arc::new(Storage { dir });
    Router::new()
        .route("/v1/files", post(upload))
        .route("/v1/files/{name}", get(download))
        .layer(DefaultBodyLimit::disable())
        .with_state(storage)
}

fn bad_request(message: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "message": message.into() })),
    )
        .into_response()
}

async fn upload(State(storage): State<Arc<Storage>>, mut form: Multipart) -> Response {
    if let Err(e) = tokio::fs::create_dir_all(&storage.dir).await {
        return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response();
    }
    loop {
        let mut field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => return bad_request("no `file` part"),
            Err(e) => return bad_request(e.to_string()),
        };
        if field.name() != Some("file") {
            continue;
        }
        // Only the last path component, and nothing that climbs out of the directory.
        let name = field
            .file_name()
            .and_then(|n| std::path::Path::new(n).file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| !n.starts_with('.'))
            .unwrap_or_else(|| "upload.bin".to_owned());
        let Ok(mut file) = tokio::fs::File::create(storage.dir.join(&name)).await else {
            return bad_request("cannot store that file name");
        };
        let (mut size, mut hash) = (0_u64, Sha256::new());
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    size += chunk.len() as u64;
                    hash.update(&chunk);
                    if let Err(e) = file.write_all(&chunk).await {
                        return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response();
                    }
                }
                Ok(None) => break,
                Err(e) => return bad_request(e.to_string()),
            }
        }
        let sha256 = format!("{:x}", hash.finalize());
        return (StatusCode::CREATED, Json(Stored { name, size, sha256 })).into_response();
    }
}

async fn download(State(storage): State<Arc<Storage>>, Path(name): Path<String>) -> Response {
    if name.contains(['/', '\\']) || name.starts_with('.') {
        return bad_request("bad file name");
    }
    let Ok(file) = tokio::fs::File::open(storage.dir.join(&name)).await else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({ "message": "no such file" })),
        )
            .into_response();
    };
    let size = file.metadata().await.map(|m| m.len()).unwrap_or(0);
    let body = Body::from_stream(tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024));
    ([(header::CONTENT_LENGTH, size.to_string())], body).into_response()
}
