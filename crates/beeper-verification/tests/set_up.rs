//! The guided setup against the fake: from each state the recovery key issue names to `ready`,
//! with a scripted UI; a refused key asked again; no reset without the UI's yes.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use beeper_verification::{
    Client, Error, Qr, RecoveryKey, Sas, SasAnswer, Session, SessionState, SetupUi, VerifyChoice,
};
use beeper_verification_fake::{FakeServer, FakeSessionState, Operation, PeerMethod};

const KEY: &str = "EsTc 9bD2 Ab7x Qw3e";

/// What the scripted UI answers, and what it was asked.
#[derive(Default)]
struct Script {
    choice: Option<VerifyChoice>,
    keys: Vec<&'static str>,
    agree_to_reset: bool,
    saved: bool,
    asked: Arc<Mutex<Vec<String>>>,
}

impl Script {
    fn note(&self, what: impl Into<String>) {
        if let Ok(mut asked) = self.asked.lock() {
            asked.push(what.into());
        }
    }
}

impl SetupUi for Script {
    async fn choose(&mut self, _: &Session) -> VerifyChoice {
        self.note("choose");
        self.choice.unwrap_or(VerifyChoice::Stop)
    }

    async fn recovery_key(&mut self, refused: Option<&Error>) -> Option<RecoveryKey> {
        self.note(match refused {
            Some(_) => "key again",
            None => "key",
        });
        (!self.keys.is_empty()).then(|| RecoveryKey::new(self.keys.remove(0)))
    }

    async fn compare_emoji(&mut self, _: &Sas) -> SasAnswer {
        self.note("emoji");
        SasAnswer::Match
    }

    async fn show_qr(&mut self, _: &Qr) {
        self.note("qr");
    }

    async fn agree_to_reset(&mut self, _: &Session) -> bool {
        self.note("reset?");
        self.agree_to_reset
    }

    async fn new_key_saved(&mut self, key: &RecoveryKey) -> bool {
        self.note(format!("saved? ({} characters)", key.expose_secret().len()));
        self.saved
    }
}

async fn fake(state: FakeSessionState) -> FakeServer {
    FakeServer::builder()
        .session_state(state)
        .recovery_key(KEY)
        .auto_peer(PeerMethod::Sas, Duration::from_millis(20))
        .start()
        .await
        .expect("the fake starts")
}

fn client(server: &FakeServer) -> Client {
    Client::builder()
        .base_url(server.base_url())
        .access_token(server.token())
        .build()
        .expect("valid configuration")
}

#[tokio::test]
async fn needs_secrets_takes_the_key_and_reaches_ready() {
    let server = fake(FakeSessionState::NeedsSecrets).await;
    let mut ui = Script {
        keys: vec!["  esTc 9bD2 Ab7x Qw3e wrong", KEY],
        ..Script::default()
    };
    let asked = Arc::clone(&ui.asked);
    let session = client(&server).set_up(&mut ui).await.expect("ready");
    assert_eq!(session.state, SessionState::Ready);
    assert_eq!(*asked.lock().expect("lock"), ["key", "key again"]);
    assert_eq!(server.requests_for(Operation::VerifyRecoveryKey).len(), 2);
}

#[tokio::test]
async fn needs_verification_with_the_emoji_of_another_device() {
    let server = fake(FakeSessionState::NeedsVerification).await;
    let mut ui = Script {
        choice: Some(VerifyChoice::CompareEmoji),
        ..Script::default()
    };
    let asked = Arc::clone(&ui.asked);
    let session = client(&server).set_up(&mut ui).await.expect("ready");
    assert!(session.is_ready(), "{:?}", session.state);
    assert_eq!(*asked.lock().expect("lock"), ["choose", "emoji"]);
}

#[tokio::test]
async fn needs_verification_with_the_recovery_key_instead() {
    let server = fake(FakeSessionState::NeedsVerification).await;
    let mut ui = Script {
        choice: Some(VerifyChoice::RecoveryKey),
        keys: vec![KEY],
        ..Script::default()
    };
    let session = client(&server).set_up(&mut ui).await.expect("ready");
    assert!(session.is_ready());
    assert!(
        server
            .requests_for(Operation::CreateVerification)
            .is_empty()
    );
}

#[tokio::test]
async fn no_reset_without_the_uis_yes() {
    let server = fake(FakeSessionState::NeedsCrossSigningSetup).await;
    let mut ui = Script::default();
    let err = client(&server).set_up(&mut ui).await.expect_err("declined");
    assert!(matches!(err, Error::SetupStopped { .. }), "{err:?}");
    assert!(server.requests_for(Operation::ResetRecoveryKey).is_empty());
    assert_eq!(server.recovery_key(), KEY, "the old key stays in force");
}

#[tokio::test]
async fn a_new_key_is_put_in_force_only_once_saved() {
    let server = fake(FakeSessionState::NeedsCrossSigningSetup).await;
    let mut unsaved = Script {
        agree_to_reset: true,
        ..Script::default()
    };
    let err = client(&server)
        .set_up(&mut unsaved)
        .await
        .expect_err("not saved");
    assert!(matches!(err, Error::SetupStopped { .. }), "{err:?}");
    assert_eq!(server.recovery_key(), KEY, "not confirmed");
    assert!(
        server
            .requests_for(Operation::ConfirmRecoveryKeyReset)
            .is_empty()
    );

    let mut saved = Script {
        agree_to_reset: true,
        saved: true,
        ..Script::default()
    };
    let session = client(&server).set_up(&mut saved).await.expect("ready");
    assert!(session.is_ready());
    assert_ne!(server.recovery_key(), KEY, "the new key is in force");
}

#[tokio::test(start_paused = true)]
async fn the_first_sync_after_the_key_is_waited_through() {
    let server = FakeServer::builder()
        .session_state(FakeSessionState::NeedsSecrets)
        .recovery_key(KEY)
        .first_sync_after_key(Duration::from_secs(5))
        .start()
        .await
        .expect("the fake starts");
    let mut ui = Script {
        keys: vec![KEY],
        ..Script::default()
    };
    let session = client(&server).set_up(&mut ui).await.expect("ready");
    assert!(session.is_ready());
}

#[tokio::test]
async fn signed_out_stops_and_says_to_sign_in() {
    let server = fake(FakeSessionState::NeedsLogin).await;
    let err = client(&server)
        .set_up(&mut Script::default())
        .await
        .expect_err("signed out");
    assert!(
        matches!(&err, Error::SetupStopped { reason, .. } if reason.contains("sign in")),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_already_ready_device_is_left_alone() {
    let server = fake(FakeSessionState::Ready).await;
    let session = client(&server)
        .set_up(&mut Script::default())
        .await
        .expect("ready");
    assert!(session.is_ready());
    assert_eq!(server.request_count(), 1, "one look at the session");
}
