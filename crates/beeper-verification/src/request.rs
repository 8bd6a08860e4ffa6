//! Sending one operation: a fresh generated client per attempt, the per-attempt timeout, the
//! retries, the mapping of every failure to [`Error`], and a tracing span per request.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Instant, SystemTime};

use backon::Retryable;
use beeper_verification_client::operations::{OperationSpec, Security};
use beeper_verification_client::types as wire;
use beeper_verification_client::{self as generated, RequestHooks, ResponseValue};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::error::{ApiError, ErrorSource, message_source};
use crate::retry::{self, Safety};
use crate::{Client, Error};

/// What the generated client returns for every operation.
pub(crate) type WireResult<W> = Result<ResponseValue<W>, generated::Error<wire::ApiError>>;

/// One operation of the API, as messages and logs name it.
#[derive(Debug)]
pub(crate) struct Operation {
    /// The spec's operationId.
    pub name: &'static str,
    /// The generated client's method for it: the attempt refuses to send a call of another
    /// method (see `Client::attempt`), so the retry safety below is always this one's.
    pub call: &'static str,
    pub method: &'static str,
    /// The request path, with the ID percent-encoded as sent.
    pub path: String,
    pub safety: Safety,
    /// Whether it needs the bearer token, may carry it, or must not (a public call).
    pub security: Security,
    /// Retries for this operation, when not the client's: a waiter's poll has none, because
    /// the waiter polls again itself (its backoff must not stack on the client's).
    pub max_retries: Option<u32>,
    /// Whether its bodies may hold a secret (a recovery key, an access token, a sign-in code,
    /// a lead token): an error then shows none of a body that does not decode.
    pub holds_secrets: bool,
    /// The secrets the request carries: wherever the server's error quotes one, it is
    /// replaced by `[redacted]`.
    pub secrets: Vec<SecretString>,
}

impl Operation {
    /// The operation `spec` names, for the verification `id` when its path has one.
    pub fn of(spec: &'static OperationSpec, id: Option<&str>) -> Self {
        let path = match (id, spec.path.find('{'), spec.path.find('}')) {
            (Some(id), Some(open), Some(close)) if open < close => format!(
                "{}{}{}",
                &spec.path[..open],
                crate::id::path_segment(id),
                &spec.path[close + 1..]
            ),
            _ => spec.path.to_owned(),
        };
        Self {
            name: spec.id,
            call: spec.call,
            method: spec.method,
            path,
            safety: if spec.method == "GET" {
                Safety::Read
            } else {
                Safety::Action
            },
            security: spec.security(),
            max_retries: None,
            holds_secrets: false,
            secrets: Vec::new(),
        }
    }

    /// The same operation, whose bodies may hold a secret, and whose request carries
    /// `secrets`: errors quote nothing of a body that does not decode, and none of `secrets`
    /// wherever the server's error quotes them.
    pub fn holding_secrets<'k, S: crate::secret::Secret + 'k>(
        mut self,
        secrets: impl IntoIterator<Item = &'k S>,
    ) -> Self {
        self.holds_secrets = true;
        self.secrets = secrets
            .into_iter()
            .map(|s| SecretString::from(s.exposed().to_owned()))
            .collect();
        self
    }

    /// Whether the request is sent only with the bearer token. An unknown class (a newer
    /// generated client) counts as needing it.
    fn needs_token(&self) -> bool {
        !matches!(self.security, Security::None | Security::Optional)
    }

    /// `text` with every secret of this request replaced, as sent and without its spaces.
    fn scrub(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for secret in &self.secrets {
            let sent = secret.expose_secret();
            let compact: String = sent.split_whitespace().collect();
            for form in [sent, compact.as_str()] {
                if !form.is_empty() {
                    text = text.replace(form, "[redacted]");
                }
            }
        }
        text
    }

    /// The same operation, sent once whatever happens.
    pub fn without_retries(mut self) -> Self {
        self.max_retries = Some(0);
        self
    }
}

