//! What the fake refuses before it looks at a request: a `Host` that is not this machine (a web
//! page reaching the fake through DNS rebinding names its own host there).

use std::net::IpAddr;

use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::http::ApiError;

/// Refuses, with 421 and the API's error body, every request whose `Host` (or absolute request
/// target) is not a loopback name or address. Nothing behind it sees the request: it is not
/// recorded, and no control or fault applies.
pub(crate) async fn loopback_host(request: Request, next: Next) -> Response {
    if addressed_to_loopback(request.headers(), request.uri()) {
        return next.run(request).await;
    }
    ApiError::new(
        StatusCode::MISDIRECTED_REQUEST,
        "MISDIRECTED_REQUEST",
        "this server answers only requests addressed to localhost, 127.0.0.1 or [::1] in the \
         Host header",
    )
    .into_response()
}

/// Whether the request names this machine: exactly one `Host` header with a loopback host, and
/// a loopback authority in the request target if it has one.
fn addressed_to_loopback(headers: &HeaderMap, uri: &Uri) -> bool {
    let mut hosts = headers.get_all(header::HOST).iter();
    let (Some(host), None) = (hosts.next(), hosts.next()) else {
        return false;
    };
    let host_is_loopback = host
        .to_str()
        .ok()
        .and_then(|h| h.parse::<axum::http::uri::Authority>().ok())
        .is_some_and(|a| is_loopback(a.host()));
    host_is_loopback && uri.authority().is_none_or(|a| is_loopback(a.host()))
}

/// `localhost` (in any case) or a loopback IP address, as a URI writes it (IPv6 in brackets).
///
/// Other names are refused even when they would resolve to this machine: `evil.localhost` and
/// `localhost.` may be answered by any DNS server, which is what DNS rebinding relies on.
fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.parse::<IpAddr>()
        .is_ok_and(|ip| ip.to_canonical().is_loopback())
}

#[cfg(test)]
mod tests {
    use super::is_loopback;

    #[test]
    fn only_this_machine_is_loopback() {
        for host in [
            "localhost",
            "LOCALHOST",
            "127.0.0.1",
            "127.9.9.9",
            "[::1]",
            "[::ffff:127.0.0.1]",
        ] {
            assert!(is_loopback(host), "{host}");
        }
        for host in [
            "evil.localhost",
            "localhost.",
            "localhost.attacker.example",
            "127.0.0.1.attacker.example",
            "0x7f000001",
            "2130706433",
            "[::ffff:8.8.8.8]",
            "0.0.0.0",
            "",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
    }
}
