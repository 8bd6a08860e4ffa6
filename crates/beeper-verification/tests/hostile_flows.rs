//! The second round against hostile servers: guided flows against a server that applies actions
//! late, errors shared rather than copied among listeners, polling loops whose runtime is gone,
//! options that overflow, streams that are never polled, a `Retry-After` that others must not
//! shorten, answers about another verification, and errors that keep what happened. Every
//! server here is on loopback.

mod common;

use std::sync::Arc;
use std::time::Duration;

use beeper_verification::{
    ApiError, Client, ConfigError, CreateVerification, Error, LastSeen, VerificationState,
    WaitOptions,
};
use beeper_verification_fake::{FakeServer, Fault, Operation};
use common::{TOKEN, fixture};
use futures_util::StreamExt;
use httpmock::Method::{GET, POST};
use httpmock::{Mock, MockServer};
use serde_json::{Value, json};

/// Fast polling, and a wait that gives up after `max_wait`.
fn quick(max_wait: Duration) -> WaitOptions {
    WaitOptions::default()
        .min_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(20))
        .max_wait(max_wait)
}

fn client_of(server: &MockServer, wait: WaitOptions) -> Client {
    Client::builder()
        .base_url(server.base_url())
        .access_token(TOKEN)
        .wait_options(wait)
        .build()
        .expect("valid configuration")
}

/// Verification `id` in `state`, allowing `actions`, with this device's QR code.
fn verification(id: &str, state: &str, actions: &[&str]) -> Value {
    let mut v = fixture()["verification"].clone();
    v["id"] = json!(id);
    v["state"] = json!(state);
    v["availableActions"] = json!(actions);
    v["methods"] = json!(["sas", "qr"]);
    v["direction"] = json!("incoming");
    v["error"] = Value::Null;
    v["sas"] = Value::Null;
    if state == "sas_ready" {
        v["sas"] = json!({"emojis": "🐶 🐱 🦁 🐎 🦄 🐷 🐘", "decimals": "1234 5678 9012"});
    }
    v
}

/// The session, needing verification, with `v` in progress.
fn session_with(v: &Value) -> Value {
    let mut session = fixture()["session"].clone();
    session["state"] = json!("needs-verification");
    session["e2ee"]["verified"] = json!(false);
    session["verification"] = v.clone();
    session
}

/// Runs a guided flow that must end by itself (its `max_wait`); a flow that storms the server
/// instead would never end, so the test gives up after a while.
async fn bounded<T>(flow: impl std::future::Future<Output = Result<T, Error>>) -> Error
where
    T: std::fmt::Debug,
{
    tokio::time::timeout(Duration::from_secs(20), flow)
        .await
        .expect("the flow ends at its max_wait instead of repeating an action")
        .expect_err("the server never moves on")
}

/// A server that applies actions later than it answers them: every GET and every answer to
/// `action` shows verification `v1` still in `state`, allowing `actions`.
async fn sticky<'a>(
    server: &'a MockServer,
    state: &str,
    actions: &[&str],
    action: &str,
) -> Mock<'a> {
    let v = verification("v1", state, actions);
    let session = session_with(&v);
    let answer = json!({"verification": v, "session": session});
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup");
            then.status(200).json_body(session.clone());
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup/verifications/v1");
            then.status(200).json_body(answer.clone());
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup/verifications");
            then.status(200).json_body(json!({"items": [v]}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/v1/app/setup/verifications/v1/{action}"));
            then.status(200).json_body(answer.clone());
        })
        .await
}

// ---------------------------------------------------------------------------------------------
// 1. A guided flow sends each action once per step, then waits for a change.

#[tokio::test]
async fn the_emoji_flow_accepts_once_when_the_server_applies_it_late() {
    let server = MockServer::start_async().await;
    let accept = sticky(&server, "requested", &["accept", "cancel"], "accept").await;
    let client = client_of(&server, quick(Duration::from_millis(800)));
    let err =
        bounded(client.verify_with_sas(CreateVerification::default(), |_| async { true })).await;
    assert!(matches!(err, Error::WaitTimedOut { .. }), "{err:?}");
    assert_eq!(accept.calls_async().await, 1, "one accept, then waiting");
}

#[tokio::test]
async fn the_emoji_flow_starts_the_comparison_once() {
    let server = MockServer::start_async().await;
    let start = sticky(&server, "ready", &["sas.start", "cancel"], "sas/start").await;
    let client = client_of(&server, quick(Duration::from_millis(800)));
    let err =
        bounded(client.verify_with_sas(CreateVerification::default(), |_| async { true })).await;
    assert!(matches!(err, Error::WaitTimedOut { .. }), "{err:?}");
    assert_eq!(start.calls_async().await, 1, "one sas/start, then waiting");
}

