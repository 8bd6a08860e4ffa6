//! The verification state machine behind the fake, modelled on Matrix key verification.
//!
//! ```text
//! emoji:  requested → ready → sas_ready → done
//! QR:                 ready → qr_scanned → done      (or: this device scans the other's code → done)
//! any live state → cancelled (either side) | error (a local failure)
//! ```
//!
//! `availableActions` is computed from the state, the direction and who has confirmed what. A
//! verification not finished within the timeout becomes `cancelled` with `m.timeout`. Finished
//! verifications stay retrievable. When one ends `done`, the session moves from
//! `needs-verification` to `ready` and `e2ee.verified` becomes true.

use std::collections::BTreeMap;
use std::time::Duration;

use beeper_verification_client::types as wire;
use tokio::time::Instant;

use crate::sas;

/// A live or finished verification state, as the wire spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    Requested,
    Ready,
    SasReady,
    QrScanned,
    Done,
    Cancelled,
    Error,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Ready => "ready",
            Self::SasReady => "sas_ready",
            Self::QrScanned => "qr_scanned",
            Self::Done => "done",
            Self::Cancelled => "cancelled",
            Self::Error => "error",
        }
    }

    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Done | Self::Cancelled | Self::Error)
    }
}

/// An action a device can take, as the wire spells it in `availableActions`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    Accept,
    Cancel,
    QrConfirmScanned,
    SasStart,
    SasConfirm,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accept => "accept",
            Self::Cancel => "cancel",
            Self::QrConfirmScanned => "qr.confirmScanned",
            Self::SasStart => "sas.start",
            Self::SasConfirm => "sas.confirm",
        }
    }
}

/// Why an action was refused, for the HTTP layer to turn into a status and error body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// No verification has this ID.
    #[error("no verification with ID {0:?}")]
    NotFound(String),
    /// The action is not in the verification's `availableActions`.
    #[error("cannot {action}: verification {id} is {state}; allowed now: [{}]", allowed.join(", "))]
    NotAvailable {
        /// The verification.
        id: String,
        /// What was attempted.
        action: &'static str,
        /// Its state.
        state: &'static str,
        /// Its available actions.
        allowed: Vec<&'static str>,
    },
    /// The other device's move does not fit the verification's state.
    #[error("the other device cannot {action}: verification {id} is {state}; {why}")]
    PeerMoveRefused {
        /// The verification.
        id: String,
        /// The other device's move.
        action: &'static str,
        /// Its state.
        state: &'static str,
        /// Why not.
        why: &'static str,
    },
    /// The scanned QR payload belongs to no live verification.
    #[error("the scanned QR code does not belong to any live verification")]
    UnknownQr,
}

/// One verification transaction.
#[derive(Debug, Clone)]
pub(crate) struct Transaction {
    pub id: String,
    pub incoming: bool,
    pub purpose: String,
    pub methods: Vec<&'static str>,
    pub state: State,
    pub error: Option<(String, String)>,
    pub other_user_id: Option<String>,
    pub we_confirmed_sas: bool,
    pub peer_confirmed_sas: bool,
    /// When it is cancelled with `m.timeout`; `None` when the timeout reaches past what the
    /// clock can represent (never).
    pub deadline: Option<Instant>,
}

impl Transaction {
    /// What this device may do now.
    pub fn available(&self) -> Vec<Action> {
        let mut actions = Vec::new();
        match self.state {
            State::Requested if self.incoming => actions.push(Action::Accept),
            State::Ready if self.methods.contains(&"sas") => actions.push(Action::SasStart),
            State::SasReady if !self.we_confirmed_sas => actions.push(Action::SasConfirm),
            State::QrScanned => actions.push(Action::QrConfirmScanned),
            _ => {}
        }
        if !self.state.is_terminal() {
            actions.push(Action::Cancel);
        }
        actions
    }

    fn require(&self, action: Action) -> Result<(), Refusal> {
        if self.available().contains(&action) {
            return Ok(());
        }
        Err(Refusal::NotAvailable {
            id: self.id.clone(),
            action: action.as_str(),
            state: self.state.as_str(),
            allowed: self.available().iter().map(|a| a.as_str()).collect(),
        })
    }

