//! The fake on the wire: authentication, error statuses and bodies, faults, the request record
//! and the `/_fake/` controls.

mod common;

use std::time::Duration;

use beeper_verification_client::{Error, types};
use beeper_verification_fake::{FakeServer, FakeSessionState, Fault, Operation};
use common::{client, id, verification};
use serde_json::{Value, json};

async fn send(
    server: &FakeServer,
    method: reqwest::Method,
    path: &str,
    body: Option<&str>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path}", server.base_url()))
        .bearer_auth(server.token())
        // The controls that change something need it, even without a body.
        .header("content-type", "application/json");
    if let Some(body) = body {
        request = request.body(body.to_owned());
    }
    let response = request.send().await.expect("the fake answers");
    let status = response.status().as_u16();
    let text = response.text().await.expect("a body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn assert_error_body(body: &Value, code: &str) {
    assert_eq!(body["code"], code, "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    let decoded: Result<types::ApiError, _> = serde_json::from_value(body.clone());
    assert!(decoded.is_ok(), "the spec's error type decodes {body}");
}

#[tokio::test]
async fn every_operation_needs_the_bearer_token() {
    let server = FakeServer::start().await.expect("starts");
    let http = reqwest::Client::new();
    for (method, path) in [
        ("GET", "/v1/app/setup"),
        ("GET", "/v1/app/setup/verifications"),
        ("POST", "/v1/app/setup/verifications"),
        ("GET", "/v1/app/setup/verifications/x"),
        ("POST", "/v1/app/setup/verifications/x/accept"),
        ("POST", "/v1/app/setup/verifications/x/cancel"),
        ("POST", "/v1/app/setup/verifications/qr/scan"),
        ("POST", "/v1/app/setup/verifications/x/qr/confirm-scanned"),
        ("POST", "/v1/app/setup/verifications/x/sas/start"),
        ("POST", "/v1/app/setup/verifications/x/sas/confirm"),
    ] {
        let url = format!("{}{path}", server.base_url());
        let method: reqwest::Method = method.parse().expect("method");
        for auth in [None, Some("Bearer wrong-token")] {
            let mut request = http.request(method.clone(), &url);
            if let Some(auth) = auth {
                request = request.header("authorization", auth);
            }
            let response = request.send().await.expect("answers");
            assert_eq!(
                response.status().as_u16(),
                401,
                "{method} {path} with {auth:?}"
            );
            let body: Value = response.json().await.expect("JSON");
            assert_error_body(&body, "UNAUTHORIZED");
        }
    }
}

#[tokio::test]
async fn an_unknown_verification_is_404() {
    let server = FakeServer::start().await.expect("starts");
    match client(&server).accept_verification(&id("nope")).await {
        Err(Error::ErrorResponse(e)) => {
            assert_eq!((e.status().as_u16(), e.code.as_str()), (404, "NOT_FOUND"))
        }
        other => panic!("expected 404, got {other:?}"),
    }
}

#[tokio::test]
async fn an_action_not_available_is_409_naming_the_state_and_the_allowed_actions() {
    let server = FakeServer::start().await.expect("starts");
    let vid = verification(
        client(&server)
            .create_verification(&Default::default())
            .await
            .expect("200")
            .into_inner(),
    )
    .id;
    let (status, body) = send(
        &server,
        reqwest::Method::POST,
        &format!("/v1/app/setup/verifications/{vid}/sas/confirm"),
        None,
    )
    .await;
    assert_eq!(status, 409);
    assert_error_body(&body, "ACTION_NOT_AVAILABLE");
    assert_eq!(
        body["details"],
        json!({ "state": "requested", "availableActions": ["cancel"] })
    );
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("requested") && message.contains("sas.confirm"),
        "{message}"
    );
}

