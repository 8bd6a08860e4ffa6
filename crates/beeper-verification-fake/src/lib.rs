//! A stateful fake of the Beeper Desktop API's device-setup and verification endpoints.
//!
//! Nobody can run Beeper Desktop in CI. This crate serves the same 17 operations as
//! `openapi/beeper-verification.yaml`, on 127.0.0.1, with the verification state machine behind
//! them, sign-in with known accounts and an outbox of emailed codes, a simulated other device,
//! the account's recovery key, faults on demand, and a record of the latest requests. Use it to
//! test code that signs a device in or drives a verification, in Rust or, through the
//! `beeper-verification-fake` binary, in any language.
//!
//! ```
//! use beeper_verification_fake::FakeServer;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let server = FakeServer::start().await?;
//! // Point the code under test at server.base_url() with server.token().
//! let incoming = server.peer().request(); // the other device asks to verify
//! assert!(incoming.starts_with("fv"));
//! # Ok(())
//! # }
//! ```
//!
//! Options, faults and the record: the code under test meets a 503 once, and the test checks
//! what it sent.
//!
//! ```
//! use std::time::Duration;
//!
//! use beeper_verification_fake::{FakeServer, Fault, Operation, PeerMethod, FakeSessionState};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = FakeServer::builder()
//!     .auto_peer(PeerMethod::Sas, Duration::from_millis(10))
//!     .session_state(FakeSessionState::NeedsVerification)
//!     .seed(7)
//!     .start()
//!     .await?;
//! server.add_fault(Fault::status(503).on(Operation::GetSetup).times(1));
//!
//! // The code under test:
//! let http = reqwest::Client::new();
//! let url = format!("{}/v1/app/setup", server.base_url());
//! let first = http.get(&url).bearer_auth(server.token()).send().await?;
//! let second = http.get(&url).bearer_auth(server.token()).send().await?;
//!
//! assert_eq!((first.status().as_u16(), second.status().as_u16()), (503, 200));
//! assert_eq!(server.requests_for(Operation::GetSetup).len(), 2);
//! # Ok(())
//! # }
//! ```
//!
//! Signing in, from a fake started signed out: the code the person would find in their mail is
//! in the outbox, and sign-in hands out the fake's own token.
//!
//! ```
//! use beeper_verification_fake::{FakeServer, FakeSessionState};
//! use serde_json::{Value, json};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = FakeServer::builder()
//!     .session_state(FakeSessionState::NeedsLogin)
//!     .account("jane@example.com")
//!     .start()
//!     .await?;
//!
//! // The code under test (no token needed):
//! let http = reqwest::Client::new();
//! let url = |path: &str| format!("{}/v1/app/setup/{path}", server.base_url());
//! let started: Value = http.post(url("start")).send().await?.json().await?;
//! let id = &started["setupRequestID"];
//! let body = json!({ "email": "jane@example.com", "setupRequestID": id });
//! http.post(url("email")).json(&body).send().await?.error_for_status()?;
//! let code = server.outbox().pop().map(|mail| mail.code).unwrap_or_default();
//! let body = json!({ "response": code, "setupRequestID": id });
//! let signed_in: Value = http.post(url("response")).json(&body).send().await?.json().await?;
//!
//! assert_eq!(signed_in["matrix"]["accessToken"], server.token());
//! assert_eq!(signed_in["session"]["state"], "needs-verification");
//! # Ok(())
//! # }
//! ```
//!
//! The state machine, the session states, sign-in and the recovery key (and which of their
//! statuses and codes are the fake's own choice), the automatic peer, the faults, the record,
//! what the fake refuses and the HTTP controls under `/_fake/` are described in the crate's
//! README.

#![warn(missing_docs)]

