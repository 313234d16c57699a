//! Re-running this test binary as a child process that runs one `#[ignore]`d test: for
//! scenarios that need a process of their own (a D-Bus session, a kernel keyring, a writer to
//! kill). The child tests are `#[ignore]`d, so a normal run lists them as ignored instead of
//! passing them as empty tests; only their parent runs them, with `--ignored --exact`.

use std::process::{Child, Command};

/// The variable that tells a child which test its parent started, and with what value.
const CHILD: &str = "FERROFIT_TEST_CHILD";

/// A command that runs only the ignored test `name` of this binary, given `value` (read with
/// [`value`]), under `wrapper` (a command and its arguments, the binary appended) if any.
pub fn command(wrapper: &[&str], name: &str, value: &str) -> Command {
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut command = match wrapper.split_first() {
        Some((program, args)) => {
            let mut command = Command::new(program);
            command.args(args).arg(exe);
            command
        }
        None => Command::new(exe),
    };
    command
        .args([
            "--ignored",
            "--exact",
            name,
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, format!("{name}={value}"));
    command
}

/// In child test `name`: the value its parent gave. Panics when the test was run directly.
#[track_caller]
pub fn value(name: &str) -> String {
    let given = std::env::var(CHILD).unwrap_or_default();
    match given.split_once('=') {
        Some((child, value)) if child == name => value.to_owned(),
        _ => panic!("`{name}` is a child process of another test: run that test instead"),
    }
}

/// A running child, killed and reaped when this is dropped, so a parent whose assertion fails
/// first never leaves it running.
pub struct Running(Child);

impl Running {
    /// Starts `command`.
    pub fn spawn(command: &mut Command) -> Self {
        Self(command.spawn().expect("the child starts"))
    }

    /// The child's stdout, if it was piped (once).
    pub fn stdout(&mut self) -> Option<std::process::ChildStdout> {
        self.0.stdout.take()
    }

    /// The child's process id.
    pub fn id(&self) -> u32 {
        self.0.id()
    }

    /// Sends `signal` (`STOP`, `CONT`) to the child with `kill(1)`.
    pub fn signal(&self, signal: &str) {
        let sent = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.0.id().to_string())
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill -{signal}");
    }

    /// Waits for the child to exit on its own; whether it succeeded.
    pub fn wait(mut self) -> bool {
        let status = self.0.wait().expect("the child ends");
        status.success()
    }

    /// Kills the child now and waits for it.
    pub fn kill(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
    }
}
