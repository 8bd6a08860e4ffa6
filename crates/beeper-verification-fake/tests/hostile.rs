//! The fake tried as an attacker would: a web page that reaches it through DNS rebinding or a
//! plain form, a flood of requests, hostile values. It ships for downstream tests, so it is held
//! to the same standard as the client.

mod common;

use beeper_verification_fake::FakeServer;
use common::raw;

/// Whether the other device has asked anything yet: a control that got through leaves a trace.
async fn verifications(server: &FakeServer) -> usize {
    let head = format!(
        "GET /v1/app/setup/verifications HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer {}\r\n",
        server.token()
    );
    let response = raw(server, &head, b"").await;
    assert_eq!(response.status, 200, "{response:?}");
    response.json()["items"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn a_foreign_host_is_refused_before_anything_happens() {
    let server = FakeServer::start().await.expect("starts");
    let port = server
        .base_url()
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_owned();
    // What a page rebound to 127.0.0.1 sends: its own name in Host.
    for host in [
        format!("attacker.example:{port}"),
        "attacker.example".to_owned(),
        format!("evil.localhost:{port}"),
        "localhost.".to_owned(),
        "127.0.0.1.attacker.example".to_owned(),
        "0x7f000001".to_owned(),
        "[::ffff:8.8.8.8]".to_owned(),
        String::new(),
    ] {
        let head = format!(
            "POST /_fake/peer/requests HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\n"
        );
        let response = raw(&server, &head, b"{}").await;
        assert_eq!(response.status, 421, "Host {host:?}: {response:?}");
        let body = response.json();
        assert_eq!(body["code"], "MISDIRECTED_REQUEST", "{body}");
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains("localhost")),
            "the message says which names work: {body}"
        );
    }
    // The same with the absolute form of the request target, whatever Host says.
    let head = "POST http://attacker.example/_fake/peer/requests HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n";
    assert_eq!(raw(&server, head, b"{}").await.status, 421);
    // Two Host headers: no guessing which one counts.
    let head = "POST /_fake/peer/requests HTTP/1.1\r\nhost: localhost\r\nhost: attacker.example\r\ncontent-type: application/json\r\n";
    assert_eq!(raw(&server, head, b"{}").await.status, 421);
    // The API and the record are refused too.
    let head = format!(
        "GET /v1/app/setup HTTP/1.1\r\nhost: attacker.example\r\nauthorization: Bearer {}\r\n",
        server.token()
    );
    assert_eq!(raw(&server, &head, b"").await.status, 421);
    let head = "GET /_fake/requests HTTP/1.1\r\nhost: attacker.example\r\n";
    assert_eq!(raw(&server, head, b"").await.status, 421);

    assert_eq!(verifications(&server).await, 0, "no control got through");
    assert_eq!(
        server.requests().len(),
        1,
        "refused requests are not recorded: {:?}",
        server.requests()
    );
}

#[tokio::test]
async fn loopback_names_and_addresses_are_served() {
    let server = FakeServer::start().await.expect("starts");
    let port = server
        .base_url()
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_owned();
    for host in [
        format!("localhost:{port}"),
        "localhost".to_owned(),
        "LocalHost".to_owned(),
        format!("127.0.0.1:{port}"),
        "127.1.2.3".to_owned(),
        format!("[::1]:{port}"),
        "[::ffff:127.0.0.1]".to_owned(),
    ] {
        let head = format!(
            "POST /_fake/peer/requests HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\n"
        );
        let response = raw(&server, &head, b"{}").await;
        assert_eq!(response.status, 200, "Host {host:?}: {response:?}");
    }
    assert_eq!(verifications(&server).await, 7);
}

