//! Sign-in on the wire: the four public operations (start, send the code, finish with it,
//! create the account), the accounts and the outbox, the token a fake started signed out hands
//! out, every refusal with its code (the fake's own choice, listed in the README), and the
//! secrets kept out of the record and the errors.

mod common;

use beeper_verification_client::{Client, RequestHooks, types};
use beeper_verification_fake::{
    DEFAULT_MAX_SETUP_REQUESTS, FakeServer, FakeSessionState, Fault, MAX_WRONG_SIGN_IN_CODES,
    OUTBOX_SIZE, Operation,
};
use serde_json::{Value, json};

const START: &str = "/v1/app/setup/start";
const EMAIL: &str = "/v1/app/setup/email";
const RESPONSE: &str = "/v1/app/setup/response";
const REGISTER: &str = "/v1/app/setup/register";
const LIST: &str = "/v1/app/setup/verifications";

const TOKEN: &str = "sign-in-test-token-3f9a";
const KNOWN: &str = "Jane.Doe@Example.com";

/// A fake started signed out, knowing `KNOWN`, with a token known in advance.
fn signed_out() -> beeper_verification_fake::FakeServerBuilder {
    FakeServer::builder()
        .session_state(FakeSessionState::NeedsLogin)
        .token(TOKEN)
        .account(KNOWN)
}

/// The generated client without a token: the sign-in calls are public.
fn public_client(server: &FakeServer) -> Client {
    Client::new_with_client(
        server.base_url(),
        reqwest::Client::new(),
        RequestHooks::default(),
    )
}

/// Sends `body` (raw text, or none) with the `Authorization` value `auth`, if any.
async fn send_raw(
    server: &FakeServer,
    method: reqwest::Method,
    path: &str,
    auth: Option<&str>,
    body: Option<String>,
) -> (u16, Value, String) {
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path}", server.base_url()))
        .header("content-type", "application/json");
    if let Some(auth) = auth {
        request = request.header("authorization", auth);
    }
    if let Some(body) = body {
        request = request.body(body);
    }
    let response = request.send().await.expect("the fake answers");
    let status = response.status().as_u16();
    let text = response.text().await.expect("a body");
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, json, text)
}

/// POSTs `body` as JSON without a token.
async fn post(server: &FakeServer, path: &str, body: Value) -> (u16, Value) {
    let (status, json, _) = send_raw(
        server,
        reqwest::Method::POST,
        path,
        None,
        Some(body.to_string()),
    )
    .await;
    (status, json)
}

/// A call with the fake's token.
async fn with_token(server: &FakeServer, method: reqwest::Method, path: &str) -> (u16, Value) {
    let auth = format!("Bearer {}", server.token());
    let (status, json, _) = send_raw(server, method, path, Some(&auth), None).await;
    (status, json)
}

async fn start(server: &FakeServer) -> String {
    let (status, body) = post(server, START, json!({})).await;
    assert_eq!(status, 200, "{body}");
    body["setupRequestID"].as_str().expect("an ID").to_owned()
}

