//! The recovery key through the binary, against the fake started in `needs-secrets` with a
//! known key: `recovery-key` (standard input, `--key-file`), `reset-recovery-key` (text and
//! `--json`), `verify` and `status` in the states that need a key, and `demo --recovery-key`.
//! The key must appear in no output but the one place a reset shows the new key.

mod common;

use beeper_verification_fake::{FakeServer, FakeSessionState, Operation, PeerMethod};
use common::{Run, TempFile, run, run_with_input};

/// The account's key in these tests; its groups are distinct enough to be searched for.
const KEY: &str = "EsTc 9bD2 Ab7x Qw3e Rt5y Ui8o";
/// A key that is not the account's.
const WRONG: &str = "EsTc 9bD2 Ab7x Qw3e Rt5y XXXX";

async fn needs_secrets() -> FakeServer {
    FakeServer::builder()
        .seed(7)
        .session_state(FakeSessionState::NeedsSecrets)
        .recovery_key(KEY)
        .start()
        .await
        .expect("the fake starts")
}

/// The session state as the binary reports it.
async fn state(server: &FakeServer) -> String {
    let status = run(Some(server), &["--json", "status"]).await;
    assert_eq!(status.code, 0, "{status:?}");
    status.json()["state"].as_str().expect("a state").to_owned()
}

/// `key` appears nowhere in what `run` printed, nor any of its groups of four.
fn assert_not_shown(run: &Run, key: &str) {
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains(key), "the key was printed: {run:?}");
        for group in key.split(' ').filter(|g| g.len() == 4 && *g != "EsTc") {
            assert!(
                !text.contains(group),
                "part of the key was printed: {run:?}"
            );
        }
    }
}

