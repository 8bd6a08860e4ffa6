//! The one error type of this crate. It exposes no type of the HTTP stack or of the generated
//! client, so upgrading either never changes it: what went wrong underneath is reachable through
//! [`std::error::Error::source`] as a boxed error.

use std::sync::Arc;
use std::time::Duration;

use crate::shown::{Shown, shown};
use crate::wait::LastSeen;
use crate::{Action, CancelInfo, Verification, VerificationId, VerificationState};

/// An error from underneath (the HTTP stack, a JSON decoder), shared so that [`Error`] can be
/// cloned: one failed poll reaches every waiter watching the same verification.
pub type ErrorSource = Arc<dyn std::error::Error + Send + Sync + 'static>;

/// What can go wrong when talking to the Beeper Desktop API.
///
/// Every variant says which request failed (method and path) where there was one. The message
/// says what happened; [`source`](std::error::Error::source) leads to the cause underneath
/// (a connection error, a JSON error), and [`hint`](Error::hint) says what to do next. The
/// access token never appears in any of them.
///
/// ```no_run
/// use beeper_verification::Client;
///
/// #[tokio::main]
/// async fn main() -> std::process::ExitCode {
///     match run().await {
///         Ok(()) => std::process::ExitCode::SUCCESS,
///         Err(error) => {
///             eprintln!("error: {error}");
///             let mut cause = std::error::Error::source(&error);
///             while let Some(inner) = cause {
///                 eprintln!("  caused by: {inner}");
///                 cause = inner.source();
///             }
///             if let Some(hint) = error.hint() {
///                 eprintln!("hint: {hint}");
///             }
///             std::process::ExitCode::FAILURE
///         }
///     }
/// }
///
/// async fn run() -> Result<(), beeper_verification::Error> {
///     let client = Client::from_env()?;
///     println!("{}", client.session().await?.state);
///     Ok(())
/// }
/// ```
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with an error status and the API's error body.
    #[error("{}", .0)]
    Api(Arc<ApiError>),

    /// The server refused an action (409): the verification does not allow it in its current
    /// state. The state and the actions it allows are those the server sent with the refusal,
    /// so deciding what to do next costs no request.
    #[error(
        "cannot {action} verification {}{}",
        Shown(id),
        refused_because(state.as_ref(), available.as_deref())
    )]
    #[non_exhaustive]
    ActionNotAvailable {
        /// The verification.
        id: VerificationId,
        /// The action that was refused.
        action: Action,
        /// The verification's state, when the server said (`details.state`).
        state: Option<VerificationState>,
        /// What it allows now, when the server said (`details.availableActions`).
        available: Option<Vec<Action>>,
        /// The server's error body.
        #[source]
        error: Arc<ApiError>,
    },

    /// The server answered, but the body is not the JSON this request expects: a malformed
    /// body, an error page from something in between, or a status the API does not document.
    /// [`source`](std::error::Error::source) is the decoding error, when there was one.
    #[error(
        "{method} {path}: HTTP {status} with a body that is not the expected JSON; it starts \
         with: {body_start:?}"
    )]
    #[non_exhaustive]
    InvalidResponse {
        /// The request's HTTP method.
        method: &'static str,
        /// The request's path.
        path: String,
        /// The HTTP status.
        status: u16,
        /// The first bytes of the body, as text (at most 200 characters).
        body_start: String,
        /// How long the server asked the client to wait, from `Retry-After` or `retry-after-ms`.
        retry_after: Option<Duration>,
        /// Whether the server said to retry (`x-should-retry: true`) or not (`false`).
        should_retry: Option<bool>,
        /// Why the body was rejected.
        #[source]
        source: ErrorSource,
    },

    /// The response body held more than the client allows
    /// ([`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes)); it was
    /// not read further.
    #[error(
        "{method} {path}: HTTP {status} with a body over the limit of {limit} bytes{}; it was not read",
        declared.map(|n| format!(" (it declares {n})")).unwrap_or_default()
    )]
    #[non_exhaustive]
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
         followed",
        status.map(|s| format!(" with HTTP {s}")).unwrap_or_default(),
        location.as_deref().map_or_else(|| "nowhere".to_owned(), |l| format!("{l:?}"))
    )]
    #[non_exhaustive]
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
        "{method} {path}: cannot connect to the Beeper Desktop API at {base_url}{}",
        if *timed_out { " (no connection within the connect timeout)" } else { "" }
    )]
    #[non_exhaustive]
    Connect {
        /// The request's HTTP method.
        method: &'static str,
        /// The request's path.
        path: String,
        /// The base URL the client was configured with.
        base_url: String,
        /// Whether the connect timeout ran out (rather than the connection being refused).
        timed_out: bool,
        /// What the connection attempt reported.
        #[source]
        source: ErrorSource,
    },

    /// The request did not complete within the configured timeout; it may have reached the
    /// server.
    #[error(
        "{method} {path}: no response within {} (the limit of each try)",
        crate::wait::human_duration(*timeout)
    )]
    #[non_exhaustive]
    Timeout {
        /// The request's HTTP method.
        method: &'static str,
        /// The request's path.
        path: String,
        /// The per-attempt timeout that ran out.
        timeout: Duration,
        /// What the HTTP stack reported.
        #[source]
        source: ErrorSource,
    },

    /// The connection failed after it was made (reset, closed early, unreadable body); the
    /// request may have reached the server.
    #[error("{method} {path}: the connection failed during the request")]
    #[non_exhaustive]
    Transport {
        /// The request's HTTP method.
        method: &'static str,
        /// The request's path.
        path: String,
        /// What the HTTP stack reported.
        #[source]
        source: ErrorSource,
    },

    /// A verification ID was rejected before any request was sent.
    #[error("invalid verification ID {}: {reason}", shown_id(id))]
    #[non_exhaustive]
    InvalidId {
        /// The ID as given (the message shows it escaped, and cut when long).
        id: String,
        /// Why it was rejected.
        reason: String,
    },

    /// The call needs an access token, and this client has none
    /// ([`Client::has_access_token`](crate::Client::has_access_token)); nothing was sent. A
    /// client without a token can read the session while signed out and sign in
    /// ([`Client::sign_in`](crate::Client::sign_in)); every other call needs the token the
    /// sign-in returns, or one from Beeper Desktop.
    #[error(
        "{method} {path} ({operation}) needs an access token, and this client has none; \
         nothing was sent"
    )]
    #[non_exhaustive]
    TokenRequired {
        /// The operation, as the API names it (its operationId), such as `listVerifications`.
        operation: &'static str,
        /// The request's HTTP method.
        method: &'static str,
        /// The request's path.
        path: String,
    },

    /// An argument was refused before anything was sent, such as an empty email address or
    /// username. The message names the argument, never its value.
    #[error("invalid {input}: {reason}; nothing was sent")]
    #[non_exhaustive]
    InvalidInput {
        /// What was refused, such as `email`, `sign-in code` or `username`.
        input: &'static str,
        /// Why.
        reason: String,
    },

    /// The client could not be built from its configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),

    /// The verification ended (`done`, `cancelled` or `error`) in a way the caller was not
    /// waiting for: the other device cancelled, it timed out, the emoji did not match.
    #[error("{}", ended(verification, expected))]
    #[non_exhaustive]
    VerificationEnded {
        /// The verification as it ended, with `error {code, reason}` when it stopped.
        verification: Box<Verification>,
        /// What the caller was waiting for.
        expected: String,
    },

    /// Waiting ran out of time (`max_wait`). It carries what it saw last, typed, and the error
    /// of the last poll when that failed (also its [`source`](std::error::Error::source)).
    #[error(
        "gave up waiting for {expected} after {} and {polls} polls{}",
        crate::wait::human_duration(*waited),
        describe_last_seen(last_seen.as_ref())
    )]
    #[non_exhaustive]
    WaitTimedOut {
        /// What the caller was waiting for.
        expected: String,
        /// How long it waited.
        waited: Duration,
        /// How many times it asked the server.
        polls: u32,
        /// The last value it saw (a verification, the session or the list, whichever it
        /// watched), when a poll brought one.
        last_seen: Option<LastSeen>,
        /// The error of the last poll, when that poll failed.
        #[source]
        last_error: Option<Box<Error>>,
    },

    /// A guided setup ([`Client::set_up`](crate::Client::set_up)) stopped at a step only a
    /// person could take: they said no, gave no answer, or the device must be signed in first.
    /// Nothing was left half done; run the setup again to go on from there.
    #[error("setup stopped: {reason}")]
    #[non_exhaustive]
    SetupStopped {
        /// Why, in a sentence.
        reason: String,
    },

    /// The loop that polled for this wait stopped unexpectedly (its task panicked), so no more
    /// values will come. A bug: please report it.
    #[error("waiting stopped: {reason}")]
    #[non_exhaustive]
    PollingStopped {
        /// What stopped it.
        reason: &'static str,
    },
}

