//! Sending one operation: a fresh generated client per attempt, the per-attempt timeout, the
//! retries, the mapping of every failure to [`Error`], and a tracing span per request.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Instant, SystemTime};

use backon::Retryable;
use beeper_verification_client::types as wire;
use beeper_verification_client::{self as generated, RequestHooks, ResponseValue};
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::error::ApiError;
use crate::retry::{self, Safety};
use crate::{Client, Error};

/// What the generated client returns for every operation.
pub(crate) type WireResult<W> = Result<ResponseValue<W>, generated::Error<wire::ApiError>>;

/// One operation of the API, as messages and logs name it.
#[derive(Debug)]
pub(crate) struct Operation {
    /// The spec's operationId.
    pub name: &'static str,
    pub method: &'static str,
    /// The request path, with the ID percent-encoded as sent.
    pub path: String,
    pub safety: Safety,
}

impl Operation {
    pub fn read(name: &'static str, path: String) -> Self {
        Self {
            name,
            method: "GET",
            path,
            safety: Safety::Read,
        }
    }

    pub fn action(name: &'static str, path: String) -> Self {
        Self {
            name,
            method: "POST",
            path,
            safety: Safety::Action,
        }
    }
}

impl Client {
    /// Sends `op`, retrying as the policy in [`crate::retry`] allows. `send` makes the generated
    /// call on the generated client it is given; it runs once per attempt.
    pub(crate) async fn call<W, F, Fut>(&self, op: Operation, send: F) -> Result<W, Error>
    where
        W: DeserializeOwned,
        F: Fn(generated::Client) -> Fut,
        Fut: Future<Output = WireResult<W>>,
    {
        let span = tracing::debug_span!(
            "beeper_verification.request",
            operation = op.name,
            method = op.method,
            path = %op.path,
            status = tracing::field::Empty,
            attempt = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        let attempts = AtomicU32::new(0);
        let result = (|| async {
            let attempt = attempts.fetch_add(1, Ordering::Relaxed) + 1;
            let result = self.attempt(&op, &send).await;
            let status = match &result {
                Ok((status, _)) => Some(*status),
                Err(e) => e.status(),
            };
            let span = tracing::Span::current();
            span.record("attempt", attempt);
            if let Some(status) = status {
                span.record("status", status);
            }
            result.map(|(_, value)| value)
        })
        .retry(retry::schedule(self.inner.max_retries))
        .sleep(tokio::time::sleep)
        .when(|e| retry::should_retry(e, op.safety))
        .adjust(|e, scheduled| scheduled.map(|d| retry::delay_before_retry(e, d)))
        .notify(|e, delay| {
            tracing::warn!(error = %e, delay_ms = delay.as_millis() as u64, "retrying");
        })
        .instrument(span.clone())
        .await;
        span.record("elapsed_ms", started.elapsed().as_millis() as u64);
        if let Err(e) = &result {
            span.in_scope(|| tracing::debug!(error = %e, "request failed"));
        }
        result
    }

    /// One attempt, bounded by the per-attempt timeout (which covers reading the body).
    async fn attempt<W, F, Fut>(&self, op: &Operation, send: &F) -> Result<(u16, W), Error>
    where
        W: DeserializeOwned,
        F: Fn(generated::Client) -> Fut,
        Fut: Future<Output = WireResult<W>>,
    {
        // Wait for a turn; the semaphore is never closed, so this only waits.
        let _turn = self.inner.in_flight.acquire().await.ok();
        // A fresh generated client per attempt: its hooks hold this attempt's response head.
        let hooks =
            RequestHooks::new(Arc::clone(&self.inner.headers)).with_timeout(self.inner.timeout);
        let client = generated::Client::new_with_client(
            &self.inner.base_url,
            self.inner.http.clone(),
            hooks.clone(),
        );
        // The timeout rides on the request itself (the hooks set it), from sending until the
        // end of the body, so an error body read in `map_error` is bounded by it too.
        match send(client).await {
            Ok(value) => Ok((value.status().as_u16(), value.into_inner())),
            Err(e) => self.map_error(op, e, &hooks).await,
        }
    }

    /// Maps an error of the generated client to ours, reading what the response head and body
    /// say. An undocumented 2xx whose body decodes is a success, as in the official SDKs.
    async fn map_error<W: DeserializeOwned>(
        &self,
        op: &Operation,
        error: generated::Error<wire::ApiError>,
        hooks: &RequestHooks,
    ) -> Result<(u16, W), Error> {
        use generated::Error as G;
        let method = op.method;
        let path = || op.path.clone();
        let head = hooks.take_response_head();
        let now = SystemTime::now();
        let head_retry_after = head
            .as_ref()
            .and_then(|h| retry::parse_retry_after(&h.headers, now));
        let head_status = head.as_ref().map_or(0, |h| h.status.as_u16());
        match error {
            G::ErrorResponse(response) => {
                let status = response.status().as_u16();
                let retry_after = retry::parse_retry_after(response.headers(), now);
                let body = response.into_inner();
                Err(api_error(op, status, body, retry_after))
            }
            G::InvalidResponsePayload(bytes, e) => Err(Error::InvalidResponse {
                method,
                path: path(),
                status: head_status,
                reason: e.to_string(),
                body_start: body_start(&bytes),
                retry_after: head_retry_after,
            }),
            G::UnexpectedResponse(response) => {
                let status = response.status();
                let retry_after = retry::parse_retry_after(response.headers(), now);
                let bytes = match response.bytes().await {
                    Ok(bytes) => bytes,
                    Err(e) => return Err(self.transport_error(op, &e)),
                };
                if status.is_success() {
                    // The API documents 200; the official SDKs accept any 2xx, and so do we.
                    return match serde_json::from_slice::<W>(&bytes) {
                        Ok(value) => Ok((status.as_u16(), value)),
                        Err(e) => Err(Error::InvalidResponse {
                            method,
                            path: path(),
                            status: status.as_u16(),
                            reason: e.to_string(),
                            body_start: body_start(&bytes),
                            retry_after,
                        }),
                    };
                }
                Err(match serde_json::from_slice::<wire::ApiError>(&bytes) {
                    Ok(body) => api_error(op, status.as_u16(), body, retry_after),
                    Err(e) => Error::InvalidResponse {
                        method,
                        path: path(),
                        status: status.as_u16(),
                        reason: format!("not the API's error body: {e}"),
                        body_start: body_start(&bytes),
                        retry_after,
                    },
                })
            }
            G::CommunicationError(e) | G::ResponseBodyError(e) | G::InvalidUpgrade(e) => {
                Err(self.transport_error(op, &e))
            }
            G::InvalidRequest(reason) | G::Custom(reason) => Err(Error::Transport {
                method,
                path: path(),
                reason: format!("could not build the request: {reason}"),
            }),
        }
    }

    fn transport_error(&self, op: &Operation, e: &reqwest::Error) -> Error {
        let (method, path) = (op.method, op.path.clone());
        if e.is_timeout() {
            Error::Timeout {
                method,
                path,
                timeout: self.inner.timeout,
            }
        } else if e.is_connect() {
            let base_url = self.inner.base_url.clone();
            Error::Connect {
                method,
                path,
                base_url,
                reason: cause(e),
            }
        } else {
            Error::Transport {
                method,
                path,
                reason: cause(e),
            }
        }
    }
}

fn api_error(
    op: &Operation,
    status: u16,
    body: wire::ApiError,
    retry_after: Option<std::time::Duration>,
) -> Error {
    Error::Api(Box::new(ApiError {
        method: op.method,
        path: op.path.clone(),
        status,
        code: body.code,
        message: body.message,
        details: body.details,
        retry_after,
    }))
}

/// The first 200 characters of a body, for error messages.
fn body_start(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).chars().take(200).collect()
}

/// What went wrong underneath a transport error, without the URL the top level repeats.
fn cause(e: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    if parts.is_empty() {
        e.to_string()
    } else {
        parts.join(": ")
    }
}
