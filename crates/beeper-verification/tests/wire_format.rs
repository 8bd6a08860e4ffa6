//! Every operation of the wrapper on the wire: method, path, headers and exact body, and the
//! typed models it decodes the documented example into.

mod common;

use beeper_verification::{
    Action, CancelCode, CancelVerification, CreateVerification, Direction, Method, Purpose,
    SessionState, Verification, VerificationState,
};
use common::{TOKEN, client, fixture, fixture_about};
use httpmock::Method::{GET, POST};
use httpmock::{Mock, MockServer};
use serde_json::json;

/// Expects exactly this request, with the token and our user agent, and answers the example.
async fn expect<'a>(
    server: &'a MockServer,
    method: httpmock::Method,
    path: &str,
    body: Option<&str>,
) -> Mock<'a> {
    let is_get = matches!(method, GET);
    // The verification the path names, as the answer must be about it.
    let about = path
        .strip_prefix("/v1/app/setup/verifications/")
        .and_then(|rest| rest.split('/').next())
        .filter(|id| *id != "qr")
        .map_or_else(|| "id".to_owned(), |id| id.replace("%2F", "/"));
    server
        .mock_async(|when, then| {
            let when = when
                .method(method)
                .path(path)
                .header("authorization", format!("Bearer {TOKEN}"))
                .header_prefix("user-agent", "beeper-verification-rust/");
            match body {
                Some(exact) => {
                    when.body(exact).header("content-type", "application/json");
                }
                None if is_get => {}
                None => {
                    when.body("");
                }
            }
            then.status(200).json_body(fixture_about(&about));
        })
        .await
}

/// The example, about the verification `id`.
fn assert_example(v: &Verification, id: &str) {
    assert_eq!(v.id, id);
    assert_eq!(v.state, VerificationState::Requested);
    assert_eq!(v.available_actions, [Action::Accept]);
    assert!(v.can(Action::Accept) && !v.can(Action::SasConfirm));
    assert_eq!(v.direction, Direction::Incoming);
    assert_eq!(v.methods, [Method::Qr]);
    assert_eq!(v.purpose, Purpose::Login);
    assert_eq!(
        v.error.as_ref().map(|e| (&e.code, e.reason.as_str())),
        Some((&CancelCode::from("code"), "reason"))
    );
    assert_eq!(
        v.other_device.as_ref().and_then(|d| d.name.as_deref()),
        Some("name")
    );
    assert_eq!(
        v.other_user_id.as_ref().map(|u| u.as_str()),
        Some("otherUserID")
    );
    assert_eq!(v.qr.as_ref().map(|q| q.data.as_str()), Some("data"));
    assert_eq!(
        v.sas.as_ref().and_then(|s| s.decimals_text.as_deref()),
        Some("decimals")
    );
    assert!(!v.is_terminal());
    // The models serialize back to the wire JSON, field for field.
    let wire = serde_json::to_value(v).expect("serializes");
    assert_eq!(wire, fixture_about(id)["verification"]);
}

#[tokio::test]
async fn session_gets_the_setup_state() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/app/setup")
                .header("authorization", format!("Bearer {TOKEN}"));
            then.status(200).json_body(fixture()["session"].clone());
        })
        .await;
    let session = client(&server).session().await.expect("200");
    mock.assert_async().await;
    assert_eq!(session.state, SessionState::NeedsLogin);
    assert!(!session.is_ready());
    assert!(session.e2ee.secrets.self_signing_key);
    let matrix = session.matrix.as_ref().expect("matrix");
    assert_eq!(
        (matrix.device_id.as_str(), matrix.user_id.as_str()),
        ("deviceID", "userID")
    );
    assert_example(session.verification.as_ref().expect("a verification"), "id");
    // The session serializes back to the wire JSON, field for field.
    let mut wire = serde_json::to_value(&session).expect("serializes");
    wire["e2ee"]["recoveryKeyGeneratedAt"] = json!(0);
    assert_eq!(wire, fixture()["session"]);
}

#[tokio::test]
async fn list_returns_the_items() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup/verifications");
            then.status(200)
                .json_body(json!({ "items": [fixture()["verification"].clone()] }));
        })
        .await;
    let items = client(&server).verifications().list().await.expect("200");
    mock.assert_async().await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].state, VerificationState::Requested);
}

#[tokio::test]
async fn create_sends_an_empty_object_by_default() {
    let server = MockServer::start_async().await;
    let mock = expect(&server, POST, "/v1/app/setup/verifications", Some("{}")).await;
    let response = client(&server)
        .verifications()
        .create(CreateVerification::default())
        .await
        .expect("200");
    mock.assert_async().await;
    assert_example(&response, "id");
}

#[tokio::test]
async fn create_sends_purpose_and_user_id() {
    let server = MockServer::start_async().await;
    let body = r#"{"purpose":"device","userID":"@bob:beeper.com"}"#;
    let mock = expect(&server, POST, "/v1/app/setup/verifications", Some(body)).await;
    let params = CreateVerification::default()
        .purpose(Purpose::Device)
        .user_id("@bob:beeper.com");
    client(&server)
        .verifications()
        .create(params)
        .await
        .expect("200");
    mock.assert_async().await;
}