/// A cause that is only a message.
pub(crate) fn message_source(text: impl Into<String>) -> ErrorSource {
    let boxed: Box<dyn std::error::Error + Send + Sync> = text.into().into();
    Arc::from(boxed)
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
    let joined = actions
        .iter()
        .map(Action::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    shown(&joined).into_owned()
}

fn refused_because(state: Option<&VerificationState>, available: Option<&[Action]>) -> String {
    match (state, available) {
        (Some(state), Some(available)) => {
            format!(": it is {}; allowed now: {}", Shown(state), join(available))
        }
        (Some(state), None) => format!(": it is {}", Shown(state)),
        (None, Some(available)) => format!("; allowed now: {}", join(available)),
        (None, None) => ": the server refused it in the current state".to_owned(),
    }
}

fn ended(verification: &Verification, expected: &str) -> String {
    let mut text = format!(
        "verification {} ended {} while waiting for {expected}",
        verification.id, verification.state
    );
    if let Some(CancelInfo { code, reason }) = &verification.error {
        text.push_str(&format!(": {reason} ({code})"));
    }
    shown(&text).into_owned()
}

fn describe_last_seen(last_seen: Option<&LastSeen>) -> String {
    match last_seen {
        Some(LastSeen::Verification(v)) => format!(
            "; last seen: verification {} in state {}",
            Shown(&v.id),
            Shown(&v.state)
        ),
        Some(LastSeen::Session(s)) => format!("; last seen: session state {}", Shown(&s.state)),
        Some(LastSeen::Verifications(list)) => {
            format!("; last seen: {} verifications", list.len())
        }
        None => String::new(),
    }
}

/// The API's error body `{message, code, details}` with the request and status it answered.
/// Its message shows the server's `code` and `message` with control characters escaped; the
/// fields hold them as sent, up to a bound: a `message` longer than
/// [`MAX_MESSAGE_CHARS`](Self::MAX_MESSAGE_CHARS) is cut there, and `details` whose JSON
/// text is longer than [`MAX_DETAILS_BYTES`](Self::MAX_DETAILS_BYTES) are dropped;
/// [`truncated`](Self::truncated) says when either happened, and a cut message ends in
/// `… (cut)` where the error is shown. The API's own errors are far
/// smaller; the bound keeps a hostile body from being held (and shared with every waiter)
/// whole.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error(
    "{method} {path}: HTTP {status} {}: {}{}",
    Shown(code),
    Shown(message),
    if *.message_cut { "… (cut)" } else { "" }
)]
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
    /// Whether `message` was cut or `details` dropped because they were over the bounds.
    pub truncated: bool,
    /// Whether `message` was cut at [`MAX_MESSAGE_CHARS`](Self::MAX_MESSAGE_CHARS) (the
    /// error's own message then ends in `… (cut)`); `truncated` is also true then.
    pub message_cut: bool,
}