#[tokio::test]
async fn the_emoji_flow_confirms_once() {
    let server = MockServer::start_async().await;
    let confirm = sticky(
        &server,
        "sas_ready",
        &["sas.confirm", "cancel"],
        "sas/confirm",
    )
    .await;
    let client = client_of(&server, quick(Duration::from_millis(800)));
    let err =
        bounded(client.verify_with_sas(CreateVerification::default(), |_| async { true })).await;
    assert!(matches!(err, Error::WaitTimedOut { .. }), "{err:?}");
    assert_eq!(confirm.calls_async().await, 1);
}

#[tokio::test]
async fn the_qr_flow_confirms_the_scan_once() {
    let server = MockServer::start_async().await;
    let confirm = sticky(
        &server,
        "qr_scanned",
        &["qr.confirmScanned", "cancel"],
        "qr/confirm-scanned",
    )
    .await;
    let client = client_of(&server, quick(Duration::from_millis(800)));
    let err = bounded(client.verify_with_qr(CreateVerification::default(), |_| async {})).await;
    assert!(matches!(err, Error::WaitTimedOut { .. }), "{err:?}");
    assert_eq!(confirm.calls_async().await, 1);
}

// ---------------------------------------------------------------------------------------------
// 2. An error reaches every listener shared, and bounded.

#[tokio::test]
async fn a_huge_error_is_bounded_and_shared_by_every_listener() {
    let server = MockServer::start_async().await;
    let huge = "x".repeat(900_000);
    let details = json!({"blob": "y".repeat(100_000)});
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup/verifications/v1");
            then.status(404)
                .json_body(json!({"code": "NOT_FOUND", "message": huge, "details": details}));
        })
        .await;
    let client = client_of(&server, quick(Duration::from_secs(10)));
    let waits: Vec<_> = (0..50)
        .map(|_| {
            let handle = client.verification("v1");
            tokio::spawn(async move { handle.wait_until(VerificationState::Done).await })
        })
        .collect();
    let mut errors = Vec::new();
    for wait in waits {
        match wait.await.expect("joined") {
            Err(Error::Api(api)) => errors.push(api),
            other => panic!("expected the 404, got {other:?}"),
        }
    }
    let first = &errors[0];
    assert_eq!(first.status, 404);
    assert!(first.truncated, "the body was over the bounds");
    assert_eq!(first.message.chars().count(), ApiError::MAX_MESSAGE_CHARS);
    assert!(
        first.to_string().ends_with("x… (cut)"),
        "the message says it was cut"
    );
    assert!(
        first.details.is_none(),
        "details over the bound are dropped"
    );
    // One poll, one error, shared: no listener holds a copy of its own.
    assert!(
        errors.iter().all(|e| Arc::ptr_eq(e, first)),
        "every listener shares the one error"
    );
}

#[tokio::test]
async fn a_message_at_the_bound_is_not_marked_cut_when_only_details_were_dropped() {
    let server = MockServer::start_async().await;
    let whole = "x".repeat(ApiError::MAX_MESSAGE_CHARS);
    let details = json!({"blob": "y".repeat(100_000)});
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup/verifications/v1");
            then.status(404)
                .json_body(json!({"code": "NOT_FOUND", "message": whole, "details": details}));
        })
        .await;
    let err = client_of(&server, quick(Duration::from_secs(1)))
        .verification("v1")
        .get()
        .await
        .expect_err("404");
    let api = err.api_error().expect("the API's error");
    assert!(api.truncated, "the details were dropped");
    assert_eq!(api.message, whole, "the message is whole");
    assert!(
        !err.to_string().contains("(cut)"),
        "the message was not cut"
    );
}

