//! The verification state machine behind the fake, modelled on Matrix key verification.
//!
//! ```text
//! emoji:  requested → ready → sas_ready → done
//! QR:                 ready → qr_scanned → done      (or: this device scans the other's code → done)
//! any live state → cancelled (either side) | error (a local failure)
//! ```
//!
//! `availableActions` is computed from the state, the direction and who has confirmed what. A
//! verification not finished within the timeout becomes `cancelled` with `m.timeout`. Ended
//! verifications leave the list but stay retrievable by ID, until a new one needs their room (see
//! `World`). When one ends `done`, the session moves from
//! `needs-verification` to `ready` (and so `e2ee.verified` becomes true, see `session.rs`).

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use beeper_verification_client::types as wire;
use tokio::time::Instant;

use crate::names::named_enum;
use crate::recovery;
use crate::sas;
use crate::session::FakeSessionState;
use crate::signin::SignIn;

named_enum! {
    /// A verification's `state`: live (`requested`, `ready`, `sas_ready`, `qr_scanned`) or
    /// ended (`done`, `cancelled`, `error`).
    pub enum FakeVerificationState("verification state") {
        /// One device asked the other to verify.
        Requested = "requested",
        /// Both devices are ready; a method can start.
        Ready = "ready",
        /// The emoji (and numbers) are shown on both devices.
        SasReady = "sas_ready",
        /// The other device scanned this device's QR code.
        QrScanned = "qr_scanned",
        /// Verified.
        Done = "done",
        /// Cancelled by either device, or timed out.
        Cancelled = "cancelled",
        /// Failed.
        Error = "error",
    }
}

impl FakeVerificationState {
    /// Whether the verification has ended: `done`, `cancelled` or `error`.
    pub fn is_ended(self) -> bool {
        matches!(self, Self::Done | Self::Cancelled | Self::Error)
    }
}

named_enum! {
    /// An action this device can take on a verification, as `availableActions` spells it.
    pub enum VerificationAction("verification action") {
        /// Accept an incoming request (`POST .../accept`).
        Accept = "accept",
        /// Cancel (`POST .../cancel`).
        Cancel = "cancel",
        /// Confirm that the other device scanned this device's code
        /// (`POST .../qr/confirm-scanned`).
        QrConfirmScanned = "qr.confirmScanned",
        /// Start the emoji comparison (`POST .../sas/start`).
        SasStart = "sas.start",
        /// Confirm that the emoji match (`POST .../sas/confirm`).
        SasConfirm = "sas.confirm",
    }
}

named_enum! {
    /// Why a verification exists, its `purpose`.
    pub enum FakePurpose("purpose") {
        /// Verifying to finish signing in.
        Login = "login",
        /// Verifying this device.
        Device = "device",
    }
}

