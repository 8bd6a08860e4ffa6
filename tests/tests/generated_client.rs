//! The generated client against httpmock on loopback: for each of the 10 operations, the exact
//! method, path, `Authorization` header and JSON body it sends, and that the documentation's full
//! example response decodes with every field in place.

use beeper_verification_client::{Client, ClientInfo, Error, RequestHooks, types};
use httpmock::Method::{GET, POST};
use httpmock::{Mock, MockServer};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde_json::{Value, json};

const TOKEN: &str = "test-token-5f3a";

/// What a request must carry as its body.
enum Body {
    /// No body at all, and no `Content-Type`.
    None,
    /// Exactly these bytes, sent as `application/json`.
    Json(&'static str),
}

/// A generated client whose hooks add the bearer token to every request.
fn client(server: &MockServer) -> Client {
    let mut headers = HeaderMap::new();
    let bearer = HeaderValue::from_str(&format!("Bearer {TOKEN}")).expect("valid header");
    headers.insert(AUTHORIZATION, bearer);
    let hooks = RequestHooks::new(headers);
    Client::new_with_client(&server.base_url(), reqwest::Client::new(), hooks)
}

/// The documentation's example response of `GET .../verifications/{verificationID}`.
fn fixture() -> Value {
    let text =
        include_str!("../../crates/beeper-verification/tests/fixtures/verification-response.json");
    serde_json::from_str(text).expect("fixture is JSON")
}

/// Registers a mock that answers 200 with `response` only for exactly this request.
async fn expect<'a>(
    server: &'a MockServer,
    method: httpmock::Method,
    path: &str,
    body: Body,
    response: Value,
) -> Mock<'a> {
    server
        .mock_async(|when, then| {
            let is_get = matches!(method, GET);
            let when = when
                .method(method)
                .path(path)
                .header("authorization", format!("Bearer {TOKEN}"));
            match body {
                // httpmock refuses a body matcher on GET, where no body is the rule anyway.
                Body::None if is_get => {
                    when.header_missing("content-type");
                }
                Body::None => {
                    when.body("").header_missing("content-type");
                }
                Body::Json(exact) => {
                    when.body(exact).header("content-type", "application/json");
                }
            }
            then.status(200)
                .header("content-type", "application/json")
                .json_body(response);
        })
        .await
}

/// Numbers compared by value, so `0` and `0.0` are the same (the spec types them as `number`).
fn normalized(value: Value) -> Value {
    match value {
        Value::Number(n) => json!(n.as_f64()),
        Value::Array(items) => Value::Array(items.into_iter().map(normalized).collect()),
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, normalized(v))).collect())
        }
        other => other,
    }
}

/// Decoding then encoding gives back every field of the wire JSON: nothing was dropped.
fn assert_round_trips<T: serde::Serialize>(decoded: &T, wire: Value) {
    let encoded = serde_json::to_value(decoded).expect("encodes");
    assert_eq!(normalized(encoded), normalized(wire));
}

fn assert_full_response(response: &types::VerificationSessionResponse) {
    assert_round_trips(response, fixture());
    let verification = response
        .verification
        .as_ref()
        .expect("verification present");
    assert_eq!(verification.id, "id");
    assert_eq!(verification.state.0, "requested");
    assert_eq!(verification.available_actions[0].0, "accept");
    assert_eq!(
        verification
            .sas
            .as_ref()
            .and_then(|s| s.decimals.as_deref()),
        Some("decimals")
    );
    let session = &response.session;
    assert_eq!(session.state.0, "needs-login");
    assert!(session.e2ee.secrets.megolm_backup_key);
    assert_eq!(session.e2ee.recovery_key_generated_at, Some(0.0));
    assert_eq!(
        session.matrix.as_ref().map(|m| m.device_id.as_str()),
        Some("deviceID")
    );
}

fn id<T: std::str::FromStr>(raw: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    raw.parse().expect("valid verification ID")
}

#[tokio::test]
async fn get_setup_sends_get_with_bearer_and_decodes_the_whole_session() {
    let server = MockServer::start_async().await;
    let session = fixture()["session"].clone();
    let mock = expect(&server, GET, "/v1/app/setup", Body::None, session.clone()).await;
    let response = client(&server).get_setup().await.expect("200");
    mock.assert_async().await;
    assert_round_trips(&response.into_inner(), session);
}

