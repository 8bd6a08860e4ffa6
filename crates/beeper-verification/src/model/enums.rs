//! Forward-compatible enums for the string values the API sends.
//!
//! The server may add values at any time (it has before). Every enum here is `#[non_exhaustive]`
//! and has an `Unknown` variant that keeps the raw string, so a value this version has never seen
//! never fails a response and is sent back unchanged.

use std::fmt;

/// A value the server sent that this version of the crate does not know.
///
/// It keeps the raw string (see [`UnknownValue::as_str`]). It cannot be built from a known
/// value, so `Unknown` never stands for a value that has a variant of its own.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownValue(String);

impl UnknownValue {
    /// The raw string the server sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Defines one wire enum: the variants and their exact wire strings, `as_str`, `Display`,
/// infallible `From<&str>`/`From<String>`/`FromStr`, and serde both ways.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident => $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$variant_meta])* $variant, )+
            /// A value this version does not know yet, kept as the server sent it.
            Unknown(UnknownValue),
        }

        impl $name {
            /// Every value this version knows, as its wire string, in the spec's order.
            pub const KNOWN: &'static [&'static str] = &[$($wire),+];

            /// The exact wire string.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Unknown(value) => value.as_str(),
                }
            }

            /// Whether this is a value this version does not know.
            pub fn is_unknown(&self) -> bool {
                matches!(self, Self::Unknown(_))
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $( $wire => Self::$variant, )+
                    other => Self::Unknown(UnknownValue(other.to_owned())),
                }
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                match Self::from(value.as_str()) {
                    Self::Unknown(_) => Self::Unknown(UnknownValue(value)),
                    known => known,
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map(Self::from)
            }
        }

        #[cfg(feature = "schemars")]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                // Open on purpose: values beyond `examples` may appear as the API grows.
                schemars::json_schema!({ "type": "string", "examples": [$($wire),+] })
            }
        }
    };
}

wire_enum! {
    /// Where Beeper Desktop or Beeper Server is in sign-in and encrypted messaging setup
    /// (`session.state`). Device verification is the remedy for [`SessionState::NeedsVerification`].
    SessionState {
        /// Nobody is signed in.
        NeedsLogin => "needs-login",
        /// Signed in; encrypted messaging is starting up.
        Initializing => "initializing",
        /// The account has no cross-signing keys yet.
        NeedsCrossSigningSetup => "needs-cross-signing-setup",
        /// This device must be verified from another signed-in device.
        NeedsVerification => "needs-verification",
        /// This device needs the encryption secrets (a recovery key).
        NeedsSecrets => "needs-secrets",
        /// Waiting for the first encrypted message sync.
        NeedsFirstSync => "needs-first-sync",
        /// Setup is complete.
        Ready => "ready",
    }
}

wire_enum! {
    /// The state of a device verification transaction (`verification.state`).
    ///
    /// The emoji flow goes `Requested → Ready → SasReady → Done`, the QR flow
    /// `Ready → QrScanned → Done`; `Cancelled` and `Error` can follow any live state.
    VerificationState {
        /// The request was sent (outgoing) or received (incoming) and awaits acceptance.
        Requested => "requested",
        /// Both devices are ready; a method can start.
        Ready => "ready",
        /// The emoji (and maybe numbers) are ready to compare (`verification.sas`).
        SasReady => "sas_ready",
        /// The other device scanned this device's QR code; confirm it.
        QrScanned => "qr_scanned",
        /// Verified.
        Done => "done",
        /// Cancelled by either side; `verification.error` says why.
        Cancelled => "cancelled",
        /// Failed locally; `verification.error` says why.
        Error => "error",
    }
}

impl VerificationState {
    /// Whether the verification has ended: `done`, `cancelled` or `error`. An unknown state is
    /// not terminal, so a client keeps watching rather than giving up on a value it cannot read.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Done | Self::Cancelled | Self::Error)
    }
}

wire_enum! {
    /// An action the server allows in a verification's current state
    /// (`verification.availableActions`). Drive a flow from these, not from the state.
    Action {
        /// Accept an incoming request: `POST .../{id}/accept`.
        Accept => "accept",
        /// Cancel: `POST .../{id}/cancel`.
        Cancel => "cancel",
        /// Confirm that the other device scanned this device's QR code:
        /// `POST .../{id}/qr/confirm-scanned`.
        QrConfirmScanned => "qr.confirmScanned",
        /// Start the emoji comparison: `POST .../{id}/sas/start`.
        SasStart => "sas.start",
        /// Confirm that the emoji match: `POST .../{id}/sas/confirm`.
        SasConfirm => "sas.confirm",
    }
}

wire_enum! {
    /// Whether this device started the verification or received it.
    Direction {
        /// Another device asked this one.
        Incoming => "incoming",
        /// This device asked another one.
        Outgoing => "outgoing",
    }
}

