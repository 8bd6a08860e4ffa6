//! The [`Client`] and its configuration.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue, USER_AGENT};

use crate::error::ConfigError;
use crate::request::Operation;
use crate::{Error, Session, VerificationsApi, WaitOptions};

/// Where Beeper Desktop serves its API on this machine unless told otherwise.
pub const DEFAULT_BASE_URL: &str = "http://localhost:23373";
/// How long one attempt of a request may take, from sending to the end of the body.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long making a connection may take.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How many times a failed request is retried (so at most three attempts), as in the official SDKs.
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// How many requests one client has in flight at most, as the official Python SDK's connection
/// limit; more wait their turn.
pub const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 100;
/// The environment variable [`Client::from_env`] reads the access token from.
pub const ENV_ACCESS_TOKEN: &str = "BEEPER_ACCESS_TOKEN";
/// The environment variable [`Client::from_env`] reads the base URL from.
pub const ENV_BASE_URL: &str = "BEEPER_BASE_URL";

/// A client of the Beeper Desktop API's device-verification endpoints.
///
/// Cheap to clone: clones share one connection pool and one configuration. Build one with
/// [`Client::builder`] or [`Client::from_env`].
///
/// # Retries
///
/// A failed request is retried up to [`ClientBuilder::max_retries`] times (default 2), waiting
/// `0.5 s · 2ⁿ` (at most 8 s, less up to a quarter at random) before retry `n`, or exactly as
/// long as the server's `Retry-After` or `retry-after-ms` says when that is at most 60 s.
///
/// - **Reads** (`session`, `list`, `retrieve`) are retried on connection failures, timeouts,
///   408, 429 and 5xx.
/// - **Actions** (`create`, `accept`, `cancel`, `sas().start`, `sas().confirm`, `qr().scan`,
///   `qr().confirm_scanned`) are not known to be idempotent, and the API takes no idempotency
///   key, so they are retried only when the request provably never reached the server (the
///   connection could not be made) or the server answered 429. They are never retried after a
///   timeout, a dropped connection or a 5xx, where the action may already have happened: the
///   error is returned, and [`Error::is_retryable`] tells the caller a retry may help.
///
/// # Security
///
/// The access token is sent only in the `Authorization` header. It never appears in `Debug`
/// output, error messages or logs. Plain `http` is refused for any host that is not this machine
/// unless [`ClientBuilder::allow_insecure_http`] says otherwise.
///
/// # Example
///
/// ```
/// # use httpmock::MockServer;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), beeper_verification::Error> {
/// # let desktop = MockServer::start_async().await; // stands in for Beeper Desktop
/// # let example = include_str!("../../../tests/fixtures/verification-response.json");
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
    /// Added to every request: `Authorization` (marked sensitive) and `User-Agent`.
    pub headers: Arc<HeaderMap>,
    pub timeout: Duration,
    pub max_retries: u32,
    /// How waiters poll unless told otherwise.
    pub wait: WaitOptions,
    /// Bounds the requests in flight, and so the open connections.
    pub in_flight: tokio::sync::Semaphore,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("access_token", &"[redacted]")
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
    /// `BEEPER_ACCESS_TOKEN` (required) and the base URL from `BEEPER_BASE_URL` (default
    /// `http://localhost:23373`).
    pub fn from_env() -> Result<Self, Error> {
        ClientBuilder::from_env().build()
    }

    /// The base URL requests go to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The app's sign-in and encrypted messaging setup state (`GET /v1/app/setup`).
    ///
    /// `state` is `needs-verification` when this device must be verified from another one, and
    /// `ready` once it is trusted.
    pub async fn session(&self) -> Result<Session, Error> {
        let op = Operation::read("getSetup", "/v1/app/setup".to_owned());
        let session = self
            .call(op, |c| async move { c.get_setup().await })
            .await?;
        Ok(session.into())
    }

    /// The verification endpoints: list, create, retrieve, accept, cancel, and the QR and SAS
    /// steps.
    pub fn verifications(&self) -> VerificationsApi<'_> {
        VerificationsApi::new(self)
    }
}

