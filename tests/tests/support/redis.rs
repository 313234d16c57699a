//! A real `redis-server` (Debian package `redis-server`, which `.ci/run` installs) on a free
//! loopback port, with its own temporary directory and nothing saved, stopped when dropped.

use std::process::Command;

use super::listening::Listening;
use super::{TempDir, tools};

/// A running Redis, stopped (and its directory removed) when dropped.
pub struct Redis {
    server: Option<Listening>,
    /// `--tls-*` arguments, when it serves TLS only.
    tls: Vec<String>,
    /// Where it listens, kept across a stop.
    port: u16,
    binary: std::path::PathBuf,
    dir: TempDir,
}

impl Redis {
    /// Starts Redis, or `None` when it is not installed (and CI does not require it).
    pub fn start() -> Option<Self> {
        let binary = tools::require("redis-server", "apt-get install redis-server")?;
        let dir = TempDir::new();
        let server = Listening::start("redis", command(&binary, &dir, &[]), READY);
        Some(Self {
            port: server.port(),
            server: Some(server),
            tls: Vec::new(),
            binary,
            dir,
        })
    }

    /// Starts Redis serving TLS only (`rediss://`), with `chain`'s leaf (for `localhost`) and
    /// intermediate; clients must trust `chain`'s root.
    pub fn start_tls(chain: &super::tls::Chain) -> Option<Self> {
        let binary = tools::require("redis-server", "apt-get install redis-server")?;
        let dir = TempDir::new();
        let write = |name: &str, text: String| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).expect("a TLS file");
            path.to_string_lossy().into_owned()
        };
        let chain_pem = [
            super::tls::pem(&chain.leaf.der),
            chain.intermediate.pem.clone(),
        ]
        .concat();
        let cert = write("server.pem", chain_pem);
        let key = write("server.key", chain.leaf.key.serialize_pem());
        let ca = write("ca.pem", chain.root.pem.clone());
        let tls: Vec<String> = [
            "--tls-cert-file",
            &cert,
            "--tls-key-file",
            &key,
            "--tls-ca-cert-file",
            &ca,
            "--tls-auth-clients",
            "no",
        ]
        .map(str::to_owned)
        .into();
        let server = Listening::start("redis (TLS)", command(&binary, &dir, &tls), READY);
        Some(Self {
            port: server.port(),
            server: Some(server),
            tls,
            binary,
            dir,
        })
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Every key and what it holds (a string's bytes, a hash's fields and values one after
    /// the other), read over a connection of the test's own.
    pub async fn everything(&self) -> Vec<(String, Vec<u8>)> {
        let client = redis::Client::open(self.url()).unwrap();
        let mut connection = client.get_multiplexed_async_connection().await.unwrap();
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg("*")
            .query_async(&mut connection)
            .await
            .unwrap();
        let mut all = Vec::new();
        for key in keys {
            let kind: String = redis::cmd("TYPE")
                .arg(&key)
                .query_async(&mut connection)
                .await
                .unwrap();
            let value: Vec<u8> = if kind == "hash" {
                let fields: Vec<Vec<u8>> = redis::cmd("HGETALL")
                    .arg(&key)
                    .query_async(&mut connection)
                    .await
                    .unwrap();
                fields.concat()
            } else {
                redis::cmd("GET")
                    .arg(&key)
                    .query_async(&mut connection)
                    .await
                    .unwrap()
            };
            all.push((key, value));
        }
        all
    }

    /// Makes the server stop answering for `seconds` (`DEBUG SLEEP`: a Redis stalled by a
    /// slow command or a fork), and returns once it has.
    pub async fn stall(&self, seconds: u32) {
        let client = redis::Client::open(self.url()).unwrap();
        let mut connection = client.get_multiplexed_async_connection().await.unwrap();
        tokio::spawn(async move {
            let _: redis::RedisResult<()> = redis::cmd("DEBUG")
                .arg("SLEEP")
                .arg(seconds)
                .query_async(&mut connection)
                .await;
        });
        for _ in 0..50 {
            if self.is_stalled().await {
                return;
            }
        }
        panic!("Redis kept answering after DEBUG SLEEP");
    }

    /// Whether a `PING` on a new connection goes unanswered for 200 ms.
    pub async fn is_stalled(&self) -> bool {
        let ping = async {
            let client = redis::Client::open(self.url())?;
            let mut connection = client.get_multiplexed_async_connection().await?;
            redis::cmd("PING")
                .query_async::<String>(&mut connection)
                .await
        };
        tokio::time::timeout(std::time::Duration::from_millis(200), ping)
            .await
            .is_err()
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server now (a Redis that went down in the middle of a run).
    pub fn stop(&mut self) {
        self.server = None;
    }

    /// Starts it again on the same port, empty (a Redis that lost its data).
    pub fn restart(&mut self) {
        self.server = None;
        let command = command(&self.binary, &self.dir, &self.tls);
        self.server = Some(Listening::start_at("redis", command, READY, self.port));
    }
}

/// What Redis prints once it listens.
const READY: &str = "Ready to accept connections";

/// The command line of a Redis on a port, saving nothing, in `dir`; with `tls` arguments,
/// serving TLS only on that port.
fn command(
    binary: &std::path::Path,
    dir: &TempDir,
    tls: &[String],
) -> impl Fn(u16) -> Command + use<> {
    let (binary, path, tls) = (binary.to_owned(), dir.path().to_owned(), tls.to_vec());
    move |port: u16| {
        let mut command = Command::new(&binary);
        if tls.is_empty() {
            command.args(["--port", &port.to_string()]);
        } else {
            command
                .args(["--port", "0", "--tls-port", &port.to_string()])
                .args(&tls);
        }
        command
            .args(["--bind", "127.0.0.1", "--enable-debug-command", "local"])
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
    }
}
