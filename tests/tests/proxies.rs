//! Proxies from the environment (`HTTP_PROXY`, `NO_PROXY`), on both transports, through a real
//! proxy: tinyproxy, which marks what it forwards with `Via`. Each scenario runs in a child
//! process of its own, the environment set on it (a test must not change its own).

mod support;

use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

use ferrofit::rest_api;
use support::{Answer, CaptureServer, TempDir, child};

#[rest_api]
trait Hello {
    #[get("/hello")]
    async fn hello(&self) -> ferrofit::Result<String>;
}

const REPLY: &str = "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 5\r\n\r\nhello";

/// A real proxy server on a port of its own, stopped when dropped.
struct RealProxy {
    port: u16,
    _running: child::Running,
    dir: TempDir,
}

impl RealProxy {
    /// Starts `program` with `args(config path)`, its configuration written by
    /// `config(port, directory)`; `None` (a skip, or a failure in CI) when it is not
    /// installed or does not listen within 10 s.
    fn start(
        program: &str,
        install: &str,
        config: impl FnOnce(u16, &std::path::Path) -> String,
        args: impl FnOnce(&std::path::Path) -> Vec<std::ffi::OsString>,
    ) -> Option<Self> {
        let path = support::tools::require(program, install)?;
        // A free port: taken from the kernel, released, handed to the proxy.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let dir = TempDir::new();
        let file = dir.path().join(format!("{program}.conf"));
        std::fs::write(&file, config(port, dir.path())).expect("write the configuration");
        let running = child::Running::spawn(
            Command::new(path)
                .args(args(&file))
                .stdout(std::process::Stdio::null()),
        );
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if started.elapsed() > Duration::from_secs(10) {
                support::tools::unavailable(
                    program,
                    &format!("it did not listen on {port} within 10 s"),
                );
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(Self {
            port,
            _running: running,
            dir,
        })
    }

    /// tinyproxy: HTTP, forwarding and `CONNECT`, logging each request to `tinyproxy.log`.
    fn tinyproxy() -> Option<Self> {
        Self::start(
            "tinyproxy",
            "apt-get install tinyproxy",
            |port, dir| {
                format!(
                    "Port {port}\nListen 127.0.0.1\nTimeout 30\nAllow 127.0.0.1\nMaxClients 20\nLogLevel Connect\nLogFile \"{}\"\n",
                    dir.join("tinyproxy.log").display()
                )
            },
            |config| vec!["-d".into(), "-c".into(), config.into()],
        )
    }

    /// dante: SOCKS5, logging each connection to `danted.log`.
    fn dante() -> Option<Self> {
        Self::start(
            "danted",
            "apt-get install dante-server",
            |port, dir| {
                format!(
                    "logoutput: {}\ninternal: 127.0.0.1 port = {port}\nexternal: 127.0.0.1\nsocksmethod: none\nclientmethod: none\nuser.unprivileged: nobody\nclient pass {{ from: 127.0.0.0/8 to: 0.0.0.0/0 }}\nsocks pass {{ from: 127.0.0.0/8 to: 0.0.0.0/0 log: connect }}\n",
                    dir.join("danted.log").display()
                )
            },
            |config| vec!["-f".into(), config.into(), "-N".into(), "1".into()],
        )
    }

    fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default()
    }

    /// The `CONNECT` requests tinyproxy logged.
    fn tunnels(&self) -> Vec<String> {
        self.log("tinyproxy.log")
            .lines()
            .filter_map(|line| {
                line.split_once("): CONNECT ")
                    .map(|(_, target)| target.to_owned())
            })
            .collect()
    }

    /// The destinations dante connected to, as `address.port`.
    fn connections(&self) -> Vec<String> {
        self.log("danted.log")
            .lines()
            .filter(|line| line.contains("tcp/connect ["))
            .filter_map(|line| line.rsplit(' ').next().map(str::to_owned))
            .collect()
    }
}