/// Configuration of a [`Client`]. Every setting has a default except the access token.
#[derive(Clone)]
pub struct ClientBuilder {
    base_url: Option<String>,
    access_token: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
    max_retries: u32,
    user_agent_suffix: Option<String>,
    http_client: Option<reqwest::Client>,
    allow_insecure_http: bool,
    wait: WaitOptions,
    max_concurrent_requests: usize,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            base_url: None,
            access_token: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_retries: DEFAULT_MAX_RETRIES,
            user_agent_suffix: None,
            http_client: None,
            allow_insecure_http: false,
            wait: WaitOptions::default(),
            max_concurrent_requests: DEFAULT_MAX_CONCURRENT_REQUESTS,
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
            .finish()
    }
}

impl ClientBuilder {
    /// A builder with the token from `BEEPER_ACCESS_TOKEN` and the base URL from
    /// `BEEPER_BASE_URL`, where set and not empty; other settings can still be changed.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) over any source of variables.
    fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Self {
        let var = |name| var(name).filter(|v| !v.trim().is_empty());
        Self {
            base_url: var(ENV_BASE_URL),
            access_token: var(ENV_ACCESS_TOKEN),
            ..Self::default()
        }
    }

    /// The API's base URL, such as `http://localhost:23373` (the default) or a Beeper Server's
    /// `https://` URL. A path prefix is kept.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The access token, from Beeper Desktop's Settings → Developers, or from OAuth.
    pub fn access_token(mut self, token: impl Into<String>) -> Self {
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

    /// Sends requests through this `reqwest::Client` (proxies, TLS roots, a shared pool). The
    /// token and user agent are still added to every request, and the per-attempt timeout still
    /// applies.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Allows plain `http` to a host that is not this machine, which sends the token in clear
    /// text. Only for a network you trust.
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

    /// Checks the configuration and builds the client.
    ///
    /// Fails with [`Error::Config`] when there is no token, the base URL is not a usable `http`
    /// or `https` URL, or plain `http` would carry the token to another machine.
    pub fn build(self) -> Result<Client, Error> {
        let base_url = checked_base_url(
            self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
            self.allow_insecure_http,
            self.http_client.is_some(),
        )?;
        let token = self
            .access_token
            .filter(|t| !t.trim().is_empty())
            .ok_or(ConfigError::MissingToken)?;
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", token.trim()))
            .map_err(|_| ConfigError::InvalidToken)?;
        auth.set_sensitive(true);
        let user_agent = match &self.user_agent_suffix {
            None => DEFAULT_USER_AGENT.to_owned(),
            Some(suffix) => format!("{DEFAULT_USER_AGENT} {suffix}"),
        };
        let user_agent = HeaderValue::from_str(&user_agent).map_err(|_| {
            ConfigError::HttpClient(
                "the user agent contains characters not allowed in a header".into(),
            )
        })?;
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, auth);
        headers.insert(USER_AGENT, user_agent);

        let http = match self.http_client {
            Some(http) => http,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .build()
                .map_err(|e| ConfigError::HttpClient(e.to_string()))?,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                base_url,
                http,
                headers: Arc::new(headers),
                timeout: self.timeout,
                max_retries: self.max_retries,
                wait: self.wait,
                in_flight: tokio::sync::Semaphore::new(self.max_concurrent_requests),
            }),
        })
    }
}

const DEFAULT_USER_AGENT: &str = concat!("beeper-verification-rust/", env!("CARGO_PKG_VERSION"));

