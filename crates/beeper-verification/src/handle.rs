//! A handle on one verification: refresh it, act on it after checking that the server allows
//! the action, wait for it, or watch it change.

use futures_util::Stream;

use crate::wait::{self, Poller, Until, WaitOptions};
use crate::{Action, CancelVerification, Client, Error, Verification, VerificationResponse};

/// One verification, by ID. Get one with [`Client::verification`]; cheap to clone.
///
/// The action methods check `available_actions` on a fresh copy first and return
/// [`Error::ActionNotAvailable`], naming the state, without sending the action when the server
/// would not allow it.
#[derive(Clone, Debug)]
pub struct VerificationHandle {
    client: Client,
    id: String,
    wait: WaitOptions,
}

impl Client {
    /// A handle on the verification with this ID, polling with the client's
    /// [`WaitOptions`](crate::ClientBuilder::wait_options).
    pub fn verification(&self, id: impl Into<String>) -> VerificationHandle {
        VerificationHandle {
            client: self.clone(),
            id: id.into(),
            wait: self.inner.wait,
        }
    }
}

impl VerificationHandle {
    /// The verification ID.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Polls with these options instead of the client's.
    pub fn with_wait_options(mut self, options: WaitOptions) -> Self {
        self.wait = options;
        self
    }

    /// The verification as it is now.
    pub async fn refresh(&self) -> Result<Verification, Error> {
        fetch(&self.client, &self.id).await
    }

    /// Accepts an incoming request.
    pub async fn accept(&self) -> Result<Verification, Error> {
        self.act(Action::Accept, None).await
    }

    /// Cancels, with a code and reason such as [`CancelVerification::mismatched_sas`].
    pub async fn cancel(&self, params: CancelVerification) -> Result<Verification, Error> {
        self.act(Action::Cancel, Some(params)).await
    }

    /// Starts the emoji comparison.
    pub async fn start_sas(&self) -> Result<Verification, Error> {
        self.act(Action::SasStart, None).await
    }

    /// Confirms that the emoji match. Call it only after a person compared them.
    pub async fn confirm_sas(&self) -> Result<Verification, Error> {
        self.act(Action::SasConfirm, None).await
    }

    /// Confirms that the other device scanned this device's QR code.
    pub async fn confirm_qr_scanned(&self) -> Result<Verification, Error> {
        self.act(Action::QrConfirmScanned, None).await
    }

    /// Refreshes, checks that `action` is available, and performs it.
    async fn act(
        &self,
        action: Action,
        params: Option<CancelVerification>,
    ) -> Result<Verification, Error> {
        let current = self.refresh().await?;
        self.act_on(&current, action, params).await
    }

    /// Performs `action` if `current` (a fresh copy) allows it.
    pub(crate) async fn act_on(
        &self,
        current: &Verification,
        action: Action,
        params: Option<CancelVerification>,
    ) -> Result<Verification, Error> {
        if !current.can(action.clone()) {
            return Err(Error::ActionNotAvailable {
                id: current.id.clone(),
                action,
                state: current.state.clone(),
                available: current.available_actions.clone(),
            });
        }
        let api = self.client.verifications();
        let response: VerificationResponse = match action {
            Action::Accept => api.accept(&self.id).await?,
            Action::Cancel => api.cancel(&self.id, params.unwrap_or_default()).await?,
            Action::SasStart => api.sas().start(&self.id).await?,
            Action::SasConfirm => api.sas().confirm(&self.id).await?,
            Action::QrConfirmScanned => api.qr().confirm_scanned(&self.id).await?,
            Action::Unknown(_) => {
                return Err(Error::ActionNotAvailable {
                    id: current.id.clone(),
                    action,
                    state: current.state.clone(),
                    available: current.available_actions.clone(),
                });
            }
        };
        match response.verification {
            Some(verification) => Ok(verification),
            None => self.refresh().await,
        }
    }

    /// Polls until `until` holds: a [`VerificationState`](crate::VerificationState), a set of
    /// them, or a closure over the [`Verification`].
    ///
    /// A terminal state the condition does not accept (`cancelled`, `error`, or `done` when
    /// waiting for something else) ends the wait at once with [`Error::VerificationEnded`],
    /// which carries the verification and its `error {code, reason}`. Transient failures are
    /// polled through; 401, 403 and 404 end the wait. After `max_wait`,
    /// [`Error::WaitTimedOut`] tells how long it waited, how often it polled and what it saw
    /// last. Dropping the future stops polling.
    pub async fn wait_until(&self, until: impl Until) -> Result<Verification, Error> {
        self.wait_until_reporting(until, |_| {}).await
    }

    /// [`wait_until`](Self::wait_until), calling `report` with each copy in which something a
    /// user can see changed, such as to show the current state while waiting.
    pub async fn wait_until_reporting(
        &self,
        until: impl Until,
        report: impl FnMut(&Verification),
    ) -> Result<Verification, Error> {
        wait::verification_until(self.wait, until, || fetch(&self.client, &self.id), report).await
    }

    /// A stream of the verification that yields the first copy, then each copy in which
    /// something a user can see changed (state, available actions, SAS or QR data, error), and
    /// ends after a terminal state or an error. Dropping it stops polling.
    pub fn changes(&self) -> impl Stream<Item = Result<Verification, Error>> + Send + 'static {
        let (client, id) = (self.client.clone(), self.id.clone());
        let fetch = move || {
            let (client, id) = (client.clone(), id.clone());
            async move { fetch(&client, &id).await }
        };
        let poller = Poller::new(
            self.wait,
            "the verification to end".to_owned(),
            fetch,
            wait::same_verification,
            wait::describe_verification,
        );
        wait::until_end(poller, Verification::is_terminal)
    }
}

/// The verification with this ID, now.
pub(crate) async fn fetch(client: &Client, verification_id: &str) -> Result<Verification, Error> {
    let response = client.verifications().retrieve(verification_id).await?;
    response.verification.ok_or_else(|| {
        Error::missing_verification("GET", crate::verifications::path(verification_id, ""))
    })
}
