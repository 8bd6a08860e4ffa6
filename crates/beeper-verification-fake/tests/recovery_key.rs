//! The recovery key on the wire: verify with it, reset it, confirm the reset; which states allow
//! which call; the codes of the refusals (the fake's own choice, see the README); and the
//! builder's options for it.

mod common;

use std::time::Duration;

use beeper_verification_client::types;
use beeper_verification_fake::{FakeServer, FakeSessionState, Fault, Operation};
use serde_json::{Value, json};

/// A key in the look of the generated ones, known to the tests.
const KEY: &str = "EsTc 9bD2 ZJxL AZ7p 3W5v tuGm PhEN 6qrY cVkX 8s4a Fy1H oLdQ";

const VERIFY: &str = "/v1/app/setup/verification/recovery-key";
const RESET: &str = "/v1/app/setup/verification/recovery-key/reset";
const CONFIRM: &str = "/v1/app/setup/verification/recovery-key/reset/confirm";

/// A fake whose session is in `state`, its token accepted. `needs-login` is reached by signing
/// out at run time: a fake that starts signed out refuses its token (401) until sign-in, before
/// any rule of the recovery key applies (see tests/sign_in.rs).
async fn server_in(state: FakeSessionState) -> FakeServer {
    let signed_out = state == FakeSessionState::NeedsLogin;
    let server = FakeServer::builder()
        .recovery_key(KEY)
        .session_state(if signed_out {
            FakeSessionState::NeedsVerification
        } else {
            state
        })
        .start()
        .await
        .expect("starts");
    if signed_out {
        server.set_session_state(state);
    }
    server
}

async fn post(server: &FakeServer, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}{path}", server.base_url()))
        .bearer_auth(server.token());
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("the fake answers");
    let status = response.status().as_u16();
    let text = response.text().await.expect("a body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn verify(server: &FakeServer, key: &str) -> (u16, Value) {
    post(server, VERIFY, Some(json!({ "recoveryKey": key }))).await
}

async fn reset(server: &FakeServer, body: Option<Value>) -> (u16, Value) {
    post(server, RESET, body).await
}

async fn confirm(server: &FakeServer, key: &str) -> (u16, Value) {
    post(server, CONFIRM, Some(json!({ "recoveryKey": key }))).await
}

/// The session state `GET /v1/app/setup` reports.
async fn state(server: &FakeServer) -> String {
    let session: Value = reqwest::Client::new()
        .get(format!("{}/v1/app/setup", server.base_url()))
        .bearer_auth(server.token())
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("JSON");
    session["state"].as_str().unwrap_or_default().to_owned()
}

/// The body is the API's error envelope with `code`, and it names no key.
fn assert_refused(body: &Value, code: &str, keys: &[&str]) {
    assert_eq!(body["code"], code, "{body}");
    let decoded: Result<types::ApiError, _> = serde_json::from_value(body.clone());
    assert!(decoded.is_ok(), "the spec's error type decodes {body}");
    let text = body.to_string();
    for key in keys {
        let compact: String = key.chars().filter(|c| !c.is_whitespace()).collect();
        let first_group = key.split_whitespace().next().unwrap_or(key);
        assert!(
            !text.contains(&compact) && !text.contains(first_group),
            "the error names no key: {body}"
        );
    }
}

/// A fresh key in the Matrix recovery-key look: 12 groups of 4 base58 characters.
fn assert_key_look(key: &str) {
    let groups: Vec<&str> = key.split(' ').collect();
    assert_eq!(groups.len(), 12, "{key}");
    assert!(
        groups
            .iter()
            .all(|g| g.len() == 4 && g.chars().all(|c| c.is_ascii_alphanumeric())),
        "{key}"
    );
    assert!(
        !key.contains(['0', 'O', 'I', 'l']),
        "base58 has no 0, O, I or l: {key}"
    );
}

#[tokio::test]
async fn the_right_key_readies_a_session_that_needs_verification_or_secrets() {
    for from in [
        FakeSessionState::NeedsVerification,
        FakeSessionState::NeedsSecrets,
    ] {
        let server = server_in(from).await;
        let (status, body) = verify(&server, KEY).await;
        assert_eq!(status, 200, "{from}: {body}");
        let decoded: types::SessionResponse =
            serde_json::from_value(body.clone()).expect("the spec's type decodes");
        assert_eq!(decoded.session.state.0, "ready", "{from}");
        assert!(decoded.session.e2ee.verified && decoded.session.e2ee.first_sync_done);
        assert_eq!(state(&server).await, "ready", "{from}");
    }
}

