//! The recording proxy: on loopback in front of the fake, it keeps every exchange as bytes.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use beeper_verification_fake::FakeServer;

/// One request and its answer, as bytes on the wire.
#[derive(Clone, Debug)]
pub(crate) struct Exchange {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) request_body: Vec<u8>,
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

#[derive(Clone)]
pub(crate) struct Proxy {
    pub(crate) upstream: String,
    pub(crate) http: reqwest::Client,
    pub(crate) exchanges: Arc<Mutex<Vec<Exchange>>>,
}

impl Proxy {
    /// Starts a proxy on loopback in front of `server`; returns it and its base URL.
    pub(crate) async fn start(server: &FakeServer) -> (Self, String) {
        let proxy = Self {
            upstream: server.base_url().trim_end_matches('/').to_owned(),
            http: reqwest::Client::builder()
                .no_proxy()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("a plain client"),
            exchanges: Arc::default(),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let address = listener.local_addr().expect("an address");
        let app = axum::Router::new()
            .fallback(forward)
            .with_state(proxy.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (proxy, format!("http://{address}"))
    }

    pub(crate) fn take(&self) -> Vec<Exchange> {
        std::mem::take(&mut *self.exchanges.lock().expect("not poisoned"))
    }
}

pub(crate) async fn forward(State(proxy): State<Proxy>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let method = parts.method.to_string();
    let path = parts.uri.path().to_owned();
    let (request_body, answer) = match relay(&proxy, parts, body).await {
        Ok(relayed) => relayed,
        Err((request_body, error)) => {
            // Recorded as the 502 the client gets, which no operation documents: the check
            // reports it, where a panic here would look like a transport error.
            let answer = (
                StatusCode::BAD_GATEWAY,
                HeaderMap::new(),
                error.into_bytes(),
            );
            (request_body, answer)
        }
    };
    let (status, headers, body) = answer;
    proxy
        .exchanges
        .lock()
        .expect("not poisoned")
        .push(Exchange {
            method,
            path,
            request_body,
            status: status.as_u16(),
            headers: headers.clone(),
            body: body.clone(),
        });
    let mut response = (status, Body::from(body)).into_response();
    *response.headers_mut() = headers;
    response
}

type Answer = (StatusCode, HeaderMap, Vec<u8>);

/// Sends the request on to the fake; returns the request body and the fake's answer, or what
/// went wrong.
pub(crate) async fn relay(
    proxy: &Proxy,
    parts: axum::http::request::Parts,
    body: Body,
) -> Result<(Vec<u8>, Answer), (Vec<u8>, String)> {
    let request_body = axum::body::to_bytes(body, 1 << 20)
        .await
        .map_err(|e| (Vec::new(), format!("proxy: the request body: {e}")))?
        .to_vec();
    let failed = |e: reqwest::Error| (request_body.clone(), format!("proxy: the fake: {e}"));
    let path_and_query = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut headers = parts.headers;
    for name in [header::HOST, header::CONTENT_LENGTH, header::CONNECTION] {
        headers.remove(name);
    }
    let answer = proxy
        .http
        .request(parts.method, format!("{}{path_and_query}", proxy.upstream))
        .headers(headers)
        .body(request_body.clone())
        .send()
        .await
        .map_err(failed)?;
    let status = answer.status();
    let mut headers = answer.headers().clone();
    let body = answer.bytes().await.map_err(failed)?.to_vec();
    for name in [
        header::CONTENT_LENGTH,
        header::TRANSFER_ENCODING,
        header::CONNECTION,
    ] {
        headers.remove(name);
    }
    Ok((request_body, (status, headers, body)))
}
