//! The [`Client`] and its configuration.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue, USER_AGENT};

use crate::base_url::{self, checked_base_url};
use crate::error::ConfigError;
use crate::request::Operation;
use crate::secret::AccessToken;
use crate::{Error, Session, VerificationsApi, WaitOptions};
use beeper_verification_client::operations as ops;

/// The header every response of Beeper Desktop carries, with its version.
pub(crate) const DESKTOP_VERSION_HEADER: &str = "x-beeper-desktop-version";

/// A client of the Beeper Desktop API's device-verification endpoints.
///
/// Cheap to clone: clones share one connection pool and one configuration. Build one with
/// [`Client::builder`] or [`Client::from_env`].
///
/// # Without a token
///
/// A client may have no access token ([`Client::has_access_token`]): it reads the session
/// (public while signed out) and signs in ([`Client::sign_in`], [`Client::set_up`]), the calls
/// the API makes public. Any other call fails with [`Error::TokenRequired`] before anything
/// is sent. [`Client::with_access_token`] gives a client with the token a sign-in returned.
///
/// Public calls (the four of sign-in) never carry the token, even when the client has one, as
/// in the official SDKs; reading the session carries it when the client has one.
///
/// # Retries
///
/// A failed request is retried up to [`ClientBuilder::max_retries`] times (default 2), waiting
/// `0.5 s · 2ⁿ` (at most 8 s, less up to a quarter at random) before retry `n`, or exactly as
/// long as the server's `Retry-After` or `retry-after-ms` says when that is at most 60 s.
///
/// - **Reads** (`session`, `list`, `get`) are retried on connection failures, timeouts, 408,
///   429 and 5xx.
/// - **Actions** (`create`, `scan_qr`, and a handle's `accept`, `cancel`, `start_sas`,
///   `confirm_sas`, `confirm_qr_scanned`) are not known to be idempotent, and the API takes no
///   idempotency key, so they are retried only when the request provably never reached the
///   server (the connection could not be made), the server answered 429, or it said
///   `x-should-retry: true`. They are never retried after a timeout, a dropped connection or a
///   5xx, where the action may already have happened: the error is returned, and
///   [`Error::is_retryable`] tells the caller a retry may help.
///
/// `x-should-retry: false` from the server stops any retry, as in the official SDKs.
///
/// # Security
///
/// The access token is sent only in the `Authorization` header, and only with the calls that
/// may need it. It never appears in `Debug` output, error messages or logs; nor do the
/// sign-in code, the registration lead token and the token a sign-in returns. The whole path it travels is checked:
///
/// - Plain `http` is refused for any host that is not this machine unless
///   [`ClientBuilder::allow_insecure_http`] says otherwise. This machine is a loopback address
///   (`127.0.0.0/8`, `::1`) or `localhost`; `localhost` and the names under it
///   (`app.localhost`, `localhost.`) are resolved to loopback by the client itself (RFC 6761),
///   never through DNS.
/// - Plain `http` never goes through a proxy, so `HTTP_PROXY`, `http_proxy` and `ALL_PROXY` never
///   see the token. An `https` base URL uses the proxy the environment names (`HTTPS_PROXY`,
///   `ALL_PROXY`, `NO_PROXY`), as users expect: the proxy sees only the encrypted tunnel.
/// - Redirects are never followed: the API does not send them, and following one could carry an
///   action's body (a scanned QR code) to another origin. A redirect is
///   [`Error::Redirect`].
/// - A response body may hold at most [`ClientBuilder::max_response_bytes`] (default 1 MiB);
///   reading stops there with [`Error::ResponseTooLarge`], so a hostile server cannot make the
///   client hold more.
///
/// With [`ClientBuilder::http_client`] your `reqwest::Client` decides proxies, redirects and
/// name resolution; the body cap and the rest still apply, and only `localhost` and loopback
/// addresses count as this machine.
///
/// # Example
///
/// ```
/// # use httpmock::MockServer;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), beeper_verification::Error> {
/// # let desktop = MockServer::start_async().await; // stands in for Beeper Desktop
/// # let example = include_str!("../tests/fixtures/verification-response.json");
/// # let example: serde_json::Value = serde_json::from_str(example).unwrap();
/// # desktop.mock_async(|when, then| { when.path("/v1/app/setup"); then.json_body(example["session"].clone()); }).await;
/// # desktop.mock_async(|when, then| {
/// #     when.path("/v1/app/setup/verifications");
/// #     then.json_body(serde_json::json!({ "items": [example["verification"].clone()] }));
/// # }).await;
/// use beeper_verification::{Client, SessionState};
///
/// let client = Client::builder()
///     .base_url(desktop.base_url()) // default: http://localhost:23373
///     .access_token("token from Beeper Desktop")
///     .build()?;
/// let session = client.session().await?;
/// if session.state == SessionState::NeedsVerification {
///     println!("verify this device from another one");
/// }
/// for verification in client.verifications().list().await? {
///     println!("{} is {}", verification.id, verification.state);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    /// Without a trailing slash.
    pub base_url: String,
    pub http: reqwest::Client,
    /// Added to every request that may carry the token: `Authorization` (marked sensitive,
    /// when the client has a token) and `User-Agent`.
    pub headers: Arc<HeaderMap>,
    /// Added to every public request: `User-Agent` only.
    pub public_headers: Arc<HeaderMap>,
    pub timeout: Duration,
    pub max_retries: u32,
    /// How waiters poll unless told otherwise.
    pub wait: WaitOptions,
    /// Bounds the requests in flight, and so the open connections; shared with the clients
    /// [`Client::with_access_token`] makes, as the connection pool is.
    pub in_flight: Arc<tokio::sync::Semaphore>,
    /// The most a response body may hold.
    pub max_response_bytes: u64,
    /// The shared polling loops of waiters, one per thing watched.
    pub feeds: crate::feed::Feeds,
    /// The version the server named in its latest response (`X-Beeper-Desktop-Version`).
    pub server_version: std::sync::Mutex<Option<String>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let token = if self.has_access_token() {
            "[redacted]"
        } else {
            "none"
        };
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("access_token", &token)
            .field("timeout", &self.inner.timeout)
            .field("max_retries", &self.inner.max_retries)
            .finish()
    }
}