#[tokio::test]
async fn whitespace_a_person_types_in_the_key_is_accepted() {
    let compact: String = KEY.split_whitespace().collect();
    let spread = format!("  {}\n", KEY.replace(' ', " \t "));
    for typed in [compact, spread] {
        let server = server_in(FakeSessionState::NeedsSecrets).await;
        let (status, body) = verify(&server, &typed).await;
        assert_eq!(status, 200, "{typed:?}: {body}");
        assert_eq!(body["session"]["state"], "ready");
    }
}

#[tokio::test]
async fn a_wrong_key_is_400_invalid_recovery_key_and_changes_nothing() {
    let server = server_in(FakeSessionState::NeedsSecrets).await;
    let wrong = KEY.replace("EsTc", "EsTd");
    for attempt in [wrong.as_str(), &KEY.to_lowercase(), "", "   ", &KEY[..20]] {
        let (status, body) = verify(&server, attempt).await;
        assert_eq!(status, 400, "{attempt:?}: {body}");
        assert_refused(&body, "INVALID_RECOVERY_KEY", &[KEY, &wrong]);
        assert_eq!(state(&server).await, "needs-secrets");
        assert_eq!(server.recovery_key(), KEY);
    }
    // The right key still works after the wrong ones.
    assert_eq!(verify(&server, KEY).await.0, 200);
}

#[tokio::test]
async fn a_missing_key_is_a_validation_error() {
    let server = server_in(FakeSessionState::NeedsSecrets).await;
    for path in [VERIFY, CONFIRM] {
        let (status, body) = post(&server, path, Some(json!({}))).await;
        assert_eq!(status, 422, "{path}: {body}");
        assert_eq!(
            body["details"]["issues"][0]["path"],
            json!(["body", "recoveryKey"])
        );
    }
    assert_eq!(state(&server).await, "needs-secrets");
}

#[tokio::test]
async fn each_call_in_a_state_where_it_makes_no_sense_is_409_session_state_conflict() {
    use FakeSessionState::*;
    let verify_refused = [
        NeedsLogin,
        Initializing,
        NeedsCrossSigningSetup,
        NeedsFirstSync,
        Ready,
    ];
    let reset_refused = [NeedsLogin, Initializing, NeedsFirstSync];
    for from in verify_refused {
        let server = server_in(from).await;
        // Even with the right key: the state decides first, so nothing is learnt of the key.
        let (status, body) = verify(&server, KEY).await;
        assert_eq!(status, 409, "verify in {from}: {body}");
        assert_refused(&body, "SESSION_STATE_CONFLICT", &[KEY]);
        assert_eq!(body["details"], json!({ "state": from.as_str() }));
        assert_eq!(state(&server).await, from.as_str());
    }
    for from in reset_refused {
        let server = server_in(from).await;
        let (status, body) = reset(&server, Some(json!({}))).await;
        assert_eq!(status, 409, "reset in {from}: {body}");
        assert_refused(&body, "SESSION_STATE_CONFLICT", &[KEY]);
        assert_eq!(body["details"], json!({ "state": from.as_str() }));
        let (status, body) = confirm(&server, KEY).await;
        assert_eq!(status, 409, "confirm in {from}: {body}");
        assert_eq!(body["code"], "SESSION_STATE_CONFLICT");
        assert_eq!(state(&server).await, from.as_str());
        assert_eq!(server.recovery_key(), KEY);
    }
}

#[tokio::test]
async fn a_reset_is_pending_until_confirmed_and_then_only_the_new_key_works() {
    let server = server_in(FakeSessionState::NeedsSecrets).await;
    let (status, body) = reset(&server, Some(json!({}))).await;
    assert_eq!(status, 200, "{body}");
    let made: types::RecoveryKeyResetResponse =
        serde_json::from_value(body).expect("the spec's type decodes");
    let new_key = made.recovery_key;
    assert_key_look(&new_key);
    assert_ne!(new_key, KEY);
    assert_eq!(
        made.session.state.0, "needs-secrets",
        "a reset alone moves nothing"
    );
    // Not in force yet: the account's key is still the old one.
    assert_eq!(server.recovery_key(), KEY);
    let (status, body) = verify(&server, &new_key).await;
    assert_eq!(status, 400, "the pending key is not in force: {body}");

    let (status, body) = confirm(&server, &new_key).await;
    assert_eq!(status, 200, "{body}");
    let confirmed: types::SessionResponse =
        serde_json::from_value(body).expect("the spec's type decodes");
    assert_eq!(confirmed.session.state.0, "ready");
    assert_eq!(server.recovery_key(), new_key);

    // Another device in need of the secrets: the old key is refused, the new one works.
    server.set_session_state(FakeSessionState::NeedsSecrets);
    let (status, body) = verify(&server, KEY).await;
    assert_eq!(status, 400, "{body}");
    assert_refused(&body, "INVALID_RECOVERY_KEY", &[KEY, &new_key]);
    assert_eq!(verify(&server, &new_key).await.0, 200);
    // The pending key was used up.
    let (status, body) = confirm(&server, &new_key).await;
    assert_eq!(status, 409, "{body}");
    assert_refused(&body, "NO_PENDING_RESET", &[KEY, &new_key]);
}

