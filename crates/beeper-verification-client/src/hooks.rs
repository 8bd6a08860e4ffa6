//! The `inner` value of every generated [`Client`], and the hooks progenitor calls around each
//! request. Handwritten: the generator only names these items, so rustfmt and clippy see them.
//!
//! - Before sending, [`RequestHooks::before_send`] adds the caller's headers (the bearer token,
//!   the user agent) and the per-request timeout, so that a caller-supplied `reqwest::Client`
//!   needs no default headers of its own.
//! - Executing the request, the hooks cap what the response body may hold
//!   ([`RequestHooks::with_max_body_bytes`]): a body that declares more is refused before it is
//!   read, and one that streams more stops at the cap with [`BodyTooLarge`] as the body error.
//! - Before sending too, the hooks learn which operation the generated method sends (the
//!   `operation_id` of its `OperationInfo`): a caller that said which one it meant
//!   ([`RequestHooks::expect_operation`]) gets an error instead of a request when the two differ,
//!   so a policy chosen for one operation (such as retrying a read) is never applied to another.
//! - After the response head arrives, [`RequestHooks::after_response`] records the status and
//!   headers before the body is read. Without that, a body that fails to decode
//!   (`Error::InvalidResponsePayload`) loses its status, and a caller cannot tell a malformed 200
//!   from a 503 page, nor honour its `Retry-After`.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::HeaderMap;

use crate::Client;

/// Headers added to every request, the limits of each response, and the head of the last
/// response, for one [`Client`]. Give each concurrent call its own `Client` (they are cheap: a
/// base URL, a shared `reqwest::Client` and this value) to read what that call's server said.
#[derive(Clone, Debug, Default)]
pub struct RequestHooks {
    headers: Arc<HeaderMap>,
    timeout: Option<Duration>,
    max_body_bytes: Option<u64>,
    expected_operation: Option<&'static str>,
    operation: Arc<Mutex<Option<&'static str>>>,
    last: Arc<Mutex<Option<ResponseHead>>>,
}

/// What the pre-request hook refuses a request with when the generated method sends another
/// operation than the one [`RequestHooks::expect_operation`] named.
fn mismatch_message(expected: &str, sent: &str) -> String {
    format!(
        "the call sends operation `{sent}`, but its caller prepared it as `{expected}`; \
         nothing was sent"
    )
}

/// What a response said before its body: its status and headers.
#[derive(Clone, Debug)]
pub struct ResponseHead {
    /// The HTTP status.
    pub status: reqwest::StatusCode,
    /// The response headers (`Retry-After`, `X-Beeper-Desktop-Version`, ...).
    pub headers: HeaderMap,
}

/// The error a response body ends with when it holds more than
/// [`RequestHooks::with_max_body_bytes`] allows. Find it in the `source()` chain of the
/// `reqwest::Error` that reading the body returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct BodyTooLarge {
    /// The most a body may hold, in bytes.
    pub limit: u64,
    /// The length the response declared (`Content-Length`), when it declared one over the limit
    /// and so was not read at all.
    pub declared: Option<u64>,
}

impl BodyTooLarge {
    fn describe(&self) -> String {
        match self.declared {
            Some(declared) => format!(
                "the response body declares {declared} bytes, more than the limit of {} bytes",
                self.limit
            ),
            None => format!(
                "the response body holds more than the limit of {} bytes",
                self.limit
            ),
        }
    }

    /// The `BodyTooLarge` somewhere in the `source()` chain of `error`, if any.
    pub fn find_in(error: &(dyn std::error::Error + 'static)) -> Option<Self> {
        let mut current = Some(error);
        while let Some(e) = current {
            if let Some(found) = e.downcast_ref::<Self>() {
                return Some(*found);
            }
            current = e.source();
        }
        None
    }
}

impl RequestHooks {
    /// Hooks that add `headers` to every request. Mark secret values sensitive
    /// (`HeaderValue::set_sensitive`) so that no `Debug` output shows them. The headers are
    /// shared, so hooks for each call cost no copy of them.
    pub fn new(headers: impl Into<Arc<HeaderMap>>) -> Self {
        Self {
            headers: headers.into(),
            ..Self::default()
        }
    }

    /// Also gives every request this timeout, from sending until the end of the body.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Caps what a response body may hold: one that declares more in `Content-Length` is not
    /// read at all, and one that streams more stops at `limit` bytes. Either way reading it
    /// fails with [`BodyTooLarge`] in the error's `source()` chain. Without this, a body is read
    /// whole, however large.
    pub fn with_max_body_bytes(mut self, limit: u64) -> Self {
        self.max_body_bytes = Some(limit);
        self
    }

    /// Names the operation the next call is meant to send, by the generated method's name (the
    /// [`OperationSpec::call`](crate::operations::OperationSpec::call) of its entry in
    /// [`operations`](crate::operations)). A generated method that sends another operation
    /// fails with `Error::Custom` before anything is sent, and
    /// [`operation`](Self::operation) tells which one it was.
    pub fn expect_operation(mut self, call: &'static str) -> Self {
        self.expected_operation = Some(call);
        self
    }

    /// The operation the last call made with these hooks sent, or tried to send: the generated
    /// method's name, such as `get_verification`.
    pub fn operation(&self) -> Option<&'static str> {
        self.operation.lock().ok().and_then(|operation| *operation)
    }

