//! json-server 0.17 (npm) serving a JSON file as a REST API on loopback: a server we did not
//! write, which pages `?_page=&_limit=` with GitHub-style `Link` headers (`first`, `prev`,
//! `next`, `last`; an empty `Link:` when everything fits on one page).

use std::process::Command;

use super::listening::Listening;
use super::tools;

/// A running json-server, stopped when dropped; its database file lives as long as it does.
pub struct JsonServer {
    server: Listening,
    _db: super::TempDir,
}

impl JsonServer {
    /// Serves `db` (a JSON object: collection name → array of records), or `None` when
    /// json-server is not installed (and CI does not require it).
    pub fn start(db: &serde_json::Value) -> Option<Self> {
        let program = tools::require("json-server", "npm install -g json-server@0.17")?;
        let dir = super::TempDir::new();
        let file = dir.path().join("db.json");
        std::fs::write(&file, db.to_string()).expect("write the database");
        let command = |port: u16| {
            let mut command = Command::new(&program);
            command
                .args(["--host", "127.0.0.1", "--port", &port.to_string()])
                .arg(&file);
            command
        };
        // It prints its routes, then `Home`, once it listens.
        let server = Listening::start("json-server", command, "Home");
        Some(Self { server, _db: dir })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn origin(&self) -> String {
        self.server.origin()
    }
}
