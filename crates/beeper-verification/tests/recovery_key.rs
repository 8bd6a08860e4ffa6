//! The recovery key on the wire: what is sent, what comes back, and that the key shows up in no
//! error, no log line and no `Debug` output. Every server here is on loopback.

mod common;

use beeper_verification::{Error, RecoveryKey, SessionState};
use common::{Logs, TOKEN, client, fixture};
use httpmock::Method::POST;
use httpmock::MockServer;
use serde_json::json;

const KEY: &str = "EsTc 9bD2 Ab7x Qw3e";
const NEW_KEY: &str = "N3wK eyAb Cd12 Ef34";

fn ready_session() -> serde_json::Value {
    let mut session = fixture()["session"].clone();
    session["state"] = json!("ready");
    session
}

#[tokio::test]
async fn verify_sends_the_key_with_its_whitespace_made_regular() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/verification/recovery-key")
                .header("authorization", format!("Bearer {TOKEN}"))
                .json_body(json!({"recoveryKey": KEY}));
            then.status(200)
                .json_body(json!({"session": ready_session()}));
        })
        .await;
    let typed = RecoveryKey::new(format!("  {}\n", KEY.replace(' ', "\t  ")));
    let session = client(&server)
        .recovery_key()
        .verify(&typed)
        .await
        .expect("200");
    mock.assert_async().await;
    assert_eq!(session.state, SessionState::Ready);
}

#[tokio::test]
async fn a_refused_key_is_the_apis_error_and_never_shows_the_key() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/app/setup/verification/recovery-key");
            then.status(400).json_body(
                json!({"code": "INVALID_RECOVERY_KEY", "message": "That is not the account's recovery key."}),
            );
        })
        .await;
    let (logs, _guard) = Logs::capture();
    let err = client(&server)
        .recovery_key()
        .verify(&RecoveryKey::new(KEY))
        .await
        .expect_err("400");
    assert!(
        matches!(&err, Error::Api(api) if api.code == "INVALID_RECOVERY_KEY"),
        "{err:?}"
    );
    for shown in [format!("{err}"), format!("{err:?}"), logs.text()] {
        assert!(!shown.contains("EsTc"), "the key leaked: {shown}");
    }
}

#[tokio::test]
async fn reset_gives_a_pending_key_that_only_confirm_puts_in_force() {
    let server = MockServer::start_async().await;
    let reset = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/verification/recovery-key/reset")
                .json_body(json!({}));
            then.status(200)
                .json_body(json!({"recoveryKey": NEW_KEY, "session": fixture()["session"]}));
        })
        .await;
    let confirm = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/verification/recovery-key/reset/confirm")
                .json_body(json!({"recoveryKey": NEW_KEY}));
            then.status(200)
                .json_body(json!({"session": ready_session()}));
        })
        .await;
    let (logs, _guard) = Logs::capture();
    let client = client(&server);
    // Dropped without confirming: nothing is put in force.
    drop(client.recovery_key().reset(None).await.expect("200"));
    assert_eq!(confirm.calls_async().await, 0);

    let pending = client.recovery_key().reset(None).await.expect("200");
    assert_eq!(pending.key().expose_secret(), NEW_KEY);
    assert!(!format!("{pending:?}").contains("N3wK"), "{pending:?}");
    let session = pending.confirm().await.expect("200");
    assert_eq!(session.state, SessionState::Ready);
    assert_eq!(reset.calls_async().await, 2);
    assert_eq!(confirm.calls_async().await, 1);
    assert!(!logs.text().contains("N3wK"), "{}", logs.text());
}

#[tokio::test]
async fn reset_sends_the_existing_key_when_given() {
    let server = MockServer::start_async().await;
    let reset = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/verification/recovery-key/reset")
                .json_body(json!({"existingRecoveryKey": KEY}));
            then.status(200)
                .json_body(json!({"recoveryKey": NEW_KEY, "session": fixture()["session"]}));
        })
        .await;
    let pending = client(&server)
        .recovery_key()
        .reset(Some(&RecoveryKey::new(KEY)))
        .await
        .expect("200");
    reset.assert_async().await;
    drop(pending);
}

#[tokio::test]
async fn a_malformed_reset_answer_quotes_nothing_of_its_body() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/verification/recovery-key/reset");
            // The new key, then a session that is not one.
            then.status(200).body(format!(
                r#"{{"recoveryKey": "{NEW_KEY}", "session": "{NEW_KEY}"}}"#
            ));
        })
        .await;
    let err = client(&server)
        .recovery_key()
        .reset(None)
        .await
        .expect_err("malformed");
    assert!(matches!(err, Error::InvalidResponse { .. }), "{err:?}");
    let mut shown = vec![format!("{err}"), format!("{err:?}")];
    let mut cause = std::error::Error::source(&err);
    while let Some(inner) = cause {
        shown.push(inner.to_string());
        cause = inner.source();
    }
    for text in shown {
        assert!(!text.contains("N3wK"), "the new key leaked: {text}");
    }
}

#[tokio::test]
async fn a_server_that_quotes_the_key_back_does_not_put_it_into_the_error() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/verification/recovery-key");
            then.status(400).json_body(json!({
                "code": format!("BAD_KEY_{}", KEY.replace(' ', "")),
                "message": format!("bad key: {{\"recoveryKey\":\"{KEY}\"}}"),
                "details": {"sent": KEY, "compact": KEY.replace(' ', "")}
            }));
        })
        .await;
    let (logs, _guard) = Logs::capture();
    let err = client(&server)
        .recovery_key()
        .verify(&RecoveryKey::new(KEY))
        .await
        .expect_err("400");
    let api = err.api_error().expect("the API's error");
    assert!(api.message.contains("[redacted]"), "{api:?}");
    for shown in [format!("{err}"), format!("{err:?}"), logs.text()] {
        assert!(!shown.contains("EsTc"), "the key leaked: {shown}");
    }
}
