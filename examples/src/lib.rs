//! Demo server.
