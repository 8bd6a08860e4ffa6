//! The contract check of the fake server: every response it sends in the SAS, QR and error
//! flows is validated against the spec's JSON schemas by an independent JSON Schema validator,
//! never through the generated client's types (which the fake builds its answers from, so a
//! mistake in the generator would pass every test that decodes with them).
//!
//! The wrapper drives each flow as an app would, through a recording proxy on loopback that
//! keeps every exchange as bytes. Each exchange is then matched to its operation by method and
//! path template, and checked against what the spec documents for that status: the body
//! against the response schema (objects closed: a field the spec does not name is a
//! violation, so a renamed field cannot hide), an error's `details` against the schema the
//! response's `x-error-details` names, the required response headers, and the content type.
//! Requests the wrapper sent are checked against the request body schemas the same way.
//!
//! The last tests show that the check can fail: an unknown enum value, a body that is not JSON,
//! a renamed field in a copy of the spec.

//!
//! The parts: [`schema`] (the spec as JSON Schema), [`proxy`] (the recording proxy), [`check`]
//! (an exchange against the spec); the flows are below, and [`can_fail`] shows the check failing.

mod can_fail;
mod check;
mod proxy;
mod schema;

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{Value, json};

use axum::http::{HeaderValue, StatusCode, header};
use beeper_verification::{
    CancelVerification, Client, CreateVerification, Error, VerificationState, WaitOptions,
};
use beeper_verification_fake::{FakeServer, FakeSessionState, Fault, Operation, PeerMethod};

use check::{Report, check};
use proxy::Proxy;
use schema::Contract;

/// A fake, a recording proxy in front of it, the proxy's base URL, and a wrapper client that
/// talks to the proxy.
async fn setup(server: FakeServer) -> (FakeServer, Proxy, String, Client) {
    let (proxy, base_url) = Proxy::start(&server).await;
    let client = client_for(&base_url, server.token());
    (server, proxy, base_url, client)
}

fn client_for(base_url: &str, token: &str) -> Client {
    Client::builder()
        .base_url(base_url)
        .access_token(token)
        .max_retries(0)
        .wait_options(
            WaitOptions::default()
                .min_delay(Duration::from_millis(10))
                .max_delay(Duration::from_millis(50))
                .max_wait(Duration::from_secs(30)),
        )
        .build()
        .expect("a client")
}

/// A verification this device starts.
async fn create(client: &Client) -> beeper_verification::Verification {
    client
        .verifications()
        .create(CreateVerification::default())
        .await
        .expect("created")
}

/// A client for what the wrapper would refuse to send: no proxy, no token of its own.
fn raw_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("a plain client")
}

async fn fake() -> FakeServer {
    FakeServer::start().await.expect("the fake starts")
}

/// The operations and statuses the SAS flow must have produced, to be sure it ran whole.
const SAS_FLOW: &[(&str, u16)] = &[
    ("getSetup", 200),
    ("createVerification", 200),
    ("listVerifications", 200),
    ("getVerification", 200),
    ("startVerificationSas", 200),
    ("confirmVerificationSas", 200),
    ("cancelVerification", 200),
];

const QR_FLOW: &[(&str, u16)] = &[
    ("createVerification", 200),
    ("acceptVerification", 200),
    ("getVerification", 200),
    ("confirmVerificationQrScanned", 200),
    ("scanVerificationQr", 200),
];

const ERROR_FLOW: &[(&str, u16)] = &[
    ("getSetup", 200),
    ("getSetup", 401),
    ("listVerifications", 401),
    ("getVerification", 404),
    ("confirmVerificationSas", 409),
    ("createVerification", 422),
    ("cancelVerification", 422),
    ("scanVerificationQr", 400),
    ("scanVerificationQr", 422),
    ("getVerification", 400),
    ("getVerification", 401),
    ("acceptVerification", 403),
    ("listVerifications", 429),
    ("getVerification", 500),
];

/// The recovery key: verified, reset, the reset confirmed, and each refusal the fake answers.
const RECOVERY_FLOW: &[(&str, u16)] = &[
    ("verifyRecoveryKey", 200),
    ("verifyRecoveryKey", 400),
    ("verifyRecoveryKey", 401),
    ("verifyRecoveryKey", 409),
    ("resetRecoveryKey", 200),
    ("resetRecoveryKey", 400),
    ("resetRecoveryKey", 409),
    ("confirmRecoveryKeyReset", 200),
    ("confirmRecoveryKeyReset", 400),
    ("confirmRecoveryKeyReset", 409),
];

