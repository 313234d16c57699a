//! The OS keyring token store, for real: on Linux the kernel's keyutils, in a session keyring
//! of its own (`keyctl session -` runs the round trip in a child process; CI installs
//! `keyutils` for that command).

#![cfg(target_os = "linux")]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ferrofit::auth::{KeyringTokenStore, TokenStore, Tokens};

/// Run by `tokens_round_trip_through_the_kernel_keyring` under `keyctl session -`.
#[test]
fn keyring_child() {
    let Ok(account) = std::env::var("FERROFIT_KEYRING_CHILD") else {
        return;
    };
    let service = "ferrofit-tests";
    let expires = UNIX_EPOCH + Duration::from_secs(4_000_000_000);
    let tokens = Tokens::new("access-s3cr3t")
        .with_refresh("refresh-s3cr3t")
        .expiring_at(expires)
        .with_subject("alice");
    KeyringTokenStore::new(service, &account)
        .unwrap()
        .set(tokens.clone());

    // A new store (a restarted app) reads them back from the kernel, not from memory.
    let reopened = KeyringTokenStore::new(service, &account).unwrap();
    let read = reopened.get().expect("the tokens are in the keyring");
    assert_eq!(*read, tokens);
    assert_eq!(read.expires_at(), Some(expires));

    let rotated = Tokens::new("access-2")
        .with_refresh("refresh-2")
        .with_subject("alice");
    assert!(!reopened.compare_and_set(&Tokens::new("stale"), rotated.clone()));
    assert!(reopened.compare_and_set(&tokens, rotated.clone()));
    let again = KeyringTokenStore::new(service, &account).unwrap();
    assert_eq!(*again.get().unwrap(), rotated);

    again.clear();
    assert!(
        KeyringTokenStore::new(service, &account)
            .unwrap()
            .get()
            .is_none()
    );
    println!("keyring round trip ok");
}

#[test]
fn tokens_round_trip_through_the_kernel_keyring() {
    let account = format!(
        "user-{}-{}",
        std::process::id(),
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let output = std::process::Command::new("keyctl")
        .args(["session", "-"])
        .arg(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "keyring_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("FERROFIT_KEYRING_CHILD", &account)
        .output()
        .expect("`keyctl` runs (Debian package keyutils)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("keyring round trip ok"),
        "{stdout}\n{stderr}"
    );
    assert!(
        !stdout.contains("s3cr3t") && !stderr.contains("s3cr3t"),
        "no token in any output"
    );
}
