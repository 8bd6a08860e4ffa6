//! The client against servers and settings an attacker controls: a proxy in the environment,
//! bodies that never end, redirects, names that only look local, connections that never open,
//! `x-should-retry`. Every server here is on loopback.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use beeper_verification::{Client, ClientBuilder, ConfigError, Error};
use common::{Logs, TOKEN, client, client_with_retries, fixture, fixture_about};
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

// ---------------------------------------------------------------------------------------------
// 1. A proxy from the environment never sees the token of a plain-http base URL.

/// The variable the child process reads its base URL from.
const CHILD_BASE_URL: &str = "BEEPER_VERIFICATION_TEST_CHILD_BASE_URL";

/// Runs in a child process with proxies in its environment (see the test below); a proxy
/// variable is read once per process, so the parent cannot set it for itself.
#[tokio::test]
#[ignore = "run by a_proxy_from_the_environment_never_sees_the_token"]
async fn child_calls_the_api_with_proxies_in_the_environment() {
    let Ok(base_url) = std::env::var(CHILD_BASE_URL) else {
        return;
    };
    let client = Client::builder()
        .base_url(base_url)
        .access_token(TOKEN)
        .max_retries(0)
        .build()
        .expect("valid");
    client
        .session()
        .await
        .expect("the request goes straight to the server");
}

#[tokio::test]
async fn a_proxy_from_the_environment_never_sees_the_token() {
    let server = MockServer::start_async().await;
    let direct = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup");
            then.status(200).json_body(fixture()["session"].clone());
        })
        .await;
    let proxy = MockServer::start_async().await;
    let proxied = proxy
        .mock_async(|_when, then| {
            then.status(502);
        })
        .await;
    for base_url in [
        server.base_url(),
        server.base_url().replace("127.0.0.1", "localhost"),
    ] {
        let output = tokio::process::Command::new(std::env::current_exe().expect("test binary"))
            .args([
                "--exact",
                "child_calls_the_api_with_proxies_in_the_environment",
                "--ignored",
                "--test-threads=1",
            ])
            .env(CHILD_BASE_URL, &base_url)
            .env("HTTP_PROXY", proxy.base_url())
            .env("http_proxy", proxy.base_url())
            .env("ALL_PROXY", proxy.base_url())
            .env("all_proxy", proxy.base_url())
            .env_remove("NO_PROXY")
            .env_remove("no_proxy")
            .output()
            .await
            .expect("the child runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains("1 passed"),
            "{base_url}: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert_eq!(proxied.calls_async().await, 0, "the proxy saw a request");
    assert_eq!(direct.calls_async().await, 2);
}

// ---------------------------------------------------------------------------------------------
// 2. Response bodies are capped.

/// How a hostile server sends its endless body.
#[derive(Clone, Copy, Debug)]
enum Flood {
    /// `Content-Length: 500000000`, then as many bytes as the client reads.
    Declared,
    /// Chunked, without end.
    Chunked,
}

/// A server that answers every request with `status` and an endless body, and counts the body
/// bytes the client took before it hung up.
async fn flooding_server(status: u16, flood: Flood) -> (String, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base_url = format!("http://{}", listener.local_addr().expect("address"));
    let sent = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&sent);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                let framing = match flood {
                    Flood::Declared => "Content-Length: 500000000",
                    Flood::Chunked => "Transfer-Encoding: chunked",
                };
                let head = format!(
                    "HTTP/1.1 {status} Whatever\r\nContent-Type: application/json\r\n{framing}\r\n\r\n"
                );
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let data = vec![b' '; 64 * 1024];
                let chunk = match flood {
                    Flood::Declared => data,
                    Flood::Chunked => {
                        let mut chunk = format!("{:x}\r\n", data.len()).into_bytes();
                        chunk.extend_from_slice(&data);
                        chunk.extend_from_slice(b"\r\n");
                        chunk
                    }
                };
                // 500 MB at most, whichever way it is framed.
                for _ in 0..(500_000_000 / chunk.len()) {
                    if socket.write_all(&chunk).await.is_err() {
                        return;
                    }
                    counter.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                }
            });
        }
    });
    (base_url, sent)
}

fn client_of(base_url: &str) -> Client {
    Client::builder()
        .base_url(base_url)
        .access_token(TOKEN)
        .max_retries(0)
        .build()
        .expect("valid")
}

