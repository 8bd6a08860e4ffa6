//! Signing in: the four public calls that take a signed-out Beeper Desktop or Beeper Server to
//! a signed-in account, an existing one or a new one. They need no token, and never send one;
//! the last of them returns the account's access token, once.

use beeper_verification_client::operations as ops;
use beeper_verification_client::types as wire;

use crate::request::Operation;
use crate::secret::{LeadToken, wipe};
use crate::{
    AccessToken, Client, Error, MatrixAccount, Session, SetupRequestId, SignInCode, SignInMethod,
};

/// The sign-in endpoints (`/v1/app/setup/{start,email,response,register}`); get one with
/// [`Client::sign_in`].
///
/// The API documents no error codes for them. The fake (`beeper-verification-fake`) answers a
/// wrong code with 400 `INVALID_SIGN_IN_CODE` (the attempt stays open: ask again), a used code
/// with 409 `SIGN_IN_CODE_USED`, an attempt it does not know with 404
/// `SETUP_REQUEST_NOT_FOUND`, a taken username with 409 `USERNAME_TAKEN`, and sign-in while
/// signed in with 409 `ALREADY_SIGNED_IN`: those codes are its choice. Either way the error is
/// [`Error::Api`], whose [`code`](crate::ApiError::code) tells them apart.
///
/// Each call is sent once unless it provably never reached the server (as every action is:
/// see [`Client`]), so a code is never mailed twice and never used twice by a retry.
#[derive(Clone, Copy, Debug)]
pub struct SignInApi<'a> {
    client: &'a Client,
}

impl Client {
    /// Signs in, by email: [`start`](SignInApi::start) an attempt, mail a one-time code
    /// ([`SignInAttempt::send_code`]), and [`finish`](SignInAttempt::finish) it with the code
    /// the person read, which either signs in or, for an address without an account, asks to
    /// create one ([`Registration::register`], only with the person's
    /// [`TermsAccepted`]).
    ///
    /// These calls are public: a client without a token makes them (and one with a token does
    /// not send it). What they end with, [`SignedIn`], holds the account's access token,
    /// returned once, and a client that uses it. [`Client::set_up`] walks the same steps with a
    /// UI of yours, and goes on to verify the device.
    ///
    /// ```no_run
    /// use beeper_verification::{Client, SignInCode, SignInOutcome, TermsAccepted};
    ///
    /// # async fn run() -> Result<(), beeper_verification::Error> {
    /// let client = Client::builder().build()?; // no token yet: BEEPER_BASE_URL or localhost
    /// let attempt = client.sign_in().start().await?;
    /// attempt.send_code("you@example.com").await?;
    /// let code = SignInCode::new("482913"); // what the person read in the email
    /// let signed_in = match attempt.finish(&code).await? {
    ///     SignInOutcome::SignedIn(signed_in) => signed_in,
    ///     SignInOutcome::RegistrationRequired(registration) => {
    ///         println!("{}\n{}", registration.copy().title, registration.copy().terms);
    ///         let username = registration.suggestions().first().cloned().unwrap_or_default();
    ///         // Only once the person said yes to the terms shown above:
    ///         registration.register(&username, TermsAccepted::by_the_user()).await?
    ///     }
    ///     other => {
    ///         println!("not handled here: {other:?}");
    ///         return Ok(());
    ///     }
    /// };
    /// println!("signed in as {}", signed_in.account().user_id);
    /// // Keep the token where the person asked you to (it is returned only once), and use it:
    /// let session = signed_in.client().session().await?;
    /// println!("now {}", session.state);
    /// # Ok(())
    /// # }
    /// ```
    pub fn sign_in(&self) -> SignInApi<'_> {
        SignInApi { client: self }
    }
}

