//! One verification, by ID: get it, act on it, wait for it, watch it change.

use std::future::Future;

use futures_util::Stream;

use crate::model::VerificationResponse;
use crate::request::Operation;
use crate::verifications::{verification_of, wire_id};
use crate::wait::{self, Until, Wait, WaitOptions};
use crate::{Action, CancelVerification, Client, Error, Verification, VerificationId};
use beeper_verification_client::operations as ops;

/// One verification, by ID: the one place to get it, act on it, wait for it and watch it.
/// Get one with [`Client::verification`]; cheap to clone.
///
/// Each action sends exactly one request and returns the verification as the server answered
/// it. When the server refuses the action in the verification's current state (409), the error
/// is [`Error::ActionNotAvailable`], with the state and the actions it allows as the server
/// sent them. Nothing checks first: that would cost a request and could be out of date by the
/// time the action arrives. The ID is checked before anything is sent
/// ([`Error::InvalidId`]).
///
/// | official SDKs (`client.app.setup.verifications.…`) | here |
/// | --- | --- |
/// | `retrieve(id)` | [`client.verification(id).get()`](Self::get) |
/// | `accept(id)` | [`.accept()`](Self::accept) |
/// | `cancel(id, {code, reason})` | [`.cancel(CancelCode::User)`](Self::cancel) |
/// | `sas.start(id)` | [`.start_sas()`](Self::start_sas) |
/// | `sas.confirm(id)` | [`.confirm_sas()`](Self::confirm_sas) |
/// | `qr.confirmScanned(id)` | [`.confirm_qr_scanned()`](Self::confirm_qr_scanned) |
/// | `list()`, `create()`, `qr.scan({data})` | [`client.verifications()`](Client::verifications): `list`, `create`, `scan_qr` |
///
/// ```no_run
/// # async fn run(client: beeper_verification::Client, id: &str) -> Result<(), beeper_verification::Error> {
/// use beeper_verification::{CancelCode, NextStep};
///
/// let handle = client.verification(id);
/// let verification = handle.get().await?;
/// if let NextStep::CompareEmoji(sas) = verification.next_step() {
///     println!("Do these match on the other device? {sas}");
///     let they_match = true; // ask the person
///     if they_match {
///         handle.confirm_sas().await?;
///     } else {
///         handle.cancel(CancelCode::MismatchedSas).await?;
///     }
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct VerificationHandle {
    client: Client,
    id: VerificationId,
    wait: WaitOptions,
}

impl Client {
    /// The verification with this ID, to get, act on, wait for or watch. Takes a `&str`, a
    /// `String` or a [`VerificationId`]; nothing is sent until a method is called.
    pub fn verification(&self, id: impl Into<VerificationId>) -> VerificationHandle {
        VerificationHandle {
            client: self.clone(),
            id: id.into(),
            wait: self.inner.wait,
        }
    }
}

impl VerificationHandle {
    /// The verification ID.
    pub fn id(&self) -> &VerificationId {
        &self.id
    }

    /// Polls with these options instead of the client's
    /// ([`ClientBuilder::wait_options`](crate::ClientBuilder::wait_options)).
    pub fn with_wait_options(mut self, options: WaitOptions) -> Self {
        self.wait = options;
        self
    }

    /// The verification as it is now (`GET .../verifications/{id}`).
    pub async fn get(&self) -> Result<Verification, Error> {
        self.get_with(Operation::of(&ops::GET_VERIFICATION, Some(&self.id)))
            .await
    }

    /// The verification, sent once: a waiter's poll.
    pub(crate) async fn poll(&self) -> Result<Verification, Error> {
        let op = Operation::of(&ops::GET_VERIFICATION, Some(&self.id)).without_retries();
        self.get_with(op).await
    }

    async fn get_with(&self, op: Operation) -> Result<Verification, Error> {
        let wire = wire_id(&self.id)?;
        let response = self
            .client
            .call(&op, |c| {
                let wire = &wire;
                async move { c.get_verification(wire).await }
            })
            .await?;
        verification_of(response.into(), Some(&self.id), &op)
    }

    /// Accepts an incoming request (`POST .../{id}/accept`).
    pub async fn accept(&self) -> Result<Verification, Error> {
        let wire = wire_id(&self.id)?;
        let op = Operation::of(&ops::ACCEPT_VERIFICATION, Some(&self.id));
        self.act(Action::Accept, op, |c| {
            let wire = &wire;
            async move { c.accept_verification(wire).await }
        })
        .await
    }

    /// Cancels (`POST .../{id}/cancel`), with a [`CancelCode`](crate::CancelCode) or a whole
    /// [`CancelVerification`] with a reason.
    ///
    /// A verification that has already ended (done, cancelled by the other side, expired)
    /// cannot be cancelled: the server answers 409 `ACTION_NOT_AVAILABLE`, which is
    /// [`Error::ActionNotAvailable`] with the state it ended in. A "stop" button can take that
    /// as done:
    ///
    /// ```
    /// use beeper_verification::{CancelCode, Client, Error, VerificationId};
    ///
    /// /// Whether there was something to stop.
    /// async fn stop(client: &Client, id: &VerificationId) -> Result<bool, Error> {
    ///     match client.verification(id).cancel(CancelCode::User).await {
    ///         Ok(_) => Ok(true),
    ///         Err(Error::ActionNotAvailable { state: Some(state), .. }) if state.is_terminal() => {
    ///             Ok(false)
    ///         }
    ///         Err(error) => Err(error),
    ///     }
    /// }
    /// ```
    pub async fn cancel(
        &self,
        cancel: impl Into<CancelVerification>,
    ) -> Result<Verification, Error> {
        let wire = wire_id(&self.id)?;
        let op = Operation::of(&ops::CANCEL_VERIFICATION, Some(&self.id));
        let body = cancel.into().into();
        self.act(Action::Cancel, op, |c| {
            let (wire, body) = (&wire, &body);
            async move { c.cancel_verification(wire, body).await }
        })
        .await
    }