impl ApiError {
    /// The most characters of the server's `message` kept.
    pub const MAX_MESSAGE_CHARS: usize = 4096;
    /// The most bytes of JSON text of the server's `details` kept; larger details are dropped.
    pub const MAX_DETAILS_BYTES: usize = 16 * 1024;

    /// The API's error as answered to the request `method path` with `status`, its
    /// `message` cut to [`MAX_MESSAGE_CHARS`](Self::MAX_MESSAGE_CHARS) and its `details`
    /// dropped past [`MAX_DETAILS_BYTES`](Self::MAX_DETAILS_BYTES).
    pub(crate) fn bounded(
        (method, path, status): (&'static str, String, u16),
        code: String,
        mut message: String,
        details: Option<serde_json::Value>,
    ) -> Self {
        let mut message_cut = false;
        if let Some((cut, _)) = message.char_indices().nth(Self::MAX_MESSAGE_CHARS) {
            message.truncate(cut);
            message_cut = true;
        }
        let mut details_dropped = false;
        let details = details.filter(|d| {
            let fits =
                serde_json::to_vec(d).is_ok_and(|text| text.len() <= Self::MAX_DETAILS_BYTES);
            details_dropped = !fits;
            fits
        });
        Self {
            method,
            path,
            status,
            code,
            message,
            details,
            retry_after: None,
            should_retry: None,
            truncated: message_cut || details_dropped,
            message_cut,
        }
    }
}

/// Why a [`Client`](crate::Client) could not be built.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// An empty access token was given to
    /// [`Client::with_access_token`](crate::Client::with_access_token).
    ///
    /// Before 0.2.0, [`ClientBuilder::build`](crate::ClientBuilder::build) returned it when no
    /// token was set; since 0.2.0 it builds a client without one, and a call that needs the
    /// token fails with [`Error::TokenRequired`] instead. The variant is kept so that code
    /// matching on it still compiles.
    #[error("no access token: the token given is empty")]
    MissingToken,
    /// The access token cannot be sent in an HTTP header (it contains a line break or another
    /// control character). The token itself is not shown.
    #[error("the access token contains characters that cannot be sent in an HTTP header")]
    InvalidToken,
    /// The base URL is not a usable `http` or `https` URL.
    #[error("base URL {url:?} is not usable: {reason}")]
    #[non_exhaustive]
    InvalidBaseUrl {
        /// The URL as given.
        url: String,
        /// Why it is not usable.
        reason: String,
    },
    /// Plain `http` to a host that is not this machine would send the token in clear text.
    #[error(
        "refusing to send the access token over plain http to {host}, which is not this machine"
    )]
    #[non_exhaustive]
    InsecureHttp {
        /// The host of the base URL.
        host: String,
    },
    /// Plain `http` through a `reqwest::Client` of the caller's, whose proxy and name
    /// resolution this crate cannot check, without
    /// [`allow_insecure_http`](crate::ClientBuilder::allow_insecure_http).
    #[error(
        "refusing to send the access token over plain http to {host} through a reqwest::Client \
         whose proxy settings this crate cannot check"
    )]
    #[non_exhaustive]
    CustomClientOverHttp {
        /// The host of the base URL.
        host: String,
    },
    /// An `https` base URL needs the `rustls` feature, or a `reqwest::Client` of your own.
    #[error("base URL {url:?} uses https, which needs this crate's `rustls` feature")]
    #[non_exhaustive]
    TlsNotEnabled {
        /// The URL as given.
        url: String,
    },
    /// The user agent suffix cannot be sent in an HTTP header.
    #[error("the user agent contains characters that cannot be sent in an HTTP header")]
    InvalidUserAgent,
    /// The HTTP client could not be created; [`source`](std::error::Error::source) says why.
    #[error("cannot create the HTTP client")]
    HttpClient(#[source] ErrorSource),
}

