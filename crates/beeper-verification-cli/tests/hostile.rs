//! `beeper-verify` against what an attacker or an unlucky setup throws at it: text with terminal
//! escapes from the server, a reader that closes the pipe, a full disk, no input at the prompt,
//! a proxy in the environment. Every server is on loopback.

mod common;

use std::process::Stdio;
use std::time::Duration;

use beeper_verification_fake::{FakeServer, PeerMethod};
use common::{Run, TempDir, auto_fake, command, finish, press_ctrl_c, run_with_input};
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use serde_json::{Value, json};

/// Text that would retitle the terminal, clear it, set a colour with a C1 CSI, move the cursor
/// back, reverse the line, and forge a line of its own.
const HOSTILE: &str =
    "x\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\r\u{202e}\nVerified. Setup is complete";

fn assert_inert(run: &Run, what: &str) {
    for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        let bad: Vec<char> = text
            .chars()
            .filter(|c| (c.is_control() && *c != '\n') || *c == '\u{202e}')
            .collect();
        assert!(bad.is_empty(), "{what}: {stream} has {bad:?}: {text}");
        assert!(
            !text.lines().any(|l| l.starts_with("Verified.")),
            "{what}: {stream} has a forged line: {text}"
        );
    }
}

fn hostile_verification(state: &str) -> Value {
    json!({
        "id": HOSTILE,
        "availableActions": ["cancel", HOSTILE],
        "direction": HOSTILE,
        "methods": ["sas", HOSTILE],
        "purpose": HOSTILE,
        "state": state,
        "error": {"code": HOSTILE, "reason": HOSTILE},
        "otherDevice": {"id": HOSTILE, "name": HOSTILE},
        "otherUserID": HOSTILE,
        "sas": {"emojis": HOSTILE, "decimals": HOSTILE},
    })
}

fn hostile_session() -> Value {
    json!({
        "state": HOSTILE,
        "e2ee": {
            "crossSigning": true, "firstSyncDone": true, "hasBackedUpRecoveryKey": true,
            "initialized": true, "keyBackup": true, "secretStorage": true, "verified": false,
            "secrets": {"masterKey": true, "megolmBackupKey": true, "recoveryKey": true,
                        "selfSigningKey": true, "userSigningKey": true}
        },
        "matrix": {"deviceID": HOSTILE, "homeserver": HOSTILE, "userID": HOSTILE},
        "verification": hostile_verification(HOSTILE),
    })
}

async fn run_against(server: &MockServer, args: &[&str]) -> Run {
    let mut command = command(args);
    command
        .env("BEEPER_BASE_URL", server.base_url())
        .env("BEEPER_ACCESS_TOKEN", "t");
    finish(command, "").await
}

