//! An axum server on 127.0.0.1 for tests that need a real HTTP implementation on the other
//! side: its multipart parser (multer), its form parser, its compression (tower-http).

use axum::Router;

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
