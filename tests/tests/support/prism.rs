//! `prism mock` (npm `@stoplight/prism-cli`) serving an OpenAPI document on loopback: a server
//! we did not write that validates every request against the document (422 when one violates
//! it) and answers with examples generated from the document's schemas.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::tools;

/// A running prism mock server, stopped when dropped.
pub struct Prism {
    child: Child,
    port: u16,
}

impl Prism {
    /// Starts prism on the document at `spec`, or `None` when prism is not installed (and CI
    /// does not require it). The port is one the system just handed out; if another process
    /// took it before prism bound it, prism is started again on a new one.
    pub fn start(spec: &Path) -> Option<Self> {
        let prism = tools::require("prism", "npm install -g @stoplight/prism-cli")?;
        let mut said = String::new();
        for _ in 0..3 {
            match Self::start_on(&prism, spec, free_port()) {
                Ok(started) => return Some(started),
                Err(Start::PortTaken(stderr)) => said = stderr,
                Err(Start::Failed(why)) => panic!("{why}"),
            }
        }
        panic!("prism found its port taken three times: {said}");
    }

    fn start_on(prism: &Path, spec: &Path, port: u16) -> Result<Self, Start> {
        let mut child = Command::new(prism)
            .args(["mock", "--host", "127.0.0.1", "--port", &port.to_string()])
            .arg(spec)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("prism starts");
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().expect("piped stdout");
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
        // Drained for as long as prism runs, so a full pipe never blocks it.
        let stderr_text = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().expect("piped stderr");
        let seen = Arc::clone(&stderr_text);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("prism (stderr): {line}");
                let mut seen = seen.lock().unwrap();
                seen.push_str(&line);
                seen.push('\n');
            }
        });
        let started = Instant::now();
        // Prism (Node.js) takes a few seconds to start on a busy machine.
        while started.elapsed() < Duration::from_secs(120) {
            if ready_rx.recv_timeout(Duration::from_millis(200)).is_ok() {
                return Ok(Self { child, port });
            }
            if let Ok(Some(status)) = child.try_wait() {
                // Give the stderr thread a moment to read what prism said last.
                std::thread::sleep(Duration::from_millis(200));
                let said = stderr_text.lock().unwrap().clone();
                if said.contains("EADDRINUSE") {
                    return Err(Start::PortTaken(said));
                }
                return Err(Start::Failed(format!(
                    "prism exited ({status}) before listening: {said}"
                )));
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        Err(Start::Failed(format!(
            "prism did not start within {:?}: {}",
            started.elapsed(),
            stderr_text.lock().unwrap()
        )))
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

/// Why prism did not start.
enum Start {
    /// Another process bound the port first: what prism said.
    PortTaken(String),
    /// Anything else.
    Failed(String),
}

/// A port the system hands out now (and that is free again once the listener is dropped).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}
