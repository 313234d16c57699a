//! The OS credential stores, for real. The Secret Service is a `gnome-keyring-daemon` in a
//! D-Bus session of its own, with its keyring files in a temporary home: tokens written there
//! are read back by a new daemon in a new session — a reboot, as far as the store can tell.
//! The kernel keyring runs under `keyctl session -`. Each scenario is a child process of this
//! test binary (`support::child`), so it can have a bus or keyring of its own.
//! `.ci/run` installs dbus, gnome-keyring and keyutils and sets `FERROFIT_REQUIRE_TOOLS`.

#![cfg(target_os = "linux")]

mod support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ferrofit::Error;
use ferrofit::auth::{KeyringTokenStore, TokenStore, Tokens};

const SERVICE: &str = "ferrofit-tests";

fn tokens() -> Tokens {
    Tokens::new("access-s3cr3t")
        .with_refresh("refresh-s3cr3t")
        .expiring_at(UNIX_EPOCH + Duration::from_secs(4_000_000_000))
        .with_subject("alice")
}

fn unique_account() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("user-{}-{nanos}", std::process::id())
}

/// Runs child `name` for `account` under `wrapper` (a command and its arguments, the test
/// binary appended), with `home` as its home directory; returns what it printed.
fn run_child(wrapper: &[&str], name: &str, account: &str, home: Option<&Path>) -> String {
    let mut command = support::child::command(wrapper, name, account);
    if let Some(home) = home {
        command
            .env("HOME", home)
            .env_remove("XDG_DATA_HOME")
            .env_remove("XDG_RUNTIME_DIR");
    }
    let output = command.output().expect("the child runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{name}:\n{stdout}\n{stderr}");
    assert!(
        !stdout.contains("s3cr3t") && !stderr.contains("s3cr3t"),
        "no token in any output"
    );
    stdout
}

/// `dbus-run-session` with an unlocked `gnome-keyring-daemon`, or `None` (skipped, or failed
/// under `FERROFIT_REQUIRE_TOOLS`) where they are not installed.
fn secret_service_session() -> Option<Vec<&'static str>> {
    support::tools::require("dbus-run-session", "apt-get install dbus")?;
    support::tools::require("gnome-keyring-daemon", "apt-get install gnome-keyring")?;
    Some(vec![
        "dbus-run-session",
        "--",
        "sh",
        "-c",
        "printf ci-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec \"$@\"",
        "sh",
    ])
}

/// Two stores on one account behave as an app and its CLI would: neither erases or
/// overwrites the other's newer tokens.
fn check_two_processes_on_one_account(open: impl Fn() -> KeyringTokenStore) {
    let (app, cli) = (open(), open());
    assert_eq!(*app.get().expect("signed in"), tokens());
    let rotated = Tokens::new("access-2")
        .with_refresh("refresh-2")
        .with_subject("alice");
    cli.set(rotated.clone());
    assert!(
        !app.compare_and_clear(&tokens()),
        "the CLI's fresh tokens are not erased"
    );
    assert!(!app.compare_and_set(&tokens(), Tokens::new("stale")));
    assert_eq!(*open().get().unwrap(), rotated);
    assert!(app.compare_and_set(&rotated, tokens()));
    assert_eq!(*open().get().unwrap(), tokens());
}

#[test]
#[ignore = "a child process of another test in this file"]
fn secret_service_writer() {
    let account = support::child::value("secret_service_writer");
    let open = || KeyringTokenStore::new(SERVICE, &account).unwrap();
    open().set(tokens());
    assert_eq!(*open().get().expect("a new store reads them"), tokens());
    check_two_processes_on_one_account(open);
    println!("written");
}

#[test]
#[ignore = "a child process of another test in this file"]
fn secret_service_reader() {
    let account = support::child::value("secret_service_reader");
    let store = KeyringTokenStore::new(SERVICE, &account).unwrap();
    let read = store.get().expect("the tokens outlived the daemon");
    assert_eq!(*read, tokens());
    store.clear();
    assert!(
        KeyringTokenStore::new(SERVICE, &account)
            .unwrap()
            .get()
            .is_none()
    );
    println!("read after restart");
}