#[tokio::test]
async fn get_gets_one_verification() {
    let server = MockServer::start_async().await;
    let mock = expect(&server, GET, "/v1/app/setup/verifications/v-1", None).await;
    let response = client(&server)
        .verification("v-1")
        .get()
        .await
        .expect("200");
    mock.assert_async().await;
    assert_example(&response, "v-1");
}

#[tokio::test]
async fn accept_posts_nothing() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        POST,
        "/v1/app/setup/verifications/v-1/accept",
        None,
    )
    .await;
    let response = client(&server)
        .verification("v-1")
        .accept()
        .await
        .expect("200");
    mock.assert_async().await;
    assert_example(&response, "v-1");
}

#[tokio::test]
async fn cancel_sends_an_empty_object_by_default() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        POST,
        "/v1/app/setup/verifications/v-1/cancel",
        Some("{}"),
    )
    .await;
    client(&server)
        .verification("v-1")
        .cancel(CancelVerification::default())
        .await
        .expect("200");
    mock.assert_async().await;
}

#[tokio::test]
async fn cancel_for_a_mismatch_sends_its_matrix_code() {
    let server = MockServer::start_async().await;
    let body = r#"{"code":"m.mismatched_sas","reason":"The emoji or numbers did not match."}"#;
    let mock = expect(
        &server,
        POST,
        "/v1/app/setup/verifications/v-1/cancel",
        Some(body),
    )
    .await;
    client(&server)
        .verification("v-1")
        .cancel(CancelVerification::mismatched_sas())
        .await
        .expect("200");
    mock.assert_async().await;
}

#[tokio::test]
async fn cancel_with_a_code_alone_sends_just_the_code() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        POST,
        "/v1/app/setup/verifications/v-1/cancel",
        Some(r#"{"code":"m.user"}"#),
    )
    .await;
    client(&server)
        .verification("v-1")
        .cancel(CancelCode::User)
        .await
        .expect("200");
    mock.assert_async().await;
}

#[tokio::test]
async fn qr_scan_sends_the_payload() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        POST,
        "/v1/app/setup/verifications/qr/scan",
        Some(r#"{"data":"QR-PAYLOAD"}"#),
    )
    .await;
    let response = client(&server)
        .verifications()
        .scan_qr("QR-PAYLOAD")
        .await
        .expect("200");
    mock.assert_async().await;
    assert_example(&response, "id");
}

#[tokio::test]
async fn qr_confirm_scanned_posts_nothing() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        POST,
        "/v1/app/setup/verifications/v-1/qr/confirm-scanned",
        None,
    )
    .await;
    client(&server)
        .verification("v-1")
        .confirm_qr_scanned()
        .await
        .expect("200");
    mock.assert_async().await;
}

#[tokio::test]
async fn sas_start_posts_nothing() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        POST,
        "/v1/app/setup/verifications/v-1/sas/start",
        None,
    )
    .await;
    client(&server)
        .verification("v-1")
        .start_sas()
        .await
        .expect("200");
    mock.assert_async().await;
}

#[tokio::test]
async fn sas_confirm_posts_nothing() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        POST,
        "/v1/app/setup/verifications/v-1/sas/confirm",
        None,
    )
    .await;
    client(&server)
        .verification("v-1")
        .confirm_sas()
        .await
        .expect("200");
    mock.assert_async().await;
}

#[tokio::test]
async fn an_id_with_a_slash_goes_out_as_one_segment() {
    let server = MockServer::start_async().await;
    let mock = expect(&server, GET, "/v1/app/setup/verifications/a%2Fb", None).await;
    client(&server)
        .verification("a/b")
        .get()
        .await
        .expect("200");
    mock.assert_async().await;
}

#[tokio::test]
async fn a_base_url_path_prefix_is_kept() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/beeper/v1/app/setup");
            then.status(200).json_body(fixture()["session"].clone());
        })
        .await;
    let client = beeper_verification::Client::builder()
        .base_url(format!("{}/beeper/", server.base_url()))
        .access_token(TOKEN)
        .build()
        .expect("valid");
    client.session().await.expect("200");
    mock.assert_async().await;
}

#[tokio::test]
async fn a_user_agent_suffix_is_appended() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/app/setup")
                .header_suffix("user-agent", " my-app/1.2");
            then.status(200).json_body(fixture()["session"].clone());
        })
        .await;
    let client = beeper_verification::Client::builder()
        .base_url(server.base_url())
        .access_token(TOKEN)
        .user_agent("my-app/1.2")
        .build()
        .expect("valid");
    client.session().await.expect("200");
    mock.assert_async().await;
}

#[tokio::test]
async fn a_custom_reqwest_client_still_sends_the_token() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/app/setup")
                .header("authorization", format!("Bearer {TOKEN}"));
            then.status(200).json_body(fixture()["session"].clone());
        })
        .await;
    let client = beeper_verification::Client::builder()
        .base_url(server.base_url())
        .access_token(TOKEN)
        .http_client(
            reqwest::Client::builder()
                .no_proxy()
                .build()
                .expect("client"),
        )
        .allow_insecure_http(true)
        .build()
        .expect("valid");
    client.session().await.expect("200");
    mock.assert_async().await;
}