impl Error {
    /// A 200 whose body lacks the `verification` the request was about.
    pub(crate) fn missing_verification(method: &'static str, path: String) -> Self {
        Self::InvalidResponse {
            method,
            path,
            status: 200,
            body_start: String::new(),
            retry_after: None,
            should_retry: None,
            source: message_source("the response has no `verification`"),
        }
    }

    /// A 200 whose body decoded but is not what the API documents, for `reason`; the body is
    /// not quoted (those of sign-in hold secrets).
    pub(crate) fn unexpected_answer(method: &'static str, path: String, reason: &str) -> Self {
        Self::InvalidResponse {
            method,
            path,
            status: 200,
            body_start: "[not shown: the body may hold a secret]".to_owned(),
            retry_after: None,
            should_retry: None,
            source: message_source(reason.to_owned()),
        }
    }

    /// A 200 about another verification than the one the request named.
    pub(crate) fn other_verification(
        method: &'static str,
        path: String,
        expected: &str,
        got: &str,
    ) -> Self {
        Self::InvalidResponse {
            method,
            path,
            status: 200,
            body_start: String::new(),
            retry_after: None,
            should_retry: None,
            source: message_source(format!(
                "the answer is about verification {}, not {}",
                shown_id(got),
                shown_id(expected)
            )),
        }
    }