    /// Records the operation a generated method is about to send, and refuses it when it is not
    /// the one expected.
    fn check_operation(&self, sent: &'static str) -> Result<(), String> {
        if let Ok(mut operation) = self.operation.lock() {
            *operation = Some(sent);
        }
        match self.expected_operation {
            Some(expected) if expected != sent => Err(mismatch_message(expected, sent)),
            _ => Ok(()),
        }
    }

    /// The pre-request hook: adds the headers, replacing any of the same name, and the timeout.
    pub fn before_send(&self, request: &mut reqwest::Request) {
        for (name, value) in self.headers.iter() {
            request.headers_mut().insert(name.clone(), value.clone());
        }
        if let Some(timeout) = self.timeout {
            *request.timeout_mut() = Some(timeout);
        }
    }

    /// The post-request hook: records the head of a response that arrived.
    pub fn after_response(&self, result: &reqwest::Result<reqwest::Response>) {
        if let (Ok(response), Ok(mut last)) = (result, self.last.lock()) {
            *last = Some(ResponseHead {
                status: response.status(),
                headers: response.headers().clone(),
            });
        }
    }

    /// A header of the last response, leaving the head in place.
    pub fn response_header(&self, name: &str) -> Option<reqwest::header::HeaderValue> {
        let last = self.last.lock().ok()?;
        last.as_ref()?.headers.get(name).cloned()
    }

    /// Takes the head of the last response, leaving nothing behind.
    pub fn take_response_head(&self) -> Option<ResponseHead> {
        self.last.lock().ok().and_then(|mut last| last.take())
    }

    /// The response with its body capped at the limit, if one is set.
    fn limit_body(&self, response: reqwest::Response) -> reqwest::Response {
        let Some(limit) = self.max_body_bytes else {
            return response;
        };
        let declared = response.content_length().filter(|&length| length > limit);
        let (parts, body) = http::Response::from(response).into_parts();
        let body = match declared {
            // Not a byte of it is read: dropping the body closes the connection.
            Some(declared) => reqwest::Body::wrap(Refused(Some(BodyTooLarge {
                limit,
                declared: Some(declared),
            }))),
            None => reqwest::Body::wrap(Capped {
                inner: body,
                left: limit,
                limit,
            }),
        };
        reqwest::Response::from(http::Response::from_parts(parts, body))
    }
}

/// Checks each request's operation (see [`RequestHooks::expect_operation`]) and executes it
/// with the response body capped (see `RequestHooks::limit_body`).
impl ClientHooks<RequestHooks> for Client {
    async fn pre<E>(
        &self,
        _request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        self.inner()
            .check_operation(info.operation_id)
            .map_err(progenitor_client::Error::Custom)
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let response = self.client().execute(request).await?;
        Ok(self.inner().limit_body(response))
    }
}

/// A body that ends with an error at once, for a response that declared too much.
struct Refused(Option<BodyTooLarge>);

impl Body for Refused {
    type Data = Bytes;
    type Error = BodyTooLarge;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyTooLarge>>> {
        Poll::Ready(self.0.take().map(Err))
    }
}

/// A body that passes at most `limit` bytes through and then fails, dropping the rest unread.
struct Capped {
    inner: reqwest::Body,
    left: u64,
    limit: u64,
}

/// What reading a [`Capped`] body can fail with.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl Body for Capped {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                let size = frame.data_ref().map_or(0, |data| data.len() as u64);
                if size > this.left {
                    this.left = 0;
                    let error = BodyTooLarge {
                        limit: this.limit,
                        declared: None,
                    };
                    return Poll::Ready(Some(Err(Box::new(error))));
                }
                this.left -= size;
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(Box::new(e)))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_names_the_limit_and_the_declared_length() {
        let streamed = BodyTooLarge {
            limit: 1024,
            declared: None,
        };
        assert_eq!(
            streamed.to_string(),
            "the response body holds more than the limit of 1024 bytes"
        );
        let declared = BodyTooLarge {
            limit: 1024,
            declared: Some(5_000_000),
        };
        assert!(declared.to_string().contains("declares 5000000 bytes"));
    }

    #[test]
    fn an_operation_other_than_the_expected_one_is_refused_and_recorded() {
        let hooks = RequestHooks::default().expect_operation("get_verification");
        assert_eq!(hooks.operation(), None);
        assert_eq!(hooks.check_operation("get_verification"), Ok(()));
        assert_eq!(hooks.operation(), Some("get_verification"));
        let refused = hooks.check_operation("accept_verification");
        assert_eq!(
            refused,
            Err(mismatch_message("get_verification", "accept_verification"))
        );
        assert_eq!(hooks.operation(), Some("accept_verification"));
        // Without an expectation, any operation passes and is recorded.
        let open = RequestHooks::default();
        assert_eq!(open.check_operation("get_setup"), Ok(()));
        assert_eq!(open.operation(), Some("get_setup"));
    }

    #[test]
    fn it_is_found_anywhere_in_a_source_chain() {
        #[derive(Debug, thiserror::Error)]
        #[error("outer")]
        struct Outer(#[source] BoxError);
        let inner = BodyTooLarge {
            limit: 7,
            declared: None,
        };
        let outer = Outer(Box::new(inner));
        assert_eq!(BodyTooLarge::find_in(&outer), Some(inner));
        assert_eq!(BodyTooLarge::find_in(&std::fmt::Error), None);
    }
}