impl Client {
    /// A builder, to set the base URL, token, timeouts and retries.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the environment, as the official SDKs are: the token from
    /// `BEEPER_ACCESS_TOKEN` and the base URL from `BEEPER_BASE_URL` (default
    /// `http://localhost:23373`). Without `BEEPER_ACCESS_TOKEN` (or with it empty), the client
    /// has no token: enough to read the session while signed out and to sign in.
    pub fn from_env() -> Result<Self, Error> {
        ClientBuilder::from_env().build()
    }

    /// Whether the client has an access token. Without one, only the public calls work
    /// (reading the session while signed out, and signing in); any other fails with
    /// [`Error::TokenRequired`] before anything is sent.
    pub fn has_access_token(&self) -> bool {
        self.inner.headers.contains_key(AUTHORIZATION)
    }

    /// A client with the same settings (base URL, timeouts, retries, waiting, limits) that
    /// sends `token`, such as the one a sign-in returned. It shares this client's connection
    /// pool and its bound on requests in flight, and has its own waiting loops (they poll with
    /// its token).
    ///
    /// Fails with [`ConfigError::MissingToken`] when the token is empty, and
    /// [`ConfigError::InvalidToken`] when it cannot be sent in a header (never showing it).
    ///
    /// ```
    /// use beeper_verification::Client;
    ///
    /// let signed_out = Client::builder().build()?;
    /// assert!(!signed_out.has_access_token());
    /// let signed_in = signed_out.with_access_token("token from the sign-in")?;
    /// assert!(signed_in.has_access_token());
    /// assert_eq!(signed_in.base_url(), signed_out.base_url());
    /// # Ok::<(), beeper_verification::Error>(())
    /// ```
    pub fn with_access_token(&self, token: impl Into<AccessToken>) -> Result<Client, Error> {
        let token = token.into();
        if token.expose_secret().is_empty() {
            return Err(ConfigError::MissingToken.into());
        }
        let headers = authorized(&self.inner.public_headers, &token)?;
        let inner = &self.inner;
        Ok(Client {
            inner: Arc::new(Inner {
                base_url: inner.base_url.clone(),
                http: inner.http.clone(),
                headers: Arc::new(headers),
                public_headers: Arc::clone(&inner.public_headers),
                timeout: inner.timeout,
                max_retries: inner.max_retries,
                wait: inner.wait,
                in_flight: Arc::clone(&inner.in_flight),
                max_response_bytes: inner.max_response_bytes,
                feeds: crate::feed::Feeds::default(),
                server_version: std::sync::Mutex::new(self.server_version()),
            }),
        })
    }

