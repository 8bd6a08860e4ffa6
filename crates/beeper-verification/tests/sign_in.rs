//! Signing in on the wire, and a client without a token: which calls carry the token (public
//! ones never do), a call that needs one refused before sending, both answers of the code,
//! registration only with the terms accepted, and no secret (the code, the lead token, the
//! new access token) in any value, error or log line. Every server here is on loopback.

mod common;

use beeper_verification::{
    Error, SessionState, SignInCode, SignInMethod, SignInOutcome, SignedIn, TermsAccepted,
};
use common::{Logs, TOKEN, client, session_in, tokenless};
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use serde_json::{Value, json};

const ATTEMPT: &str = "req-5f1c";
const EMAIL: &str = "you@example.com";
const CODE: &str = "C0DE-482913";
const LEAD: &str = "lead-9a7e-secret";
const NEW_TOKEN: &str = "n3w-acc3ss-t0ken";

fn signed_in_body(state: &str) -> Value {
    common::signed_in_body(NEW_TOKEN, state)
}

fn registration_body() -> Value {
    json!({
        "copy": {
            "submit": "Continue",
            "terms": "By continuing, you agree to the Terms of Use and acknowledge the Privacy Policy.",
            "title": "Choose your username",
            "usernamePlaceholder": "Username"
        },
        "leadToken": LEAD,
        "registrationRequired": true,
        "setupRequestID": "req-after-code",
        "usernameSuggestions": ["you", "you2"]
    })
}

/// `start` and `email` answered as the API does, with no token required or allowed.
async fn start_and_email(server: &MockServer) {
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/start")
                .header_missing("authorization");
            then.status(200).json_body(
                json!({"setupRequestID": ATTEMPT, "signInMethods": ["email", "passkey"]}),
            );
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/email")
                .header_missing("authorization")
                .json_body(json!({"email": EMAIL, "setupRequestID": ATTEMPT}));
            then.status(204);
        })
        .await;
}

/// The message, the `Debug` and every cause of `err`.
fn everything_shown(err: &Error) -> Vec<String> {
    let mut shown = vec![format!("{err}"), format!("{err:?}")];
    shown.extend(err.hint().map(str::to_owned));
    let mut cause = std::error::Error::source(err);
    while let Some(inner) = cause {
        shown.push(inner.to_string());
        cause = inner.source();
    }
    shown
}

fn assert_no_secret(texts: &[String]) {
    for text in texts {
        for secret in [CODE, "482913", LEAD, NEW_TOKEN, TOKEN] {
            assert!(!text.contains(secret), "a secret leaked: {text}");
        }
    }
}

#[tokio::test]
async fn a_call_that_needs_a_token_is_refused_before_sending() {
    let server = MockServer::start_async().await;
    let anything = server
        .mock_async(|_, then| {
            then.status(500);
        })
        .await;
    let client = tokenless(&server);
    assert!(!client.has_access_token());

    let refusals = [
        client.verifications().list().await.map(drop),
        client
            .verifications()
            .create(Default::default())
            .await
            .map(drop),
        client.verifications().scan_qr("data").await.map(drop),
        client.verification("v1").get().await.map(drop),
        client.verification("v1").accept().await.map(drop),
        client.recovery_key().reset(None).await.map(drop),
        client
            .recovery_key()
            .verify(&"EsTc 9bD2".into())
            .await
            .map(drop),
        // A waiter ends at once: polling cannot make a token appear.
        client.wait_for_incoming().await.map(drop),
    ];
    let operations: Vec<&str> = refusals
        .iter()
        .map(|r| match r {
            Err(Error::TokenRequired { operation, .. }) => *operation,
            other => panic!("expected TokenRequired, got {other:?}"),
        })
        .collect();
    assert_eq!(
        operations,
        [
            "listVerifications",
            "createVerification",
            "scanVerificationQr",
            "getVerification",
            "acceptVerification",
            "resetRecoveryKey",
            "verifyRecoveryKey",
            "listVerifications",
        ]
    );
    assert_eq!(
        anything.calls_async().await,
        0,
        "nothing reached the server"
    );

    let err = refusals[0].as_ref().expect_err("refused");
    assert_eq!(
        err.to_string(),
        "GET /v1/app/setup/verifications (listVerifications) needs an access token, and this \
         client has none; nothing was sent"
    );
    assert!(err.hint().is_some_and(|h| h.contains("sign in")), "{err}");
    assert!(!err.is_retryable());
    assert_eq!(err.status(), None);
}

