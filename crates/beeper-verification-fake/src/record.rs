//! The latest requests the fake received are recorded, so tests can assert what a client sent
//! and how often. The record is a ring buffer: when it holds its number of requests, or
//! [`MAX_RECORD_BYTES`] of them, the oldest request goes.

use std::collections::VecDeque;
use std::time::Duration;

use serde::Serialize;

use crate::Operation;

/// One request as the fake received it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The HTTP method, such as `POST`.
    pub method: String,
    /// The path as sent (percent-encoding kept), without the query.
    pub path: String,
    /// The API operation it addressed, if any (`None` for the fake's own controls and for
    /// routes the API does not have). Serialized as its operationId.
    pub operation: Option<Operation>,
    /// The headers, names in lower case, in the order received. The credentials of
    /// `authorization` and `proxy-authorization` (after the scheme) and the whole of `cookie`
    /// read `[redacted]`: a test can check that a token was sent, not which one.
    pub headers: Vec<(String, String)>,
    /// The body, as text.
    pub body: String,
    /// When it arrived: the time since the server started, on tokio's clock (so a test on a
    /// paused clock sees virtual time). Serialized as `atMs`, in milliseconds.
    #[serde(rename = "atMs", serialize_with = "millis")]
    pub at: Duration,
}

fn millis<S: serde::Serializer>(at: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u128(at.as_millis())
}

impl RecordedRequest {
    /// The first value of a header (the name is matched without regard to case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The most the request record holds, in bytes of methods, paths, headers and bodies, however
/// many requests it may keep: a flood of large requests cannot make the fake grow without
/// bound.
pub const MAX_RECORD_BYTES: usize = 16 * 1024 * 1024;

/// The latest requests, at most `size` of them and [`MAX_RECORD_BYTES`] in all.
#[derive(Debug)]
pub(crate) struct Record {
    size: usize,
    // Not allocated up front: the size may be far larger than any test ever fills.
    requests: VecDeque<RecordedRequest>,
    /// The bytes the kept requests hold.
    bytes: usize,
}

/// The bytes a recorded request holds, roughly: its text.
fn weight(request: &RecordedRequest) -> usize {
    request.method.len()
        + request.path.len()
        + request.body.len()
        + request
            .headers
            .iter()
            .map(|(n, v)| n.len() + v.len())
            .sum::<usize>()
}

impl Record {
    pub fn new(size: usize) -> Self {
        Self {
            size,
            requests: VecDeque::new(),
            bytes: 0,
        }
    }

    /// Keeps `request`, dropping the oldest one if the record is full.
    pub fn push(&mut self, request: RecordedRequest) {
        let weight = weight(&request);
        if self.size == 0 || weight > MAX_RECORD_BYTES {
            return;
        }
        while self.requests.len() >= self.size || self.bytes + weight > MAX_RECORD_BYTES {
            match self.requests.pop_front() {
                Some(oldest) => self.bytes -= self::weight(&oldest),
                None => break,
            }
        }
        self.bytes += weight;
        self.requests.push_back(request);
    }

    /// Whether requests are kept at all.
    pub fn is_on(&self) -> bool {
        self.size > 0
    }

    /// The requests kept, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &RecordedRequest> {
        self.requests.iter()
    }

    pub fn clear(&mut self) {
        self.requests.clear();
        self.bytes = 0;
    }
}

/// The body fields that hold a secret: the emailed sign-in code (`response`), the lead token
/// and the access token. The record keeps them as `[redacted]`, and a 422 does not repeat
/// their value.
pub(crate) const SECRET_FIELDS: [&str; 3] = ["response", "leadToken", "accessToken"];

const REDACTED: &str = "[redacted]";

/// A body as the record keeps it: as sent, but with the value of every [`SECRET_FIELDS`] field
/// of a JSON body (at any depth) read `[redacted]`, and the whole of a body that is not JSON
/// read `[redacted: not JSON]` when it was sent to an operation that takes a secret (the code
/// or the lead token might be in it).
pub(crate) fn recorded_body(operation: Option<Operation>, bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let sign_in = matches!(
        operation,
        Some(
            Operation::StartSetup
                | Operation::SendSetupEmail
                | Operation::FinishSetupSignIn
                | Operation::RegisterSetupAccount
        )
    );
    // Elsewhere, parse only a body that may name a secret field: spelt out, or with escapes
    // (`"\u0072esponse"` is `"response"` to a JSON parser).
    let may_name_one =
        SECRET_FIELDS.iter().any(|field| text.contains(field)) || text.contains("\\u");
    if !sign_in && !may_name_one {
        return text.into_owned();
    }
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(mut json) => {
            if redact(&mut json) {
                json.to_string()
            } else {
                text.into_owned()
            }
        }
        Err(_) if bytes.is_empty() => String::new(),
        Err(_) => match operation {
            Some(Operation::FinishSetupSignIn | Operation::RegisterSetupAccount) => {
                "[redacted: not JSON]".to_owned()
            }
            _ => text.into_owned(),
        },
    }
}

