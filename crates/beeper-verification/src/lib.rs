//! Verify a device with the [Beeper Desktop API](https://developers.beeper.com): the local
//! REST API that Beeper Desktop (and Beeper Server) serves, by default at
//! `http://localhost:23373`, with a bearer token.
//!
//! A device becomes trusted for encrypted messages by comparing emoji (SAS) or scanning a QR
//! code with another signed-in device. This crate gives a Rust program:
//!
//! - a [`Client`] with the operations named as the official SDKs name them
//!   ([`Client::session`], [`Client::verifications`] → `list`, `create`, `retrieve`, `accept`,
//!   `cancel`, `qr().scan`, `qr().confirm_scanned`, `sas().start`, `sas().confirm`);
//! - typed models ([`Session`], [`Verification`], ...) and forward-compatible enums
//!   ([`VerificationState`], [`Action`], ...) whose `Unknown` variant keeps any value the server
//!   adds later, so a newer server never breaks an older program;
//! - one typed [`Error`] with the status, the API's `code` and `message`, and what to do next;
//! - retries that never repeat an action that may already have happened (see [`Client`]);
//! - verification IDs checked before anything is sent.
//!
//! # Example: confirm an emoji comparison
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
mod id;
mod model;
mod request;
mod retry;
mod verifications;

pub use client::{
    Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT, ENV_ACCESS_TOKEN, ENV_BASE_URL,
};
pub use error::{ApiError, ConfigError, Error};
pub use model::{
    Action, CancelInfo, CancelVerification, CreateVerification, Direction, E2ee, MatrixAccount,
    Method, OtherDevice, Purpose, Qr, Sas, Secrets, Session, SessionState, UnknownValue,
    Verification, VerificationResponse, VerificationState,
};
pub use verifications::{QrApi, SasApi, VerificationsApi};

/// The README's example compiles (it is a doc test of this item).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