/// Mails a code for `id` to `email`, and reads it from the outbox.
async fn mail(server: &FakeServer, id: &str, email: &str) -> String {
    let (status, body) = post(
        server,
        EMAIL,
        json!({ "email": email, "setupRequestID": id }),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let last = server.outbox().pop().expect("a mail");
    assert_eq!(last.email, email);
    last.code
}

async fn answer(server: &FakeServer, id: &str, code: &str) -> (u16, Value) {
    post(
        server,
        RESPONSE,
        json!({ "response": code, "setupRequestID": id }),
    )
    .await
}

async fn register(
    server: &FakeServer,
    id: &str,
    lead_token: &str,
    username: &str,
    accept: bool,
) -> (u16, Value) {
    post(
        server,
        REGISTER,
        json!({
            "acceptTerms": accept,
            "leadToken": lead_token,
            "setupRequestID": id,
            "username": username,
        }),
    )
    .await
}

/// The API's error body with `code`, a message, and the code listed in the README.
fn assert_refused(status: u16, body: &Value, want_status: u16, code: &str) {
    assert_eq!(
        (status, body["code"].as_str()),
        (want_status, Some(code)),
        "{body}"
    );
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    let decoded: Result<types::ApiError, _> = serde_json::from_value(body.clone());
    assert!(decoded.is_ok(), "the spec's error type decodes {body}");
    let readme = include_str!("../README.md");
    assert!(
        readme.contains(&format!("`{code}`")),
        "the README lists {code}"
    );
}

#[tokio::test]
async fn a_known_account_signs_in_with_the_mailed_code_and_gets_the_fakes_token() {
    let server = signed_out().start().await.expect("starts");
    let client = public_client(&server);

    let started = client.start_setup().await.expect("200").into_inner();
    assert_eq!(started.sign_in_methods, ["email"]);
    let id = started.setup_request_id;
    let sent = client
        .send_setup_email(&types::SetupEmailRequest {
            email: "jane.doe@EXAMPLE.COM".to_owned(),
            setup_request_id: id.clone(),
        })
        .await
        .expect("2xx");
    assert_eq!(sent.status().as_u16(), 204);

    // The outbox, in Rust and over HTTP.
    let outbox = server.outbox();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].email, "jane.doe@EXAMPLE.COM");
    let code = outbox[0].code.clone();
    assert!(
        code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()),
        "6 digits"
    );
    let (status, over_http, _) =
        send_raw(&server, reqwest::Method::GET, "/_fake/outbox", None, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        over_http,
        json!({ "messages": [{ "email": "jane.doe@EXAMPLE.COM", "code": code }] })
    );

    let finished = client
        .finish_setup_sign_in(&types::SetupResponseRequest {
            response: code,
            setup_request_id: id,
        })
        .await
        .expect("200")
        .into_inner();
    let types::SetupResponseOutput::CompleteResponse(signed_in) = finished else {
        panic!("a known email signs in");
    };
    assert_eq!(signed_in.matrix.access_token, TOKEN, "the fake's own token");
    assert_eq!(server.token(), TOKEN);
    assert_eq!(signed_in.matrix.user_id, "@jane.doe:beeper.com");
    assert!(!signed_in.matrix.device_id.is_empty() && !signed_in.matrix.homeserver.is_empty());
    assert_eq!(
        signed_in.session.state.0, "needs-verification",
        "the default"
    );
    let account = signed_in.session.matrix.expect("signed in");
    assert_eq!(account.user_id, "@jane.doe:beeper.com");
    assert_eq!(account.device_id, signed_in.matrix.device_id);

    // The session says so too, to the token now accepted.
    let (status, session) = with_token(&server, reqwest::Method::GET, "/v1/app/setup").await;
    assert_eq!(status, 200);
    assert_eq!(session["matrix"]["userID"], "@jane.doe:beeper.com");
    assert!(session["matrix"].get("accessToken").is_none(), "{session}");
    assert_eq!(with_token(&server, reqwest::Method::GET, LIST).await.0, 200);
}

