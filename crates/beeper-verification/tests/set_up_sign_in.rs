//! The guided setup from `needs-login`, with a scripted UI and a server on loopback: it signs
//! in through the UI, hands the new token to the UI once, and goes on with a client that uses
//! it; a wrong code and a taken username are asked again; an account is created only with the
//! UI's acceptance of the terms; a UI that declines stops cleanly; no secret in any error.

mod common;

use std::sync::{Arc, Mutex};

use beeper_verification::{
    AccessToken, Error, RecoveryKey, Registration, Sas, SasAnswer, Session, SessionState, SetupUi,
    SignInCode, SignedIn, TermsAccepted, VerifyChoice,
};
use common::{TOKEN, session_in, tokenless};
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use serde_json::{Value, json};

const EMAIL: &str = "you@example.com";
const CODE: &str = "482913";
const WRONG_CODE: &str = "111111";
const LEAD: &str = "lead-9a7e-secret";
const NEW_TOKEN: &str = "n3w-acc3ss-t0ken";
const KEY: &str = "EsTc 9bD2 Ab7x Qw3e";

fn signed_in_body(state: &str) -> Value {
    common::signed_in_body(NEW_TOKEN, state)
}

/// What the scripted UI answers, and what it was asked (and, for the token, given).
#[derive(Default)]
struct Script {
    /// Addresses answered before `email`, one an ask.
    first_emails: Vec<&'static str>,
    email: Option<&'static str>,
    codes: Vec<&'static str>,
    /// Usernames to offer, each with the terms accepted; `None` when the UI declines.
    usernames: Option<Vec<&'static str>>,
    key: Option<&'static str>,
    asked: Arc<Mutex<Vec<String>>>,
    refusals: Arc<Mutex<Vec<String>>>,
    token: Arc<Mutex<Option<AccessToken>>>,
}

impl Script {
    fn note(&self, what: impl Into<String>) {
        if let Ok(mut asked) = self.asked.lock() {
            asked.push(what.into());
        }
    }

    fn refused(&self, refused: Option<&Error>) {
        if let (Some(e), Ok(mut all)) = (refused, self.refusals.lock()) {
            all.push(format!("{e} {e:?}"));
        }
    }
}

impl SetupUi for Script {
    async fn choose(&mut self, _: &Session) -> VerifyChoice {
        self.note("choose");
        VerifyChoice::RecoveryKey
    }

    async fn recovery_key(&mut self, _: Option<&Error>) -> Option<RecoveryKey> {
        self.note("key");
        self.key.take().map(RecoveryKey::new)
    }

    async fn compare_emoji(&mut self, _: &Sas) -> SasAnswer {
        self.note("emoji");
        SasAnswer::Cancel
    }

    async fn email(&mut self, refused: Option<&Error>) -> Option<String> {
        self.note(if refused.is_some() {
            "email again"
        } else {
            "email"
        });
        self.refused(refused);
        if !self.first_emails.is_empty() {
            return Some(self.first_emails.remove(0).to_owned());
        }
        self.email.map(str::to_owned)
    }

    async fn sign_in_code(&mut self, email: &str, refused: Option<&Error>) -> Option<SignInCode> {
        assert_eq!(email, EMAIL);
        self.note(if refused.is_some() {
            "code again"
        } else {
            "code"
        });
        self.refused(refused);
        (!self.codes.is_empty()).then(|| SignInCode::new(self.codes.remove(0)))
    }

    async fn register(
        &mut self,
        registration: &Registration,
        refused: Option<&Error>,
    ) -> Option<(String, TermsAccepted)> {
        self.note(format!(
            "register ({})",
            registration.suggestions().join(", ")
        ));
        self.refused(refused);
        let usernames = self.usernames.as_mut()?;
        (!usernames.is_empty())
            .then(|| (usernames.remove(0).to_owned(), TermsAccepted::by_the_user()))
    }

