//! The latest requests the fake received are recorded, so tests can assert what a client sent
//! and how often. The record is a ring buffer: when it is full, the oldest request goes.

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

/// The latest requests, at most `size` of them.
#[derive(Debug)]
pub(crate) struct Record {
    size: usize,
    // Not allocated up front: the size may be far larger than any test ever fills.
    requests: VecDeque<RecordedRequest>,
}

impl Record {
    pub fn new(size: usize) -> Self {
        Self {
            size,
            requests: VecDeque::new(),
        }
    }

    /// Keeps `request`, dropping the oldest one if the record is full.
    pub fn push(&mut self, request: RecordedRequest) {
        if self.size == 0 {
            return;
        }
        if self.requests.len() >= self.size {
            self.requests.pop_front();
        }
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
    }
}

/// A header as the record keeps it: secrets replaced by `[redacted]`.
pub(crate) fn recorded_header(name: &str, value: &[u8]) -> (String, String) {
    const REDACTED: &str = "[redacted]";
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