impl SignInApi<'_> {
    /// Starts a sign-in attempt (`POST /v1/app/setup/start`), for an existing account or a new
    /// one. The attempt says which ways to sign in it offers ([`SignInAttempt::methods`]).
    /// Refused while signed in.
    pub async fn start(&self) -> Result<SignInAttempt, Error> {
        let op = Operation::of(&ops::START_SETUP, None);
        let started = self
            .client
            .call(&op, |c| async move { c.start_setup().await })
            .await?;
        Ok(SignInAttempt {
            client: self.client.clone(),
            id: started.setup_request_id.into(),
            methods: started
                .sign_in_methods
                .into_iter()
                .map(SignInMethod::from)
                .collect(),
        })
    }
}

/// One sign-in attempt, from [`SignInApi::start`]: mail a code, then finish with it. It holds a
/// clone of the client, so it can be kept and moved freely.
#[derive(Clone)]
pub struct SignInAttempt {
    client: Client,
    id: SetupRequestId,
    methods: Vec<SignInMethod>,
}

impl std::fmt::Debug for SignInAttempt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInAttempt")
            .field("id", &self.id)
            .field("methods", &self.methods)
            .finish_non_exhaustive()
    }
}

impl SignInAttempt {
    /// The attempt's ID (`setupRequestID`), which each call of the attempt quotes.
    pub fn id(&self) -> &SetupRequestId {
        &self.id
    }

    /// The ways to sign in the attempt offers, such as [`SignInMethod::Email`].
    pub fn methods(&self) -> &[SignInMethod] {
        &self.methods
    }

    /// Mails a one-time sign-in code to `email` (`POST /v1/app/setup/email`); the address may
    /// have an account or not. Whitespace around the address is dropped; an empty one is
    /// [`Error::InvalidInput`], and nothing is sent.
    pub async fn send_code(&self, email: &str) -> Result<(), Error> {
        let email = checked_email(email)?;
        let op = Operation::of(&ops::SEND_SETUP_EMAIL, None);
        let body = wire::SetupEmailRequest {
            email: email.to_owned(),
            setup_request_id: self.id.to_string(),
        };
        self.client
            .call(&op, |c| {
                let body = &body;
                async move { c.send_setup_email(body).await }
            })
            .await
    }

    /// Finishes the sign-in with the code from the email (`POST /v1/app/setup/response`):
    /// [`SignInOutcome::SignedIn`], or [`SignInOutcome::RegistrationRequired`] when the
    /// address has no account yet. A wrong code is refused with an [`Error::Api`] (the fake
    /// says 400, and the attempt stays open: ask again); an empty one is
    /// [`Error::InvalidInput`], and nothing is sent.
    ///
    /// The code is never part of an error or a log line, nor is the token or the lead token
    /// of the answer.
    pub async fn finish(&self, code: &SignInCode) -> Result<SignInOutcome, Error> {
        if code.is_empty() {
            return Err(empty("sign-in code"));
        }
        let op = Operation::of(&ops::FINISH_SETUP_SIGN_IN, None).holding_secrets([code]);
        let body = wire::SetupResponseRequest {
            response: code.expose_secret().to_owned(),
            setup_request_id: self.id.to_string(),
        };
        let response = self
            .client
            .call(&op, |c| {
                let body = &body;
                async move { c.finish_setup_sign_in(body).await }
            })
            .await;
        wipe(body.response);
        match response? {
            wire::SetupResponseOutput::CompleteResponse(done) => {
                SignedIn::new(&self.client, done, &op).map(SignInOutcome::SignedIn)
            }
            wire::SetupResponseOutput::RegistrationRequiredResponse(needed)
                if needed.registration_required =>
            {
                Ok(SignInOutcome::RegistrationRequired(Registration::new(
                    &self.client,
                    needed,
                )))
            }
            wire::SetupResponseOutput::RegistrationRequiredResponse(neither) => {
                wipe(neither.lead_token);
                Err(Error::unexpected_answer(
                    op.method,
                    op.path.clone(),
                    "the answer is neither a sign-in nor `registrationRequired: true`",
                ))
            }
        }
    }
}

/// How [`SignInAttempt::finish`] ended.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum SignInOutcome {
    /// Signed in to the account of the address.
    SignedIn(SignedIn),
    /// The address has no account yet: show [`Registration::copy`], and create it with
    /// [`Registration::register`] once the person chose a username and accepted the terms.
    RegistrationRequired(Registration),
}