wire_enum! {
    /// A verification method supported for a transaction.
    Method {
        /// Scan a QR code.
        Qr => "qr",
        /// Compare emoji or numbers (short authentication string).
        Sas => "sas",
    }
}

wire_enum! {
    /// Why a verification exists.
    Purpose {
        /// Verifying this device as part of signing in.
        Login => "login",
        /// Verifying a device after sign-in.
        Device => "device",
    }
}

wire_enum! {
    /// Why a verification was cancelled: the Matrix cancel codes, sent in
    /// [`CancelVerification`](crate::CancelVerification) and read in
    /// [`CancelInfo`](crate::CancelInfo). Codes outside Matrix (a server's own, in
    /// Java-package style) are kept as [`CancelCode::Unknown`].
    ///
    /// ```
    /// use beeper_verification::{CancelCode, CancelVerification};
    ///
    /// assert_eq!(CancelCode::MismatchedSas.as_str(), "m.mismatched_sas");
    /// assert_eq!(CancelCode::from("m.timeout"), CancelCode::Timeout);
    /// let custom = CancelCode::from("com.example.lost_phone");
    /// assert!(custom.is_unknown() && custom.as_str() == "com.example.lost_phone");
    /// // What a handle's `cancel` takes: a code alone, or with a reason.
    /// let cancel: CancelVerification = CancelCode::User.into();
    /// assert_eq!(serde_json::to_string(&cancel).unwrap(), r#"{"code":"m.user"}"#);
    /// ```
    CancelCode {
        /// The user cancelled.
        User => "m.user",
        /// The verification took too long.
        Timeout => "m.timeout",
        /// The device does not know the transaction.
        UnknownTransaction => "m.unknown_transaction",
        /// The device cannot use the offered method.
        UnknownMethod => "m.unknown_method",
        /// A message came out of order.
        UnexpectedMessage => "m.unexpected_message",
        /// The keys did not match: the verification may be under attack.
        KeyMismatch => "m.key_mismatch",
        /// The user in the verification is not the expected one.
        UserMismatch => "m.user_mismatch",
        /// A message was malformed.
        InvalidMessage => "m.invalid_message",
        /// Another device of the user accepted the request.
        Accepted => "m.accepted",
        /// The emoji or numbers did not match.
        MismatchedSas => "m.mismatched_sas",
        /// The hash commitment did not match.
        MismatchedCommitment => "m.mismatched_commitment",
    }
}

wire_enum! {
    /// A way to sign in that an attempt offers
    /// ([`SignInAttempt::methods`](crate::SignInAttempt::methods)). The API publishes no list;
    /// the official clients only ever use email.
    SignInMethod {
        /// A one-time code mailed to an address
        /// ([`SignInAttempt::send_code`](crate::SignInAttempt::send_code)).
        Email => "email",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_round_trip_through_their_wire_strings() {
        for wire in VerificationState::KNOWN {
            let state = VerificationState::from(*wire);
            assert!(!state.is_unknown(), "{wire}");
            assert_eq!(state.as_str(), *wire);
            assert_eq!(state.to_string(), *wire);
            assert_eq!(
                serde_json::to_string(&state).ok(),
                Some(format!("\"{wire}\""))
            );
        }
        assert_eq!(Action::from("qr.confirmScanned"), Action::QrConfirmScanned);
        assert_eq!(
            SessionState::from("needs-cross-signing-setup"),
            SessionState::NeedsCrossSigningSetup
        );
        assert_eq!(
            CancelCode::from("m.mismatched_sas"),
            CancelCode::MismatchedSas
        );
        assert_eq!(CancelCode::KNOWN.len(), 11);
        assert!(CancelCode::from("org.example.custom").is_unknown());
    }

    #[test]
    fn an_unknown_value_is_kept_and_sent_back_unchanged() {
        let state: VerificationState = serde_json::from_str("\"expired\"").expect("decodes");
        assert!(state.is_unknown());
        assert_eq!(state.as_str(), "expired");
        assert!(!state.is_terminal());
        assert_eq!(
            serde_json::to_string(&state).ok().as_deref(),
            Some("\"expired\"")
        );
        let from_string = Purpose::from(String::from("recovery"));
        assert_eq!(from_string.as_str(), "recovery");
        assert_eq!("login".parse::<Purpose>(), Ok(Purpose::Login));
    }

    #[test]
    fn wire_strings_are_case_sensitive() {
        assert!(Direction::from("Incoming").is_unknown());
        assert!(Method::from("SAS").is_unknown());
    }

    #[test]
    fn terminal_states() {
        let terminal: Vec<_> = VerificationState::KNOWN
            .iter()
            .filter(|w| VerificationState::from(**w).is_terminal())
            .collect();
        assert_eq!(terminal, [&"done", &"cancelled", &"error"]);
    }
}