/// Why an action was refused, for the HTTP layer to turn into a status and error body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// No verification has this ID.
    #[error("no verification with ID {0:?}")]
    NotFound(String),
    /// The action is not in the verification's `availableActions`.
    #[error(
        "cannot {action}: verification {id} is {state}; allowed now: [{}]",
        list(allowed)
    )]
    NotAvailable {
        /// The verification.
        id: String,
        /// What was attempted.
        action: VerificationAction,
        /// Its state.
        state: FakeVerificationState,
        /// Its available actions.
        allowed: Vec<VerificationAction>,
    },
    /// The other device's move does not fit the verification's state.
    #[error("the other device cannot {action}: verification {id} is {state}; {why}")]
    PeerMoveRefused {
        /// The verification.
        id: String,
        /// The other device's move, in words.
        action: &'static str,
        /// Its state.
        state: FakeVerificationState,
        /// Why not.
        why: &'static str,
    },
    /// The scanned QR payload belongs to no live verification.
    #[error("the scanned QR code does not belong to any live verification")]
    UnknownQr,
    /// The fake already keeps as many verifications as it may
    /// ([`FakeServerBuilder::max_verifications`](crate::FakeServerBuilder::max_verifications)),
    /// and every one of them is live: an ended one would have made room.
    #[error(
        "the fake keeps at most {max} verifications, and all of them are live: cancel some, \
         let them time out, or raise the limit (max_verifications, --max-verifications)"
    )]
    TooManyVerifications {
        /// The limit.
        max: usize,
    },
    /// The fake already holds as many fault rules as it may
    /// ([`FakeServerBuilder::max_faults`](crate::FakeServerBuilder::max_faults)).
    #[error(
        "the fake holds at most {max} fault rules: clear them (DELETE /_fake/faults) or raise \
         the limit (max_faults, --max-faults)"
    )]
    TooManyFaults {
        /// The limit.
        max: usize,
    },
    /// The recovery key given is not the one expected: not the account's (verify, or the
    /// `existingRecoveryKey` of a reset), or not the one the pending reset made (confirm). The
    /// message never contains a key.
    #[error("the recovery key is not correct")]
    InvalidRecoveryKey,
    /// The recovery-key call makes no sense in the session's current state.
    #[error("cannot {action} while the session is {state}")]
    SessionStateConflict {
        /// What was attempted, in words.
        action: &'static str,
        /// The session's state.
        state: FakeSessionState,
    },
    /// A reset was to be confirmed, but none is pending.
    #[error("no recovery key reset is pending: make one first (resetRecoveryKey)")]
    NoPendingReset,
    /// A sign-in call while signed in: sign-in starts from `needs-login`.
    #[error("cannot sign in while the session is {state}: sign-in starts from needs-login")]
    AlreadySignedIn {
        /// The session's state.
        state: FakeSessionState,
    },
    /// The `setupRequestID` names no setup request the fake keeps: never started, or closed
    /// after too many wrong codes. The message does not repeat it.
    #[error("no setup request has this setupRequestID: start one (startSetup)")]
    SetupRequestNotFound,
    /// A code was given before any was mailed for the setup request.
    #[error("no sign-in code was sent for this setup request: send one first (sendSetupEmail)")]
    NoSignInCodeSent,
    /// The code is not the one mailed last. The message never contains a code.
    #[error(
        "the sign-in code is not correct; {}",
        if *tries_left == 0 {
            "that was the last try, so the setup request is closed: start a new one (startSetup)"
                .to_owned()
        } else {
            format!(
                "{tries_left} more {} before the setup request is closed",
                if *tries_left == 1 { "try" } else { "tries" }
            )
        }
    )]
    InvalidSignInCode {
        /// How many more wrong codes the setup request takes; at `0` it is closed.
        tries_left: u32,
    },
    /// The setup request's code was used already (it signed in, or its registration is
    /// pending): it takes no code, and mails none, again.
    #[error("this setup request's sign-in code was used already: start a new one (startSetup)")]
    SignInCodeUsed,
    /// The lead token is not the one issued for the setup request, or none is open for it (a
    /// lead token is issued by finishSetupSignIn for an email without an account, and used
    /// once). The message never contains a token.
    #[error("the lead token is not valid for this setup request")]
    InvalidLeadToken,
    /// The username belongs to an account already.
    #[error("the username {username:?} is taken: choose another")]
    UsernameTaken {
        /// The username asked for.
        username: String,
    },
    /// The fake already keeps as many setup requests as it may
    /// ([`FakeServerBuilder::max_setup_requests`](crate::FakeServerBuilder::max_setup_requests)),
    /// and none of them finished: a finished one would have made room.
    #[error(
        "the fake keeps at most {max} setup requests, and none of them finished: sign in with \
         one, or raise the limit (max_setup_requests, --max-setup-requests)"
    )]
    TooManySetupRequests {
        /// The limit.
        max: usize,
    },
    /// The fake already knows as many accounts as it may ([`MAX_ACCOUNTS`](crate::MAX_ACCOUNTS)).
    #[error("the fake knows at most {max} accounts")]
    TooManyAccounts {
        /// The limit.
        max: usize,
    },
}

/// `accept, cancel`: actions as a message lists them.
fn list(actions: &[VerificationAction]) -> String {
    let names: Vec<&str> = actions.iter().map(|a| a.as_str()).collect();
    names.join(", ")
}

/// One verification transaction.
#[derive(Debug, Clone)]
pub(crate) struct Transaction {
    pub id: String,
    pub incoming: bool,
    pub purpose: FakePurpose,
    pub methods: Vec<&'static str>,
    pub state: FakeVerificationState,
    pub error: Option<(String, String)>,
    pub other_user_id: Option<String>,
    pub we_confirmed_sas: bool,
    pub peer_confirmed_sas: bool,
    /// When it is cancelled with `m.timeout`; `None` when the timeout reaches past what the
    /// clock can represent (never).
    pub deadline: Option<Instant>,
    /// The order of creation, which breaks ties between equal deadlines.
    serial: u64,
}

impl Transaction {
    /// What this device may do now.
    pub fn available(&self) -> Vec<VerificationAction> {
        let mut actions = Vec::new();
        match self.state {
            FakeVerificationState::Requested if self.incoming => {
                actions.push(VerificationAction::Accept)
            }
            FakeVerificationState::Ready if self.methods.contains(&"sas") => {
                actions.push(VerificationAction::SasStart)
            }
            FakeVerificationState::SasReady if !self.we_confirmed_sas => {
                actions.push(VerificationAction::SasConfirm)
            }
            FakeVerificationState::QrScanned => actions.push(VerificationAction::QrConfirmScanned),
            _ => {}
        }
        if !self.state.is_ended() {
            actions.push(VerificationAction::Cancel);
        }
        actions
    }