    /// The HTTP status of the response, when one arrived; `None` when none did (a connection
    /// failure, a timeout, an ID refused before sending).
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api(e) => Some(e.status),
            Self::ActionNotAvailable { error, .. } => Some(error.status),
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
            Self::ActionNotAvailable { error, .. } => error.should_retry,
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
            Self::ActionNotAvailable { .. }
            | Self::ResponseTooLarge { .. }
            | Self::Redirect { .. }
            | Self::InvalidId { .. }
            | Self::TokenRequired { .. }
            | Self::InvalidInput { .. }
            | Self::Config(_)
            | Self::VerificationEnded { .. }
            | Self::WaitTimedOut { .. }
            | Self::SetupStopped { .. }
            | Self::PollingStopped { .. } => false,
        }
    }

    /// How long the server asked the client to wait before trying again (`Retry-After` or
    /// `retry-after-ms`), when it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Api(e) => e.retry_after,
            Self::ActionNotAvailable { error, .. } => error.retry_after,
            Self::InvalidResponse { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// What to do about it, in a sentence, when there is something to do.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use beeper_verification::{Client, Error};
    ///
    /// let signed_out = Client::builder().build().unwrap(); // no token: public calls only
    /// let error = signed_out.verifications().list().await.unwrap_err(); // nothing is sent
    /// assert!(matches!(error, Error::TokenRequired { operation: "listVerifications", .. }));
    /// assert_eq!(
    ///     error.hint(),
    ///     Some("sign in first (Client::sign_in, or Client::set_up), or give the client a token: set BEEPER_ACCESS_TOKEN or call ClientBuilder::access_token")
    /// );
    /// # }
    /// ```
    pub fn hint(&self) -> Option<&'static str> {
        Some(match self {
            Self::Api(e) | Self::ActionNotAvailable { error: e, .. } => match e.status {
                401 => {
                    "check the access token: set BEEPER_ACCESS_TOKEN or call ClientBuilder::access_token"
                }
                403 => {
                    "the access token lacks the scope this call needs; actions need a token with write access"
                }
                404 if e.path.contains("/verifications/") => {
                    "no such verification: it may have ended; list the verifications again"
                }
                404 => "the server has no such route: check the base URL",
                409 => "the verification moved on: get it again and act on its next_step()",
                429 => "the server is rate limiting: wait before trying again",
                _ => return None,
            },
            Self::Connect { .. } => {
                "is Beeper Desktop running with its API enabled, and is the base URL right?"
            }
            Self::Timeout { .. } => {
                "the server may be busy or stuck: try again, or raise ClientBuilder::timeout"
            }
            Self::Redirect { .. } => "check the base URL: the API never redirects",
            Self::ResponseTooLarge { .. } => {
                "the server sent far more than this API does; check the base URL, or raise ClientBuilder::max_response_bytes"
            }
            Self::InvalidResponse { .. } => {
                "check the base URL: something other than the Beeper Desktop API may have answered"
            }
            Self::InvalidId { .. } => "pass the `id` of a verification the API returned",
            Self::TokenRequired { .. } => {
                "sign in first (Client::sign_in, or Client::set_up), or give the client a token: set BEEPER_ACCESS_TOKEN or call ClientBuilder::access_token"
            }
            Self::InvalidInput { .. } => "ask the person again",
            Self::Config(ConfigError::MissingToken) => {
                "pass the token the sign-in returned (SignedIn::access_token), or one created in Beeper Desktop under Settings → Developers"
            }
            Self::Config(ConfigError::InsecureHttp { .. }) => {
                "use https, or call ClientBuilder::allow_insecure_http(true) if the network is trusted"
            }
            Self::Config(ConfigError::CustomClientOverHttp { .. }) => {
                "build your reqwest::Client with .no_proxy() and call ClientBuilder::allow_insecure_http(true), or leave out ClientBuilder::http_client"
            }
            Self::Config(ConfigError::TlsNotEnabled { .. }) => {
                "enable this crate's `rustls` feature, or pass a reqwest::Client of your own"
            }
            Self::VerificationEnded { .. } => "start a new verification",
            Self::SetupStopped { .. } => "run the setup again to go on from this step",
            Self::WaitTimedOut { .. } => {
                "check the other device, or wait longer (WaitOptions::max_wait)"
            }
            Self::Transport { .. } | Self::Config(_) | Self::PollingStopped { .. } => return None,
        })
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
            Self::Api(e) | Self::ActionNotAvailable { error: e, .. } => Some(e),
            _ => None,
        }
    }

    /// The API's machine-readable error `code` (such as `NOT_FOUND`), when the server sent an
    /// error body. The API publishes no list of codes; the crate's README lists the ones
    /// known, by status. Match on the status predicates below first: a code the server adds
    /// later still comes with one of the documented statuses.
    ///
    /// ```
    /// # async fn example(client: &beeper_verification::Client) {
    /// match client.verification("$abc").get().await {
    ///     Ok(verification) => println!("{:?}", verification.state),
    ///     Err(e) if e.is_not_found() => println!("no such verification"),
    ///     Err(e) if e.code() == Some("UNAUTHORIZED") => println!("check the token"),
    ///     Err(e) => println!("{e}"),
    /// }
    /// # }
    /// ```
    pub fn code(&self) -> Option<&str> {
        self.api_error().map(|e| e.code.as_str())
    }

    /// The server answered 401: the access token is missing, wrong or revoked (code
    /// `UNAUTHORIZED`). A call refused before sending because the client has no token is
    /// [`Error::TokenRequired`] instead, for which this is `false`.
    pub fn is_unauthorized(&self) -> bool {
        self.api_status() == Some(401)
    }

    /// The server answered 403: the token lacks the scope the call needs.
    pub fn is_forbidden(&self) -> bool {
        self.api_status() == Some(403)
    }

    /// The server answered 404: no such verification (code `NOT_FOUND`), no such sign-in
    /// attempt, or no such route (a wrong base URL).
    pub fn is_not_found(&self) -> bool {
        self.api_status() == Some(404)
    }

    /// The server answered 409: not possible in the current state. A verification's refused
    /// action is [`Error::ActionNotAvailable`] (code `ACTION_NOT_AVAILABLE`), with the state
    /// and what is allowed now; the session's refusals (code `SESSION_STATE_CONFLICT` and
    /// others) are [`Error::Api`].
    pub fn is_conflict(&self) -> bool {
        self.api_status() == Some(409)
    }

    /// The server answered 422: the request's body or parameters did not validate (code
    /// `VALIDATION_ERROR`, with the issues in [`ApiError::details`]).
    pub fn is_validation_error(&self) -> bool {
        self.api_status() == Some(422)
    }

    /// The server answered 429: it is rate limiting; [`Error::retry_after`] says how long
    /// it asked to wait.
    pub fn is_rate_limited(&self) -> bool {
        self.api_status() == Some(429)
    }

    /// The server answered with a 5xx status.
    pub fn is_server_error(&self) -> bool {
        self.api_status().is_some_and(|s| (500..600).contains(&s))
    }

    /// The status of the server's answer, with an error body ([`Error::Api`],
    /// [`Error::ActionNotAvailable`]) or one that could not be read (a 404 page of another
    /// server is [`Error::InvalidResponse`]).
    fn api_status(&self) -> Option<u16> {
        self.status()
    }
}