    fn signed_in(&mut self, signed_in: &SignedIn) {
        self.note("signed in");
        if let Ok(mut token) = self.token.lock() {
            *token = Some(signed_in.access_token().clone());
        }
    }
}

/// A server signed out: the session is `needs-login` without a token; one attempt starts;
/// `EMAIL` gets a code (`you at example.com` is refused with 400); sign-in works with `CODE`
/// (anything else is refused with 400); the sign-in answer is `answer`.
async fn signed_out(answer: Value) -> MockServer {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/app/setup")
                .header_missing("authorization");
            then.status(200).json_body(session_in("needs-login"));
        })
        .await;
    // One attempt a run: a second start finds no mock (404), and the run fails.
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/app/setup/start");
            then.status(200)
                .json_body(json!({"setupRequestID": "req-1", "signInMethods": ["email"]}));
        })
        .await
        .up_to_n_times_async(1)
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/email")
                .json_body(json!({"email": EMAIL, "setupRequestID": "req-1"}));
            then.status(204);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/email")
                .json_body(json!({"email": "you at example.com", "setupRequestID": "req-1"}));
            then.status(400).json_body(json!({
                "code": "VALIDATION_ERROR",
                "message": "email is not an address"
            }));
        })
        .await
        .up_to_n_times_async(1)
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/response")
                .json_body(json!({"response": CODE, "setupRequestID": "req-1"}));
            then.status(200).json_body(answer.clone());
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/response")
                .json_body(json!({"response": WRONG_CODE, "setupRequestID": "req-1"}));
            then.status(400).json_body(json!({
                "code": "INVALID_SIGN_IN_CODE",
                "message": format!("{WRONG_CODE} is not the code we mailed")
            }));
        })
        .await;
    // After sign-in, the recovery key with the new token makes the device ready.
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/verification/recovery-key")
                .header("authorization", format!("Bearer {NEW_TOKEN}"))
                .json_body(json!({"recoveryKey": KEY}));
            then.status(200)
                .json_body(json!({"session": session_in("ready")}));
        })
        .await;
    server
}

fn assert_no_secret(texts: &[String]) {
    for text in texts {
        for secret in [CODE, WRONG_CODE, LEAD, NEW_TOKEN, "EsTc"] {
            assert!(!text.contains(secret), "a secret leaked: {text}");
        }
    }
}

#[tokio::test]
async fn from_needs_login_to_ready_for_a_known_account() {
    let server = signed_out(signed_in_body("needs-secrets")).await;
    let mut ui = Script {
        email: Some(EMAIL),
        codes: vec![CODE],
        key: Some(KEY),
        ..Script::default()
    };
    let (asked, token) = (Arc::clone(&ui.asked), Arc::clone(&ui.token));
    let client = tokenless(&server);
    let session = client.set_up(&mut ui).await.expect("ready");
    assert_eq!(session.state, SessionState::Ready);
    assert_eq!(
        *asked.lock().expect("lock"),
        ["email", "code", "signed in", "key"]
    );
    let token = token
        .lock()
        .expect("lock")
        .clone()
        .expect("the UI got the token");
    assert_eq!(token.expose_secret(), NEW_TOKEN);
    assert!(
        !client.has_access_token(),
        "the caller's client is unchanged"
    );
}

#[tokio::test]
async fn a_wrong_code_is_asked_again_with_the_refusal() {
    let server = signed_out(signed_in_body("needs-secrets")).await;
    let mut ui = Script {
        email: Some(EMAIL),
        codes: vec![WRONG_CODE, "  ", CODE],
        key: Some(KEY),
        ..Script::default()
    };
    let (asked, refusals) = (Arc::clone(&ui.asked), Arc::clone(&ui.refusals));
    let session = tokenless(&server).set_up(&mut ui).await.expect("ready");
    assert!(session.is_ready());
    assert_eq!(
        *asked.lock().expect("lock"),
        ["email", "code", "code again", "code", "signed in", "key"],
        "an empty code is not sent, and asked again without a refusal"
    );
    let refusals = refusals.lock().expect("lock").clone();
    assert_eq!(refusals.len(), 1);
    assert!(refusals[0].contains("INVALID_SIGN_IN_CODE"), "{refusals:?}");
    assert_no_secret(&refusals);
}

