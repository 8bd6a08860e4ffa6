//! One guided flow from wherever the session is to `ready`, with a UI the caller supplies:
//! sign in (creating the account when the address has none), verify with another device
//! (emoji or QR) or with the recovery key, make a new key when the account has none, and wait
//! through the app's own steps. Each decision is
//! [`Session::next_step`], so the flow and a UI of your own cannot disagree.

use std::future::Future;

use crate::wait::Wait;
use crate::{
    Client, CreateVerification, Error, Qr, RecoveryKey, Registration, Sas, SasAnswer, Session,
    SessionState, SessionStep, SignInAttempt, SignInCode, SignInOutcome, SignedIn, TermsAccepted,
};

/// How the person wants to verify this device, when [`SessionStep::VerifyThisDevice`] lets
/// them choose; see [`SetupUi::choose`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyChoice {
    /// Compare emoji with another signed-in device.
    CompareEmoji,
    /// Show this device's QR code for another signed-in device to scan.
    ShowQr,
    /// Enter the account's recovery key: no other device needed.
    RecoveryKey,
    /// Stop here ([`Error::SetupStopped`]).
    Stop,
}

/// The screens of [`Client::set_up`]: what the flow asks the person. Methods with a default
/// are for screens a UI may leave out; the defaults never sign in, never accept terms and
/// never reset a key.
///
/// To sign in from `needs-login`, a UI implements [`email`](Self::email) and
/// [`sign_in_code`](Self::sign_in_code); [`register`](Self::register) when a new address may
/// create an account; and [`signed_in`](Self::signed_in) to keep the new access token, which
/// reaches the caller no other way.
///
/// ```
/// use beeper_verification::{Qr, RecoveryKey, Sas, SasAnswer, Session, SetupUi, VerifyChoice};
///
/// /// Answers from a script, as a test would.
/// struct Scripted {
///     key: &'static str,
/// }
///
/// impl SetupUi for Scripted {
///     async fn choose(&mut self, _: &Session) -> VerifyChoice {
///         VerifyChoice::RecoveryKey
///     }
///     async fn recovery_key(&mut self, _refused: Option<&beeper_verification::Error>) -> Option<RecoveryKey> {
///         Some(RecoveryKey::new(self.key))
///     }
///     async fn compare_emoji(&mut self, _: &Sas) -> SasAnswer {
///         SasAnswer::Cancel
///     }
/// }
/// ```
pub trait SetupUi: Send {
    /// This device must be verified: with another device (emoji or QR) or the recovery key.
    fn choose(&mut self, session: &Session) -> impl Future<Output = VerifyChoice> + Send;

    /// Ask for the recovery key; `refused` is the error of the key entered before, when the
    /// server refused it. `None` stops the setup.
    fn recovery_key(
        &mut self,
        refused: Option<&Error>,
    ) -> impl Future<Output = Option<RecoveryKey>> + Send;

    /// Show the emoji and ask whether the other device shows the same.
    fn compare_emoji(&mut self, sas: &Sas) -> impl Future<Output = SasAnswer> + Send;

    /// Show this device's QR code (render [`Qr::data`]) for the other device to scan. The
    /// default shows nothing: a UI that offers [`VerifyChoice::ShowQr`] implements it.
    fn show_qr(&mut self, qr: &Qr) -> impl Future<Output = ()> + Send {
        let _ = qr;
        async {}
    }

    /// The account has no usable recovery key: may a new one be made? Say what it destroys
    /// (history protected by the old key becomes unreadable). The default is no: the flow
    /// never resets a key unless the UI explicitly agreed.
    fn agree_to_reset(&mut self, session: &Session) -> impl Future<Output = bool> + Send {
        let _ = session;
        async { false }
    }

    /// Show the new key once and ask whether the person saved it; only a yes puts it in
    /// force. The default is no.
    fn new_key_saved(&mut self, key: &RecoveryKey) -> impl Future<Output = bool> + Send {
        let _ = key;
        async { false }
    }

