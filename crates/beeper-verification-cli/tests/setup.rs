//! `beeper-verify setup` through the binary, from a fake started signed out to `ready`, with the
//! answers on standard input as a script gives them: a known account, a new one (created only
//! after the terms are accepted), a wrong code, `--json`, `--print-token`, Ctrl-C; then the
//! next command with no token but the saved one. No secret (the code, the lead token, the
//! access token, the recovery key) may appear in what it prints, unless asked for with
//! `--print-token`. Each test has a configuration folder of its own.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use beeper_verification_fake::{FakeServer, FakeSessionState, Operation, PeerMethod};
use common::{Run, TempDir, finish};
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use serde_json::{Value, json};

/// The code every mail of these fakes carries.
const CODE: &str = "482913";
/// A code that is not the one mailed.
const WRONG_CODE: &str = "000017";
/// The account the fakes know.
const ACCOUNT: &str = "you@example.com";
/// The account's recovery key.
const KEY: &str = "EsTc 9bD2 Ab7x Qw3e Rt5y Ui8o";

/// A fake signed out, knowing [`ACCOUNT`], mailing [`CODE`], with an other device that plays
/// the emoji comparison; after sign-in it is in `after`.
async fn signed_out(after: FakeSessionState) -> FakeServer {
    FakeServer::builder()
        .seed(7)
        .session_state(FakeSessionState::NeedsLogin)
        .account(ACCOUNT)
        .sign_in_code(CODE)
        .state_after_sign_in(after)
        .recovery_key(KEY)
        .auto_peer(PeerMethod::Sas, Duration::from_millis(50))
        .start()
        .await
        .expect("the fake starts")
}

/// Where the program saves the token under the configuration folder `config`.
fn token_path(config: &Path) -> PathBuf {
    config.join("beeper-verify").join("token")
}

/// `beeper-verify ARGS` against `server` with `config` as the configuration folder, no token
/// but what is saved there, and `stdin` as its input.
async fn run_in(config: &Path, base_url: &str, args: &[&str], stdin: &str) -> Run {
    let mut command = common::command(args);
    command
        .env("XDG_CONFIG_HOME", config)
        .env("BEEPER_BASE_URL", base_url);
    finish(command, stdin).await
}

/// None of `secrets` appears in what `run` printed.
fn assert_no_secret(run: &Run, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "{secret:?} was printed: {run:?}"
        );
    }
}

fn sent(server: &FakeServer, operation: Operation) -> usize {
    server.requests_for(operation).len()
}

