//! The base URL and the transport policy: which base URLs are accepted (plain `http` only to
//! this machine unless allowed), how the HTTP client reaches it (no proxy for plain `http`,
//! `localhost` pinned to loopback, no redirects, TLS for `https`), and how a URL is shown
//! without its secrets.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;

use crate::error::ConfigError;

/// The HTTP client for `base`, when the caller brought none: connections time out after
/// `connect_timeout`, redirects are never followed, plain `http` never goes through a proxy,
/// `localhost` names resolve to loopback, and `https` uses rustls.
pub(crate) fn http_client(
    base: &BaseUrl,
    connect_timeout: Duration,
) -> Result<reqwest::Client, ConfigError> {
    let mut http = reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        // The API never redirects; following one could take the body elsewhere.
        .redirect(reqwest::redirect::Policy::none());
    if base.plain_http {
        // The token travels in clear: never through a proxy.
        http = http.no_proxy();
    }
    #[cfg(feature = "rustls")]
    {
        // The feature builds reqwest without a default crypto provider, and cargo turns it on
        // for every crate of a program: a `reqwest::Client` built elsewhere in it would panic
        // ("No rustls crypto provider is configured"). Ring becomes the process default, only
        // when the program chose none; this client uses ring either way.
        let _ = rustls::crypto::ring::default_provider().install_default();
        http = http.tls_backend_preconfigured(
            tls_config().map_err(|e| ConfigError::HttpClient(Arc::new(e)))?,
        );
    }
    if let Some(name) = &base.local_name {
        // RFC 6761: `localhost` and the names under it are this machine, whatever a
        // resolver answers. The port comes from the URL.
        let loopback = [
            SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            SocketAddr::from((Ipv6Addr::LOCALHOST, 0)),
        ];
        http = http.resolve_to_addrs(name, &loopback);
    }
    http.build()
        .map_err(|e| ConfigError::HttpClient(Arc::new(e)))
}

/// TLS for an https base URL: rustls with the ring provider, verifying the server's
/// certificate against the system's trust store.
#[cfg(feature = "rustls")]
fn tls_config() -> Result<rustls::ClientConfig, rustls::Error> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_platform_verifier()?
        .with_no_client_auth())
}

/// A base URL that passed the checks.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct BaseUrl {
    /// Without a trailing slash.
    pub(crate) url: String,
    /// Whether it is plain `http`, whose requests must never go through a proxy.
    pub(crate) plain_http: bool,
    /// The host name, when it is `localhost` or a name under it, to resolve to loopback.
    pub(crate) local_name: Option<String>,
}

/// Parses and checks the base URL. Errors never show credentials or a query from it.
pub(crate) fn checked_base_url(
    raw: &str,
    allow_insecure_http: bool,
    custom_http: bool,
) -> Result<BaseUrl, ConfigError> {
    let invalid = |reason: &str| ConfigError::InvalidBaseUrl {
        url: redact_url(raw),
        reason: reason.to_owned(),
    };
    let trimmed = raw.trim();
    // `localhost:23373` parses as a URL whose scheme is `localhost`: say what is missing, and
    // show it back as a URL with its host and port only, nothing that could be a secret
    // (credentials, a query).
    if !trimmed.contains("://") {
        let host_port = trimmed
            .split(['/', '?', '#'])
            .next()
            .filter(|h| !h.is_empty() && !h.contains('@'));
        return Err(invalid(&match host_port {
            Some(host_port) => format!("the scheme is missing: write http://{host_port}"),
            None => "the scheme is missing: start it with http:// or https://".to_owned(),
        }));
    }
    let url = Url::parse(trimmed).map_err(|e| invalid(&e.to_string()))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "it contains credentials; pass the token with access_token instead",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it must not have a query or a fragment"));
    }
    // Every path of the API starts with /v1, which the client adds itself.
    if url.path().trim_end_matches('/').ends_with("/v1") {
        return Err(invalid(
            "it ends in /v1, which the client adds itself; leave it out (as in http://localhost:23373)",
        ));
    }
    let host = url.host_str().ok_or_else(|| invalid("it has no host"))?;
    let local_name = match url.host() {
        Some(url::Host::Domain(name)) if is_local_name(name) => Some(name.to_owned()),
        _ => None,
    };
    match url.scheme() {
        "http" if !allow_insecure_http => {
            // A client of the caller's decides proxies and name resolution itself: the token
            // would travel in clear wherever it was built to send it.
            if custom_http {
                return Err(ConfigError::CustomClientOverHttp {
                    host: host.to_owned(),
                });
            }
            if !is_loopback_address(&url) && local_name.is_none() {
                return Err(ConfigError::InsecureHttp {
                    host: host.to_owned(),
                });
            }
        }
        "http" => {}
        "https" => {
            if !cfg!(feature = "rustls") && !custom_http {
                return Err(ConfigError::TlsNotEnabled {
                    url: redact_url(raw),
                });
            }
        }
        _ => return Err(invalid("the scheme must be http or https")),
    }
    Ok(BaseUrl {
        url: url.as_str().trim_end_matches('/').to_owned(),
        plain_http: url.scheme() == "http",
        local_name,
    })
}