    /// The flow waits for the app (`initializing`, `needs-first-sync`, a state it does not
    /// know): a UI may say so. The default shows nothing.
    fn waiting(&mut self, state: &SessionState) {
        let _ = state;
    }

    /// Nobody is signed in: ask for the email address to sign in with (an account's, or one
    /// to create an account for). `refused` is the error of the address entered before, when
    /// it was empty ([`Error::InvalidInput`], and nothing was sent) or the server refused it
    /// (400, 422: not an address it takes; the sign-in stays open). The same refused address
    /// again ends the setup with its refusal. `None` stops the setup, and is the default: a
    /// UI that does not sign in leaves that to the person ([`Error::SetupStopped`], "sign in
    /// first").
    fn email(&mut self, refused: Option<&Error>) -> impl Future<Output = Option<String>> + Send {
        let _ = refused;
        async { None }
    }

    /// A one-time code was mailed to `email`: ask for it. `refused` is the error of the code
    /// entered before, when the server refused it (the attempt stays open). `None` stops the
    /// setup, and is the default.
    fn sign_in_code(
        &mut self,
        email: &str,
        refused: Option<&Error>,
    ) -> impl Future<Output = Option<SignInCode>> + Send {
        let _ = (email, refused);
        async { None }
    }

    /// The address has no account yet: show [`Registration::copy`] (the title and the terms
    /// notice), offer [`Registration::suggestions`], and return the username the person chose
    /// with their acceptance of the terms ([`TermsAccepted::by_the_user`], only once they said
    /// yes). `refused` is the error of the username before, when the server refused it (it may
    /// be taken). `None` stops the setup without creating the account, and is the default: the
    /// flow never accepts the terms itself.
    fn register(
        &mut self,
        registration: &Registration,
        refused: Option<&Error>,
    ) -> impl Future<Output = Option<(String, TermsAccepted)>> + Send {
        let _ = (registration, refused);
        async { None }
    }

    /// Signed in: the one chance to keep [`SignedIn::access_token`] (the API returns it once),
    /// for the next run or other programs; keep it only where the person agreed to. The flow
    /// goes on with [`SignedIn::client`]. The default keeps nothing.
    fn signed_in(&mut self, signed_in: &SignedIn) {
        let _ = signed_in;
    }
}

/// How many answers of one kind (email addresses, sign-in codes, usernames, recovery keys) one
/// run of the flow tries before it gives up with the last refusal.
const MAX_ATTEMPTS: usize = 5;

