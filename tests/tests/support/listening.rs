//! A server we did not write, started as a child process on a loopback port (prism,
//! json-server): ready once it prints its listening line, started again on a new port if
//! another process took the one it was given, and killed when dropped.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running server, stopped when dropped.
pub struct Listening {
    child: Child,
    port: u16,
}

impl Listening {
    /// Runs `command(port)` until its stdout or stderr has a line containing `ready`. Panics (naming
    /// `name` and what it said) when it exits first or is not ready within two minutes: a
    /// Node.js server takes seconds to start on a busy machine.
    pub fn start(name: &str, command: impl Fn(u16) -> Command, ready: &str) -> Self {
        let mut said = String::new();
        for _ in 0..3 {
            match start_on(name, &command, ready, free_port()) {
                Ok(started) => return started,
                Err(Start::PortTaken(stderr)) => said = stderr,
                Err(Start::Failed(why)) => panic!("{why}"),
            }
        }
        panic!("{name} found its port taken three times: {said}");
    }

    /// Runs `command(port)` on the given port (a server started again where its clients
    /// expect it), as [`start`](Self::start) does otherwise. Panics if it does not start.
    pub fn start_at(name: &str, command: impl Fn(u16) -> Command, ready: &str, port: u16) -> Self {
        match start_on(name, &command, ready, port) {
            Ok(started) => started,
            Err(Start::PortTaken(said) | Start::Failed(said)) => panic!("{name} on {port}: {said}"),
        }
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Why a server did not start.
enum Start {
    /// Another process bound the port first: what the server said.
    PortTaken(String),
    /// Anything else.
    Failed(String),
}

fn start_on(
    name: &str,
    command: &impl Fn(u16) -> Command,
    ready: &str,
    port: u16,
) -> Result<Listening, Start> {
    let mut child = command(port)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{name} starts: {e}"));
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().expect("piped stdout");
    relay(stdout, name.to_owned(), ready, ready_tx.clone(), None);
    // Kept as well as shown, to tell why the server exited.
    let stderr_text = Arc::new(Mutex::new(String::new()));
    let stderr = child.stderr.take().expect("piped stderr");
    let label = format!("{name} (stderr)");
    relay(
        stderr,
        label,
        ready,
        ready_tx,
        Some(Arc::clone(&stderr_text)),
    );
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(120) {
        if ready_rx.recv_timeout(Duration::from_millis(200)).is_ok() {
            return Ok(Listening { child, port });
        }
        if let Ok(Some(status)) = child.try_wait() {
            // Give the stderr thread a moment to read what the server said last.
            std::thread::sleep(Duration::from_millis(200));
            let said = stderr_text.lock().unwrap().clone();
            if said.contains("EADDRINUSE") {
                return Err(Start::PortTaken(said));
            }
            return Err(Start::Failed(format!(
                "{name} exited ({status}) before listening: {said}"
            )));
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    Err(Start::Failed(format!(
        "{name} did not start within {:?}: {}",
        started.elapsed(),
        stderr_text.lock().unwrap()
    )))
}

/// Shows each line of `output` as `label: line` for as long as the server runs (so a full pipe
/// never blocks it), says on `ready_tx` when one contains `marker`, and keeps them in `kept`.
fn relay(
    output: impl std::io::Read + Send + 'static,
    label: String,
    marker: &str,
    ready_tx: std::sync::mpsc::Sender<()>,
    kept: Option<Arc<Mutex<String>>>,
) {
    let marker = marker.to_owned();
    std::thread::spawn(move || {
        let mut ready_tx = Some(ready_tx);
        for line in BufReader::new(output).lines().map_while(Result::ok) {
            eprintln!("{label}: {line}");
            if line.contains(&marker)
                && let Some(tx) = ready_tx.take()
            {
                let _ = tx.send(());
            }
            if let Some(kept) = &kept {
                let mut kept = kept.lock().unwrap();
                kept.push_str(&line);
                kept.push('\n');
            }
        }
    });
}

/// A port the system hands out now (and that is free again once the listener is dropped).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}