    /// The base URL requests go to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The version of Beeper Desktop (or Beeper Server) that answered the latest request, from
    /// the `X-Beeper-Desktop-Version` header every response carries; `None` before the first
    /// answer, or when the server sent no such header.
    ///
    /// ```no_run
    /// # async fn run(client: beeper_verification::Client) -> Result<(), beeper_verification::Error> {
    /// let session = client.session().await?;
    /// println!("{} ({})", session.state, client.server_version().unwrap_or_default());
    /// # Ok(())
    /// # }
    /// ```
    pub fn server_version(&self) -> Option<String> {
        self.inner
            .server_version
            .lock()
            .ok()
            .and_then(|version| version.clone())
    }

    /// Keeps the version a response named, shown as text (a header that is not text is shown
    /// with its bytes replaced).
    pub(crate) fn note_server_version(&self, value: &reqwest::header::HeaderValue) {
        let text = String::from_utf8_lossy(value.as_bytes());
        let text = crate::shown::shown(text.trim()).into_owned();
        if let Ok(mut version) = self.inner.server_version.lock()
            && version.as_deref() != Some(text.as_str())
        {
            *version = Some(text);
        }
    }

    /// The app's sign-in and encrypted messaging setup state (`GET /v1/app/setup`).
    ///
    /// `state` is `needs-login` while nobody is signed in (then a client without a token may
    /// ask), `needs-verification` when this device must be verified from another one, and
    /// `ready` once it is trusted.
    pub async fn session(&self) -> Result<Session, Error> {
        self.get_session(Operation::of(&ops::GET_SETUP, None)).await
    }

    /// The session, sent once: a waiter's poll.
    pub(crate) async fn poll_session(&self) -> Result<Session, Error> {
        let op = Operation::of(&ops::GET_SETUP, None).without_retries();
        self.get_session(op).await
    }

    async fn get_session(&self, op: Operation) -> Result<Session, Error> {
        let session = self
            .call(&op, |c| async move { c.get_setup().await })
            .await?;
        Ok(session.into())
    }

    /// The verification endpoints that are not about one verification: `list`, `create`, and
    /// `scan_qr`. For one verification, use [`Client::verification`].
    pub fn verifications(&self) -> VerificationsApi<'_> {
        VerificationsApi::new(self)
    }
}