/// Sign-in: a known account, a new one through registration, and each refusal the fake
/// answers (codes it chose: the API documents none).
const SIGN_IN_FLOW: &[(&str, u16)] = &[
    ("getSetup", 200),
    ("startSetup", 200),
    ("startSetup", 409),
    ("sendSetupEmail", 204),
    ("sendSetupEmail", 404),
    ("finishSetupSignIn", 200),
    ("finishSetupSignIn", 400),
    ("finishSetupSignIn", 404),
    ("finishSetupSignIn", 409),
    ("registerSetupAccount", 200),
    ("registerSetupAccount", 400),
    ("registerSetupAccount", 409),
    ("registerSetupAccount", 422),
];

/// Checks what the proxy recorded: no violation, and every `(operation, status)` expected
/// was seen, so a flow that stopped early cannot pass.
fn assert_clean_and_covering(
    contract: &Contract,
    proxy: &Proxy,
    requests_too: bool,
    expected: &[(&str, u16)],
) {
    let report = check(contract, &proxy.take(), requests_too);
    report.assert_clean();
    assert_covers(&report, expected);
}

fn assert_covers(report: &Report, expected: &[(&str, u16)]) {
    for (operation, status) in expected {
        assert!(
            report.seen.contains(&((*operation).to_owned(), *status)),
            "the flow never produced {operation} -> {status}; it saw {:?}",
            report.seen
        );
    }
}

#[tokio::test]
async fn every_response_of_the_sas_flow_matches_the_spec() {
    let contract = Contract::load();
    let (server, proxy, _, client) = setup(fake().await).await;

    client.session().await.expect("the session");
    let started = create(&client).await;
    client.verifications().list().await.expect("listed");
    server.peer().accept(&started.id).expect("the peer accepts");
    let handle = client.verification(&started.id);
    handle
        .wait_until(VerificationState::Ready)
        .await
        .expect("ready");
    let sas = handle.start_sas().await.expect("the emoji");
    assert!(sas.sas.is_some(), "the emoji are there to compare");
    handle.confirm_sas().await.expect("confirmed");
    server
        .peer()
        .confirm_sas(&started.id)
        .expect("the peer confirms");
    handle
        .wait_until(VerificationState::Done)
        .await
        .expect("done");
    client.session().await.expect("the session, verified");

    // A second verification, cancelled by this device.
    let second = create(&client).await;
    client
        .verification(&second.id)
        .cancel(CancelVerification::by_user("Not now."))
        .await
        .expect("cancelled");

    assert_clean_and_covering(&contract, &proxy, true, SAS_FLOW);
}

#[tokio::test]
async fn every_response_of_the_qr_flows_matches_the_spec() {
    let contract = Contract::load();
    let (server, proxy, _, client) = setup(fake().await).await;

    // This device shows its code; the other device scans it.
    let shown = create(&client).await;
    server.peer().accept(&shown.id).expect("the peer accepts");
    let handle = client.verification(&shown.id);
    let ready = handle
        .wait_until(VerificationState::Ready)
        .await
        .expect("ready");
    assert!(ready.qr.is_some(), "a code to show");
    server
        .peer()
        .scan_our_qr(&shown.id)
        .expect("the peer scans");
    handle
        .wait_until(VerificationState::QrScanned)
        .await
        .expect("scanned");
    handle.confirm_qr_scanned().await.expect("confirmed");
    handle
        .wait_until(VerificationState::Done)
        .await
        .expect("done");

    // The other device asks; this device accepts and scans the other device's code.
    let incoming = server.peer().request();
    client
        .verification(incoming.as_str())
        .accept()
        .await
        .expect("accepted");
    let payload = server.peer().qr_code(&incoming).expect("the peer's code");
    client
        .verifications()
        .scan_qr(payload)
        .await
        .expect("scanned");
    client
        .verification(incoming.as_str())
        .get()
        .await
        .expect("read");

    assert_clean_and_covering(&contract, &proxy, true, QR_FLOW);
}

