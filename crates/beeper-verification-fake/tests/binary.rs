//! The `beeper-verification-fake` program: it prints the base URL and token it serves, serves
//! them, and stops cleanly on Ctrl-C (SIGINT).

use std::io::{BufRead, BufReader, Lines};
use std::process::{Child, ChildStdout, Command, Stdio};

/// The program, started with `args`, once it has said what it serves.
struct Running {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
    base_url: String,
    token: String,
    recovery_key: String,
    printed: Vec<String>,
}

fn start(args: &[&str], env: &[(&str, &str)]) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_beeper-verification-fake"))
        .args(args)
        .env_remove("BEEPER_FAKE_TOKEN")
        .env_remove("BEEPER_FAKE_RECOVERY_KEY")
        .env_remove("BEEPER_FAKE_SIGN_IN_CODE")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the program starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut printed = Vec::new();
    for line in lines.by_ref() {
        let line = line.expect("a line");
        let done = line.starts_with("Press Ctrl-C");
        printed.push(line);
        if done {
            break;
        }
    }
    let value = |key: &str| {
        printed
            .iter()
            .find_map(|l| l.strip_prefix(key))
            .expect("printed")
            .to_owned()
    };
    Running {
        base_url: value("BEEPER_BASE_URL="),
        token: value("BEEPER_ACCESS_TOKEN="),
        recovery_key: value("BEEPER_RECOVERY_KEY="),
        child,
        lines,
        printed,
    }
}

/// A test that fails must not leave its fake running: an orphan keeps the test's standard
/// error open, and cargo, reading it, then waits for ever.
impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Running {
    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        reqwest::Client::new()
            .request(method, format!("{}{path}", self.base_url))
            .bearer_auth(&self.token)
            .header("content-type", "application/json")
    }

    /// Interrupts it as Ctrl-C would, and returns what it printed after.
    fn interrupt(mut self) -> Vec<String> {
        let interrupted = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(interrupted.success());
        let status = self.child.wait().expect("it exits");
        assert!(status.success(), "a clean stop: {status:?}");
        self.lines.by_ref().map_while(Result::ok).collect()
    }
}

#[tokio::test]
async fn it_prints_what_it_serves_and_stops_on_ctrl_c() {
    let running = start(
        &[
            "--token",
            "binary-test-token",
            "--auto-peer",
            "qr",
            "--peer-delay",
            "0.1",
        ],
        &[],
    );
    assert_eq!(running.token, "binary-test-token");
    assert!(
        running
            .printed
            .iter()
            .any(|l| l == "automatic peer: plays the QR code flow, 0.1 s per move"),
        "{:?}",
        running.printed
    );
    let response = running
        .request(reqwest::Method::GET, "/v1/app/setup")
        .send()
        .await
        .expect("it serves");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(running.interrupt(), ["stopped"]);
}

#[tokio::test]
async fn the_token_can_come_from_the_environment() {
    let running = start(
        &["--auto-peer"],
        &[("BEEPER_FAKE_TOKEN", "from-the-environment")],
    );
    assert_eq!(running.token, "from-the-environment");
    let named = "automatic peer: plays the emoji comparison flow, 1 s per move";
    assert!(
        running.printed.iter().any(|l| l == named),
        "{:?}",
        running.printed
    );
    running.interrupt();
}

#[tokio::test]
async fn seed_record_and_session_state_are_options() {
    let args = [
        "--seed",
        "42",
        "--record",
        "off",
        "--session-state",
        "needs-first-sync",
    ];
    let mut ids = Vec::new();
    for _ in 0..2 {
        let running = start(&args, &[]);
        let session: serde_json::Value = running
            .request(reqwest::Method::GET, "/v1/app/setup")
            .send()
            .await
            .expect("it serves")
            .json()
            .await
            .expect("JSON");
        assert_eq!(session["state"], "needs-first-sync");
        let created: serde_json::Value = running
            .request(reqwest::Method::POST, "/v1/app/setup/verifications")
            .body("{}")
            .send()
            .await
            .expect("it serves")
            .json()
            .await
            .expect("JSON");
        ids.push(created["verification"]["id"].as_str().map(str::to_owned));
        let recorded: serde_json::Value = running
            .request(reqwest::Method::GET, "/_fake/requests")
            .send()
            .await
            .expect("it serves")
            .json()
            .await
            .expect("JSON");
        assert_eq!(recorded, serde_json::json!([]), "the record is off");
        running.interrupt();
    }
    assert!(ids[0].is_some());
    assert_eq!(ids[0], ids[1], "the same seed, the same IDs");
}

