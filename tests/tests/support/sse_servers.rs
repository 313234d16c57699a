//! Event-stream servers we did not write, started from `tests/servers/`: one on sse-starlette
//! (PyPI, under uvicorn) and one on better-sse (npm, on Node's `http`). Both serve the same
//! routes (see `tests/servers/sse_starlette_app.py`).

use std::path::Path;
use std::process::Command;

use super::listening::Listening;
use super::tools;

/// Which implementation.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    SseStarlette,
    BetterSse,
}

/// A running server, stopped when dropped.
pub struct SseServer(Listening);

impl SseServer {
    /// Starts it, or `None` when its runtime is not installed (and CI does not require it).
    pub fn start(kind: Kind) -> Option<Self> {
        let servers = Path::new(env!("CARGO_MANIFEST_DIR")).join("servers");
        let listening = match kind {
            Kind::SseStarlette => {
                // The Python of the virtual environment uvicorn and sse-starlette are in.
                let uvicorn = tools::require("uvicorn", "pip install sse-starlette uvicorn")?;
                let python = uvicorn.with_file_name("python");
                let script = servers.join("sse_starlette_app.py");
                let command = |port: u16| {
                    let mut command = Command::new(&python);
                    command.arg(&script).arg(port.to_string());
                    command
                };
                // uvicorn logs on stderr once it listens.
                Listening::start("sse-starlette", command, "Uvicorn running on")
            }
            Kind::BetterSse => {
                let node = tools::require("node", "apt-get install nodejs")?;
                let modules = tools::find("json-server")
                    .and_then(|p| p.parent()?.parent().map(Path::to_path_buf))
                    .filter(|m| m.join("better-sse").exists());
                let Some(modules) = modules else {
                    tools::unavailable("better-sse", "it is not installed (`.ci/run` does it)");
                    return None;
                };
                let script = servers.join("better_sse_server.js");
                let command = |port: u16| {
                    let mut command = Command::new(&node);
                    command
                        .arg(&script)
                        .arg(port.to_string())
                        .env("NODE_PATH", &modules);
                    command
                };
                Listening::start("better-sse", command, "listening")
            }
        };
        Some(Self(listening))
    }

    /// `http://127.0.0.1:<port>`.
    pub fn origin(&self) -> String {
        self.0.origin()
    }
}
