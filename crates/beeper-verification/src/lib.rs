//! Verify a device with the [Beeper Desktop API](https://developers.beeper.com): the local
//! REST API that Beeper Desktop (and Beeper Server) serves, by default at
//! `http://localhost:23373`, with a bearer token.
//!
//! # The whole emoji flow
//!
//! ```
//! use beeper_verification::{Client, SessionState, VerifyOptions};
//! # use beeper_verification_fake::{FakeServer, PeerMethod};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), beeper_verification::Error> {
//! # // Beeper Desktop is played by the fake server, with a simulated phone that accepts the
//! # // request and confirms the emoji by itself.
//! # let desktop = FakeServer::builder()
//! #     .auto_peer(PeerMethod::Sas, std::time::Duration::from_millis(20))
//! #     .start()
//! #     .await
//! #     .expect("the fake starts");
//! let client = Client::builder()
//!     .base_url(desktop.base_url()) // default: http://localhost:23373
//!     .access_token(desktop.token()) // or Client::from_env() with BEEPER_ACCESS_TOKEN
//!     .build()?;
//!
//! let session = client
//!     .verify_with_sas(VerifyOptions::default(), |sas| async move {
//!         println!("Do these match on your other device?\n{sas}");
//!         true // ask the person; false cancels with m.mismatched_sas
//!     })
//!     .await?;
//! assert_eq!(session.state, SessionState::Ready); // this device is now trusted
//! # Ok(())
//! # }
//! ```
//!
//! Each step is also available on its own: [`Client::start_or_resume`], a
//! [`VerificationHandle`] from [`Client::verification`] with `accept`, `start_sas`,
//! `confirm_sas`, `cancel`, [`wait_until`](VerificationHandle::wait_until) and
//! [`changes`](VerificationHandle::changes), and [`Client::wait_for_incoming`],
//! [`Client::wait_for_session`], [`Client::session_changes`].
//!
//! # What the crate gives
//!
//! - a [`Client`] with the operations named as the official SDKs name them
//!   ([`Client::session`], [`Client::verifications`] → `list`, `create`, `retrieve`, `accept`,
//!   `cancel`, `qr().scan`, `qr().confirm_scanned`, `sas().start`, `sas().confirm`);
//! - typed models ([`Session`], [`Verification`], ...) and forward-compatible enums
//!   ([`VerificationState`], [`Action`], ...) whose `Unknown` variant keeps any value the server
//!   adds later, so a newer server never breaks an older program;
//! - one typed [`Error`] with the status, the API's `code` and `message`, and what to do next;
//! - retries that never repeat an action that may already have happened (see [`Client`]);
//! - verification IDs checked before anything is sent;
//! - waiting: the API has no push events, so waiters poll, 250 ms doubling to 2 s with jitter,
//!   back to 250 ms whenever the verification changes, for at most 10 minutes
//!   ([`WaitOptions`], set per client with [`ClientBuilder::wait_options`]);
//! - the SAS emoji as data ([`Sas::emojis`], [`Sas::decimals`], and a `Display` for terminals).
//!
//! # Acting on one verification
//!
//! ```no_run
//! use beeper_verification::{Action, CancelVerification, Client};
//!
//! # async fn run() -> Result<(), beeper_verification::Error> {
//! let client = Client::from_env()?; // reads BEEPER_ACCESS_TOKEN (and BEEPER_BASE_URL)
//! for verification in client.verifications().list().await? {
//!     if verification.can(Action::SasConfirm) {
//!         let sas = verification.sas.as_ref().map_or("", |s| s.emojis.as_str());
//!         println!("Do these match on the other device? {sas}");
//!         let they_match = true; // ask the person
//!         if they_match {
//!             client.verifications().sas().confirm(&verification.id).await?;
//!         } else {
//!             let cancel = CancelVerification::mismatched_sas();
//!             client.verifications().cancel(&verification.id, cancel).await?;
//!         }
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Features
//!
//! - `rustls`: HTTPS to a remote Beeper Server. Plain `http` to this machine needs no TLS.
//! - `schemars`: `schemars::JsonSchema` for the public models.

#![warn(missing_docs)]

mod client;
mod error;
mod flow;
mod handle;
mod id;
mod model;
#[cfg(test)]
mod properties;
mod request;
mod retry;
mod sas;
mod verifications;
mod wait;

pub use client::{
    Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_CONCURRENT_REQUESTS, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT, ENV_ACCESS_TOKEN, ENV_BASE_URL,
};
pub use error::{ApiError, ConfigError, Error};
pub use flow::{SasAnswer, VerifyOptions};
pub use handle::VerificationHandle;
pub use model::{
    Action, CancelInfo, CancelVerification, CreateVerification, Direction, E2ee, MatrixAccount,
    Method, OtherDevice, Purpose, Qr, Sas, Secrets, Session, SessionState, UnknownValue,
    Verification, VerificationResponse, VerificationState,
};
pub use sas::{Emoji, SAS_EMOJI};
pub use verifications::{QrApi, SasApi, VerificationsApi};
pub use wait::{Until, WaitOptions};

/// The README's example compiles (it is a doc test of this item).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