/// Configuration of a [`Client`]. Every setting has a default; without an access token the
/// client makes only the public calls (see [`Client`]).
#[derive(Clone)]
pub struct ClientBuilder {
    base_url: Option<String>,
    access_token: Option<AccessToken>,
    timeout: Duration,
    connect_timeout: Duration,
    max_retries: u32,
    user_agent_suffix: Option<String>,
    http_client: Option<reqwest::Client>,
    allow_insecure_http: bool,
    wait: WaitOptions,
    max_concurrent_requests: usize,
    max_response_bytes: u64,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            base_url: None,
            access_token: None,
            timeout: Self::DEFAULT_TIMEOUT,
            connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
            max_retries: Self::DEFAULT_MAX_RETRIES,
            user_agent_suffix: None,
            http_client: None,
            allow_insecure_http: false,
            wait: WaitOptions::default(),
            max_concurrent_requests: Self::DEFAULT_MAX_CONCURRENT_REQUESTS,
            max_response_bytes: Self::DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field(
                "access_token",
                &self.access_token.as_ref().map(|_| "[redacted]"),
            )
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("max_retries", &self.max_retries)
            .field("user_agent_suffix", &self.user_agent_suffix)
            .field("http_client", &self.http_client.as_ref().map(|_| "custom"))
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("wait", &self.wait)
            .field("max_concurrent_requests", &self.max_concurrent_requests)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

impl ClientBuilder {
    /// Where Beeper Desktop serves its API on this machine unless [`base_url`](Self::base_url)
    /// or [`ENV_BASE_URL`](Self::ENV_BASE_URL) says otherwise.
    pub const DEFAULT_BASE_URL: &'static str = "http://localhost:23373";
    /// How long one attempt of a request may take, from sending to the end of the body, unless
    /// [`timeout`](Self::timeout) says otherwise.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
    /// How long making a connection may take unless
    /// [`connect_timeout`](Self::connect_timeout) says otherwise.
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
    /// How many times a failed request is retried (so at most three attempts), as in the
    /// official SDKs, unless [`max_retries`](Self::max_retries) says otherwise.
    pub const DEFAULT_MAX_RETRIES: u32 = 2;
    /// How many requests one client has in flight at most, as the official Python SDK's
    /// connection limit; more wait their turn. Change it with
    /// [`max_concurrent_requests`](Self::max_concurrent_requests).
    pub const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 100;
    /// The most a response body may hold unless
    /// [`max_response_bytes`](Self::max_response_bytes) says otherwise: 1 MiB, hundreds of times
    /// what this API sends.
    pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 1024 * 1024;
    /// The environment variable [`from_env`](Self::from_env) (and [`Client::from_env`]) reads
    /// the access token from: `BEEPER_ACCESS_TOKEN`.
    pub const ENV_ACCESS_TOKEN: &'static str = "BEEPER_ACCESS_TOKEN";
    /// The environment variable [`from_env`](Self::from_env) (and [`Client::from_env`]) reads
    /// the base URL from: `BEEPER_BASE_URL`.
    pub const ENV_BASE_URL: &'static str = "BEEPER_BASE_URL";

    /// A builder with the token from `BEEPER_ACCESS_TOKEN` and the base URL from
    /// `BEEPER_BASE_URL`, where set and not empty; other settings can still be changed. Without
    /// the token, the client it builds has none (see [`Client`]).
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) over any source of variables.
    fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Self {
        let var = |name| var(name).filter(|v| !v.trim().is_empty());
        Self {
            base_url: var(Self::ENV_BASE_URL),
            access_token: var(Self::ENV_ACCESS_TOKEN).map(AccessToken::from),
            ..Self::default()
        }
    }

    /// The API's base URL, such as `http://localhost:23373` (the default) or a Beeper Server's
    /// `https://` URL. A path prefix is kept.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The access token, from Beeper Desktop's Settings → Developers, from OAuth, or from a
    /// sign-in ([`SignedIn::access_token`](crate::SignedIn::access_token)): a `String`, a
    /// `&str` or an [`AccessToken`]. An empty one is the same as none.
    pub fn access_token(mut self, token: impl Into<AccessToken>) -> Self {
        self.access_token = Some(token.into());
        self
    }