#[tokio::test]
async fn a_body_that_declares_500_mb_is_refused_unread() {
    for status in [200, 500] {
        let (base_url, sent) = flooding_server(status, Flood::Declared).await;
        let err = client_of(&base_url)
            .verification("v1")
            .get()
            .await
            .expect_err("too large");
        match &err {
            Error::ResponseTooLarge {
                status: got,
                limit,
                declared,
                ..
            } => {
                assert_eq!(*got, status);
                assert_eq!(*limit, ClientBuilder::DEFAULT_MAX_RESPONSE_BYTES);
                assert_eq!(*declared, Some(500_000_000));
            }
            other => panic!("{status}: expected ResponseTooLarge, got {other:?}"),
        }
        assert!(err.to_string().contains("limit of 1048576 bytes"), "{err}");
        assert!(!err.is_retryable());
        // What the kernel buffered before the client hung up, not 500 MB.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let taken = sent.load(Ordering::Relaxed);
        assert!(taken < 64 * 1024 * 1024, "the server sent {taken} bytes");
    }
}

#[tokio::test]
async fn an_endless_chunked_body_stops_at_the_cap() {
    for status in [200, 503] {
        let (base_url, sent) = flooding_server(status, Flood::Chunked).await;
        let err = client_of(&base_url).session().await.expect_err("too large");
        assert!(
            matches!(
                err,
                Error::ResponseTooLarge {
                    limit: ClientBuilder::DEFAULT_MAX_RESPONSE_BYTES,
                    declared: None,
                    ..
                }
            ),
            "{status}: {err:?}"
        );
        assert_eq!(err.status(), Some(status));
        tokio::time::sleep(Duration::from_millis(100)).await;
        let taken = sent.load(Ordering::Relaxed);
        assert!(taken < 64 * 1024 * 1024, "the server sent {taken} bytes");
    }
}

#[tokio::test]
async fn the_cap_is_set_on_the_builder() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup/verifications/v1");
            then.status(200).json_body(fixture_about("v1"));
        })
        .await;
    let small = Client::builder()
        .base_url(server.base_url())
        .access_token(TOKEN)
        .max_response_bytes(100)
        .build()
        .expect("valid");
    let err = small
        .verification("v1")
        .get()
        .await
        .expect_err("the fixture is larger");
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: 100, .. }),
        "{err:?}"
    );
    client(&server)
        .verification("v1")
        .get()
        .await
        .expect("fits the default cap");
}

// ---------------------------------------------------------------------------------------------
// 3. Redirects are not followed.

#[tokio::test]
async fn a_redirect_is_not_followed_and_the_body_goes_nowhere_else() {
    let elsewhere = MockServer::start_async().await;
    let stolen = elsewhere
        .mock_async(|_when, then| {
            then.status(200).json_body(fixture_about("v1"));
        })
        .await;
    let server = MockServer::start_async().await;
    let target = format!(
        "{}/v1/app/setup/verifications/qr/scan",
        elsewhere.base_url()
    );
    let redirect = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/verifications/qr/scan");
            then.status(307).header("location", &target);
        })
        .await;
    let err = client(&server)
        .verifications()
        .scan_qr("scanned secret payload")
        .await
        .expect_err("a redirect");
    match &err {
        Error::Redirect {
            status, location, ..
        } => {
            assert_eq!(*status, Some(307));
            assert_eq!(location.as_deref(), Some(target.as_str()));
        }
        other => panic!("expected Redirect, got {other:?}"),
    }
    assert!(!err.is_retryable());
    assert_eq!(redirect.calls_async().await, 1);
    assert_eq!(stolen.calls_async().await, 0, "the payload went elsewhere");
}

#[tokio::test]
async fn a_redirect_loop_is_one_request_and_a_typed_error() {
    let server = MockServer::start_async().await;
    let path = "/v1/app/setup/verifications";
    let target = format!("{}{path}", server.base_url());
    let looping = server
        .mock_async(|when, then| {
            when.method(GET).path(path);
            then.status(302).header("location", &target);
        })
        .await;
    let err = client(&server)
        .verifications()
        .list()
        .await
        .expect_err("a loop");
    assert!(
        matches!(
            err,
            Error::Redirect {
                status: Some(302),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(looping.calls_async().await, 1);
}

#[tokio::test]
async fn with_a_following_client_of_the_callers_a_loop_is_still_a_redirect_error() {
    let server = MockServer::start_async().await;
    let path = "/v1/app/setup/verifications";
    let target = format!("{}{path}", server.base_url());
    let looping = server
        .mock_async(|when, then| {
            when.method(GET).path(path);
            then.status(302).header("location", &target);
        })
        .await;
    let following = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(3))
        .no_proxy()
        .build()
        .expect("client");
    let client = Client::builder()
        .base_url(server.base_url())
        .access_token(TOKEN)
        .http_client(following)
        .allow_insecure_http(true)
        .build()
        .expect("valid");
    let err = client.verifications().list().await.expect_err("a loop");
    assert!(
        matches!(err, Error::Redirect { status: None, .. }),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!(
        looping.calls_async().await,
        4,
        "one attempt of the caller's client: the first request and 3 redirects"
    );
}

// ---------------------------------------------------------------------------------------------
// 4. Names under localhost are this machine, resolved by the client, never by DNS.

#[tokio::test]
async fn names_under_localhost_reach_loopback_without_a_resolver() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup");
            then.status(200).json_body(fixture()["session"].clone());
        })
        .await;
    let port = server.port();
    for base_url in [
        format!("http://evil.localhost:{port}"),
        format!("http://localhost.:{port}"),
        format!("http://Deep.Name.LOCALHOST:{port}/"),
    ] {
        let client = Client::builder()
            .base_url(&base_url)
            .access_token(TOKEN)
            .max_retries(0)
            .build()
            .expect("a name under localhost is this machine");
        client.session().await.expect(&base_url);
    }
    assert_eq!(mock.calls_async().await, 3);
}