mod control;
mod faults;
mod guard;
mod http;
mod names;
mod operation;
mod peer;
mod record;
mod recovery;
mod sas;
mod serve;
mod session;
mod shared;
mod signin;
mod state;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use faults::{Fault, FaultKind};
pub use names::UnknownName;
pub use operation::Operation;
pub use peer::{Peer, PeerRequest};
pub use record::{MAX_RECORD_BYTES, RecordedRequest};
pub use session::FakeSessionState;
pub use shared::PeerMethod;
pub use signin::{
    DEFAULT_MAX_SETUP_REQUESTS, MAX_ACCOUNTS, MAX_WRONG_SIGN_IN_CODES, OUTBOX_SIZE, OutboxMessage,
};
pub use state::{FakePurpose, FakeVerificationState, Refusal, VerificationAction};

/// How long a verification may take before it is cancelled with `m.timeout`, as in Matrix.
pub const DEFAULT_VERIFICATION_TIMEOUT: Duration = Duration::from_secs(600);

/// The version the fake reports in the `X-Beeper-Desktop-Version` header of every response
/// unless told otherwise ([`FakeServerBuilder::desktop_version`]).
pub const DEFAULT_DESKTOP_VERSION: &str = "0.0.0-fake";

/// How many of the latest requests the record keeps unless told otherwise
/// ([`FakeServerBuilder::record_size`]).
pub const DEFAULT_RECORD_SIZE: usize = 1000;

/// How many verifications the fake keeps unless told otherwise
/// ([`FakeServerBuilder::max_verifications`]), live and ended together.
///
/// Each live one takes about 215 bytes in `GET /v1/app/setup/verifications` (375 with its QR
/// code and emoji, up to 255 more with a `userID`), so the list of 1,500 stays under the 1 MiB a
/// `beeper-verification` client reads by default, whatever they hold. A test or benchmark that
/// needs more (the benchmarks wait on 10,000 at once) raises it.
pub const DEFAULT_MAX_VERIFICATIONS: usize = 1_500;

/// How many fault rules the fake holds at once unless told otherwise
/// ([`FakeServerBuilder::max_faults`]).
pub const DEFAULT_MAX_FAULTS: usize = 10_000;

/// How long a request may take to arrive unless told otherwise
/// ([`FakeServerBuilder::read_timeout`]): its head from its first byte, then its body.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a connection may sit with no request in progress before the fake closes it,
/// unless told otherwise ([`FakeServerBuilder::idle_timeout`]). Longer than a minute, so a
/// client polling each minute keeps its connection, and not a round figure that a test's own
/// waits are likely to share.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(75);

/// How many connections the fake serves at once unless told otherwise
/// ([`FakeServerBuilder::max_connections`]): well under the common limit of 1,024 open files
/// per process, which a test process shares with its clients.
pub const DEFAULT_MAX_CONNECTIONS: usize = 256;

/// A running fake server. It stops when dropped or on [`shutdown`](Self::shutdown).
#[derive(Debug)]
pub struct FakeServer {
    base_url: String,
    shared: Arc<shared::Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

/// Options of a [`FakeServer`].
#[derive(Clone, Debug)]
pub struct FakeServerBuilder {
    port: u16,
    token: Option<Hidden>,
    auto_peer: Option<shared::AutoPeer>,
    verification_timeout: Duration,
    session_state: FakeSessionState,
    seed: Option<u64>,
    record_size: usize,
    desktop_version: String,
    max_verifications: usize,
    max_faults: usize,
    read_timeout: Duration,
    idle_timeout: Duration,
    max_connections: usize,
    recovery_key: Option<Hidden>,
    first_sync_after_key: Option<Duration>,
    accounts: Vec<String>,
    sign_in_code: Option<Hidden>,
    state_after_sign_in: FakeSessionState,
    max_setup_requests: usize,
}

/// A secret the builder holds: its `Debug` does not show it.
#[derive(Clone)]
struct Hidden(String);

impl std::fmt::Debug for Hidden {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl Default for FakeServerBuilder {
    fn default() -> Self {
        Self {
            port: 0,
            token: None,
            auto_peer: None,
            verification_timeout: DEFAULT_VERIFICATION_TIMEOUT,
            session_state: FakeSessionState::NeedsVerification,
            seed: None,
            record_size: DEFAULT_RECORD_SIZE,
            desktop_version: DEFAULT_DESKTOP_VERSION.to_owned(),
            max_verifications: DEFAULT_MAX_VERIFICATIONS,
            max_faults: DEFAULT_MAX_FAULTS,
            read_timeout: DEFAULT_READ_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            recovery_key: None,
            first_sync_after_key: None,
            accounts: Vec::new(),
            sign_in_code: None,
            state_after_sign_in: FakeSessionState::NeedsVerification,
            max_setup_requests: DEFAULT_MAX_SETUP_REQUESTS,
        }
    }
}

impl FakeServerBuilder {
    /// The port to listen on (default: one the system picks).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The access token clients must send (default: a random one; see [`FakeServer::token`]).
    /// A fake that starts signed out ([`FakeSessionState::NeedsLogin`]) accepts it only once signed
    /// in, and sign-in hands out this token, so a test knows it in advance.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(Hidden(token.into()));
        self
    }

