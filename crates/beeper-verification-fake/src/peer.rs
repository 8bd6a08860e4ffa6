//! The other device, driven by hand: a [`Peer`] handle from [`FakeServer::peer`](crate::FakeServer::peer),
//! or the same moves over HTTP under `/_fake/peer/`.

use std::sync::Arc;

use tokio::time::Instant;

use crate::PeerMethod;
use crate::shared::Shared;
use crate::state::{FakePurpose, FakeVerificationState, NewVerification, Refusal};

/// The simulated other device. Each move applies at once and answers with a [`Refusal`] when
/// it does not fit the verification's state.
#[derive(Clone, Debug)]
pub struct Peer {
    pub(crate) shared: Arc<Shared>,
}

/// Options of a request the other device sends to this one, for
/// [`Peer::request_with`]: build one from [`PeerRequest::default`].
///
/// ```
/// use beeper_verification_fake::{PeerMethod, PeerRequest, FakePurpose};
///
/// let request = PeerRequest::default()
///     .purpose(FakePurpose::Login)
///     .methods(&[PeerMethod::Qr]);
/// assert!(request.qr && !request.sas);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PeerRequest {
    /// Why the other device asks (default [`FakePurpose::Device`]).
    pub purpose: FakePurpose,
    /// Whether the emoji comparison is offered (default true).
    pub sas: bool,
    /// Whether QR codes are offered (default true).
    pub qr: bool,
}

impl Default for PeerRequest {
    fn default() -> Self {
        Self {
            purpose: FakePurpose::Device,
            sas: true,
            qr: true,
        }
    }
}

impl PeerRequest {
    /// Why the other device asks.
    pub fn purpose(mut self, purpose: FakePurpose) -> Self {
        self.purpose = purpose;
        self
    }

    /// Offers exactly these methods (by default both).
    pub fn methods(mut self, methods: &[PeerMethod]) -> Self {
        self.sas = methods.contains(&PeerMethod::Sas);
        self.qr = methods.contains(&PeerMethod::Qr);
        self
    }
}

impl Peer {
    /// The other device asks this one to verify: a new `incoming` verification in `requested`.
    /// Returns its ID.
    ///
    /// # Panics
    ///
    /// When the fake keeps as many verifications as it may
    /// ([`max_verifications`](crate::FakeServerBuilder::max_verifications)) and all of them are
    /// live; [`try_request_with`](Self::try_request_with) returns that as an error instead.
    pub fn request(&self) -> String {
        self.request_with(PeerRequest::default())
    }

    /// [`request`](Self::request) with options.
    ///
    /// # Panics
    ///
    /// As [`request`](Self::request) does, past the limit.
    pub fn request_with(&self, request: PeerRequest) -> String {
        match self.try_request_with(request) {
            Ok(id) => id,
            Err(refusal) => panic!("the other device cannot ask: {refusal}"),
        }
    }

    /// [`request_with`](Self::request_with), with [`Refusal::TooManyVerifications`] when the
    /// fake keeps as many verifications as it may
    /// ([`max_verifications`](crate::FakeServerBuilder::max_verifications)) and all of them are
    /// live. (Ended ones make room: the one that ended first goes.)
    pub fn try_request_with(&self, request: PeerRequest) -> Result<String, Refusal> {
        let methods = [("qr", request.qr), ("sas", request.sas)]
            .into_iter()
            .filter_map(|(m, on)| on.then_some(m))
            .collect();
        let options = NewVerification {
            incoming: true,
            purpose: Some(request.purpose),
            user_id: None,
            methods: Some(methods),
        };
        let id = self.shared.world().create(options, Instant::now())?;
        self.shared.changed(&id);
        Ok(id)
    }

    /// The other device accepts this device's request: `requested` → `ready`.
    pub fn accept(&self, id: &str) -> Result<(), Refusal> {
        self.shared.act(id, |w| w.peer_accept(id))
    }

    /// The other device starts the emoji comparison: `ready` → `sas_ready`.
    pub fn start_sas(&self, id: &str) -> Result<(), Refusal> {
        self.shared.act(id, |w| w.peer_start_sas(id))
    }

    /// The other device confirms that the emoji match; `done` once this device has too.
    pub fn confirm_sas(&self, id: &str) -> Result<(), Refusal> {
        self.shared.act(id, |w| w.peer_confirm_sas(id))
    }

    /// The other device scans this device's QR code: `ready` → `qr_scanned`.
    pub fn scan_our_qr(&self, id: &str) -> Result<(), Refusal> {
        self.shared.act(id, |w| w.peer_scan_our_qr(id))
    }

    /// The payload of the QR code the other device shows, for this device to scan with
    /// `POST /v1/app/setup/verifications/qr/scan`.
    pub fn qr_code(&self, id: &str) -> Result<String, Refusal> {
        self.shared
            .world()
            .get(id)
            .map(|t| crate::sas::peer_qr(&t.id))
    }

    /// The other device cancels: `cancelled` with this code (default `m.user`) and reason.
    pub fn cancel(
        &self,
        id: &str,
        code: Option<&str>,
        reason: Option<&str>,
    ) -> Result<(), Refusal> {
        let code = code.unwrap_or("m.user");
        let reason = reason.unwrap_or("Cancelled on the other device.");
        self.shared.act(id, |w| {
            w.peer_end(id, FakeVerificationState::Cancelled, code, reason)
        })
    }

    /// The verification fails: `error` with this code and reason.
    pub fn fail(&self, id: &str, code: &str, reason: &str) -> Result<(), Refusal> {
        self.shared.act(id, |w| {
            w.peer_end(id, FakeVerificationState::Error, code, reason)
        })
    }
}
