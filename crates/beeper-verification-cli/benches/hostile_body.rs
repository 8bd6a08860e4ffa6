//! `cargo bench -p beeper-verification-cli`: what a hostile response body costs `beeper-verify`.
//!
//! A server on loopback answers with a 500 MB body, declared in `Content-Length` or chunked
//! without a length, as fast as the client reads it. The client caps every body (1 MiB by
//! default), so the process must stay small and finish at once. Prints the peak resident memory
//! of each run of the binary (from the OS, `getrusage` of the waited-for child) as a Markdown
//! table for BENCHMARKS.md.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::Instant;

use nix::sys::resource::{UsageWho, getrusage};

const BODY_BYTES: u64 = 500_000_000;

/// Serves one endless response per connection on its own thread; returns the base URL.
fn flooding_server(chunked: bool) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base_url = format!("http://{}", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request);
                let framing = if chunked {
                    "Transfer-Encoding: chunked".to_owned()
                } else {
                    format!("Content-Length: {BODY_BYTES}")
                };
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{framing}\r\n\r\n"
                );
                if stream.write_all(head.as_bytes()).is_err() {
                    return;
                }
                let data = vec![b' '; 256 * 1024];
                let mut chunk = Vec::new();
                if chunked {
                    chunk.extend_from_slice(format!("{:x}\r\n", data.len()).as_bytes());
                }
                chunk.extend_from_slice(&data);
                if chunked {
                    chunk.extend_from_slice(b"\r\n");
                }
                for _ in 0..BODY_BYTES / data.len() as u64 {
                    if stream.write_all(&chunk).is_err() {
                        return;
                    }
                }
            });
        }
    });
    base_url
}

/// Runs `beeper-verify` against `base_url`; returns the exit code, the time it took and the
/// highest peak resident memory of any child so far, in MiB.
fn run(base_url: &str, args: &[&str]) -> (i32, f64, f64) {
    let started = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_beeper-verify"))
        .args(args)
        .env("BEEPER_BASE_URL", base_url)
        .env("BEEPER_ACCESS_TOKEN", "bench-token")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("the binary runs");
    let elapsed = started.elapsed().as_secs_f64() * 1000.0;
    // Linux reports ru_maxrss in KiB.
    let peak = getrusage(UsageWho::RUSAGE_CHILDREN).map_or(0.0, |u| u.max_rss() as f64 / 1024.0);
    (status.code().unwrap_or(-1), elapsed, peak)
}

fn main() {
    println!("# beeper-verify against a hostile body\n");
    println!("| response | exit code | wall time | peak memory of the process |");
    println!("| --- | ---: | ---: | ---: |");
    // An ordinary run first, against the fake: the baseline. The peak of the children only
    // grows, so each later row is at least this.
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let fake = runtime
        .block_on(
            beeper_verification_fake::FakeServer::builder()
                .token("bench-token")
                .start(),
        )
        .expect("the fake starts");
    let (code, ms, peak) = run(fake.base_url(), &["status"]);
    println!("| an ordinary `status` (the baseline) | {code} | {ms:.0} ms | {peak:.1} MiB |");
    for (label, chunked) in [
        ("500 MB, declared in Content-Length", false),
        ("500 MB, chunked, no length", true),
    ] {
        let base_url = flooding_server(chunked);
        let (code, ms, peak) = run(&base_url, &["show", "x"]);
        println!("| {label} | {code} | {ms:.0} ms | {peak:.1} MiB |");
    }
}
