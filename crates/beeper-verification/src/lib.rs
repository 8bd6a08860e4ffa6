//! Verify a device with the [Beeper Desktop API](https://developers.beeper.com): the local
//! REST API that Beeper Desktop (and Beeper Server) serves, by default at
//! `http://localhost:23373`, with a bearer token.
//!
//! # The whole emoji flow
//!
//! Here Beeper Desktop is played by [`beeper-verification-fake`], with a simulated phone that
//! accepts the request and confirms the emoji by itself, so this runs as it stands, in a test
//! of your own too. Against Beeper Desktop, build the client with [`Client::from_env`] instead.
//!
//! [`beeper-verification-fake`]: https://docs.rs/beeper-verification-fake
//!
//! ```
//! use std::time::Duration;
//!
//! use beeper_verification::{Client, CreateVerification, SessionState};
//! use beeper_verification_fake::{FakeServer, PeerMethod};
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let desktop = FakeServer::builder()
//!         .auto_peer(PeerMethod::Sas, Duration::from_millis(20))
//!         .start()
//!         .await?;
//!     let client = Client::builder()
//!         .base_url(desktop.base_url()) // default: http://localhost:23373
//!         .access_token(desktop.token()) // or Client::from_env() with BEEPER_ACCESS_TOKEN
//!         .build()?;
//!
//!     let session = client
//!         .verify_with_sas(CreateVerification::default(), |sas| async move {
//!             println!("Do these match on your other device? {sas}");
//!             true // ask the person; false cancels with m.mismatched_sas
//!         })
//!         .await?;
//!     assert_eq!(session.state, SessionState::Ready); // this device is now trusted
//!     Ok(())
//! }
//! ```
//!
//! # One verification, step by step
//!
//! Everything about one verification goes through its [`VerificationHandle`], from
//! [`Client::verification`]: [`get`](VerificationHandle::get), the actions
//! ([`accept`](VerificationHandle::accept), [`start_sas`](VerificationHandle::start_sas),
//! [`confirm_sas`](VerificationHandle::confirm_sas),
//! [`confirm_qr_scanned`](VerificationHandle::confirm_qr_scanned),
//! [`cancel`](VerificationHandle::cancel)), each one request, and waiting
//! ([`wait_until`](VerificationHandle::wait_until), [`changes`](VerificationHandle::changes)).
//! [`Verification::next_step`] says what to do now, as one [`NextStep`]:
//!
//! ```no_run
//! use beeper_verification::{CancelCode, Client, NextStep};
//!
//! # async fn run() -> Result<(), beeper_verification::Error> {
//! let client = Client::from_env()?; // reads BEEPER_ACCESS_TOKEN (and BEEPER_BASE_URL)
//! for verification in client.verifications().list().await? {
//!     let handle = client.verification(&verification.id);
//!     match verification.next_step() {
//!         NextStep::AcceptRequest => {
//!             handle.accept().await?;
//!         }
//!         NextStep::CompareEmoji(sas) => {
//!             println!("Do these match on the other device? {sas}");
//!             let they_match = true; // ask the person
//!             if they_match {
//!                 handle.confirm_sas().await?;
//!             } else {
//!                 handle.cancel(CancelCode::MismatchedSas).await?;
//!             }
//!         }
//!         other => println!("{}: {other:?}", verification.id),
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # From signed out to trusted
//!
//! A device that nobody signed in to yet (`needs-login`) is signed in with a client without a
//! token: [`Client::sign_in`] mails a one-time code and finishes with it, creating the account
//! when the address has none (only with the person's [`TermsAccepted`]), and returns the
//! account's access token (once) with a client that uses it. [`Client::set_up`] walks every
//! step, sign-in included, with a [`SetupUi`] of yours, from whatever state the device is in to
//! `ready`.
//!
//! # What the crate gives
//!
//! - a [`Client`] ([`Client::session`], [`Client::verifications`] → `list`, `create`,
//!   `scan_qr`, and [`Client::verification`] for one verification), with or without a token
//!   ([`Client::sign_in`], [`Client::with_access_token`]);
//! - typed models ([`Session`], [`Verification`], [`Sas`] with the emoji parsed once, ...),
//!   typed IDs ([`VerificationId`], [`DeviceId`], [`UserId`]) and forward-compatible enums
//!   ([`VerificationState`], [`Action`], [`CancelCode`], ...) whose `Unknown` variant keeps
//!   any value the server adds later, so a newer server never breaks an older program;
//! - one typed [`Error`] with the status, the API's `code` and `message`, the cause underneath
//!   ([`source`](std::error::Error::source)) and what to do next ([`Error::hint`]);
//! - retries that never repeat an action that may already have happened (see [`Client`]);
//! - a client that keeps the token to this machine and stays small whatever a server sends
//!   (see [`Client`]'s security notes);
//! - waiting: the API has no push events, so waiters poll, 250 ms doubling to 2 s with jitter,
//!   back to 250 ms whenever the verification changes; every waiter on one verification in a
//!   client shares one polling loop, and each ends by its `max_wait` (10 minutes by default)
//!   whatever the server does ([`WaitOptions`], set per client with
//!   [`ClientBuilder::wait_options`]);
//! - the guided flows [`Client::set_up`] (from any state to `ready`), [`Client::verify_with_sas`],
//!   [`Client::verify_with_qr`] and [`Client::verify_with_scanned_qr`], and their steps
//!   ([`Client::start_or_resume`], [`Client::wait_for_incoming`], [`Client::wait_for_session`],
//!   [`Client::session_changes`]);
//! - secrets as types ([`AccessToken`], [`RecoveryKey`], [`SignInCode`], [`LeadToken`]) that
//!   never show in `Debug`, errors or logs.
//!
//! # Errors, with their causes and hints
//!
//! See [`Error`] for a `main` that prints an error, what caused it, and what to do next.
//!
//! # Features
//!
//! - `rustls`: HTTPS to a remote Beeper Server. Plain `http` to this machine needs no TLS.
//! - `schemars`: `schemars::JsonSchema` for the public models.

#![warn(missing_docs)]

mod base_url;
mod client;
mod error;
mod feed;
mod flow;
mod handle;
mod id;
mod model;
mod next_step;
#[cfg(test)]
mod properties;
mod recovery_key;
mod request;
mod retry;
mod sas;
mod secret;
mod session_step;
mod setup;
mod shown;
mod sign_in;
mod verifications;
mod wait;

pub use client::{Client, ClientBuilder};
pub use error::{ApiError, ConfigError, Error, ErrorSource};
pub use flow::SasAnswer;
pub use handle::VerificationHandle;
pub use id::{DeviceId, SetupRequestId, UserId, VerificationId};
pub use model::{
    Action, CancelCode, CancelInfo, CancelVerification, CreateVerification, Direction, E2ee,
    MatrixAccount, Method, OtherDevice, Purpose, Qr, Sas, Secrets, Session, SessionState,
    SignInMethod, UnknownValue, Verification, VerificationState,
};
pub use next_step::NextStep;
pub use recovery_key::{PendingRecoveryKey, RecoveryKeyApi};
pub use sas::{Emoji, SAS_EMOJI};
pub use secret::{AccessToken, LeadToken, RecoveryKey, SignInCode};
pub use session_step::SessionStep;
pub use setup::{SetupUi, VerifyChoice};
pub use sign_in::{
    Registration, RegistrationCopy, SignInApi, SignInAttempt, SignInOutcome, SignedIn,
    TermsAccepted,
};
pub use verifications::VerificationsApi;
pub use wait::{LastSeen, Until, WaitOptions};

/// The README's examples compile (they are doc tests of this item).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