/// The person's acceptance of Beeper's Terms of Use and Privacy Policy, which creating an
/// account requires ([`Registration::register`] sends `acceptTerms: true`).
///
/// Its only constructor is [`TermsAccepted::by_the_user`], so that acceptance is never sent by
/// a default, a `bool` or an accident: call it only once the person read
/// [`RegistrationCopy::terms`] and said yes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TermsAccepted {
    _by_the_user: (),
}

impl TermsAccepted {
    /// The person read the terms notice ([`RegistrationCopy::terms`]: the Terms of Use,
    /// <https://www.beeper.com/terms-onboarding>, and the Privacy Policy,
    /// <https://www.beeper.com/privacy>) and agreed. Never call it on their behalf.
    pub fn by_the_user() -> Self {
        Self { _by_the_user: () }
    }
}

/// The words to show on the account-creation step, as the server sent them (their wording may
/// change, so they are plain text).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RegistrationCopy {
    /// The step's title, such as "Choose your username".
    pub title: String,
    /// The terms notice to show before the account is created, such as "By continuing, you
    /// agree to the Terms of Use and acknowledge the Privacy Policy."
    pub terms: String,
    /// The submit button's label, such as "Continue".
    pub submit: String,
    /// The username field's placeholder, such as "Username".
    pub username_placeholder: String,
}

/// An address without an account: what creating one needs, from [`SignInAttempt::finish`].
/// It holds the registration's lead token (a secret) and a clone of the client.
#[derive(Clone)]
pub struct Registration {
    client: Client,
    id: SetupRequestId,
    lead_token: LeadToken,
    suggestions: Vec<String>,
    copy: RegistrationCopy,
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration")
            .field("id", &self.id)
            .field("lead_token", &self.lead_token)
            .field("suggestions", &self.suggestions)
            .field("copy", &self.copy)
            .finish_non_exhaustive()
    }
}

impl Registration {
    fn new(client: &Client, needed: wire::SetupRegistrationRequiredResponse) -> Self {
        let copy = needed.copy;
        Self {
            client: client.clone(),
            id: needed.setup_request_id.into(),
            lead_token: LeadToken::new(needed.lead_token),
            suggestions: needed.username_suggestions,
            copy: RegistrationCopy {
                title: copy.title,
                terms: copy.terms,
                submit: copy.submit,
                username_placeholder: copy.username_placeholder,
            },
        }
    }

    /// The attempt to continue (`setupRequestID`, as the server returned it with this answer).
    pub fn id(&self) -> &SetupRequestId {
        &self.id
    }

    /// The registration token (`leadToken`) that creating the account sends back.
    pub fn lead_token(&self) -> &LeadToken {
        &self.lead_token
    }

    /// Usernames the server proposes (may be empty).
    pub fn suggestions(&self) -> &[String] {
        &self.suggestions
    }

    /// The words to show on this step: the title, the terms notice, the button and the
    /// username field's placeholder.
    pub fn copy(&self) -> &RegistrationCopy {
        &self.copy
    }

    /// Creates the account with `username` and signs in with it
    /// (`POST /v1/app/setup/register`, with `acceptTerms: true`); `terms` is the person's
    /// acceptance ([`TermsAccepted::by_the_user`]). Whitespace around the username is dropped;
    /// an empty one is [`Error::InvalidInput`], and nothing is sent. A taken username is an
    /// [`Error::Api`] (the fake says 409 `USERNAME_TAKEN`): ask for another and call again.
    pub async fn register(&self, username: &str, terms: TermsAccepted) -> Result<SignedIn, Error> {
        // Having one is the acceptance: there is no other way to make it.
        let TermsAccepted { _by_the_user: () } = terms;
        let username = username.trim();
        if username.is_empty() {
            return Err(empty("username"));
        }
        let username: wire::SetupRegisterRequestUsername =
            username.parse().map_err(|e| Error::InvalidInput {
                input: "username",
                reason: format!("the API's rules refuse it: {e}"),
            })?;
        let op =
            Operation::of(&ops::REGISTER_SETUP_ACCOUNT, None).holding_secrets([&self.lead_token]);
        let body = wire::SetupRegisterRequest {
            accept_terms: true,
            lead_token: self.lead_token.expose_secret().to_owned(),
            setup_request_id: self.id.to_string(),
            username,
        };
        let response = self
            .client
            .call(&op, |c| {
                let body = &body;
                async move { c.register_setup_account(body).await }
            })
            .await;
        wipe(body.lead_token);
        SignedIn::new(&self.client, response?, &op)
    }
}

