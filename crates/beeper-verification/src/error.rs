//! The one error type of this crate. It exposes no type of the HTTP stack or of the generated
//! client, so upgrading either never changes it.

use std::time::Duration;

use crate::{Action, CancelInfo, Verification, VerificationState};

/// What can go wrong when talking to the Beeper Desktop API.
///
/// Every variant says which request failed (method and path) where there was one, and the
/// message says what to do next. The access token never appears in it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with an error status and the API's error body.
    #[error("{}", .0)]
    Api(Box<ApiError>),

    /// The server answered, but the body is not the JSON this request expects: a malformed
    /// body, an error page from something in between, or a status the API does not document.
    #[error(
        "{method} {path}: HTTP {status} with a body that is not the expected JSON ({reason}); \
         it starts with: {body_start:?}"
    )]
    InvalidResponse {
        /// The request's HTTP method.
        method: &'static str,
        /// The request's path.
        path: String,
        /// The HTTP status.
        status: u16,
        /// Why the body was rejected.
        reason: String,
        /// The first bytes of the body, as text (at most 200 characters).
        body_start: String,
        /// How long the server asked the client to wait, from `Retry-After` or `retry-after-ms`.
        retry_after: Option<Duration>,
        /// Whether the server said to retry (`x-should-retry: true`) or not (`false`).
        should_retry: Option<bool>,
    },

    /// The response body held more than the client allows
    /// ([`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes)); it was
    /// not read further.
    #[error(
        "{method} {path}: HTTP {status} with a body over the limit of {limit} bytes{}; it was not read",
        declared.map(|n| format!(" (it declares {n})")).unwrap_or_default()
    )]
    ResponseTooLarge {
        /// The request's HTTP method.
        method: &'static str,
        /// The request's path.
        path: String,
        /// The HTTP status.
        status: u16,
        /// The most a body may hold, in bytes.
        limit: u64,
        /// The length the response declared, when it declared more than the limit.
        declared: Option<u64>,
    },

    /// The server answered with a redirect. The API never redirects, so the client follows
    /// none: a redirect could carry an action's body to another origin.
    #[error(
        "{method} {path}: the server redirected{} to {}; the API never redirects, so it was not \
         followed (is the base URL right?)",
        status.map(|s| format!(" with HTTP {s}")).unwrap_or_default(),
        location.as_deref().map_or_else(|| "nowhere".to_owned(), |l| format!("{l:?}"))
    )]
    Redirect {
        /// The request's HTTP method.
        method: &'static str,
        /// The request's path.
        path: String,
        /// The redirect's status (`None` when a `reqwest::Client` of the caller's followed
        /// redirects until it gave up).
        status: Option<u16>,
        /// Where it pointed (its `Location` header).
        location: Option<String>,
    },

    /// No connection could be made, so the request never reached the server.
    #[error(
        "{method} {path}: cannot connect to the Beeper Desktop API at {base_url} ({reason}); \
         is Beeper Desktop running with its API enabled, and is the base URL right?"
    )]
    Connect {
        /// The request's HTTP method.
        method: &'static str,
        /// The request's path.
        path: String,
        /// The base URL the client was configured with.
        base_url: String,
        /// What the connection attempt reported.
        reason: String,
    },

    /// The request did not complete within the configured timeout; it may have reached the
    /// server.
    #[error("{method} {path}: no response within {timeout:?}; the server may be busy or stuck")]
    Timeout {
        /// The request's HTTP method.
        method: &'static str,
        /// The request's path.
        path: String,
        /// The per-attempt timeout that ran out.
        timeout: Duration,
    },

    /// The connection failed after it was made (reset, closed early, unreadable body); the
    /// request may have reached the server.
    #[error("{method} {path}: the connection failed during the request ({reason})")]
    Transport {
        /// The request's HTTP method.
        method: &'static str,
        /// The request's path.
        path: String,
        /// What the HTTP stack reported.
        reason: String,
    },

    /// A verification ID was rejected before any request was sent.
    #[error(
        "invalid verification ID {}: {reason}; pass the `id` of a verification the API returned",
        shown_id(id)
    )]
    InvalidId {
        /// The ID as given (the message shows it escaped).
        id: String,
        /// Why it was rejected.
        reason: &'static str,
    },

    /// The client could not be built from its configuration.
    #[error("invalid client configuration: {0}")]
    Config(#[from] ConfigError),

    /// The verification does not allow this action in its current state; nothing was sent.
    #[error(
        "cannot {action} verification {id}: it is {state}; allowed now: {}",
        join(available)
    )]
    ActionNotAvailable {
        /// The verification.
        id: String,
        /// The action that was asked for.
        action: Action,
        /// The verification's state.
        state: VerificationState,
        /// What it allows now.
        available: Vec<Action>,
    },

    /// The verification ended (`done`, `cancelled` or `error`) in a way the caller was not
    /// waiting for: the other device cancelled, it timed out, the emoji did not match.
    #[error("{}", ended(verification, expected))]
    VerificationEnded {
        /// The verification as it ended, with `error {code, reason}` when it stopped.
        verification: Box<Verification>,
        /// What the caller was waiting for.
        expected: String,
    },

    /// Waiting ran out of time (`max_wait`).
    #[error(
        "gave up waiting for {expected} after {waited:?} and {polls} polls; last seen: {last_seen}"
    )]
    WaitTimedOut {
        /// What the caller was waiting for.
        expected: String,
        /// How long it waited.
        waited: Duration,
        /// How many times it asked the server.
        polls: u32,
        /// The last state seen, or the last error when nothing was seen.
        last_seen: String,
    },
}

