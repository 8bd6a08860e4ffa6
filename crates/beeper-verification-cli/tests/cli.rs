//! The `beeper-verify` binary against the fake server: every command in text and `--json`,
//! every exit code, the demo end to end, a missing token, a server that is down. The
//! human-readable output of `status`, `show` and the SAS screen is snapshot-tested.

mod common;

use beeper_verification_fake::{FakeServer, Operation, PeerMethod};
use common::{TempFile, auto_fake, fake, run, run_with_input};

/// Starts a verification through the binary; returns its ID.
async fn start(server: &FakeServer) -> String {
    let started = run(Some(server), &["--json", "start"]).await;
    assert_eq!(started.code, 0, "{started:?}");
    started.json()["id"].as_str().expect("an id").to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn status_says_what_the_state_means_and_what_to_do() {
    let server = fake().await;
    let text = run(Some(&server), &["status"]).await;
    assert_eq!(text.code, 0, "{text:?}");
    insta::assert_snapshot!("status_needs_verification", text.stdout);
    let json = run(Some(&server), &["status", "--json"]).await.json();
    assert_eq!(json["state"], "needs-verification");
    assert_eq!(json["e2ee"]["verified"], false);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_single_call_command_in_text_and_json() {
    let server = fake().await;
    let id = start(&server).await;
    server.peer().accept(&id).expect("the other device accepts");

    let listed = run(Some(&server), &["list"]).await;
    assert!(
        listed.code == 0 && listed.stdout.contains(&id) && listed.stdout.contains("ready"),
        "{listed:?}"
    );
    let listed = run(Some(&server), &["list", "--json"]).await.json();
    assert_eq!(listed["items"][0]["id"], id.as_str());

    let started = run(Some(&server), &["sas", "start", &id]).await;
    assert_eq!(
        started.stdout,
        format!(
            "Started the emoji comparison of verification {id}: now sas_ready.\n\
             Next: compare the emoji with the other device, then beeper-verify sas confirm {id} \
             (or, if they differ, beeper-verify cancel {id} --code m.mismatched_sas)\n"
        )
    );
    let shown = run(Some(&server), &["show", &id]).await;
    assert_eq!(shown.code, 0);
    insta::assert_snapshot!("show_sas_ready", shown.stdout);
    let shown = run(Some(&server), &["--json", "show", &id]).await.json();
    assert_eq!(shown["availableActions"][0], "sas.confirm");

    let confirmed = run(Some(&server), &["--json", "sas", "confirm", &id])
        .await
        .json();
    assert_eq!(confirmed["state"], "sas_ready");

    let incoming = server.peer().request();
    let accepted = run(Some(&server), &["accept", &incoming]).await;
    assert!(
        accepted
            .stdout
            .starts_with(&format!("Accepted verification {incoming}: now ready")),
        "{accepted:?}"
    );
    server.peer().scan_our_qr(&incoming).expect("scans");
    let qr_confirmed = run(Some(&server), &["--json", "qr", "confirm", &incoming])
        .await
        .json();
    assert_eq!(qr_confirmed["state"], "done");

    let other = start(&server).await;
    server.peer().accept(&other).expect("accepts");
    let data = server.peer().qr_code(&other).expect("a code");
    let scanned = run(Some(&server), &["qr", "scan", &data]).await;
    assert!(scanned.stdout.contains("now done"), "{scanned:?}");

    let third = start(&server).await;
    let cancelled = run(
        Some(&server),
        &[
            "--json", "cancel", &third, "--code", "m.user", "--reason", "not now",
        ],
    )
    .await
    .json();
    assert_eq!(cancelled["error"]["reason"], "not now");
    let cancelled = run(Some(&server), &["cancel", &start(&server).await]).await;
    assert!(cancelled.stdout.contains("now cancelled"), "{cancelled:?}");
}

/// Runs one command against `server` and returns the operations it sent.
async fn sent_by(server: &FakeServer, args: &[&str]) -> Vec<Operation> {
    sent_by_with_input(server, args, "").await
}

/// Runs one command against `server` with `stdin` as its input and returns the operations it
/// sent.
async fn sent_by_with_input(server: &FakeServer, args: &[&str], stdin: &str) -> Vec<Operation> {
    server.clear_requests();
    let ran = run_with_input(Some(server), args, stdin).await;
    assert_eq!(ran.code, 0, "{args:?}: {ran:?}");
    server
        .requests()
        .into_iter()
        .filter_map(|r| r.operation)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_action_command_sends_exactly_one_request() {
    let server = fake().await;
    let peer = server.peer();
    let incoming = peer.request();
    assert_eq!(
        sent_by(&server, &["accept", &incoming]).await,
        [Operation::AcceptVerification]
    );
    assert_eq!(
        sent_by(&server, &["sas", "start", &incoming]).await,
        [Operation::StartVerificationSas]
    );
    assert_eq!(
        sent_by(&server, &["sas", "confirm", &incoming]).await,
        [Operation::ConfirmVerificationSas]
    );
    let shown = start(&server).await;
    peer.accept(&shown).expect("accepts");
    peer.scan_our_qr(&shown).expect("scans");
    assert_eq!(
        sent_by(&server, &["qr", "confirm", &shown]).await,
        [Operation::ConfirmVerificationQrScanned]
    );
    let scanning = start(&server).await;
    peer.accept(&scanning).expect("accepts");
    let data = peer.qr_code(&scanning).expect("a code");
    assert_eq!(
        sent_by(&server, &["qr", "scan", &data]).await,
        [Operation::ScanVerificationQr]
    );
    assert_eq!(
        sent_by(&server, &["cancel", &peer.request(), "--code", "m.user"]).await,
        [Operation::CancelVerification]
    );
}

/// Every operation of the spec (the generated client's table) is reachable from a command. A
/// new operation in the spec fails this test, naming it, until a command sends it.
#[tokio::test(flavor = "multi_thread")]
async fn every_operation_of_the_spec_is_reachable_from_a_command() {
    let server = fake().await;
    let peer = server.peer();
    let mut reached = Vec::new();
    let mut ran = |ops: Vec<Operation>| reached.extend(ops);
    ran(sent_by(&server, &["status"]).await);
    ran(sent_by(&server, &["list"]).await);
    let incoming = peer.request();
    ran(sent_by(&server, &["show", &incoming]).await);
    ran(sent_by(&server, &["accept", &incoming]).await);
    ran(sent_by(&server, &["sas", "start", &incoming]).await);
    ran(sent_by(&server, &["sas", "confirm", &incoming]).await);
    ran(sent_by(&server, &["cancel", &peer.request()]).await);
    server.clear_requests();
    let shown = start(&server).await;
    ran(server
        .requests()
        .iter()
        .filter_map(|r| r.operation)
        .collect());
    peer.accept(&shown).expect("accepts");
    peer.scan_our_qr(&shown).expect("scans");
    ran(sent_by(&server, &["qr", "confirm", &shown]).await);
    let scanning = start(&server).await;
    peer.accept(&scanning).expect("accepts");
    let data = peer.qr_code(&scanning).expect("a code");
    ran(sent_by(&server, &["qr", "scan", &data]).await);
    // The verifications above made the device ready: make it need its key again.
    server.set_session_state(beeper_verification_fake::FakeSessionState::NeedsSecrets);
    let key = format!("{}\n", server.recovery_key());
    ran(sent_by_with_input(&server, &["recovery-key"], &key).await);
    ran(sent_by_with_input(&server, &["reset-recovery-key"], "y\ny\n").await);
    // Sign-in: a fake signed out, and an address without an account, so that all four
    // operations are sent (the token is saved in a configuration folder of this test's own).
    let signed_out = FakeServer::builder()
        .session_state(beeper_verification_fake::FakeSessionState::NeedsLogin)
        .sign_in_code("123456")
        .state_after_sign_in(beeper_verification_fake::FakeSessionState::Ready)
        .start()
        .await
        .expect("starts");
    let config = common::TempDir::new("reachable-config");
    let mut command = common::command(&["setup", "--email", "new@example.com", "--accept-terms"]);
    command
        .env("XDG_CONFIG_HOME", config.path())
        .env("BEEPER_BASE_URL", signed_out.base_url());
    let setup = common::finish(command, "123456\n\n").await;
    assert_eq!(setup.code, 0, "{setup:?}");
    ran(signed_out
        .requests()
        .iter()
        .filter_map(|r| r.operation)
        .collect());

    let mut reached: Vec<&str> = reached.iter().map(|o| o.as_str()).collect();
    reached.sort_unstable();
    reached.dedup();
    let mut spec: Vec<&str> = beeper_verification_client::operations::ALL
        .iter()
        .map(|o| o.id)
        .collect();
    spec.sort_unstable();
    assert_eq!(reached, spec, "operations of the spec no command reaches");
}

#[tokio::test(flavor = "multi_thread")]
async fn wait_returns_when_the_state_is_reached() {
    let server = auto_fake(PeerMethod::Sas).await;
    let id = start(&server).await;
    let waited = run(Some(&server), &["wait", &id, "--until", "ready,sas_ready"]).await;
    assert_eq!(waited.code, 0, "{waited:?}");
    assert!(waited.stdout.contains("State:      ready"), "{waited:?}");
    let waited = run(Some(&server), &["--json", "wait", &id, "--until", "ready"])
        .await
        .json();
    assert_eq!(waited["state"], "ready");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wait_that_times_out_exits_3() {
    let server = fake().await;
    let id = start(&server).await;
    let waited = run(
        Some(&server),
        &["wait", &id, "--until", "done", "--max-wait", "0.6"],
    )
    .await;
    assert_eq!(waited.code, 3, "{waited:?}");
    assert!(
        waited.stderr.contains("gave up waiting for state done"),
        "{waited:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_verification_that_ends_cancelled_exits_4() {
    let server = fake().await;
    let id = start(&server).await;
    server
        .peer()
        .cancel(&id, Some("m.user"), Some("Declined"))
        .expect("cancels");
    let waited = run(Some(&server), &["wait", &id, "--until", "done"]).await;
    assert_eq!(waited.code, 4, "{waited:?}");
    assert!(
        waited.stderr.contains("was cancelled: Declined (m.user)"),
        "{waited:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_shows_the_emoji_and_confirms_on_yes() {
    let server = auto_fake(PeerMethod::Sas).await;
    let verified = run_with_input(Some(&server), &["verify"], "y\n").await;
    assert_eq!(verified.code, 0, "{verified:?}");
    insta::assert_snapshot!("verify_sas_screen", verified.stdout);
    assert_eq!(
        server.requests_for(Operation::ConfirmVerificationSas).len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_cancels_with_m_mismatched_sas_on_no() {
    let server = auto_fake(PeerMethod::Sas).await;
    let refused = run_with_input(Some(&server), &["verify"], "n\n").await;
    assert_eq!(refused.code, 4, "{refused:?}");
    assert!(refused.stderr.contains("m.mismatched_sas"), "{refused:?}");
    let cancel = server.requests_for(Operation::CancelVerification);
    assert!(
        cancel.len() == 1 && cancel[0].body.contains("m.mismatched_sas"),
        "{cancel:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_with_qr_draws_the_code_and_writes_a_png() {
    let server = auto_fake(PeerMethod::Qr).await;
    let png = std::env::temp_dir().join(format!("beeper-verify-test-{}.png", std::process::id()));
    let path = png.to_string_lossy().into_owned();
    let verified = run(
        Some(&server),
        &["verify", "--method", "qr", "--qr-png", &path],
    )
    .await;
    let written = std::fs::read(&png);
    let _ = std::fs::remove_file(&png);
    assert_eq!(verified.code, 0, "{verified:?}");
    assert!(
        verified.stdout.contains('▀') || verified.stdout.contains('▄'),
        "a QR code was drawn: {verified:?}"
    );
    assert!(
        written.is_ok_and(|bytes| bytes.starts_with(b"\x89PNG")),
        "the PNG was written"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_with_a_scanned_code() {
    let server = auto_fake(PeerMethod::Sas).await;
    let id = start(&server).await;
    let data = server.peer().qr_code(&id).expect("a code");
    let verified = run(
        Some(&server),
        &["--json", "verify", "--method", "qr", "--scan", &data],
    )
    .await;
    assert_eq!(verified.code, 0, "{verified:?}");
    assert_eq!(verified.json()["state"], "ready");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_runs_a_whole_verification_with_nothing_else_running() {
    let demo = run(None, &["demo", "--yes"]).await;
    assert_eq!(demo.code, 0, "{demo:?}");
    assert!(
        demo.stdout
            .contains("Do they match? [y/n] y (answered by --yes)"),
        "{demo:?}"
    );
    assert!(
        demo.stdout.contains("Verified. Setup is complete"),
        "{demo:?}"
    );
    let demo = run(None, &["demo", "--yes", "--json"]).await;
    assert_eq!(demo.code, 0, "{demo:?}");
    assert_eq!(demo.json()["state"], "ready");
    let qr = run(None, &["demo", "--method", "qr", "--quiet"]).await;
    assert_eq!(qr.code, 0, "{qr:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn yes_is_refused_outside_the_demo() {
    let refused = run(None, &["verify", "--yes"]).await;
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(refused.stderr.contains("--yes"), "{refused:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn usage_errors_exit_2() {
    assert_eq!(run(None, &["frobnicate"]).await.code, 2);
    assert_eq!(
        run(None, &["wait", "x", "--until", "finished"]).await.code,
        2
    );
    let refused = run(None, &["verify", "--scan", "x"]).await;
    assert_eq!(
        (refused.code, refused.stderr.as_str()),
        (2, "error: --scan and --qr-png go with --method qr\n")
    );
    // Bad input is a usage error, refused before anything is sent.
    for args in [
        &["show", ""][..],
        &["show", ".."],
        &["accept", "a\\b"],
        &["qr", "scan", ""],
        &["status", "--timeout", "0"],
        &["status", "--timeout", "1.8e19"],
        &["wait", "x", "--until", "done", "--max-wait", "0"],
        // The demo runs its own fake: options for Beeper Desktop make no sense there.
        &["demo", "--base-url", "http://127.0.0.1:1", "--yes"],
        &["--token", "t", "demo", "--yes"],
        &["demo", "--scan", "x"],
    ] {
        let refused = run(None, args).await;
        assert_eq!(refused.code, 2, "{args:?}: {refused:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_usage_line_never_lists_what_the_environment_gave() {
    let mut command = common::command(&["show"]);
    command
        .env("BEEPER_BASE_URL", "http://127.0.0.1:1")
        .env("BEEPER_ACCESS_TOKEN", "t");
    let refused = common::finish(command, "").await;
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(
        refused.stderr.contains("Usage: beeper-verify show <ID>\n"),
        "{}",
        refused.stderr
    );
    assert!(!refused.stderr.contains("--token <"), "{}", refused.stderr);
    // And the demo's help names no option it would ignore.
    let help = run_help(&["demo", "--help"]).await;
    for ignored in ["--base-url", "--token", "--timeout", "--scan", "--qr-png"] {
        assert!(!help.contains(ignored), "{ignored} in:\n{help}");
    }
    let help = run_help(&["status", "--help"]).await;
    assert!(
        help.contains("--base-url") && help.contains("BEEPER_ACCESS_TOKEN"),
        "{help}"
    );
}

async fn run_help(args: &[&str]) -> String {
    let helped = run(None, args).await;
    assert_eq!(helped.code, 0, "{helped:?}");
    helped.stdout
}

#[tokio::test(flavor = "multi_thread")]
async fn completions_are_printed_for_each_shell() {
    for (shell, marker) in [
        ("bash", "complete -F _beeper"),
        ("zsh", "#compdef beeper-verify"),
        ("fish", "complete -c beeper-verify"),
    ] {
        let script = run(None, &["completions", shell]).await;
        assert_eq!(script.code, 0, "{shell}: {script:?}");
        assert!(script.stdout.contains(marker), "{shell}: {}", script.stdout);
        assert!(script.stdout.contains("verify"), "{shell}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn with_json_an_error_is_one_json_object_on_stdout() {
    let server = fake().await;
    let shown = run(Some(&server), &["--json", "show", "no-such-id"]).await;
    assert_eq!(shown.code, 1, "{shown:?}");
    let error = &shown.json()["error"];
    assert_eq!(error["status"], 404, "{error}");
    assert_eq!(error["exitCode"], 1);
    assert!(error["code"].is_string(), "{error}");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("HTTP 404")),
        "{error}"
    );
    assert!(error["hint"].is_string(), "{error}");
    assert!(
        shown.stderr.starts_with("error: "),
        "the person sees it too"
    );
    // A missing token (the call refused before it is sent) is JSON too.
    let missing = run_without_token(&server, &["--json", "list"], "").await;
    assert_eq!(missing.code, 2, "{missing:?}");
    let error = &missing.json()["error"];
    assert_eq!(error["exitCode"], 2, "{error}");
    assert!(
        error["hint"]
            .as_str()
            .is_some_and(|h| h.contains("beeper-verify setup")),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn hints_follow_the_verifications_next_step() {
    let server = fake().await;
    // An outgoing request: the next move is the other device's.
    let started = run(Some(&server), &["start"]).await;
    assert!(
        started.stdout.contains("Next: wait for the other device")
            && started.stdout.contains("--until ready"),
        "{started:?}"
    );
    // A wait that runs out while this device has the next move says so.
    let incoming = server.peer().request();
    let waited = run(
        Some(&server),
        &["wait", &incoming, "--until", "done", "--max-wait", "0.5"],
    )
    .await;
    assert_eq!(waited.code, 3, "{waited:?}");
    assert!(
        waited.stderr.contains(&format!(
            "hint: accept the request: beeper-verify accept {incoming}"
        )),
        "{waited:?}"
    );
    // A base URL ending in /v1 is refused with what to write instead.
    let v1 = run(
        None,
        &[
            "status",
            "--base-url",
            &format!("{}/v1", server.base_url()),
            "--token",
            "t",
        ],
    )
    .await;
    assert_eq!(v1.code, 2, "{v1:?}");
    assert!(v1.stderr.contains("ends in /v1"), "{v1:?}");
    // After a "no" in the demo, the hint is the demo again, not Beeper Desktop.
    let no = run_with_input(None, &["demo"], "n\n").await;
    assert_eq!(no.code, 4, "{no:?}");
    assert!(no.stderr.contains("beeper-verify demo"), "{no:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_says_nothing_about_the_other_device_when_there_is_nothing_to_do() {
    let server = FakeServer::builder()
        .session_state(beeper_verification_fake::FakeSessionState::Ready)
        .start()
        .await
        .expect("starts");
    let done = run(Some(&server), &["verify"]).await;
    assert_eq!(done.code, 0, "{done:?}");
    assert!(done.stdout.starts_with("Nothing to do."), "{done:?}");
    assert!(!done.stderr.contains("Accept the request"), "{done:?}");
    // And a wrong token is the error, before any instruction.
    let wrong = run(
        None,
        &[
            "verify",
            "--base-url",
            server.base_url(),
            "--token",
            "wrong",
        ],
    )
    .await;
    assert_eq!(wrong.code, 1, "{wrong:?}");
    assert!(!wrong.stderr.contains("Accept the request"), "{wrong:?}");
    assert!(wrong.stderr.contains("--token-file"), "{wrong:?}");
    assert_no_token_in_argv_advice(&wrong.stderr);
}

/// A client builds without a token now; a call that needs one is refused before it is sent
/// (`Error::TokenRequired`), which is a usage error that says how to get a token: `setup`, the
/// variable, or one created in Beeper Desktop.
#[tokio::test(flavor = "multi_thread")]
async fn a_missing_token_names_setup_the_variable_and_where_to_create_one() {
    let server = fake().await;
    let missing = run_without_token(&server, &["list"], "").await;
    assert_eq!(missing.code, 2, "{missing:?}");
    let stored = common::no_config_home().join("beeper-verify").join("token");
    let no_token = format!(
        "error: no access token: none was given, BEEPER_ACCESS_TOKEN is not set, and none is \
         stored in {}\n",
        stored.display()
    );
    assert_eq!(
        missing.stderr,
        format!(
            "{no_token}hint: sign in with `beeper-verify setup`, which saves the token for the \
             commands that follow; or set BEEPER_ACCESS_TOKEN or use --token-file PATH with a \
             token created in Beeper Desktop under Settings → Developers\n"
        )
    );
    assert!(server.requests().is_empty(), "nothing was sent");
    assert_no_token_in_argv_advice(&missing.stderr);
    // `status` asks without a token (the session is public while signed out); this device is
    // signed in, so the server wants one: the same usage error, and where to create a token.
    let status = run_without_token(&server, &["status"], "").await;
    assert_eq!(status.code, 2, "{status:?}");
    assert!(status.stderr.starts_with(&no_token), "{status:?}");
    assert!(
        status.stderr.contains("BEEPER_ACCESS_TOKEN")
            && status.stderr.contains("Settings → Developers"),
        "{status:?}"
    );
    assert_no_token_in_argv_advice(&status.stderr);
    // Signed out, `status` needs no token, and the next step is `setup`.
    let signed_out = FakeServer::builder()
        .session_state(beeper_verification_fake::FakeSessionState::NeedsLogin)
        .start()
        .await
        .expect("starts");
    let status = run_without_token(&signed_out, &["status"], "").await;
    assert_eq!(status.code, 0, "{status:?}");
    assert!(
        status.stdout.contains("Session:  needs-login")
            && status.stdout.contains(
                "Next:     sign in with your email, then verify this device: beeper-verify setup"
            ),
        "{status:?}"
    );
    // And `verify` says to sign in first, naming `setup`.
    let verify = run_without_token(&signed_out, &["verify"], "").await;
    assert_eq!(verify.code, 2, "{verify:?}");
    assert!(
        verify.stderr.contains("`beeper-verify setup`"),
        "{verify:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_is_down_exits_1_with_a_hint() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let down = run(None, &["--base-url", &url, "--token", "t", "status"]).await;
    assert_eq!(down.code, 1, "{down:?}");
    assert!(
        down.stderr
            .contains("cannot connect to the Beeper Desktop API"),
        "{down:?}"
    );
    assert!(
        down.stderr.contains("hint: start Beeper Desktop"),
        "{down:?}"
    );
    assert!(!down.stderr.contains("error: error"), "{down:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_api_error_exits_1_and_never_prints_the_token() {
    let server = fake().await;
    let missing = run(Some(&server), &["show", "no-such-id"]).await;
    assert_eq!(missing.code, 1, "{missing:?}");
    assert!(missing.stderr.contains("HTTP 404"), "{missing:?}");
    assert!(!missing.stderr.contains(server.token()) && !missing.stdout.contains(server.token()));
    let wrong = run(
        None,
        &[
            "--base-url",
            server.base_url(),
            "--token",
            "wrong-token-123",
            "status",
        ],
    )
    .await;
    assert_eq!(wrong.code, 1);
    assert!(
        wrong.stderr.contains("BEEPER_ACCESS_TOKEN") && !wrong.stderr.contains("wrong-token-123"),
        "{wrong:?}"
    );
}

/// No advice to put the token on the command line: every `--token` in `text` is `--token-file`.
fn assert_no_token_in_argv_advice(text: &str) {
    for (at, _) in text.match_indices("--token") {
        assert!(
            text[at..].starts_with("--token-file"),
            "advice to pass the token in argv: {text}"
        );
    }
}

/// `args` against `server` with no token in the environment: only what the arguments give.
async fn run_without_token(server: &FakeServer, args: &[&str], stdin: &str) -> common::Run {
    let mut command = common::command(args);
    command.env("BEEPER_BASE_URL", server.base_url());
    common::finish(command, stdin).await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_token_can_come_from_a_file_or_standard_input() {
    let server = fake().await;
    // A file as a secrets manager or an editor writes it: a final line break is trimmed.
    let file = TempFile::new("token", &format!("{}\n", server.token()));
    let status = run_without_token(&server, &["status", "--token-file", &file.path()], "").await;
    assert_eq!(status.code, 0, "{status:?}");
    // Before the command too.
    let status = run_without_token(&server, &["--token-file", &file.path(), "status"], "").await;
    assert_eq!(status.code, 0, "{status:?}");
    // `-`: the first line of standard input.
    let piped = format!("{}\n", server.token());
    let status = run_without_token(&server, &["status", "--token-file", "-"], &piped).await;
    assert_eq!(status.code, 0, "{status:?}");
    // Only that line: the rest stays for the emoji prompt.
    let auto = auto_fake(PeerMethod::Sas).await;
    let input = format!("{}\ny\n", auto.token());
    let verified = run_without_token(&auto, &["verify", "--token-file", "-"], &input).await;
    assert_eq!(verified.code, 0, "{verified:?}");
    assert!(verified.stdout.contains("Verified."), "{verified:?}");
    assert!(!verified.stdout.contains(auto.token()) && !verified.stderr.contains(auto.token()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_token_file_is_a_usage_error_that_never_shows_its_contents() {
    let server = fake().await;
    for (contents, says) in [
        ("", "is empty"),
        (" \n\n", "is empty"),
        ("secret-one\nsecret-two\n", "more than one line"),
    ] {
        let file = TempFile::new("bad-token", contents);
        let run = run_without_token(&server, &["status", "--token-file", &file.path()], "").await;
        assert_eq!(run.code, 2, "{contents:?}: {run:?}");
        assert!(run.stderr.contains(says), "{contents:?}: {run:?}");
        assert!(!run.stderr.contains("secret-"), "{run:?}");
        assert_no_token_in_argv_advice(&run.stderr);
    }
    let empty = run_without_token(&server, &["status", "--token-file", "-"], "").await;
    assert_eq!(empty.code, 2, "{empty:?}");
    assert!(empty.stderr.contains("standard input"), "{empty:?}");
    let missing = run_without_token(
        &server,
        &["status", "--token-file", "/nonexistent/beeper-token"],
        "",
    )
    .await;
    assert_eq!(missing.code, 2, "{missing:?}");
    assert!(
        missing.stderr.contains("cannot read the token file"),
        "{missing:?}"
    );
    // A wrong token from a file: the server refuses it, and it is never printed.
    let wrong = TempFile::new("wrong-token", "wrong-secret-123\n");
    let run = run_without_token(&server, &["status", "--token-file", &wrong.path()], "").await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(!run.stderr.contains("wrong-secret") && !run.stdout.contains("wrong-secret"));
    assert_no_token_in_argv_advice(&run.stderr);
    // With --token it is one or the other.
    let both = run_without_token(
        &server,
        &["status", "--token", "t", "--token-file", &wrong.path()],
        "",
    )
    .await;
    assert_eq!(both.code, 2, "{both:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn help_says_why_the_environment_or_a_file_is_safer_than_token() {
    for args in [&["status", "--help"][..], &["verify", "-h"]] {
        let help = run_help(args).await;
        assert!(help.contains("--token-file <PATH>"), "{help}");
        assert!(help.contains("BEEPER_ACCESS_TOKEN"), "{help}");
        assert!(help.contains("`ps`") && help.contains("history"), "{help}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn with_json_every_usage_error_is_one_json_object_on_stdout() {
    for args in [
        &["--json", "--frobnicate", "status"][..],
        &["status", "--json", "--frobnicate"],
        &["--json", "show", ""],
        &["--json", "wait", "x", "--until", "rady"],
        &["--json", "show"],
        &["--json", "frobnicate"],
        &["--json"],
        &["--json", "sas"],
        &["--json", "status", "--timeout", "0"],
    ] {
        let refused = run(None, args).await;
        assert_eq!(refused.code, 2, "{args:?}: {refused:?}");
        let error = &refused.json()["error"];
        assert_eq!(error["exitCode"], 2, "{args:?}: {error}");
        let message = error["message"].as_str().unwrap_or_default();
        assert!(
            !message.is_empty() && !message.starts_with("error:") && !message.contains('\n'),
            "{args:?}: {error}"
        );
        assert!(error["hint"].is_string(), "{args:?}: {error}");
        // The person sees it on standard error, as without --json.
        assert!(refused.stderr.contains("error: "), "{args:?}: {refused:?}");
    }
    // A missing argument is named in the message, not only announced.
    let missing = run(None, &["--json", "wait"]).await;
    assert_eq!(missing.code, 2, "{missing:?}");
    let message = missing.json()["error"]["message"].to_string();
    assert!(
        message.contains("not provided: --until <STATE>, <ID>"),
        "{missing:?}"
    );
    // A similar flag is named.
    let refused = run(None, &["--json", "status", "--jsn"]).await;
    assert!(
        refused.json()["error"]["hint"]
            .as_str()
            .is_some_and(|h| h.contains("--json")),
        "{refused:?}"
    );
    // Help and the version are not errors: printed as they are, exit code 0.
    for args in [
        &["--json", "--help"][..],
        &["--json", "--version"],
        &["status", "--help", "--json"],
    ] {
        let shown = run(None, args).await;
        assert_eq!(shown.code, 0, "{args:?}: {shown:?}");
        assert!(!shown.stdout.starts_with('{'), "{args:?}: {shown:?}");
    }
    // Without --json, usage errors are as clap prints them, with nothing on stdout.
    let refused = run(None, &["--frobnicate"]).await;
    assert_eq!(
        (refused.code, refused.stdout.as_str()),
        (2, ""),
        "{refused:?}"
    );
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn hints_name_the_program_as_it_was_run() {
    let server = fake().await;
    let mut command = common::command(&["start"]);
    command
        .arg0("./bv")
        .env("BEEPER_BASE_URL", server.base_url())
        .env("BEEPER_ACCESS_TOKEN", server.token());
    let started = common::finish(command, "").await;
    assert_eq!(started.code, 0, "{started:?}");
    assert!(
        started
            .stdout
            .contains("Next: wait for the other device: ./bv wait "),
        "{started:?}"
    );
    // Run by `cargo run`: the demo's hint is the cargo command, which this person has.
    let mut command = common::command(&["demo"]);
    command
        .env("CARGO", "cargo")
        .env("CARGO_PKG_NAME", "beeper-verification-cli")
        .arg0("target/debug/beeper-verify");
    let no = common::finish(command, "n\n").await;
    assert_eq!(no.code, 4, "{no:?}");
    assert!(
        no.stderr
            .contains("run `cargo run -p beeper-verification-cli -- demo` again"),
        "{no:?}"
    );
    assert!(!no.stderr.contains("`beeper-verify "), "{no:?}");
}

/// The lines of `stderr` that start with `prefix`.
fn lines_starting<'a>(stderr: &'a str, prefix: &str) -> Vec<&'a str> {
    stderr.lines().filter(|l| l.starts_with(prefix)).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_error_says_once_what_happened_and_what_to_do() {
    let server = fake().await;
    // Cancelling a verification that is done: one sentence, then one hint, in this program's
    // words.
    let id = start(&server).await;
    server.peer().accept(&id).expect("accepts");
    server.peer().scan_our_qr(&id).expect("scans");
    let confirmed = run(Some(&server), &["qr", "confirm", &id]).await;
    assert_eq!(confirmed.code, 0, "{confirmed:?}");
    let refused = run(Some(&server), &["cancel", &id]).await;
    assert_eq!(refused.code, 1, "{refused:?}");
    let errors = lines_starting(&refused.stderr, "error: ");
    let hints = lines_starting(&refused.stderr, "hint: ");
    assert_eq!(
        (errors.len(), hints.len(), refused.stderr.lines().count()),
        (1, 1, 2),
        "{refused:?}"
    );
    assert_eq!(errors[0].matches(id.as_str()).count(), 1, "{refused:?}");
    assert!(errors[0].contains("it is done"), "{refused:?}");
    assert!(!errors[0].contains("HTTP 409"), "{refused:?}");
    assert!(!hints[0].contains("next_step"), "{refused:?}");
    // The verification moved on while a command was typed: what it allows now is a command.
    let incoming = server.peer().request();
    let refused = run(Some(&server), &["sas", "confirm", &incoming]).await;
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused.stderr.contains(&format!(
            "hint: see what it allows now: beeper-verify show {incoming}"
        )),
        "{refused:?}"
    );

    // An ID nobody knows: the hint agrees with `list --help` (ended ones drop out of the
    // list; `show` still finds them).
    let unknown = run(Some(&server), &["show", "no-such-id"]).await;
    assert_eq!(unknown.code, 1, "{unknown:?}");
    assert!(!unknown.stderr.contains("may have ended"), "{unknown:?}");
    assert!(unknown.stderr.contains("beeper-verify list"), "{unknown:?}");

    // A verification cancelled while waiting: English.
    let cancelled = start(&server).await;
    server
        .peer()
        .cancel(&cancelled, Some("m.user"), Some("Declined"))
        .expect("cancels");
    let waited = run(Some(&server), &["wait", &cancelled, "--until", "done"]).await;
    assert_eq!(waited.code, 4, "{waited:?}");
    assert!(
        waited.stderr.starts_with(&format!(
            "error: verification {cancelled} was cancelled: Declined (m.user)\n"
        )),
        "{waited:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_connection_names_the_url_once_and_the_cause_with_verbose() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let down = run(None, &["--base-url", &url, "--token", "t", "status"]).await;
    assert_eq!(down.code, 1, "{down:?}");
    assert_eq!(down.stderr.matches(&url).count(), 1, "{down:?}");
    assert_eq!(down.stderr.lines().count(), 2, "{down:?}");
    assert!(!down.stderr.contains("error sending request"), "{down:?}");
    assert!(
        down.stderr.contains("-v"),
        "the hint says how to see why: {down:?}"
    );
    let verbose = run(None, &["--base-url", &url, "--token", "t", "status", "-v"]).await;
    assert_eq!(verbose.code, 1, "{verbose:?}");
    assert!(
        verbose.stderr.to_lowercase().contains("connection refused"),
        "{verbose:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn quiet_prints_no_next_hint() {
    let server = fake().await;
    let started = run(Some(&server), &["-q", "start"]).await;
    assert_eq!(started.code, 0, "{started:?}");
    assert!(!started.stdout.contains("Next:"), "{started:?}");
    assert!(
        started.stdout.starts_with("Started verification"),
        "{started:?}"
    );
    let id = start(&server).await;
    for args in [&["-q", "show", &id][..], &["status", "--quiet"]] {
        let shown = run(Some(&server), args).await;
        assert_eq!(shown.code, 0, "{args:?}: {shown:?}");
        assert!(!shown.stdout.contains("Next:"), "{args:?}: {shown:?}");
        assert!(!shown.stdout.contains(" verify"), "{args:?}: {shown:?}");
    }
    let key = FakeServer::builder()
        .session_state(beeper_verification_fake::FakeSessionState::NeedsSecrets)
        .start()
        .await
        .expect("starts");
    let input = format!("{}\n", key.recovery_key());
    let entered = run_with_input(Some(&key), &["-q", "recovery-key"], &input).await;
    assert_eq!(entered.code, 0, "{entered:?}");
    assert!(!entered.stdout.contains("Next:"), "{entered:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn completions_refuse_json_and_complete_the_states_of_until() {
    let refused = run(None, &["--json", "completions", "bash"]).await;
    assert_eq!(refused.code, 2, "{refused:?}");
    assert_eq!(refused.json()["error"]["exitCode"], 2, "{refused:?}");
    let refused = run(None, &["completions", "zsh", "--json"]).await;
    assert_eq!(refused.code, 2, "{refused:?}");
    for (shell, states) in [
        (
            "bash",
            "requested ready sas_ready qr_scanned done cancelled error",
        ),
        ("fish", "sas_ready"),
        ("zsh", "sas_ready"),
    ] {
        let script = run(None, &["completions", shell]).await;
        assert_eq!(script.code, 0, "{shell}: {script:?}");
        assert!(script.stdout.contains(states), "{shell}: no {states:?}");
    }
    // A state that is not one: clap names the one meant.
    let refused = run(None, &["wait", "x", "--until", "rady"]).await;
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(refused.stderr.contains("'ready'"), "{refused:?}");
    // A list still works.
    let server = auto_fake(PeerMethod::Sas).await;
    let id = start(&server).await;
    let waited = run(Some(&server), &["wait", &id, "--until", "ready,sas_ready"]).await;
    assert_eq!(waited.code, 0, "{waited:?}");
}

/// A build with the `rustls` feature talks https: an https base URL is tried (here a loopback
/// port where nothing listens), not refused for want of TLS. CI runs it with the feature.
#[cfg(feature = "rustls")]
#[tokio::test(flavor = "multi_thread")]
async fn an_https_base_url_is_tried_not_refused() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let url = format!("https://127.0.0.1:{port}");
    let down = run(None, &["--base-url", &url, "--token", "t", "status"]).await;
    assert_eq!(down.code, 1, "{down:?}");
    assert!(down.stderr.contains("cannot connect"), "{down:?}");
    assert!(!down.stderr.contains("rustls"), "{down:?}");
}

/// Every hint names a command as it was run, or a flag, in this program's words.
#[tokio::test(flavor = "multi_thread")]
async fn hints_name_the_command_and_speak_words() {
    // An empty --email is a usage error named by its flag, not a question to ask again.
    let empty = run(None, &["--json", "setup", "--email", ""]).await;
    assert_eq!(empty.code, 2, "{empty:?}");
    let message = empty.json()["error"]["message"].to_string();
    assert!(message.contains("--email"), "{empty:?}");
    assert!(!empty.stdout.contains("ask the person"), "{empty:?}");

    // Unclear answers, and no answer: run `beeper-verify demo` again.
    let unclear = run_with_input(None, &["demo"], "ja\n\nmaybe\n").await;
    assert_eq!(unclear.code, 4, "{unclear:?}");
    assert!(
        unclear
            .stderr
            .contains("hint: run `beeper-verify demo` again, and answer y"),
        "{unclear:?}"
    );
    let none = run_with_input(None, &["demo"], "").await;
    assert_eq!(none.code, 4, "{none:?}");
    assert!(
        none.stderr
            .contains("hint: run `beeper-verify demo` again at a terminal"),
        "{none:?}"
    );

    // A mistyped address in the demo is the person's, not a bug to report. Piped, it is not
    // asked again (the next line would be the code).
    let typed = run_with_input(
        None,
        &["demo", "--yes", "--type-sign-in"],
        "not-an-address\nnot-an-address-either\n",
    )
    .await;
    assert_ne!(typed.code, 0, "{typed:?}");
    assert!(!typed.stdout.contains("Type it again"), "{typed:?}");
    assert!(typed.stderr.contains("like you@example.com"), "{typed:?}");
    assert!(!typed.stderr.contains("please report"), "{typed:?}");

    // An action a done verification no longer allows: in words, not the API's action name.
    let server = fake().await;
    let id = start(&server).await;
    server.peer().accept(&id).expect("accepts");
    server.peer().scan_our_qr(&id).expect("scans");
    let confirmed = run(Some(&server), &["qr", "confirm", &id]).await;
    assert_eq!(confirmed.code, 0, "{confirmed:?}");
    let refused = run(Some(&server), &["sas", "confirm", &id]).await;
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused.stderr.contains(&format!(
            "error: cannot confirm the emoji of verification {id}"
        )),
        "{refused:?}"
    );
    assert!(
        !refused.stderr.contains("sas.confirm verification"),
        "{refused:?}"
    );
}

/// clap's usage line names the program as the hints do: under `cargo run`, the cargo command.
#[tokio::test(flavor = "multi_thread")]
async fn usage_lines_name_the_program_as_it_was_run() {
    let mut command = common::command(&["status", "--frobnicate"]);
    command
        .env("CARGO", "cargo")
        .env("CARGO_PKG_NAME", "beeper-verification-cli");
    let refused = common::finish(command, "").await;
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(
        refused
            .stderr
            .contains("Usage: cargo run -p beeper-verification-cli -- status"),
        "{refused:?}"
    );
}

/// A line of the demo with what changes from run to run (the fake's port, the mailed code,
/// the emoji and the decimals) replaced by a placeholder.
fn demo_line_shape(line: &str) -> String {
    let line = line.trim_end();
    let words: Vec<&str> = line.split_whitespace().collect();
    let all_digits = |w: &str| !w.is_empty() && w.chars().all(|c| c.is_ascii_digit());
    if words.len() == 3 && words.iter().all(|w| w.len() == 4 && all_digits(w)) {
        return "DECIMALS".to_owned();
    }
    if line.starts_with("  ") && words.len() >= 3 && words[0].len() == 1 && all_digits(words[0]) {
        return "EMOJI ROW".to_owned();
    }
    let mut shaped = line.to_owned();
    for prefix in ["http://127.0.0.1:", "sign-in code is "] {
        if let Some(at) = shaped.find(prefix) {
            let start = at + prefix.len();
            let end = shaped[start..]
                .find(|c: char| !c.is_ascii_digit())
                .map_or(shaped.len(), |n| start + n);
            shaped.replace_range(start..end, "N");
        }
    }
    shaped
}

/// The root README's demo transcript is what `cargo run -p beeper-verification-cli -- demo`
/// prints, line for line (but for what changes from run to run), and it shows `setup`: it is
/// the first thing a newcomer runs and reads. The workspace's README is not in this crate's
/// package: run from the unpacked package, the test says so and passes.
#[tokio::test(flavor = "multi_thread")]
async fn the_readme_shows_the_demo_as_it_runs() {
    const RUN: &str = "$ cargo run -p beeper-verification-cli -- demo";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let Ok(readme) = std::fs::read_to_string(&path) else {
        eprintln!("skipped: no workspace README (run from the crate's package)");
        return;
    };
    let shown: Vec<String> = readme
        .split_once(&format!("{RUN}\n"))
        .and_then(|(_, rest)| rest.split_once("\n```"))
        .map(|(transcript, _)| transcript)
        .expect("the README shows the demo's transcript")
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(demo_line_shape)
        .collect();
    assert!(
        shown.iter().any(|line| line.contains("-- setup`")),
        "the first screen shows setup"
    );

    // As cargo runs it: cargo sets CARGO and the package's name for the program.
    let mut command = common::command(&["demo"]);
    command
        .env("CARGO", "cargo")
        .env("CARGO_PKG_NAME", "beeper-verification-cli");
    let demo = common::finish(command, "y\n").await;
    assert_eq!(demo.code, 0, "{demo:?}");
    // Standard output and error reach a terminal interleaved: compare what each holds.
    let printed: Vec<String> = demo
        .stdout
        .lines()
        .chain(demo.stderr.lines())
        .filter(|line| !line.trim().is_empty())
        .map(demo_line_shape)
        .collect();
    for line in &shown {
        assert!(
            printed.contains(line),
            "the README shows {line:?}, which the demo does not print:\n{}\n{}",
            demo.stdout,
            demo.stderr
        );
    }
    for line in &printed {
        assert!(
            shown.contains(line),
            "the demo prints {line:?}, which the README does not show"
        );
    }
}