#[tokio::test]
async fn a_fake_started_signed_out_refuses_its_token_until_sign_in() {
    let server = signed_out()
        .sign_in_code("135790")
        .start()
        .await
        .expect("starts");
    for (method, path) in [
        (reqwest::Method::GET, LIST),
        (reqwest::Method::POST, LIST),
        (
            reqwest::Method::POST,
            "/v1/app/setup/verification/recovery-key/reset",
        ),
    ] {
        let (status, body) = with_token(&server, method.clone(), path).await;
        assert_refused(status, &body, 401, "UNAUTHORIZED");
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains("signed in")),
            "{method} {path}: says why: {body}"
        );
        assert!(!body.to_string().contains(TOKEN));
    }
    // The session stays public while signed out, with the token or without.
    let (status, session, _) =
        send_raw(&server, reqwest::Method::GET, "/v1/app/setup", None, None).await;
    assert_eq!(
        (status, session["state"].as_str()),
        (200, Some("needs-login"))
    );
    assert_eq!(
        with_token(&server, reqwest::Method::GET, "/v1/app/setup")
            .await
            .0,
        200
    );
    let (status, body, _) = send_raw(
        &server,
        reqwest::Method::GET,
        "/v1/app/setup",
        Some("Bearer not-the-token"),
        None,
    )
    .await;
    assert_refused(status, &body, 401, "UNAUTHORIZED");

    let id = start(&server).await;
    mail(&server, &id, KNOWN).await;
    assert_eq!(answer(&server, &id, "135790").await.0, 200);
    assert_eq!(with_token(&server, reqwest::Method::GET, LIST).await.0, 200);
    // A wrong token is still refused, and the session needs the token now.
    let (status, body, _) = send_raw(
        &server,
        reqwest::Method::GET,
        LIST,
        Some("Bearer nope"),
        None,
    )
    .await;
    assert_refused(status, &body, 401, "UNAUTHORIZED");
    let (status, body, _) =
        send_raw(&server, reqwest::Method::GET, "/v1/app/setup", None, None).await;
    assert_refused(status, &body, 401, "UNAUTHORIZED");

    // Signed out at run time: sign-in is possible again, and the token stays accepted.
    server.set_session_state(FakeSessionState::NeedsLogin);
    assert_eq!(with_token(&server, reqwest::Method::GET, LIST).await.0, 200);
    let again = start(&server).await;
    mail(&server, &again, KNOWN).await;
    let (status, body) = answer(&server, &again, "135790").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["matrix"]["accessToken"], TOKEN, "the same token");
}

#[tokio::test]
async fn a_new_sign_in_does_not_show_the_verification_of_the_device_before() {
    // Signed out by hand and in again, the session still showed the verification of the
    // device before, as if the new one had it.
    let server = FakeServer::builder()
        .token(TOKEN)
        .account(KNOWN)
        .start()
        .await
        .expect("starts");
    server.peer().request();
    let (status, before) = with_token(&server, reqwest::Method::GET, "/v1/app/setup").await;
    assert_eq!(status, 200, "{before}");
    assert!(before["verification"].is_object(), "{before}");

    server.set_session_state(FakeSessionState::NeedsLogin);
    let id = start(&server).await;
    let code = mail(&server, &id, KNOWN).await;
    let (status, signed_in) = answer(&server, &id, &code).await;
    assert_eq!(status, 200, "{signed_in}");
    assert!(
        signed_in["session"]
            .get("verification")
            .is_none_or(Value::is_null),
        "{signed_in}"
    );
    let (status, after) = with_token(&server, reqwest::Method::GET, "/v1/app/setup").await;
    assert_eq!(status, 200, "{after}");
    assert!(
        after.get("verification").is_none_or(Value::is_null),
        "{after}"
    );
}

#[tokio::test]
async fn a_state_set_by_hand_other_than_needs_login_counts_as_signed_in() {
    let server = signed_out().start().await.expect("starts");
    assert_eq!(with_token(&server, reqwest::Method::GET, LIST).await.0, 401);
    server.set_session_state(FakeSessionState::NeedsSecrets);
    assert_eq!(with_token(&server, reqwest::Method::GET, LIST).await.0, 200);
}

#[tokio::test]
async fn a_fake_started_signed_in_accepts_its_token_from_the_start() {
    let server = FakeServer::builder()
        .token(TOKEN)
        .start()
        .await
        .expect("starts");
    assert_eq!(with_token(&server, reqwest::Method::GET, LIST).await.0, 200);
}

