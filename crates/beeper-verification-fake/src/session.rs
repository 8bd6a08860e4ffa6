//! The app's sign-in and encrypted messaging setup state, `session.state`, and what the
//! session reports with it: each state's `e2ee` flags and `matrix` account follow from the state,
//! so that no combination is one a real app could not be in.

use beeper_verification_client::types as wire;

use crate::names::named_enum;

named_enum! {
    /// The session's `state`: where the app is in signing in and setting up encrypted
    /// messaging, listed in the order the app goes through them. The session's `e2ee` flags and
    /// `matrix` account follow from it:
    ///
    /// | state | `matrix` | `initialized` | `crossSigning`, `secretStorage`, `keyBackup`, `hasBackedUpRecoveryKey` | `verified` | `secrets.*` | `firstSyncDone` |
    /// | --- | --- | --- | --- | --- | --- | --- |
    /// | `needs-login` | absent | false | false | false | false | false |
    /// | `initializing` | present | false | false | false | false | false |
    /// | `needs-cross-signing-setup` | present | true | false | false | false | false |
    /// | `needs-verification` | present | true | true | false | false | false |
    /// | `needs-secrets` | present | true | true | true | false | false |
    /// | `needs-first-sync` | present | true | true | true | true | false |
    /// | `ready` | present | true | true | true | true | true | Set it with [`FakeServerBuilder::session_state`](crate::FakeServerBuilder::session_state),
    /// [`FakeServer::set_session_state`](crate::FakeServer::set_session_state) or
    /// `PUT /_fake/session`.
    pub enum FakeSessionState("session state") {
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

/// This device's ID and the signed-in user, as the fake reports them.
const THIS_DEVICE_ID: &str = "THISDEVICE";
const USER_ID: &str = "@fake-user:beeper.com";

impl FakeSessionState {
    /// The signed-in account; none while signed out.
    pub(crate) fn account(self) -> Option<wire::MatrixAccount> {
        (self != Self::NeedsLogin).then(|| wire::MatrixAccount {
            device_id: THIS_DEVICE_ID.to_owned(),
            homeserver: "https://matrix.beeper.com".to_owned(),
            user_id: USER_ID.to_owned(),
        })
    }

    /// The encrypted messaging flags of this state (the table on [`FakeSessionState`]). Each state
    /// has what the ones before it achieved, so the flags follow from the order of the states.
    pub(crate) fn e2ee(self) -> wire::E2ee {
        let initialized = self >= Self::NeedsCrossSigningSetup;
        let cross_signing = self >= Self::NeedsVerification;
        let verified = self >= Self::NeedsSecrets;
        let secrets = self >= Self::NeedsFirstSync;
        wire::E2ee {
            initialized,
            cross_signing,
            secret_storage: cross_signing,
            key_backup: cross_signing,
            has_backed_up_recovery_key: cross_signing,
            recovery_key_generated_at: cross_signing.then_some(1_700_000_000_000.0),
            verified,
            secrets: wire::E2eeSecrets {
                master_key: secrets,
                megolm_backup_key: secrets,
                recovery_key: secrets,
                self_signing_key: secrets,
                user_signing_key: secrets,
            },
            first_sync_done: self == Self::Ready,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::FakeSessionState;

    #[test]
    fn each_state_reports_what_it_has_achieved() {
        use FakeSessionState::*;
        // (state, signed in, initialized, cross-signing, verified, secrets, first sync)
        let table = [
            (NeedsLogin, false, false, false, false, false, false),
            (Initializing, true, false, false, false, false, false),
            (
                NeedsCrossSigningSetup,
                true,
                true,
                false,
                false,
                false,
                false,
            ),
            (NeedsVerification, true, true, true, false, false, false),
            (NeedsSecrets, true, true, true, true, false, false),
            (NeedsFirstSync, true, true, true, true, true, false),
            (Ready, true, true, true, true, true, true),
        ];
        assert_eq!(table.len(), FakeSessionState::ALL.len());
        for (state, signed_in, initialized, cross_signing, verified, secrets, synced) in table {
            let e2ee = state.e2ee();
            let s = &e2ee.secrets;
            let all_secrets = [
                s.master_key,
                s.megolm_backup_key,
                s.recovery_key,
                s.self_signing_key,
                s.user_signing_key,
            ];
            assert_eq!(
                (
                    state.account().is_some(),
                    e2ee.initialized,
                    e2ee.cross_signing,
                    e2ee.verified,
                    all_secrets,
                    e2ee.first_sync_done
                ),
                (
                    signed_in,
                    initialized,
                    cross_signing,
                    verified,
                    [secrets; 5],
                    synced
                ),
                "{state}"
            );
            assert_eq!(
                [
                    e2ee.secret_storage,
                    e2ee.key_backup,
                    e2ee.has_backed_up_recovery_key
                ],
                [cross_signing; 3],
                "{state}"
            );
            assert_eq!(
                e2ee.recovery_key_generated_at.is_some(),
                cross_signing,
                "{state}"
            );
        }
    }
}
