//! What the fake keeps is bounded: verifications and fault rules stop at their limits with a
//! clear error, and connections that send nothing, or send a request too slowly, are closed.

mod common;

use std::time::Duration;

use beeper_verification_fake::{FakeServer, Fault, PeerRequest, Refusal};
use common::raw;
use serde_json::Value;

fn control(path: &str) -> String {
    format!("POST {path} HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n")
}

fn authorized(server: &FakeServer, method: &str, path: &str) -> String {
    format!(
        "{method} {path} HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer {}\r\ncontent-type: application/json\r\n",
        server.token()
    )
}

fn assert_full(response: &common::RawResponse, code: &str, max: u64) {
    assert_eq!(response.status, 507, "{response:?}");
    let body = response.json();
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["details"]["max"], max, "{body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains(&format!("at most {max}"))),
        "the message names the limit: {body}"
    );
}

async fn listed(server: &FakeServer) -> Vec<Value> {
    let response = raw(
        server,
        &authorized(server, "GET", "/v1/app/setup/verifications"),
        b"",
    )
    .await;
    assert_eq!(response.status, 200, "{response:?}");
    response.json()["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn new_verifications_past_the_limit_are_refused_and_the_list_stays_bounded() {
    let server = FakeServer::builder()
        .max_verifications(5)
        .start()
        .await
        .expect("starts");
    // The other device asks, over HTTP, far more often than the limit.
    let mut refused = 0;
    for _ in 0..20 {
        let response = raw(&server, &control("/_fake/peer/requests"), b"{}").await;
        match response.status {
            200 => {}
            507 => {
                assert_full(&response, "TOO_MANY_VERIFICATIONS", 5);
                refused += 1;
            }
            other => panic!("unexpected {other}: {response:?}"),
        }
    }
    assert_eq!(refused, 15);
    assert_eq!(
        listed(&server).await.len(),
        5,
        "the list stays at the limit"
    );

    // The API's own create meets the same limit, and so does the Rust handle.
    let response = raw(
        &server,
        &authorized(&server, "POST", "/v1/app/setup/verifications"),
        b"{}",
    )
    .await;
    assert_full(&response, "TOO_MANY_VERIFICATIONS", 5);
    assert_eq!(
        server.peer().try_request_with(PeerRequest::default()),
        Err(Refusal::TooManyVerifications { max: 5 })
    );

    // An ended verification makes room; the list still holds only the live ones.
    let first = listed(&server).await[0]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    server.peer().cancel(&first, None, None).expect("cancels");
    let id = server
        .peer()
        .try_request_with(PeerRequest::default())
        .expect("room again");
    assert_eq!(listed(&server).await.len(), 5);
    let gone = raw(
        &server,
        &authorized(
            &server,
            "GET",
            &format!("/v1/app/setup/verifications/{first}"),
        ),
        b"",
    )
    .await;
    assert_eq!(gone.status, 404, "the ended one made room: {gone:?}");
    let kept = raw(
        &server,
        &authorized(&server, "GET", &format!("/v1/app/setup/verifications/{id}")),
        b"",
    )
    .await;
    assert_eq!(kept.status, 200, "{kept:?}");
}

#[tokio::test]
async fn a_user_id_longer_than_matrix_allows_is_refused() {
    let server = FakeServer::start().await.expect("starts");
    let head = authorized(&server, "POST", "/v1/app/setup/verifications");
    let long = format!(r#"{{"userID":"@{}:beeper.com"}}"#, "a".repeat(60_000));
    let response = raw(&server, &head, long.as_bytes()).await;
    assert_eq!(response.status, 422, "{response:?}");
    assert_eq!(
        response.json()["details"]["issues"][0]["path"],
        serde_json::json!(["body", "userID"])
    );
    let response = raw(&server, &head, br#"{"userID":"@bob:beeper.com"}"#).await;
    assert_eq!(response.status, 200, "{response:?}");
}

#[tokio::test]
async fn fault_rules_past_the_limit_are_refused() {
    let server = FakeServer::builder()
        .max_faults(3)
        .start()
        .await
        .expect("starts");
    let body = br#"{"kind":"latency","ms":1}"#;
    for _ in 0..3 {
        let response = raw(&server, &control("/_fake/faults"), body).await;
        assert_eq!(response.status, 204, "{response:?}");
    }
    let response = raw(&server, &control("/_fake/faults"), body).await;
    assert_full(&response, "TOO_MANY_FAULTS", 3);
    assert_eq!(
        server.try_add_fault(Fault::status(503)),
        Err(Refusal::TooManyFaults { max: 3 })
    );

    // Clearing them makes room; so does a counted rule once it is used up.
    server.clear_faults();
    for _ in 0..2 {
        server
            .try_add_fault(Fault::latency(Duration::from_millis(1)))
            .expect("room");
    }
    server
        .try_add_fault(Fault::status(503).times(1))
        .expect("room");
    assert!(server.try_add_fault(Fault::status(503)).is_err());
    let response = raw(&server, &authorized(&server, "GET", "/v1/app/setup"), b"").await;
    assert_eq!(response.status, 503, "{response:?}");
    server
        .try_add_fault(Fault::status(502))
        .expect("room again");
}

#[tokio::test]
async fn the_default_limits_hold_what_the_benchmarks_create() {
    assert_eq!(beeper_verification_fake::DEFAULT_MAX_VERIFICATIONS, 10_000);
    assert!(beeper_verification_fake::DEFAULT_MAX_FAULTS >= 1001);
}