#[tokio::test]
async fn a_refused_or_empty_address_is_asked_again_in_the_same_attempt() {
    // A mistyped address ended the setup: the person had to start over.
    let server = signed_out(signed_in_body("needs-secrets")).await;
    let mut ui = Script {
        first_emails: vec!["  ", "you at example.com"],
        email: Some(EMAIL),
        codes: vec![CODE],
        key: Some(KEY),
        ..Script::default()
    };
    let (asked, refusals) = (Arc::clone(&ui.asked), Arc::clone(&ui.refusals));
    let session = tokenless(&server).set_up(&mut ui).await.expect("ready");
    assert!(session.is_ready());
    assert_eq!(
        *asked.lock().expect("lock"),
        [
            "email",
            "email again",
            "email again",
            "code",
            "signed in",
            "key"
        ]
    );
    let refusals = refusals.lock().expect("lock").clone();
    assert_eq!(refusals.len(), 2, "{refusals:?}");
    assert!(refusals[0].contains("InvalidInput"), "{refusals:?}");
    assert!(refusals[1].contains("VALIDATION_ERROR"), "{refusals:?}");
    // The server's start answers once (see `signed_out`): the refused address kept the
    // attempt.
}

#[tokio::test]
async fn the_same_refused_address_again_ends_with_its_refusal() {
    // A UI that gives the same address whatever the refusal: five mails to one address
    // the server already refused.
    let server = signed_out(signed_in_body("ready")).await;
    let mut ui = Script {
        email: Some("you at example.com"),
        codes: vec![CODE],
        ..Script::default()
    };
    let asked = Arc::clone(&ui.asked);
    let err = tokenless(&server)
        .set_up(&mut ui)
        .await
        .expect_err("refused");
    assert_eq!(err.code(), Some("VALIDATION_ERROR"), "{err:?}");
    assert_eq!(*asked.lock().expect("lock"), ["email", "email again"]);
}

#[tokio::test]
async fn codes_that_are_all_refused_end_with_the_last_refusal() {
    let server = signed_out(signed_in_body("ready")).await;
    let mut ui = Script {
        email: Some(EMAIL),
        codes: vec![WRONG_CODE; 9],
        ..Script::default()
    };
    let asked = Arc::clone(&ui.asked);
    let err = tokenless(&server)
        .set_up(&mut ui)
        .await
        .expect_err("refused");
    assert_eq!(err.status(), Some(400));
    assert_eq!(
        asked.lock().expect("lock").len(),
        6,
        "the email, then five codes"
    );
    assert_no_secret(&[format!("{err}"), format!("{err:?}")]);
}