#[tokio::test]
async fn list_verifications_decodes_items() {
    let server = MockServer::start_async().await;
    let list = json!({ "items": [fixture()["verification"].clone()] });
    let mock = expect(
        &server,
        GET,
        "/v1/app/setup/verifications",
        Body::None,
        list.clone(),
    )
    .await;
    let response = client(&server)
        .list_verifications()
        .await
        .expect("200")
        .into_inner();
    mock.assert_async().await;
    assert_eq!(response.items.len(), 1);
    assert_round_trips(&response, list);
}

#[tokio::test]
async fn create_verification_without_params_sends_empty_object() {
    let server = MockServer::start_async().await;
    let path = "/v1/app/setup/verifications";
    let mock = expect(&server, POST, path, Body::Json("{}"), fixture()).await;
    let body = types::CreateVerificationRequest::default();
    let response = client(&server)
        .create_verification(&body)
        .await
        .expect("200");
    mock.assert_async().await;
    assert_full_response(&response.into_inner());
}

#[tokio::test]
async fn create_verification_sends_purpose_and_user_id_by_wire_name() {
    let server = MockServer::start_async().await;
    let path = "/v1/app/setup/verifications";
    let sent = r#"{"purpose":"device","userID":"@alice:beeper.com"}"#;
    let mock = expect(&server, POST, path, Body::Json(sent), fixture()).await;
    let body = types::CreateVerificationRequest {
        purpose: Some(types::VerificationPurpose("device".into())),
        user_id: Some("@alice:beeper.com".into()),
    };
    client(&server)
        .create_verification(&body)
        .await
        .expect("200");
    mock.assert_async().await;
}

#[tokio::test]
async fn get_verification_decodes_the_documented_example() {
    let server = MockServer::start_async().await;
    let path = "/v1/app/setup/verifications/abc";
    let mock = expect(&server, GET, path, Body::None, fixture()).await;
    let response = client(&server)
        .get_verification(&id("abc"))
        .await
        .expect("200");
    mock.assert_async().await;
    assert_full_response(&response.into_inner());
}

#[tokio::test]
async fn accept_verification_posts_without_a_body() {
    let server = MockServer::start_async().await;
    let path = "/v1/app/setup/verifications/abc/accept";
    let mock = expect(&server, POST, path, Body::None, fixture()).await;
    let response = client(&server)
        .accept_verification(&id("abc"))
        .await
        .expect("200");
    mock.assert_async().await;
    assert_full_response(&response.into_inner());
}

#[tokio::test]
async fn cancel_verification_without_params_sends_empty_object() {
    let server = MockServer::start_async().await;
    let path = "/v1/app/setup/verifications/abc/cancel";
    let mock = expect(&server, POST, path, Body::Json("{}"), fixture()).await;
    let body = types::CancelVerificationRequest::default();
    let response = client(&server)
        .cancel_verification(&id("abc"), &body)
        .await
        .expect("200");
    mock.assert_async().await;
    assert_full_response(&response.into_inner());
}

#[tokio::test]
async fn cancel_verification_sends_code_and_reason() {
    let server = MockServer::start_async().await;
    let path = "/v1/app/setup/verifications/abc/cancel";
    let sent = r#"{"code":"m.mismatched_sas","reason":"The emoji did not match"}"#;
    let mock = expect(&server, POST, path, Body::Json(sent), fixture()).await;
    let body = types::CancelVerificationRequest {
        code: Some("m.mismatched_sas".into()),
        reason: Some("The emoji did not match".into()),
    };
    client(&server)
        .cancel_verification(&id("abc"), &body)
        .await
        .expect("200");
    mock.assert_async().await;
}

