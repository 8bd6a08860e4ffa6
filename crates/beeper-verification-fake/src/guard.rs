//! What the fake refuses before it looks at a request: a `Host` that is not this machine (a web
//! page reaching the fake through DNS rebinding names its own host there), and a control
//! request that a web page could send without asking (an HTML form, a "simple" `fetch`).

use std::net::IpAddr;

use axum::extract::Request;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
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

/// Refuses, with 415 and the API's error body, a control request that changes something
/// (`POST`, `PUT`) unless it says its body is JSON. A browser sends `application/json` to
/// another origin only after a CORS preflight, which the fake never grants; an HTML form or a
/// no-CORS `fetch` can only send form or plain-text types, so it cannot drive the fake.
pub(crate) async fn json_controls(request: Request, next: Next) -> Response {
    let changes = [Method::POST, Method::PUT].contains(request.method());
    if !changes || is_json(request.headers()) {
        return next.run(request).await;
    }
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "UNSUPPORTED_MEDIA_TYPE",
        "a /_fake/ control that changes something needs Content-Type: application/json \
         (even when the body is empty)",
    )
    .into_response()
}

/// Whether the request has exactly one `Content-Type`, and it is `application/json` (in any
/// case, with or without parameters such as `charset`).
fn is_json(headers: &HeaderMap) -> bool {
    let mut types = headers.get_all(header::CONTENT_TYPE).iter();
    let (Some(content_type), None) = (types.next(), types.next()) else {
        return false;
    };
    content_type.to_str().is_ok_and(|t| {
        let essence = t.split(';').next().unwrap_or_default();
        essence.trim().eq_ignore_ascii_case("application/json")
    })
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