#[tokio::test]
async fn every_error_the_fake_sends_matches_the_spec() {
    let contract = Contract::load();
    let server = FakeServer::builder()
        .session_state(FakeSessionState::NeedsLogin)
        .start()
        .await
        .expect("the fake starts");
    let (server, proxy, base, client) = setup(server).await;
    let raw = raw_client();

    // 200 without a token: getSetup is public while signed out.
    let answer = raw
        .get(format!("{base}/v1/app/setup"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(answer.status(), StatusCode::OK);

    // 401: signed in, a wrong token; getSetup is no longer public.
    server.set_session_state(FakeSessionState::NeedsVerification);
    let stranger = client_for(&base, "not-the-token");
    for refused in [
        stranger.session().await.map(|_| ()),
        stranger.verifications().list().await.map(|_| ()),
    ] {
        assert_eq!(refused.map_err(|e| e.status()), Err(Some(401)));
    }

    // 404: an ID the server does not know.
    assert!(
        client
            .verification("no-such-verification")
            .get()
            .await
            .is_err()
    );

    // 409: an action the state does not allow.
    let started = create(&client).await;
    let refused = client.verification(&started.id).confirm_sas().await;
    assert!(
        matches!(refused, Err(Error::ActionNotAvailable { .. })),
        "{refused:?}"
    );

    // 422: bodies the server cannot take (sent raw; the wrapper would refuse to build them).
    let token = server.token().to_owned();
    for (path, body) in [
        (
            "/v1/app/setup/verifications".to_owned(),
            r#"{"purpose": 7}"#,
        ),
        (
            "/v1/app/setup/verifications".to_owned(),
            r#"{"purpose": "bogus"}"#,
        ),
        (
            format!("/v1/app/setup/verifications/{}/cancel", started.id),
            r#"{"code": "#,
        ),
        ("/v1/app/setup/verifications/qr/scan".to_owned(), "{}"),
    ] {
        let answer = raw
            .post(format!("{base}{path}"))
            .bearer_auth(&token)
            .header(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )
            .body(body)
            .send()
            .await
            .expect("an answer");
        assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY, "{path}");
    }

    // 400: a QR payload that is no code at all, and an ID that is no text (sent raw).
    assert!(client.verifications().scan_qr("not a code").await.is_err());
    let answer = raw
        .get(format!("{base}/v1/app/setup/verifications/%FF"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("an answer");
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);

    // 401 without a token at all, now that getSetup is not public.
    let answer = raw
        .get(format!("{base}/v1/app/setup/verifications/{}", started.id))
        .send()
        .await
        .expect("an answer");
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);

    // 403, 429 and 500 as the fault rules make them (statuses the spec documents).
    server.add_fault(
        Fault::status(403)
            .on(Operation::AcceptVerification)
            .times(1),
    );
    assert_eq!(
        client
            .verification(&started.id)
            .accept()
            .await
            .map_err(|e| e.status())
            .err(),
        Some(Some(403))
    );
    server.add_fault(
        Fault::status(429)
            .retry_after(Duration::from_secs(1))
            .on(Operation::ListVerifications)
            .times(1),
    );
    server.add_fault(Fault::status(500).on(Operation::GetVerification).times(1));
    assert!(client.verifications().list().await.is_err());
    assert!(client.verification(&started.id).get().await.is_err());

    assert_clean_and_covering(&contract, &proxy, false, ERROR_FLOW);
}

#[tokio::test]
async fn every_response_of_the_fakes_other_flows_matches_the_spec() {
    // What the fake's own tests drive besides the flows above: the other device playing its
    // side by itself through a guided flow, a verification that times out, one the other
    // device cancels and one that fails, and every session state.
    let contract = Contract::load();
    let server = FakeServer::builder()
        .auto_peer(PeerMethod::Sas, Duration::from_millis(20))
        .verification_timeout(Duration::from_millis(300))
        .start()
        .await
        .expect("the fake starts");
    let (server, proxy, _, client) = setup(server).await;

    let session = client
        .verify_with_sas(CreateVerification::default(), |_sas| async { true })
        .await
        .expect("verified with the automatic peer");
    assert!(session.is_ready());

    // A request the other device sends and nobody answers: cancelled with m.timeout.
    server.set_session_state(FakeSessionState::NeedsVerification);
    let stale = server.peer().request();
    client
        .verification(stale.as_str())
        .wait_until(VerificationState::Cancelled)
        .await
        .expect("timed out");
    // One the other device cancels, one that fails.
    for end in ["cancel", "fail"] {
        let id = server.peer().request();
        match end {
            "cancel" => server.peer().cancel(&id, Some("m.user"), Some("Not now.")),
            _ => server
                .peer()
                .fail(&id, "m.key_mismatch", "The keys do not match."),
        }
        .expect("ended");
        client.verification(id.as_str()).get().await.expect("read");
    }
    for state in FakeSessionState::ALL {
        server.set_session_state(*state);
        client.session().await.expect("the session");
    }
    client.verifications().list().await.expect("listed");

    let report = check(&contract, &proxy.take(), true);
    report.assert_clean();
    let states: BTreeSet<u16> = report.seen.iter().map(|(_, status)| *status).collect();
    assert_eq!(states, BTreeSet::from([200]), "{:?}", report.seen);
}

/// Posts `body` (none when `None`) to the API with `token` (none when `None`); the status and
/// the JSON answer.
async fn post_raw(
    base: &str,
    token: Option<&str>,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = raw_client().post(format!("{base}{path}"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let answer = request.send().await.expect("an answer");
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn every_response_of_the_recovery_key_flows_matches_the_spec() {
    // Raw requests: the wrapper's recovery-key calls are not the subject here.
    const KEY: &str = "EsTc 9bD2 ZJxL AZ7p 3W5v tuGm PhEN 6qrY cVkX 8s4a Fy1H oLdQ";
    const VERIFY: &str = "/v1/app/setup/verification/recovery-key";
    const RESET: &str = "/v1/app/setup/verification/recovery-key/reset";
    const CONFIRM: &str = "/v1/app/setup/verification/recovery-key/reset/confirm";
    let contract = Contract::load();
    let server = FakeServer::builder()
        .recovery_key(KEY)
        .session_state(FakeSessionState::NeedsSecrets)
        .start()
        .await
        .expect("the fake starts");
    let (server, proxy, base, _) = setup(server).await;
    let token = server.token().to_owned();
    let token = Some(token.as_str());
    let key = |k: &str| Some(json!({ "recoveryKey": k }));

    assert_eq!(post_raw(&base, None, VERIFY, key(KEY)).await.0, 401);
    assert_eq!(
        post_raw(&base, token, VERIFY, key("EsTc nope")).await.0,
        400
    );
    let (status, body) = post_raw(&base, token, VERIFY, key(KEY)).await;
    assert_eq!((status, &body["session"]["state"]), (200, &json!("ready")));
    assert_eq!(post_raw(&base, token, VERIFY, key(KEY)).await.0, 409);

    let wrong_existing = Some(json!({ "existingRecoveryKey": "EsTc nope" }));
    assert_eq!(post_raw(&base, token, RESET, wrong_existing).await.0, 400);
    assert_eq!(post_raw(&base, token, RESET, None).await.0, 200);
    let (status, body) = post_raw(&base, token, RESET, Some(json!({}))).await;
    assert_eq!(status, 200);
    let new_key = body["recoveryKey"].as_str().expect("a new key").to_owned();
    assert_eq!(post_raw(&base, token, CONFIRM, key(KEY)).await.0, 400);
    assert_eq!(post_raw(&base, token, CONFIRM, key(&new_key)).await.0, 200);
    assert_eq!(post_raw(&base, token, CONFIRM, key(&new_key)).await.0, 409);

    server.set_session_state(FakeSessionState::NeedsLogin);
    assert_eq!(post_raw(&base, token, RESET, Some(json!({}))).await.0, 409);

    assert_clean_and_covering(&contract, &proxy, true, RECOVERY_FLOW);
}

#[tokio::test]
async fn every_response_of_the_sign_in_flows_matches_the_spec() {
    // Raw requests, without a token: the four calls are public, and the wrapper's sign-in is
    // not the subject here.
    const START: &str = "/v1/app/setup/start";
    const EMAIL: &str = "/v1/app/setup/email";
    const RESPONSE: &str = "/v1/app/setup/response";
    const REGISTER: &str = "/v1/app/setup/register";
    const CODE: &str = "424242";
    let contract = Contract::load();
    let server = FakeServer::builder()
        .session_state(FakeSessionState::NeedsLogin)
        .account("known@example.com")
        .sign_in_code(CODE)
        .start()
        .await
        .expect("the fake starts");
    let (server, proxy, base, _) = setup(server).await;
    // A client without a token: a fake started signed out knows none until sign-in.
    let signed_out = Client::builder()
        .base_url(&base)
        .max_retries(0)
        .build()
        .expect("a client without a token");
    signed_out
        .session()
        .await
        .expect("the state, public while signed out");

    // A known account: start, a wrong code, a code before any was sent, the right one.
    let (status, started) = post_raw(&base, None, START, None).await;
    assert_eq!(status, 200, "{started}");
    let attempt = started["setupRequestID"]
        .as_str()
        .expect("an ID")
        .to_owned();
    let with = |extra: Value| {
        let mut body = json!({ "setupRequestID": attempt });
        if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
            body.extend(extra);
        }
        Some(body)
    };
    assert_eq!(
        post_raw(&base, None, RESPONSE, with(json!({ "response": CODE })))
            .await
            .0,
        409,
        "no code was sent yet"
    );
    let email = |e: &str| with(json!({ "email": e }));
    let unknown = Some(json!({ "setupRequestID": "nope", "email": "known@example.com" }));
    assert_eq!(post_raw(&base, None, EMAIL, unknown).await.0, 404);
    assert_eq!(
        post_raw(&base, None, EMAIL, email("known@example.com"))
            .await
            .0,
        204
    );
    assert_eq!(
        post_raw(&base, None, RESPONSE, with(json!({ "response": "000000" })))
            .await
            .0,
        400
    );
    let unknown = Some(json!({ "setupRequestID": "nope", "response": CODE }));
    assert_eq!(post_raw(&base, None, RESPONSE, unknown).await.0, 404);
    let (status, signed_in) =
        post_raw(&base, None, RESPONSE, with(json!({ "response": CODE }))).await;
    assert_eq!(status, 200, "{signed_in}");
    assert_eq!(signed_in["matrix"]["accessToken"], json!(server.token()));
    assert_eq!(post_raw(&base, None, START, None).await.0, 409, "signed in");

    // A new address: registration, a refused lead token, a taken name, no terms.
    server.set_session_state(FakeSessionState::NeedsLogin);
    let (_, started) = post_raw(&base, None, START, None).await;
    let attempt = started["setupRequestID"]
        .as_str()
        .expect("an ID")
        .to_owned();
    let with = |extra: Value| {
        let mut body = json!({ "setupRequestID": attempt });
        if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
            body.extend(extra);
        }
        Some(body)
    };
    assert_eq!(
        post_raw(
            &base,
            None,
            EMAIL,
            with(json!({ "email": "new@example.com" }))
        )
        .await
        .0,
        204
    );
    let (status, required) =
        post_raw(&base, None, RESPONSE, with(json!({ "response": CODE }))).await;
    assert_eq!(
        (status, &required["registrationRequired"]),
        (200, &json!(true)),
        "{required}"
    );
    let lead = required["leadToken"]
        .as_str()
        .expect("a lead token")
        .to_owned();
    let register = |lead: &str, username: &str, terms: Value| {
        with(json!({ "leadToken": lead, "username": username, "acceptTerms": terms }))
    };
    assert_eq!(
        post_raw(
            &base,
            None,
            REGISTER,
            register("not-it", "newcomer", json!(true))
        )
        .await
        .0,
        400
    );
    assert_eq!(
        post_raw(&base, None, REGISTER, register(&lead, "known", json!(true)))
            .await
            .0,
        409,
        "the name of a known account"
    );
    assert_eq!(
        post_raw(
            &base,
            None,
            REGISTER,
            register(&lead, "newcomer", json!(false))
        )
        .await
        .0,
        422
    );
    let (status, registered) = post_raw(
        &base,
        None,
        REGISTER,
        register(&lead, "newcomer", json!(true)),
    )
    .await;
    assert_eq!(status, 200, "{registered}");
    assert!(registered["matrix"]["accessToken"].is_string());

    assert_clean_and_covering(&contract, &proxy, true, SIGN_IN_FLOW);
}

#[test]
fn the_flows_reach_every_operation_of_the_spec() {
    let contract = Contract::load();
    let reached: BTreeSet<&str> = [SAS_FLOW, QR_FLOW, ERROR_FLOW, RECOVERY_FLOW, SIGN_IN_FLOW]
        .iter()
        .flat_map(|flow| flow.iter())
        .filter(|(_, status)| (200..300).contains(status))
        .map(|(operation, _)| *operation)
        .collect();
    for operation in contract.operations() {
        assert!(
            reached.contains(operation.id.as_str()),
            "no flow of the contract check answers {} ({} {}) with a 2xx: add it to a flow",
            operation.id,
            operation.method,
            operation.path
        );
    }
}