#[tokio::test]
async fn confirm_with_a_key_that_reset_did_not_return_is_refused() {
    let server = server_in(FakeSessionState::NeedsCrossSigningSetup).await;
    let (_, body) = reset(&server, None).await;
    let new_key = body["recoveryKey"].as_str().expect("a key").to_owned();
    let other = FakeServer::builder()
        .seed(99)
        .start()
        .await
        .expect("starts")
        .recovery_key();
    for wrong in [KEY, other.as_str(), "", &new_key.to_lowercase()] {
        let (status, body) = confirm(&server, wrong).await;
        assert_eq!(status, 400, "{wrong:?}: {body}");
        assert_refused(&body, "INVALID_RECOVERY_KEY", &[KEY, &new_key]);
        assert_eq!(state(&server).await, "needs-cross-signing-setup");
        assert_eq!(server.recovery_key(), KEY);
    }
    // The pending key is still there, and whitespace in it does not matter either.
    let typed: String = new_key.split_whitespace().collect();
    let (status, body) = confirm(&server, &typed).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["session"]["state"], "ready");
    assert_eq!(server.recovery_key(), new_key);
}

#[tokio::test]
async fn a_second_reset_replaces_the_pending_key() {
    let server = server_in(FakeSessionState::NeedsVerification).await;
    let (_, first) = reset(&server, Some(json!({}))).await;
    let (_, second) = reset(&server, Some(json!({}))).await;
    let first = first["recoveryKey"].as_str().expect("a key").to_owned();
    let second = second["recoveryKey"].as_str().expect("a key").to_owned();
    assert_ne!(first, second);
    assert_eq!(confirm(&server, &first).await.0, 400);
    assert_eq!(confirm(&server, &second).await.0, 200);
    assert_eq!(server.recovery_key(), second);
}

#[tokio::test]
async fn confirm_without_a_reset_is_409_no_pending_reset() {
    for from in [
        FakeSessionState::NeedsVerification,
        FakeSessionState::NeedsSecrets,
        FakeSessionState::NeedsCrossSigningSetup,
        FakeSessionState::Ready,
    ] {
        let server = server_in(from).await;
        let (status, body) = confirm(&server, KEY).await;
        assert_eq!(status, 409, "{from}: {body}");
        assert_refused(&body, "NO_PENDING_RESET", &[KEY]);
        assert_eq!(state(&server).await, from.as_str());
    }
}

#[tokio::test]
async fn a_reset_checks_the_existing_key_when_one_is_given() {
    let server = server_in(FakeSessionState::NeedsSecrets).await;
    let (status, body) = reset(&server, Some(json!({ "existingRecoveryKey": "EsTc nope" }))).await;
    assert_eq!(status, 400, "{body}");
    assert_refused(&body, "INVALID_RECOVERY_KEY", &[KEY]);
    // Nothing was made: there is nothing to confirm.
    assert_eq!(confirm(&server, KEY).await.1["code"], "NO_PENDING_RESET");

    let typed: String = KEY.split_whitespace().collect();
    let (status, body) = reset(&server, Some(json!({ "existingRecoveryKey": typed }))).await;
    assert_eq!(status, 200, "{body}");
    assert_key_look(body["recoveryKey"].as_str().unwrap_or_default());
}

#[tokio::test]
async fn a_reset_is_possible_wherever_the_device_is_signed_in_and_set_up_or_setting_up() {
    for from in [
        FakeSessionState::NeedsCrossSigningSetup,
        FakeSessionState::NeedsVerification,
        FakeSessionState::NeedsSecrets,
        FakeSessionState::Ready,
    ] {
        let server = server_in(from).await;
        // Without a body, as with `{}`.
        let (status, body) = reset(&server, None).await;
        assert_eq!(status, 200, "{from}: {body}");
        assert_eq!(body["session"]["state"], from.as_str());
        let new_key = body["recoveryKey"].as_str().expect("a key").to_owned();
        let (status, body) = confirm(&server, &new_key).await;
        assert_eq!(status, 200, "{from}: {body}");
        assert_eq!(body["session"]["state"], "ready", "{from}");
    }
}