/// The code of the API's refusal of an action in the verification's current state (409).
pub(crate) const ACTION_NOT_AVAILABLE: &str = "ACTION_NOT_AVAILABLE";

/// `error` as the answer to `action` on verification `id`: a 409 whose code is
/// [`ACTION_NOT_AVAILABLE`] is [`Error::ActionNotAvailable`], with the state and allowed actions
/// from its `details`; any other error stays as it is.
pub(crate) fn refusal_of(id: &VerificationId, action: Action, error: Error) -> Error {
    let api = match error {
        Error::Api(api) if api.status == 409 && api.code == ACTION_NOT_AVAILABLE => api,
        other => return other,
    };
    // The generated type of these details; a body that does not fit it still refuses the
    // action, without the state and the actions.
    let details = api.details.clone().and_then(|d| {
        serde_json::from_value::<beeper_verification_client::types::ActionNotAvailableDetails>(d)
            .ok()
    });
    let (state, available) = match details {
        Some(d) => (
            d.state.map(|s| VerificationState::from(s.0.as_str())),
            Some(
                d.available_actions
                    .iter()
                    .map(|a| Action::from(a.0.as_str()))
                    .collect(),
            ),
        ),
        None => (None, None),
    };
    Error::ActionNotAvailable {
        id: id.clone(),
        action,
        state,
        available,
        error: api,
    }
}
