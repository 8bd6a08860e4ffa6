//! The generated wire layer of the Beeper Desktop API's device-verification endpoints.
//!
//! `src/generated.rs`, `src/generated_operations.rs` and `src/generated_mock.rs` are generated
//! from `openapi/beeper-verification.yaml` by `cargo xtask generate`; never edit them by hand. This
//! file and `src/hooks.rs` (the headers, timeout and body cap of every request) are handwritten. Most users want the `beeper-verification`
//! crate instead, which wraps this one with typed enums, typed errors, retries and waiting
//! helpers, and which keeps its public API stable when this crate is regenerated.
//!
//! String enums of the spec are plain `String`s here on purpose, so that a value the server adds
//! later never fails a whole response; `beeper-verification` owns the typed enums.

#[rustfmt::skip]
#[allow(
    missing_docs,
    missing_debug_implementations,
    unused_imports,
    unused_qualifications,
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used,
    rustdoc::all
)]
mod generated;
mod hooks;

pub use generated::*;

/// Every operation of the spec as data: its operationId, method and path template
/// ([`operations::ALL`], and a constant per operation such as [`operations::GET_VERIFICATION`]).
/// The wrapper, the fake and the tests take names and paths from here, so that nothing keeps
/// them in step by hand: the fake builds its `Operation` enum with [`for_each_operation!`], and
/// each entry's `call` names the generated method that sends it, which the wrapper checks
/// through [`RequestHooks::expect_operation`].
#[rustfmt::skip]
#[allow(missing_docs, clippy::all, clippy::pedantic)]
#[path = "generated_operations.rs"]
pub mod operations;
pub use hooks::{BodyTooLarge, RequestHooks, ResponseHead};

/// Typed httpmock helpers for every operation, generated from the same spec.
///
/// `use beeper_verification_client::mock::MockServerExt;` gives `httpmock::MockServer` one method
/// per operation (`server.get_verification(|when, then| ...)`) with typed `when` and `then`.
#[cfg(feature = "mock")]
#[rustfmt::skip]
#[allow(
    missing_docs,
    missing_debug_implementations,
    unused_imports,
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used,
    rustdoc::all
)]
#[path = "generated_mock.rs"]
pub mod mock;
