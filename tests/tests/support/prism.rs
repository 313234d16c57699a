//! `prism mock` (npm `@stoplight/prism-cli`) serving an OpenAPI document on loopback: a server
//! we did not write that validates every request against the document (422 when one violates
//! it) and answers with examples generated from the document's schemas.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::tools;

/// A running prism mock server, stopped when dropped.
pub struct Prism {
    child: Child,
    port: u16,
}

impl Prism {
    /// Starts prism on the document at `spec`, or `None` when prism is not installed (and CI
    /// does not require it).
    pub fn start(spec: &Path) -> Option<Self> {
        let prism = tools::require("prism", "npm install -g @stoplight/prism-cli")?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut child = Command::new(prism)
            .args(["mock", "--host", "127.0.0.1", "--port", &port.to_string()])
            .arg(spec)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("prism starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut ready_tx = Some(ready_tx);
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                eprintln!("prism: {line}");
                if line.contains("Prism is listening")
                    && let Some(tx) = ready_tx.take()
                {
                    let _ = tx.send(());
                }
            }
        });
        let started = Instant::now();
        // Prism (Node.js) takes a few seconds to start on a busy machine.
        if ready_rx.recv_timeout(Duration::from_secs(120)).is_err() {
            let _ = child.kill();
            let output = child.wait_with_output().expect("prism exits");
            panic!(
                "prism did not start within {:?}: {}",
                started.elapsed(),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Some(Self { child, port })
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