/// Parses and checks the base URL; returns it without a trailing slash.
fn checked_base_url(
    raw: &str,
    allow_insecure_http: bool,
    custom_http: bool,
) -> Result<String, ConfigError> {
    let invalid = |reason: &str| ConfigError::InvalidBaseUrl {
        url: raw.to_owned(),
        reason: reason.to_owned(),
    };
    let url = Url::parse(raw.trim()).map_err(|e| invalid(&e.to_string()))?;
    if !url.username().is_empty() || url.password().is_some() {
        // Do not echo credentials back.
        let mut shown = url.clone();
        let _ = shown.set_username("");
        let _ = shown.set_password(None);
        return Err(ConfigError::InvalidBaseUrl {
            url: shown.to_string(),
            reason: "it contains credentials; pass the token with access_token instead".into(),
        });
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it must not have a query or a fragment"));
    }
    let host = url
        .host_str()
        .ok_or_else(|| invalid("it has no host"))?
        .to_owned();
    match url.scheme() {
        "http" => {
            if !allow_insecure_http && !is_this_machine(&url) {
                return Err(ConfigError::InsecureHttp { host });
            }
        }
        "https" => {
            if !cfg!(feature = "rustls") && !custom_http {
                return Err(ConfigError::TlsNotEnabled {
                    url: raw.to_owned(),
                });
            }
        }
        _ => return Err(invalid("the scheme must be http or https")),
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// Whether the URL's host is a loopback address or `localhost`.
fn is_this_machine(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => {
            let domain = domain.trim_end_matches('.').to_ascii_lowercase();
            domain == "localhost" || domain.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

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
            (ENV_ACCESS_TOKEN, "t0k"),
            (ENV_BASE_URL, "http://127.0.0.1:9999/"),
        ];
        let client = ClientBuilder::from_lookup(lookup(&vars))
            .build()
            .expect("valid");
        assert_eq!(client.base_url(), "http://127.0.0.1:9999");
    }

    #[test]
    fn without_a_base_url_in_the_environment_the_default_is_used() {
        let vars = [(ENV_ACCESS_TOKEN, "t0k"), (ENV_BASE_URL, " ")];
        let client = ClientBuilder::from_lookup(lookup(&vars))
            .build()
            .expect("valid");
        assert_eq!(client.base_url(), "http://localhost:23373");
    }

    #[test]
    fn without_a_token_the_error_names_the_variable() {
        for vars in [&[][..], &[(ENV_ACCESS_TOKEN, "")][..]] {
            let err = ClientBuilder::from_lookup(lookup(vars))
                .build()
                .expect_err("no token");
            assert!(
                matches!(err, Error::Config(ConfigError::MissingToken)),
                "{err:?}"
            );
            assert!(err.to_string().contains("BEEPER_ACCESS_TOKEN"), "{err}");
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
        assert!(err.to_string().contains("allow_insecure_http"), "{err}");
    }

    #[test]
    fn loopback_hosts_may_use_plain_http() {
        for url in [
            "http://localhost:23373",
            "http://127.0.0.1:1",
            "http://127.8.9.10",
            "http://[::1]:80/",
            "http://LOCALHOST.",
            "http://app.localhost",
        ] {
            assert!(checked_base_url(url, false, false).is_ok(), "{url}");
        }
    }

    #[test]
    fn other_hosts_need_https_or_an_explicit_opt_in() {
        for url in [
            "http://192.168.1.5:23373",
            "http://example.com",
            "http://localhost.example.com",
            "http://[::2]",
        ] {
            assert!(
                matches!(
                    checked_base_url(url, false, false),
                    Err(ConfigError::InsecureHttp { .. })
                ),
                "{url}"
            );
            assert!(checked_base_url(url, true, false).is_ok(), "{url}");
        }
    }

    #[test]
    fn unusable_base_urls_are_rejected_with_a_reason() {
        for url in [
            "not a url",
            "ftp://localhost",
            "http://localhost/?x=1",
            "http://localhost/#top",
            "localhost:23373",
        ] {
            assert!(
                matches!(
                    checked_base_url(url, false, false),
                    Err(ConfigError::InvalidBaseUrl { .. })
                ),
                "{url}"
            );
        }
    }

    #[test]
    fn credentials_in_the_base_url_are_rejected_and_not_echoed() {
        let err =
            checked_base_url("http://user:s3cret@localhost", false, false).expect_err("rejected");
        assert!(!err.to_string().contains("s3cret"), "{err}");
    }

    #[test]
    fn https_needs_the_rustls_feature_or_a_custom_client() {
        let result = checked_base_url("https://beeper.example.com", false, false);
        assert_eq!(result.is_ok(), cfg!(feature = "rustls"), "{result:?}");
        assert!(checked_base_url("https://beeper.example.com", false, true).is_ok());
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

    #[test]
    fn a_trailing_slash_is_dropped_and_a_path_prefix_kept() {
        assert_eq!(
            checked_base_url("http://localhost:23373/", false, false)
                .ok()
                .as_deref(),
            Some("http://localhost:23373")
        );
        assert_eq!(
            checked_base_url("http://127.0.0.1/beeper/", false, false)
                .ok()
                .as_deref(),
            Some("http://127.0.0.1/beeper")
        );
    }
}