    /// Lets the other device play its side of each flow by itself, after `delay` per move.
    pub fn auto_peer(mut self, method: PeerMethod, delay: Duration) -> Self {
        self.auto_peer = Some(shared::AutoPeer { delay, method });
        self
    }

    /// How long a verification may take before it is cancelled with `m.timeout`
    /// (default 10 minutes).
    pub fn verification_timeout(mut self, timeout: Duration) -> Self {
        self.verification_timeout = timeout;
        self
    }

    /// The session state to start in (default [`FakeSessionState::NeedsVerification`]).
    ///
    /// Started in [`FakeSessionState::NeedsLogin`], the fake is signed out: it refuses its token
    /// (401) until a sign-in through the four public operations (`startSetup`,
    /// `sendSetupEmail`, `finishSetupSignIn`, `registerSetupAccount`) hands it out, or until a
    /// state other than `needs-login` is set by hand. `GET /v1/app/setup` stays public while
    /// signed out. Started in any other state, the token is accepted from the start.
    pub fn session_state(mut self, state: FakeSessionState) -> Self {
        self.session_state = state;
        self
    }

    /// An account the fake knows, by its email (compared without regard to case): a sign-in
    /// with it answers the signed-in account, where any other email gets "registration
    /// required". Its username, which no registration may take, is the email's local part
    /// (lower case, without a `+tag`, only letters, digits, `.`, `_` and `-`); its user ID is
    /// `@username:beeper.com`. Call it once per account. An email without a local part and a
    /// domain around an `@`, or with spaces, makes [`start`](Self::start) fail.
    pub fn account(mut self, email: impl Into<String>) -> Self {
        self.accounts.push(email.into());
        self
    }

    /// The code every sign-in email carries, for scripted runs (default: 6 random digits per
    /// email, the same on every run with a [`seed`](Self::seed)). It must be 1 to 64 visible
    /// ASCII characters without spaces, or [`start`](Self::start) fails.
    pub fn sign_in_code(mut self, code: impl Into<String>) -> Self {
        self.sign_in_code = Some(Hidden(code.into()));
        self
    }

    /// The session state a sign-in moves to (default [`FakeSessionState::NeedsVerification`]).
    /// [`FakeSessionState::NeedsLogin`] makes [`start`](Self::start) fail.
    pub fn state_after_sign_in(mut self, state: FakeSessionState) -> Self {
        self.state_after_sign_in = state;
        self
    }

    /// How many setup requests (sign-in attempts) the fake keeps, open and finished together
    /// (default [`DEFAULT_MAX_SETUP_REQUESTS`]). When it keeps that many, a new one takes the
    /// place of the one that finished first; when none has finished, `startSetup` is refused
    /// with 507 `TOO_MANY_SETUP_REQUESTS`.
    pub fn max_setup_requests(mut self, max: usize) -> Self {
        self.max_setup_requests = max;
        self
    }

    /// Makes verification IDs, and so the emoji and QR codes derived from them, the same on
    /// every run (for snapshot tests). By default they are random.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// The version the fake reports in the `X-Beeper-Desktop-Version` header of every response
    /// unless told otherwise ([`FakeServerBuilder::desktop_version`]).
    pub const DEFAULT_DESKTOP_VERSION: &str = "0.0.0-fake";