    fn require(&self, action: VerificationAction) -> Result<(), Refusal> {
        if self.available().contains(&action) {
            return Ok(());
        }
        Err(Refusal::NotAvailable {
            id: self.id.clone(),
            action,
            state: self.state,
            allowed: self.available(),
        })
    }

    fn end(&mut self, state: FakeVerificationState, code: &str, reason: &str) {
        self.state = state;
        self.error = Some((code.to_owned(), reason.to_owned()));
    }

    pub fn to_wire(&self) -> wire::Verification {
        let shows_qr = self.methods.contains(&"qr")
            && matches!(
                self.state,
                FakeVerificationState::Ready
                    | FakeVerificationState::QrScanned
                    | FakeVerificationState::SasReady
            );
        wire::Verification {
            id: self.id.clone(),
            available_actions: self
                .available()
                .iter()
                .map(|a| wire::VerificationAction(a.as_str().to_owned()))
                .collect(),
            direction: wire::VerificationDirection(
                if self.incoming {
                    "incoming"
                } else {
                    "outgoing"
                }
                .to_owned(),
            ),
            methods: self
                .methods
                .iter()
                .map(|m| wire::VerificationMethod((*m).to_owned()))
                .collect(),
            purpose: wire::VerificationPurpose(self.purpose.as_str().to_owned()),
            state: wire::VerificationState(self.state.as_str().to_owned()),
            error: self
                .error
                .as_ref()
                .map(|(code, reason)| wire::VerificationError {
                    code: code.clone(),
                    reason: reason.clone(),
                }),
            other_device: Some(wire::VerificationOtherDevice {
                id: OTHER_DEVICE_ID.to_owned(),
                name: Some(OTHER_DEVICE_NAME.to_owned()),
            }),
            other_user_id: self.other_user_id.clone(),
            qr: shows_qr.then(|| wire::VerificationQr {
                data: sas::our_qr(&self.id),
            }),
            sas: (self.state == FakeVerificationState::SasReady
                || (self.state == FakeVerificationState::Done && self.we_confirmed_sas))
                .then(|| wire::VerificationSas {
                    emojis: sas::emojis(&self.id),
                    decimals: Some(sas::decimals(&self.id)),
                }),
        }
    }
}

/// The other device's ID and name, as this device sees them.
pub(crate) const OTHER_DEVICE_ID: &str = "OTHERDEVICE";
pub(crate) const OTHER_DEVICE_NAME: &str = "Beeper on the other device";

/// Everything the fake knows: the session and every verification.
///
/// It keeps at most `max` verifications. Past that, the one that ended first makes room for a
/// new one; when all are live, a new one is refused.
#[derive(Debug)]
pub(crate) struct World {
    pub session_state: FakeSessionState,
    verifications: BTreeMap<String, Transaction>,
    /// The most recently created verification, shown as `session.verification`.
    pub latest: Option<String>,
    next_id: u64,
    timeout: Duration,
    /// Draws the random part of IDs (seeded for reproducible IDs and emoji).
    rng: fastrand::Rng,
    /// The most verifications kept, live and ended together.
    max: usize,
    /// The live verifications that have a deadline, earliest first, so that expiring costs
    /// nothing until one is due.
    deadlines: BTreeMap<(Instant, u64), String>,
    /// The ended verifications still kept, in the order they ended: the first to go.
    ended: VecDeque<String>,
    /// The account's recovery key, the one in force.
    pub recovery_key: String,
    /// The key the latest reset made, until it is confirmed.
    pending_key: Option<String>,
    /// Draws recovery keys: apart from `rng`, so that seeded verification IDs stay as they
    /// were before recovery keys existed.
    key_rng: fastrand::Rng,
    /// How long the session stays `needs-first-sync` after a key is accepted (`None`: it
    /// moves straight to `ready`).
    pub first_sync_after_key: Option<Duration>,
    /// When the first sync that a key started finishes.
    first_sync_until: Option<Instant>,
    /// Sign-in: the accounts, the setup requests and the outbox.
    pub sign_in: SignIn,
    /// The user signed in through sign-in, shown as `session.matrix.userID` (`None`: the
    /// fake's own user).
    pub user_id: Option<String>,
}

/// Options of a new verification.
#[derive(Debug, Clone, Default)]
pub(crate) struct NewVerification {
    pub incoming: bool,
    pub purpose: Option<FakePurpose>,
    pub user_id: Option<String>,
    pub methods: Option<Vec<&'static str>>,
}

/// Mixed into the seed of the recovery keys, so that they do not follow the IDs' sequence.
const KEY_SEED: u64 = 0x5245_434f_5645_5259;

