//! Serving connections: HTTP/1.1 by hyper, at most `max_connections` at once, each watched so
//! that it cannot hold a descriptor forever. A connection is closed when
//!
//! - a request head, once its first byte arrived, is not complete within `read_timeout`
//!   (a slowloris client), or
//! - it has no request in progress and nothing arrives for `idle_timeout`: a client that
//!   connects and sends nothing, or a kept-alive connection left unused.
//!
//! While a request is being handled (a latency fault may hold it for long) the connection is
//! left alone; its body must arrive within `read_timeout` (see `http::record`).
//!
//! `axum::serve` has none of this, so the fake accepts connections itself; a graceful shutdown
//! still lets the requests in progress finish.

use std::io;
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore, oneshot, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

/// How long connections may take and how many there may be.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub read_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
}

/// Accepts and serves connections until `stop` fires (or is dropped), then lets the requests
/// in progress finish.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    stop: oneshot::Receiver<()>,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (shutdown, shutting_down) = watch::channel(false);
    // Aborted with the accept loop (when the server is dropped), closing every connection.
    let mut connections = JoinSet::new();
    let mut stop = pin!(stop);
    loop {
        // At the limit, wait for a connection to close before accepting another: new ones
        // queue in the listen backlog meanwhile.
        let permit = tokio::select! {
            permit = Arc::clone(&permits).acquire_owned() => permit,
            _ = &mut stop => break,
        };
        let Ok(permit) = permit else { break };
        let stream = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = &mut stop => break,
        };
        match stream {
            Ok((stream, _)) => {
                let app = app.clone();
                let shutting_down = shutting_down.clone();
                connections.spawn(async move {
                    connection(stream, app, limits, shutting_down).await;
                    drop(permit);
                });
            }
            // Out of descriptors, or a connection reset before it was accepted: try again
            // shortly rather than spin.
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let _ = shutdown.send(true);
    while connections.join_next().await.is_some() {}
}

/// Serves one connection until the client closes it, it times out, or the server stops.
async fn connection(
    stream: TcpStream,
    app: Router,
    limits: Limits,
    mut shutting_down: watch::Receiver<bool>,
) {
    let watch = Arc::new(Watcher {
        state: Mutex::new(Watch {
            phase: Phase::Idle,
            since: Instant::now(),
        }),
        moved: Notify::new(),
    });
    let io = TokioIo::new(Watched {
        inner: stream,
        watch: Arc::clone(&watch),
    });
    let tower = TowerToHyperService::new(app);
    let service = {
        let watch = Arc::clone(&watch);
        hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let handling = Handling::start(&watch);
            let response = hyper::service::Service::call(&tower, request.map(Body::new));
            async move {
                let response = response.await;
                drop(handling);
                response
            }
        })
    };
    let conn = hyper::server::conn::http1::Builder::new().serve_connection(io, service);
    let mut conn = pin!(conn);
    let mut expired = pin!(expiry(Arc::clone(&watch), limits));
    let mut draining = false;
    loop {
        tokio::select! {
            _ = conn.as_mut() => break,
            () = &mut expired => break, // dropping the connection closes it
            changed = shutting_down.changed(), if !draining => {
                draining = true;
                if changed.is_ok() {
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// Where a connection is in its request cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// No request in progress: waiting for the first byte of the next one.
    Idle,
    /// The first bytes of a request head arrived; the rest has not.
    Head,
    /// This many requests are being handled.
    Busy(usize),
}

/// A connection's [`Watch`], and a signal for the timer when its phase changes (so a deadline
/// that came closer is seen at once).
#[derive(Debug)]
struct Watcher {
    state: Mutex<Watch>,
    moved: Notify,
}

impl Watcher {
    fn lock(&self) -> std::sync::MutexGuard<'_, Watch> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[derive(Debug)]
struct Watch {
    phase: Phase,
    /// When the phase began, or (idle) when the connection was last used.
    since: Instant,
}

impl Watch {
    /// When the connection is closed if nothing changes; `None` while a request is handled,
    /// or when the timeout reaches past what the clock can represent.
    fn deadline(&self, limits: Limits) -> Option<Instant> {
        match self.phase {
            Phase::Idle => self.since.checked_add(limits.idle_timeout),
            Phase::Head => self.since.checked_add(limits.read_timeout),
            Phase::Busy(_) => None,
        }
    }
}

/// A request being handled, from its complete head to its response; it marks the connection
/// busy while it lives.
struct Handling(Arc<Watcher>);

impl Handling {
    fn start(watch: &Arc<Watcher>) -> Self {
        let mut w = watch.lock();
        w.phase = match w.phase {
            Phase::Busy(n) => Phase::Busy(n.saturating_add(1)),
            Phase::Idle | Phase::Head => Phase::Busy(1),
        };
        w.since = Instant::now();
        drop(w);
        watch.moved.notify_one();
        Self(Arc::clone(watch))
    }
}

impl Drop for Handling {
    fn drop(&mut self) {
        let mut w = self.0.lock();
        w.phase = match w.phase {
            Phase::Busy(n) if n > 1 => Phase::Busy(n - 1),
            _ => Phase::Idle,
        };
        w.since = Instant::now();
        drop(w);
        self.0.moved.notify_one();
    }
}

/// Completes when the connection has timed out.
async fn expiry(watch: Arc<Watcher>, limits: Limits) {
    loop {
        let deadline = watch.lock().deadline(limits);
        match deadline {
            Some(deadline) if deadline <= Instant::now() => return,
            // A deadline only moves later while its phase lasts (the idle one when a response
            // goes out): sleep to it and look again, or wake when the phase changes.
            Some(deadline) => {
                tokio::select! {
                    () = tokio::time::sleep_until(deadline) => {}
                    () = watch.moved.notified() => {}
                }
            }
            None => watch.moved.notified().await,
        }
    }
}

/// The client's stream, telling the watch when bytes arrive and leave.
struct Watched {
    inner: TcpStream,
    watch: Arc<Watcher>,
}

impl Watched {
    fn read_some(&self) {
        let mut w = self.watch.lock();
        if w.phase == Phase::Idle {
            w.phase = Phase::Head;
            w.since = Instant::now();
            drop(w);
            self.watch.moved.notify_one();
        }
    }

    fn wrote_some(&self) {
        let mut w = self.watch.lock();
        if w.phase == Phase::Idle {
            w.since = Instant::now();
        }
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.read_some();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.wrote_some();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.wrote_some();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
