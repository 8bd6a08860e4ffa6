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
async fn the_default_limits_keep_the_list_readable_and_hold_what_tests_create() {
    let server = FakeServer::start().await.expect("starts");
    for n in 0..beeper_verification_fake::DEFAULT_MAX_VERIFICATIONS {
        if let Err(refusal) = server.peer().try_request_with(PeerRequest::default()) {
            panic!("verification {n} refused: {refusal}");
        }
    }
    assert_eq!(
        server.peer().try_request_with(PeerRequest::default()),
        Err(Refusal::TooManyVerifications {
            max: beeper_verification_fake::DEFAULT_MAX_VERIFICATIONS
        })
    );
    // A test adds 1,001 latency faults to overflow their sum.
    for _ in 0..1001 {
        server
            .try_add_fault(Fault::latency(Duration::from_millis(1)))
            .expect("room");
    }
}

// --- Connections ----------------------------------------------------------------------------

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A generous bound for something that should happen after a 200 ms timeout: the test fails
/// rather than hangs when it does not.
const BOUND: Duration = Duration::from_secs(10);

async fn connect(server: &FakeServer) -> TcpStream {
    let address = server
        .base_url()
        .strip_prefix("http://")
        .expect("an http URL");
    TcpStream::connect(address).await.expect("connects")
}

/// Reads until the server closes the connection (end of stream or reset); what it sent.
/// `None` when it is still open after [`BOUND`].
async fn until_closed(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut received = Vec::new();
    let read = async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(BOUND, read).await.ok()?;
    Some(received)
}

/// Reads one response (head and `content-length` body) off a kept-alive connection.
async fn one_response(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    let read = async {
        loop {
            let n = stream.read(&mut buf).await.expect("reads");
            assert!(
                n > 0,
                "closed early: {}",
                String::from_utf8_lossy(&received)
            );
            received.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&received).into_owned();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().to_owned())
                    })
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or(0);
                if body.len() >= length {
                    return text;
                }
            }
        }
    };
    tokio::time::timeout(BOUND, read).await.expect("a response")
}

async fn short_timeouts(read: Duration, idle: Duration) -> FakeServer {
    FakeServer::builder()
        .read_timeout(read)
        .idle_timeout(idle)
        .start()
        .await
        .expect("starts")
}

const SHORT: Duration = Duration::from_millis(200);
const LONG: Duration = Duration::from_secs(3600);

#[tokio::test]
async fn a_request_head_that_never_ends_is_cut_off_after_the_read_timeout() {
    // Idle connections may stay an hour: only the read timeout can close these.
    let server = short_timeouts(SHORT, LONG).await;
    let mut partial = connect(&server).await;
    partial
        .write_all(b"GET /v1/app/setup HTTP/1.1\r\nhost: local")
        .await
        .expect("sends");
    assert!(
        until_closed(&mut partial).await.is_some(),
        "a partial head stays open"
    );

    // A slowloris client: one byte of an endless header every 50 ms.
    let mut slow = connect(&server).await;
    slow.write_all(b"GET /v1/app/setup HTTP/1.1\r\nhost: localhost\r\nx-a: ")
        .await
        .expect("sends");
    let trickle = async {
        for _ in 0..200 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            if slow.write_all(b"a").await.is_err() {
                return true;
            }
            let mut buf = [0u8; 64];
            let read = tokio::time::timeout(Duration::from_millis(1), slow.read(&mut buf)).await;
            if let Ok(Ok(0) | Err(_)) = read {
                return true;
            }
        }
        false
    };
    assert!(
        tokio::time::timeout(BOUND, trickle).await.unwrap_or(false),
        "a header sent a byte at a time stays open"
    );
}

#[tokio::test]
async fn a_connection_with_nothing_to_do_is_closed_after_the_idle_timeout() {
    let server = short_timeouts(LONG, SHORT).await;
    // Connects and sends nothing.
    let mut silent = connect(&server).await;
    assert!(
        until_closed(&mut silent).await.is_some(),
        "a silent connection stays open"
    );

    // Kept alive: served twice in a row, then closed once left unused.
    let mut kept = connect(&server).await;
    for _ in 0..2 {
        kept.write_all(b"GET /v1/app/setup HTTP/1.1\r\nhost: localhost\r\n\r\n")
            .await
            .expect("sends");
        let response = one_response(&mut kept).await;
        assert!(response.starts_with("HTTP/1.1 401"), "{response}");
    }
    assert_eq!(
        until_closed(&mut kept).await,
        Some(Vec::new()),
        "an unused kept-alive connection stays open"
    );
}

#[tokio::test]
async fn a_request_held_by_a_latency_fault_is_not_cut_off() {
    let server = short_timeouts(SHORT, SHORT).await;
    server.add_fault(Fault::latency(Duration::from_millis(700)));
    let response = raw(&server, &authorized(&server, "GET", "/v1/app/setup"), b"").await;
    assert_eq!(response.status, 200, "{response:?}");
}

#[tokio::test]
async fn a_body_that_does_not_arrive_in_time_is_408() {
    let server = short_timeouts(SHORT, LONG).await;
    let mut stream = connect(&server).await;
    let head = control("/_fake/peer/requests");
    stream
        .write_all(format!("{head}content-length: 10\r\n\r\n{{").as_bytes())
        .await
        .expect("sends");
    let answer = until_closed(&mut stream)
        .await
        .expect("answered and closed");
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("REQUEST_TIMEOUT"), "{text}");
    assert!(
        server
            .peer()
            .try_request_with(PeerRequest::default())
            .is_ok()
    );
}

#[tokio::test]
async fn past_the_connection_limit_a_new_one_waits_for_a_free_place() {
    let server = FakeServer::builder()
        .max_connections(1)
        .idle_timeout(LONG)
        .start()
        .await
        .expect("starts");
    let holder = connect(&server).await;
    // Give the fake the time to accept the first one.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut waiting = connect(&server).await;
    waiting
        .write_all(b"GET /v1/app/setup HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n")
        .await
        .expect("sends");
    let mut buf = [0u8; 16];
    assert!(
        tokio::time::timeout(Duration::from_millis(300), waiting.read(&mut buf))
            .await
            .is_err(),
        "served beside a connection that holds the only place"
    );
    drop(holder);
    let answer = until_closed(&mut waiting)
        .await
        .expect("served once the place is free");
    assert!(
        answer.starts_with(b"HTTP/1.1 401"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
}

#[tokio::test]
async fn shutdown_still_lets_a_request_in_progress_finish() {
    let server = FakeServer::start().await.expect("starts");
    server.add_fault(Fault::latency(Duration::from_millis(300)));
    let mut stream = connect(&server).await;
    stream
        .write_all(b"GET /v1/app/setup HTTP/1.1\r\nhost: localhost\r\n\r\n")
        .await
        .expect("sends");
    // Let the request reach the fake before it is told to stop.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (answer, ()) = tokio::join!(until_closed(&mut stream), server.shutdown());
    let answer = answer.expect("answered, then closed");
    assert!(
        answer.starts_with(b"HTTP/1.1 401"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
}