/// An ID as messages show it: escaped, and cut after 64 characters.
fn shown_id(id: &str) -> String {
    const SHOWN: usize = 64;
    if id.chars().count() <= SHOWN {
        return format!("{id:?}");
    }
    let start: String = id.chars().take(SHOWN).collect();
    format!("{start:?}... ({} bytes)", id.len())
}

fn join(actions: &[Action]) -> String {
    if actions.is_empty() {
        return "nothing".to_owned();
    }
    actions
        .iter()
        .map(Action::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

fn ended(verification: &Verification, expected: &str) -> String {
    let mut text = format!(
        "verification {} ended {} while waiting for {expected}",
        verification.id, verification.state
    );
    if let Some(CancelInfo { code, reason }) = &verification.error {
        text.push_str(&format!(": {reason} ({code})"));
    }
    text
}

/// The API's error body `{message, code, details}` with the request and status it answered.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// The request's HTTP method.
    pub method: &'static str,
    /// The request's path.
    pub path: String,
    /// The HTTP status.
    pub status: u16,
    /// The machine-readable error code.
    pub code: String,
    /// The error message.
    pub message: String,
    /// Additional details, such as `{"issues": [...]}` for a validation error.
    pub details: Option<serde_json::Value>,
    /// How long the server asked the client to wait, from `Retry-After` or `retry-after-ms`.
    pub retry_after: Option<Duration>,
    /// Whether the server said to retry (`x-should-retry: true`) or not (`false`).
    pub should_retry: Option<bool>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Self {
            method,
            path,
            status,
            code,
            message,
            ..
        } = self;
        write!(f, "{method} {path}: HTTP {status} {code}: {message}")?;
        match status {
            401 => write!(
                f,
                " (check the access token: set BEEPER_ACCESS_TOKEN or pass one)"
            ),
            403 => write!(f, " (the access token lacks the scope this call needs)"),
            404 => write!(
                f,
                " (no such verification; it may have ended, list them again)"
            ),
            429 => write!(f, " (rate limited; retry later)"),
            _ => Ok(()),
        }
    }
}