    /// Starts the emoji comparison (`POST .../{id}/sas/start`).
    pub async fn start_sas(&self) -> Result<Verification, Error> {
        let wire = wire_id(&self.id)?;
        let op = Operation::of(&ops::START_VERIFICATION_SAS, Some(&self.id));
        self.act(Action::SasStart, op, |c| {
            let wire = &wire;
            async move { c.start_verification_sas(wire).await }
        })
        .await
    }

    /// Confirms that the emoji (or numbers) match on both devices
    /// (`POST .../{id}/sas/confirm`). Call it only after a person compared them.
    pub async fn confirm_sas(&self) -> Result<Verification, Error> {
        let wire = wire_id(&self.id)?;
        let op = Operation::of(&ops::CONFIRM_VERIFICATION_SAS, Some(&self.id));
        self.act(Action::SasConfirm, op, |c| {
            let wire = &wire;
            async move { c.confirm_verification_sas(wire).await }
        })
        .await
    }

    /// Confirms that the other device scanned this device's QR code
    /// (`POST .../{id}/qr/confirm-scanned`).
    pub async fn confirm_qr_scanned(&self) -> Result<Verification, Error> {
        let wire = wire_id(&self.id)?;
        let op = Operation::of(&ops::CONFIRM_VERIFICATION_QR_SCANNED, Some(&self.id));
        self.act(Action::QrConfirmScanned, op, |c| {
            let wire = &wire;
            async move { c.confirm_verification_qr_scanned(wire).await }
        })
        .await
    }

    /// Sends one action; a 409 `ACTION_NOT_AVAILABLE` becomes [`Error::ActionNotAvailable`].
    async fn act<F, Fut>(
        &self,
        action: Action,
        op: Operation,
        send: F,
    ) -> Result<Verification, Error>
    where
        F: Fn(beeper_verification_client::Client) -> Fut,
        Fut: Future<
            Output = crate::request::WireResult<
                beeper_verification_client::types::VerificationSessionResponse,
            >,
        >,
    {
        let response = self
            .client
            .call(&op, send)
            .await
            .map_err(|e| crate::error::refusal_of(&self.id, action, e))?;
        let response: VerificationResponse = response.into();
        // An answer about another verification is an error, and is never published.
        let verification = verification_of(response, Some(&self.id), &op)?;
        // Fresher than any poll: every waiter on it sees it at once.
        self.client.inner.feeds.publish_verification(&verification);
        Ok(verification)
    }

    /// Polls until `until` holds: a [`VerificationState`](crate::VerificationState), a set of
    /// them, or a closure over the [`Verification`].
    ///
    /// A terminal state the condition does not accept (`cancelled`, `error`, or `done` when
    /// waiting for something else) ends the wait at once with [`Error::VerificationEnded`],
    /// which carries the verification and its `error {code, reason}`. Transient failures are
    /// polled through; 401, 403 and 404 end the wait. After `max_wait`,
    /// [`Error::WaitTimedOut`] tells how long it waited, how often it polled, and carries the
    /// last copy it saw and the last error. Dropping the future stops polling.
    pub async fn wait_until(&self, until: impl Until) -> Result<Verification, Error> {
        self.wait_until_reporting(until, |_| {}).await
    }

    /// [`wait_until`](Self::wait_until), calling `report` with each copy in which something a
    /// person can see changed, such as to show the current state while waiting.
    pub async fn wait_until_reporting(
        &self,
        until: impl Until,
        report: impl FnMut(&Verification),
    ) -> Result<Verification, Error> {
        let wait = Wait::new(
            self.client
                .listen::<Verification>(self.id.clone(), self.wait),
            self.wait.max_wait,
            until.describe(),
        );
        wait::verification_until(wait, until, report).await
    }

    /// A stream of the verification that yields the first copy, then each copy in which
    /// something a person can see changed (state, available actions, SAS or QR data, error),
    /// and ends after a terminal state or an error. Dropping it stops polling.
    ///
    /// Nothing is sent until the stream is first polled, which must happen inside a Tokio
    /// runtime; `max_wait` counts from then. It is a [`Stream`]: iterate it with
    /// `futures_util::StreamExt::next` after pinning it.
    ///
    /// ```no_run
    /// # async fn run(client: beeper_verification::Client, id: &str) -> Result<(), beeper_verification::Error> {
    /// use futures_util::StreamExt; // for `next()`
    ///
    /// let mut changes = std::pin::pin!(client.verification(id).changes());
    /// while let Some(verification) = changes.next().await {
    ///     let verification = verification?;
    ///     println!("{}: {:?}", verification.state, verification.next_step());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn changes(&self) -> impl Stream<Item = Result<Verification, Error>> + Send + 'static {
        let (client, id, options) = (self.client.clone(), self.id.clone(), self.wait);
        crate::wait::changes(
            move || {
                Wait::new(
                    client.listen::<Verification>(id, options),
                    options.max_wait,
                    "the verification to end".to_owned(),
                )
            },
            Verification::is_terminal,
        )
    }
}