/// Signed in: the account's access token (returned once: keep it if the person wants to stay
/// signed in), the account, the session right after, and a client that uses the token.
#[derive(Clone)]
pub struct SignedIn {
    access_token: AccessToken,
    account: MatrixAccount,
    // Boxed: it is most of the size, and an outcome holds this or a registration.
    session: Box<Session>,
    client: Client,
}

impl std::fmt::Debug for SignedIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedIn")
            .field("access_token", &self.access_token)
            .field("account", &self.account)
            .field("session", &self.session.state)
            .finish_non_exhaustive()
    }
}

/// The longest access token a sign-in answer may carry (Beeper's are tens of bytes): a server
/// that sends more is not believed, and nothing of it is kept or sent on.
const MAX_ACCESS_TOKEN_BYTES: usize = 8 * 1024;

impl SignedIn {
    /// From the answer of `finish` or `register`: a token that cannot be used (empty, or not
    /// sendable in a header) is an answer the API does not document.
    fn new(
        client: &Client,
        done: wire::SetupCompleteResponse,
        op: &Operation,
    ) -> Result<Self, Error> {
        let wire::MatrixCredentials {
            access_token,
            device_id,
            homeserver,
            user_id,
        } = done.matrix;
        if access_token.len() > MAX_ACCESS_TOKEN_BYTES {
            return Err(Error::unexpected_answer(
                op.method,
                op.path.clone(),
                "the answer's access token is longer than 8 KiB, which no token is",
            ));
        }
        let access_token = AccessToken::from(access_token);
        let client = client
            .with_access_token(access_token.clone())
            .map_err(|e| {
                let reason = match e {
                    Error::Config(crate::ConfigError::MissingToken) => {
                        "the answer's access token is empty"
                    }
                    _ => "the answer's access token cannot be sent in an HTTP header",
                };
                Error::unexpected_answer(op.method, op.path.clone(), reason)
            })?;
        Ok(Self {
            access_token,
            account: MatrixAccount {
                device_id: device_id.into(),
                homeserver,
                user_id: user_id.into(),
            },
            session: Box::new(done.session.into()),
            client,
        })
    }

    /// The account's access token (`matrix.accessToken`): the bearer token of every call that
    /// needs one. The API returns it once; save it only where the person agreed to (a file of
    /// mode 0600, a keychain), and never print it unless they asked.
    pub fn access_token(&self) -> &AccessToken {
        &self.access_token
    }

    /// The signed-in account: its user ID, this device's ID and its homeserver.
    pub fn account(&self) -> &MatrixAccount {
        &self.account
    }

    /// The session right after the sign-in, usually `needs-verification` (this device must be
    /// trusted next: [`Session::next_step`]).
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// A client with the same settings as the one that signed in, using the new token
    /// ([`Client::with_access_token`]).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The client that uses the new token, for the steps after sign-in.
    pub fn into_client(self) -> Client {
        self.client
    }
}

/// An address with the whitespace around it dropped, or [`Error::InvalidInput`] when empty.
pub(crate) fn checked_email(email: &str) -> Result<&str, Error> {
    let email = email.trim();
    if email.is_empty() {
        return Err(empty("email"));
    }
    Ok(email)
}

fn empty(input: &'static str) -> Error {
    Error::InvalidInput {
        input,
        reason: "it is empty".to_owned(),
    }
}