impl World {
    pub fn new(timeout: Duration, max: usize) -> Self {
        let mut key_rng = fastrand::Rng::new();
        Self {
            recovery_key: recovery::generate(&mut key_rng),
            pending_key: None,
            key_rng,
            first_sync_after_key: None,
            first_sync_until: None,
            sign_in: SignIn::new(crate::signin::DEFAULT_MAX_SETUP_REQUESTS),
            user_id: None,
            session_state: FakeSessionState::NeedsVerification,
            verifications: BTreeMap::new(),
            latest: None,
            next_id: 1,
            timeout,
            rng: fastrand::Rng::new(),
            max,
            deadlines: BTreeMap::new(),
            ended: VecDeque::new(),
        }
    }

    /// Makes IDs, and so the emoji and QR codes derived from them, the recovery keys (the
    /// account's first one and those resets make), and sign-in's setup request IDs, codes and
    /// lead tokens the same on every run.
    pub fn seed(&mut self, seed: u64) {
        self.rng = fastrand::Rng::with_seed(seed);
        self.key_rng = fastrand::Rng::with_seed(seed ^ KEY_SEED);
        self.recovery_key = recovery::generate(&mut self.key_rng);
        self.sign_in.seed(seed);
    }

    /// Signed in as `user_id`: the session moves to the state set for after sign-in.
    pub fn signed_in(&mut self, user_id: String) {
        self.user_id = Some(user_id);
        // A new sign-in is a new device: the verification of the one before is not its own.
        self.latest = None;
        let next = self.sign_in.state_after;
        self.set_session_state(next);
    }

    /// Sets the session state by hand; a first sync the fake was timing ends with it.
    pub fn set_session_state(&mut self, state: FakeSessionState) {
        self.session_state = state;
        self.first_sync_until = None;
    }