/// Whether the URL's host is a loopback address.
fn is_loopback_address(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        _ => false,
    }
}

/// Whether a (lowercase) host name is `localhost` or a name under it, with or without the
/// trailing dot of a fully qualified name (RFC 6761 reserves them all for loopback).
fn is_local_name(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    name == "localhost" || name.ends_with(".localhost")
}

/// A URL as it may be shown: without user name, password, query or fragment, which may hold
/// secrets. Works on text that does not parse as a URL too.
pub(crate) fn redact_url(raw: &str) -> String {
    const HIDDEN: &str = "[redacted]";
    let raw = raw.trim();
    // Everything from the first `?` or `#` on may be a secret.
    let (before_query, had_query) = match raw.find(['?', '#']) {
        Some(at) => (&raw[..at], true),
        None => (raw, false),
    };
    // User information ends at an `@`. Parsers disagree on where the authority ends when a
    // password holds `/`, so everything up to the last `@` is hidden.
    let authority_start = before_query.find("//").map_or(0, |at| at + 2);
    let rest = &before_query[authority_start..];
    let mut shown = String::with_capacity(raw.len());
    shown.push_str(&before_query[..authority_start]);
    match rest.rfind('@') {
        Some(at) => {
            shown.push_str(HIDDEN);
            shown.push_str(&rest[at..]);
        }
        None => shown.push_str(rest),
    }
    if had_query {
        shown.push_str(HIDDEN);
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With the `rustls` feature, reqwest has no default crypto provider; a `reqwest::Client`
    /// the program builds itself panicked ("No rustls crypto provider is configured") until
    /// building ours made ring the default.
    #[cfg(feature = "rustls")]
    #[test]
    fn after_a_client_another_reqwest_client_builds() {
        Client::builder()
            .base_url("http://127.0.0.1:9")
            .build()
            .expect("a client");
        let other = std::panic::catch_unwind(|| reqwest::Client::builder().build());
        assert!(matches!(other, Ok(Ok(_))), "another reqwest client");
    }
    #[cfg(feature = "rustls")]
    use crate::Client;

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
            "http://localhost:23373/v1",
            "http://localhost:23373/v1/",
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
    fn a_missing_scheme_is_named_and_the_url_shown_with_it() {
        for (url, reason) in [
            (
                "localhost:23373",
                "the scheme is missing: write http://localhost:23373",
            ),
            (
                " 127.0.0.1:23373 ",
                "the scheme is missing: write http://127.0.0.1:23373",
            ),
        ] {
            match checked_base_url(url, false, false) {
                Err(ConfigError::InvalidBaseUrl { reason: got, .. }) => {
                    assert_eq!(got, reason, "{url}")
                }
                other => panic!("{url}: {other:?}"),
            }
        }
        // What could be a secret is not shown back.
        for url in ["user:s3cret@localhost", "localhost:23373?token=s3cret"] {
            let err = checked_base_url(url, false, false).expect_err("no scheme");
            assert!(err.to_string().contains("the scheme is missing"), "{err}");
            assert!(!format!("{err} {err:?}").contains("s3cret"), "{err:?}");
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

    #[test]
    fn a_trailing_slash_is_dropped_and_a_path_prefix_kept() {
        let url = |raw| checked_base_url(raw, false, false).ok().map(|b| b.url);
        assert_eq!(
            url("http://localhost:23373/").as_deref(),
            Some("http://localhost:23373")
        );
        assert_eq!(
            url("http://127.0.0.1/beeper/").as_deref(),
            Some("http://127.0.0.1/beeper")
        );
    }

    #[test]
    fn plain_http_never_goes_through_a_proxy_and_local_names_are_pinned() {
        let checked = |raw| checked_base_url(raw, false, false).expect(raw);
        assert_eq!(
            checked("http://localhost:23373"),
            BaseUrl {
                url: "http://localhost:23373".into(),
                plain_http: true,
                local_name: Some("localhost".into()),
            }
        );
        assert_eq!(
            checked("http://EVIL.localhost.:1").local_name.as_deref(),
            Some("evil.localhost.")
        );
        let ip = checked("http://127.0.0.1:1");
        assert!(ip.plain_http && ip.local_name.is_none());
        let remote = checked_base_url("http://10.0.0.2", true, false).expect("opted in");
        assert!(
            remote.plain_http,
            "insecure http to a remote host: no proxy either"
        );
        assert!(
            !checked_base_url("https://beeper.example.com", false, true)
                .expect("https")
                .plain_http
        );
    }

    #[test]
    fn secrets_in_a_base_url_are_never_shown() {
        for raw in [
            "http://user:s3cret@local host",
            "http://user:s3cret@localhost:23373",
            "http://s3cret@localhost",
            "http://us/er:s3cret@localhost",
            "http://localhost:23373/?access_token=s3cret",
            "http://localhost:23373/#s3cret",
            "http://[::1/?access_token=s3cret",
            "localhost:23373?token=s3cret",
            "ftp://localhost/?s3cret",
        ] {
            let err = checked_base_url(raw, false, false).expect_err(raw);
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains("s3cret"), "{raw}: {shown}");
        }
        let err = checked_base_url("https://u:s3cret@beeper.example.com", false, false);
        assert!(!format!("{err:?}").contains("s3cret"));
    }

    #[test]
    fn redaction_keeps_what_helps_and_hides_the_rest() {
        assert_eq!(
            redact_url("http://user:pw@localhost:23373/x?token=1"),
            "http://[redacted]@localhost:23373/x[redacted]"
        );
        assert_eq!(
            redact_url("http://localhost:23373"),
            "http://localhost:23373"
        );
        assert_eq!(redact_url(" not a url "), "not a url");
        assert_eq!(redact_url("a@b@c"), "[redacted]@c");
    }

    /// Runs in a child process with a proxy in its environment; see the test below.
    #[cfg(feature = "rustls")]
    #[tokio::test]
    #[ignore = "run by an_https_base_url_uses_the_proxy_of_the_environment"]
    async fn child_calls_over_https_with_a_proxy_in_the_environment() {
        let client = Client::builder()
            .base_url("https://beeper.example.test")
            .access_token("t")
            .max_retries(0)
            .connect_timeout(Duration::from_secs(2))
            .build()
            .expect("valid");
        let _ = client.session().await;
    }

    #[cfg(feature = "rustls")]
    #[tokio::test]
    async fn an_https_base_url_uses_the_proxy_of_the_environment() {
        use tokio::io::AsyncReadExt;
        let proxy = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let proxy_url = format!("http://{}", proxy.local_addr().expect("address"));
        let child = tokio::process::Command::new(std::env::current_exe().expect("test binary"))
            .args([
                "--exact",
                "base_url::tests::child_calls_over_https_with_a_proxy_in_the_environment",
                "--ignored",
            ])
            .env("HTTPS_PROXY", &proxy_url)
            .env("https_proxy", &proxy_url)
            .env_remove("NO_PROXY")
            .env_remove("no_proxy")
            .kill_on_drop(true)
            .spawn()
            .expect("the child runs");
        let (mut socket, _) = tokio::time::timeout(Duration::from_secs(30), proxy.accept())
            .await
            .expect("the child connects to the proxy")
            .expect("accept");
        let mut first = vec![0u8; 256];
        let n = socket.read(&mut first).await.expect("read");
        let line = String::from_utf8_lossy(&first[..n]);
        assert!(
            line.starts_with("CONNECT beeper.example.test:443 "),
            "{line}"
        );
        drop(socket);
        let _ = child.wait_with_output().await;
    }
}