#[tokio::test]
async fn a_plain_form_post_cannot_drive_the_controls() {
    let server = FakeServer::start().await.expect("starts");
    let vid = server.peer().request();
    // What an HTML form or a "simple" cross-origin fetch can send without asking first.
    for content_type in [
        None,
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        Some("text/plain"),
        Some("text/plain; charset=application/json"),
        Some("application/jsonp"),
    ] {
        for path in [
            "/_fake/peer/requests".to_owned(),
            format!("/_fake/peer/{vid}/cancel"),
            "/_fake/faults".to_owned(),
        ] {
            let mut head = format!("POST {path} HTTP/1.1\r\nhost: localhost\r\n");
            if let Some(content_type) = content_type {
                head.push_str(&format!("content-type: {content_type}\r\n"));
            }
            let body = br#"{"kind":"status","status":500}"#;
            let response = raw(&server, &head, body).await;
            assert_eq!(
                response.status, 415,
                "{path} as {content_type:?}: {response:?}"
            );
            assert_eq!(
                response.json()["code"],
                "UNSUPPORTED_MEDIA_TYPE",
                "{response:?}"
            );
        }
        let head = format!(
            "PUT /_fake/session HTTP/1.1\r\nhost: localhost\r\ncontent-type: {}\r\n",
            content_type.unwrap_or("text/plain")
        );
        assert_eq!(
            raw(&server, &head, br#"{"state":"ready"}"#).await.status,
            415
        );
    }
    assert_eq!(
        verifications(&server).await,
        1,
        "no new request, not cancelled"
    );
    let head = format!(
        "GET /v1/app/setup/verifications/{vid} HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer {}\r\n",
        server.token()
    );
    let response = raw(&server, &head, b"").await;
    assert_eq!(response.json()["verification"]["state"], "requested");
    assert_eq!(response.json()["session"]["state"], "needs-verification");
    assert_eq!(response.status, 200, "no fault was added");

    // The same controls with a JSON content type, which a page cannot send without CORS.
    for content_type in ["application/json", "Application/JSON; charset=utf-8"] {
        let head = format!(
            "POST /_fake/peer/requests HTTP/1.1\r\nhost: localhost\r\ncontent-type: {content_type}\r\n"
        );
        assert_eq!(
            raw(&server, &head, b"{}").await.status,
            200,
            "{content_type}"
        );
    }
}

/// The API's error body: what every client of the fake already decodes.
fn assert_api_error(response: &common::RawResponse, status: u16, code: &str) {
    assert_eq!(response.status, status, "{response:?}");
    assert_eq!(
        response.header("content-type"),
        Some("application/json"),
        "{response:?}"
    );
    let body = response.json();
    assert_eq!(body["code"], code, "{response:?}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{response:?}"
    );
}

#[tokio::test]
async fn control_errors_use_the_apis_error_body() {
    let server = FakeServer::start().await.expect("starts");
    let vid = server.peer().request();
    let json = "host: localhost\r\ncontent-type: application/json\r\n";
    for (path, body, field) in [
        ("/_fake/faults".to_owned(), "{not json", None),
        ("/_fake/faults".to_owned(), r#"{"kind":"sometimes"}"#, None),
        (
            "/_fake/faults".to_owned(),
            r#"{"kind":"status","status":"x"}"#,
            Some("status"),
        ),
        ("/_fake/faults".to_owned(), "[]", None),
        (
            "/_fake/faults".to_owned(),
            r#"{"kind":"latency"}"#,
            Some("ms"),
        ),
        (
            "/_fake/faults".to_owned(),
            r#"{"kind":"latency","ms":5,"status":500}"#,
            Some("status"),
        ),
        (
            "/_fake/faults".to_owned(),
            r#"{"kind":"status","status":200}"#,
            Some("status"),
        ),
        // A misspelt key would otherwise make a fault for one operation a fault for all.
        (
            "/_fake/faults".to_owned(),
            r#"{"kind":"status","status":500,"operatoin":"getSetup"}"#,
            Some("operatoin"),
        ),
        (
            "/_fake/peer/requests".to_owned(),
            r#"{"methods":["sass"]}"#,
            Some("methods"),
        ),
        (
            "/_fake/peer/requests".to_owned(),
            r#"{"purpose":"fun"}"#,
            Some("purpose"),
        ),
        (
            "/_fake/peer/requests".to_owned(),
            r#"{"method":["qr"]}"#,
            Some("method"),
        ),
        (
            "/_fake/session".to_owned(),
            r#"{"state":"readdy"}"#,
            Some("state"),
        ),
        (
            "/_fake/peer/requests".to_owned(),
            r#"{"methods":"sas"}"#,
            Some("methods"),
        ),
        (
            format!("/_fake/peer/{vid}/cancel"),
            r#"{"code":5}"#,
            Some("code"),
        ),
        (format!("/_fake/peer/{vid}/fail"), "\"\"", None),
    ] {
        let method = if path == "/_fake/session" {
            "PUT"
        } else {
            "POST"
        };
        let response = raw(
            &server,
            &format!("{method} {path} HTTP/1.1\r\n{json}"),
            body.as_bytes(),
        )
        .await;
        assert_api_error(&response, 422, "VALIDATION_ERROR");
        let issue = &response.json()["details"]["issues"][0];
        assert_eq!(issue["path"][0], "body", "{response:?}");
        if let Some(field) = field {
            assert_eq!(issue["path"][1], field, "{response:?}");
        }
    }
    // A misspelt operation would otherwise make a fault that never matches.
    let typo = br#"{"kind":"status","status":500,"operation":"confirmVerificationSass"}"#;
    let response = raw(
        &server,
        &format!("POST /_fake/faults HTTP/1.1\r\n{json}"),
        typo,
    )
    .await;
    assert_api_error(&response, 422, "VALIDATION_ERROR");
    let issue = &response.json()["details"]["issues"][0];
    assert_eq!(
        issue["path"],
        serde_json::json!(["body", "operation"]),
        "{issue}"
    );
    assert_eq!(issue["code"], "invalid_enum_value", "{issue}");
    assert!(
        issue["message"]
            .as_str()
            .is_some_and(|m| m.contains("confirmVerificationSas")),
        "the message lists the operations: {issue}"
    );

    let response = raw(
        &server,
        &format!("PUT /_fake/session HTTP/1.1\r\n{json}"),
        b"{}",
    )
    .await;
    assert_api_error(&response, 422, "VALIDATION_ERROR");
    assert_eq!(response.json()["details"]["issues"][0]["path"][1], "state");

    let response = raw(
        &server,
        "GET /_fake/nothing HTTP/1.1\r\nhost: localhost\r\n",
        b"",
    )
    .await;
    assert_api_error(&response, 404, "NOT_FOUND");
    let response = raw(
        &server,
        "GET /_fake/faults HTTP/1.1\r\nhost: localhost\r\n",
        b"",
    )
    .await;
    assert_api_error(&response, 405, "METHOD_NOT_ALLOWED");
    let response = raw(
        &server,
        &format!("DELETE /_fake/peer/{vid}/accept HTTP/1.1\r\n{json}"),
        b"",
    )
    .await;
    assert_api_error(&response, 405, "METHOD_NOT_ALLOWED");
    // A path segment that is not UTF-8 once decoded, in a control and in the API.
    let response = raw(
        &server,
        &format!("POST /_fake/peer/%FF/accept HTTP/1.1\r\n{json}"),
        b"",
    )
    .await;
    assert_api_error(&response, 400, "BAD_REQUEST");
    let head = format!(
        "GET /v1/app/setup/verifications/%FF HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer {}\r\n",
        server.token()
    );
    assert_api_error(&raw(&server, &head, b"").await, 400, "BAD_REQUEST");

    // An empty body is `{}`, as in the API: every field of a control body is optional.
    for path in [
        "/_fake/peer/requests".to_owned(),
        format!("/_fake/peer/{vid}/cancel"),
    ] {
        let response = raw(&server, &format!("POST {path} HTTP/1.1\r\n{json}"), b"").await;
        assert_eq!(response.status, 200, "{path}: {response:?}");
    }
}

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive_and_the_token_is_not() {
    let server = FakeServer::start().await.expect("starts");
    let token = server.token().to_owned();
    let status = |authorization: String| {
        let server = &server;
        async move {
            let head = format!(
                "GET /v1/app/setup HTTP/1.1\r\nhost: localhost\r\nauthorization: {authorization}\r\n"
            );
            raw(server, &head, b"").await.status
        }
    };
    // RFC 9110, section 11.1: the scheme is case-insensitive; one or more spaces follow it.
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        assert_eq!(status(format!("{scheme} {token}")).await, 200, "{scheme}");
    }
    assert_eq!(status(format!("Bearer   {token}")).await, 200);
    for wrong in [
        format!("Basic {token}"),
        format!("Bearer{token}"),
        format!("Bearer {}", token.to_uppercase()),
        format!("Bearer {token}x"),
        format!("Bearer {token} {token}"),
        format!("Bearer, Bearer {token}"),
        "Bearer".to_owned(),
        "Bearer ".to_owned(),
        String::new(),
    ] {
        assert_eq!(status(wrong.clone()).await, 401, "{wrong:?}");
    }
}

#[tokio::test]
async fn the_record_never_holds_a_secret() {
    let server = FakeServer::start().await.expect("starts");
    let token = server.token().to_owned();
    for head in [
        format!(
            "GET /v1/app/setup HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer {token}\r\n"
        ),
        format!(
            "GET /v1/app/setup HTTP/1.1\r\nhost: localhost\r\nauthorization: bearer {token}x\r\n"
        ),
        format!("GET /v1/app/setup HTTP/1.1\r\nhost: localhost\r\nauthorization: {token}\r\n"),
        format!(
            "GET /v1/app/setup HTTP/1.1\r\nhost: localhost\r\nproxy-authorization: Basic {token}\r\n"
        ),
        format!("GET /v1/app/setup HTTP/1.1\r\nhost: localhost\r\ncookie: session={token}\r\n"),
    ] {
        raw(&server, &head, b"").await;
    }
    let recorded = server.requests();
    assert_eq!(recorded.len(), 5);
    assert_eq!(
        recorded[0].header("authorization"),
        Some("Bearer [redacted]")
    );
    assert_eq!(
        recorded[1].header("authorization"),
        Some("bearer [redacted]")
    );
    assert_eq!(recorded[2].header("authorization"), Some("[redacted]"));
    assert_eq!(
        recorded[3].header("proxy-authorization"),
        Some("Basic [redacted]")
    );
    assert_eq!(recorded[4].header("cookie"), Some("[redacted]"));
    let response = raw(
        &server,
        "GET /_fake/requests HTTP/1.1\r\nhost: localhost\r\n",
        b"",
    )
    .await;
    for shown in [format!("{recorded:?}"), response.body] {
        assert!(!shown.contains(&token), "the token leaked: {shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
    }
}

/// Sends `n` unauthenticated POSTs with `body`, as a flood would, over one connection.
async fn flood(server: &FakeServer, n: usize, body: &[u8]) {
    let http = reqwest::Client::new();
    for _ in 0..n {
        let response = http
            .post(format!("{}/v1/app/setup/verifications", server.base_url()))
            .header("content-type", "application/json")
            .body(body.to_vec())
            .send()
            .await
            .expect("answers");
        assert_eq!(response.status().as_u16(), 401);
    }
}

#[tokio::test]
async fn the_record_keeps_only_the_latest_requests() {
    let server = FakeServer::start().await.expect("starts");
    let size = beeper_verification_fake::DEFAULT_RECORD_SIZE;
    flood(&server, size + 20, &[b'a'; 1024]).await;
    assert_eq!(
        server.request_count(),
        (size + 20) as u64,
        "every one counted"
    );
    assert_eq!(server.requests().len(), size, "the default size holds");

    let server = FakeServer::builder()
        .record_size(3)
        .start()
        .await
        .expect("starts");
    flood(&server, 2, b"{}").await;
    for n in 0..3 {
        server.peer().request();
        let head = format!("GET /v1/app/setup/verifications/v{n} HTTP/1.1\r\nhost: localhost\r\n");
        raw(&server, &head, b"").await;
    }
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [
            "/v1/app/setup/verifications/v0",
            "/v1/app/setup/verifications/v1",
            "/v1/app/setup/verifications/v2"
        ],
        "the oldest went first"
    );
    assert_eq!(server.request_count(), 5);

    let server = FakeServer::builder()
        .record_size(0)
        .start()
        .await
        .expect("starts");
    flood(&server, 3, b"{}").await;
    assert!(server.requests().is_empty());
    assert_eq!(server.request_count(), 3);
}

#[tokio::test]
async fn a_timeout_too_long_for_the_clock_means_never() {
    let server = FakeServer::builder()
        .verification_timeout(std::time::Duration::MAX)
        .start()
        .await
        .expect("starts");
    let head = format!(
        "POST /v1/app/setup/verifications HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer {}\r\ncontent-type: application/json\r\n",
        server.token()
    );
    let response = raw(&server, &head, b"{}").await;
    assert_eq!(response.status, 200, "{response:?}");
    assert_eq!(response.json()["verification"]["state"], "requested");
}

#[tokio::test(start_paused = true)]
async fn latency_faults_that_add_up_past_the_clock_do_not_panic() {
    let server = FakeServer::start().await.expect("starts");
    // Each is about 585 million years; a thousand of them overflow a Duration.
    for _ in 0..1001 {
        server.add_fault(beeper_verification_fake::Fault::latency(
            std::time::Duration::MAX,
        ));
    }
    let head = format!(
        "GET /v1/app/setup HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer {}\r\n",
        server.token()
    );
    // The paused clock jumps over the delay; the request is answered, not dropped by a panic.
    assert_eq!(raw(&server, &head, b"").await.status, 200);
}