    /// How long one attempt of a request may take, from sending to the end of the body
    /// (default 30 s). Retries get the same time again.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long making a connection may take (default 5 s). Ignored with
    /// [`http_client`](Self::http_client), whose own setting applies.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How many times a failed request may be retried (default 2; 0 turns retries off). See
    /// [`Client`] for which failures are retried.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Text appended to the `User-Agent` header, such as `my-app/1.2`.
    pub fn user_agent(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Sends requests through this `reqwest::Client` (TLS roots, a shared pool). The token and
    /// user agent are still added to every request, and the per-attempt timeout and the body
    /// cap still apply.
    ///
    /// Its own proxy, redirect and DNS settings apply instead of this crate's (see
    /// [`Client`]'s security notes), and this crate cannot check them. So with a plain-`http`
    /// base URL, even on this machine, it is refused unless you also call
    /// [`allow_insecure_http(true)`](Self::allow_insecure_http), saying that you built it to
    /// keep the token where it belongs (`.no_proxy()`,
    /// `.redirect(reqwest::redirect::Policy::none())`). `reqwest` is a public dependency
    /// through this method: a major version of it is a major version of this crate.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Allows plain `http` to a host that is not this machine, which sends the token in clear
    /// text, and plain `http` through a [`http_client`](Self::http_client) of your own. Only
    /// for a network you trust.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// How waiters, change streams and guided flows poll (default: 250 ms doubling to 2 s,
    /// for at most 10 minutes). See [`WaitOptions`].
    pub fn wait_options(mut self, options: WaitOptions) -> Self {
        self.wait = options;
        self
    }

    /// How many requests the client (and its clones) may have in flight at once (default 100);
    /// more wait their turn, before their timeout starts. This bounds the open connections, so
    /// that thousands of waiters on one client share a few of them. At least 1.
    pub fn max_concurrent_requests(mut self, limit: usize) -> Self {
        self.max_concurrent_requests = limit.max(1);
        self
    }

    /// The most a response body may hold, in bytes (default [`DEFAULT_MAX_RESPONSE_BYTES`](Self::DEFAULT_MAX_RESPONSE_BYTES),
    /// 1 MiB). A response that declares more is not read; one that streams more stops at the
    /// limit. Either way the call fails with [`Error::ResponseTooLarge`], naming the limit.
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Checks the configuration and builds the client.
    ///
    /// Fails with [`Error::Config`] when the token cannot be sent in a header, the base URL is
    /// not a usable `http` or `https` URL, or plain `http` would carry the token (or a sign-in's
    /// secrets) to another machine. A builder without a token builds a client without one
    /// (see [`Client`]).
    pub fn build(self) -> Result<Client, Error> {
        let base = checked_base_url(
            self.base_url.as_deref().unwrap_or(Self::DEFAULT_BASE_URL),
            self.allow_insecure_http,
            self.http_client.is_some(),
        )?;
        let token = self.access_token.filter(|t| !t.expose_secret().is_empty());
        let user_agent = match &self.user_agent_suffix {
            None => DEFAULT_USER_AGENT.to_owned(),
            Some(suffix) => format!("{DEFAULT_USER_AGENT} {suffix}"),
        };
        let user_agent =
            HeaderValue::from_str(&user_agent).map_err(|_| ConfigError::InvalidUserAgent)?;
        let mut public_headers = HeaderMap::new();
        public_headers.insert(USER_AGENT, user_agent);
        let headers = match &token {
            Some(token) => authorized(&public_headers, token)?,
            None => public_headers.clone(),
        };

        let http = match self.http_client {
            Some(http) => http,
            None => base_url::http_client(&base, self.connect_timeout)?,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                base_url: base.url,
                http,
                headers: Arc::new(headers),
                public_headers: Arc::new(public_headers),
                timeout: self.timeout,
                max_retries: self.max_retries,
                wait: self.wait,
                in_flight: Arc::new(tokio::sync::Semaphore::new(self.max_concurrent_requests)),
                max_response_bytes: self.max_response_bytes,
                feeds: crate::feed::Feeds::default(),
                server_version: std::sync::Mutex::new(None),
            }),
        })
    }
}

/// `public` with `Authorization: Bearer <token>` added, marked sensitive so that no `Debug`
/// shows it.
fn authorized(public: &HeaderMap, token: &AccessToken) -> Result<HeaderMap, ConfigError> {
    let bearer = AccessToken::from(format!("Bearer {}", token.expose_secret()));
    let mut auth =
        HeaderValue::from_str(bearer.expose_secret()).map_err(|_| ConfigError::InvalidToken)?;
    auth.set_sensitive(true);
    let mut headers = public.clone();
    headers.insert(AUTHORIZATION, auth);
    Ok(headers)
}