#[tokio::test]
async fn public_calls_never_carry_the_token_and_the_session_carries_it_when_there_is_one() {
    let server = MockServer::start_async().await;
    start_and_email(&server).await;
    let finish = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/response")
                .header_missing("authorization")
                .header_exists("user-agent");
            then.status(200).json_body(registration_body());
        })
        .await;
    let register = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/register")
                .header_missing("authorization");
            then.status(200)
                .json_body(signed_in_body("needs-verification"));
        })
        .await;
    let with_token = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/app/setup")
                .header("authorization", format!("Bearer {TOKEN}"));
            then.status(200).json_body(session_in("ready"));
        })
        .await;
    let without_token = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/app/setup")
                .header_missing("authorization");
            then.status(200).json_body(session_in("needs-login"));
        })
        .await;
    let bearer = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/app/setup/verifications")
                .header("authorization", format!("Bearer {TOKEN}"));
            then.status(200).json_body(json!({"items": []}));
        })
        .await;

    // A client with a token: the four public calls go without it (a mock demands its absence).
    let client = client(&server);
    let attempt = client.sign_in().start().await.expect("start");
    attempt.send_code(EMAIL).await.expect("email");
    let SignInOutcome::RegistrationRequired(registration) = attempt
        .finish(&SignInCode::new(CODE))
        .await
        .expect("response")
    else {
        panic!("registration expected")
    };
    registration
        .register("you", TermsAccepted::by_the_user())
        .await
        .expect("register");
    assert_eq!(
        (finish.calls_async().await, register.calls_async().await),
        (1, 1)
    );

    // The session (security optional) carries it when the client has one, and not otherwise.
    assert_eq!(
        client.session().await.expect("session").state,
        SessionState::Ready
    );
    assert_eq!(
        tokenless(&server).session().await.expect("session").state,
        SessionState::NeedsLogin
    );
    assert_eq!(with_token.calls_async().await, 1);
    assert_eq!(without_token.calls_async().await, 1);
    // A bearer call carries it.
    client.verifications().list().await.expect("list");
    assert_eq!(bearer.calls_async().await, 1);
}

#[tokio::test]
async fn signing_in_to_an_account_gives_its_token_and_a_client_that_uses_it() {
    let server = MockServer::start_async().await;
    start_and_email(&server).await;
    let finish = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/response")
                .json_body(json!({"response": CODE, "setupRequestID": ATTEMPT}));
            then.status(200)
                .json_body(signed_in_body("needs-verification"));
        })
        .await;
    let with_new_token = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/app/setup/verifications")
                .header("authorization", format!("Bearer {NEW_TOKEN}"));
            then.status(200).json_body(json!({"items": []}));
        })
        .await;

    let client = tokenless(&server);
    let attempt = client.sign_in().start().await.expect("start");
    assert_eq!(attempt.id(), ATTEMPT);
    assert_eq!(attempt.methods()[0], SignInMethod::Email);
    assert!(attempt.methods()[1].is_unknown() && attempt.methods()[1].as_str() == "passkey");
    // What a person typed: whitespace around the address and the code does not matter.
    attempt
        .send_code(&format!("  {EMAIL}\n"))
        .await
        .expect("email");
    let outcome = attempt
        .finish(&SignInCode::new(format!("\t{CODE} \n")))
        .await
        .expect("signed in");
    finish.assert_async().await;
    let SignInOutcome::SignedIn(signed_in) = outcome else {
        panic!("signed in expected, got {outcome:?}")
    };
    assert_eq!(signed_in.access_token().expose_secret(), NEW_TOKEN);
    assert_eq!(signed_in.account().user_id, "@you:beeper.com");
    assert_eq!(signed_in.account().device_id, "DEV1");
    assert_eq!(signed_in.account().homeserver, "https://matrix.beeper.com");
    assert_eq!(signed_in.session().state, SessionState::NeedsVerification);
    assert!(signed_in.client().has_access_token());
    assert_eq!(signed_in.client().base_url(), client.base_url());
    assert!(
        !client.has_access_token(),
        "the signed-out client is unchanged"
    );

    let client = signed_in.into_client();
    client
        .verifications()
        .list()
        .await
        .expect("with the new token");
    with_new_token.assert_async().await;
}