impl Client {
    /// Sends `op`, retrying as the policy in [`crate::retry`] allows. `send` makes the generated
    /// call on the generated client it is given; it runs once per attempt.
    pub(crate) async fn call<W, F, Fut>(&self, op: &Operation, send: F) -> Result<W, Error>
    where
        W: DeserializeOwned,
        F: Fn(generated::Client) -> Fut,
        Fut: Future<Output = WireResult<W>>,
    {
        // Refused before anything is sent: without a token the server could only say 401.
        if !self.has_access_token() && op.needs_token() {
            return Err(Error::TokenRequired {
                operation: op.name,
                method: op.method,
                path: op.path.clone(),
            });
        }
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
            let result = self.attempt(op, &send).await;
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
        .retry(retry::schedule(
            op.max_retries.unwrap_or(self.inner.max_retries),
        ))
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
        // They refuse a call of another operation than `op`: `op` decided whether to retry
        // (a read is retried where an action is not), so a mispaired call must never be sent.
        // A public call never carries the token, as in the official SDKs, even when the client
        // has one: the token stays with the calls that need it.
        let headers = match op.security {
            Security::None => &self.inner.public_headers,
            _ => &self.inner.headers,
        };
        let hooks = RequestHooks::new(Arc::clone(headers))
            .with_timeout(self.inner.timeout)
            .with_max_body_bytes(self.inner.max_response_bytes)
            .expect_operation(op.call);
        let client = generated::Client::new_with_client(
            &self.inner.base_url,
            self.inner.http.clone(),
            hooks.clone(),
        );
        // The timeout rides on the request itself (the hooks set it), from sending until the
        // end of the body, so an error body read in `map_error` is bounded by it too.
        let result = send(client).await;
        // Loud in tests: every action pairs its operation with its generated call by hand.
        debug_assert_eq!(
            hooks.operation(),
            Some(op.call),
            "{} is paired with the generated call of another operation",
            op.name
        );
        if let Some(version) = hooks.response_header(crate::client::DESKTOP_VERSION_HEADER) {
            self.note_server_version(&version);
        }
        match result {
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
        let head = hooks.take_response_head();
        let head_meta = head.as_ref().map(|h| Meta::of(h.status, &h.headers));
        match error {
            G::ErrorResponse(response) => {
                let meta = Meta::of(response.status(), response.headers());
                Err(api_error(op, &meta, response.into_inner()))
            }
            G::InvalidResponsePayload(bytes, e) => Err(match &head_meta {
                Some(meta) => invalid_response(op, meta, Arc::new(e), &bytes),
                // The generated client read a body, so a head arrived; should it be missing,
                // say what failed without inventing a status.
                None => transport(op, Arc::new(e)),
            }),
            G::UnexpectedResponse(response) => {
                let meta = Meta::of(response.status(), response.headers());
                if response.status().is_redirection() {
                    let location = response
                        .headers()
                        .get(reqwest::header::LOCATION)
                        .map(|l| String::from_utf8_lossy(l.as_bytes()).into_owned());
                    return Err(Error::Redirect {
                        method: op.method,
                        path: op.path.clone(),
                        status: Some(meta.status),
                        location,
                    });
                }
                let bytes = match response.bytes().await {
                    Ok(bytes) => bytes,
                    Err(e) => return Err(self.transport_error(op, Some(&meta), e)),
                };
                if (200..300).contains(&meta.status) {
                    // The API documents 200; the official SDKs accept any 2xx, and so do we.
                    return match serde_json::from_slice::<W>(&bytes) {
                        Ok(value) => Ok((meta.status, value)),
                        Err(e) => Err(invalid_response(op, &meta, Arc::new(e), &bytes)),
                    };
                }
                Err(match serde_json::from_slice::<wire::ApiError>(&bytes) {
                    Ok(body) => api_error(op, &meta, body),
                    Err(e) => invalid_response(
                        op,
                        &meta,
                        message_source(format!("not the API's error body: {e}")),
                        &bytes,
                    ),
                })
            }
            G::CommunicationError(e) | G::ResponseBodyError(e) | G::InvalidUpgrade(e) => {
                Err(self.transport_error(op, head_meta.as_ref(), e))
            }
            G::InvalidRequest(reason) | G::Custom(reason) => Err(transport(
                op,
                message_source(format!("could not build the request: {reason}")),
            )),
        }
    }

    /// Maps a failure of the HTTP stack; `meta` is the response head, when one arrived.
    fn transport_error(&self, op: &Operation, meta: Option<&Meta>, e: reqwest::Error) -> Error {
        let (method, path) = (op.method, op.path.clone());
        if let (Some(too_large), Some(meta)) = (generated::BodyTooLarge::find_in(&e), meta) {
            return Error::ResponseTooLarge {
                method,
                path,
                status: meta.status,
                limit: too_large.limit,
                declared: too_large.declared,
            };
        }
        // A connect timeout is a timeout too, but the request never left: check this first.
        if e.is_connect() {
            return Error::Connect {
                method,
                path,
                base_url: self.inner.base_url.clone(),
                timed_out: e.is_timeout(),
                source: Arc::new(e),
            };
        }
        if e.is_timeout() {
            return Error::Timeout {
                method,
                path,
                timeout: self.inner.timeout,
                source: Arc::new(e),
            };
        }
        if e.is_redirect() {
            // Only a caller's own `reqwest::Client` follows redirects; it gave up on a loop.
            return Error::Redirect {
                method,
                path,
                status: None,
                location: e.url().map(|u| crate::base_url::redact_url(u.as_str())),
            };
        }
        transport(op, Arc::new(e))
    }
}

fn transport(op: &Operation, source: ErrorSource) -> Error {
    Error::Transport {
        method: op.method,
        path: op.path.clone(),
        source,
    }
}

/// What a response's head says that errors keep.
struct Meta {
    status: u16,
    retry_after: Option<std::time::Duration>,
    should_retry: Option<bool>,
}

impl Meta {
    fn of(status: reqwest::StatusCode, headers: &reqwest::header::HeaderMap) -> Self {
        Self {
            status: status.as_u16(),
            retry_after: retry::parse_retry_after(headers, SystemTime::now()),
            // As in the official SDKs, only a response that is not a success may ask for a
            // retry: a 2xx means the action happened, whatever its body.
            should_retry: if status.is_success() {
                None
            } else {
                retry::parse_should_retry(headers)
            },
        }
    }
}

fn invalid_response(op: &Operation, meta: &Meta, source: ErrorSource, bytes: &[u8]) -> Error {
    // A decoder's message may quote the body: for a body that may hold a secret, say only
    // that it did not decode.
    let (body_start, source) = if op.holds_secrets {
        (
            "[not shown: the body may hold a secret]".to_owned(),
            message_source("the body is not the JSON this request expects"),
        )
    } else {
        (body_start(bytes), source)
    };
    Error::InvalidResponse {
        method: op.method,
        path: op.path.clone(),
        status: meta.status,
        body_start,
        retry_after: meta.retry_after,
        should_retry: meta.should_retry,
        source,
    }
}

fn api_error(op: &Operation, meta: &Meta, body: wire::ApiError) -> Error {
    let wire::ApiError {
        mut code,
        mut message,
        mut details,
        ..
    } = body;
    // A server that quotes the request back must not put its secret into the error: scrubbed
    // before anything is cut, so that no part of a secret is left at a cut.
    if !op.secrets.is_empty() {
        details = details.map(|d| {
            let text = op.scrub(&d.to_string());
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
        });
        message = op.scrub(&message);
        code = op.scrub(&code);
    }
    if let Some((cut, _)) = code.char_indices().nth(ApiError::MAX_MESSAGE_CHARS) {
        code.truncate(cut);
    }
    let mut error = ApiError::bounded(
        (op.method, op.path.clone(), meta.status),
        code,
        message,
        details,
    );
    error.retry_after = meta.retry_after;
    error.should_retry = meta.should_retry;
    // Shared, not copied, by every waiter that receives it.
    Error::Api(Arc::new(error))
}

/// The first 200 characters of a body, for error messages.
fn body_start(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).chars().take(200).collect()
}