impl Client {
    /// Takes this device from wherever the session is to `ready`, asking `ui` what only a
    /// person can answer, and returns the ready session.
    ///
    /// - `needs-login`: signs in ([`Client::sign_in`]) with the address of [`SetupUi::email`]
    ///   and the code of [`SetupUi::sign_in_code`] (a refused address or code is asked again,
    ///   up to five times each); an address without an account is created only with the
    ///   username and the [`TermsAccepted`] of [`SetupUi::register`]. Then [`SetupUi::signed_in`] gets the new
    ///   access token, and the flow goes on with a client that uses it, from the session the
    ///   sign-in returned. This client needs no token for this step;
    /// - `needs-verification`: [`SetupUi::choose`] between comparing emoji and showing a QR
    ///   code with another signed-in device (resuming a verification in progress), and the
    ///   recovery key;
    /// - `needs-secrets`: the recovery key ([`SetupUi::recovery_key`]); a refused key is asked
    ///   again, up to five times;
    /// - `needs-cross-signing-setup`: a new recovery key, only when
    ///   [`SetupUi::agree_to_reset`] says yes, put in force only when
    ///   [`SetupUi::new_key_saved`] says yes;
    /// - `initializing`, `needs-first-sync`: waits for the session to change, through the
    ///   shared session loop.
    ///
    /// **The new token reaches the caller only through [`SetupUi::signed_in`]**: `set_up`
    /// returns the session, and this client keeps the token it had (none, perhaps). Keep the
    /// token there, or the next run must sign in again. Every step after sign-in needs it.
    ///
    /// Each step's call is sent once: when the server answers it with the state before it (it
    /// applies the change later), the flow waits for the session to move on rather than ask
    /// and send again.
    ///
    /// Run it again after any stop: it starts from the session's state then, so a device
    /// signed in before skips sign-in (run it with the saved token), and a verification in
    /// progress is resumed. A person's "no" ends it with [`Error::SetupStopped`] (or
    /// [`Error::VerificationEnded`] after a cancelled verification); each wait ends by the
    /// client's `max_wait`.
    pub async fn set_up(&self, ui: &mut impl SetupUi) -> Result<Session, Error> {
        // The client of every step: this one, or the signed-in one after sign-in.
        let mut client = self.clone();
        let mut session = client.session().await?;
        loop {
            let before = session.state.clone();
            let acted = !matches!(
                session.next_step(),
                SessionStep::Wait(_) | SessionStep::Unknown(_)
            );
            session = match session.next_step() {
                SessionStep::Ready => return Ok(session),
                SessionStep::SignIn => {
                    let signed_in = client.sign_in_with(ui).await?;
                    ui.signed_in(&signed_in);
                    let session = signed_in.session().clone();
                    client = signed_in.into_client();
                    session
                }
                SessionStep::Wait(state) | SessionStep::Unknown(state) => {
                    ui.waiting(&state);
                    client.next_session(&session).await?
                }
                SessionStep::VerifyThisDevice { .. } => match ui.choose(&session).await {
                    VerifyChoice::CompareEmoji => {
                        let ui = &mut *ui;
                        client
                            .verify_with_sas(
                                CreateVerification::default(),
                                move |sas: Sas| async move { ui.compare_emoji(&sas).await },
                            )
                            .await?
                    }
                    VerifyChoice::ShowQr => {
                        let ui = &mut *ui;
                        client
                            .verify_with_qr(
                                CreateVerification::default(),
                                move |qr: Qr| async move { ui.show_qr(&qr).await },
                            )
                            .await?
                    }
                    VerifyChoice::RecoveryKey => client.enter_recovery_key(ui).await?,
                    VerifyChoice::Stop => return Err(stopped("the person chose to stop")),
                },
                SessionStep::EnterRecoveryKey => client.enter_recovery_key(ui).await?,
                SessionStep::ResetRecoveryKey => {
                    if !ui.agree_to_reset(&session).await {
                        return Err(stopped("the person did not agree to a new recovery key"));
                    }
                    let pending = client.recovery_key().reset(None).await?;
                    if !ui.new_key_saved(pending.key()).await {
                        return Err(stopped(
                            "the new recovery key was not saved, so it was not put in force",
                        ));
                    }
                    pending.confirm().await?
                }
            };
            if acted && session.state == before {
                // Answered with the state before the step: wait for it to move on.
                session = client.next_session(&session).await?;
            }
        }
    }