#[tokio::test]
async fn a_new_address_creates_its_account_with_the_terms_accepted() {
    let server = MockServer::start_async().await;
    start_and_email(&server).await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/app/setup/response");
            then.status(200).json_body(registration_body());
        })
        .await;
    let register = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/register")
                .json_body(json!({
                    "acceptTerms": true,
                    "leadToken": LEAD,
                    "setupRequestID": "req-after-code",
                    "username": "newbie"
                }));
            then.status(200)
                .json_body(signed_in_body("needs-cross-signing-setup"));
        })
        .await;

    let attempt = tokenless(&server).sign_in().start().await.expect("start");
    attempt.send_code(EMAIL).await.expect("email");
    let SignInOutcome::RegistrationRequired(registration) = attempt
        .finish(&SignInCode::new(CODE))
        .await
        .expect("an answer")
    else {
        panic!("registration expected")
    };
    assert_eq!(registration.id(), "req-after-code");
    assert_eq!(registration.suggestions(), ["you", "you2"]);
    assert_eq!(registration.copy().title, "Choose your username");
    assert_eq!(registration.copy().submit, "Continue");
    assert_eq!(registration.copy().username_placeholder, "Username");
    assert!(registration.copy().terms.contains("Terms of Use"));
    assert_eq!(registration.lead_token().expose_secret(), LEAD);

    // An empty username is refused before sending.
    for username in ["", "  \n"] {
        let err = registration
            .register(username, TermsAccepted::by_the_user())
            .await
            .expect_err("empty");
        assert!(
            matches!(
                &err,
                Error::InvalidInput {
                    input: "username",
                    ..
                }
            ),
            "{err:?}"
        );
    }
    assert_eq!(register.calls_async().await, 0);

    let signed_in = registration
        .register(" newbie ", TermsAccepted::by_the_user())
        .await
        .expect("created");
    register.assert_async().await;
    assert_eq!(signed_in.access_token().expose_secret(), NEW_TOKEN);
    assert_eq!(
        signed_in.session().state,
        SessionState::NeedsCrossSigningSetup
    );
}

