//! The `beeper-verification-fake` program: it prints the base URL and token it serves, serves
//! them, and stops cleanly on Ctrl-C (SIGINT).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[tokio::test]
async fn it_prints_what_it_serves_and_stops_on_ctrl_c() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_beeper-verification-fake"))
        .args([
            "--token",
            "binary-test-token",
            "--auto-peer",
            "qr",
            "--peer-delay",
            "0.1",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the program starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut base_url = None;
    for line in lines.by_ref() {
        let line = line.expect("a line");
        if let Some(url) = line.strip_prefix("BEEPER_BASE_URL=") {
            base_url = Some(url.to_owned());
        }
        if line.starts_with("Press Ctrl-C") {
            break;
        }
    }
    let base_url = base_url.expect("the base URL was printed");
    let response = reqwest::Client::new()
        .get(format!("{base_url}/v1/app/setup"))
        .bearer_auth("binary-test-token")
        .send()
        .await
        .expect("it serves");
    assert_eq!(response.status().as_u16(), 200);

    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(interrupted.success());
    let status = child.wait().expect("it exits");
    assert!(status.success(), "a clean stop: {status:?}");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert_eq!(rest, ["stopped"]);
}

#[test]
fn a_duration_out_of_range_is_refused_at_startup() {
    let output = Command::new(env!("CARGO_BIN_EXE_beeper-verification-fake"))
        .args(["--timeout", "1.8e19"])
        .stdin(Stdio::null())
        .output()
        .expect("the program runs");
    assert_eq!(output.status.code(), Some(2), "a usage error: {output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--timeout") && stderr.contains("out of range"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty(), "it never served");
}
