//! How each kind of failure reaches the caller: a typed error that says what happened, to which
//! request, and never shows the token.

mod common;

use beeper_verification::Error;
use common::{TOKEN, client, client_with_retries, fixture};
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use serde_json::json;

#[tokio::test]
async fn a_401_with_the_api_error_body_is_an_api_error_that_names_the_env_var() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup");
            then.status(401)
                .json_body(json!({"message": "Invalid access token", "code": "UNAUTHORIZED"}));
        })
        .await;
    let err = client(&server).session().await.expect_err("401");
    let api = err.api_error().expect("the API's error body");
    assert_eq!(
        (api.status, api.code.as_str(), api.message.as_str()),
        (401, "UNAUTHORIZED", "Invalid access token")
    );
    assert_eq!((api.method, api.path.as_str()), ("GET", "/v1/app/setup"));
    assert_eq!(err.status(), Some(401));
    assert!(!err.is_retryable());
    let message = err.to_string();
    assert!(
        message.contains("GET /v1/app/setup: HTTP 401 UNAUTHORIZED: Invalid access token"),
        "{message}"
    );
    assert!(
        err.hint()
            .is_some_and(|h| h.contains("BEEPER_ACCESS_TOKEN")),
        "{err:?}"
    );
    assert!(!message.contains(TOKEN) && !format!("{err:?}").contains(TOKEN));
}

#[tokio::test]
async fn validation_details_are_kept() {
    let server = MockServer::start_async().await;
    let details = json!({"issues": [{"code": "invalid_type", "message": "Required", "path": ["body", "data"]}]});
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/verifications/qr/scan");
            then.status(422).json_body(
                json!({"message": "Invalid body", "code": "VALIDATION", "details": details}),
            );
        })
        .await;
    let err = client(&server)
        .verifications()
        .scan_qr("")
        .await
        .expect_err("422");
    assert_eq!(
        err.api_error().and_then(|e| e.details.clone()),
        Some(details)
    );
}

#[tokio::test]
async fn malformed_json_is_an_invalid_response_with_status_and_body_start() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup/verifications/v1");
            then.status(200).body(r#"{"session": {"e2ee": tru"#);
        })
        .await;
    match client(&server).verification("v1").get().await {
        Err(Error::InvalidResponse {
            method,
            path,
            status,
            body_start,
            ..
        }) => {
            assert_eq!(
                (method, path.as_str(), status),
                ("GET", "/v1/app/setup/verifications/v1", 200)
            );
            assert_eq!(body_start, r#"{"session": {"e2ee": tru"#);
        }
        other => panic!("expected InvalidResponse, got {other:?}"),
    }
}

#[tokio::test]
async fn a_body_of_the_wrong_shape_is_an_invalid_response() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup");
            then.status(200).json_body(json!({"state": "ready"}));
        })
        .await;
    let err = client(&server).session().await.expect_err("no e2ee");
    assert!(
        matches!(err, Error::InvalidResponse { status: 200, .. }),
        "{err:?}"
    );
    let cause = std::error::Error::source(&err).expect("the decoding error");
    assert!(cause.to_string().contains("e2ee"), "{cause}");
}

#[tokio::test]
async fn an_html_error_page_keeps_its_status() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/verifications/v1/accept");
            then.status(500).body("<html>Internal Server Error</html>");
        })
        .await;
    let err = client(&server)
        .verification("v1")
        .accept()
        .await
        .expect_err("500");
    assert!(
        matches!(err, Error::InvalidResponse { status: 500, .. }),
        "{err:?}"
    );
    assert_eq!(err.status(), Some(500));
    assert!(err.is_retryable());
}

#[tokio::test]
async fn an_undocumented_status_with_the_api_error_body_is_an_api_error() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/verifications/v1/sas/start");
            then.status(503)
                .header("retry-after", "12")
                .json_body(json!({"message": "Starting up", "code": "UNAVAILABLE"}));
        })
        .await;
    let err = client(&server)
        .verification("v1")
        .start_sas()
        .await
        .expect_err("503");
    let api = err.api_error().expect("decoded");
    assert_eq!((api.status, api.code.as_str()), (503, "UNAVAILABLE"));
    assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(12)));
}

#[tokio::test]
async fn an_undocumented_2xx_with_the_expected_body_succeeds() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/app/setup/verifications");
            then.status(201).json_body(fixture());
        })
        .await;
    let response = client(&server)
        .verifications()
        .create(Default::default())
        .await
        .expect("201 is a success");
    assert_eq!(response.id, "id");
}