#[test]
fn plain_http_through_the_callers_client_needs_an_explicit_opt_in() {
    // Its proxy and resolver decide where the token goes; this crate cannot check them.
    for base_url in [
        "http://127.0.0.1:1",
        "http://localhost:1",
        "http://evil.localhost:1",
        "http://localhost.:1",
    ] {
        let err = Client::builder()
            .base_url(base_url)
            .access_token(TOKEN)
            .http_client(reqwest::Client::new())
            .build()
            .expect_err("refused without the opt-in");
        assert!(
            matches!(err, Error::Config(ConfigError::CustomClientOverHttp { .. })),
            "{base_url}: {err:?}"
        );
        assert!(
            err.hint().is_some_and(|h| h.contains("no_proxy")),
            "{err:?}"
        );
        Client::builder()
            .base_url(base_url)
            .access_token(TOKEN)
            .http_client(
                reqwest::Client::builder()
                    .no_proxy()
                    .build()
                    .expect("client"),
            )
            .allow_insecure_http(true)
            .build()
            .expect("the caller says the client keeps the token local");
    }
}

// ---------------------------------------------------------------------------------------------
// 5. Each failure lands in the variant that says what happened, with the right retry decision.

/// A base URL on loopback whose listener never accepts and whose queue is full, so that a new
/// connection is never made: connecting times out.
async fn unconnectable() -> (String, Vec<tokio::net::TcpStream>, tokio::net::TcpListener) {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind("127.0.0.1:0".parse().expect("address"))
        .expect("bind");
    let listener = socket.listen(0).expect("listen");
    let address = listener.local_addr().expect("address");
    // Fill the accept queue; connections past it hang in SYN_SENT.
    let mut held = Vec::new();
    for _ in 0..8 {
        match tokio::time::timeout(
            Duration::from_millis(200),
            tokio::net::TcpStream::connect(address),
        )
        .await
        {
            Ok(Ok(stream)) => held.push(stream),
            _ => break,
        }
    }
    (format!("http://{address}"), held, listener)
}

#[tokio::test]
async fn a_connect_timeout_is_a_connect_error_and_an_action_is_retried() {
    let (logs, _guard) = Logs::capture();
    let (base_url, _held, _listener) = unconnectable().await;
    let client = Client::builder()
        .base_url(&base_url)
        .access_token(TOKEN)
        .connect_timeout(Duration::from_millis(100))
        .timeout(Duration::from_secs(30))
        .max_retries(1)
        .build()
        .expect("valid");
    let err = client
        .verification("v1")
        .accept()
        .await
        .expect_err("never connects");
    match &err {
        Error::Connect { timed_out, .. } => assert!(timed_out, "{err}"),
        other => panic!("expected Connect, got {other:?}"),
    }
    assert!(!err.to_string().contains("30s"), "{err}");
    assert_eq!(
        logs.field_values("retrying", "delay_ms").len(),
        1,
        "the action never reached the server, so it is retried"
    );
}

#[tokio::test]
async fn an_id_too_long_for_a_request_line_is_refused_before_sending() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|_when, then| {
            then.status(200).json_body(fixture_about("v1"));
        })
        .await;
    let long = "v".repeat(1_000_000);
    let client = client(&server);
    let handle = client.verification(&long);
    let err = handle.get().await.expect_err("too long");
    assert!(matches!(err, Error::InvalidId { .. }), "{err:?}");
    assert!(err.to_string().len() < 300, "the message shows a prefix");
    assert!(!err.is_retryable());
    let err = handle.accept().await.expect_err("too long");
    assert!(matches!(err, Error::InvalidId { .. }), "{err:?}");
    assert_eq!(any.calls_async().await, 0);
}