const DEFAULT_USER_AGENT: &str = concat!("beeper-verification-rust/", env!("CARGO_PKG_VERSION"));

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn the_environment_gives_the_token_and_base_url() {
        let vars = [
            (ClientBuilder::ENV_ACCESS_TOKEN, "t0k"),
            (ClientBuilder::ENV_BASE_URL, "http://127.0.0.1:9999/"),
        ];
        let client = ClientBuilder::from_lookup(lookup(&vars))
            .build()
            .expect("valid");
        assert_eq!(client.base_url(), "http://127.0.0.1:9999");
    }

    #[test]
    fn without_a_base_url_in_the_environment_the_default_is_used() {
        let vars = [
            (ClientBuilder::ENV_ACCESS_TOKEN, "t0k"),
            (ClientBuilder::ENV_BASE_URL, " "),
        ];
        let client = ClientBuilder::from_lookup(lookup(&vars))
            .build()
            .expect("valid");
        assert_eq!(client.base_url(), "http://localhost:23373");
    }

    #[test]
    fn without_a_token_the_client_is_built_without_one() {
        for vars in [
            &[][..],
            &[(ClientBuilder::ENV_ACCESS_TOKEN, "")][..],
            &[(ClientBuilder::ENV_ACCESS_TOKEN, " \n")][..],
        ] {
            let client = ClientBuilder::from_lookup(lookup(vars))
                .build()
                .expect("a client for the public calls");
            assert!(!client.has_access_token());
            assert!(!client.inner.headers.contains_key(AUTHORIZATION));
            assert!(format!("{client:?}").contains("access_token: \"none\""));
        }
        let given_empty = Client::builder().access_token(" ").build().expect("built");
        assert!(!given_empty.has_access_token());
    }

    #[test]
    fn another_token_keeps_the_settings_and_shares_the_pool() {
        let signed_out = Client::builder()
            .base_url("http://127.0.0.1:9999")
            .timeout(Duration::from_secs(3))
            .max_retries(7)
            .user_agent("app/1")
            .build()
            .expect("valid");
        let signed_in = signed_out.with_access_token(" n3w-t0ken ").expect("valid");
        assert!(signed_in.has_access_token() && !signed_out.has_access_token());
        assert_eq!(signed_in.base_url(), "http://127.0.0.1:9999");
        assert_eq!(signed_in.inner.timeout, Duration::from_secs(3));
        assert_eq!(signed_in.inner.max_retries, 7);
        assert!(Arc::ptr_eq(
            &signed_in.inner.in_flight,
            &signed_out.inner.in_flight
        ));
        assert_eq!(
            signed_in
                .inner
                .headers
                .get(AUTHORIZATION)
                .map(|v| v.as_bytes()),
            Some(&b"Bearer n3w-t0ken"[..])
        );
        assert_eq!(
            signed_in.inner.headers.get(USER_AGENT),
            signed_out.inner.headers.get(USER_AGENT)
        );
        assert!(!signed_in.inner.public_headers.contains_key(AUTHORIZATION));
        assert!(!format!("{signed_in:?}").contains("n3w"));

        for (token, expected) in [("", "MissingToken"), ("a\nb", "InvalidToken")] {
            let err = signed_out.with_access_token(token).expect_err("refused");
            assert!(format!("{err:?}").contains(expected), "{err:?}");
            assert!(!err.to_string().contains("a\nb"));
        }
    }

    #[test]
    fn a_token_with_a_line_break_is_rejected_without_showing_it() {
        let err = Client::builder()
            .access_token("abc\ndef")
            .build()
            .expect_err("invalid");
        assert!(
            matches!(err, Error::Config(ConfigError::InvalidToken)),
            "{err:?}"
        );
        assert!(!err.to_string().contains("abc"));
    }

    #[test]
    fn debug_output_never_shows_the_token() {
        let builder = Client::builder().access_token("s3cr3t-t0ken");
        assert!(!format!("{builder:?}").contains("s3cr3t"));
        let client = builder.build().expect("valid");
        let shown = format!("{client:?}");
        assert!(
            !shown.contains("s3cr3t") && shown.contains("[redacted]"),
            "{shown}"
        );
        assert!(!format!("{:?}", client.inner.headers).contains("s3cr3t"));
    }

    #[test]
    fn a_bad_base_url_fails_the_build() {
        let err = Client::builder()
            .access_token("t")
            .base_url("http://example.com")
            .build()
            .expect_err("insecure");
        assert!(
            matches!(err, Error::Config(ConfigError::InsecureHttp { ref host }) if host == "example.com"),
            "{err:?}"
        );
        assert!(
            err.hint()
                .is_some_and(|h| h.contains("allow_insecure_http")),
            "{err}"
        );
    }

    #[cfg(feature = "rustls")]
    #[test]
    fn with_rustls_an_https_client_builds() {
        let client = Client::builder()
            .base_url("https://beeper.example.com/")
            .access_token("t")
            .build();
        assert_eq!(
            client.ok().map(|c| c.base_url().to_owned()).as_deref(),
            Some("https://beeper.example.com")
        );
    }
}