async fn state(config: &Path, server: &FakeServer) -> String {
    let status = run_in(config, server.base_url(), &["--json", "status"], "").await;
    assert_eq!(status.code, 0, "{status:?}");
    status.json()["state"].as_str().expect("a state").to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn setup_takes_a_signed_out_device_to_ready_and_the_next_command_needs_no_token() {
    let server = signed_out(FakeSessionState::NeedsVerification).await;
    let config = TempDir::new("setup-config");
    // Signed out, `status` needs no token, and says what to run.
    let status = run_in(config.path(), server.base_url(), &["status"], "").await;
    assert_eq!(status.code, 0, "{status:?}");
    assert!(
        status.stdout.contains("Session:  needs-login")
            && status.stdout.contains(
                "Next:     sign in with your email, then verify this device: beeper-verify setup"
            ),
        "{status:?}"
    );

    // The email, the code, the first way (emoji), and yes, they match.
    let answers = format!("{ACCOUNT}\n{CODE}\n1\ny\n");
    let setup = run_in(config.path(), server.base_url(), &["setup"], &answers).await;
    assert_eq!(setup.code, 0, "{setup:?}");
    let path = token_path(config.path());
    assert!(
        setup.stdout.contains(&format!(
            "Signed in as @you:beeper.com; the access token is saved in {} (forget it with \
             `beeper-verify forget-token`).\n",
            path.display()
        )),
        "{setup:?}"
    );
    assert!(
        setup
            .stdout
            .contains("Code from the email: (read from standard input)"),
        "{setup:?}"
    );
    assert!(
        setup.stdout.contains("Do they match? [y/n] y\n")
            && setup.stdout.ends_with(
                "\nVerified. Setup is complete: this device is trusted for encrypted messages.\n"
            ),
        "{setup:?}"
    );
    assert_no_secret(&setup, &[CODE, server.token()]);
    for operation in [
        Operation::StartSetup,
        Operation::SendSetupEmail,
        Operation::FinishSetupSignIn,
    ] {
        assert_eq!(sent(&server, operation), 1, "{operation:?}");
    }
    assert_eq!(sent(&server, Operation::RegisterSetupAccount), 0);

    // The token is saved, for this user only.
    assert_eq!(
        std::fs::read_to_string(&path).expect("saved"),
        format!("{}\n", server.token())
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path)
            .expect("saved")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // The next command: no token on the command line or in the environment.
    let status = run_in(config.path(), server.base_url(), &["status"], "").await;
    assert_eq!(status.code, 0, "{status:?}");
    assert!(status.stdout.contains("Session:  ready"), "{status:?}");
    assert_no_secret(&status, &[server.token()]);
    assert_eq!(state(config.path(), &server).await, "ready");

    // Run again, it has nothing to do.
    let again = run_in(config.path(), server.base_url(), &["setup"], "").await;
    assert_eq!(again.code, 0, "{again:?}");
    assert!(again.stdout.starts_with("Nothing to do."), "{again:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn with_json_setup_prints_the_session_and_no_secret() {
    let server = signed_out(FakeSessionState::NeedsSecrets).await;
    let config = TempDir::new("setup-json");
    let answers = format!("{CODE}\n{KEY}\n");
    let setup = run_in(
        config.path(),
        server.base_url(),
        &["--json", "setup", "--email", ACCOUNT],
        &answers,
    )
    .await;
    assert_eq!(setup.code, 0, "{setup:?}");
    // One JSON document: the session.
    assert_eq!(setup.json()["state"], "ready", "{setup:?}");
    assert_eq!(setup.json()["matrix"]["userID"], "@you:beeper.com");
    // What the person reads is on standard error.
    assert!(
        setup.stderr.contains("Signed in as @you:beeper.com"),
        "{setup:?}"
    );
    let groups: Vec<&str> = KEY.split(' ').filter(|g| *g != "EsTc").collect();
    let mut secrets = vec![CODE, server.token()];
    secrets.extend(groups);
    assert_no_secret(&setup, &secrets);
    assert!(token_path(config.path()).exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_address_gets_an_account_only_once_the_terms_are_accepted() {
    let server = signed_out(FakeSessionState::Ready).await;
    let config = TempDir::new("setup-new");
    let new = ["setup", "--email", "new@example.com"];

    // No to the terms: nothing is created.
    let declined = run_in(
        config.path(),
        server.base_url(),
        &new,
        &format!("{CODE}\n\nn\n"),
    )
    .await;
    assert_eq!(declined.code, 4, "{declined:?}");
    assert!(
        declined
            .stdout
            .contains("Choose your username\nUsername [new]: \n")
            && declined.stdout.contains(
                "By continuing, you agree to the Terms of Use and acknowledge the Privacy Policy."
            )
            && declined
                .stdout
                .contains("Terms of Use:    https://www.beeper.com/terms-onboarding")
            && declined
                .stdout
                .contains("Do you accept them, and create the account? [y/n] n\n"),
        "{declined:?}"
    );
    assert!(
        declined
            .stderr
            .contains("\nerror: no account was created: the terms were not accepted\n"),
        "{declined:?}"
    );
    // Nobody answered at all: a clear error, naming the flag for scripts.
    let unanswered = run_in(
        config.path(),
        server.base_url(),
        &new,
        &format!("{CODE}\n\n"),
    )
    .await;
    assert_eq!(unanswered.code, 2, "{unanswered:?}");
    assert!(
        unanswered.stderr.contains("no account was created")
            && unanswered.stderr.contains("--accept-terms"),
        "{unanswered:?}"
    );
    // An answer that is neither: asked again, then no account either.
    let unclear = run_in(
        config.path(),
        server.base_url(),
        &new,
        &format!("{CODE}\n\nok\nsure\nfine\n"),
    )
    .await;
    assert_eq!(unclear.code, 2, "{unclear:?}");
    assert!(
        unclear
            .stdout
            .contains("Please answer y to accept the terms"),
        "{unclear:?}"
    );
    assert_eq!(sent(&server, Operation::RegisterSetupAccount), 0);
    assert!(!token_path(config.path()).exists());
    assert_eq!(state(config.path(), &server).await, "needs-login");

    // Yes: the account is made with the suggested username, and signed in.
    let accepted = run_in(
        config.path(),
        server.base_url(),
        &new,
        &format!("{CODE}\n\ny\n"),
    )
    .await;
    assert_eq!(accepted.code, 0, "{accepted:?}");
    assert!(
        accepted
            .stdout
            .contains("Do you accept them, and create the account? [y/n] y\n")
            && accepted.stdout.contains("Signed in as @new:beeper.com;")
            && accepted.stdout.contains("\nSigned in. Setup is complete"),
        "{accepted:?}"
    );
    let registered = server.requests_for(Operation::RegisterSetupAccount);
    assert_eq!(registered.len(), 1, "{registered:?}");
    let body: Value = serde_json::from_str(&registered[0].body).expect("JSON");
    assert_eq!(
        (&body["acceptTerms"], &body["username"]),
        (&json!(true), &json!("new"))
    );
    assert_no_secret(&accepted, &[CODE, server.token()]);

    // --accept-terms answers for a script, and says so; a username may be typed.
    server.set_session_state(FakeSessionState::NeedsLogin);
    let flagged = run_in(
        config.path(),
        server.base_url(),
        &["setup", "--email", "other@example.com", "--accept-terms"],
        &format!("{CODE}\nsomeone\n"),
    )
    .await;
    assert_eq!(flagged.code, 0, "{flagged:?}");
    assert!(
        flagged
            .stdout
            .contains("[y/n] y (answered by --accept-terms)")
            && flagged.stdout.contains("Signed in as @someone:beeper.com;"),
        "{flagged:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_code_is_said_and_asked_again() {
    let server = signed_out(FakeSessionState::Ready).await;
    let config = TempDir::new("setup-wrong");
    let answers = format!("{ACCOUNT}\n{WRONG_CODE}\n{CODE}\n");
    let setup = run_in(config.path(), server.base_url(), &["setup"], &answers).await;
    assert_eq!(setup.code, 0, "{setup:?}");
    assert!(
        setup.stdout.contains("That code was not accepted (")
            && setup
                .stdout
                .contains("Enter the code from the latest email again.\n"),
        "{setup:?}"
    );
    assert_eq!(sent(&server, Operation::FinishSetupSignIn), 2);
    assert_eq!(sent(&server, Operation::SendSetupEmail), 1, "one mail");
    assert_no_secret(&setup, &[CODE, WRONG_CODE, server.token()]);

    // Wrong every time: it gives up, and says what to do.
    server.set_session_state(FakeSessionState::NeedsLogin);
    let wrong = format!("{ACCOUNT}\n{}", format!("{WRONG_CODE}\n").repeat(6));
    let refused = run_in(config.path(), server.base_url(), &["setup"], &wrong).await;
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused
            .stderr
            .contains("hint: run `beeper-verify setup` again, and enter the code"),
        "{refused:?}"
    );
    assert_no_secret(&refused, &[CODE, WRONG_CODE]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_address_from_a_script_stops_without_reading_its_code_as_one() {
    // Asked again, a script's next line (its code) was mailed to as an address. At a terminal
    // the address is asked again (the tmux test).
    let server = signed_out(FakeSessionState::Ready).await;
    let config = TempDir::new("setup-address");
    let answers = format!("you at example.com\n{CODE}\n1\ny\n");
    let setup = run_in(config.path(), server.base_url(), &["setup"], &answers).await;
    assert_eq!(setup.code, 1, "{setup:?}");
    assert!(!setup.stdout.contains("Type it again"), "{setup:?}");
    assert!(
        setup
            .stderr
            .contains("hint: check the email address, and run `beeper-verify setup` again"),
        "{setup:?}"
    );
    assert_eq!(
        sent(&server, Operation::SendSetupEmail),
        1,
        "the code was not sent"
    );
    assert_no_secret(&setup, &[CODE]);

    // Nor is the address of --email: the same flag would be refused again.
    let flagged = run_in(
        config.path(),
        server.base_url(),
        &["setup", "--email", "you at example.com"],
        "",
    )
    .await;
    assert_eq!(flagged.code, 1, "{flagged:?}");
    assert!(!flagged.stdout.contains("Type it again"), "{flagged:?}");
    assert!(
        flagged.stderr.contains("hint: check the email address"),
        "{flagged:?}"
    );
    assert_eq!(sent(&server, Operation::SendSetupEmail), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn print_token_prints_the_token_and_nothing_else_does() {
    let server = signed_out(FakeSessionState::Ready).await;
    let config = TempDir::new("setup-print");
    let args = ["setup", "--email", ACCOUNT, "--print-token"];
    let printed = run_in(
        config.path(),
        server.base_url(),
        &args,
        &format!("{CODE}\n"),
    )
    .await;
    assert_eq!(printed.code, 0, "{printed:?}");
    assert_eq!(
        printed.stdout.lines().last(),
        Some(server.token()),
        "the last line: {printed:?}"
    );
    assert_eq!(printed.stdout.matches(server.token()).count(), 1);
    assert!(!printed.stderr.contains(server.token()));

    server.set_session_state(FakeSessionState::NeedsLogin);
    let json = run_in(
        config.path(),
        server.base_url(),
        &["--json", "setup", "--email", ACCOUNT, "--print-token"],
        &format!("{CODE}\n"),
    )
    .await;
    assert_eq!(json.code, 0, "{json:?}");
    assert_eq!(json.json()["accessToken"], server.token());
    assert_eq!(json.json()["session"]["state"], "ready");
    assert!(!json.stderr.contains(server.token()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_start_says_what_to_run() {
    // A 400 to the start had no hint: the person was left with the server's words alone.
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup");
            then.status(200).json_body(json!({
                "state": "needs-login",
                "e2ee": {
                    "crossSigning": false, "firstSyncDone": false, "hasBackedUpRecoveryKey": false,
                    "initialized": false, "keyBackup": false, "secretStorage": false,
                    "verified": false,
                    "secrets": {"masterKey": false, "megolmBackupKey": false, "recoveryKey": false,
                                "selfSigningKey": false, "userSigningKey": false}
                },
            }));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/app/setup/start");
            then.status(400)
                .json_body(json!({"code": "BAD_REQUEST", "message": "sign-in is not available"}));
        })
        .await;
    let config = TempDir::new("refused-start");
    let run = run_in(
        config.path(),
        &server.base_url(),
        &["setup"],
        "you@example.com\n",
    )
    .await;
    assert_eq!(run.code, 1, "{run:?}");
    let hint = run
        .stderr
        .lines()
        .find(|line| line.starts_with("hint: "))
        .unwrap_or_default();
    assert!(
        hint.contains("status`") && hint.contains("setup`"),
        "{}",
        run.stderr
    );
}

/// A server whose sign-in secrets are known: the lead token and the access token carry a
/// marker, and the registration's words try to drive the terminal.
async fn registering_server() -> MockServer {
    const HOSTILE: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}\nVerified.";
    let session = |state: &str| {
        json!({
            "state": state,
            "e2ee": {
                "crossSigning": true, "firstSyncDone": true, "hasBackedUpRecoveryKey": true,
                "initialized": true, "keyBackup": true, "secretStorage": true, "verified": true,
                "secrets": {"masterKey": true, "megolmBackupKey": true, "recoveryKey": true,
                            "selfSigningKey": true, "userSigningKey": true}
            },
        })
    };
    let server = MockServer::start_async().await;
    let signed_out = session("needs-login");
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup");
            then.status(200).json_body(signed_out);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/app/setup/start");
            then.status(200)
                .json_body(json!({"setupRequestID": "sr1", "signInMethods": ["email"]}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/app/setup/email");
            then.status(204);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/app/setup/response");
            then.status(200).json_body(json!({
                "copy": {
                    "submit": format!("Go{HOSTILE}"),
                    "terms": format!("Terms{HOSTILE}"),
                    "title": format!("Title{HOSTILE}"),
                    "usernamePlaceholder": format!("Name{HOSTILE}"),
                },
                "leadToken": "lead-S3CRET-lead",
                "registrationRequired": true,
                "setupRequestID": "sr1",
                "usernameSuggestions": ["fresh"],
            }));
        })
        .await;
    let mut ready = session("ready");
    ready["matrix"] = json!({
        "deviceID": "DEV", "homeserver": "https://matrix.beeper.com", "userID": "@fresh:beeper.com"
    });
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/register")
                .json_body_includes(r#"{"acceptTerms": true, "username": "fresh"}"#);
            then.status(200).json_body(json!({
                "matrix": {
                    "accessToken": "tok-S3CRET-token",
                    "deviceID": "DEV",
                    "homeserver": "https://matrix.beeper.com",
                    "userID": "@fresh:beeper.com",
                },
                "session": ready,
            }));
        })
        .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn a_registration_shows_no_secret_and_its_words_escaped() {
    let server = registering_server().await;
    let base_url = server.base_url();
    let config = TempDir::new("setup-secrets");
    let args = ["setup", "--email", "fresh@example.com", "--accept-terms"];
    for args in [&args[..], &[&["--json"][..], &args[..]].concat()] {
        let _ = std::fs::remove_file(token_path(config.path()));
        let run = run_in(config.path(), &base_url, args, "code-S3CRET-code\n\n").await;
        assert_eq!(run.code, 0, "{args:?}: {run:?}");
        assert!(
            !run.stdout.contains("S3CRET") && !run.stderr.contains("S3CRET"),
            "{args:?}: a secret was printed: {run:?}"
        );
        for text in [&run.stdout, &run.stderr] {
            assert!(
                !text
                    .chars()
                    .any(|c| (c.is_control() && c != '\n') || c == '\u{202e}'),
                "{args:?}: the server's words reached the terminal raw: {text}"
            );
            assert!(
                !text.lines().any(|l| l.starts_with("Verified.")),
                "{args:?}: a forged line: {text}"
            );
        }
        assert_eq!(
            std::fs::read_to_string(token_path(config.path())).expect("saved"),
            "tok-S3CRET-token\n"
        );
    }
}

/// Writes `answers` to a `setup` run against `server` and leaves its input open, until
/// `marker` is on standard error or standard output; then Ctrl-C. Returns the exit code and
/// what it printed.
async fn interrupt_setup(
    server: &FakeServer,
    answers: &str,
    marker: &str,
) -> (Option<i32>, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let config = TempDir::new("setup-interrupt");
    let mut command = common::command(&["setup"]);
    command
        .env("XDG_CONFIG_HOME", config.path())
        .env("BEEPER_BASE_URL", server.base_url());
    let mut child = command.spawn().expect("runs");
    let mut input = child.stdin.take().expect("piped");
    input.write_all(answers.as_bytes()).await.expect("written");
    // Both streams, as they come, into one text.
    let seen = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let mut readers = Vec::new();
    let streams: [Box<dyn tokio::io::AsyncRead + Unpin + Send>; 2] = [
        Box::new(child.stdout.take().expect("piped")),
        Box::new(child.stderr.take().expect("piped")),
    ];
    for mut stream in streams {
        let seen = std::sync::Arc::clone(&seen);
        readers.push(tokio::spawn(async move {
            let mut buffer = [0u8; 4096];
            while let Ok(n) = stream.read(&mut buffer).await
                && n > 0
            {
                let text = String::from_utf8_lossy(&buffer[..n]).into_owned();
                seen.lock().expect("not poisoned").push_str(&text);
            }
        }));
    }
    let printed = || seen.lock().expect("not poisoned").clone();
    for _ in 0..300 {
        if printed().contains(marker) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(printed().contains(marker), "no {marker:?}: {}", printed());
    // Give the program a moment to wait where the marker says.
    tokio::time::sleep(Duration::from_millis(300)).await;
    common::press_ctrl_c(&child).await;
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("it ends")
        .expect("status");
    drop(input);
    for reader in readers {
        let _ = reader.await;
    }
    let seen = printed();
    (status.code(), seen)
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_at_the_code_stops_and_during_the_emoji_cancels_the_verification() {
    // At the code: nothing more is sent.
    let server = signed_out(FakeSessionState::NeedsVerification).await;
    let (code, printed) = interrupt_setup(
        &server,
        &format!("{ACCOUNT}\n"),
        "A sign-in code was mailed",
    )
    .await;
    assert_eq!(code, Some(130), "{printed}");
    assert_eq!(sent(&server, Operation::FinishSetupSignIn), 0, "{printed}");

    // Waiting for the other device (which never answers): the verification is cancelled.
    let server = FakeServer::builder()
        .session_state(FakeSessionState::NeedsLogin)
        .account(ACCOUNT)
        .sign_in_code(CODE)
        .start()
        .await
        .expect("the fake starts");
    let (code, printed) = interrupt_setup(
        &server,
        &format!("{ACCOUNT}\n{CODE}\n1\n"),
        "Accept the request",
    )
    .await;
    assert_eq!(code, Some(130), "{printed}");
    assert!(
        printed.contains("Interrupted: cancelled verification"),
        "{printed}"
    );
    let cancels = server.requests_for(Operation::CancelVerification);
    assert_eq!(cancels.len(), 1, "{cancels:?}");
    let body: Value = serde_json::from_str(&cancels[0].body).expect("JSON");
    assert_eq!(body["code"], "m.user");
    assert!(!printed.contains(server.token()) && !printed.contains(CODE));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_shows_the_whole_journey_from_signed_out_and_saves_nothing() {
    let config = TempDir::new("demo-config");
    let mut command = common::command(&["demo", "--yes"]);
    command.env("XDG_CONFIG_HOME", config.path());
    let demo = finish(command, "").await;
    assert_eq!(demo.code, 0, "{demo:?}");
    for shown in [
        "Email address: you@example.com (filled in by the demo)",
        "Mail, from the fake's outbox",
        "│ To:       you@example.com",
        "│ Your sign-in code is ",
        "Code from the email: (entered by the demo, from the mail above)",
        "Signed in as @you:beeper.com.",
        "Do they match? [y/n] y (answered by --yes)",
        "Verified. Setup is complete",
    ] {
        assert!(demo.stdout.contains(shown), "{shown:?}: {demo:?}");
    }
    assert!(demo.stderr.contains("signed out"), "{demo:?}");
    // The fake's token is the demo's own: nothing is saved over the person's.
    assert!(!token_path(config.path()).exists());

    // --signed-in skips the sign-in.
    let signed_in = common::run(None, &["demo", "--yes", "--signed-in"]).await;
    assert_eq!(signed_in.code, 0, "{signed_in:?}");
    assert!(!signed_in.stdout.contains("Mail,"), "{signed_in:?}");
    assert!(
        signed_in.stdout.contains("Verified. Setup is complete"),
        "{signed_in:?}"
    );

    // --type-sign-in: the person types them, the code from the mail the demo shows.
    let typed = demo_typing_the_code().await;
    assert!(
        typed.contains("Email address: you@example.com\n")
            && typed.contains("Code from the email: (read from standard input)")
            && typed.contains("Verified. Setup is complete"),
        "{typed}"
    );
}

/// `demo --yes --type-sign-in`, answering as a person would: the address, then the code read
/// in the mail it shows. Returns standard output.
async fn demo_typing_the_code() -> String {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    let mut command = common::command(&["demo", "--yes", "--type-sign-in"]);
    command.stderr(std::process::Stdio::null());
    let mut child = command.spawn().expect("runs");
    let mut input = child.stdin.take().expect("piped");
    input
        .write_all(b"you@example.com\n")
        .await
        .expect("written");
    let mut lines = BufReader::new(child.stdout.take().expect("piped"));
    let mut seen = String::new();
    let code = loop {
        let mut line = String::new();
        match tokio::time::timeout(Duration::from_secs(30), lines.read_line(&mut line)).await {
            Ok(Ok(n)) if n > 0 => seen.push_str(&line),
            other => panic!("no mail before {other:?}: {seen}"),
        }
        if let Some(code) = line.trim_end().strip_prefix("│ Your sign-in code is ") {
            break code.to_owned();
        }
    };
    input
        .write_all(format!("{code}\n").as_bytes())
        .await
        .expect("written");
    drop(input);
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("it ends")
        .expect("status");
    let _ = lines.read_to_string(&mut seen).await;
    assert_eq!(status.code(), Some(0), "{seen}");
    seen
}

/// An empty answer at the code's prompt is said and asked again, using none of the five
/// tries; three in a row stop `setup` as a question without an answer (exit code 2).
#[tokio::test(flavor = "multi_thread")]
async fn an_empty_code_is_asked_again_without_using_a_try() {
    let server = signed_out(FakeSessionState::Ready).await;
    let config = TempDir::new("setup-empty-code");
    let answers = format!(
        "{ACCOUNT}\n\n{}\n{CODE}\n",
        format!("{WRONG_CODE}\n").repeat(4)
    );
    let setup = run_in(config.path(), server.base_url(), &["setup"], &answers).await;
    assert_eq!(setup.code, 0, "{setup:?}");
    assert!(setup.stdout.contains("No code was entered"), "{setup:?}");
    assert_eq!(sent(&server, Operation::FinishSetupSignIn), 5);

    server.set_session_state(FakeSessionState::NeedsLogin);
    let _ = std::fs::remove_file(token_path(config.path()));
    let empty = format!("{ACCOUNT}\n\n\n\n{CODE}\n");
    let stopped = run_in(config.path(), server.base_url(), &["setup"], &empty).await;
    assert_eq!(stopped.code, 2, "{stopped:?}");
    assert!(
        stopped.stderr.contains("no sign-in code was entered"),
        "{stopped:?}"
    );
    assert_eq!(sent(&server, Operation::FinishSetupSignIn), 5, "none sent");
}
