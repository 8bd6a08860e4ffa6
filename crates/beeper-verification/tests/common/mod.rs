//! Shared by the integration tests: a client pointed at an httpmock server on loopback, the
//! documentation's example response, and a capture of the tracing output.
#![allow(dead_code)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use beeper_verification::Client;
use httpmock::MockServer;
use serde_json::Value;

/// The access token every test client sends; tests assert it never leaks.
pub const TOKEN: &str = "tok-7c1d-secret-value";

/// A client of `server` with fast retries: `max_retries` as given, the default backoff.
pub fn client_with_retries(server: &MockServer, max_retries: u32) -> Client {
    Client::builder()
        .base_url(server.base_url())
        .access_token(TOKEN)
        .max_retries(max_retries)
        .build()
        .expect("valid configuration")
}

/// A base URL on loopback where nothing listens: a port bound, then freed.
pub fn refused_base_url() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    format!("http://127.0.0.1:{port}")
}

/// A client of `server` with the default settings.
pub fn client(server: &MockServer) -> Client {
    client_with_retries(
        server,
        beeper_verification::ClientBuilder::DEFAULT_MAX_RETRIES,
    )
}

/// The documentation's example response of `GET .../verifications/{verificationID}`.
pub fn fixture() -> Value {
    let text = include_str!("../fixtures/verification-response.json");
    serde_json::from_str(text).expect("fixture is JSON")
}

/// The example response, about the verification `id` (the client refuses an answer about
/// another verification than the one it asked about).
pub fn fixture_about(id: &str) -> Value {
    let mut body = fixture();
    body["verification"]["id"] = Value::from(id);
    body["session"]["verification"]["id"] = Value::from(id);
    body
}

/// A client of `server` without a token, for the public calls (sign-in, a signed-out session).
pub fn tokenless(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.base_url())
        .build()
        .expect("a client without a token")
}

/// The example session in `state`, with no verification.
pub fn session_in(state: &str) -> Value {
    let mut session = fixture()["session"].clone();
    session["state"] = Value::from(state);
    if let Some(session) = session.as_object_mut() {
        session.remove("verification");
    }
    session
}

/// The answer of a sign-in (or a registration) that gives `token`, with the session in
/// `state` after it.
pub fn signed_in_body(token: &str, state: &str) -> Value {
    serde_json::json!({
        "matrix": {
            "accessToken": token,
            "deviceID": "DEV1",
            "homeserver": "https://matrix.beeper.com",
            "userID": "@you:beeper.com"
        },
        "session": session_in(state)
    })
}

/// Everything the crate logs at every level on this thread while the capture guard lives.
///
/// One global subscriber serves the whole test binary and routes each line to the capture of
/// the thread that logged it (each test runs its current-thread runtime on its own thread).
/// Per-thread subscribers would race on tracing's callsite interest cache and drop events.
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

thread_local! {
    static CURRENT: std::cell::RefCell<Option<Logs>> = const { std::cell::RefCell::new(None) };
}

/// Stops the capture of this thread when dropped.
pub struct CaptureGuard;

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        CURRENT.with(|c| c.borrow_mut().take());
    }
}

/// A line sink that writes to this thread's capture, if any.
struct Routed(Option<Logs>);

impl Write for Routed {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.0 {
            Some(logs) => logs.write(buf),
            None => Ok(buf.len()),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    /// Starts capturing what this thread logs.
    pub fn capture() -> (Self, CaptureGuard) {
        static INIT: std::sync::Once = std::sync::Once::new();
        INIT.call_once(|| {
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_writer(|| Routed(CURRENT.with(|c| c.borrow().clone())))
                .with_ansi(false)
                .finish();
            let _ = tracing::subscriber::set_global_default(subscriber);
        });
        let logs = Self::default();
        CURRENT.with(|c| *c.borrow_mut() = Some(logs.clone()));
        (logs, CaptureGuard)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().map(|b| b.clone()).unwrap_or_default()).into_owned()
    }

    /// The values of `field=` on the lines that contain `message`.
    pub fn field_values(&self, message: &str, field: &str) -> Vec<String> {
        let key = format!("{field}=");
        self.text()
            .lines()
            .filter(|line| line.contains(message))
            .filter_map(|line| {
                let start = line.find(&key)? + key.len();
                line[start..].split_whitespace().next().map(str::to_owned)
            })
            .collect()
    }
}

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
