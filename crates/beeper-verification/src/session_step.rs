//! What the device needs next, from the session: the journey from signed out to trusted, as
//! [`Verification::next_step`](crate::Verification::next_step) is for one verification.

use crate::{Session, SessionState, Verification};

/// What the device needs now, from [`Session::next_step`]: the screen a setup UI shows next.
///
/// | `session.state` | step |
/// | --- | --- |
/// | `needs-login` | [`SignIn`](Self::SignIn) |
/// | `initializing`, `needs-first-sync` | [`Wait`](Self::Wait) |
/// | `needs-verification` | [`VerifyThisDevice`](Self::VerifyThisDevice), with the verification in progress, if any |
/// | `needs-secrets` | [`EnterRecoveryKey`](Self::EnterRecoveryKey) |
/// | `needs-cross-signing-setup` | [`ResetRecoveryKey`](Self::ResetRecoveryKey) |
/// | `ready` | [`Ready`](Self::Ready) |
/// | any other | [`Unknown`](Self::Unknown) |
///
/// This is how the official CLI maps the states; which calls the server allows in which state
/// is not documented.
///
/// ```
/// use beeper_verification::{Session, SessionStep};
///
/// fn screen(session: &Session) -> &'static str {
///     match session.next_step() {
///         SessionStep::SignIn => "Sign in with your email",
///         SessionStep::Wait(_) => "Setting up encrypted messaging...",
///         SessionStep::VerifyThisDevice { .. } => "Verify with another device, or your recovery key",
///         SessionStep::EnterRecoveryKey => "Enter your recovery key",
///         SessionStep::ResetRecoveryKey => "Make a new recovery key",
///         SessionStep::Ready => "Ready",
///         _ => "Waiting...",
///     }
/// }
/// # let session: Session = serde_json::from_str(r#"{"state": "needs-secrets", "e2ee": {"crossSigning": true,
/// #   "firstSyncDone": false, "hasBackedUpRecoveryKey": true, "initialized": true, "keyBackup": true,
/// #   "secrets": {"masterKey": false, "megolmBackupKey": false, "recoveryKey": false, "selfSigningKey": false,
/// #   "userSigningKey": false}, "secretStorage": true, "verified": true}}"#).unwrap();
/// # assert_eq!(screen(&session), "Enter your recovery key");
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum SessionStep {
    /// Nobody is signed in: sign in first.
    SignIn,
    /// The app is busy (starting encrypted messaging, or its first sync): wait for the session
    /// to change. Holds the state waited on.
    Wait(SessionState),
    /// This device must be verified: with another signed-in device (emoji or QR), or with the
    /// recovery key.
    #[non_exhaustive]
    VerifyThisDevice {
        /// The verification in progress, if any: resume it rather than start another.
        verification: Option<Box<Verification>>,
    },
    /// The device is trusted but lacks the encryption secrets: enter the recovery key.
    EnterRecoveryKey,
    /// The account has no usable recovery key (no cross-signing yet): make a new one
    /// ([`RecoveryKeyApi::reset`](crate::RecoveryKeyApi::reset)), which cannot be undone.
    ResetRecoveryKey,
    /// Setup is complete: this device is trusted.
    Ready,
    /// A state this crate does not know; wait, or show the state.
    Unknown(SessionState),
}

impl SessionStep {
    /// Whether the device is ready.
    pub fn is_ready(&self) -> bool {
        matches!(self, Self::Ready)
    }
}

impl Session {
    /// What the device needs now; see [`SessionStep`] for the rules, in a table.
    pub fn next_step(&self) -> SessionStep {
        match self.state {
            SessionState::NeedsLogin => SessionStep::SignIn,
            SessionState::Initializing | SessionState::NeedsFirstSync => {
                SessionStep::Wait(self.state.clone())
            }
            SessionState::NeedsVerification => SessionStep::VerifyThisDevice {
                verification: self
                    .verification
                    .clone()
                    .filter(|v| !v.is_terminal())
                    .map(Box::new),
            },
            SessionState::NeedsSecrets => SessionStep::EnterRecoveryKey,
            SessionState::NeedsCrossSigningSetup => SessionStep::ResetRecoveryKey,
            SessionState::Ready => SessionStep::Ready,
            _ => SessionStep::Unknown(self.state.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(state: &str) -> Session {
        serde_json::from_value(serde_json::json!({
            "state": state,
            "e2ee": {"crossSigning": false, "firstSyncDone": false, "hasBackedUpRecoveryKey": false,
                "initialized": false, "keyBackup": false, "secretStorage": false, "verified": false,
                "secrets": {"masterKey": false, "megolmBackupKey": false, "recoveryKey": false,
                    "selfSigningKey": false, "userSigningKey": false}}
        }))
        .expect("a session")
    }

    #[test]
    fn every_row_of_the_table() {
        assert_eq!(session("needs-login").next_step(), SessionStep::SignIn);
        assert_eq!(
            session("initializing").next_step(),
            SessionStep::Wait(SessionState::Initializing)
        );
        assert_eq!(
            session("needs-first-sync").next_step(),
            SessionStep::Wait(SessionState::NeedsFirstSync)
        );
        assert_eq!(
            session("needs-verification").next_step(),
            SessionStep::VerifyThisDevice { verification: None }
        );
        assert_eq!(
            session("needs-secrets").next_step(),
            SessionStep::EnterRecoveryKey
        );
        assert_eq!(
            session("needs-cross-signing-setup").next_step(),
            SessionStep::ResetRecoveryKey
        );
        assert_eq!(session("ready").next_step(), SessionStep::Ready);
        let unknown = session("needs-coffee").next_step();
        assert!(matches!(&unknown, SessionStep::Unknown(s) if s.as_str() == "needs-coffee"));
    }
}
