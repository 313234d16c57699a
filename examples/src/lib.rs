//! The demo API the examples call: a small in-process axum server on 127.0.0.1 with an
//! ephemeral port, so every example runs offline.

pub mod demo_server;
pub mod file_server;
pub mod quickstart_api;
pub mod session_server;
pub mod stream_server;
