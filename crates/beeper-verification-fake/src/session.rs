//! The app's sign-in and encrypted messaging setup state, `session.state`.

use crate::names::named_enum;

named_enum! {
    /// The session's `state`: where the app is in signing in and setting up encrypted
    /// messaging. Set it with [`FakeServerBuilder::session_state`](crate::FakeServerBuilder::session_state),
    /// [`FakeServer::set_session_state`](crate::FakeServer::set_session_state) or
    /// `PUT /_fake/session`.
    pub enum SessionState("session state") {
        /// Signed out.
        NeedsLogin = "needs-login",
        /// Signed in; encrypted messaging is loading.
        Initializing = "initializing",
        /// The account has no cross-signing yet, so no device can be verified.
        NeedsCrossSigningSetup = "needs-cross-signing-setup",
        /// This device must be verified from another one (the fake's default).
        NeedsVerification = "needs-verification",
        /// This device is trusted but lacks the encryption keys (the recovery key brings them).
        NeedsSecrets = "needs-secrets",
        /// Ready but for the first encrypted sync.
        NeedsFirstSync = "needs-first-sync",
        /// Everything is set up.
        Ready = "ready",
    }
}
