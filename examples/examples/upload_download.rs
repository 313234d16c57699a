//! Run with: cargo run --example upload_download
//!
//! Uploads a generated file as a multipart part with a progress bar, downloads it back
//! streaming to disk with another, and checks that the SHA-256 of both copies match. Neither
//! side holds the file in memory.

use std::io::Write;
use std::path::Path;

use ferrofit::{ByteStream, Part, Progress, rest_api};
use ferrofit_examples::demo_server::DemoServer;
use ferrofit_examples::file_server::Stored;
use indicatif::{ProgressBar, ProgressStyle};
use sha2::{Digest, Sha256};

#[rest_api]
trait Files {
    /// Stores `file` under its file name.
    #[post("/files")]
    #[multipart]
    async fn upload(
        &self,
        #[part] description: &str,
        #[part] file: Part,
        #[progress] progress: &Progress,
    ) -> ferrofit::Result<Stored>;

    /// Streams a stored file back.
    #[get("/files/<name>")]
    async fn download(
        &self,
        name: &str,
        #[progress] progress: &Progress,
    ) -> ferrofit::Result<ByteStream>;
}

const SIZE: u64 = 48 * 1024 * 1024;

/// A progress bar driven by one direction of a transfer.
fn bar(label: &'static str) -> (ProgressBar, Progress) {
    let bar = ProgressBar::new(SIZE);
    bar.set_style(
        ProgressStyle::with_template(
            "{prefix:>9} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec}",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    bar.set_prefix(label);
    let (up, down) = (bar.clone(), bar.clone());
    let progress = Progress::new()
        .on_upload(move |sent, total| {
            up.set_length(total.unwrap_or(sent));
            up.set_position(sent);
        })
        .on_download(move |received, total| {
            down.set_length(total.unwrap_or(received));
            down.set_position(received);
        });
    (bar, progress)
}

/// Writes `SIZE` bytes of a pseudo-random pattern, returning their SHA-256.
fn generate(path: &Path) -> std::io::Result<String> {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let (mut hash, mut state) = (Sha256::new(), 0x2545_f491_4f6c_dd1d_u64);
    let mut block = vec![0_u8; 1024 * 1024];
    for _ in 0..SIZE / block.len() as u64 {
        for byte in &mut block {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *byte = state as u8;
        }
        hash.update(&block);
        file.write_all(&block)?;
    }
    file.flush()?;
    Ok(format!("{:x}", hash.finalize()))
}

fn sha256_of(path: &Path) -> std::io::Result<String> {
    let mut hash = Sha256::new();
    std::io::copy(&mut std::fs::File::open(path)?, &mut hash)?;
    Ok(format!("{:x}", hash.finalize()))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = DemoServer::start().await?;
    let client = ferrofit::Client::builder()
        .base_url(server.base_url())
        .build()?;
    let files = FilesClient::new(client);

    let dir = std::env::temp_dir().join(format!("ferrofit-upload-download-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let original = dir.join("dataset.bin");
    let expected = generate(&original)?;
    println!(
        "generated {} ({} MiB), sha256 {expected}",
        original.display(),
        SIZE >> 20
    );

    let (upload_bar, upload_progress) = bar("upload");
    let stored = files
        .upload(
            "a generated dataset",
            Part::file(&original),
            &upload_progress,
        )
        .await?;
    upload_bar.finish();
    println!(
        "the server stored `{}`: {} bytes, sha256 {}",
        stored.name, stored.size, stored.sha256
    );

    let (download_bar, download_progress) = bar("download");
    let copy = dir.join("dataset.copy.bin");
    let written = files
        .download(&stored.name, &download_progress)
        .await?
        .download_to(&copy)
        .await?;
    download_bar.finish();
    let actual = sha256_of(&copy)?;
    println!(
        "downloaded {written} bytes to {}, sha256 {actual}",
        copy.display()
    );

    std::fs::remove_dir_all(&dir)?;
    if actual != expected || stored.sha256 != expected {
        return Err("the checksums differ".into());
    }
    println!("checksums match");
    Ok(())
}