/// Whether the running program takes `key` in `needs-secrets`: the session becomes `ready`.
async fn takes_key(running: &Running, key: &str) -> u16 {
    running
        .request(
            reqwest::Method::POST,
            "/v1/app/setup/verification/recovery-key",
        )
        .json(&serde_json::json!({ "recoveryKey": key }))
        .send()
        .await
        .expect("it serves")
        .status()
        .as_u16()
}

#[tokio::test]
async fn it_prints_the_recovery_key_it_uses_and_takes_it() {
    let running = start(&["--session-state", "needs-secrets"], &[]);
    let key = running.recovery_key.clone();
    let groups: Vec<&str> = key.split(' ').collect();
    assert_eq!(groups.len(), 12, "the Matrix look: {key}");
    assert!(groups.iter().all(|g| g.len() == 4), "{key}");
    assert_eq!(takes_key(&running, "EsTc not it").await, 400);
    assert_eq!(takes_key(&running, &key).await, 200);
    running.interrupt();
}

#[tokio::test]
async fn it_honours_recovery_key_from_the_arguments_or_the_environment() {
    let given = "EsTc 9bD2 ZJxL AZ7p 3W5v tuGm PhEN 6qrY cVkX 8s4a Fy1H oLdQ";
    let from_args = start(
        &["--session-state", "needs-secrets", "--recovery-key", given],
        &[],
    );
    let from_env = start(
        &["--session-state", "needs-secrets"],
        &[("BEEPER_FAKE_RECOVERY_KEY", given)],
    );
    for running in [from_args, from_env] {
        assert_eq!(running.recovery_key, given, "{:?}", running.printed);
        let control: serde_json::Value = running
            .request(reqwest::Method::GET, "/_fake/recovery-key")
            .send()
            .await
            .expect("it serves")
            .json()
            .await
            .expect("JSON");
        assert_eq!(control["recoveryKey"], given);
        let typed: String = given.split_whitespace().collect();
        assert_eq!(takes_key(&running, &typed).await, 200);
        running.interrupt();
    }
}

#[tokio::test]
async fn the_same_seed_prints_the_same_recovery_key() {
    let keys: Vec<String> = (0..2)
        .map(|_| {
            let running = start(&["--seed", "42"], &[]);
            let key = running.recovery_key.clone();
            running.interrupt();
            key
        })
        .collect();
    assert_eq!(keys[0], keys[1]);
}

