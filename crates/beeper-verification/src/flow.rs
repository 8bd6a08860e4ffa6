//! Whole flows, as the official CLI drives them, built from steps that are each usable alone:
//! watching the session, waiting for an incoming request, starting or resuming a verification,
//! and the guided emoji and QR flows. Every decision of the guided flows is
//! [`Verification::next_step`], so they and a UI of your own cannot disagree.

use std::future::Future;

use futures_util::Stream;

use crate::wait::Wait;
use crate::{
    CancelVerification, Client, CreateVerification, Direction, Error, NextStep, Qr, Sas, Session,
    SessionState, Verification, VerificationHandle,
};

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

/// Two sessions look the same to a person when their state, trust and verification do.
pub(crate) fn same_session(a: &Session, b: &Session) -> bool {
    a.state == b.state
        && a.e2ee.verified == b.e2ee.verified
        && match (&a.verification, &b.verification) {
            (Some(x), Some(y)) => x.id == y.id && crate::model::same_to_a_person(x, y),
            (None, None) => true,
            _ => false,
        }
}

/// Waits until the verification's next step is no longer `step`, and returns it.
async fn next_change(handle: &VerificationHandle, step: &NextStep) -> Result<Verification, Error> {
    let step = step.clone();
    handle
        .wait_until(move |v: &Verification| v.next_step() != step)
        .await
}

/// The outcome of an action a flow sent for `step`: the answer, or, when the answer still
/// asks for the same step (a server that applies actions later answers with the state before
/// them), the next change the shared polling loop sees. A flow sends each action once per
/// step; only the client's retry rules ever send one again.
async fn acted(
    handle: &VerificationHandle,
    step: &NextStep,
    answer: Result<Verification, Error>,
) -> Result<Verification, Error> {
    let answer = answer?;
    if answer.next_step() == *step {
        next_change(handle, step).await
    } else {
        Ok(answer)
    }
}

/// The error that ends a flow whose verification ended without being verified.
fn ended(verification: Verification, expected: &str) -> Error {
    Error::VerificationEnded {
        verification: Box::new(verification),
        expected: expected.to_owned(),
    }
}