/// Why a [`Client`](crate::Client) could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No access token was given.
    #[error(
        "no access token: set BEEPER_ACCESS_TOKEN or call ClientBuilder::access_token; create one \
         in Beeper Desktop under Settings → Developers (Approved connections)"
    )]
    MissingToken,
    /// The access token cannot be sent in an HTTP header (it contains a line break or another
    /// control character). The token itself is not shown.
    #[error("the access token contains characters that cannot be sent in an HTTP header")]
    InvalidToken,
    /// The base URL is not a usable `http` or `https` URL.
    #[error("base URL {url:?} is not usable: {reason}")]
    InvalidBaseUrl {
        /// The URL as given.
        url: String,
        /// Why it is not usable.
        reason: String,
    },
    /// Plain `http` to a host that is not this machine would send the token in clear text.
    #[error(
        "refusing to send the access token over plain http to {host}, which is not this machine; \
         use https, or call ClientBuilder::allow_insecure_http(true) if the network is trusted"
    )]
    InsecureHttp {
        /// The host of the base URL.
        host: String,
    },
    /// An `https` base URL needs the `rustls` feature, or a `reqwest::Client` of your own.
    #[error("base URL {url:?} uses https, which needs this crate's `rustls` feature")]
    TlsNotEnabled {
        /// The URL as given.
        url: String,
    },
    /// The HTTP client could not be created.
    #[error("cannot create the HTTP client: {0}")]
    HttpClient(String),
}

impl Error {
    /// A 200 whose body lacks the `verification` the request was about.
    pub(crate) fn missing_verification(method: &'static str, path: String) -> Self {
        Self::InvalidResponse {
            method,
            path,
            status: 200,
            reason: "the response has no `verification`".to_owned(),
            body_start: String::new(),
            retry_after: None,
            should_retry: None,
        }
    }

    /// The HTTP status of the response, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api(e) => Some(e.status),
            Self::InvalidResponse { status, .. } | Self::ResponseTooLarge { status, .. } => {
                Some(*status)
            }
            Self::Redirect { status, .. } => *status,
            _ => None,
        }
    }

    /// What the server's `x-should-retry` header said, when it sent one.
    pub(crate) fn server_says_retry(&self) -> Option<bool> {
        match self {
            Self::Api(e) => e.should_retry,
            Self::InvalidResponse { should_retry, .. } => *should_retry,
            _ => None,
        }
    }

    /// Whether trying the same request again later may succeed: a connection failure, a
    /// timeout, or a 408, 429 or 5xx status, unless the server said otherwise with
    /// `x-should-retry: false` (or said yes with `x-should-retry: true`), as the official SDKs
    /// obey it.
    ///
    /// This says nothing about whether a retry is *safe*: an action (a POST) that timed out may
    /// have been carried out. The client's own retries take that into account; see
    /// [`Client`](crate::Client).
    pub fn is_retryable(&self) -> bool {
        if let Some(server_says) = self.server_says_retry() {
            return server_says;
        }
        match self {
            Self::Connect { .. } | Self::Timeout { .. } | Self::Transport { .. } => true,
            Self::Api(_) | Self::InvalidResponse { .. } => self
                .status()
                .is_some_and(|s| s == 408 || s == 429 || s >= 500),
            Self::ResponseTooLarge { .. }
            | Self::Redirect { .. }
            | Self::InvalidId { .. }
            | Self::Config(_)
            | Self::ActionNotAvailable { .. }
            | Self::VerificationEnded { .. }
            | Self::WaitTimedOut { .. } => false,
        }
    }

    /// How long the server asked the client to wait before trying again (`Retry-After` or
    /// `retry-after-ms`), when it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Api(e) => e.retry_after,
            Self::InvalidResponse { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The verification as it ended, for [`Error::VerificationEnded`].
    pub fn ended_verification(&self) -> Option<&Verification> {
        match self {
            Self::VerificationEnded { verification, .. } => Some(verification),
            _ => None,
        }
    }

    /// Why the verification stopped (`error {code, reason}`), for [`Error::VerificationEnded`].
    pub fn cancel_info(&self) -> Option<&CancelInfo> {
        self.ended_verification().and_then(|v| v.error.as_ref())
    }

    /// The API's error body, when the server sent one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Self::Api(e) => Some(e),
            _ => None,
        }
    }
}
