//! `download_to` syncs the file to disk before it takes its final name, so a power loss
//! leaves the old file or the whole new one at the path, never a truncated one. Watched for
//! real: the download runs in a child process of this test binary under `strace`, which
//! records the `fsync` and `rename` system calls in the order the kernel saw them.
//! `.ci/run` installs strace and sets `FERROFIT_REQUIRE_TOOLS`.

#![cfg(target_os = "linux")]

mod support;

use std::process::Command;

use ferrofit::{ByteStream, rest_api};
use support::{Answer, CaptureServer};

#[rest_api]
trait Files {
    #[get("/file")]
    async fn file(&self) -> ferrofit::Result<ByteStream>;
}

const CHILD: &str = "FERROFIT_DOWNLOAD_CHILD";

/// In the child (`FERROFIT_DOWNLOAD_CHILD` names the target path): downloads a file there.
/// Run directly, it downloads into a directory of its own and checks the file.
#[tokio::test]
async fn download_into_the_path_the_parent_names() {
    let server = CaptureServer::start(Answer::Full(
        "HTTP/1.1 200 OK\r\ncontent-length: 12\r\n\r\nwhole report",
    ))
    .await;
    let dir = std::env::temp_dir().join(format!("ferrofit-durability-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let target =
        std::env::var(CHILD).unwrap_or_else(|_| dir.join("report.txt").display().to_string());
    let api = FilesClient::new(support::client(&server.base_url));
    let written = api
        .file()
        .await
        .unwrap()
        .download_to(&target)
        .await
        .unwrap();
    assert_eq!(written, 12);
    assert_eq!(std::fs::read(&target).unwrap(), b"whole report");
    if std::env::var(CHILD).is_err() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn the_file_is_synced_before_it_is_renamed_into_place() {
    let Some(strace) = support::tools::require("strace", "apt-get install strace") else {
        return;
    };
    let dir =
        std::env::temp_dir().join(format!("ferrofit-durability-parent-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let target = dir.join("report.txt");
    let log = dir.join("strace.log");
    let output = Command::new(strace)
        .args([
            "-f",
            "-qq",
            "-e",
            "trace=fsync,fdatasync,rename,renameat,renameat2",
            "-o",
        ])
        .arg(&log)
        .arg(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "download_into_the_path_the_parent_names",
            "--test-threads=1",
        ])
        .env(CHILD, &target)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let calls = std::fs::read_to_string(&log).unwrap();
    let rename = calls
        .lines()
        .position(|line| {
            line.contains("rename") && line.contains(".part") && line.contains("report.txt\"")
        })
        .unwrap_or_else(|| panic!("no rename of the partial file into place:\n{calls}"));
    let synced = calls
        .lines()
        .take(rename)
        .any(|line| line.contains("fsync(") || line.contains("fdatasync("));
    assert!(synced, "no fsync before the rename:\n{calls}");
    std::fs::remove_dir_all(&dir).unwrap();
}