/// Runs the child test `calls_through_both_transports` with `value` (the base URL, and the path
/// of a root certificate to trust after a space), with `env` set and every proxy variable of
/// ours removed first.
async fn run_child(value: &str, env: &[(&str, String)]) {
    let mut command = child::command(&[], "calls_through_both_transports", value);
    for name in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
        "FERROFIT_TRANSPORT",
    ] {
        command.env_remove(name);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    let output = tokio::task::spawn_blocking(move || command.output().expect("the child runs"))
        .await
        .expect("the child's thread");
    assert!(
        output.status.success(),
        "the child failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The `Via` header of each request the server saw.
fn vias(server: &CaptureServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .map(|request| request.header_values("via").join(","))
        .collect()
}

#[tokio::test]
async fn http_proxy_from_the_environment_carries_both_transports_and_no_proxy_bypasses_it() {
    let Some(proxy) = RealProxy::tinyproxy() else {
        return;
    };
    let server = CaptureServer::start(Answer::Full(REPLY)).await;
    let proxy_url = format!("http://127.0.0.1:{}", proxy.port);

    run_child(&server.base_url, &[("HTTP_PROXY", proxy_url.clone())]).await;
    let through = vias(&server);
    assert_eq!(through.len(), 2, "one call per transport: {through:?}");
    for via in &through {
        assert!(
            via.contains("tinyproxy"),
            "not through the proxy: {through:?}"
        );
    }

    // The lower-case name too, and `NO_PROXY` naming the host sends both calls direct.
    run_child(
        &server.base_url,
        &[
            ("http_proxy", proxy_url),
            ("NO_PROXY", "127.0.0.1".to_owned()),
        ],
    )
    .await;
    let all = vias(&server);
    assert_eq!(all.len(), 4, "{all:?}");
    assert_eq!(&all[2..], ["", ""], "NO_PROXY was not honoured: {all:?}");
}

/// The attacker is the origin a `NO_PROXY` rule sends a call to directly: it must not receive
/// the credentials of the proxy the other calls use.
#[tokio::test]
async fn a_proxys_credentials_never_reach_an_origin_called_directly() {
    let Some(proxy) = RealProxy::tinyproxy() else {
        return;
    };
    let server = CaptureServer::start(Answer::Full(REPLY)).await;
    run_child(
        &server.base_url,
        &[
            (
                "HTTP_PROXY",
                format!("http://proxy-user:pw-s3cret@127.0.0.1:{}", proxy.port),
            ),
            ("NO_PROXY", "127.0.0.1".to_owned()),
        ],
    )
    .await;
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "one call per transport");
    for request in &requests {
        assert!(
            request.header_values("via").is_empty(),
            "went through the proxy"
        );
        assert!(
            request.header_values("proxy-authorization").is_empty(),
            "the origin got the proxy's credentials: {:?}",
            request.headers
        );
        assert!(!format!("{:?}", request.headers).contains("cHJveHktdXNlcjpwdy1zM2NyZXQ="));
    }
}

#[tokio::test]
async fn https_goes_through_a_connect_tunnel_and_tls_is_end_to_end() {
    let Some(proxy) = RealProxy::tinyproxy() else {
        return;
    };
    let chain = support::tls::Chain::new();
    let server = support::tls::TlsServer::start(chain.presented(), &chain.leaf.key).await;
    let root = proxy.dir.path().join("root.pem");
    std::fs::write(&root, &chain.root.pem).expect("write the root");
    let value = format!("{} {}", server.url("localhost"), root.display());

    run_child(
        &value,
        &[("HTTPS_PROXY", format!("http://127.0.0.1:{}", proxy.port))],
    )
    .await;
    let target = format!("localhost:{}", server.port);
    let tunnels = proxy.tunnels();
    assert_eq!(
        tunnels,
        [format!("{target} HTTP/1.1"), format!("{target} HTTP/1.1")],
        "one tunnel per transport"
    );
    // TLS ran inside the tunnel, to the origin: its certificate was verified and it answered.
    assert_eq!(server.requests(), 2);
}

/// SOCKS5 is the hyper-util transport's: reqwest's needs its `socks` feature, which ferrofit
/// leaves off (it costs every call on reqwest some 700 instructions).
#[tokio::test]
async fn socks5_from_all_proxy_carries_the_hyper_transport() {
    let Some(socks) = RealProxy::dante() else {
        return;
    };
    let server = CaptureServer::start(Answer::Full(REPLY)).await;
    // `socks5h`: the proxy resolves the name.
    let base = server.base_url.replace("127.0.0.1", "localhost");
    run_child(
        &format!("{base} - hyper"),
        &[("ALL_PROXY", format!("socks5h://127.0.0.1:{}", socks.port))],
    )
    .await;
    assert_eq!(server.requests().len(), 1);
    let port = base
        .rsplit(':')
        .next()
        .expect("a port")
        .trim_end_matches('/');
    let connections = socks.connections();
    assert_eq!(
        connections
            .iter()
            .filter(|c| c.ends_with(&format!(".{port}")))
            .count(),
        1,
        "the call went through the SOCKS5 proxy: {connections:?}"
    );
}

#[tokio::test]
async fn a_proxy_set_in_code_carries_both_transports() {
    let Some(proxy) = RealProxy::tinyproxy() else {
        return;
    };
    let server = CaptureServer::start(Answer::Full(REPLY)).await;
    for builder in [
        ferrofit::Client::builder(),
        ferrofit::Client::builder().hyper_transport(),
    ] {
        let client = builder
            .base_url(&server.base_url)
            .proxy(format!("http://127.0.0.1:{}", proxy.port))
            .build()
            .expect("client");
        assert_eq!(
            HelloClient::new(client).hello().await.expect("call"),
            "hello"
        );
    }
    let through = vias(&server);
    assert_eq!(through.len(), 2, "{through:?}");
    assert!(
        through.iter().all(|via| via.contains("tinyproxy")),
        "not through the proxy: {through:?}"
    );
}

#[test]
fn a_proxy_that_cannot_be_used_fails_at_build_without_showing_its_password() {
    for url in [
        "ftp://user:pw-s3cret@proxy.test",
        "http://user:pw-s3cret@[oops",
    ] {
        let error = ferrofit::Client::builder()
            .base_url("http://127.0.0.1:1")
            .proxy(url)
            .build()
            .unwrap_err();
        let shown = format!("{error} {error:?}");
        assert!(matches!(error, ferrofit::Error::Config { .. }), "{shown}");
        assert!(!shown.contains("pw-s3cret"), "{shown}");
    }
    let error = ferrofit::Client::builder()
        .base_url("http://127.0.0.1:1")
        .proxy("http://127.0.0.1:3128")
        .http_client(reqwest::Client::new())
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("proxy"), "{error}");
}

/// Child of the tests above. Its value: the base URL, then optionally the path of a root
/// certificate to trust (`-` for none) and `hyper` to call only on the hyper-util transport;
/// otherwise one call on reqwest and one on hyper-util.
#[tokio::test]
#[ignore = "a child process of the proxy tests in this file"]
async fn calls_through_both_transports() {
    let value = child::value("calls_through_both_transports");
    let mut parts = value.split(' ');
    let base = parts.next().expect("a base URL");
    let root = parts.next().filter(|root| *root != "-");
    let builders = match parts.next() {
        Some("hyper") => vec![ferrofit::Client::builder().hyper_transport()],
        _ => vec![
            ferrofit::Client::builder(),
            ferrofit::Client::builder().hyper_transport(),
        ],
    };
    for builder in builders {
        let mut builder = builder.base_url(base);
        if let Some(root) = root {
            builder = builder.add_root_certificate(std::fs::read(root).expect("the root"));
        }
        let client = builder.build().expect("client");
        let reply = HelloClient::new(client).hello().await.expect("call");
        assert!(reply == "hello" || reply == "secure pong", "{reply}");
    }
}
