//! What the HTTP handlers, the peer handle and the automatic peer share.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use crate::faults::Fault;
use crate::names::named_enum;
use crate::record::Record;
use crate::session::FakeSessionState;
use crate::state::{FakeVerificationState, Refusal, World};

named_enum! {
    /// A verification method, as `methods` spells it: which flow the automatic peer plays, and
    /// which methods the other device offers (`POST /_fake/peer/requests`).
    pub enum PeerMethod("verification method") {
        /// Emoji comparison: accept this device's request, wait for it to start the emoji
        /// comparison, confirm.
        Sas = "sas",
        /// QR code: accept this device's request, scan its QR code, and wait for it to
        /// confirm the scan.
        Qr = "qr",
    }
}

impl PeerMethod {
    /// What a person calls it: `emoji comparison` or `QR code`.
    ///
    /// ```
    /// use beeper_verification_fake::PeerMethod;
    ///
    /// assert_eq!(PeerMethod::Sas.human_name(), "emoji comparison");
    /// ```
    pub fn human_name(self) -> &'static str {
        match self {
            Self::Sas => "emoji comparison",
            Self::Qr => "QR code",
        }
    }
}

/// The automatic peer: plays the other side of each verification by itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AutoPeer {
    /// How long the other device takes for each move.
    pub delay: Duration,
    /// Which flow it plays.
    pub method: PeerMethod,
}

/// What bounds the state and the requests: the most fault rules, and how long a request body
/// may take.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Bounds {
    pub max_faults: usize,
    pub read_timeout: Duration,
}

pub(crate) struct Shared {
    world: Mutex<World>,
    faults: Mutex<Vec<Fault>>,
    /// The most fault rules held at once.
    max_faults: usize,
    requests: Mutex<Record>,
    pub token: String,
    /// Whether the token is accepted: from the start, unless the fake started signed out;
    /// then from the first sign-in (or the first state other than `needs-login` set by hand).
    token_live: AtomicBool,
    pub auto_peer: Option<AutoPeer>,
    runtime: tokio::runtime::Handle,
    /// When the server started, on tokio's clock.
    pub started: Instant,
    /// The `X-Beeper-Desktop-Version` of every response.
    pub desktop_version: axum::http::HeaderValue,
    /// How many requests arrived, recorded or not.
    pub received: std::sync::atomic::AtomicU64,
    /// How long a request body may take to arrive.
    pub read_timeout: Duration,
}

/// Shows no secret: neither the token, nor the world's recovery key or sign-in codes.
impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("token", &"[redacted]")
            .field("token_live", &self.token_live())
            .field("auto_peer", &self.auto_peer)
            .field("started", &self.started)
            .field("desktop_version", &self.desktop_version)
            .field("received", &self.received)
            .finish_non_exhaustive()
    }
}

/// A lock that survives a panic elsewhere: the fake's state stays usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    pub fn new(
        world: World,
        token: String,
        auto_peer: Option<AutoPeer>,
        runtime: tokio::runtime::Handle,
        record_size: usize,
        desktop_version: axum::http::HeaderValue,
        bounds: Bounds,
    ) -> Self {
        let token_live = AtomicBool::new(world.session_state != FakeSessionState::NeedsLogin);
        Self {
            world: Mutex::new(world),
            faults: Mutex::default(),
            max_faults: bounds.max_faults,
            requests: Mutex::new(Record::new(record_size)),
            token,
            token_live,
            auto_peer,
            runtime,
            started: Instant::now(),
            desktop_version,
            received: std::sync::atomic::AtomicU64::new(0),
            read_timeout: bounds.read_timeout,
        }
    }

    /// The world, with every verification past its deadline already cancelled.
    pub fn world(&self) -> MutexGuard<'_, World> {
        let mut world = lock(&self.world);
        world.expire(Instant::now());
        world
    }

    /// Whether the token is accepted yet (see [`Shared::token_live`]'s field).
    pub fn token_live(&self) -> bool {
        self.token_live.load(Ordering::Acquire)
    }

    /// From now on the token is accepted. Called with the world locked, when the session
    /// leaves `needs-login`.
    pub fn accept_token(&self) {
        self.token_live.store(true, Ordering::Release);
    }

    /// Sets the session state by hand: a state other than `needs-login` counts as signed in,
    /// so the token is accepted from then on.
    pub fn set_session_state(&self, state: FakeSessionState) {
        let mut world = self.world();
        world.set_session_state(state);
        if state != FakeSessionState::NeedsLogin {
            self.accept_token();
        }
    }

    pub fn faults(&self) -> MutexGuard<'_, Vec<Fault>> {
        lock(&self.faults)
    }

    /// Adds a fault rule, unless the fake holds `max_faults` already.
    pub fn add_fault(&self, fault: Fault) -> Result<(), Refusal> {
        let mut faults = self.faults();
        if faults.len() >= self.max_faults {
            return Err(Refusal::TooManyFaults {
                max: self.max_faults,
            });
        }
        faults.push(fault);
        Ok(())
    }

    pub fn requests(&self) -> MutexGuard<'_, Record> {
        lock(&self.requests)
    }

    /// Applies a move to verification `id`, then lets the automatic peer react.
    pub fn act(
        self: &Arc<Self>,
        id: &str,
        change: impl FnOnce(&mut World) -> Result<(), Refusal>,
    ) -> Result<(), Refusal> {
        change(&mut self.world())?;
        self.changed(id);
        Ok(())
    }

    /// Schedules the automatic peer's next move on `id`, if there is an automatic peer.
    pub fn changed(self: &Arc<Self>, id: &str) {
        let Some(auto) = self.auto_peer else { return };
        let shared = Arc::clone(self);
        let id = id.to_owned();
        self.runtime.spawn(async move {
            tokio::time::sleep(auto.delay).await;
            if shared.auto_step(&id, auto.method) {
                shared.changed(&id);
            }
        });
    }

    /// One move of the automatic peer; whether it moved.
    fn auto_step(&self, id: &str, method: PeerMethod) -> bool {
        let mut world = self.world();
        let Ok(t) = world.get(id) else { return false };
        let moved = match (t.state, method) {
            (FakeVerificationState::Requested, _) if !t.incoming => world.peer_accept(id),
            (FakeVerificationState::Ready, PeerMethod::Qr) if t.methods.contains(&"qr") => {
                world.peer_scan_our_qr(id)
            }
            (FakeVerificationState::SasReady, _) if !t.peer_confirmed_sas => {
                world.peer_confirm_sas(id)
            }
            _ => return false,
        };
        moved.is_ok()
    }
}