#[test]
fn tokens_in_the_secret_service_survive_a_restart_of_its_daemon() {
    let Some(session) = secret_service_session() else {
        return;
    };
    let home = support::TempDir::new();
    let account = unique_account();
    let written = run_child(
        &session,
        "secret_service_writer",
        &account,
        Some(home.path()),
    );
    assert!(written.contains("written"), "{written}");
    // A new bus and a new daemon, on the keyring files the first one wrote.
    let read = run_child(
        &session,
        "secret_service_reader",
        &account,
        Some(home.path()),
    );
    assert!(read.contains("read after restart"), "{read}");
    let files = std::fs::read_dir(home.path().join(".local/share/keyrings")).unwrap();
    for file in files {
        let bytes = std::fs::read(file.unwrap().path()).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains("s3cr3t"),
            "encrypted at rest"
        );
    }
}

#[test]
#[ignore = "a child process of another test in this file"]
fn secret_service_unreachable() {
    let account = support::child::value("secret_service_unreachable");
    let error = KeyringTokenStore::new(SERVICE, &account).unwrap_err();
    assert!(matches!(error, Error::Config { .. }), "{error:?}");
    let message = error.to_string();
    for expected in ["Secret Service", "dbus-run-session", "kernel_keyring"] {
        assert!(message.contains(expected), "`{expected}` in: {message}");
    }
    println!("refused at construction");
}

#[test]
fn a_secret_service_that_is_not_there_is_an_error_at_construction() {
    let output = support::child::command(&[], "secret_service_unreachable", &unique_account())
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/ferrofit/bus",
        )
        .env_remove("DISPLAY")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("refused at construction"), "{stdout}");
}

#[test]
#[ignore = "a child process of another test in this file"]
fn kernel_keyring_child() {
    let account = support::child::value("kernel_keyring_child");
    let open = || KeyringTokenStore::kernel_keyring(SERVICE, &account).unwrap();
    open().set(tokens());
    // A new store (a restarted app) reads them back from the kernel, not from memory.
    let read = open().get().expect("the tokens are in the keyring");
    assert_eq!(*read, tokens());
    assert_eq!(read.expires_at(), tokens().expires_at());
    check_two_processes_on_one_account(open);
    open().clear();
    assert!(open().get().is_none());
    println!("keyring round trip ok");
}

#[test]
fn tokens_round_trip_through_the_kernel_keyring() {
    if support::tools::keyctl().is_none() {
        return;
    }
    let output = run_child(
        &["keyctl", "session", "-"],
        "kernel_keyring_child",
        &unique_account(),
        None,
    );
    assert!(output.contains("keyring round trip ok"), "{output}");
}

/// Whether this process has a session keyring of its own, as `keyctl` reports it: without
/// one, `@s` is the user's default session keyring, `_uid_ses.<uid>`.
fn has_own_session_keyring() -> bool {
    let shown = Command::new("keyctl")
        .args(["show", "@s"])
        .output()
        .unwrap();
    let first = String::from_utf8_lossy(&shown.stdout)
        .lines()
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    !first.contains("_uid_ses.")
}

#[test]
fn the_kernel_keyring_without_a_session_keyring_is_an_error_at_construction_and_writes_nothing() {
    if support::tools::keyctl().is_none() {
        return;
    }
    let account = unique_account();
    let opened = KeyringTokenStore::kernel_keyring(SERVICE, &account);
    if has_own_session_keyring() {
        // A login session's process: the store works (the round-trip test covers the rest).
        let store = opened.expect("a process with a session keyring can keep tokens");
        store.clear();
        return;
    }
    let error = opened.unwrap_err();
    assert!(matches!(error, Error::Config { .. }), "{error:?}");
    assert!(
        error.to_string().contains("keyctl session -"),
        "the remedy: {error}"
    );
    let user_session = Command::new("keyctl")
        .args(["show", "@us"])
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&user_session.stdout);
    assert!(
        !listed.contains(&account),
        "nothing was left behind: {listed}"
    );
}