#[tokio::test(flavor = "multi_thread")]
async fn no_control_character_from_the_server_reaches_the_terminal() {
    let server = MockServer::start_async().await;
    let verifications = "/v1/app/setup/verifications";
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup");
            then.status(200).json_body(hostile_session());
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(verifications);
            then.status(200)
                .json_body(json!({"items": [hostile_verification(HOSTILE)]}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path_includes("/verifications/x");
            // About the verification asked for (an answer about another is refused); the
            // rest of it is hostile.
            let mut verification = hostile_verification("cancelled");
            verification["id"] = json!("x");
            then.status(200).json_body(json!({
                "session": hostile_session(),
                "verification": verification,
            }));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST);
            then.status(409)
                .json_body(json!({"code": HOSTILE, "message": HOSTILE}));
        })
        .await;
    for args in [
        &["status"][..],
        &["list"],
        &["show", "x"],
        &["wait", "x", "--until", "done"],
        &["accept", "x"],
        &["sas", "confirm", "x"],
    ] {
        let run = run_against(&server, args).await;
        assert_inert(&run, &args.join(" "));
        assert!(
            run.stdout.contains(r"\u{1b}") || run.stderr.contains(r"\u{1b}"),
            "{args:?}: the escape is shown, inert: {run:?}"
        );
    }
    // JSON stays exact: the strings are the server's, escaped by JSON itself.
    let json = run_against(&server, &["--json", "show", "x"]).await;
    assert_eq!(json.code, 0, "{json:?}");
    assert!(
        !json
            .stdout
            .chars()
            .any(|c| (c.is_control() && c != '\n') || c == '\u{202e}'),
        "no raw control character, C1 and bidi included: {}",
        json.stdout
    );
    assert_eq!(json.json()["otherDevice"]["name"], HOSTILE);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reader_that_closes_the_pipe_ends_the_command_quietly() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup/verifications");
            // The reader is gone before the answer arrives.
            then.status(200)
                .delay(Duration::from_millis(300))
                .json_body(json!({"items": [hostile_verification("ready")]}));
        })
        .await;
    for args in [&["list", "--json"][..], &["list"]] {
        let mut command = command(args);
        command
            .env("BEEPER_BASE_URL", server.base_url())
            .env("BEEPER_ACCESS_TOKEN", "t");
        let mut child = command.spawn().expect("runs");
        drop(child.stdout.take()); // `| head -c0`
        let output = child.wait_with_output().await.expect("output");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(141), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_is_an_error_message_with_exit_1() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return; // not on this system
    };
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup/verifications");
            then.status(200).json_body(json!({"items": []}));
        })
        .await;
    let mut command = command(&["list", "--json"]);
    command
        .env("BEEPER_BASE_URL", server.base_url())
        .env("BEEPER_ACCESS_TOKEN", "t")
        .stdout(Stdio::from(full));
    let output = command
        .spawn()
        .expect("runs")
        .wait_with_output()
        .await
        .expect("output");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("error: cannot write to standard output: No space left"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn no_answer_at_the_prompt_cancels_with_m_user_not_a_mismatch() {
    let server = auto_fake(PeerMethod::Sas).await;
    let run = run_with_input(Some(&server), &["verify"], "").await;
    assert_eq!(run.code, 4, "{run:?}");
    assert!(
        run.stdout.ends_with("Do they match? [y/n] \n"),
        "the prompt's line is ended: {:?}",
        run.stdout
    );
    assert!(
        run.stderr.contains("no answer") && run.stderr.contains("m.user"),
        "{}",
        run.stderr
    );
    let cancels = server.requests_for(beeper_verification_fake::Operation::CancelVerification);
    assert_eq!(cancels.len(), 1, "{cancels:?}");
    let body: Value = serde_json::from_str(&cancels[0].body).expect("JSON body");
    assert_eq!(body["code"], "m.user", "not m.mismatched_sas: {body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_proxy_in_the_environment_never_sees_the_token() {
    let server = FakeServer::start().await.expect("starts");
    let proxy = MockServer::start_async().await;
    let proxied = proxy
        .mock_async(|_when, then| {
            then.status(502);
        })
        .await;
    let base_url = server.base_url().replace("127.0.0.1", "localhost");
    let mut command = command(&["status"]);
    command
        .env("BEEPER_BASE_URL", base_url)
        .env("BEEPER_ACCESS_TOKEN", server.token())
        .env("HTTP_PROXY", proxy.base_url())
        .env("http_proxy", proxy.base_url())
        .env("ALL_PROXY", proxy.base_url());
    let run = finish(command, "").await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(proxied.calls_async().await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_cancel_after_no_answer_is_reported() {
    let server = auto_fake(PeerMethod::Sas).await;
    server.add_fault(
        beeper_verification_fake::Fault::status(500)
            .on(beeper_verification_fake::Operation::CancelVerification),
    );
    let run = run_with_input(Some(&server), &["verify"], "").await;
    assert_eq!(run.code, 1, "the cancel failed: {run:?}");
    assert!(
        run.stderr.contains("error:") && run.stderr.contains("HTTP 500"),
        "the failed cancel is reported: {run:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn quiet_prints_the_error_without_a_hint() {
    let server = auto_fake(PeerMethod::Sas).await;
    let run = run_with_input(Some(&server), &["--quiet", "show", "nope"], "").await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    assert!(!run.stderr.contains("hint:"), "{}", run.stderr);
}

/// Runs `args` against `server` until the program writes `marker` on stderr, then presses
/// Ctrl-C (SIGINT); returns the exit code and all of stderr.
async fn interrupt_after(
    server: &FakeServer,
    args: &[&str],
    marker: &str,
) -> (Option<i32>, String) {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
    let mut command = command(args);
    command
        .env("BEEPER_BASE_URL", server.base_url())
        .env("BEEPER_ACCESS_TOKEN", server.token());
    let mut child = command.spawn().expect("runs");
    let stderr = child.stderr.take().expect("piped");
    let mut lines = BufReader::new(stderr);
    let mut seen = String::new();
    while !seen.contains(marker) {
        let mut line = String::new();
        match tokio::time::timeout(Duration::from_secs(30), lines.read_line(&mut line)).await {
            Ok(Ok(n)) if n > 0 => seen.push_str(&line),
            other => panic!("no {marker:?} before {other:?}: {seen}"),
        }
    }
    // And it is waiting: it has polled once.
    for _ in 0..500 {
        if !server
            .requests_for(beeper_verification_fake::Operation::GetVerification)
            .is_empty()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    press_ctrl_c(&child).await;
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("it ends")
        .expect("status");
    let mut rest = String::new();
    let _ = lines.read_to_string(&mut rest).await;
    seen.push_str(&rest);
    (status.code(), seen)
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_during_verify_cancels_the_verification_and_exits_130() {
    // No automatic peer: the verification waits for the other device forever.
    let server = FakeServer::start().await.expect("starts");
    let (code, stderr) = interrupt_after(&server, &["verify"], "Accept the request").await;
    assert_eq!(code, Some(130), "{stderr}");
    assert!(
        stderr.contains("Interrupted: cancelled verification"),
        "{stderr}"
    );
    assert!(
        stderr.ends_with('\n'),
        "the terminal line is ended: {stderr:?}"
    );
    let cancels = server.requests_for(beeper_verification_fake::Operation::CancelVerification);
    assert_eq!(cancels.len(), 1, "{cancels:?}");
    let body: Value = serde_json::from_str(&cancels[0].body).expect("JSON");
    assert_eq!(body["code"], "m.user");
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_during_wait_ends_the_line_and_exits_130() {
    let server = FakeServer::start().await.expect("starts");
    let id = server.peer().request();
    // Without a terminal there is no spinner, so `--max-wait` long and a marker from the
    // first poll are what show it is waiting: the fake's record says it polled.
    let mut command = command(&["wait", &id, "--until", "done"]);
    command
        .env("BEEPER_BASE_URL", server.base_url())
        .env("BEEPER_ACCESS_TOKEN", server.token());
    let child = command.spawn().expect("runs");
    for _ in 0..300 {
        if !server
            .requests_for(beeper_verification_fake::Operation::GetVerification)
            .is_empty()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    press_ctrl_c(&child).await;
    let output = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("it ends")
        .expect("output");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert_eq!(stderr, "\n", "the line after ^C is ended, nothing else");
}

fn listed(id: &str) -> Value {
    json!({
        "id": id, "state": "ready", "direction": "incoming", "purpose": "device",
        "methods": ["sas"], "availableActions": ["cancel"],
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn list_with_a_huge_id_exits_cleanly_with_bounded_output() {
    // One 70,000-character ID: a format width past 65,535 panicked (exit 101).
    let server = MockServer::start_async().await;
    let huge = "x".repeat(70_000);
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup/verifications");
            then.status(200)
                .json_body(json!({"items": [listed(&huge), listed("fv1")]}));
        })
        .await;
    let run = run_against(&server, &["list"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(run.stdout.len() < 1_000, "{} bytes", run.stdout.len());
    assert!(run.stdout.contains("xxx…"), "{}", run.stdout);
    assert!(run.stdout.contains("\nfv1 "), "{}", run.stdout);
    // `--json` keeps the whole ID.
    let json = run_against(&server, &["list", "--json"]).await;
    assert_eq!(json.json()["items"][0]["id"], huge.as_str());

    // One 65,000-character ID among thousands of short ones: every row was padded to its
    // width (a 1 MB answer became 637 MB of output).
    let server = MockServer::start_async().await;
    let mut items: Vec<Value> = (0..5_000).map(|i| listed(&format!("fv{i}"))).collect();
    items.push(listed(&"y".repeat(65_000)));
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup/verifications");
            then.status(200).json_body(json!({ "items": items }));
        })
        .await;
    let run = run_against(&server, &["list"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rows = run.stdout.lines().count();
    assert!(rows >= 5_001, "{rows} rows");
    assert!(
        run.stdout.len() < rows * 120,
        "{} bytes for {rows} rows",
        run.stdout.len()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_error_message_cut_at_its_bound_says_so() {
    // A 900,000-character message is kept to its first 4,096 characters; shown without a
    // mark, the cut read as the server's whole message.
    let server = MockServer::start_async().await;
    let huge = "x".repeat(900_000);
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup/verifications/fv1");
            then.status(404)
                .json_body(json!({"code": "NOT_FOUND", "message": huge}));
        })
        .await;
    let run = run_against(&server, &["show", "fv1"]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let first = run.stderr.lines().next().unwrap_or_default();
    assert!(
        first.ends_with("x… (cut)"),
        "{}",
        first
            .chars()
            .skip(first.chars().count().saturating_sub(80))
            .collect::<String>()
    );
    assert!(run.stderr.len() < 6_000, "{} bytes", run.stderr.len());
}

/// Invisible and direction-changing characters: marks, isolates, overrides, separators,
/// zero-width ones, a byte order mark and tag characters.
const INVISIBLE: &str = "\u{200e}\u{200f}\u{061c}\u{2028}\u{2029}\u{200b}\u{200c}\u{200d}\
    \u{2060}\u{feff}\u{202a}\u{202b}\u{202c}\u{202d}\u{202e}\u{2066}\u{2067}\u{2068}\u{2069}\
    \u{e0000}\u{e0041}\u{e007f}";

#[tokio::test(flavor = "multi_thread")]
async fn invisible_and_bidi_characters_in_a_device_name_are_shown_escaped() {
    let server = MockServer::start_async().await;
    let name = format!("Phone{INVISIBLE}gnp.exe");
    let mut verification = listed("fv1");
    verification["otherDevice"] = json!({"id": "DEV", "name": name});
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup/verifications/fv1");
            then.status(200).json_body(json!({
                "session": {
                    "state": "needs-verification",
                    "e2ee": {
                        "crossSigning": true, "firstSyncDone": true,
                        "hasBackedUpRecoveryKey": true, "initialized": true, "keyBackup": true,
                        "secretStorage": true, "verified": false,
                        "secrets": {"masterKey": true, "megolmBackupKey": true,
                                    "recoveryKey": true, "selfSigningKey": true,
                                    "userSigningKey": true}
                    },
                },
                "verification": verification,
            }));
        })
        .await;
    let run = run_against(&server, &["show", "fv1"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    for c in INVISIBLE.chars() {
        assert!(
            !run.stdout.contains(c),
            "{c:?} reached the terminal: {}",
            run.stdout
        );
        let escaped = c.escape_unicode().to_string();
        assert!(
            run.stdout.contains(&escaped),
            "{escaped} is shown: {}",
            run.stdout
        );
    }
    assert!(
        run.stdout.contains("Other:      Phone\\u{200e}"),
        "{}",
        run.stdout
    );
    // `--json` is the same name, escaped as JSON escapes it.
    let json = run_against(&server, &["--json", "show", "fv1"]).await;
    assert!(
        !json.stdout.chars().any(|c| INVISIBLE.contains(c)),
        "{}",
        json.stdout
    );
    assert_eq!(json.json()["otherDevice"]["name"], name.as_str());
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn qr_png_replaces_a_symlink_without_following_it_and_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("qr-png");
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "keep me").expect("written");
    let png = dir.path().join("qr.png");
    std::os::unix::fs::symlink(&victim, &png).expect("a symlink");
    let server = auto_fake(PeerMethod::Qr).await;
    let path = png.to_string_lossy().into_owned();
    let run = run_with_input(
        Some(&server),
        &["verify", "--method", "qr", "--qr-png", &path],
        "",
    )
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        std::fs::read(&victim).expect("still there"),
        b"keep me",
        "the symlink's target is untouched"
    );
    let meta = std::fs::symlink_metadata(&png).expect("written");
    assert!(meta.file_type().is_file(), "a file replaced the symlink");
    assert_eq!(
        meta.permissions().mode() & 0o777,
        0o600,
        "only for this user"
    );
    assert!(std::fs::read(&png).expect("read").starts_with(b"\x89PNG"));
    // Nothing else is left beside it.
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("listed")
        .map(|e| e.expect("entry").file_name())
        .collect();
    names.sort();
    assert_eq!(names, ["qr.png", "victim.txt"]);

    // A file that was there, readable by all, is replaced by a private one.
    std::fs::remove_file(&png).expect("removed");
    std::fs::write(&png, "old").expect("written");
    std::fs::set_permissions(&png, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let server = auto_fake(PeerMethod::Qr).await;
    let run = run_with_input(
        Some(&server),
        &["verify", "--method", "qr", "--qr-png", &path],
        "",
    )
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    let meta = std::fs::symlink_metadata(&png).expect("written");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert!(std::fs::read(&png).expect("read").starts_with(b"\x89PNG"));
}

/// Reads `lines` until `marker` has been seen; panics after `within` without it.
async fn read_until<R: tokio::io::AsyncBufRead + Unpin>(
    lines: &mut R,
    seen: &mut String,
    marker: &str,
    within: Duration,
) {
    use tokio::io::AsyncBufReadExt;
    while !seen.contains(marker) {
        let mut line = String::new();
        match tokio::time::timeout(within, lines.read_line(&mut line)).await {
            Ok(Ok(n)) if n > 0 => seen.push_str(&line),
            other => panic!("no {marker:?} before {other:?}: {seen}"),
        }
    }
}

/// `verify` against a fake that stops answering (every response delayed by a minute) once the
/// verification is started and polled; the first Ctrl-C has been pressed and "cancelling…"
/// shown. Returns the child, its stderr so far, and the rest of its stderr.
async fn verify_then_hang_then_ctrl_c(
    server: &FakeServer,
) -> (
    tokio::process::Child,
    String,
    tokio::io::BufReader<tokio::process::ChildStderr>,
    usize,
) {
    let mut command = command(&["verify"]);
    command
        .env("BEEPER_BASE_URL", server.base_url())
        .env("BEEPER_ACCESS_TOKEN", server.token());
    let mut child = command.spawn().expect("runs");
    let mut lines = tokio::io::BufReader::new(child.stderr.take().expect("piped"));
    let mut seen = String::new();
    read_until(
        &mut lines,
        &mut seen,
        "Accept the request",
        Duration::from_secs(30),
    )
    .await;
    for _ in 0..500 {
        if !server
            .requests_for(beeper_verification_fake::Operation::GetVerification)
            .is_empty()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The server hangs: longer than any request timeout.
    server.add_fault(beeper_verification_fake::Fault::latency(
        Duration::from_secs(60),
    ));
    // The flow's own requests are cut off by Ctrl-C, so that what follows is the cleanup's.
    let flow = server.requests().len();
    press_ctrl_c(&child).await;
    // It says what it does at once, before any request of the cleanup is answered.
    read_until(
        &mut lines,
        &mut seen,
        "cancelling…",
        Duration::from_secs(20),
    )
    .await;
    (child, seen, lines, flow)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_ctrl_c_during_the_cleanup_exits_130_at_once() {
    use tokio::io::AsyncReadExt;
    let server = FakeServer::start().await.expect("starts");
    let (mut child, mut seen, mut lines, _) = verify_then_hang_then_ctrl_c(&server).await;
    press_ctrl_c(&child).await;
    // Before the hung server's minute; the old cleanup ignored the second Ctrl-C and waited
    // on it, with retries, for far longer.
    let status = tokio::time::timeout(Duration::from_secs(50), child.wait())
        .await
        .expect("it ends on the second Ctrl-C")
        .expect("status");
    let mut rest = String::new();
    let _ = lines.read_to_string(&mut rest).await;
    seen.push_str(&rest);
    assert_eq!(status.code(), Some(130), "{seen}");
    assert!(seen.contains("Interrupted again"), "{seen}");
    assert!(seen.contains("may still be live"), "{seen}");
    assert!(
        !seen.contains("took too long"),
        "the second Ctrl-C ended it: {seen}"
    );
    assert!(seen.ends_with('\n'), "{seen:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cleanup_after_ctrl_c_is_bounded_and_not_retried() {
    use tokio::io::AsyncReadExt;
    let server = FakeServer::start().await.expect("starts");
    let (mut child, mut seen, mut lines, flow) = verify_then_hang_then_ctrl_c(&server).await;
    // No second Ctrl-C: the cleanup gives up by itself, long before the hung server answers.
    let status = tokio::time::timeout(Duration::from_secs(50), child.wait())
        .await
        .expect("the cleanup gives up by itself")
        .expect("status");
    let mut rest = String::new();
    let _ = lines.read_to_string(&mut rest).await;
    seen.push_str(&rest);
    assert_eq!(status.code(), Some(130), "{seen}");
    assert!(seen.contains("may still be live"), "{seen}");
    assert!(!seen.contains("cancelled verification"), "{seen}");
    // The cleanup asked for the session once and the list once, and gave up: no retries.
    // (A poll of the flow may have left just before Ctrl-C; the cleanup sends none.)
    let cleanup: Vec<_> = server.requests()[flow..]
        .iter()
        .filter(|r| r.operation != Some(beeper_verification_fake::Operation::GetVerification))
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(
        cleanup,
        ["/v1/app/setup", "/v1/app/setup/verifications"],
        "{seen}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_while_verify_checks_the_session_exits_130_at_once() {
    // The server hangs from the start: the first request, the session, never comes back.
    let server = FakeServer::start().await.expect("starts");
    server.add_fault(beeper_verification_fake::Fault::latency(
        Duration::from_secs(60),
    ));
    let mut command = command(&["verify"]);
    command
        .env("BEEPER_BASE_URL", server.base_url())
        .env("BEEPER_ACCESS_TOKEN", server.token());
    let child = command.spawn().expect("runs");
    for _ in 0..1_000 {
        if !server
            .requests_for(beeper_verification_fake::Operation::GetSetup)
            .is_empty()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    press_ctrl_c(&child).await;
    // Well before the hung server's minute, or the 30 s timeout of the session request.
    let output = tokio::time::timeout(Duration::from_secs(25), child.wait_with_output())
        .await
        .expect("Ctrl-C ends it while the session is asked for")
        .expect("output");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    // Nothing was started, so nothing is cancelled: one request in all.
    assert_eq!(server.requests().len(), 1, "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn wait_refuses_an_answer_about_another_verification() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup/verifications/a");
            let mut other = hostile_verification("done");
            other["id"] = json!("b");
            then.status(200)
                .json_body(json!({"session": hostile_session(), "verification": other}));
        })
        .await;
    let run = run_against(&server, &["wait", "a", "--until", "done"]).await;
    assert_eq!(run.code, 1, "b's state is no answer about a: {run:?}");
    assert!(
        run.stderr
            .contains(r#"the answer is about verification "b", not "a""#),
        "{run:?}"
    );
}

/// The code of the one cancel `server` received.
fn cancel_code(server: &FakeServer) -> Value {
    let cancels = server.requests_for(beeper_verification_fake::Operation::CancelVerification);
    assert_eq!(cancels.len(), 1, "{cancels:?}");
    let body: Value = serde_json::from_str(&cancels[0].body).expect("JSON body");
    body["code"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unclear_answer_is_asked_again_and_only_no_is_a_mismatch() {
    // Asked again, then yes.
    let server = auto_fake(PeerMethod::Sas).await;
    let run = run_with_input(Some(&server), &["verify"], "ja\ny\n").await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("Please answer y"), "{run:?}");
    assert!(run.stdout.contains("Verified."), "{run:?}");
    // Three answers that are neither: cancelled with m.user, not m.mismatched_sas.
    let server = auto_fake(PeerMethod::Sas).await;
    let run = run_with_input(Some(&server), &["verify"], "ja\nmaybe\noui\n").await;
    assert_eq!(run.code, 4, "{run:?}");
    assert!(run.stderr.contains("no clear answer"), "{run:?}");
    assert_eq!(cancel_code(&server), "m.user");
    // An unclear answer, then the end of the input: no answer, m.user.
    let server = auto_fake(PeerMethod::Sas).await;
    let run = run_with_input(Some(&server), &["verify"], "ja\n").await;
    assert_eq!(run.code, 4, "{run:?}");
    assert_eq!(cancel_code(&server), "m.user");
    // An explicit no, in any case: a mismatch.
    for no in ["no\n", " N\n"] {
        let server = auto_fake(PeerMethod::Sas).await;
        let run = run_with_input(Some(&server), &["verify"], no).await;
        assert_eq!(run.code, 4, "{no:?}: {run:?}");
        assert_eq!(cancel_code(&server), "m.mismatched_sas", "{no:?}");
    }
}
