//! A TCP relay to a loopback port that a test can shut and open again: one process's way to
//! Redis cut while the others keep theirs.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// Relays connections to `127.0.0.1:<target>` while open; shutting it drops every
/// connection and refuses new ones.
pub struct TcpGate {
    pub port: u16,
    open: Arc<AtomicBool>,
    /// Bumped on every shut, which ends the connections relayed so far.
    shut: watch::Sender<u64>,
    /// Connections accepted, relayed or refused.
    accepted: Arc<AtomicUsize>,
}

impl TcpGate {
    /// An open gate to `target`.
    pub async fn start(target: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let open = Arc::new(AtomicBool::new(true));
        let (shut, _) = watch::channel(0);
        let (is_open, shut_rx) = (open.clone(), shut.subscribe());
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                if !is_open.load(Ordering::SeqCst) {
                    continue;
                }
                let mut shut_rx = shut_rx.clone();
                shut_rx.mark_unchanged();
                tokio::spawn(async move {
                    let Ok(outbound) = TcpStream::connect(("127.0.0.1", target)).await else {
                        return;
                    };
                    let (mut inbound, mut outbound) = (inbound, outbound);
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = shut_rx.changed() => {}
                    }
                });
            }
        });
        Self {
            port,
            open,
            shut,
            accepted,
        }
    }

    /// Drops every relayed connection and refuses new ones.
    pub fn shut(&self) {
        self.open.store(false, Ordering::SeqCst);
        self.shut.send_modify(|n| *n += 1);
    }

    /// Connections accepted so far (relayed or refused): how often a client tried.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Relays new connections again.
    pub fn open(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}