#[tokio::test]
async fn empty_answers_are_refused_before_sending() {
    let server = MockServer::start_async().await;
    start_and_email(&server).await;
    let finish = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/app/setup/response");
            then.status(500);
        })
        .await;
    let attempt = tokenless(&server).sign_in().start().await.expect("start");
    let err = attempt.send_code(" \t\n").await.expect_err("empty");
    assert!(
        matches!(&err, Error::InvalidInput { input: "email", .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "invalid email: it is empty; nothing was sent"
    );
    let err = attempt
        .finish(&SignInCode::new("  "))
        .await
        .expect_err("empty");
    assert!(
        matches!(
            &err,
            Error::InvalidInput {
                input: "sign-in code",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(finish.calls_async().await, 0);
}

#[tokio::test]
async fn an_answer_that_is_neither_shape_is_an_invalid_response_that_quotes_nothing() {
    let mut not_required = registration_body();
    not_required["registrationRequired"] = json!(false);
    let mut empty_token = signed_in_body("needs-verification");
    empty_token["matrix"]["accessToken"] = json!("");
    let mut broken_token = signed_in_body("needs-verification");
    broken_token["matrix"]["accessToken"] = json!(format!("{NEW_TOKEN}\nX-Evil: 1"));
    // A hostile server's 500 KB "token" was kept, and a CLI stored it.
    let mut huge_token = signed_in_body("needs-verification");
    huge_token["matrix"]["accessToken"] = json!(NEW_TOKEN.repeat(30_000));
    let bodies = [
        not_required,
        json!({"leadToken": LEAD, "matrix": {"accessToken": NEW_TOKEN}}),
        json!({"session": session_in("ready"), "note": NEW_TOKEN}),
        empty_token,
        broken_token,
        huge_token,
    ];
    for body in bodies {
        let server = MockServer::start_async().await;
        start_and_email(&server).await;
        server
            .mock_async(|when, then| {
                when.method(POST).path("/v1/app/setup/response");
                then.status(200).json_body(body.clone());
            })
            .await;
        let attempt = tokenless(&server).sign_in().start().await.expect("start");
        let err = attempt
            .finish(&SignInCode::new(CODE))
            .await
            .expect_err("not an answer of the API");
        assert!(
            matches!(err, Error::InvalidResponse { status: 200, .. }),
            "{body}: {err:?}"
        );
        assert_no_secret(&everything_shown(&err));
    }
}

#[tokio::test]
async fn no_secret_shows_in_any_value_error_or_log_of_the_sign_in() {
    let server = MockServer::start_async().await;
    start_and_email(&server).await;
    // A server that quotes the secrets back in its refusals.
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/response")
                .json_body_includes(format!(r#"{{"response": "{CODE}"}}"#));
            then.status(400).json_body(json!({
                "code": "INVALID_SIGN_IN_CODE",
                "message": format!("{CODE} is not the code we sent"),
                "details": {"response": CODE}
            }));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/response")
                .json_body_includes(r#"{"response": "good"}"#);
            then.status(200).json_body(registration_body());
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/register")
                .json_body_includes(r#"{"username": "taken"}"#);
            then.status(409).json_body(json!({
                "code": "USERNAME_TAKEN",
                "message": format!("taken (lead {LEAD})"),
                "details": {"leadToken": LEAD}
            }));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/register")
                .json_body_includes(r#"{"username": "free"}"#);
            then.status(200)
                .json_body(signed_in_body("needs-verification"));
        })
        .await;

    let (logs, _guard) = Logs::capture();
    let client = tokenless(&server);
    let attempt = client.sign_in().start().await.expect("start");
    attempt.send_code(EMAIL).await.expect("email");
    let code = SignInCode::new(CODE);
    let refused = attempt.finish(&code).await.expect_err("a wrong code");
    let api = refused.api_error().expect("the API's refusal");
    assert_eq!(api.code, "INVALID_SIGN_IN_CODE");
    assert!(api.message.contains("[redacted]"), "{api:?}");

    let outcome = attempt
        .finish(&SignInCode::new("good"))
        .await
        .expect("registration");
    let SignInOutcome::RegistrationRequired(registration) = &outcome else {
        panic!("registration expected")
    };
    let taken = registration
        .register("taken", TermsAccepted::by_the_user())
        .await
        .expect_err("taken");
    assert_eq!(taken.status(), Some(409));
    let signed_in: SignedIn = registration
        .register("free", TermsAccepted::by_the_user())
        .await
        .expect("created");
    let new_client = signed_in.client().clone();

    let mut shown = vec![
        format!("{attempt:?}"),
        format!("{code:?} {code}"),
        format!("{outcome:?} {outcome:#?}"),
        format!("{registration:?} {:?}", registration.lead_token()),
        format!("{} {:?}", registration.lead_token(), registration.copy()),
        format!("{signed_in:?} {signed_in:#?}"),
        format!(
            "{} {:?}",
            signed_in.access_token(),
            signed_in.access_token()
        ),
        format!("{new_client:?}"),
        format!("{:?}", TermsAccepted::by_the_user()),
    ];
    shown.extend(everything_shown(&refused));
    shown.extend(everything_shown(&taken));
    shown.push(logs.text());
    assert_no_secret(&shown);
    assert!(!logs.text().is_empty(), "the requests were logged");
}

/// The two answers share no field, and `registrationRequired: true` is what tells them apart:
/// a body that has the mark is read as the mark says, even with the signed-in fields beside it.
/// (The generated union tried "signed in" first, which read such a body as signed in.)
#[tokio::test]
async fn the_registration_mark_decides_even_beside_signed_in_fields() {
    let server = MockServer::start_async().await;
    start_and_email(&server).await;
    let mut both = registration_body();
    if let (Some(both), Some(signed_in)) = (
        both.as_object_mut(),
        signed_in_body("needs-verification").as_object(),
    ) {
        both.extend(signed_in.clone());
    }
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/app/setup/response");
            then.status(200).json_body(both);
        })
        .await;
    let attempt = tokenless(&server).sign_in().start().await.expect("start");
    attempt.send_code(EMAIL).await.expect("email");
    let outcome = attempt
        .finish(&SignInCode::new(CODE))
        .await
        .expect("an answer");
    assert!(
        matches!(outcome, SignInOutcome::RegistrationRequired(_)),
        "{outcome:?}"
    );
}
