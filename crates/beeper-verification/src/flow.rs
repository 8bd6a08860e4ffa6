//! Whole flows, as the official CLI drives them, built from steps that are each usable alone:
//! watching the session, waiting for an incoming request, starting or resuming a verification,
//! and the guided emoji and QR flows.

use std::future::Future;

use futures_util::Stream;

use crate::wait::{self, Poller};
use crate::{
    Action, CancelVerification, Client, CreateVerification, Direction, Error, Purpose, Qr, Sas,
    Session, SessionState, Verification, VerificationHandle, VerificationState,
};

/// Options of a guided flow: what to start when no verification is live.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VerifyOptions {
    /// Why the verification is started (the server's default when `None`).
    pub purpose: Option<Purpose>,
    /// The Beeper user to verify (the signed-in user when `None`).
    pub user_id: Option<String>,
}

/// What the person said about the emoji, for [`Client::verify_with_sas`]. A `bool` converts:
/// `true` is [`Match`](Self::Match), `false` is [`Mismatch`](Self::Mismatch).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SasAnswer {
    /// Both devices show the same: confirm.
    Match,
    /// They differ: cancel with `m.mismatched_sas`, which tells the other device that the
    /// comparison failed.
    Mismatch,
    /// Nobody compared them (the person walked away, the input ended): cancel with `m.user`,
    /// which does not claim that the emoji differ.
    Cancel,
}

impl From<bool> for SasAnswer {
    fn from(they_match: bool) -> Self {
        if they_match {
            Self::Match
        } else {
            Self::Mismatch
        }
    }
}

fn same_session(a: &Session, b: &Session) -> bool {
    a.state == b.state
        && a.e2ee.verified == b.e2ee.verified
        && match (&a.verification, &b.verification) {
            (Some(x), Some(y)) => x.id == y.id && wait::same_verification(x, y),
            (None, None) => true,
            _ => false,
        }
}

fn describe_session(session: &Session) -> String {
    format!("session state {}", session.state)
}