#[tokio::test]
async fn a_small_error_is_kept_whole() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup/verifications/v1");
            then.status(404).json_body(
                json!({"code": "NOT_FOUND", "message": "no such verification", "details": {"id": "v1"}}),
            );
        })
        .await;
    let err = client_of(&server, quick(Duration::from_secs(1)))
        .verification("v1")
        .get()
        .await
        .expect_err("404");
    let api = err.api_error().expect("the API's error");
    assert!(!api.truncated);
    assert_eq!(api.message, "no such verification");
    assert_eq!(api.details, Some(json!({"id": "v1"})));
    assert!(!err.to_string().contains("(cut)"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// 3. A loop whose runtime is gone does not silence its listeners.

/// A runtime on its own thread, as a per-test runtime or a sync wrapper has.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime")
}

#[test]
fn listeners_go_on_polling_when_the_runtime_that_started_the_loop_is_gone() {
    let server = MockServer::start();
    let requested = json!({"verification": verification("v1", "requested", &["accept"]),
        "session": session_with(&verification("v1", "requested", &["accept"]))});
    let mut pending = server.mock(|when, then| {
        when.method(GET).path("/v1/app/setup/verifications/v1");
        then.status(200).json_body(requested.clone());
    });
    let client = client_of(&server, quick(Duration::from_secs(30)));

    // The loop starts on runtime A, whose task waits for `done`.
    let a = runtime();
    let first = client.verification("v1");
    let _orphan = a.spawn(async move { first.wait_until(VerificationState::Done).await });
    std::thread::sleep(Duration::from_millis(200));
    assert!(pending.calls() > 0, "runtime A's loop polls");

    // Runtime B joins that loop, then A is shut down with it.
    let b = runtime();
    let joined = client.verification("v1");
    let early = b.spawn(async move { joined.wait_until(VerificationState::Done).await });
    std::thread::sleep(Duration::from_millis(100));
    drop(a);

    // A listener that comes later joins no dead loop either.
    let later = client.verification("v1");
    let late = b.spawn(async move { later.wait_until(VerificationState::Done).await });
    std::thread::sleep(Duration::from_millis(100));

    // The verification ends; only a loop that still polls can tell them.
    pending.delete();
    let done = json!({"verification": verification("v1", "done", &[]),
        "session": session_with(&verification("v1", "done", &[]))});
    server.mock(|when, then| {
        when.method(GET).path("/v1/app/setup/verifications/v1");
        then.status(200).json_body(done.clone());
    });
    for wait in [early, late] {
        let seen = b
            .block_on(async { tokio::time::timeout(Duration::from_secs(20), wait).await })
            .expect("ends before the deadline")
            .expect("joined")
            .expect("done");
        assert_eq!(seen.state, VerificationState::Done);
    }
}

// ---------------------------------------------------------------------------------------------
// 4. No `WaitOptions` value panics the loop.

#[tokio::test]
async fn delays_past_what_the_clock_holds_do_not_panic_the_loop() {
    let server = MockServer::start_async().await;
    let answer = json!({"verification": verification("v1", "requested", &["accept"]),
        "session": session_with(&verification("v1", "requested", &["accept"]))});
    let get = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup/verifications/v1");
            then.status(200).json_body(answer.clone());
        })
        .await;
    // Set directly, past what the setters allow.
    let mut options = WaitOptions::default().max_wait(Duration::from_millis(300));
    options.min_delay = Duration::MAX;
    options.max_delay = Duration::MAX;
    let client = client_of(&server, options);
    let err = client
        .verification("v1")
        .wait_until(VerificationState::Done)
        .await
        .expect_err("never done");
    match err {
        Error::WaitTimedOut {
            polls, last_seen, ..
        } => {
            assert_eq!(polls, 1, "the first poll came back");
            assert!(matches!(last_seen, Some(LastSeen::Verification(_))));
        }
        other => panic!("expected WaitTimedOut, got {other:?}"),
    }
    // The loop did not die: a new wait is answered.
    let seen = client
        .verification("v1")
        .with_wait_options(quick(Duration::from_secs(5)))
        .wait_until(VerificationState::Requested)
        .await
        .expect("answered");
    assert_eq!(seen.state, VerificationState::Requested);
    assert!(get.calls_async().await >= 1);

    // The setters keep every value in range.
    let set = WaitOptions::default()
        .min_delay(Duration::MAX)
        .max_delay(Duration::ZERO)
        .max_wait(Duration::MAX);
    assert_eq!(set.min_delay, WaitOptions::MAX_DELAY);
    assert_eq!(set.max_delay, WaitOptions::MIN_DELAY);
    assert_eq!(set.max_wait, Duration::MAX);
}

// ---------------------------------------------------------------------------------------------
// 5. A stream starts listening on its first poll.

#[test]
fn streams_can_be_made_and_dropped_outside_a_runtime() {
    let client = Client::builder()
        .access_token(TOKEN)
        .build()
        .expect("valid configuration");
    drop(client.verification("v1").changes());
    drop(client.session_changes());
}