#[tokio::test]
async fn the_first_sync_can_come_between_the_key_and_ready() {
    // A zero wait: the answer shows the first sync, the next look finds it done.
    let server = FakeServer::builder()
        .recovery_key(KEY)
        .session_state(FakeSessionState::NeedsSecrets)
        .first_sync_after_key(Duration::ZERO)
        .start()
        .await
        .expect("starts");
    let (status, body) = verify(&server, KEY).await;
    assert_eq!(
        (status, &body["session"]["state"]),
        (200, &json!("needs-first-sync"))
    );
    assert_eq!(state(&server).await, "ready");

    // A wait too long for the clock: the first sync never ends, for confirm as for verify.
    let server = FakeServer::builder()
        .recovery_key(KEY)
        .session_state(FakeSessionState::NeedsCrossSigningSetup)
        .first_sync_after_key(Duration::MAX)
        .start()
        .await
        .expect("starts");
    let (_, body) = reset(&server, None).await;
    let new_key = body["recoveryKey"].as_str().expect("a key").to_owned();
    let (status, body) = confirm(&server, &new_key).await;
    assert_eq!(
        (status, &body["session"]["state"]),
        (200, &json!("needs-first-sync"))
    );
    assert_eq!(state(&server).await, "needs-first-sync");
    // And the key calls wait for it.
    assert_eq!(verify(&server, &new_key).await.0, 409);
    assert_eq!(reset(&server, None).await.0, 409);
}