#[tokio::test]
async fn scan_verification_qr_sends_data() {
    let server = MockServer::start_async().await;
    let path = "/v1/app/setup/verifications/qr/scan";
    let mock = expect(
        &server,
        POST,
        path,
        Body::Json(r#"{"data":"TUFUUklY"}"#),
        fixture(),
    )
    .await;
    let body = types::QrScanRequest {
        data: "TUFUUklY".into(),
    };
    let response = client(&server)
        .scan_verification_qr(&body)
        .await
        .expect("200");
    mock.assert_async().await;
    assert_full_response(&response.into_inner());
}

#[tokio::test]
async fn confirm_verification_qr_scanned_posts_without_a_body() {
    let server = MockServer::start_async().await;
    let path = "/v1/app/setup/verifications/abc/qr/confirm-scanned";
    let mock = expect(&server, POST, path, Body::None, fixture()).await;
    let response = client(&server)
        .confirm_verification_qr_scanned(&id("abc"))
        .await
        .expect("200");
    mock.assert_async().await;
    assert_full_response(&response.into_inner());
}

#[tokio::test]
async fn start_verification_sas_posts_without_a_body() {
    let server = MockServer::start_async().await;
    let path = "/v1/app/setup/verifications/abc/sas/start";
    let mock = expect(&server, POST, path, Body::None, fixture()).await;
    let response = client(&server)
        .start_verification_sas(&id("abc"))
        .await
        .expect("200");
    mock.assert_async().await;
    assert_full_response(&response.into_inner());
}

#[tokio::test]
async fn confirm_verification_sas_posts_without_a_body() {
    let server = MockServer::start_async().await;
    let path = "/v1/app/setup/verifications/abc/sas/confirm";
    let mock = expect(&server, POST, path, Body::None, fixture()).await;
    let response = client(&server)
        .confirm_verification_sas(&id("abc"))
        .await
        .expect("200");
    mock.assert_async().await;
    assert_full_response(&response.into_inner());
}

#[test]
fn an_empty_verification_id_is_rejected_by_the_generated_type() {
    assert!("".parse::<types::GetVerificationVerificationId>().is_err());
}

#[tokio::test]
async fn a_slash_in_the_id_stays_inside_one_path_segment() {
    let server = MockServer::start_async().await;
    let path = "/v1/app/setup/verifications/a%2Fb";
    let mock = expect(&server, GET, path, Body::None, fixture()).await;
    client(&server)
        .get_verification(&id("a/b"))
        .await
        .expect("200");
    mock.assert_async().await;
}

#[tokio::test]
async fn enum_values_the_spec_does_not_know_still_decode() {
    let server = MockServer::start_async().await;
    let mut body = fixture();
    body["verification"]["state"] = json!("expired");
    body["verification"]["availableActions"] = json!(["sas.regenerate", "cancel"]);
    body["verification"]["direction"] = json!("sideways");
    body["verification"]["methods"] = json!(["nfc"]);
    body["verification"]["purpose"] = json!("recovery");
    body["session"]["state"] = json!("needs-coffee");
    let path = "/v1/app/setup/verifications/abc";
    expect(&server, GET, path, Body::None, body.clone()).await;
    let response = client(&server)
        .get_verification(&id("abc"))
        .await
        .expect("decodes")
        .into_inner();
    let verification = response
        .verification
        .as_ref()
        .expect("verification present");
    assert_eq!(verification.state.0, "expired");
    assert_eq!(verification.available_actions[0].0, "sas.regenerate");
    assert_eq!(response.session.state.0, "needs-coffee");
    assert_round_trips(&response, body);
}

#[tokio::test]
async fn optional_fields_may_be_absent_or_null() {
    let server = MockServer::start_async().await;
    let minimal = json!({
        "session": {
            "e2ee": fixture()["session"]["e2ee"].clone(),
            "state": "needs-verification",
            "matrix": null,
        },
        "verification": {
            "id": "v1", "availableActions": [], "direction": "outgoing", "methods": ["sas"],
            "purpose": "device", "state": "ready", "sas": null, "qr": null, "error": null,
            "unknownFieldFromANewerServer": true,
        },
    });
    let path = "/v1/app/setup/verifications/v1";
    expect(&server, GET, path, Body::None, minimal).await;
    let response = client(&server)
        .get_verification(&id("v1"))
        .await
        .expect("decodes")
        .into_inner();
    assert!(response.session.matrix.is_none());
    let verification = response.verification.expect("verification present");
    assert!(verification.sas.is_none() && verification.other_device.is_none());
}

#[tokio::test]
async fn every_documented_error_status_decodes_into_the_shared_error_type() {
    for status in [400u16, 401, 403, 404, 409, 422, 429, 500] {
        let server = MockServer::start_async().await;
        let error_body = json!({
            "message": format!("failed with {status}"),
            "code": "SOME_CODE",
            "details": { "issues": [{ "code": "invalid_type", "message": "Required", "path": ["body", "data"] }] },
        });
        server
            .mock_async(|when, then| {
                when.method(GET).path("/v1/app/setup/verifications/abc");
                then.status(status).json_body(error_body.clone());
            })
            .await;
        match client(&server).get_verification(&id("abc")).await {
            Err(Error::ErrorResponse(response)) => {
                assert_eq!(response.status().as_u16(), status);
                assert_eq!(response.message, format!("failed with {status}"));
                assert_eq!(response.code, "SOME_CODE");
                assert_eq!(
                    response
                        .details
                        .as_ref()
                        .map(|d| d["issues"][0]["path"][1].clone()),
                    Some(json!("data"))
                );
            }
            other => panic!("status {status}: expected the shared error type, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn an_undocumented_status_is_an_unexpected_response() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup");
            then.status(503).body("upstream down");
        })
        .await;
    match client(&server).get_setup().await {
        Err(Error::UnexpectedResponse(response)) => assert_eq!(response.status().as_u16(), 503),
        other => panic!("expected an unexpected-response error, got {other:?}"),
    }
}

/// The typed httpmock helpers generated behind the `mock` feature work end to end.
#[test]
fn generated_mock_helpers_match_the_operation() {
    use beeper_verification_client::mock::MockServerExt;

    let server = MockServer::start();
    let expected: types::VerificationSessionResponse =
        serde_json::from_value(fixture()).expect("fixture decodes");
    let verification_id: types::GetVerificationVerificationId = id("abc");
    let mock = server.get_verification(|when, then| {
        when.verification_id(&verification_id);
        then.ok(&expected);
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let response = runtime
        .block_on(client(&server).get_verification(&verification_id))
        .expect("200")
        .into_inner();
    mock.assert();
    assert_full_response(&response);
}

#[tokio::test]
async fn the_hooks_keep_the_status_and_headers_of_a_body_that_does_not_decode() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup/verifications/abc");
            then.status(500)
                .header("retry-after", "3")
                .body("<html>oops</html>");
        })
        .await;
    let client = client(&server);
    match client.get_verification(&id("abc")).await {
        Err(Error::InvalidResponsePayload(body, _)) => assert_eq!(&body[..], b"<html>oops</html>"),
        other => panic!("expected an undecodable payload, got {other:?}"),
    }
    let head = client
        .inner()
        .take_response_head()
        .expect("the hook recorded the response");
    assert_eq!(head.status.as_u16(), 500);
    assert_eq!(
        head.headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("3")
    );
    assert!(
        client.inner().take_response_head().is_none(),
        "taking leaves nothing behind"
    );
}

/// Hooks told which operation to expect refuse a call of another one before anything is sent,
/// and say which one it was: the wrapper relies on this so that the retry policy it chose for one
/// operation is never applied to another.
#[tokio::test]
async fn hooks_refuse_a_call_of_another_operation_before_sending_it() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|_, then| {
            then.status(200).json_body(json!({}));
        })
        .await;
    let hooks = RequestHooks::default()
        .expect_operation(beeper_verification_client::operations::GET_VERIFICATION.call);
    let client = Client::new_with_client(&server.base_url(), reqwest::Client::new(), hooks);
    let err = client
        .accept_verification(&id("v1"))
        .await
        .expect_err("refused");
    assert!(
        matches!(&err, Error::Custom(m) if m.contains("`accept_verification`") && m.contains("`get_verification`")),
        "{err:?}"
    );
    assert_eq!(client.inner().operation(), Some("accept_verification"));
    assert_eq!(any.calls_async().await, 0, "nothing was sent");
}
