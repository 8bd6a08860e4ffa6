//! A generated client for a fake server, and small helpers for its tests.
#![allow(dead_code)]

use beeper_verification_client::{Client, RequestHooks, types};
use beeper_verification_fake::FakeServer;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};

/// The generated client, with the fake's token: every response decodes with the spec's types.
pub fn client(server: &FakeServer) -> Client {
    let mut headers = HeaderMap::new();
    let bearer = HeaderValue::from_str(&format!("Bearer {}", server.token())).expect("valid token");
    headers.insert(AUTHORIZATION, bearer);
    Client::new_with_client(
        server.base_url(),
        reqwest::Client::new(),
        RequestHooks::new(headers),
    )
}

pub fn id<T: std::str::FromStr>(raw: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    raw.parse().expect("a verification ID")
}

/// The verification of a response, which every verification call returns.
pub fn verification(response: types::VerificationSessionResponse) -> types::Verification {
    response
        .verification
        .expect("the response names the verification")
}

pub fn actions(v: &types::Verification) -> Vec<&str> {
    v.available_actions.iter().map(|a| a.0.as_str()).collect()
}

/// Polls `GET .../verifications/{id}` until its state is `state`, for at most 500 tries.
pub async fn poll_until(
    client: &Client,
    verification_id: &str,
    state: &str,
) -> types::Verification {
    for _ in 0..500 {
        let v = verification(
            client
                .get_verification(&id(verification_id))
                .await
                .expect("200")
                .into_inner(),
        );
        if v.state.0 == state {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("{verification_id} never reached {state}");
}

/// A response read off the wire by [`raw`].
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// Sends `head` (the request line and headers, lines ending in CRLF, without the empty line)
/// and `body` as written, over a new connection, as an attacker's tool would: no client library
/// fixes the `Host` header or the content type.
pub async fn raw(server: &FakeServer, head: &str, body: &[u8]) -> RawResponse {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = server
        .base_url()
        .strip_prefix("http://")
        .expect("an http URL");
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connects");
    let mut request = format!(
        "{head}content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    stream.write_all(&request).await.expect("sends");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("reads");
    let text = String::from_utf8_lossy(&answer);
    let (head, body) = text.split_once("\r\n\r\n").expect("a response head");
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    RawResponse {
        status,
        headers,
        body: body.to_owned(),
    }
}
