//! An axum server on 127.0.0.1 for tests that need a real HTTP implementation on the other
//! side: its multipart parser (multer), its form parser, its compression (tower-http).

use axum::Router;
use axum::http::HeaderMap;
use bytes::Bytes;
use serde_json::{Value, json};

/// Serves `router` on a free loopback port; returns the base URL.
pub async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let base_url = format!("http://{}", listener.local_addr().expect("local addr"));
    tokio::spawn(async move {
        axum::serve(listener, router)
            .await
            .expect("test server runs");
    });
    base_url
}

/// Parses a multipart body with multer and echoes every part: name, file name, content type,
/// data.
pub async fn parse_multipart(headers: &HeaderMap, body: Bytes) -> Result<Value, String> {
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .ok_or("no content type")?;
    let boundary = multer::parse_boundary(content_type).map_err(|e| e.to_string())?;
    let chunks = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut form = multer::Multipart::new(chunks, boundary);
    let mut parts = Vec::new();
    while let Some(field) = form.next_field().await.map_err(|e| e.to_string())? {
        let name = field.name().map(str::to_owned);
        let file_name = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(ToString::to_string);
        let data = field.bytes().await.map_err(|e| e.to_string())?;
        parts.push(json!({
            "name": name,
            "file_name": file_name,
            "content_type": content_type,
            "data": String::from_utf8_lossy(&data),
        }));
    }
    Ok(Value::Array(parts))
}