    /// The account's recovery key (default: a fresh one in the Matrix recovery-key look, 12
    /// groups of 4 base58 characters such as `EsTc 9bD2 ...`, the same on every run with a
    /// [`seed`](Self::seed)). Read the one in force with [`FakeServer::recovery_key`]. Keys are
    /// compared ignoring all whitespace. It must have some text other than whitespace and no
    /// control characters, or [`start`](Self::start) fails.
    pub fn recovery_key(mut self, key: impl Into<String>) -> Self {
        self.recovery_key = Some(Hidden(key.into()));
        self
    }

    /// After a recovery key is accepted (verify, or confirm of a reset), the session stays
    /// `needs-first-sync` for `wait` on tokio's clock before it is `ready` (default: straight
    /// to `ready`). A session that is `ready` already stays so. Setting the session state by
    /// hand ends the wait.
    pub fn first_sync_after_key(mut self, wait: Duration) -> Self {
        self.first_sync_after_key = Some(wait);
        self
    }

    /// How many of the latest requests the record keeps for [`FakeServer::requests`]
    /// (default [`DEFAULT_RECORD_SIZE`]); when it is full, the oldest goes. `0` turns the record
    /// off, for load tests. [`FakeServer::request_count`] counts every request either way.
    ///
    /// Each request is kept whole, its body included (up to 64 KiB), so the record can grow to
    /// about `size` × 64 KiB under a flood of large requests.
    pub fn record_size(mut self, size: usize) -> Self {
        self.record_size = size;
        self
    }

    /// The version every response reports in its `X-Beeper-Desktop-Version` header, as Beeper
    /// Desktop does (default [`DEFAULT_DESKTOP_VERSION`]). It must be a valid header value
    /// (visible ASCII and spaces), or [`start`](Self::start) fails.
    pub fn desktop_version(mut self, version: impl Into<String>) -> Self {
        self.desktop_version = version.into();
        self
    }

    /// How many verifications the fake keeps, live and ended together (default
    /// [`DEFAULT_MAX_VERIFICATIONS`]). When it keeps that many, a new one takes the place of
    /// the one that ended first; when all of them are live, a new one is refused: 507
    /// `TOO_MANY_VERIFICATIONS` over HTTP (`POST /v1/app/setup/verifications` and
    /// `POST /_fake/peer/requests`), [`Refusal::TooManyVerifications`] from
    /// [`Peer::try_request_with`]. `0` refuses every new one.
    pub fn max_verifications(mut self, max: usize) -> Self {
        self.max_verifications = max;
        self
    }

    /// How many fault rules the fake holds at once (default [`DEFAULT_MAX_FAULTS`]). Past it a
    /// new one is refused: 507 `TOO_MANY_FAULTS` from `POST /_fake/faults`,
    /// [`Refusal::TooManyFaults`] from [`FakeServer::try_add_fault`]. Rules used up (`times`)
    /// leave room again, as does clearing them.
    pub fn max_faults(mut self, max: usize) -> Self {
        self.max_faults = max;
        self
    }

    /// How long a request may take to arrive (default [`DEFAULT_READ_TIMEOUT`]): once the
    /// first byte of its head is in, the rest of the head must follow within it, or the
    /// connection is closed (a slowloris client); then its body must arrive within it, or the
    /// answer is 408 `REQUEST_TIMEOUT`. A timeout too long for the clock (such as
    /// `Duration::MAX`) means never. Measured on tokio's clock, so a paused test clock pauses
    /// it too.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// How long a connection may sit with no request in progress, from when it opened or its
    /// last response went out, before the fake closes it (default [`DEFAULT_IDLE_TIMEOUT`]):
    /// a client that connects and sends nothing, or a kept-alive connection left unused. A
    /// request being handled is never cut off, however long a latency fault holds it.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// How many connections the fake serves at once (default [`DEFAULT_MAX_CONNECTIONS`], at
    /// least 1). At the limit it accepts no more until one closes: new ones wait in the
    /// system's listen queue.
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = max;
        self
    }