    /// Signs in with the answers of `ui`: the address, then the code, each until the server
    /// takes one, the person gives up, or [`MAX_ATTEMPTS`] were refused; then the account,
    /// when the address has none.
    async fn sign_in_with(&self, ui: &mut impl SetupUi) -> Result<SignedIn, Error> {
        let (attempt, email) = self.send_code_with(ui).await?;
        let mut refused: Option<Error> = None;
        for _ in 0..MAX_ATTEMPTS {
            let Some(code) = ui.sign_in_code(&email, refused.as_ref()).await else {
                return Err(stopped("no sign-in code was entered"));
            };
            if code.is_empty() {
                refused = None;
                continue;
            }
            match attempt.finish(&code).await {
                Ok(SignInOutcome::SignedIn(signed_in)) => return Ok(signed_in),
                Ok(SignInOutcome::RegistrationRequired(registration)) => {
                    return register_with(ui, &registration).await;
                }
                // The code was refused (400, 422): the attempt stays open, ask again.
                Err(e) if matches!(e.status(), Some(400 | 422)) => refused = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(refused.unwrap_or_else(|| stopped("no sign-in code was entered")))
    }

    /// Asks for the address until the server mails a code to one, the person gives up, or
    /// [`MAX_ATTEMPTS`] were refused. The attempt starts with the first address that is not
    /// empty (an empty one sends nothing), and stays open when the server refuses an address.
    async fn send_code_with(
        &self,
        ui: &mut impl SetupUi,
    ) -> Result<(SignInAttempt, String), Error> {
        let mut attempt: Option<SignInAttempt> = None;
        let mut refused: Option<Error> = None;
        // The address the server refused last: the same one again would be refused again.
        let mut refused_address: Option<String> = None;
        for _ in 0..MAX_ATTEMPTS {
            let Some(email) = ui.email(refused.as_ref()).await else {
                return Err(stopped("nobody is signed in: sign in first"));
            };
            let email = match crate::sign_in::checked_email(&email) {
                Ok(email) => email.to_owned(),
                Err(e) => {
                    refused = Some(e);
                    continue;
                }
            };
            if let Some(error) = refused.take_if(|_| refused_address.as_ref() == Some(&email)) {
                return Err(error);
            }
            let current = match attempt.take() {
                Some(current) => current,
                None => self.sign_in().start().await?,
            };
            match current.send_code(&email).await {
                Ok(()) => return Ok((current, email)),
                // The address was refused (400, 422): the attempt stays open, ask again.
                Err(e) if matches!(e.status(), Some(400 | 422)) => {
                    refused = Some(e);
                    refused_address = Some(email);
                }
                Err(e) => return Err(e),
            }
            attempt = Some(current);
        }
        Err(refused.unwrap_or_else(|| stopped("no email address was entered")))
    }

    /// Asks for the recovery key until the server takes one, the person gives up, or
    /// [`MAX_ATTEMPTS`] were refused.
    async fn enter_recovery_key(&self, ui: &mut impl SetupUi) -> Result<Session, Error> {
        let mut refused: Option<Error> = None;
        for _ in 0..MAX_ATTEMPTS {
            let Some(key) = ui.recovery_key(refused.as_ref()).await else {
                return Err(stopped("no recovery key was entered"));
            };
            if key.is_empty() {
                refused = None;
                continue;
            }
            match self.recovery_key().verify(&key).await {
                Ok(session) => return Ok(session),
                // The key was refused (400, 422): ask again.
                Err(e) if matches!(e.status(), Some(400 | 422)) => refused = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(refused.unwrap_or_else(|| stopped("no recovery key was entered")))
    }

    /// The next session whose state differs from `current`'s, through the shared session loop.
    async fn next_session(&self, current: &Session) -> Result<Session, Error> {
        let options = self.inner.wait;
        let mut wait = Wait::new(
            self.listen::<Session>((), options),
            options.max_wait,
            format!("the session to move on from {}", current.state),
        );
        loop {
            let session = wait.next_change().await?;
            if session.state != current.state {
                return Ok(session);
            }
        }
    }
}

/// Creates the account with the username and the acceptance of `ui`, asking again when the
/// server refuses a username (400, 409, 422: taken, or not allowed), up to [`MAX_ATTEMPTS`].
async fn register_with(
    ui: &mut impl SetupUi,
    registration: &Registration,
) -> Result<SignedIn, Error> {
    let mut refused: Option<Error> = None;
    for _ in 0..MAX_ATTEMPTS {
        let Some((username, terms)) = ui.register(registration, refused.as_ref()).await else {
            return Err(stopped(
                "the address has no account, and none was created: no username, or the terms \
                 were not accepted",
            ));
        };
        match registration.register(&username, terms).await {
            Ok(signed_in) => return Ok(signed_in),
            Err(e @ Error::InvalidInput { .. }) => refused = Some(e),
            Err(e) if matches!(e.status(), Some(400 | 409 | 422)) => refused = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(refused.unwrap_or_else(|| stopped("no username was accepted")))
}

fn stopped(reason: &str) -> Error {
    Error::SetupStopped {
        reason: reason.to_owned(),
    }
}