#[tokio::test]
async fn a_malformed_body_is_422_naming_the_field() {
    let server = FakeServer::start().await.expect("starts");
    let scan = "/v1/app/setup/verifications/qr/scan";
    for (body, field, code) in [
        (Some("{}"), "data", "missing_field"),
        (None, "data", "missing_field"),
        (Some(r#"{"data": 5}"#), "data", "invalid_type"),
    ] {
        let (status, response) = send(&server, reqwest::Method::POST, scan, body).await;
        assert_eq!(status, 422, "{body:?}");
        assert_error_body(&response, "VALIDATION_ERROR");
        let issue = &response["details"]["issues"][0];
        assert_eq!(
            (issue["path"].clone(), issue["code"].as_str()),
            (json!(["body", field]), Some(code)),
            "{response}"
        );
    }
    let (status, response) = send(
        &server,
        reqwest::Method::POST,
        "/v1/app/setup/verifications",
        Some(r#"{"purpose":"fun"}"#),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        response["details"]["issues"][0]["path"],
        json!(["body", "purpose"])
    );
    let (status, _) = send(
        &server,
        reqwest::Method::POST,
        "/v1/app/setup/verifications",
        Some("{not json"),
    )
    .await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn unknown_routes_and_methods_get_json_errors() {
    let server = FakeServer::start().await.expect("starts");
    let (status, body) = send(&server, reqwest::Method::GET, "/v1/nothing/here", None).await;
    assert_eq!(status, 404);
    assert_error_body(&body, "NOT_FOUND");
    let (status, body) = send(&server, reqwest::Method::DELETE, "/v1/app/setup", None).await;
    assert_eq!(status, 405);
    assert_error_body(&body, "METHOD_NOT_ALLOWED");
}

#[tokio::test]
async fn a_status_fault_answers_the_next_n_requests_then_stops() {
    let server = FakeServer::start().await.expect("starts");
    server.add_fault(Fault::status(503).on(Operation::GetSetup).times(2));
    let client = client(&server);
    for _ in 0..2 {
        match client.get_setup().await {
            Err(Error::UnexpectedResponse(r)) => assert_eq!(r.status().as_u16(), 503),
            other => panic!("expected 503, got {other:?}"),
        }
    }
    client.get_setup().await.expect("the fault is used up");
    client
        .list_verifications()
        .await
        .expect("other operations were never affected");
}

#[tokio::test]
async fn a_status_fault_that_is_no_error_status_answers_500_and_says_so() {
    let server = FakeServer::start().await.expect("starts");
    for status in [101, 200, 304, 1000] {
        server.add_fault(Fault::status(status).times(1));
        let (answered, body) = send(&server, reqwest::Method::GET, "/v1/app/setup", None).await;
        assert_eq!(answered, 500, "{status}");
        assert_error_body(&body, "FAULT_INJECTED");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(message.contains(&status.to_string()), "{message}");
    }
}

#[tokio::test]
async fn a_rate_limit_fault_sends_retry_after() {
    let server = FakeServer::start().await.expect("starts");
    server.add_fault(Fault::rate_limited(Duration::from_secs(2)).times(1));
    let response = reqwest::Client::new()
        .get(format!("{}/v1/app/setup", server.base_url()))
        .bearer_auth(server.token())
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("2")
    );
}

#[tokio::test]
async fn a_dropped_connection_is_a_transport_error() {
    let server = FakeServer::start().await.expect("starts");
    server.add_fault(Fault::drop_connection().times(1));
    let result = client(&server).get_setup().await;
    assert!(
        matches!(
            result,
            Err(Error::CommunicationError(_) | Error::ResponseBodyError(_))
        ),
        "{result:?}"
    );
    client(&server)
        .get_setup()
        .await
        .expect("the next request is served");
}

#[tokio::test]
async fn a_malformed_json_fault_does_not_decode() {
    let server = FakeServer::start().await.expect("starts");
    server.add_fault(
        Fault::malformed_json()
            .on(Operation::ListVerifications)
            .times(1),
    );
    let result = client(&server).list_verifications().await;
    assert!(
        matches!(result, Err(Error::InvalidResponsePayload(..))),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_unknown_enum_fault_sends_a_state_the_spec_does_not_know() {
    let server = FakeServer::start().await.expect("starts");
    let client = client(&server);
    let vid = verification(
        client
            .create_verification(&Default::default())
            .await
            .expect("200")
            .into_inner(),
    )
    .id;
    server.add_fault(Fault::unknown_enum().times(1));
    let response = client
        .get_verification(&id(&vid))
        .await
        .expect("still decodes")
        .into_inner();
    assert_eq!(verification(response.clone()).state.0, "expired");
    assert_eq!(
        response.session.verification.map(|v| v.state.0),
        Some("expired".into())
    );
}

#[tokio::test(start_paused = true)]
async fn a_latency_fault_delays_the_response() {
    let server = FakeServer::start().await.expect("starts");
    server.add_fault(Fault::latency(Duration::from_secs(30)).on(Operation::GetSetup));
    let started = tokio::time::Instant::now();
    client(&server).get_setup().await.expect("200");
    assert!(
        started.elapsed() >= Duration::from_secs(30),
        "the paused clock moved past the delay"
    );
}

#[tokio::test]
async fn every_request_is_recorded_with_method_path_headers_and_body() {
    let server = FakeServer::start().await.expect("starts");
    let body = types::CancelVerificationRequest {
        code: Some("m.user".into()),
        reason: None,
    };
    let _ = client(&server).cancel_verification(&id("a/b"), &body).await;
    let recorded = server.requests();
    assert_eq!(recorded.len(), 1);
    let r = &recorded[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/v1/app/setup/verifications/a%2Fb/cancel")
    );
    assert_eq!(r.operation, Some(Operation::CancelVerification));
    assert_eq!(r.header("Authorization"), Some("Bearer [redacted]"));
    assert_eq!(r.body, r#"{"code":"m.user"}"#);
    server.clear_requests();
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn the_http_controls_drive_the_other_device_and_the_faults() {
    let server = FakeServer::start().await.expect("starts");
    let (status, created) = send(
        &server,
        reqwest::Method::POST,
        "/_fake/peer/requests",
        Some(r#"{"methods":["sas"]}"#),
    )
    .await;
    assert_eq!(status, 200);
    let vid = created["id"].as_str().expect("an id").to_owned();
    client(&server)
        .accept_verification(&id(&vid))
        .await
        .expect("200");
    let (status, _) = send(
        &server,
        reqwest::Method::POST,
        &format!("/_fake/peer/{vid}/sas/start"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = send(
        &server,
        reqwest::Method::POST,
        &format!("/_fake/peer/{vid}/qr/scan"),
        None,
    )
    .await;
    assert_eq!(
        status, 409,
        "the other device cannot scan in sas_ready: {body}"
    );
    assert_error_body(&body, "PEER_MOVE_NOT_POSSIBLE");
    assert_eq!(
        body["details"],
        json!({ "state": "sas_ready" }),
        "no made-up actions"
    );
    let (status, _) = send(
        &server,
        reqwest::Method::POST,
        &format!("/_fake/peer/{vid}/cancel"),
        Some(r#"{"code":"m.user"}"#),
    )
    .await;
    assert_eq!(status, 200);
    let v = verification(
        client(&server)
            .get_verification(&id(&vid))
            .await
            .expect("200")
            .into_inner(),
    );
    assert_eq!(v.state.0, "cancelled");

    let fault = r#"{"kind":"status","status":500,"operation":"getSetup","times":1}"#;
    let (status, _) = send(&server, reqwest::Method::POST, "/_fake/faults", Some(fault)).await;
    assert_eq!(status, 204);
    let (status, _) = send(&server, reqwest::Method::GET, "/v1/app/setup", None).await;
    assert_eq!(status, 500);
    let (status, _) = send(
        &server,
        reqwest::Method::PUT,
        "/_fake/session",
        Some(r#"{"state":"needs-login"}"#),
    )
    .await;
    assert_eq!(status, 204);
    let (_, session) = send(&server, reqwest::Method::GET, "/v1/app/setup", None).await;
    assert_eq!(session["state"], "needs-login");
    assert!(session.get("matrix").is_none(), "no account before sign-in");
    let (_, recorded) = send(&server, reqwest::Method::GET, "/_fake/requests", None).await;
    assert!(
        recorded.as_array().is_some_and(|r| r.len() >= 8),
        "{recorded}"
    );
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let server = FakeServer::start().await.expect("starts");
    let base = server.base_url().to_owned();
    server.shutdown().await;
    assert!(reqwest::get(format!("{base}/v1/app/setup")).await.is_err());
}

#[tokio::test]
async fn every_response_carries_the_desktop_version() {
    let server = FakeServer::builder()
        .desktop_version("4.1.2-test")
        .start()
        .await
        .expect("starts");
    assert_eq!(server.desktop_version(), "4.1.2-test");
    let vid = server.peer().request();
    let token = server.token().to_owned();
    let auth = format!("authorization: Bearer {token}\r\n");
    let json = "content-type: application/json\r\n";
    server.add_fault(Fault::status(503).on(Operation::ListVerifications).times(1));
    server.add_fault(Fault::malformed_json().on(Operation::GetSetup).times(1));
    for (head, body, status) in [
        (
            format!("GET /v1/app/setup HTTP/1.1\r\nhost: localhost\r\n{auth}"),
            "",
            200,
        ),
        (
            format!("GET /v1/app/setup/verifications HTTP/1.1\r\nhost: localhost\r\n{auth}"),
            "",
            503,
        ),
        (
            format!("GET /v1/app/setup HTTP/1.1\r\nhost: localhost\r\n{auth}"),
            "",
            200,
        ),
        (
            format!("GET /v1/app/setup/verifications/{vid} HTTP/1.1\r\nhost: localhost\r\n"),
            "",
            401,
        ),
        (
            format!("GET /v1/app/setup/verifications/nope HTTP/1.1\r\nhost: localhost\r\n{auth}"),
            "",
            404,
        ),
        (
            format!("DELETE /v1/app/setup HTTP/1.1\r\nhost: localhost\r\n{auth}"),
            "",
            405,
        ),
        (
            format!(
                "POST /v1/app/setup/verifications/{vid}/sas/confirm HTTP/1.1\r\nhost: localhost\r\n{auth}"
            ),
            "",
            409,
        ),
        (
            format!(
                "POST /v1/app/setup/verifications/qr/scan HTTP/1.1\r\nhost: localhost\r\n{auth}{json}"
            ),
            "{}",
            422,
        ),
        (
            format!("POST /_fake/peer/requests HTTP/1.1\r\nhost: localhost\r\n{json}"),
            "{}",
            200,
        ),
        (
            "DELETE /_fake/faults HTTP/1.1\r\nhost: localhost\r\n".to_owned(),
            "",
            204,
        ),
        (
            "POST /_fake/faults HTTP/1.1\r\nhost: localhost\r\n".to_owned(),
            "{}",
            415,
        ),
        (
            "GET /v1/app/setup HTTP/1.1\r\nhost: attacker.example\r\n".to_owned(),
            "",
            421,
        ),
    ] {
        let response = common::raw(&server, &head, body.as_bytes()).await;
        assert_eq!(response.status, status, "{head}: {response:?}");
        assert_eq!(
            response.header("x-beeper-desktop-version"),
            Some("4.1.2-test"),
            "{head}: {response:?}"
        );
    }
}

#[tokio::test]
async fn the_default_desktop_version_is_sent_and_a_bad_one_refused() {
    let server = FakeServer::start().await.expect("starts");
    let response = reqwest::Client::new()
        .get(format!("{}/v1/app/setup", server.base_url()))
        .bearer_auth(server.token())
        .send()
        .await
        .expect("answers");
    assert_eq!(
        response
            .headers()
            .get("x-beeper-desktop-version")
            .and_then(|v| v.to_str().ok()),
        Some(beeper_verification_fake::DEFAULT_DESKTOP_VERSION)
    );
    for bad in ["", "4.1\r\nset-cookie: x=y"] {
        let error = FakeServer::builder()
            .desktop_version(bad)
            .start()
            .await
            .err()
            .map(|e| e.kind());
        assert_eq!(error, Some(std::io::ErrorKind::InvalidInput), "{bad:?}");
    }
}

#[tokio::test]
async fn get_setup_is_public_while_signed_out_and_only_then() {
    let server = FakeServer::builder()
        .session_state(FakeSessionState::NeedsLogin)
        .start()
        .await
        .expect("starts");
    let http = reqwest::Client::new();
    let get = |path: &str, token: Option<&str>| {
        let mut request = http.get(format!("{}{path}", server.base_url()));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move {
            let response = request.send().await.expect("answers");
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap_or_default())
        }
    };
    let (status, session) = get("/v1/app/setup", None).await;
    assert_eq!((status, &session["state"]), (200, &json!("needs-login")));
    assert_eq!(get("/v1/app/setup", Some(server.token())).await.0, 200);
    let (status, body) = get("/v1/app/setup", Some("wrong-token")).await;
    assert_eq!(status, 401, "a token that is sent is checked: {body}");
    assert_error_body(&body, "UNAUTHORIZED");
    assert_eq!(
        get("/v1/app/setup/verifications", None).await.0,
        401,
        "only getSetup is public"
    );

    // Signed in: the token is needed again.
    server.set_session_state(FakeSessionState::NeedsVerification);
    let (status, body) = get("/v1/app/setup", None).await;
    assert_eq!(status, 401, "{body}");
    assert_error_body(&body, "UNAUTHORIZED");
    assert_eq!(get("/v1/app/setup", Some(server.token())).await.0, 200);
}

#[tokio::test]
async fn every_session_state_set_over_http_reports_consistent_flags() {
    let server = FakeServer::start().await.expect("starts");
    // Verify first, so that a state set later cannot inherit `verified` from the past.
    let vid = server.peer().request();
    let client = client(&server);
    client.accept_verification(&id(&vid)).await.expect("200");
    server.peer().scan_our_qr(&vid).expect("scans");
    client
        .confirm_verification_qr_scanned(&id(&vid))
        .await
        .expect("200");
    for state in FakeSessionState::ALL {
        let body = format!(r#"{{"state":"{state}"}}"#);
        let (status, _) = send(&server, reqwest::Method::PUT, "/_fake/session", Some(&body)).await;
        assert_eq!(status, 204, "{state}");
        let (_, session) = send(&server, reqwest::Method::GET, "/v1/app/setup", None).await;
        assert_eq!(session["state"], state.as_str());
        let e2ee = &session["e2ee"];
        let flag = |name: &str| {
            e2ee[name]
                .as_bool()
                .unwrap_or_else(|| panic!("{name}: {e2ee}"))
        };
        let secrets: Vec<bool> = e2ee["secrets"]
            .as_object()
            .map(|s| s.values().filter_map(Value::as_bool).collect())
            .unwrap_or_default();
        assert_eq!(secrets.len(), 5, "{e2ee}");
        let signed_in = session.get("matrix").is_some();
        // What one flag needs before it can be true.
        assert!(!flag("initialized") || signed_in, "{state}: {session}");
        assert!(
            !flag("crossSigning") || flag("initialized"),
            "{state}: {e2ee}"
        );
        assert!(!flag("verified") || flag("crossSigning"), "{state}: {e2ee}");
        assert!(
            secrets.iter().all(|s| !s || flag("verified")),
            "{state}: {e2ee}"
        );
        assert!(
            !flag("firstSyncDone") || secrets.iter().all(|s| *s),
            "{state}: {e2ee}"
        );
        assert_eq!(
            flag("firstSyncDone"),
            *state == FakeSessionState::Ready,
            "{state}"
        );
        if *state == FakeSessionState::NeedsLogin {
            assert!(!signed_in, "no account: {session}");
            assert!(!flag("verified") && secrets.iter().all(|s| !s), "{e2ee}");
        }
        if *state == FakeSessionState::NeedsVerification {
            assert!(flag("crossSigning") && !flag("verified"), "{e2ee}");
        }
    }
}

/// Every operation of the spec (the generated client's table) is served at its method and
/// path: a request to it reaches a handler, not the "no route" or "method not allowed" answer,
/// and the record names it by its operationId.
#[tokio::test]
async fn every_operation_of_the_spec_is_served() {
    let server = FakeServer::start().await.expect("starts");
    for spec in beeper_verification_client::operations::ALL {
        let path = spec.path.replace("{verificationID}", "no-such-id");
        let method = reqwest::Method::from_bytes(spec.method.as_bytes()).expect("a method");
        server.clear_requests();
        let (status, body) = send(&server, method, &path, Some("{}")).await;
        let message = body["message"].as_str().unwrap_or_default();
        assert!(
            status != 405 && !message.starts_with("no route"),
            "{} {} ({}) is not served: {status} {body}",
            spec.method,
            spec.path,
            spec.id
        );
        let recorded: Vec<Option<&str>> = server
            .requests()
            .iter()
            .map(|r| r.operation.map(Operation::as_str))
            .collect::<Vec<_>>()
            .into_iter()
            .collect();
        assert_eq!(recorded, [Some(spec.id)], "{} {}", spec.method, spec.path);
    }
}