/// Replaces the value of every secret field in `json`; whether there was one.
fn redact(json: &mut serde_json::Value) -> bool {
    match json {
        serde_json::Value::Object(map) => {
            let mut any = false;
            for (key, value) in map.iter_mut() {
                if SECRET_FIELDS.contains(&key.as_str()) {
                    *value = serde_json::Value::String(REDACTED.to_owned());
                    any = true;
                } else {
                    any |= redact(value);
                }
            }
            any
        }
        serde_json::Value::Array(items) => items.iter_mut().fold(false, |any, v| redact(v) | any),
        _ => false,
    }
}

/// A header as the record keeps it: secrets replaced by `[redacted]`.
pub(crate) fn recorded_header(name: &str, value: &[u8]) -> (String, String) {
    let value = String::from_utf8_lossy(value);
    let kept = match name {
        "authorization" | "proxy-authorization" => match value.split_once(' ') {
            Some((scheme, _)) => format!("{scheme} {REDACTED}"),
            None => REDACTED.to_owned(),
        },
        "cookie" => REDACTED.to_owned(),
        _ => value.into_owned(),
    };
    (name.to_owned(), kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(body_bytes: usize) -> RecordedRequest {
        RecordedRequest {
            method: "POST".into(),
            path: "/x".into(),
            operation: None,
            headers: vec![("x-pad".into(), "p".repeat(1000))],
            body: "b".repeat(body_bytes),
            at: Duration::ZERO,
        }
    }

    #[test]
    fn secrets_in_bodies_are_redacted_and_other_bodies_kept_as_sent() {
        let body = br#"{"response": "123456", "setupRequestID": "s", "x": [{"leadToken": 7}]}"#;
        let kept = recorded_body(Some(Operation::FinishSetupSignIn), body);
        assert!(!kept.contains("123456") && !kept.contains('7'), "{kept}");
        assert_eq!(kept.matches("[redacted]").count(), 2, "{kept}");
        assert!(kept.contains(r#""setupRequestID":"s""#), "{kept}");
        let plain = br#"{ "email": "a@b.c",  "setupRequestID": "s" }"#;
        assert_eq!(
            recorded_body(Some(Operation::SendSetupEmail), plain),
            String::from_utf8_lossy(plain),
            "nothing secret: as sent"
        );
        let broken = br#"{"response": "123456", "setupRe"#;
        assert_eq!(
            recorded_body(Some(Operation::FinishSetupSignIn), broken),
            "[redacted: not JSON]"
        );
        assert_eq!(
            recorded_body(Some(Operation::VerifyRecoveryKey), b"not json"),
            "not json"
        );
        assert_eq!(recorded_body(Some(Operation::FinishSetupSignIn), b""), "");
        let escaped = br#"{"\u0072esponse": "123456"}"#;
        assert!(!recorded_body(None, escaped).contains("123456"));
        let elsewhere = br#"{"nested": {"accessToken": "t0k"}}"#;
        assert!(!recorded_body(Some(Operation::CreateVerification), elsewhere).contains("t0k"));
    }

    #[test]
    fn the_record_is_bounded_by_count_and_by_bytes() {
        let mut record = Record::new(3);
        for _ in 0..5 {
            record.push(request(10));
        }
        assert_eq!(record.iter().count(), 3);

        let mut record = Record::new(10_000);
        for _ in 0..1_000 {
            record.push(request(60 * 1024));
        }
        let kept: usize = record.iter().map(weight).sum();
        assert!(kept <= MAX_RECORD_BYTES, "{kept}");
        assert_eq!(kept, record.bytes);
        assert!(record.iter().count() < 1_000, "the oldest went");
        record.clear();
        assert_eq!((record.iter().count(), record.bytes), (0, 0));
    }
}