impl Client {
    /// A stream of the session (`GET /v1/app/setup`) that yields the first copy, then each copy
    /// whose state, trust or verification changed. It ends on an error or after `max_wait`
    /// (the client's [`WaitOptions`](crate::WaitOptions)); drop it to stop. Every waiter on the
    /// session in this client shares one polling loop.
    ///
    /// Nothing is sent until the stream is first polled, which must happen inside a Tokio
    /// runtime; `max_wait` counts from then.
    ///
    /// ```no_run
    /// # async fn run(client: beeper_verification::Client) -> Result<(), beeper_verification::Error> {
    /// use futures_util::StreamExt; // for `next()`
    ///
    /// let mut changes = std::pin::pin!(client.session_changes());
    /// while let Some(session) = changes.next().await {
    ///     let session = session?;
    ///     println!("now {}", session.state);
    ///     if session.is_ready() {
    ///         break;
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn session_changes(&self) -> impl Stream<Item = Result<Session, Error>> + Send + 'static {
        let (client, options) = (self.clone(), self.inner.wait);
        crate::wait::changes(
            move || {
                Wait::new(
                    client.listen::<Session>((), options),
                    options.max_wait,
                    "the session to change".to_owned(),
                )
            },
            |_| false,
        )
    }

    /// Polls the session until its state is `state`, such as [`SessionState::Ready`] after a
    /// verification.
    pub async fn wait_for_session(&self, state: SessionState) -> Result<Session, Error> {
        let options = self.inner.wait;
        let mut wait = Wait::new(
            self.listen::<Session>((), options),
            options.max_wait,
            format!("session state {state}"),
        );
        loop {
            let session = wait.next_change().await?;
            if session.state == state {
                return Ok(session);
            }
        }
    }

    /// Polls the verification list until an incoming request that is still live appears, and
    /// returns the first one.
    pub async fn wait_for_incoming(&self) -> Result<Verification, Error> {
        let options = self.inner.wait;
        let mut wait = Wait::new(
            self.listen::<Vec<Verification>>((), options),
            options.max_wait,
            "an incoming verification request".to_owned(),
        );
        loop {
            let items = wait.next_change().await?;
            if let Some(incoming) = items
                .into_iter()
                .find(|v| v.direction == Direction::Incoming && !v.is_terminal())
            {
                return Ok(incoming);
            }
        }
    }

    /// The first step of every guided flow: the live verification, or a new one (started with
    /// `params`) when none is live, accepted if it is an incoming request.
    pub async fn start_or_resume(
        &self,
        params: &CreateVerification,
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
            None => self.verifications().create(params.clone()).await?,
        };
        let handle = self.verification(&current.id);
        let step = current.next_step();
        let current = match step {
            NextStep::AcceptRequest => acted(&handle, &step, handle.accept().await).await?,
            _ => current,
        };
        Ok((handle, current))
    }

    /// Verifies this device by comparing emoji, as the official CLI does.
    ///
    /// Starts a verification with `params` if none is live (or accepts an incoming one), starts
    /// the comparison once both devices are ready, waits for the emoji, and calls `compare` with
    /// them. When it answers `true` ([`SasAnswer::Match`]) the comparison is confirmed and the
    /// flow waits for `done`; when it answers `false` ([`SasAnswer::Mismatch`]) the
    /// verification is cancelled with `m.mismatched_sas`, and with [`SasAnswer::Cancel`] (no
    /// answer) with `m.user`; either way the flow ends with [`Error::VerificationEnded`].
    /// Returns the session after the verification (its state is `ready` once this device is
    /// trusted), or at once when the session is already `ready`.
    ///
    /// Each decision is the verification's [`next_step`](Verification::next_step); `compare`
    /// gets the [`Sas`] of [`NextStep::CompareEmoji`]: show it and ask the person whether both
    /// devices show the same.
    pub async fn verify_with_sas<C, Fut, A>(
        &self,
        params: CreateVerification,
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
        let (handle, mut current) = self.start_or_resume(&params).await?;
        let mut compare = Some(compare);
        loop {
            let step = current.next_step();
            current = match &step {
                NextStep::AcceptRequest => acted(&handle, &step, handle.accept().await).await?,
                NextStep::ChooseMethod { sas: true, .. } => {
                    acted(&handle, &step, handle.start_sas().await).await?
                }
                NextStep::CompareEmoji(sas) => match compare.take() {
                    Some(compare) => {
                        let cancel = match compare(Sas::clone(sas)).await.into() {
                            SasAnswer::Match => None,
                            SasAnswer::Mismatch => Some(CancelVerification::mismatched_sas()),
                            SasAnswer::Cancel => Some(CancelVerification::by_user(
                                "Nobody answered whether the emoji match.",
                            )),
                        };
                        match cancel {
                            None => acted(&handle, &step, handle.confirm_sas().await).await?,
                            Some(cancel) => {
                                return Err(ended(handle.cancel(cancel).await?, "matching emoji"));
                            }
                        }
                    }
                    // Compared once already: the other device has yet to confirm.
                    None => next_change(&handle, &step).await?,
                },
                NextStep::Done => break,
                NextStep::Cancelled(_) | NextStep::Failed(_) => {
                    return Err(ended(current, "a verified device"));
                }
                // The other device's move, or a QR step this flow leaves to the person.
                _ => next_change(&handle, &step).await?,
            };
        }
        self.session().await
    }

    /// Verifies this device by showing its QR code to the other device.
    ///
    /// Starts or resumes a verification like [`verify_with_sas`](Self::verify_with_sas), waits
    /// until this device's QR code is available, calls `show` with it (render [`Qr::data`] as a
    /// QR code), waits until the other device scanned it, confirms, and waits for `done`.
    /// Returns the session after the verification. Each decision is the verification's
    /// [`next_step`](Verification::next_step).
    pub async fn verify_with_qr<S, Fut>(
        &self,
        params: CreateVerification,
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
        let (handle, mut current) = self.start_or_resume(&params).await?;
        let mut show = Some(show);
        loop {
            // Show the code as soon as there is one (the other device may scan it before a
            // poll sees the verification ready).
            if let Some(qr) = &current.qr
                && let Some(show) = show.take()
            {
                show(qr.clone()).await;
            }
            let step = current.next_step();
            current = match &step {
                NextStep::AcceptRequest => acted(&handle, &step, handle.accept().await).await?,
                NextStep::ConfirmQrScanned => {
                    acted(&handle, &step, handle.confirm_qr_scanned().await).await?
                }
                NextStep::Done => break,
                NextStep::Cancelled(_) | NextStep::Failed(_) => {
                    return Err(ended(current, "a verified device"));
                }
                _ => next_change(&handle, &step).await?,
            };
        }
        self.session().await
    }

    /// Verifies this device by scanning the other device's QR code: `data` is the payload the
    /// camera read. Starts or resumes a verification, waits until it is ready, submits the
    /// payload and waits for `done`. Returns the session after the verification.
    pub async fn verify_with_scanned_qr(
        &self,
        params: CreateVerification,
        data: impl Into<String>,
    ) -> Result<Session, Error> {
        let session = self.session().await?;
        if session.is_ready() {
            return Ok(session);
        }
        let (mut handle, mut current) = self.start_or_resume(&params).await?;
        let mut data = Some(data.into());
        loop {
            let step = current.next_step();
            current = match &step {
                NextStep::AcceptRequest => acted(&handle, &step, handle.accept().await).await?,
                NextStep::ChooseMethod { .. } if data.is_some() => {
                    let scanned = self
                        .verifications()
                        .scan_qr(data.take().unwrap_or_default())
                        .await?;
                    handle = self.verification(&scanned.id);
                    // Sent once: the loop waits for a change rather than scanning again.
                    acted(&handle, &step, Ok(scanned)).await?
                }
                NextStep::Done => break,
                NextStep::Cancelled(_) | NextStep::Failed(_) => {
                    return Err(ended(current, "a verified device"));
                }
                _ => next_change(&handle, &step).await?,
            };
        }
        self.session().await
    }
}