    /// Binds 127.0.0.1 and starts serving on the current tokio runtime.
    ///
    /// Fails if the port cannot be bound, or with [`std::io::ErrorKind::InvalidInput`] if the
    /// [`desktop_version`](Self::desktop_version) cannot be a header value, the
    /// [`recovery_key`](Self::recovery_key) is blank or has control characters, an
    /// [`account`](Self::account) is not an email, the [`sign_in_code`](Self::sign_in_code)
    /// is not one, or the [`state_after_sign_in`](Self::state_after_sign_in) is `needs-login`.
    pub async fn start(self) -> std::io::Result<FakeServer> {
        let invalid =
            |message: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, message);
        if let Some(email) = self.accounts.iter().find(|e| !signin::is_email(e)) {
            return Err(invalid(format!(
                "the account {email:?} is not an email address such as jane@example.com"
            )));
        }
        if let Some(Hidden(code)) = &self.sign_in_code
            && !signin::is_code(code)
        {
            // The code is a secret: the error does not repeat it.
            return Err(invalid(
                "the sign-in code must be 1 to 64 visible ASCII characters without spaces"
                    .to_owned(),
            ));
        }
        if self.state_after_sign_in == FakeSessionState::NeedsLogin {
            return Err(invalid(
                "the state after sign-in cannot be needs-login: that is signed out".to_owned(),
            ));
        }
        if let Some(Hidden(key)) = &self.recovery_key
            && !recovery::is_usable(key)
        {
            // The key is a secret: the error does not repeat it.
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the recovery key must have text other than whitespace and no control characters",
            ));
        }
        let desktop_version = axum::http::HeaderValue::from_str(&self.desktop_version)
            .ok()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!(
                        "the desktop version {:?} cannot be sent as a header value",
                        self.desktop_version
                    ),
                )
            })?;
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, self.port)))
                .await?;
        let address = listener.local_addr()?;
        let token = self.token.map(|Hidden(t)| t).unwrap_or_else(|| {
            let mut rng = fastrand::Rng::new();
            std::iter::repeat_with(|| rng.alphanumeric())
                .take(32)
                .collect()
        });
        let mut world = state::World::new(self.verification_timeout, self.max_verifications);
        world.session_state = self.session_state;
        if let Some(seed) = self.seed {
            world.seed(seed);
        }
        if let Some(Hidden(key)) = self.recovery_key {
            world.recovery_key = key;
        }
        world.sign_in = signin::SignIn::new(self.max_setup_requests);
        if let Some(seed) = self.seed {
            world.sign_in.seed(seed);
        }
        if let Some(Hidden(code)) = self.sign_in_code {
            world.sign_in.set_fixed_code(code);
        }
        world.sign_in.state_after = self.state_after_sign_in;
        for email in &self.accounts {
            world
                .sign_in
                .add_account(email)
                .map_err(|refusal| invalid(refusal.to_string()))?;
        }
        world.first_sync_after_key = self.first_sync_after_key;
        let shared = Arc::new(shared::Shared::new(
            world,
            token,
            self.auto_peer,
            tokio::runtime::Handle::current(),
            self.record_size,
            desktop_version,
            shared::Bounds {
                max_faults: self.max_faults,
                read_timeout: self.read_timeout,
            },
        ));
        let app = http::router(Arc::clone(&shared));
        let (stop, stopped) = oneshot::channel::<()>();
        let limits = serve::Limits {
            read_timeout: self.read_timeout,
            idle_timeout: self.idle_timeout,
            max_connections: self.max_connections,
        };
        let task = tokio::spawn(serve::serve(listener, app, limits, stopped));
        Ok(FakeServer {
            base_url: format!("http://{address}"),
            shared,
            stop: Some(stop),
            task: Some(task),
        })
    }
}

impl FakeServer {
    /// Starts a fake with the defaults: a random port and token, no automatic peer.
    pub async fn start() -> std::io::Result<Self> {
        Self::builder().start().await
    }