impl Client {
    /// A stream of the session (`GET /v1/app/setup`) that yields the first copy, then each copy
    /// whose state, trust or verification changed. It ends only on an error; drop it to stop.
    pub fn session_changes(&self) -> impl Stream<Item = Result<Session, Error>> + Send + 'static {
        let client = self.clone();
        let fetch = move || {
            let client = client.clone();
            async move { client.session().await }
        };
        let poller = Poller::new(
            self.inner.wait,
            "the session to change".to_owned(),
            fetch,
            same_session,
            describe_session,
        );
        wait::until_end(poller, |_| false)
    }

    /// Polls the session until its state is `state`, such as [`SessionState::Ready`] after a
    /// verification.
    pub async fn wait_for_session(&self, state: SessionState) -> Result<Session, Error> {
        let expected = format!("session state {state}");
        let mut poller = Poller::new(
            self.inner.wait,
            expected,
            || self.session(),
            same_session,
            describe_session,
        );
        loop {
            let session = poller.next_change().await?;
            if session.state == state {
                return Ok(session);
            }
        }
    }

    /// Polls the verification list until an incoming request that is still live appears, and
    /// returns the first one.
    pub async fn wait_for_incoming(&self) -> Result<Verification, Error> {
        let fetch = || async {
            let items = self.verifications().list().await?;
            Ok(items
                .into_iter()
                .find(|v| v.direction == Direction::Incoming && !v.is_terminal()))
        };
        let same = |a: &Option<Verification>, b: &Option<Verification>| {
            a.as_ref().map(|v| &v.id) == b.as_ref().map(|v| &v.id)
        };
        let describe = |found: &Option<Verification>| match found {
            Some(v) => wait::describe_verification(v),
            None => "no incoming request".to_owned(),
        };
        let mut poller = Poller::new(
            self.inner.wait,
            "an incoming verification request".to_owned(),
            fetch,
            same,
            describe,
        );
        loop {
            if let Some(incoming) = poller.next_change().await? {
                return Ok(incoming);
            }
        }
    }

    /// The first step of every guided flow: the live verification, or a new one when none is
    /// live, accepted if it is an incoming request.
    pub async fn start_or_resume(
        &self,
        options: &VerifyOptions,
    ) -> Result<(VerificationHandle, Verification), Error> {
        let session = self.session().await?;
        let live = match session.verification.filter(|v| !v.is_terminal()) {
            Some(v) => Some(v),
            None => self
                .verifications()
                .list()
                .await?
                .into_iter()
                .find(|v| !v.is_terminal()),
        };
        let current = match live {
            Some(v) => v,
            None => {
                let params = CreateVerification {
                    purpose: options.purpose.clone(),
                    user_id: options.user_id.clone(),
                };
                let created = self.verifications().create(params).await?;
                match created.verification {
                    Some(v) => v,
                    None => {
                        let path = "/v1/app/setup/verifications".to_owned();
                        return Err(Error::missing_verification("POST", path));
                    }
                }
            }
        };
        let handle = self.verification(current.id.clone());
        let current = if current.can(Action::Accept) {
            handle.act_on(&current, Action::Accept, None).await?
        } else {
            current
        };
        Ok((handle, current))
    }

    /// Verifies this device by comparing emoji, as the official CLI does.
    ///
    /// Starts a verification if none is live (or accepts an incoming one), waits until both
    /// devices are ready, starts the comparison, waits for the emoji, and calls `compare` with
    /// them. When it answers `true` ([`SasAnswer::Match`]) the comparison is confirmed and the
    /// flow waits for `done`; when it answers `false` ([`SasAnswer::Mismatch`]) the
    /// verification is cancelled with `m.mismatched_sas`, and with [`SasAnswer::Cancel`] (no
    /// answer) with `m.user`; either way the flow ends with [`Error::VerificationEnded`]. Returns the session after the verification
    /// (its state is `ready` once this device is trusted). Returns at once when the session is
    /// already `ready`.
    ///
    /// `compare` gets its own copy of the [`Sas`]: show `sas` (its `Display` lays the emoji out
    /// for a terminal) and ask the person whether both devices show the same.
    pub async fn verify_with_sas<C, Fut, A>(
        &self,
        options: VerifyOptions,
        compare: C,
    ) -> Result<Session, Error>
    where
        C: FnOnce(Sas) -> Fut,
        Fut: Future<Output = A>,
        A: Into<SasAnswer>,
    {
        let session = self.session().await?;
        if session.is_ready() {
            return Ok(session);
        }
        let (handle, _) = self.start_or_resume(&options).await?;
        let ready = handle
            .wait_until([VerificationState::Ready, VerificationState::SasReady])
            .await?;
        if ready.state == VerificationState::Ready {
            handle.act_on(&ready, Action::SasStart, None).await?;
        }
        let comparing = handle
            .wait_until(|v: &Verification| v.sas.is_some() && v.can(Action::SasConfirm))
            .await?;
        let Some(sas) = comparing.sas.clone() else {
            let path = crate::verifications::path(handle.id(), "");
            return Err(Error::missing_verification("GET", path));
        };
        let cancel = match compare(sas).await.into() {
            SasAnswer::Match => None,
            SasAnswer::Mismatch => Some(CancelVerification::mismatched_sas()),
            SasAnswer::Cancel => Some(CancelVerification::by_user(
                "Nobody answered whether the emoji match.",
            )),
        };
        match cancel {
            None => {
                handle.act_on(&comparing, Action::SasConfirm, None).await?;
            }
            Some(cancel) => {
                let cancelled = handle
                    .act_on(&comparing, Action::Cancel, Some(cancel))
                    .await?;
                return Err(Error::VerificationEnded {
                    verification: Box::new(cancelled),
                    expected: "matching emoji".to_owned(),
                });
            }
        }
        handle.wait_until(VerificationState::Done).await?;
        self.session().await
    }

    /// Verifies this device by showing its QR code to the other device.
    ///
    /// Starts or resumes a verification like [`verify_with_sas`](Self::verify_with_sas), waits
    /// until this device's QR code is available, calls `show` with it (render
    /// [`Qr::data`] as a QR code), waits until the other device scanned it, confirms, and waits
    /// for `done`. Returns the session after the verification.
    pub async fn verify_with_qr<S, Fut>(
        &self,
        options: VerifyOptions,
        show: S,
    ) -> Result<Session, Error>
    where
        S: FnOnce(Qr) -> Fut,
        Fut: Future<Output = ()>,
    {
        let session = self.session().await?;
        if session.is_ready() {
            return Ok(session);
        }
        let (handle, _) = self.start_or_resume(&options).await?;
        let shown = handle
            .wait_until(|v: &Verification| {
                v.qr.is_some() || v.state == VerificationState::QrScanned
            })
            .await?;
        if let Some(qr) = shown.qr.clone() {
            show(qr).await;
        }
        let scanned = handle.wait_until(VerificationState::QrScanned).await?;
        handle
            .act_on(&scanned, Action::QrConfirmScanned, None)
            .await?;
        handle.wait_until(VerificationState::Done).await?;
        self.session().await
    }

    /// Verifies this device by scanning the other device's QR code: `data` is the payload the
    /// camera read. Starts or resumes a verification, waits until it is ready, submits the
    /// payload and waits for `done`. Returns the session after the verification.
    pub async fn verify_with_scanned_qr(
        &self,
        options: VerifyOptions,
        data: impl Into<String>,
    ) -> Result<Session, Error> {
        let session = self.session().await?;
        if session.is_ready() {
            return Ok(session);
        }
        let (handle, _) = self.start_or_resume(&options).await?;
        handle
            .wait_until([VerificationState::Ready, VerificationState::QrScanned])
            .await?;
        let scanned = self.verifications().qr().scan(data).await?;
        let handle = match scanned.verification {
            Some(v) => self.verification(v.id),
            None => handle,
        };
        handle.wait_until(VerificationState::Done).await?;
        self.session().await
    }
}