#[tokio::test]
async fn a_new_address_is_created_only_with_the_uis_username_and_acceptance() {
    let registration = json!({
        "copy": {"submit": "Continue", "terms": "By continuing, you agree.", "title": "Choose your username",
            "usernamePlaceholder": "Username"},
        "leadToken": LEAD,
        "registrationRequired": true,
        "setupRequestID": "req-1",
        "usernameSuggestions": ["you", "you2"]
    });
    // Declined: nothing is created.
    let server = signed_out(registration.clone()).await;
    let register = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/app/setup/register");
            then.status(500);
        })
        .await;
    let mut declining = Script {
        email: Some(EMAIL),
        codes: vec![CODE],
        ..Script::default()
    };
    let err = tokenless(&server)
        .set_up(&mut declining)
        .await
        .expect_err("declined");
    assert!(matches!(err, Error::SetupStopped { .. }), "{err:?}");
    assert_eq!(register.calls_async().await, 0, "no account without a yes");
    assert_no_secret(&[format!("{err}"), format!("{err:?}")]);

    // Accepted, the first username taken: asked again, then created.
    let server = signed_out(registration).await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/register")
                .json_body_includes(r#"{"username": "you"}"#);
            then.status(409).json_body(json!({
                "code": "USERNAME_TAKEN",
                "message": format!("taken; lead {LEAD}")
            }));
        })
        .await;
    let created = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/register")
                .json_body(json!({
                    "acceptTerms": true,
                    "leadToken": LEAD,
                    "setupRequestID": "req-1",
                    "username": "you2"
                }));
            then.status(200).json_body(signed_in_body("ready"));
        })
        .await;
    let mut accepting = Script {
        email: Some(EMAIL),
        codes: vec![CODE],
        usernames: Some(vec!["you", "you2"]),
        ..Script::default()
    };
    let (asked, refusals) = (
        Arc::clone(&accepting.asked),
        Arc::clone(&accepting.refusals),
    );
    let session = tokenless(&server)
        .set_up(&mut accepting)
        .await
        .expect("created and ready");
    assert!(session.is_ready());
    created.assert_async().await;
    assert_eq!(
        *asked.lock().expect("lock"),
        [
            "email",
            "code",
            "register (you, you2)",
            "register (you, you2)",
            "signed in"
        ]
    );
    let refusals = refusals.lock().expect("lock").clone();
    assert!(refusals[0].contains("USERNAME_TAKEN"), "{refusals:?}");
    assert_no_secret(&refusals);
}

#[tokio::test]
async fn a_ui_that_gives_no_email_or_no_code_stops_cleanly() {
    // No email (the default): nothing is started.
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup");
            then.status(200).json_body(session_in("needs-login"));
        })
        .await;
    let start = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/app/setup/start");
            then.status(500);
        })
        .await;
    let err = tokenless(&server)
        .set_up(&mut Script::default())
        .await
        .expect_err("no email");
    assert!(
        matches!(&err, Error::SetupStopped { reason, .. } if reason.contains("sign in first")),
        "{err:?}"
    );
    assert_eq!(start.calls_async().await, 0);

    // Only empty emails: refused before the attempt starts, asked five times in all, then the
    // last refusal.
    let mut empty = Script {
        email: Some(" "),
        ..Script::default()
    };
    let asked = Arc::clone(&empty.asked);
    let err = tokenless(&server)
        .set_up(&mut empty)
        .await
        .expect_err("empty email");
    assert!(
        matches!(&err, Error::InvalidInput { input: "email", .. }),
        "{err:?}"
    );
    assert_eq!(start.calls_async().await, 0);
    assert_eq!(asked.lock().expect("lock").len(), 5, "asked five times");

    // No code: stops after the code was mailed.
    let server = signed_out(signed_in_body("ready")).await;
    let mut no_code = Script {
        email: Some(EMAIL),
        ..Script::default()
    };
    let err = tokenless(&server)
        .set_up(&mut no_code)
        .await
        .expect_err("no code");
    assert!(
        matches!(&err, Error::SetupStopped { reason, .. } if reason.contains("code")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_device_past_sign_in_skips_it() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/app/setup")
                .header("authorization", format!("Bearer {TOKEN}"));
            then.status(200).json_body(session_in("needs-secrets"));
        })
        .await;
    let start = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/app/setup/start");
            then.status(500);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/verification/recovery-key")
                .header("authorization", format!("Bearer {TOKEN}"));
            then.status(200)
                .json_body(json!({"session": session_in("ready")}));
        })
        .await;
    let mut ui = Script {
        email: Some(EMAIL),
        key: Some(KEY),
        ..Script::default()
    };
    let asked = Arc::clone(&ui.asked);
    let session = common::client(&server)
        .set_up(&mut ui)
        .await
        .expect("ready");
    assert!(session.is_ready());
    assert_eq!(start.calls_async().await, 0);
    assert_eq!(*asked.lock().expect("lock"), ["key"]);
}