#[tokio::test]
async fn a_stream_that_is_never_polled_sends_nothing() {
    let server = MockServer::start_async().await;
    let answer = json!({"verification": verification("v1", "requested", &["accept"]),
        "session": session_with(&verification("v1", "requested", &["accept"]))});
    let get = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup/verifications/v1");
            then.status(200).json_body(answer.clone());
        })
        .await;
    let session = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup");
            then.status(200).json_body(fixture()["session"].clone());
        })
        .await;
    let client = client_of(&server, quick(Duration::from_millis(200)));
    let changes = client.verification("v1").changes();
    let session_changes = client.session_changes();
    // Far past max_wait, which counts from the first poll.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(get.calls_async().await, 0);
    assert_eq!(session.calls_async().await, 0);

    let mut changes = std::pin::pin!(changes);
    let first = changes.next().await.expect("an item").expect("answered");
    assert_eq!(first.state, VerificationState::Requested);
    let mut session_changes = std::pin::pin!(session_changes);
    session_changes
        .next()
        .await
        .expect("an item")
        .expect("answered");
    assert_eq!(session.calls_async().await, 1);
}

// ---------------------------------------------------------------------------------------------
// 6. The server's Retry-After is the earliest next poll for every listener.

#[tokio::test(start_paused = true)]
async fn a_retry_after_is_kept_when_a_tighter_listener_joins_or_an_answer_is_published() {
    let server = FakeServer::start().await.expect("the fake starts");
    let client = Client::builder()
        .base_url(server.base_url())
        .access_token(server.token())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("valid");
    let id = server.peer().request();
    server.add_fault(
        Fault::status(503)
            .retry_after(Duration::from_secs(10))
            .on(Operation::GetVerification)
            .times(1),
    );
    let handle = client.verification(&id);
    let waiting = {
        let handle = handle.clone();
        tokio::spawn(async move { handle.wait_until(VerificationState::Done).await })
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    // A listener that wants to poll every millisecond joins, and an action's answer arrives.
    let eager = handle.clone().with_wait_options(
        WaitOptions::default()
            .min_delay(Duration::from_millis(1))
            .max_delay(Duration::from_millis(1)),
    );
    let eager = tokio::spawn(async move { eager.wait_until(VerificationState::Done).await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    handle.accept().await.expect("accepted");
    // Just past the server's 10 s (the eager listener then polls every millisecond, and the
    // fake keeps only the latest requests).
    tokio::time::sleep(Duration::from_millis(9_000)).await;
    let polls: Vec<Duration> = server
        .requests_for(Operation::GetVerification)
        .iter()
        .map(|r| r.at)
        .collect();
    assert!(polls.len() >= 2 && polls.len() < 200, "{polls:?}");
    assert!(
        polls[1] - polls[0] >= Duration::from_secs(10),
        "the server asked for 10 s: {polls:?}"
    );
    waiting.abort();
    eager.abort();
}

// ---------------------------------------------------------------------------------------------
// 7. An answer about another verification is an error, and is never published.

#[tokio::test]
async fn an_answer_about_another_verification_is_refused_and_not_published() {
    let server = MockServer::start_async().await;
    let b_requested = json!({"verification": verification("b", "requested", &["accept"]),
        "session": session_with(&verification("b", "requested", &["accept"]))});
    let b_done = json!({"verification": verification("b", "done", &[]),
        "session": session_with(&verification("b", "done", &[]))});
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup/verifications/b");
            then.status(200).json_body(b_requested.clone());
        })
        .await;
    for path in [
        "/v1/app/setup/verifications/a/accept",
        "/v1/app/setup/verifications/a",
    ] {
        server
            .mock_async(|when, then| {
                when.method(if path.ends_with("accept") { POST } else { GET })
                    .path(path);
                then.status(200).json_body(b_done.clone());
            })
            .await;
    }
    let client = client_of(&server, quick(Duration::from_millis(600)));
    let b = client.verification("b");
    let b_waits = tokio::spawn(async move { b.wait_until(VerificationState::Done).await });
    tokio::time::sleep(Duration::from_millis(100)).await;

    let err = client
        .verification("a")
        .accept()
        .await
        .expect_err("about b");
    assert!(matches!(err, Error::InvalidResponse { .. }), "{err:?}");
    let source = std::error::Error::source(&err).map(ToString::to_string);
    assert_eq!(
        source.as_deref(),
        Some(r#"the answer is about verification "b", not "a""#)
    );
    let err = client.verification("a").get().await.expect_err("about b");
    assert!(matches!(err, Error::InvalidResponse { .. }), "{err:?}");

    let b_result = b_waits.await.expect("joined");
    assert!(
        matches!(b_result, Err(Error::WaitTimedOut { .. })),
        "b's own GETs say requested: {b_result:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// 8. Errors keep what happened.

async fn refusing(server: &MockServer, code: &str) {
    server
        .mock_async(|when, then| {
            when.method(POST);
            then.status(409).json_body(json!({
                "code": code, "message": "refused",
                "details": {"state": "done", "availableActions": []}
            }));
        })
        .await;
}

#[tokio::test]
async fn only_an_action_not_available_code_is_an_action_refusal() {
    let server = MockServer::start_async().await;
    refusing(&server, "ACTION_NOT_AVAILABLE").await;
    let client = client_of(&server, quick(Duration::from_secs(1)));
    let err = client.verification("v1").accept().await.expect_err("409");
    match &err {
        Error::ActionNotAvailable {
            state, available, ..
        } => {
            assert_eq!(state.as_ref(), Some(&VerificationState::Done));
            assert_eq!(available.as_deref(), Some(&[][..]));
        }
        other => panic!("expected ActionNotAvailable, got {other:?}"),
    }

    let server = MockServer::start_async().await;
    refusing(&server, "VERIFICATION_LOCKED").await;
    let client = client_of(&server, quick(Duration::from_secs(1)));
    let err = client.verification("v1").accept().await.expect_err("409");
    assert!(
        matches!(&err, Error::Api(api) if api.code == "VERIFICATION_LOCKED"),
        "another 409 keeps its code: {err:?}"
    );
    // Scanning names no verification: its refusal is the API's error as sent.
    let err = client
        .verifications()
        .scan_qr("payload")
        .await
        .expect_err("409");
    assert!(
        matches!(&err, Error::Api(api) if api.status == 409),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_timed_out_wait_for_incoming_keeps_the_last_list_and_the_last_error() {
    let server = MockServer::start_async().await;
    let list = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup/verifications");
            then.status(200).json_body(json!({"items": []}));
        })
        .await;
    let client = client_of(&server, quick(Duration::from_millis(300)));
    match client.wait_for_incoming().await {
        Err(Error::WaitTimedOut { last_seen, .. }) => {
            assert_eq!(last_seen, Some(LastSeen::Verifications(Vec::new())));
        }
        other => panic!("expected WaitTimedOut, got {other:?}"),
    }

    list.delete_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup/verifications");
            then.status(503)
                .json_body(json!({"code": "UNAVAILABLE", "message": "busy"}));
        })
        .await;
    match client.wait_for_incoming().await {
        Err(Error::WaitTimedOut { last_error, .. }) => {
            let last = last_error.expect("the last poll failed");
            assert_eq!(last.status(), Some(503));
        }
        other => panic!("expected WaitTimedOut, got {other:?}"),
    }
}

#[test]
fn a_failure_to_build_the_http_client_keeps_its_cause() {
    let cause: beeper_verification::ErrorSource =
        Arc::new(std::io::Error::other("no TLS roots on this machine"));
    let error = Error::Config(ConfigError::HttpClient(cause));
    let source = std::error::Error::source(&error).map(ToString::to_string);
    assert_eq!(source.as_deref(), Some("no TLS roots on this machine"));
}

// ---------------------------------------------------------------------------------------------
// The guided setup, against a server that applies the recovery key later than it answers.

/// A UI that always has a key, and counts how often it was asked.
struct AlwaysAKey(usize);

impl beeper_verification::SetupUi for AlwaysAKey {
    async fn choose(
        &mut self,
        _: &beeper_verification::Session,
    ) -> beeper_verification::VerifyChoice {
        beeper_verification::VerifyChoice::RecoveryKey
    }

    async fn recovery_key(
        &mut self,
        _: Option<&Error>,
    ) -> Option<beeper_verification::RecoveryKey> {
        self.0 += 1;
        Some(beeper_verification::RecoveryKey::new("EsTc 9bD2"))
    }

    async fn compare_emoji(
        &mut self,
        _: &beeper_verification::Sas,
    ) -> beeper_verification::SasAnswer {
        beeper_verification::SasAnswer::Cancel
    }
}

#[tokio::test]
async fn the_setup_sends_the_key_once_when_the_server_applies_it_late() {
    let server = MockServer::start_async().await;
    let mut session = fixture()["session"].clone();
    session["state"] = json!("needs-secrets");
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup");
            then.status(200).json_body(session.clone());
        })
        .await;
    let verify = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/verification/recovery-key");
            then.status(200).json_body(json!({ "session": session }));
        })
        .await;
    let client = client_of(&server, quick(Duration::from_millis(500)));
    let mut ui = AlwaysAKey(0);
    let err = bounded(client.set_up(&mut ui)).await;
    assert!(matches!(err, Error::WaitTimedOut { .. }), "{err:?}");
    assert_eq!(ui.0, 1, "asked once");
    assert_eq!(verify.calls_async().await, 1, "sent once, then waited");
}