    /// Cancels every live verification past its deadline with `m.timeout`. It looks only at
    /// the earliest deadlines, so a request costs nothing extra until one is due.
    pub fn expire(&mut self, now: Instant) {
        if self.first_sync_until.is_some_and(|until| until <= now) {
            self.first_sync_until = None;
            if self.session_state == FakeSessionState::NeedsFirstSync {
                self.session_state = FakeSessionState::Ready;
            }
        }
        while let Some(entry) = self.deadlines.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let id = entry.remove();
            self.end(
                &id,
                FakeVerificationState::Cancelled,
                "m.timeout",
                "The verification was not completed in time.",
            );
        }
    }

    /// Adds a verification, making room by dropping the one that ended first when the fake
    /// keeps `max` already; refused when every kept verification is live.
    pub fn create(&mut self, options: NewVerification, now: Instant) -> Result<String, Refusal> {
        while self.verifications.len() >= self.max {
            let Some(oldest) = self.ended.pop_front() else {
                return Err(Refusal::TooManyVerifications { max: self.max });
            };
            self.verifications.remove(&oldest);
            if self.latest.as_deref() == Some(oldest.as_str()) {
                self.latest = None;
            }
        }
        let serial = self.next_id;
        let id = format!("fv{:04}{:04x}", serial, self.rng.u16(..));
        self.next_id += 1;
        let deadline = now.checked_add(self.timeout);
        let transaction = Transaction {
            id: id.clone(),
            incoming: options.incoming,
            purpose: options.purpose.unwrap_or(FakePurpose::Device),
            methods: options.methods.unwrap_or_else(|| vec!["qr", "sas"]),
            state: FakeVerificationState::Requested,
            error: None,
            other_user_id: options.user_id,
            we_confirmed_sas: false,
            peer_confirmed_sas: false,
            deadline,
            serial,
        };
        if let Some(deadline) = deadline {
            self.deadlines.insert((deadline, serial), id.clone());
        }
        self.verifications.insert(id.clone(), transaction);
        self.latest = Some(id.clone());
        Ok(id)
    }

    /// Ends a live verification in `state` with an error code and reason.
    fn end(&mut self, id: &str, state: FakeVerificationState, code: &str, reason: &str) {
        if let Some(t) = self.verifications.get_mut(id) {
            if t.state.is_ended() {
                return;
            }
            t.end(state, code, reason);
            self.ended_now(id);
        }
    }

    /// Moves a verification that just ended from the deadlines to the ended ones.
    fn ended_now(&mut self, id: &str) {
        if let Some(t) = self.verifications.get(id) {
            if let Some(deadline) = t.deadline {
                self.deadlines.remove(&(deadline, t.serial));
            }
            self.ended.push_back(id.to_owned());
        }
    }

    pub fn get(&self, id: &str) -> Result<&Transaction, Refusal> {
        self.verifications
            .get(id)
            .ok_or_else(|| Refusal::NotFound(id.to_owned()))
    }

    fn get_mut(&mut self, id: &str) -> Result<&mut Transaction, Refusal> {
        self.verifications
            .get_mut(id)
            .ok_or_else(|| Refusal::NotFound(id.to_owned()))
    }

    // --- What this device does (the API) ---------------------------------------------------

    pub fn accept(&mut self, id: &str) -> Result<(), Refusal> {
        let t = self.get_mut(id)?;
        t.require(VerificationAction::Accept)?;
        t.state = FakeVerificationState::Ready;
        Ok(())
    }

    pub fn start_sas(&mut self, id: &str) -> Result<(), Refusal> {
        let t = self.get_mut(id)?;
        t.require(VerificationAction::SasStart)?;
        t.state = FakeVerificationState::SasReady;
        Ok(())
    }

    pub fn confirm_sas(&mut self, id: &str) -> Result<(), Refusal> {
        let t = self.get_mut(id)?;
        t.require(VerificationAction::SasConfirm)?;
        t.we_confirmed_sas = true;
        let both = t.peer_confirmed_sas;
        if both {
            self.finish(id);
        }
        Ok(())
    }

    pub fn confirm_qr_scanned(&mut self, id: &str) -> Result<(), Refusal> {
        let t = self.get_mut(id)?;
        t.require(VerificationAction::QrConfirmScanned)?;
        self.finish(id);
        Ok(())
    }

    /// This device scanned the other device's QR code: that verifies it at once.
    pub fn scan_peer_qr(&mut self, data: &str) -> Result<String, Refusal> {
        let id = self
            .verifications
            .values()
            .find(|t| {
                t.state == FakeVerificationState::Ready
                    && t.methods.contains(&"qr")
                    && sas::peer_qr(&t.id) == data
            })
            .map(|t| t.id.clone())
            .ok_or(Refusal::UnknownQr)?;
        self.finish(&id);
        Ok(id)
    }

    pub fn cancel(
        &mut self,
        id: &str,
        code: Option<String>,
        reason: Option<String>,
    ) -> Result<(), Refusal> {
        let t = self.get_mut(id)?;
        t.require(VerificationAction::Cancel)?;
        let code = code.unwrap_or_else(|| "m.user".to_owned());
        let reason = reason.unwrap_or_else(|| "Cancelled on this device.".to_owned());
        self.end(id, FakeVerificationState::Cancelled, &code, &reason);
        Ok(())
    }

    fn finish(&mut self, id: &str) {
        let Some(t) = self.verifications.get_mut(id) else {
            return;
        };
        if t.state.is_ended() {
            return;
        }
        t.state = FakeVerificationState::Done;
        t.error = None;
        self.ended_now(id);
        if self.session_state == FakeSessionState::NeedsVerification {
            self.session_state = FakeSessionState::Ready;
        }
    }

    // --- The recovery key ---------------------------------------------------------------------

    /// Refuses a recovery-key call unless the session is in one of `allowed`.
    fn require_session(
        &self,
        action: &'static str,
        allowed: &[FakeSessionState],
    ) -> Result<(), Refusal> {
        if allowed.contains(&self.session_state) {
            return Ok(());
        }
        Err(Refusal::SessionStateConflict {
            action,
            state: self.session_state,
        })
    }

    /// The session states in which a reset may be made or confirmed: wherever the account has,
    /// or should get, cross-signing and this device is signed in.
    const RESET_STATES: [FakeSessionState; 4] = [
        FakeSessionState::NeedsCrossSigningSetup,
        FakeSessionState::NeedsVerification,
        FakeSessionState::NeedsSecrets,
        FakeSessionState::Ready,
    ];

    /// The session moves on to `ready` now that a key is in force: through `needs-first-sync`
    /// for a while when so configured; a session that is ready already stays so.
    fn key_accepted(&mut self, now: Instant) {
        if self.session_state == FakeSessionState::Ready {
            return;
        }
        match self.first_sync_after_key {
            None => self.session_state = FakeSessionState::Ready,
            Some(wait) => {
                self.session_state = FakeSessionState::NeedsFirstSync;
                // A wait too long for the clock never ends.
                self.first_sync_until = now.checked_add(wait);
            }
        }
    }

    /// This device verifies with the account's recovery key.
    pub fn verify_recovery_key(&mut self, given: &str, now: Instant) -> Result<(), Refusal> {
        self.require_session(
            "verify with the recovery key",
            &[
                FakeSessionState::NeedsVerification,
                FakeSessionState::NeedsSecrets,
            ],
        )?;
        if !recovery::same_key(given, &self.recovery_key) {
            return Err(Refusal::InvalidRecoveryKey);
        }
        self.key_accepted(now);
        Ok(())
    }

    /// Makes a new key, pending until confirmed; it replaces any pending one. Returns it.
    pub fn reset_recovery_key(&mut self, existing: Option<&str>) -> Result<String, Refusal> {
        self.require_session("reset the recovery key", &Self::RESET_STATES)?;
        if let Some(existing) = existing
            && !recovery::same_key(existing, &self.recovery_key)
        {
            return Err(Refusal::InvalidRecoveryKey);
        }
        let key = recovery::generate(&mut self.key_rng);
        self.pending_key = Some(key.clone());
        Ok(key)
    }

    /// Puts the pending key in force, if `given` is it.
    pub fn confirm_recovery_key_reset(&mut self, given: &str, now: Instant) -> Result<(), Refusal> {
        self.require_session("confirm a recovery key reset", &Self::RESET_STATES)?;
        let pending = self.pending_key.as_deref().ok_or(Refusal::NoPendingReset)?;
        if !recovery::same_key(given, pending) {
            return Err(Refusal::InvalidRecoveryKey);
        }
        if let Some(key) = self.pending_key.take() {
            self.recovery_key = key;
        }
        self.key_accepted(now);
        Ok(())
    }

    // --- What the other device does (the peer) ---------------------------------------------

    fn live(
        &mut self,
        id: &str,
        what: &'static str,
        allowed: &[FakeVerificationState],
    ) -> Result<&mut Transaction, Refusal> {
        let t = self.get_mut(id)?;
        if allowed.contains(&t.state) {
            Ok(t)
        } else {
            Err(Refusal::PeerMoveRefused {
                id: t.id.clone(),
                action: what,
                state: t.state,
                why: "that move does not fit this state",
            })
        }
    }

    pub fn peer_accept(&mut self, id: &str) -> Result<(), Refusal> {
        let t = self.live(id, "accept", &[FakeVerificationState::Requested])?;
        if t.incoming {
            return Err(Refusal::PeerMoveRefused {
                id: t.id.clone(),
                action: "accept",
                state: t.state,
                why: "it sent this request itself; this device accepts it",
            });
        }
        t.state = FakeVerificationState::Ready;
        Ok(())
    }

    pub fn peer_start_sas(&mut self, id: &str) -> Result<(), Refusal> {
        self.live(
            id,
            "start the emoji comparison",
            &[FakeVerificationState::Ready],
        )?
        .state = FakeVerificationState::SasReady;
        Ok(())
    }

    pub fn peer_confirm_sas(&mut self, id: &str) -> Result<(), Refusal> {
        let t = self.live(id, "confirm the emoji", &[FakeVerificationState::SasReady])?;
        t.peer_confirmed_sas = true;
        if t.we_confirmed_sas {
            self.finish(id);
        }
        Ok(())
    }

    pub fn peer_scan_our_qr(&mut self, id: &str) -> Result<(), Refusal> {
        self.live(id, "scan the QR code", &[FakeVerificationState::Ready])?
            .state = FakeVerificationState::QrScanned;
        Ok(())
    }

    pub fn peer_end(
        &mut self,
        id: &str,
        state: FakeVerificationState,
        code: &str,
        reason: &str,
    ) -> Result<(), Refusal> {
        let t = self.get_mut(id)?;
        if t.state.is_ended() {
            return Err(Refusal::PeerMoveRefused {
                id: t.id.clone(),
                action: "end it",
                state: t.state,
                why: "it has already ended",
            });
        }
        self.end(id, state, code, reason);
        Ok(())
    }

    // --- Wire views ------------------------------------------------------------------------

    pub fn session_wire(&self) -> wire::AppStateSnapshot {
        wire::AppStateSnapshot {
            e2ee: self.session_state.e2ee(),
            matrix: self.session_state.account().map(|mut account| {
                if let Some(user_id) = &self.user_id {
                    account.user_id.clone_from(user_id);
                }
                account
            }),
            state: wire::SessionState(self.session_state.as_str().to_owned()),
            verification: self
                .latest
                .as_deref()
                .and_then(|id| self.verifications.get(id))
                .map(Transaction::to_wire),
        }
    }

    pub fn response(&self, id: &str) -> wire::VerificationSessionResponse {
        wire::VerificationSessionResponse {
            session: self.session_wire(),
            verification: self.verifications.get(id).map(Transaction::to_wire),
        }
    }

    /// Pending and active verifications, as the documentation says ("List pending and active
    /// device verifications"): ended ones are left out, though they stay retrievable by ID.
    pub fn list_wire(&self) -> wire::VerificationListResponse {
        wire::VerificationListResponse {
            items: self
                .verifications
                .values()
                .filter(|t| !t.state.is_ended())
                .map(Transaction::to_wire)
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world() -> (World, Instant) {
        (World::new(Duration::from_secs(600), 100), Instant::now())
    }

    /// Creates a verification, which the tests' worlds always have room for.
    fn create(w: &mut World, options: NewVerification, now: Instant) -> String {
        w.create(options, now).expect("room for one more")
    }

    fn actions(w: &World, id: &str) -> Vec<&'static str> {
        w.get(id)
            .map(|t| t.available().iter().map(|a| a.as_str()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn the_emoji_flow_of_an_outgoing_request() {
        let (mut w, now) = world();
        let id = create(&mut w, NewVerification::default(), now);
        assert_eq!(actions(&w, &id), ["cancel"]);
        assert!(matches!(
            w.accept(&id),
            Err(Refusal::NotAvailable {
                state: FakeVerificationState::Requested,
                ..
            })
        ));
        w.peer_accept(&id).expect("peer accepts");
        assert_eq!(actions(&w, &id), ["sas.start", "cancel"]);
        assert!(
            w.get(&id)
                .map(|t| t.to_wire().qr.is_some())
                .unwrap_or(false),
            "qr.data once ready"
        );
        w.start_sas(&id).expect("start");
        let sas = w
            .get(&id)
            .ok()
            .and_then(|t| t.to_wire().sas)
            .expect("sas at sas_ready");
        assert_eq!(sas.emojis.split(' ').count(), 7);
        w.confirm_sas(&id).expect("we confirm");
        assert_eq!(actions(&w, &id), ["cancel"], "waiting for the other device");
        assert_eq!(w.session_state, FakeSessionState::NeedsVerification);
        w.peer_confirm_sas(&id).expect("peer confirms");
        assert_eq!(w.get(&id).map(|t| t.state), Ok(FakeVerificationState::Done));
        assert!(actions(&w, &id).is_empty());
        assert_eq!(w.session_state, FakeSessionState::Ready);
    }

    #[test]
    fn the_qr_flow_when_the_other_device_scans_ours() {
        let (mut w, now) = world();
        let id = create(
            &mut w,
            NewVerification {
                incoming: true,
                ..Default::default()
            },
            now,
        );
        assert_eq!(actions(&w, &id), ["accept", "cancel"]);
        w.accept(&id).expect("accept");
        w.peer_scan_our_qr(&id).expect("scan");
        assert_eq!(actions(&w, &id), ["qr.confirmScanned", "cancel"]);
        w.confirm_qr_scanned(&id).expect("confirm");
        assert_eq!(w.get(&id).map(|t| t.state), Ok(FakeVerificationState::Done));
    }

    #[test]
    fn scanning_the_other_devices_code_finishes_at_once() {
        let (mut w, now) = world();
        let id = create(&mut w, NewVerification::default(), now);
        w.peer_accept(&id).expect("accept");
        assert_eq!(w.scan_peer_qr("garbage"), Err(Refusal::UnknownQr));
        assert_eq!(w.scan_peer_qr(&sas::peer_qr(&id)), Ok(id.clone()));
        assert_eq!(w.get(&id).map(|t| t.state), Ok(FakeVerificationState::Done));
    }

    #[test]
    fn cancelling_records_the_code_and_ends_every_action() {
        let (mut w, now) = world();
        let id = create(&mut w, NewVerification::default(), now);
        w.cancel(&id, Some("m.mismatched_sas".into()), None)
            .expect("cancel");
        let t = w.get(&id).expect("kept");
        assert_eq!(t.state, FakeVerificationState::Cancelled);
        assert_eq!(
            t.error.as_ref().map(|e| e.0.as_str()),
            Some("m.mismatched_sas")
        );
        assert!(matches!(
            w.cancel(&id, None, None),
            Err(Refusal::NotAvailable {
                state: FakeVerificationState::Cancelled,
                ..
            })
        ));
    }

    #[test]
    fn a_verification_past_its_deadline_is_cancelled_with_m_timeout() {
        let (mut w, now) = world();
        let id = create(&mut w, NewVerification::default(), now);
        w.expire(now + Duration::from_secs(599));
        assert_eq!(
            w.get(&id).map(|t| t.state),
            Ok(FakeVerificationState::Requested)
        );
        w.expire(now + Duration::from_secs(600));
        let t = w.get(&id).expect("kept");
        assert_eq!(
            (t.state, t.error.as_ref().map(|e| e.0.as_str())),
            (FakeVerificationState::Cancelled, Some("m.timeout"))
        );
    }

    #[test]
    fn a_timeout_past_the_end_of_the_clock_never_expires() {
        let now = Instant::now();
        let mut w = World::new(Duration::MAX, 100);
        let id = create(&mut w, NewVerification::default(), now);
        w.expire(now + Duration::from_secs(100 * 365 * 24 * 3600));
        assert_eq!(
            w.get(&id).map(|t| t.state),
            Ok(FakeVerificationState::Requested)
        );
    }

    #[test]
    fn an_unknown_id_is_not_found() {
        let (mut w, _) = world();
        assert_eq!(w.accept("nope"), Err(Refusal::NotFound("nope".into())));
    }

    #[test]
    fn past_the_limit_the_first_ended_makes_room_and_live_ones_are_never_dropped() {
        let now = Instant::now();
        let mut w = World::new(Duration::from_secs(600), 3);
        let ids: Vec<String> = (0..3)
            .map(|_| create(&mut w, NewVerification::default(), now))
            .collect();
        assert_eq!(
            w.create(NewVerification::default(), now),
            Err(Refusal::TooManyVerifications { max: 3 }),
            "all three are live"
        );
        assert_eq!(w.verifications.len(), 3);
        // The third ends first, then the first: the third goes first.
        w.cancel(&ids[2], None, None).expect("cancel");
        w.cancel(&ids[0], None, None).expect("cancel");
        let fourth = create(&mut w, NewVerification::default(), now);
        assert_eq!(
            w.get(&ids[2]).err(),
            Some(Refusal::NotFound(ids[2].clone()))
        );
        assert!(w.get(&ids[0]).is_ok(), "the other ended one stays");
        let fifth = create(&mut w, NewVerification::default(), now);
        assert!(w.get(&ids[0]).is_err());
        assert_eq!(w.verifications.len(), 3);
        assert!(w.get(&ids[1]).is_ok() && w.get(&fourth).is_ok() && w.get(&fifth).is_ok());
        assert!(w.create(NewVerification::default(), now).is_err());
    }

    #[test]
    fn a_verification_that_ended_is_not_expired_later() {
        let (mut w, now) = world();
        let id = create(&mut w, NewVerification::default(), now);
        w.peer_accept(&id).expect("accept");
        w.scan_peer_qr(&sas::peer_qr(&id)).expect("done");
        w.expire(now + Duration::from_secs(601));
        let t = w.get(&id).expect("kept");
        assert_eq!(
            (t.state, t.error.clone()),
            (FakeVerificationState::Done, None)
        );
        assert!(w.deadlines.is_empty(), "an ended one leaves the deadlines");
        assert_eq!(w.ended.len(), 1);
    }

    #[test]
    fn the_first_sync_after_a_key_ends_when_its_wait_has_passed_on_the_clock() {
        let (mut w, now) = world();
        w.session_state = FakeSessionState::NeedsSecrets;
        w.first_sync_after_key = Some(Duration::from_secs(30));
        let key = w.recovery_key.clone();
        w.verify_recovery_key(&key, now).expect("the right key");
        assert_eq!(w.session_state, FakeSessionState::NeedsFirstSync);
        w.expire(now + Duration::from_secs(29));
        assert_eq!(w.session_state, FakeSessionState::NeedsFirstSync);
        w.expire(now + Duration::from_secs(30));
        assert_eq!(w.session_state, FakeSessionState::Ready);
    }

    #[test]
    fn setting_the_state_by_hand_ends_the_wait_for_the_first_sync() {
        let (mut w, now) = world();
        w.session_state = FakeSessionState::NeedsVerification;
        w.first_sync_after_key = Some(Duration::from_secs(30));
        let key = w.recovery_key.clone();
        w.verify_recovery_key(&key, now).expect("the right key");
        w.set_session_state(FakeSessionState::NeedsFirstSync);
        w.expire(now + Duration::from_secs(60));
        assert_eq!(
            w.session_state,
            FakeSessionState::NeedsFirstSync,
            "a state set by hand stays"
        );
    }

    #[test]
    fn a_confirmed_reset_leaves_a_ready_session_ready_without_a_first_sync() {
        let (mut w, now) = world();
        w.session_state = FakeSessionState::Ready;
        w.first_sync_after_key = Some(Duration::from_secs(30));
        let new_key = w.reset_recovery_key(None).expect("a reset");
        assert_ne!(w.recovery_key, new_key);
        w.confirm_recovery_key_reset(&new_key, now)
            .expect("the pending key");
        assert_eq!(w.session_state, FakeSessionState::Ready);
        assert_eq!(w.recovery_key, new_key);
        assert_eq!(
            w.confirm_recovery_key_reset(&new_key, now),
            Err(Refusal::NoPendingReset)
        );
    }

    #[test]
    fn verifications_expire_in_the_order_of_their_deadlines() {
        let (mut w, now) = world();
        let first = create(&mut w, NewVerification::default(), now);
        let second = create(
            &mut w,
            NewVerification::default(),
            now + Duration::from_secs(10),
        );
        w.expire(now + Duration::from_secs(605));
        let state = |w: &World, id: &str| w.get(id).map(|t| t.state);
        assert_eq!(state(&w, &first), Ok(FakeVerificationState::Cancelled));
        assert_eq!(state(&w, &second), Ok(FakeVerificationState::Requested));
        w.expire(now + Duration::from_secs(610));
        assert_eq!(state(&w, &second), Ok(FakeVerificationState::Cancelled));
        assert_eq!(w.ended, [first, second]);
    }
}
