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

/// A client of `server` with the default settings.
pub fn client(server: &MockServer) -> Client {
    client_with_retries(server, beeper_verification::DEFAULT_MAX_RETRIES)
}

/// The documentation's example response of `GET .../verifications/{verificationID}`.
pub fn fixture() -> Value {
    let text = include_str!("../../../../tests/fixtures/verification-response.json");
    serde_json::from_str(text).expect("fixture is JSON")
}

/// Everything the crate logs at every level while the returned guard lives, as text.
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    /// Starts capturing on this thread (the test's current-thread runtime runs here).
    pub fn capture() -> (Self, tracing::subscriber::DefaultGuard) {
        let logs = Self::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        (logs, tracing::subscriber::set_default(subscriber))
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
