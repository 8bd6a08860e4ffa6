//! The retry policy on the wire: reads are retried on transient failures, actions only when they
//! cannot have happened, and the server's Retry-After is honoured.

mod common;

use std::time::Duration;

use beeper_verification::{Client, Error};
use common::{Logs, TOKEN, client, client_with_retries, fixture, fixture_about};
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use serde_json::json;

fn rate_limited() -> serde_json::Value {
    json!({"message": "Too many requests", "code": "RATE_LIMITED"})
}

#[tokio::test]
async fn a_read_is_retried_on_503_until_the_retries_run_out() {
    let (logs, _guard) = Logs::capture();
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup/verifications");
            then.status(503).body("unavailable");
        })
        .await;
    let err = client(&server)
        .verifications()
        .list()
        .await
        .expect_err("503 every time");
    assert_eq!(
        mock.calls_async().await,
        3,
        "one attempt and the default two retries"
    );
    assert_eq!(err.status(), Some(503));
    // Without Retry-After the schedule is 0.5 s then 1 s, each shortened by up to a quarter.
    let delays: Vec<u64> = logs
        .field_values("retrying", "delay_ms")
        .iter()
        .filter_map(|d| d.parse().ok())
        .collect();
    assert_eq!(delays.len(), 2, "{delays:?} {}", logs.text());
    assert!(
        (375..=500).contains(&delays[0]) && (750..=1000).contains(&delays[1]),
        "{delays:?}"
    );
}

#[tokio::test]
async fn a_read_recovers_when_the_server_does() {
    let server = MockServer::start_async().await;
    let failing = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup");
            then.status(502)
                .header("retry-after-ms", "5")
                .body("bad gateway")
                .up_to_n_times(2);
        })
        .await;
    let healthy = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup");
            then.status(200).json_body(fixture()["session"].clone());
        })
        .await;
    client(&server)
        .session()
        .await
        .expect("third attempt succeeds");
    assert_eq!(
        (failing.calls_async().await, healthy.calls_async().await),
        (2, 1)
    );
}

#[tokio::test]
async fn an_action_is_sent_once_on_500() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/verifications/v1/sas/confirm");
            then.status(500)
                .json_body(json!({"message": "boom", "code": "INTERNAL"}));
        })
        .await;
    let err = client(&server)
        .verification("v1")
        .confirm_sas()
        .await
        .expect_err("500");
    assert_eq!(
        mock.calls_async().await,
        1,
        "a confirm that may have happened is not repeated"
    );
    assert_eq!(err.status(), Some(500));
    assert!(
        err.is_retryable(),
        "the caller is still told a retry may help"
    );
}

#[tokio::test]
async fn an_action_is_retried_on_429_after_the_retry_after_it_asked_for() {
    let (logs, _guard) = Logs::capture();
    let server = MockServer::start_async().await;
    let limited = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/verifications/v1/accept");
            then.status(429)
                .header("retry-after-ms", "40")
                .json_body(rate_limited())
                .up_to_n_times(1);
        })
        .await;
    let accepted = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/verifications/v1/accept");
            then.status(200).json_body(fixture_about("v1"));
        })
        .await;
    client(&server)
        .verification("v1")
        .accept()
        .await
        .expect("accepted after the wait");
    assert_eq!(
        (limited.calls_async().await, accepted.calls_async().await),
        (1, 1)
    );
    assert_eq!(logs.field_values("retrying", "delay_ms"), ["40"]);
}

#[tokio::test]
async fn a_429_that_never_ends_returns_the_servers_retry_after() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/app/setup/verifications");
            then.status(429)
                .header("retry-after", "0")
                .json_body(rate_limited());
        })
        .await;
    let err = client_with_retries(&server, 1)
        .verifications()
        .create(Default::default())
        .await
        .expect_err("429");
    assert_eq!(mock.calls_async().await, 2);
    assert_eq!(err.retry_after(), Some(Duration::ZERO));
    assert_eq!(
        err.api_error().map(|e| e.code.as_str()),
        Some("RATE_LIMITED")
    );
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_falls_back_to_the_schedule() {
    let (logs, _guard) = Logs::capture();
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup");
            then.status(429)
                .header("retry-after", "3600")
                .json_body(rate_limited());
        })
        .await;
    let err = client_with_retries(&server, 1)
        .session()
        .await
        .expect_err("429");
    let delays = logs.field_values("retrying", "delay_ms");
    assert_eq!(delays.len(), 1);
    assert!(
        delays[0]
            .parse::<u64>()
            .is_ok_and(|d| (375..=500).contains(&d)),
        "{delays:?}"
    );
    assert_eq!(
        err.retry_after(),
        Some(Duration::from_secs(3600)),
        "the caller still sees what the server asked"
    );
}

#[tokio::test]
async fn an_action_that_timed_out_is_not_repeated_but_a_read_is() {
    let server = MockServer::start_async().await;
    let slow_action = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/verifications/v1/accept");
            then.status(200)
                .delay(Duration::from_secs(2))
                .json_body(fixture_about("v1"));
        })
        .await;
    let slow_read = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup/verifications/v1");
            then.status(200)
                .delay(Duration::from_secs(2))
                .json_body(fixture_about("v1"));
        })
        .await;
    let client = Client::builder()
        .base_url(server.base_url())
        .access_token(TOKEN)
        .timeout(Duration::from_millis(50))
        .max_retries(1)
        .build()
        .expect("valid");
    let err = client
        .verification("v1")
        .accept()
        .await
        .expect_err("times out");
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(slow_action.calls_async().await, 1);
    let err = client
        .verification("v1")
        .get()
        .await
        .expect_err("times out");
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(slow_read.calls_async().await, 2);
}

#[tokio::test]
async fn an_action_is_retried_when_the_connection_is_refused() {
    let (logs, _guard) = Logs::capture();
    let base_url = common::refused_base_url();
    let client = Client::builder()
        .base_url(&base_url)
        .access_token(TOKEN)
        .max_retries(1)
        .build()
        .expect("valid");
    let err = client
        .verification("v1")
        .accept()
        .await
        .expect_err("nothing listens");
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    assert_eq!(
        logs.field_values("retrying", "delay_ms").len(),
        1,
        "it never reached a server, so it is safe to retry"
    );
}

#[tokio::test]
async fn max_retries_zero_turns_retries_off() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup");
            then.status(503).body("unavailable");
        })
        .await;
    client_with_retries(&server, 0)
        .session()
        .await
        .expect_err("503");
    assert_eq!(mock.calls_async().await, 1);
}
