//! Running the `beeper-verify` binary from the tests, against the fake server or any other.
#![allow(dead_code)]

use std::process::Stdio;
use std::time::Duration;

use beeper_verification_fake::{FakeServer, PeerMethod};
use serde_json::Value;
use tokio::io::AsyncWriteExt;

/// What one run of the binary produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }
}

/// A configuration folder that does not exist: no stored token.
pub fn no_config_home() -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "beeper-verify-test-no-config-{}",
        std::process::id()
    ))
}

/// `beeper-verify` with `args` and no inherited configuration (no token, base URL, stored
/// token or proxy), its standard streams piped.
pub fn command(args: &[&str]) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_beeper-verify"));
    command
        .args(args)
        .env_remove("BEEPER_ACCESS_TOKEN")
        .env_remove("BEEPER_BASE_URL")
        // Not the stored token of whoever runs the tests.
        .env("XDG_CONFIG_HOME", no_config_home())
        .env("HOME", no_config_home())
        // Run as a person runs it installed, not by cargo: hints name `beeper-verify`.
        .env_remove("CARGO")
        .env_remove("CARGO_PKG_NAME")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    #[cfg(unix)]
    command.arg0("beeper-verify");
    for proxy in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        command.env_remove(proxy);
    }
    command
}

/// Runs `beeper-verify` with `args`, no inherited configuration, and `stdin` as its input.
pub async fn run_with_input(server: Option<&FakeServer>, args: &[&str], stdin: &str) -> Run {
    let mut command = command(args);
    if let Some(server) = server {
        command
            .env("BEEPER_BASE_URL", server.base_url())
            .env("BEEPER_ACCESS_TOKEN", server.token());
    }
    finish(command, stdin).await
}

/// Runs `command` to its end with `stdin` as its input.
pub async fn finish(mut command: tokio::process::Command, stdin: &str) -> Run {
    let mut child = command.spawn().expect("the binary runs");
    if let Some(mut input) = child.stdin.take() {
        let _ = input.write_all(stdin.as_bytes()).await;
    }
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("the command finishes")
        .expect("output");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

pub async fn run(server: Option<&FakeServer>, args: &[&str]) -> Run {
    run_with_input(server, args, "").await
}

/// A fake with reproducible IDs and emoji, for snapshots.
pub async fn fake() -> FakeServer {
    FakeServer::builder()
        .seed(7)
        .start()
        .await
        .expect("the fake starts")
}

pub async fn auto_fake(method: PeerMethod) -> FakeServer {
    FakeServer::builder()
        .seed(7)
        .auto_peer(method, Duration::from_millis(50))
        .start()
        .await
        .expect("starts")
}

/// A file of this test's own, removed when dropped.
pub struct TempFile(std::path::PathBuf);

impl TempFile {
    pub fn new(name: &str, contents: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "beeper-verify-{name}-{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
        ));
        std::fs::write(&path, contents).expect("written");
        Self(path)
    }

    pub fn path(&self) -> String {
        self.0.to_string_lossy().into_owned()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A folder of this test's own, removed with what it holds when dropped.
pub struct TempDir(std::path::PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "beeper-verify-{name}-{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
        ));
        std::fs::create_dir_all(&path).expect("created");
        Self(path)
    }

    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Presses Ctrl-C for `child`: sends it SIGINT.
pub async fn press_ctrl_c(child: &tokio::process::Child) {
    let pid = child.id().expect("running").to_string();
    let killed = tokio::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .await
        .expect("kill runs");
    assert!(killed.success());
}