fn operations(server: &FakeServer) -> Vec<Operation> {
    server
        .requests()
        .into_iter()
        .filter_map(|r| r.operation)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_key_from_standard_input_reaches_ready_and_is_never_printed() {
    let server = needs_secrets().await;
    // As a person pastes it: spaces around and between the groups do not matter.
    let input = format!("  {}  \n", KEY.replace(' ', "  "));
    let entered = run_with_input(Some(&server), &["recovery-key"], &input).await;
    assert_eq!(entered.code, 0, "{entered:?}");
    assert!(
        entered.stdout.contains("Recovery key accepted.")
            && entered.stdout.contains("Session:  ready"),
        "{entered:?}"
    );
    assert_not_shown(&entered, KEY);
    assert_eq!(state(&server).await, "ready");

    // --json: the session, and no key in it.
    server.set_session_state(FakeSessionState::NeedsSecrets);
    let json = run_with_input(Some(&server), &["--json", "recovery-key"], &input).await;
    assert_eq!(json.code, 0, "{json:?}");
    assert_eq!(json.json()["state"], "ready");
    assert_not_shown(&json, KEY);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_key_exits_1_changes_nothing_and_is_never_printed() {
    let server = needs_secrets().await;
    let wrong = run_with_input(Some(&server), &["recovery-key"], &format!("{WRONG}\n")).await;
    assert_eq!(wrong.code, 1, "{wrong:?}");
    assert!(
        wrong.stderr.contains("INVALID_RECOVERY_KEY")
            && wrong
                .stderr
                .contains("hint: that is not the account's recovery key"),
        "{wrong:?}"
    );
    assert_not_shown(&wrong, WRONG);
    assert_not_shown(&wrong, KEY);
    assert_eq!(state(&server).await, "needs-secrets");
    assert_eq!(server.recovery_key(), KEY);

    // As JSON: the error object, without the key.
    let json = run_with_input(
        Some(&server),
        &["--json", "recovery-key"],
        &format!("{WRONG}\n"),
    )
    .await;
    assert_eq!(json.code, 1, "{json:?}");
    assert_eq!(json.json()["error"]["code"], "INVALID_RECOVERY_KEY");
    assert_not_shown(&json, WRONG);
    assert_eq!(state(&server).await, "needs-secrets");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_key_can_come_from_a_file() {
    let server = needs_secrets().await;
    let file = TempFile::new("recovery-key", &format!("{KEY}\n"));
    let entered = run(Some(&server), &["recovery-key", "--key-file", &file.path()]).await;
    assert_eq!(entered.code, 0, "{entered:?}");
    assert!(entered.stdout.contains("Session:  ready"), "{entered:?}");
    assert_not_shown(&entered, KEY);

    // `-`: the first line of standard input, after the token's with --token-file - too.
    server.set_session_state(FakeSessionState::NeedsSecrets);
    let mut command = common::command(&["recovery-key", "--token-file", "-", "--key-file", "-"]);
    command.env("BEEPER_BASE_URL", server.base_url());
    let input = format!("{}\n{KEY}\n", server.token());
    let piped = common::finish(command, &input).await;
    assert_eq!(piped.code, 0, "{piped:?}");
    assert_not_shown(&piped, KEY);

    // A key written down across lines reads the same.
    server.set_session_state(FakeSessionState::NeedsSecrets);
    let file = TempFile::new("split-key", "EsTc 9bD2 Ab7x\nQw3e Rt5y Ui8o\n");
    let split = run(Some(&server), &["recovery-key", "--key-file", &file.path()]).await;
    assert_eq!(split.code, 0, "{split:?}");
    assert_not_shown(&split, KEY);

    // A file that is empty is a usage error that never shows it.
    for contents in ["", "\n \n"] {
        server.set_session_state(FakeSessionState::NeedsSecrets);
        let file = TempFile::new("bad-recovery-key", contents);
        let bad = run(Some(&server), &["recovery-key", "--key-file", &file.path()]).await;
        assert_eq!(bad.code, 2, "{contents:?}: {bad:?}");
        assert!(bad.stderr.contains("the key file"), "{bad:?}");
        assert_not_shown(&bad, KEY);
    }
    // Nothing on standard input at all.
    let nothing = run_with_input(Some(&server), &["recovery-key"], "").await;
    assert_eq!(nothing.code, 2, "{nothing:?}");
    assert!(
        nothing.stderr.contains("standard input is empty"),
        "{nothing:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn no_option_or_argument_takes_the_key_itself() {
    let help = run(None, &["recovery-key", "--help"]).await;
    assert_eq!(help.code, 0, "{help:?}");
    assert!(help.stdout.contains("--key-file <PATH>"), "{help:?}");
    assert!(!help.stdout.contains("--key <"), "{help:?}");
    let refused = run(None, &["recovery-key", "--key", "x"]).await;
    assert_eq!(refused.code, 2, "{refused:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reset_shows_the_key_once_and_only_a_yes_puts_it_in_force() {
    let server = needs_secrets().await;

    // No to the first question: nothing is made.
    server.clear_requests();
    let declined = run_with_input(Some(&server), &["reset-recovery-key"], "n\n").await;
    assert_eq!(declined.code, 4, "{declined:?}");
    assert!(
        declined.stdout.contains("cannot be undone")
            && declined.stdout.contains("become unreadable")
            && declined.stdout.contains("reconnecting")
            && declined.stdout.contains("Beeper keeps no copy"),
        "{declined:?}"
    );
    assert!(
        declined.stderr.contains("no new recovery key was made"),
        "{declined:?}"
    );
    assert!(!operations(&server).contains(&Operation::ResetRecoveryKey));
    assert_eq!(server.recovery_key(), KEY);

    // Yes, then no to "Did you save it?": the key was shown once, and is not in force.
    let unsaved = run_with_input(Some(&server), &["reset-recovery-key"], "y\nn\n").await;
    assert_eq!(unsaved.code, 4, "{unsaved:?}");
    assert!(
        unsaved.stdout.contains("Did you save it? [y/N]"),
        "{unsaved:?}"
    );
    assert!(
        unsaved.stderr.contains("not confirmed") && unsaved.stderr.contains("old key stays"),
        "{unsaved:?}"
    );
    assert_eq!(server.recovery_key(), KEY);
    assert_eq!(state(&server).await, "needs-secrets");
    assert_not_shown(&unsaved, KEY);
    // No answer at all (the input ended) is not a yes either.
    let ended = run_with_input(Some(&server), &["reset-recovery-key"], "y\n").await;
    assert_eq!(ended.code, 4, "{ended:?}");
    assert_eq!(server.recovery_key(), KEY);

    // Yes and yes: the new key is shown exactly once and is the account's from then on.
    let reset = run_with_input(Some(&server), &["reset-recovery-key"], "y\nyes\n").await;
    assert_eq!(reset.code, 0, "{reset:?}");
    let new_key = server.recovery_key();
    assert_ne!(new_key, KEY);
    assert_eq!(reset.stdout.matches(&new_key).count(), 1, "{reset:?}");
    assert!(!reset.stderr.contains(&new_key), "{reset:?}");
    assert!(
        reset.stdout.contains("The new recovery key is in force"),
        "{reset:?}"
    );
    assert_not_shown(&reset, KEY);
    assert_eq!(state(&server).await, "ready");

    // Only the new key works now.
    server.set_session_state(FakeSessionState::NeedsSecrets);
    let old = run_with_input(Some(&server), &["recovery-key"], &format!("{KEY}\n")).await;
    assert_eq!(old.code, 1, "{old:?}");
    let new = run_with_input(Some(&server), &["recovery-key"], &format!("{new_key}\n")).await;
    assert_eq!(new.code, 0, "{new:?}");
    assert_not_shown(&new, &new_key);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reset_with_the_existing_key_from_a_file() {
    let server = needs_secrets().await;
    let wrong = TempFile::new("existing-key", &format!("{WRONG}\n"));
    let refused = run_with_input(
        Some(&server),
        &["reset-recovery-key", "--existing-key-file", &wrong.path()],
        "y\ny\n",
    )
    .await;
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused.stderr.contains("--existing-key-file"),
        "{refused:?}"
    );
    assert_not_shown(&refused, WRONG);
    assert_eq!(server.recovery_key(), KEY);

    let right = TempFile::new("existing-key", &format!("{KEY}\n"));
    let reset = run_with_input(
        Some(&server),
        &["reset-recovery-key", "--existing-key-file", &right.path()],
        "y\ny\n",
    )
    .await;
    assert_eq!(reset.code, 0, "{reset:?}");
    assert_ne!(server.recovery_key(), KEY);
    assert_not_shown(&reset, KEY);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_json_reset_needs_yes_and_has_the_key_once() {
    let server = needs_secrets().await;
    server.clear_requests();
    let refused = run(Some(&server), &["--json", "reset-recovery-key"]).await;
    assert_eq!(refused.code, 2, "{refused:?}");
    let error = refused.json();
    assert_eq!(error["error"]["exitCode"], 2);
    assert!(
        error["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("--yes")),
        "{refused:?}"
    );
    assert!(
        operations(&server).is_empty(),
        "sent {:?}",
        operations(&server)
    );
    assert_eq!(server.recovery_key(), KEY);

    let reset = run(Some(&server), &["--json", "reset-recovery-key", "--yes"]).await;
    assert_eq!(reset.code, 0, "{reset:?}");
    let new_key = server.recovery_key();
    assert_ne!(new_key, KEY);
    let result = reset.json();
    assert_eq!(result["recoveryKey"], new_key.as_str());
    assert_eq!(result["session"]["state"], "ready");
    assert_eq!(reset.stdout.matches(&new_key).count(), 1, "{reset:?}");
    assert!(!reset.stderr.contains(&new_key), "{reset:?}");
    // What a reset destroys is still said, to the person watching.
    assert!(reset.stderr.contains("cannot be undone"), "{reset:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn status_shows_the_next_step_as_commands_to_run() {
    let server = needs_secrets().await;
    let status = run(Some(&server), &["status"]).await;
    assert_eq!(status.code, 0, "{status:?}");
    assert!(
        status
            .stdout
            .contains("Next:     enter your recovery key: beeper-verify recovery-key\n"),
        "{status:?}"
    );
    assert!(
        status.stdout.contains("beeper-verify reset-recovery-key"),
        "{status:?}"
    );
    server.set_session_state(FakeSessionState::NeedsVerification);
    let status = run(Some(&server), &["status"]).await;
    assert!(
        status
            .stdout
            .contains("Next:     verify with another signed-in device: beeper-verify verify\n")
            && status.stdout.contains(
                "or, without another device, enter your recovery key: beeper-verify recovery-key"
            ),
        "{status:?}"
    );
    server.set_session_state(FakeSessionState::NeedsCrossSigningSetup);
    let status = run(Some(&server), &["status"]).await;
    assert!(
        status.stdout.contains(
            "Next:     make a recovery key (this cannot be undone): beeper-verify reset-recovery-key"
        ),
        "{status:?}"
    );
    server.set_session_state(FakeSessionState::Ready);
    let status = run(Some(&server), &["status"]).await;
    assert!(!status.stdout.contains("Next:"), "{status:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_asks_for_the_key_when_the_session_needs_it() {
    let server = needs_secrets().await;
    server.clear_requests();
    let verified = run_with_input(Some(&server), &["verify"], &format!("{KEY}\n")).await;
    assert_eq!(verified.code, 0, "{verified:?}");
    assert!(verified.stdout.contains("Session:  ready"), "{verified:?}");
    assert!(
        verified.stderr.contains("needs your recovery key"),
        "{verified:?}"
    );
    assert_not_shown(&verified, KEY);
    // No device verification was started.
    assert!(!operations(&server).contains(&Operation::CreateVerification));

    // In needs-verification it names the way without another device (here the simulated
    // other device answers).
    let other = common::auto_fake(PeerMethod::Sas).await;
    let sas = run_with_input(Some(&other), &["verify"], "y\n").await;
    assert_eq!(sas.code, 0, "{sas:?}");
    assert!(
        sas.stderr
            .contains("Enter your recovery key instead: beeper-verify recovery-key"),
        "{sas:?}"
    );
    // And with --key-file it takes that way.
    server.set_session_state(FakeSessionState::NeedsVerification);
    server.clear_requests();
    let file = TempFile::new("recovery-key", KEY);
    let keyed = run(Some(&server), &["verify", "--key-file", &file.path()]).await;
    assert_eq!(keyed.code, 0, "{keyed:?}");
    assert!(!operations(&server).contains(&Operation::CreateVerification));
    assert_eq!(state(&server).await, "ready");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_recovery_key_demo_reaches_ready() {
    let demo = run(None, &["demo", "--recovery-key", "--yes"]).await;
    assert_eq!(demo.code, 0, "{demo:?}");
    assert!(
        demo.stdout.contains("the key you saved")
            && demo.stdout.contains("(entered by --yes)")
            && demo.stdout.contains("Session:  ready"),
        "{demo:?}"
    );
    let json = run(None, &["--json", "demo", "--recovery-key", "--yes"]).await;
    assert_eq!(json.code, 0, "{json:?}");
    assert_eq!(json.json()["state"], "ready");
    // Typed (here: piped) as the real command reads it; a wrong one is a clear error.
    let wrong = run_with_input(None, &["demo", "--recovery-key"], &format!("{WRONG}\n")).await;
    assert_eq!(wrong.code, 1, "{wrong:?}");
    assert!(wrong.stderr.contains("demo --recovery-key"), "{wrong:?}");
    let conflicting = run(None, &["demo", "--recovery-key", "--method", "qr"]).await;
    assert_eq!(conflicting.code, 2, "{conflicting:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_json_reset_whose_confirm_fails_still_gives_the_new_key() {
    let server = needs_secrets().await;
    // The confirm's answer never comes in time; the server may or may not have acted on it.
    server.add_fault(
        beeper_verification_fake::Fault::latency(std::time::Duration::from_secs(30))
            .on(Operation::ConfirmRecoveryKeyReset),
    );
    let reset = run(
        Some(&server),
        &["--json", "--timeout", "1", "reset-recovery-key", "--yes"],
    )
    .await;
    assert_ne!(reset.code, 0, "{reset:?}");
    let error = reset.json();
    let shown = error["recoveryKey"].as_str().expect("the new key, kept");
    assert_eq!(shown.split(' ').count(), 12, "a whole key: {reset:?}");
    assert_eq!(reset.stdout.matches(shown).count(), 1, "{reset:?}");
    assert!(
        error["error"]["hint"]
            .as_str()
            .is_some_and(|h| h.contains("keep it")),
        "{reset:?}"
    );
}