    /// Options: port, token, automatic peer, verification timeout, session state, accounts and
    /// sign-in, recovery key, seed, record size, desktop version, limits and connection
    /// timeouts.
    pub fn builder() -> FakeServerBuilder {
        FakeServerBuilder::default()
    }

    /// The base URL to point a client at, such as `http://127.0.0.1:41234`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The access token the fake accepts, and the one sign-in hands out
    /// (`matrix.accessToken`). A fake started signed out accepts it only once signed in (see
    /// [`FakeServerBuilder::session_state`]).
    pub fn token(&self) -> &str {
        &self.shared.token
    }

    /// The version it reports in the `X-Beeper-Desktop-Version` header of every response.
    pub fn desktop_version(&self) -> &str {
        // Set from a `String`, so it is valid UTF-8.
        self.shared.desktop_version.to_str().unwrap_or_default()
    }

    /// The other device, to drive by hand.
    pub fn peer(&self) -> Peer {
        Peer {
            shared: Arc::clone(&self.shared),
        }
    }

    /// Adds a fault rule.
    ///
    /// # Panics
    ///
    /// When the fake holds as many rules as it may
    /// ([`max_faults`](FakeServerBuilder::max_faults)); [`try_add_fault`](Self::try_add_fault)
    /// returns that as an error instead.
    pub fn add_fault(&self, fault: Fault) {
        if let Err(refusal) = self.try_add_fault(fault) {
            panic!("cannot add the fault: {refusal}");
        }
    }

    /// Adds a fault rule, or [`Refusal::TooManyFaults`] when the fake holds as many as it may
    /// ([`max_faults`](FakeServerBuilder::max_faults)).
    pub fn try_add_fault(&self, fault: Fault) -> Result<(), Refusal> {
        self.shared.add_fault(fault)
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        self.shared.faults().clear();
    }

    /// The requests received so far, oldest first: the latest
    /// [`record_size`](FakeServerBuilder::record_size) of them.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests().iter().cloned().collect()
    }

    /// The recorded requests for one operation, oldest first.
    pub fn requests_for(&self, operation: Operation) -> Vec<RecordedRequest> {
        self.shared
            .requests()
            .iter()
            .filter(|r| r.operation == Some(operation))
            .cloned()
            .collect()
    }

    /// How many requests have arrived since the start, whether recorded or not.
    pub fn request_count(&self) -> u64 {
        self.shared
            .received
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Forgets the requests received so far.
    pub fn clear_requests(&self) {
        self.shared.requests().clear();
    }

    /// Sets the session state (`session.state`), such as [`FakeSessionState::NeedsLogin`].
    ///
    /// [`FakeSessionState::NeedsLogin`] signs the fake out: sign-in is possible again (the token it
    /// accepted stays accepted). Any other state counts as signed in: a fake started signed out
    /// accepts its token from then on.
    pub fn set_session_state(&self, state: FakeSessionState) {
        self.shared.set_session_state(state);
    }

    /// The account's recovery key in force: the one given to
    /// [`FakeServerBuilder::recovery_key`] or made at the start, until a reset is confirmed,
    /// then the new one. A reset not yet confirmed does not change it.
    pub fn recovery_key(&self) -> String {
        self.shared.world().recovery_key.clone()
    }

    /// The sign-in codes mailed so far, oldest first: the latest [`OUTBOX_SIZE`] of them (also
    /// `GET /_fake/outbox`).
    pub fn outbox(&self) -> Vec<OutboxMessage> {
        self.shared.world().sign_in.outbox().cloned().collect()
    }

    /// Forgets the sign-in codes mailed so far (also `DELETE /_fake/outbox`); the codes stay
    /// valid.
    pub fn clear_outbox(&self) {
        self.shared.world().sign_in.clear_outbox();
    }

    /// Stops serving and waits until the server has stopped.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            // A request held by a latency fault would hold a graceful shutdown open; aborting
            // the server closes every connection.
            task.abort();
        }
    }
}