#[test]
fn a_recovery_key_on_two_lines_is_refused_at_startup_without_quoting_it() {
    let output = Command::new(env!("CARGO_BIN_EXE_beeper-verification-fake"))
        .args(["--recovery-key", "hunter2\nsecond line"])
        .env_remove("BEEPER_FAKE_RECOVERY_KEY")
        .stdin(Stdio::null())
        .output()
        .expect("the program runs");
    assert_eq!(output.status.code(), Some(2), "a usage error: {output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--recovery-key") && !stderr.contains("hunter2"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty(), "it never served");
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

/// A sign-in call to the running program, without a token.
async fn sign_in_call(
    running: &Running,
    path: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new()
        .post(format!("{}{path}", running.base_url))
        .json(&body)
        .send()
        .await
        .expect("it serves");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

/// Signs `email` in through the program with the mailed code, read from its outbox.
async fn sign_in(running: &Running, email: &str) -> serde_json::Value {
    let (status, started) =
        sign_in_call(running, "/v1/app/setup/start", serde_json::json!({})).await;
    assert_eq!(status, 200, "{started}");
    let id = started["setupRequestID"].clone();
    let (status, _) = sign_in_call(
        running,
        "/v1/app/setup/email",
        serde_json::json!({ "email": email, "setupRequestID": id }),
    )
    .await;
    assert_eq!(status, 204);
    let outbox: serde_json::Value = running
        .request(reqwest::Method::GET, "/_fake/outbox")
        .send()
        .await
        .expect("it serves")
        .json()
        .await
        .expect("JSON");
    let messages = outbox["messages"].as_array().cloned().unwrap_or_default();
    let last = messages.last().cloned().unwrap_or_default();
    assert_eq!(last["email"], email, "{outbox}");
    assert_eq!(last["code"], "246810", "--sign-in-code: {outbox}");
    let (status, signed_in) = sign_in_call(
        running,
        "/v1/app/setup/response",
        serde_json::json!({ "response": "246810", "setupRequestID": id }),
    )
    .await;
    assert_eq!(status, 200, "{signed_in}");
    signed_in
}

#[tokio::test]
async fn it_starts_signed_out_and_signs_in_known_accounts_with_a_scripted_code() {
    let running = start(
        &[
            "--session-state",
            "needs-login",
            "--token",
            "binary-sign-in-token",
            "--account",
            "first@example.com",
            "--account",
            "Second@Example.com",
            "--sign-in-code",
            "246810",
            "--state-after-sign-in",
            "ready",
        ],
        &[],
    );
    assert!(
        running.printed.iter().any(|l| l.starts_with("signed out:")),
        "{:?}",
        running.printed
    );
    assert!(
        running.printed.iter().all(|l| !l.contains("246810")),
        "never prints the code: {:?}",
        running.printed
    );
    let listed = |running: &Running| {
        running
            .request(reqwest::Method::GET, "/v1/app/setup/verifications")
            .send()
    };
    let refused = listed(&running).await.expect("it serves");
    assert_eq!(refused.status().as_u16(), 401, "the token before sign-in");

    let signed_in = sign_in(&running, "first@example.com").await;
    assert_eq!(signed_in["matrix"]["accessToken"], "binary-sign-in-token");
    assert_eq!(signed_in["matrix"]["userID"], "@first:beeper.com");
    assert_eq!(
        signed_in["session"]["state"], "ready",
        "--state-after-sign-in"
    );
    assert_eq!(
        listed(&running).await.expect("it serves").status().as_u16(),
        200
    );

    // Signed out by hand, the second account signs in too: --account repeats.
    let signed_out = running
        .request(reqwest::Method::PUT, "/_fake/session")
        .body(r#"{"state":"needs-login"}"#)
        .send()
        .await
        .expect("it serves");
    assert_eq!(signed_out.status().as_u16(), 204);
    let signed_in = sign_in(&running, "second@example.COM").await;
    assert_eq!(signed_in["matrix"]["userID"], "@second:beeper.com");
    assert!(
        signed_in.get("registrationRequired").is_none(),
        "{signed_in}"
    );
    running.interrupt();
}

#[test]
fn sign_in_options_it_cannot_use_are_refused_at_startup() {
    for (args, says) in [
        (["--account", "not-an-email"], "not-an-email"),
        (["--sign-in-code", "hunter2 x"], "--sign-in-code"),
        (
            ["--state-after-sign-in", "needs-login"],
            "--state-after-sign-in",
        ),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_beeper-verification-fake"))
            .args(args)
            .env_remove("BEEPER_FAKE_SIGN_IN_CODE")
            .stdin(Stdio::null())
            .output()
            .expect("the program runs");
        assert_eq!(output.status.code(), Some(2), "a usage error: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("hunter2"),
            "never repeats the code: {stderr}"
        );
        assert!(output.stdout.is_empty(), "it never served");
    }
}