// ---------------------------------------------------------------------------------------------
// 7. `x-should-retry` comes before the client's own rules.

#[tokio::test]
async fn x_should_retry_false_stops_the_retries_of_a_read() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup");
            then.status(503)
                .header("x-should-retry", "false")
                .body("unavailable");
        })
        .await;
    let err = client(&server).session().await.expect_err("503");
    assert_eq!(mock.calls_async().await, 1);
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn x_should_retry_true_lets_an_action_be_retried() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/verifications/v1/sas/confirm");
            then.status(503)
                .header("x-should-retry", "true")
                .header("retry-after-ms", "1")
                .json_body(serde_json::json!({"message": "busy", "code": "BUSY"}));
        })
        .await;
    let err = client_with_retries(&server, 2)
        .verification("v1")
        .confirm_sas()
        .await
        .expect_err("503");
    assert_eq!(mock.calls_async().await, 3, "the server said it is safe");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn x_should_retry_true_makes_a_400_retryable_and_odd_values_are_ignored() {
    let server = MockServer::start_async().await;
    let told = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup");
            then.status(400)
                .header("x-should-retry", "TRUE")
                .header("retry-after-ms", "1")
                .json_body(serde_json::json!({"message": "try again", "code": "AGAIN"}));
        })
        .await;
    client_with_retries(&server, 1)
        .session()
        .await
        .expect_err("400");
    assert_eq!(told.calls_async().await, 2);

    let odd = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup/verifications");
            then.status(400)
                .header("x-should-retry", "perhaps")
                .json_body(serde_json::json!({"message": "no", "code": "NO"}));
        })
        .await;
    client_with_retries(&server, 2)
        .verifications()
        .list()
        .await
        .expect_err("400");
    assert_eq!(
        odd.calls_async().await,
        1,
        "a 400 is not retried by default"
    );
}

#[tokio::test]
async fn x_should_retry_true_on_a_2xx_never_repeats_an_action() {
    let server = MockServer::start_async().await;
    let accept = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/app/setup/verifications/v1/accept");
            then.status(200)
                .header("x-should-retry", "true")
                .header("retry-after-ms", "1")
                .body("{not json");
        })
        .await;
    let err = client(&server)
        .verification("v1")
        .accept()
        .await
        .expect_err("malformed");
    assert!(matches!(err, Error::InvalidResponse { .. }), "{err:?}");
    assert_eq!(
        accept.calls_async().await,
        1,
        "the action happened: one POST"
    );
}

#[tokio::test]
async fn messages_show_server_text_with_its_control_characters_escaped() {
    let hostile = "x\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\r\nforged line";
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST);
            then.status(409)
                .json_body(serde_json::json!({"code": hostile, "message": hostile,
                    "details": {"state": hostile, "availableActions": [hostile]}}));
        })
        .await;
    let answer = |id: &str| {
        serde_json::json!({
            "session": fixture()["session"].clone(),
            "verification": {
                "id": id, "availableActions": [], "direction": "incoming",
                "methods": [], "purpose": "device", "state": "cancelled",
                "error": {"code": hostile, "reason": hostile},
                "sas": {"emojis": hostile, "decimals": hostile}
            }
        })
    };
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup/verifications/v1");
            then.status(200).json_body(answer("v1"));
        })
        .await;
    // An answer about another verification, whose ID is hostile, is refused, and says so.
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup/verifications/v2");
            then.status(200).json_body(answer(hostile));
        })
        .await;
    let client = client(&server);
    let refused = client.verification("v1").accept().await.expect_err("409");
    let other = client.verification("v2").get().await.expect_err("another");
    let ended = client
        .verification("v1")
        .wait_until(beeper_verification::VerificationState::Done)
        .await
        .expect_err("cancelled");
    let sas = client
        .verification("v1")
        .get()
        .await
        .expect("200")
        .sas
        .expect("sas");
    let mut shown = vec![refused.to_string(), ended.to_string(), sas.to_string()];
    for error in [&refused, &other] {
        if let Some(source) = std::error::Error::source(error) {
            shown.push(source.to_string());
        }
    }
    for text in shown {
        assert!(
            !text.chars().any(|c| c.is_control()),
            "a raw control character: {text:?}"
        );
        assert!(text.contains(r"\u{1b}"), "shown, inert: {text}");
    }
    // The values themselves stay exact.
    assert_eq!(
        refused.api_error().map(|e| e.message.as_str()),
        Some(hostile)
    );
}
