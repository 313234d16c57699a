//! A real `redis-server` (Debian package `redis-server`, which `.ci/run` installs) on a free
//! loopback port, with its own temporary directory and nothing saved, stopped when dropped.

use std::process::Command;

use super::listening::Listening;
use super::{TempDir, tools};

/// A running Redis, stopped (and its directory removed) when dropped.
pub struct Redis {
    server: Option<Listening>,
    _dir: TempDir,
}

impl Redis {
    /// Starts Redis, or `None` when it is not installed (and CI does not require it).
    pub fn start() -> Option<Self> {
        let binary = tools::require("redis-server", "apt-get install redis-server")?;
        let dir = TempDir::new();
        let path = dir.path().to_owned();
        let command = move |port: u16| {
            let mut command = Command::new(&binary);
            command
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args([
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--protected-mode",
                    "yes",
                ])
                .arg("--dir")
                .arg(&path);
            command
        };
        let server = Listening::start("redis", command, "Ready to accept connections");
        Some(Self {
            server: Some(server),
            _dir: dir,
        })
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        let origin = self.server.as_ref().expect("running").origin();
        origin.replacen("http://", "redis://", 1)
    }

    /// Stops the server now (a Redis that went down in the middle of a run).
    pub fn stop(&mut self) {
        self.server = None;
    }
}