#[tokio::test]
async fn the_sign_in_calls_ignore_an_authorization_header() {
    let server = signed_out()
        .sign_in_code("1")
        .start()
        .await
        .expect("starts");
    let mut id = String::new();
    for auth in [
        Some("Bearer not-the-token"),
        Some("Basic dXNlcjpwYXNz"),
        Some(&*format!("Bearer {TOKEN}")),
        None,
    ] {
        let (status, body, _) = send_raw(&server, reqwest::Method::POST, START, auth, None).await;
        assert_eq!(status, 200, "{auth:?}: {body}");
        id = body["setupRequestID"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let email = json!({ "email": KNOWN, "setupRequestID": id }).to_string();
        let (status, body, _) =
            send_raw(&server, reqwest::Method::POST, EMAIL, auth, Some(email)).await;
        assert_eq!(status, 204, "{auth:?}: {body}");
    }
    let code = json!({ "response": "1", "setupRequestID": id }).to_string();
    let (status, body, _) = send_raw(
        &server,
        reqwest::Method::POST,
        RESPONSE,
        Some("Bearer wrong"),
        Some(code),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_new_email_registers_a_free_username_after_accepting_the_terms() {
    let server = FakeServer::builder()
        .session_state(FakeSessionState::NeedsLogin)
        .account("jane@example.com")
        .state_after_sign_in(FakeSessionState::Ready)
        .start()
        .await
        .expect("starts");
    let client = public_client(&server);
    let id = start(&server).await;
    let code = mail(&server, &id, "Jane+news@Other.example").await;
    let finished = client
        .finish_setup_sign_in(&types::SetupResponseRequest {
            response: code,
            setup_request_id: id.clone(),
        })
        .await
        .expect("200")
        .into_inner();
    let types::SetupResponseOutput::RegistrationRequiredResponse(required) = finished else {
        panic!("an unknown email must register");
    };
    assert!(required.registration_required);
    assert_eq!(required.setup_request_id, id);
    assert_eq!(required.copy.submit, "Continue");
    assert_eq!(
        required.copy.terms,
        "By continuing, you agree to the Terms of Use and acknowledge the Privacy Policy."
    );
    assert_eq!(required.copy.title, "Choose your username");
    assert_eq!(required.copy.username_placeholder, "Username");
    assert_eq!(
        required.username_suggestions,
        ["jane1", "jane2", "jane3"],
        "from the local part, without the tag; jane is taken"
    );
    let lead = required.lead_token;
    assert!(!lead.is_empty());

    // The terms must be accepted, and the username given.
    let (status, body) = register(&server, &id, &lead, "jane1", false).await;
    assert_refused(status, &body, 422, "VALIDATION_ERROR");
    assert_eq!(
        body["details"]["issues"][0]["path"],
        json!(["body", "acceptTerms"])
    );
    let (status, body) = register(&server, &id, &lead, "", true).await;
    assert_refused(status, &body, 422, "VALIDATION_ERROR");
    assert_eq!(
        body["details"]["issues"][0]["path"],
        json!(["body", "username"])
    );
    let (status, body) = register(&server, &id, &lead, "jane doe", true).await;
    assert_refused(status, &body, 422, "VALIDATION_ERROR");
    let (status, body) = post(
        &server,
        REGISTER,
        json!({ "leadToken": lead, "setupRequestID": id, "username": "x" }),
    )
    .await;
    assert_refused(status, &body, 422, "VALIDATION_ERROR");
    assert_eq!(
        body["details"]["issues"][0]["path"],
        json!(["body", "acceptTerms"])
    );
    // A taken username leaves the attempt open for another.
    let (status, body) = register(&server, &id, &lead, "JANE", true).await;
    assert_refused(status, &body, 409, "USERNAME_TAKEN");
    assert_eq!(
        server.requests_for(Operation::RegisterSetupAccount).len(),
        5
    );

    let created = client
        .register_setup_account(&types::SetupRegisterRequest {
            accept_terms: true,
            lead_token: lead.clone(),
            setup_request_id: id.clone(),
            username: "Jane1".try_into().expect("a username"),
        })
        .await
        .expect("200")
        .into_inner();
    assert_eq!(created.matrix.user_id, "@jane1:beeper.com");
    assert_eq!(created.matrix.access_token, server.token());
    assert_eq!(created.session.state.0, "ready", "state_after_sign_in");

    // The email is an account now, and its username taken.
    server.set_session_state(FakeSessionState::NeedsLogin);
    let again = start(&server).await;
    let code = mail(&server, &again, "JANE+NEWS@OTHER.EXAMPLE").await;
    let (status, body) = answer(&server, &again, &code).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["matrix"]["userID"], "@jane1:beeper.com");
    assert!(body.get("registrationRequired").is_none());
    server.set_session_state(FakeSessionState::NeedsLogin);
    let third = start(&server).await;
    let code = mail(&server, &third, "jane@third.example").await;
    let (_, body) = answer(&server, &third, &code).await;
    assert_eq!(
        body["usernameSuggestions"],
        json!(["jane2", "jane3", "jane4"])
    );
}

#[tokio::test]
async fn every_refusal_has_its_status_and_code() {
    let server = signed_out()
        .sign_in_code("777777")
        .start()
        .await
        .expect("starts");

    // An unknown setup request, at every step.
    for (path, body) in [
        (
            EMAIL,
            json!({ "email": KNOWN, "setupRequestID": "setup_nope" }),
        ),
        (
            RESPONSE,
            json!({ "response": "777777", "setupRequestID": "setup_nope" }),
        ),
        (
            REGISTER,
            json!({ "acceptTerms": true, "leadToken": "l", "setupRequestID": "setup_nope", "username": "u" }),
        ),
    ] {
        let (status, body) = post(&server, path, body).await;
        assert_refused(status, &body, 404, "SETUP_REQUEST_NOT_FOUND");
        assert!(!body.to_string().contains("setup_nope"), "{body}");
    }

    // A code before any was mailed.
    let id = start(&server).await;
    let (status, body) = answer(&server, &id, "777777").await;
    assert_refused(status, &body, 409, "NO_SIGN_IN_CODE_SENT");

    // A wrong code: the attempt stays open, and the right one works after it.
    mail(&server, &id, "new@example.com").await;
    let (status, body) = answer(&server, &id, "000000").await;
    assert_refused(status, &body, 400, "INVALID_SIGN_IN_CODE");
    assert_eq!(body["details"]["triesLeft"], MAX_WRONG_SIGN_IN_CODES - 1);
    let (status, body) = answer(&server, &id, "777777").await;
    assert_eq!(status, 200, "{body}");
    let lead = body["leadToken"].as_str().expect("a lead token").to_owned();

    // The code once used: the same code, another, or a new mail.
    for code in ["777777", "000000"] {
        let (status, body) = answer(&server, &id, code).await;
        assert_refused(status, &body, 409, "SIGN_IN_CODE_USED");
    }
    let (status, body) = post(
        &server,
        EMAIL,
        json!({ "email": KNOWN, "setupRequestID": id }),
    )
    .await;
    assert_refused(status, &body, 409, "SIGN_IN_CODE_USED");

    // A lead token not issued for this attempt: made up, or another attempt's.
    let other = start(&server).await;
    mail(&server, &other, "other@example.com").await;
    let (_, body) = answer(&server, &other, "777777").await;
    let other_lead = body["leadToken"].as_str().expect("a lead token").to_owned();
    for wrong in ["lead_made_up", &other_lead] {
        let (status, body) = register(&server, &id, wrong, "newbie", true).await;
        assert_refused(status, &body, 400, "INVALID_LEAD_TOKEN");
    }
    // A lead token where none was issued (the code not used yet).
    let fresh = start(&server).await;
    let (status, body) = register(&server, &fresh, &lead, "newbie", true).await;
    assert_refused(status, &body, 400, "INVALID_LEAD_TOKEN");

    // A taken username: a known account's local part.
    let (status, body) = register(&server, &id, &lead, "Jane.Doe", true).await;
    assert_refused(status, &body, 409, "USERNAME_TAKEN");
    assert_eq!(register(&server, &id, &lead, "newbie", true).await.0, 200);

    // Signed in: every sign-in call.
    for (path, body) in [
        (START, json!({})),
        (EMAIL, json!({ "email": KNOWN, "setupRequestID": other })),
        (
            RESPONSE,
            json!({ "response": "777777", "setupRequestID": other }),
        ),
        (
            REGISTER,
            json!({ "acceptTerms": true, "leadToken": other_lead, "setupRequestID": other, "username": "u" }),
        ),
    ] {
        let (status, body) = post(&server, path, body).await;
        assert_refused(status, &body, 409, "ALREADY_SIGNED_IN");
        assert_eq!(body["details"]["state"], "needs-verification");
    }
    // A lead token used once is used up.
    server.set_session_state(FakeSessionState::NeedsLogin);
    let (status, body) = register(&server, &id, &lead, "newbie2", true).await;
    assert_refused(status, &body, 400, "INVALID_LEAD_TOKEN");

    // Malformed bodies.
    for (path, body) in [
        (EMAIL, json!({})),
        (EMAIL, json!({ "email": 5, "setupRequestID": other })),
        (
            EMAIL,
            json!({ "email": "no-at-sign", "setupRequestID": other }),
        ),
        (RESPONSE, json!({ "setupRequestID": other })),
        (
            REGISTER,
            json!({ "acceptTerms": "yes", "leadToken": other_lead, "setupRequestID": other, "username": "u" }),
        ),
    ] {
        let (status, answer) = post(&server, path, body.clone()).await;
        assert_refused(status, &answer, 422, "VALIDATION_ERROR");
        assert!(
            answer["details"]["issues"][0]["path"][0] == "body",
            "{body}: {answer}"
        );
    }
}

#[tokio::test]
async fn too_many_wrong_codes_close_the_attempt() {
    let server = signed_out()
        .sign_in_code("24680")
        .start()
        .await
        .expect("starts");
    let id = start(&server).await;
    mail(&server, &id, KNOWN).await;
    for left in (0..MAX_WRONG_SIGN_IN_CODES).rev() {
        let (status, body) = answer(&server, &id, "13579").await;
        assert_refused(status, &body, 400, "INVALID_SIGN_IN_CODE");
        assert_eq!(body["details"]["triesLeft"], left, "{body}");
        if left == 0 {
            let message = body["message"].as_str().unwrap_or_default();
            assert!(message.contains("closed"), "{message}");
        }
    }
    // Closed: the right code, or a new mail, find no attempt.
    let (status, body) = answer(&server, &id, "24680").await;
    assert_refused(status, &body, 404, "SETUP_REQUEST_NOT_FOUND");
    let (status, body) = post(
        &server,
        EMAIL,
        json!({ "email": KNOWN, "setupRequestID": id }),
    )
    .await;
    assert_refused(status, &body, 404, "SETUP_REQUEST_NOT_FOUND");
    // A resend does not reset the count: it is per attempt.
    let next = start(&server).await;
    mail(&server, &next, KNOWN).await;
    for _ in 1..MAX_WRONG_SIGN_IN_CODES {
        answer(&server, &next, "13579").await;
    }
    mail(&server, &next, KNOWN).await;
    let (status, body) = answer(&server, &next, "13579").await;
    assert_eq!(
        (status, &body["details"]["triesLeft"]),
        (400, &json!(0)),
        "{body}"
    );
    assert_eq!(answer(&server, &next, "24680").await.0, 404);
}

#[tokio::test]
async fn setup_requests_and_the_outbox_are_bounded() {
    assert_eq!(DEFAULT_MAX_SETUP_REQUESTS, 1_000);
    let server = signed_out()
        .sign_in_code("5")
        .max_setup_requests(3)
        .start()
        .await
        .expect("starts");
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(start(&server).await);
    }
    let (status, body) = post(&server, START, json!({})).await;
    assert_refused(status, &body, 507, "TOO_MANY_SETUP_REQUESTS");
    assert_eq!(body["details"]["max"], 3);
    // An attempt that signed in makes room; open ones are never dropped.
    mail(&server, &ids[0], KNOWN).await;
    assert_eq!(answer(&server, &ids[0], "5").await.0, 200);
    server.set_session_state(FakeSessionState::NeedsLogin);
    start(&server).await;
    for open in &ids[1..] {
        assert_eq!(mail(&server, open, KNOWN).await, "5");
    }

    // The outbox keeps the latest OUTBOX_SIZE mails.
    let server = signed_out().seed(3).start().await.expect("starts");
    let id = start(&server).await;
    let mut last = String::new();
    for n in 0..OUTBOX_SIZE + 5 {
        last = mail(&server, &id, &format!("n{n}@example.com")).await;
    }
    let outbox = server.outbox();
    assert_eq!(outbox.len(), OUTBOX_SIZE);
    assert_eq!(outbox[0].email, "n5@example.com", "the oldest went");
    let (_, over_http, _) =
        send_raw(&server, reqwest::Method::GET, "/_fake/outbox", None, None).await;
    assert_eq!(
        over_http["messages"].as_array().map(Vec::len),
        Some(OUTBOX_SIZE)
    );
    // Only the latest code counts; clearing the outbox leaves it valid.
    let (_, cleared, _) = send_raw(
        &server,
        reqwest::Method::DELETE,
        "/_fake/outbox",
        None,
        None,
    )
    .await;
    assert_eq!(cleared, Value::Null, "204, no body");
    assert!(server.outbox().is_empty());
    let (status, body) = answer(&server, &id, &last).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn the_outbox_control_follows_the_rules_of_every_control() {
    let server = signed_out().start().await.expect("starts");
    let response = common::raw(
        &server,
        "GET /_fake/outbox HTTP/1.1\r\nhost: attacker.example\r\n",
        b"",
    )
    .await;
    assert_eq!(response.status, 421, "{response:?}");
    let response = common::raw(
        &server,
        "GET /_fake/outbox HTTP/1.1\r\nhost: localhost\r\n",
        b"",
    )
    .await;
    assert_eq!(
        (response.status, response.json()),
        (200, json!({ "messages": [] }))
    );
}

#[tokio::test]
async fn the_same_seed_draws_the_same_ids_and_codes() {
    let mut runs = Vec::new();
    for _ in 0..2 {
        let server = signed_out().seed(11).start().await.expect("starts");
        let id = start(&server).await;
        let code = mail(&server, &id, "new@example.com").await;
        let (_, body) = answer(&server, &id, &code).await;
        runs.push((id, code, body["leadToken"].clone()));
    }
    assert_eq!(runs[0], runs[1]);
}

#[tokio::test]
async fn the_sign_in_operations_are_recorded_and_take_faults() {
    let server = signed_out()
        .sign_in_code("9999")
        .start()
        .await
        .expect("starts");
    server.add_fault(Fault::status(503).on(Operation::StartSetup).times(1));
    let (status, body) = post(&server, START, json!({})).await;
    assert_refused(status, &body, 503, "FAULT_INJECTED");
    let id = start(&server).await;
    server.add_fault(
        Fault::drop_connection()
            .on(Operation::FinishSetupSignIn)
            .times(1),
    );
    mail(&server, &id, KNOWN).await;
    let dropped = reqwest::Client::new()
        .post(format!("{}{RESPONSE}", server.base_url()))
        .json(&json!({ "response": "9999", "setupRequestID": id }))
        .send()
        .await;
    let failed = match dropped {
        Err(_) => true,
        Ok(response) => response.bytes().await.is_err(),
    };
    assert!(failed, "the connection was dropped");
    assert_eq!(
        answer(&server, &id, "9999").await.0,
        200,
        "the code was not used"
    );
    let named: Vec<Option<Operation>> = server.requests().iter().map(|r| r.operation).collect();
    assert_eq!(
        named,
        [
            Some(Operation::StartSetup),
            Some(Operation::StartSetup),
            Some(Operation::SendSetupEmail),
            Some(Operation::FinishSetupSignIn),
            Some(Operation::FinishSetupSignIn),
        ]
    );
}

#[tokio::test]
async fn the_builder_refuses_what_cannot_work_without_repeating_a_secret() {
    let refused = |builder: beeper_verification_fake::FakeServerBuilder| async move {
        builder
            .start()
            .await
            .err()
            .map(|e| (e.kind(), e.to_string()))
    };
    let (kind, message) = refused(FakeServer::builder().account("not-an-email"))
        .await
        .expect("refused");
    assert_eq!(kind, std::io::ErrorKind::InvalidInput);
    assert!(message.contains("not-an-email"), "{message}");
    for code in ["", "12 34", "hunter2\n"] {
        let (kind, message) = refused(FakeServer::builder().sign_in_code(code))
            .await
            .expect("refused");
        assert_eq!(kind, std::io::ErrorKind::InvalidInput);
        assert!(
            !message.contains("hunter2") && !message.contains("12 34"),
            "{message}"
        );
    }
    let (_, message) =
        refused(FakeServer::builder().state_after_sign_in(FakeSessionState::NeedsLogin))
            .await
            .expect("refused");
    assert!(message.contains("needs-login"), "{message}");
    // Debug output of the options and the server shows none of the secrets.
    let builder = FakeServer::builder()
        .token("tok-hidden-1")
        .sign_in_code("code-hidden-2")
        .recovery_key("key hidden 3");
    let shown = format!("{builder:?}");
    let server = builder.start().await.expect("starts");
    let shown = format!("{shown} {server:?}");
    for secret in ["tok-hidden-1", "code-hidden-2", "key hidden 3"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
}

/// The code, the lead token and the token never appear in the record (in Rust or over HTTP),
/// in an error, or in the Debug output of the server or the outbox.
#[tokio::test]
async fn secrets_stay_out_of_the_record_and_the_errors() {
    const CODE: &str = "C0DE-4e8a1";
    let server = signed_out()
        .sign_in_code(CODE)
        .start()
        .await
        .expect("starts");
    let mut errors = Vec::new();
    let id = start(&server).await;
    mail(&server, &id, "someone@example.com").await;
    // Wrong codes, a code of the wrong type, a body that is not JSON, then the right code.
    let (_, body) = answer(&server, &id, &format!("{CODE}x")).await;
    errors.push(body.to_string());
    let (status, body) = post(
        &server,
        RESPONSE,
        json!({ "response": 4_812_009, "setupRequestID": id }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(!body.to_string().contains("4812009"), "{body}");
    errors.push(body.to_string());
    let (status, body, text) = send_raw(
        &server,
        reqwest::Method::POST,
        RESPONSE,
        None,
        Some(format!(r#"{{"response": "{CODE}", "setupRequestID": "#)),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    errors.push(text);
    let (status, body) = answer(&server, &id, CODE).await;
    assert_eq!(status, 200, "{body}");
    let lead = body["leadToken"].as_str().expect("a lead token").to_owned();
    // Wrong lead tokens, a lead token of the wrong type, then the right one.
    let (_, body) = register(&server, &id, &format!("{lead}x"), "someone", true).await;
    errors.push(body.to_string());
    let (status, body) = post(
        &server,
        REGISTER,
        json!({ "acceptTerms": true, "leadToken": 99_887_766, "setupRequestID": id, "username": "someone" }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(!body.to_string().contains("99887766"), "{body}");
    errors.push(body.to_string());
    let (status, body) = register(&server, &id, &lead, "someone", true).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["matrix"]["accessToken"], TOKEN);
    // Sent back anyway, by a careless client: the record hides it too.
    post(
        &server,
        START,
        json!({ "matrix": { "accessToken": TOKEN } }),
    )
    .await;
    // Signed in: every sign-in call refuses, without repeating what it was sent.
    let (_, body) = answer(&server, &id, CODE).await;
    errors.push(body.to_string());
    let (_, body) = register(&server, &id, &lead, "someone", true).await;
    errors.push(body.to_string());

    let (_, _, over_http) =
        send_raw(&server, reqwest::Method::GET, "/_fake/requests", None, None).await;
    let recorded = format!("{:?}", server.requests());
    let debug = format!("{server:?} {:?}", server.outbox());
    assert!(recorded.contains("[redacted]"), "{recorded}");
    for (what, text) in [
        ("the record over HTTP", &over_http),
        ("the record in Rust", &recorded),
        ("the Debug output", &debug),
        ("an error", &errors.join("\n")),
    ] {
        for secret in [CODE, lead.as_str(), TOKEN] {
            assert!(!text.contains(secret), "{secret} in {what}: {text}");
        }
    }
}
