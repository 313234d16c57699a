//! The demo API the examples call: a small in-process axum server on 127.0.0.1 with an
//! ephemeral port, so every example runs offline; and a local `redis-server` for the fleet
//! example.

pub mod demo_server;
pub mod file_server;
pub mod local_redis;
pub mod quickstart_api;
pub mod session_server;
pub mod stream_server;