#[tokio::test]
async fn a_server_that_is_down_is_a_connect_error_naming_the_base_url() {
    let base_url = common::refused_base_url();
    let client = beeper_verification::Client::builder()
        .base_url(&base_url)
        .access_token(TOKEN)
        .max_retries(0)
        .build()
        .expect("valid");
    let err = client.session().await.expect_err("nothing listens");
    match &err {
        Error::Connect {
            method,
            path,
            base_url: reported,
            ..
        } => {
            assert_eq!((*method, path.as_str()), ("GET", "/v1/app/setup"));
            assert_eq!(reported, &base_url);
        }
        other => panic!("expected Connect, got {other:?}"),
    }
    assert!(
        err.hint()
            .is_some_and(|h| h.contains("is Beeper Desktop running")),
        "{err}"
    );
    assert!(err.is_retryable());
    assert_eq!(err.status(), None, "no response arrived");
    // The cause is kept, as a chain: the HTTP stack's error, then what it came from.
    let mut chain = Vec::new();
    let mut cause = std::error::Error::source(&err);
    while let Some(inner) = cause {
        chain.push(inner.to_string());
        cause = inner.source();
    }
    assert!(chain.len() >= 2, "{chain:?}");
    assert!(
        chain.iter().any(|c| c.contains("refused")),
        "the root cause is named: {chain:?}"
    );
}

#[tokio::test]
async fn a_slow_server_is_a_timeout() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup");
            then.status(200)
                .delay(std::time::Duration::from_secs(5))
                .json_body(fixture()["session"].clone());
        })
        .await;
    let client = beeper_verification::Client::builder()
        .base_url(server.base_url())
        .access_token(TOKEN)
        .timeout(std::time::Duration::from_millis(100))
        .max_retries(0)
        .build()
        .expect("valid");
    let err = client.session().await.expect_err("times out");
    assert!(
        matches!(err, Error::Timeout { timeout, .. } if timeout == std::time::Duration::from_millis(100)),
        "{err:?}"
    );
    // The limit is per try: a read that times out is tried again, so the message must not read
    // as the limit of the whole call.
    assert!(err.to_string().contains("(the limit of each try)"), "{err}");
}

#[tokio::test]
async fn no_error_message_or_log_line_shows_the_token() {
    let (logs, _guard) = common::Logs::capture();
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup");
            then.status(500).body("boom");
        })
        .await;
    let client = client_with_retries(&server, 1);
    let err = client.session().await.expect_err("500");
    assert!(!err.to_string().contains(TOKEN));
    assert!(!format!("{err:?}").contains(TOKEN));
    assert!(!format!("{client:?}").contains(TOKEN));
    let text = logs.text();
    assert!(
        text.contains("beeper_verification.request"),
        "the request span was logged: {text}"
    );
    assert!(!text.contains(TOKEN), "{text}");
}

/// Each status has its predicate, and only that one: what a caller reaches for instead of
/// matching numbers. A 404 page that is not the API's JSON is still "not found".
#[tokio::test]
async fn each_status_has_its_predicate_and_the_code_is_kept() {
    type Predicate = fn(&Error) -> bool;
    let predicates: [(&str, Predicate); 7] = [
        ("unauthorized", Error::is_unauthorized),
        ("forbidden", Error::is_forbidden),
        ("not_found", Error::is_not_found),
        ("conflict", Error::is_conflict),
        ("validation_error", Error::is_validation_error),
        ("rate_limited", Error::is_rate_limited),
        ("server_error", Error::is_server_error),
    ];
    let cases = [
        (401, "UNAUTHORIZED", "unauthorized"),
        (403, "FORBIDDEN", "forbidden"),
        (404, "NOT_FOUND", "not_found"),
        (409, "SESSION_STATE_CONFLICT", "conflict"),
        (422, "VALIDATION_ERROR", "validation_error"),
        (429, "RATE_LIMITED", "rate_limited"),
        (503, "UNAVAILABLE", "server_error"),
    ];
    for (status, code, expected) in cases {
        let server = MockServer::start_async().await;
        server
            .mock_async(|when, then| {
                when.method(GET).path("/v1/app/setup");
                then.status(status)
                    .json_body(json!({"message": "refused", "code": code}));
            })
            .await;
        let err = client(&server).session().await.expect_err("an error");
        assert_eq!(err.code(), Some(code), "{err:?}");
        for (name, predicate) in predicates {
            assert_eq!(predicate(&err), name == expected, "{status}: is_{name}");
        }
    }

    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup");
            then.status(404).body("<html>Not Found</html>");
        })
        .await;
    let err = client(&server).session().await.expect_err("an error");
    assert!(err.is_not_found() && err.code().is_none(), "{err:?}");

    // Refused before sending: no status, so no predicate.
    let signed_out = beeper_verification::Client::builder()
        .base_url(server.base_url())
        .build()
        .expect("a client without a token");
    let err = signed_out
        .verifications()
        .list()
        .await
        .expect_err("no token");
    assert!(matches!(err, Error::TokenRequired { .. }), "{err:?}");
    assert!(predicates.iter().all(|(_, p)| !p(&err)), "{err:?}");
}