#[tokio::test]
async fn the_calls_need_the_token_are_recorded_and_take_faults() {
    let server = server_in(FakeSessionState::NeedsSecrets).await;
    let http = reqwest::Client::new();
    for path in [VERIFY, RESET, CONFIRM] {
        for auth in [None, Some("Bearer wrong-token")] {
            let mut request = http
                .post(format!("{}{path}", server.base_url()))
                .json(&json!({ "recoveryKey": KEY }));
            if let Some(auth) = auth {
                request = request.header("authorization", auth);
            }
            let response = request.send().await.expect("answers");
            assert_eq!(response.status().as_u16(), 401, "{path} with {auth:?}");
        }
    }
    assert_eq!(state(&server).await, "needs-secrets");
    assert_eq!(server.recovery_key(), KEY);

    server.clear_requests();
    server.add_fault(Fault::status(503).on(Operation::VerifyRecoveryKey).times(1));
    assert_eq!(verify(&server, KEY).await.0, 503);
    assert_eq!(
        state(&server).await,
        "needs-secrets",
        "a fault stops the call"
    );
    assert_eq!(verify(&server, KEY).await.0, 200);
    let recorded = server.requests_for(Operation::VerifyRecoveryKey);
    assert_eq!(recorded.len(), 2);
    assert_eq!(recorded[0].path, VERIFY);

    // Over HTTP, by operationId.
    let added = http
        .post(format!("{}/_fake/faults", server.base_url()))
        .header("content-type", "application/json")
        .body(r#"{"kind":"status","status":500,"operation":"resetRecoveryKey","times":1}"#)
        .send()
        .await
        .expect("answers");
    assert_eq!(added.status().as_u16(), 204);
    assert_eq!(reset(&server, None).await.0, 500);
    let (status, body) = reset(&server, None).await;
    assert_eq!(status, 200);
    let new_key = body["recoveryKey"].as_str().expect("a key").to_owned();
    server.add_fault(
        Fault::status(502)
            .on(Operation::ConfirmRecoveryKeyReset)
            .times(1),
    );
    assert_eq!(confirm(&server, &new_key).await.0, 502);
    assert_eq!(
        server.recovery_key(),
        KEY,
        "the faulted confirm did nothing"
    );
    assert_eq!(confirm(&server, &new_key).await.0, 200);
    assert_eq!(server.requests_for(Operation::ResetRecoveryKey).len(), 2);
    assert_eq!(
        server
            .requests_for(Operation::ConfirmRecoveryKeyReset)
            .len(),
        2
    );
}

#[tokio::test]
async fn the_generated_client_plays_the_whole_journey() {
    let server = server_in(FakeSessionState::NeedsSecrets).await;
    let client = common::client(&server);
    let wrong = client
        .verify_recovery_key(&types::RecoveryKeyRequest {
            recovery_key: "not it".to_owned(),
        })
        .await
        .expect_err("a wrong key is refused");
    assert_eq!(wrong.status().map(|s| s.as_u16()), Some(400));
    let made = client
        .reset_recovery_key(&types::RecoveryKeyResetRequest::default())
        .await
        .expect("200")
        .into_inner();
    let session = client
        .confirm_recovery_key_reset(&types::RecoveryKeyRequest {
            recovery_key: made.recovery_key.clone(),
        })
        .await
        .expect("200")
        .into_inner()
        .session;
    assert_eq!(session.state.0, "ready");
    server.set_session_state(FakeSessionState::NeedsSecrets);
    let session = client
        .verify_recovery_key(&types::RecoveryKeyRequest {
            recovery_key: made.recovery_key,
        })
        .await
        .expect("200")
        .into_inner()
        .session;
    assert_eq!(session.state.0, "ready");
}

#[tokio::test]
async fn the_control_reads_the_key_in_force() {
    let server = server_in(FakeSessionState::NeedsSecrets).await;
    let read = || async {
        let response = reqwest::Client::new()
            .get(format!("{}/_fake/recovery-key", server.base_url()))
            .send()
            .await
            .expect("answers");
        assert_eq!(response.status().as_u16(), 200, "no token needed");
        response.json::<Value>().await.expect("JSON")
    };
    assert_eq!(read().await, json!({ "recoveryKey": KEY }));
    let (_, body) = reset(&server, None).await;
    let new_key = body["recoveryKey"].as_str().expect("a key").to_owned();
    assert_eq!(
        read().await,
        json!({ "recoveryKey": KEY }),
        "not while pending"
    );
    assert_eq!(confirm(&server, &new_key).await.0, 200);
    assert_eq!(read().await, json!({ "recoveryKey": new_key }));

    // Like every control: only for this machine, and read-only.
    let foreign = reqwest::Client::new()
        .get(format!("{}/_fake/recovery-key", server.base_url()))
        .header("host", "evil.example")
        .send()
        .await
        .expect("answers");
    assert_eq!(foreign.status().as_u16(), 421);
    let posted = reqwest::Client::new()
        .post(format!("{}/_fake/recovery-key", server.base_url()))
        .header("content-type", "application/json")
        .send()
        .await
        .expect("answers");
    assert_eq!(posted.status().as_u16(), 405);
}

#[tokio::test]
async fn the_default_key_has_the_matrix_look_and_follows_the_seed() {
    let key = |seed: Option<u64>| async move {
        let mut builder = FakeServer::builder();
        if let Some(seed) = seed {
            builder = builder.seed(seed);
        }
        builder.start().await.expect("starts").recovery_key()
    };
    let random = key(None).await;
    assert_key_look(&random);
    assert_ne!(random, key(None).await, "random without a seed");
    let seeded = key(Some(7)).await;
    assert_key_look(&seeded);
    assert_eq!(seeded, key(Some(7)).await, "the same seed, the same key");
    assert_ne!(seeded, key(Some(8)).await);

    // The keys that resets make follow the seed too.
    let mut made = Vec::new();
    for _ in 0..2 {
        let server = FakeServer::builder().seed(7).start().await.expect("starts");
        let (_, body) = reset(&server, None).await;
        made.push(body["recoveryKey"].clone());
    }
    assert!(made[0].is_string());
    assert_eq!(made[0], made[1]);
}

#[tokio::test]
async fn a_seed_gives_the_same_verification_ids_as_before_recovery_keys() {
    // The keys come from their own generator: the IDs a seed gave stay as they were.
    let server = FakeServer::builder()
        .seed(42)
        .start()
        .await
        .expect("starts");
    let (status, body) = post(&server, "/v1/app/setup/verifications", Some(json!({}))).await;
    assert_eq!(status, 200);
    let id = body["verification"]["id"].as_str().unwrap_or_default();
    let mut rng = fastrand_like(42);
    assert_eq!(id, format!("fv0001{:04x}", rng()), "{body}");
}

/// The first `u16` that fastrand draws with `seed`, as the fake draws it for the first ID.
fn fastrand_like(seed: u64) -> impl FnMut() -> u16 {
    let mut rng = fastrand::Rng::with_seed(seed);
    move || rng.u16(..)
}

#[tokio::test]
async fn a_blank_key_or_one_on_two_lines_is_refused_at_the_start_without_repeating_it() {
    for key in ["", " \t ", "hunter2\nkey"] {
        let refused = FakeServer::builder()
            .recovery_key(key)
            .start()
            .await
            .expect_err("refused");
        assert_eq!(refused.kind(), std::io::ErrorKind::InvalidInput);
        assert!(!refused.to_string().contains("hunter2"), "{refused}");
    }
}