    fn end(&mut self, state: State, code: &str, reason: &str) {
        self.state = state;
        self.error = Some((code.to_owned(), reason.to_owned()));
    }

    pub fn to_wire(&self) -> wire::Verification {
        let shows_qr = self.methods.contains(&"qr")
            && matches!(
                self.state,
                State::Ready | State::QrScanned | State::SasReady
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
            purpose: wire::VerificationPurpose(self.purpose.clone()),
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
            sas: (self.state == State::SasReady
                || (self.state == State::Done && self.we_confirmed_sas))
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
#[derive(Debug)]
pub(crate) struct World {
    pub session_state: String,
    pub verified: bool,
    pub verifications: BTreeMap<String, Transaction>,
    /// The most recently created verification, shown as `session.verification`.
    pub latest: Option<String>,
    next_id: u64,
    timeout: Duration,
    /// Draws the random part of IDs (seeded for reproducible IDs and emoji).
    rng: fastrand::Rng,
}

/// Options of a new verification.
#[derive(Debug, Clone, Default)]
pub(crate) struct NewVerification {
    pub incoming: bool,
    pub purpose: Option<String>,
    pub user_id: Option<String>,
    pub methods: Option<Vec<&'static str>>,
}

impl World {
    pub fn new(timeout: Duration) -> Self {
        Self {
            session_state: "needs-verification".to_owned(),
            verified: false,
            verifications: BTreeMap::new(),
            latest: None,
            next_id: 1,
            timeout,
            rng: fastrand::Rng::new(),
        }
    }

    /// Makes IDs, and so the emoji and QR codes derived from them, the same on every run.
    pub fn seed(&mut self, seed: u64) {
        self.rng = fastrand::Rng::with_seed(seed);
    }

    /// Cancels every live verification past its deadline with `m.timeout`.
    pub fn expire(&mut self, now: Instant) {
        for t in self.verifications.values_mut() {
            if !t.state.is_terminal() && t.deadline.is_some_and(|deadline| now >= deadline) {
                t.end(
                    State::Cancelled,
                    "m.timeout",
                    "The verification was not completed in time.",
                );
            }
        }
    }

    pub fn create(&mut self, options: NewVerification, now: Instant) -> String {
        let id = format!("fv{:04}{:04x}", self.next_id, self.rng.u16(..));
        self.next_id += 1;
        let transaction = Transaction {
            id: id.clone(),
            incoming: options.incoming,
            purpose: options.purpose.unwrap_or_else(|| "device".to_owned()),
            methods: options.methods.unwrap_or_else(|| vec!["qr", "sas"]),
            state: State::Requested,
            error: None,
            other_user_id: options.user_id,
            we_confirmed_sas: false,
            peer_confirmed_sas: false,
            deadline: now.checked_add(self.timeout),
        };
        self.verifications.insert(id.clone(), transaction);
        self.latest = Some(id.clone());
        id
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
        t.require(Action::Accept)?;
        t.state = State::Ready;
        Ok(())
    }

    pub fn start_sas(&mut self, id: &str) -> Result<(), Refusal> {
        let t = self.get_mut(id)?;
        t.require(Action::SasStart)?;
        t.state = State::SasReady;
        Ok(())
    }

    pub fn confirm_sas(&mut self, id: &str) -> Result<(), Refusal> {
        let t = self.get_mut(id)?;
        t.require(Action::SasConfirm)?;
        t.we_confirmed_sas = true;
        let both = t.peer_confirmed_sas;
        if both {
            self.finish(id);
        }
        Ok(())
    }

    pub fn confirm_qr_scanned(&mut self, id: &str) -> Result<(), Refusal> {
        let t = self.get_mut(id)?;
        t.require(Action::QrConfirmScanned)?;
        self.finish(id);
        Ok(())
    }

    /// This device scanned the other device's QR code: that verifies it at once.
    pub fn scan_peer_qr(&mut self, data: &str) -> Result<String, Refusal> {
        let id = self
            .verifications
            .values()
            .find(|t| {
                t.state == State::Ready && t.methods.contains(&"qr") && sas::peer_qr(&t.id) == data
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
        t.require(Action::Cancel)?;
        let code = code.unwrap_or_else(|| "m.user".to_owned());
        let reason = reason.unwrap_or_else(|| "Cancelled on this device.".to_owned());
        t.end(State::Cancelled, &code, &reason);
        Ok(())
    }

    fn finish(&mut self, id: &str) {
        if let Some(t) = self.verifications.get_mut(id) {
            t.state = State::Done;
            t.error = None;
            self.verified = true;
            if self.session_state == "needs-verification" {
                self.session_state = "ready".to_owned();
            }
        }
    }

    // --- What the other device does (the peer) ---------------------------------------------

    fn live(
        &mut self,
        id: &str,
        what: &'static str,
        allowed: &[State],
    ) -> Result<&mut Transaction, Refusal> {
        let t = self.get_mut(id)?;
        if allowed.contains(&t.state) {
            Ok(t)
        } else {
            Err(Refusal::PeerMoveRefused {
                id: t.id.clone(),
                action: what,
                state: t.state.as_str(),
                why: "that move does not fit this state",
            })
        }
    }

    pub fn peer_accept(&mut self, id: &str) -> Result<(), Refusal> {
        let t = self.live(id, "accept", &[State::Requested])?;
        if t.incoming {
            return Err(Refusal::PeerMoveRefused {
                id: t.id.clone(),
                action: "accept",
                state: t.state.as_str(),
                why: "it sent this request itself; this device accepts it",
            });
        }
        t.state = State::Ready;
        Ok(())
    }

    pub fn peer_start_sas(&mut self, id: &str) -> Result<(), Refusal> {
        self.live(id, "start the emoji comparison", &[State::Ready])?
            .state = State::SasReady;
        Ok(())
    }

    pub fn peer_confirm_sas(&mut self, id: &str) -> Result<(), Refusal> {
        let t = self.live(id, "confirm the emoji", &[State::SasReady])?;
        t.peer_confirmed_sas = true;
        if t.we_confirmed_sas {
            self.finish(id);
        }
        Ok(())
    }

    pub fn peer_scan_our_qr(&mut self, id: &str) -> Result<(), Refusal> {
        self.live(id, "scan the QR code", &[State::Ready])?.state = State::QrScanned;
        Ok(())
    }

    pub fn peer_end(
        &mut self,
        id: &str,
        state: State,
        code: &str,
        reason: &str,
    ) -> Result<(), Refusal> {
        let t = self.get_mut(id)?;
        if t.state.is_terminal() {
            return Err(Refusal::PeerMoveRefused {
                id: t.id.clone(),
                action: "end it",
                state: t.state.as_str(),
                why: "it has already ended",
            });
        }
        t.end(state, code, reason);
        Ok(())
    }

    // --- Wire views ------------------------------------------------------------------------

    pub fn session_wire(&self) -> wire::AppStateSnapshot {
        let signed_in = self.session_state != "needs-login";
        wire::AppStateSnapshot {
            e2ee: wire::E2ee {
                cross_signing: signed_in,
                first_sync_done: self.session_state == "ready",
                has_backed_up_recovery_key: signed_in,
                initialized: signed_in,
                key_backup: signed_in,
                recovery_key_generated_at: signed_in.then_some(1_700_000_000_000.0),
                secret_storage: signed_in,
                secrets: wire::E2eeSecrets {
                    master_key: self.verified,
                    megolm_backup_key: self.verified,
                    recovery_key: self.verified,
                    self_signing_key: self.verified,
                    user_signing_key: self.verified,
                },
                verified: self.verified,
            },
            matrix: signed_in.then(|| wire::MatrixAccount {
                device_id: THIS_DEVICE_ID.to_owned(),
                homeserver: "https://matrix.beeper.com".to_owned(),
                user_id: USER_ID.to_owned(),
            }),
            state: wire::SessionState(self.session_state.clone()),
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

    /// Pending and active verifications, and finished ones too (they stay retrievable).
    pub fn list_wire(&self) -> wire::VerificationListResponse {
        wire::VerificationListResponse {
            items: self
                .verifications
                .values()
                .map(Transaction::to_wire)
                .collect(),
        }
    }
}

/// This device's ID and the signed-in user, as the fake reports them.
pub(crate) const THIS_DEVICE_ID: &str = "THISDEVICE";
pub(crate) const USER_ID: &str = "@fake-user:beeper.com";

#[cfg(test)]
mod tests {
    use super::*;

    fn world() -> (World, Instant) {
        (World::new(Duration::from_secs(600)), Instant::now())
    }

    fn actions(w: &World, id: &str) -> Vec<&'static str> {
        w.get(id)
            .map(|t| t.available().iter().map(|a| a.as_str()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn the_emoji_flow_of_an_outgoing_request() {
        let (mut w, now) = world();
        let id = w.create(NewVerification::default(), now);
        assert_eq!(actions(&w, &id), ["cancel"]);
        assert!(matches!(
            w.accept(&id),
            Err(Refusal::NotAvailable {
                state: "requested",
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
        assert_eq!(w.session_state, "needs-verification");
        w.peer_confirm_sas(&id).expect("peer confirms");
        assert_eq!(w.get(&id).map(|t| t.state), Ok(State::Done));
        assert!(actions(&w, &id).is_empty());
        assert_eq!((w.session_state.as_str(), w.verified), ("ready", true));
    }

    #[test]
    fn the_qr_flow_when_the_other_device_scans_ours() {
        let (mut w, now) = world();
        let id = w.create(
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
        assert_eq!(w.get(&id).map(|t| t.state), Ok(State::Done));
    }

    #[test]
    fn scanning_the_other_devices_code_finishes_at_once() {
        let (mut w, now) = world();
        let id = w.create(NewVerification::default(), now);
        w.peer_accept(&id).expect("accept");
        assert_eq!(w.scan_peer_qr("garbage"), Err(Refusal::UnknownQr));
        assert_eq!(w.scan_peer_qr(&sas::peer_qr(&id)), Ok(id.clone()));
        assert_eq!(w.get(&id).map(|t| t.state), Ok(State::Done));
    }

    #[test]
    fn cancelling_records_the_code_and_ends_every_action() {
        let (mut w, now) = world();
        let id = w.create(NewVerification::default(), now);
        w.cancel(&id, Some("m.mismatched_sas".into()), None)
            .expect("cancel");
        let t = w.get(&id).expect("kept");
        assert_eq!(t.state, State::Cancelled);
        assert_eq!(
            t.error.as_ref().map(|e| e.0.as_str()),
            Some("m.mismatched_sas")
        );
        assert!(matches!(
            w.cancel(&id, None, None),
            Err(Refusal::NotAvailable {
                state: "cancelled",
                ..
            })
        ));
    }

    #[test]
    fn a_verification_past_its_deadline_is_cancelled_with_m_timeout() {
        let (mut w, now) = world();
        let id = w.create(NewVerification::default(), now);
        w.expire(now + Duration::from_secs(599));
        assert_eq!(w.get(&id).map(|t| t.state), Ok(State::Requested));
        w.expire(now + Duration::from_secs(600));
        let t = w.get(&id).expect("kept");
        assert_eq!(
            (t.state, t.error.as_ref().map(|e| e.0.as_str())),
            (State::Cancelled, Some("m.timeout"))
        );
    }

    #[test]
    fn a_timeout_past_the_end_of_the_clock_never_expires() {
        let now = Instant::now();
        let mut w = World::new(Duration::MAX);
        let id = w.create(NewVerification::default(), now);
        w.expire(now + Duration::from_secs(100 * 365 * 24 * 3600));
        assert_eq!(w.get(&id).map(|t| t.state), Ok(State::Requested));
    }

    #[test]
    fn an_unknown_id_is_not_found() {
        let (mut w, _) = world();
        assert_eq!(w.accept("nope"), Err(Refusal::NotFound("nope".into())));
    }
}
