//! The typed models this crate owns: what the API sends and takes, with public snake_case
//! fields that mirror the wire objects. They serialize to the exact wire JSON (camelCase field
//! names), so a program can print or store what the API said.
//!
//! Response types are `#[non_exhaustive]`: the API may add fields, and this crate may add them
//! here without a breaking change. Request types are plain structs with `Default`.

mod convert;
mod enums;

use serde::{Deserialize, Serialize};

pub use enums::{
    Action, Direction, Method, Purpose, SessionState, UnknownValue, VerificationState,
};

/// The app's sign-in and encrypted messaging setup state (`GET /v1/app/setup`, and the
/// `session` of every verification response). The API calls it `AppStateSnapshot`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Session {
    /// Where sign-in and encrypted messaging setup stand.
    pub state: SessionState,
    /// Encrypted messaging setup status.
    pub e2ee: E2ee,
    /// The signed-in account; `None` until sign-in is complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matrix: Option<MatrixAccount>,
    /// The verification in progress, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<Verification>,
}

impl Session {
    /// Whether setup is complete (`state` is `ready`): this device is signed in and trusted.
    pub fn is_ready(&self) -> bool {
        self.state == SessionState::Ready
    }
}

/// Encrypted messaging setup status (`session.e2ee`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct E2ee {
    /// Whether this account can verify trusted devices.
    pub cross_signing: bool,
    /// Whether the first encrypted message sync is complete.
    pub first_sync_done: bool,
    /// Whether the user confirmed that they saved their recovery key.
    pub has_backed_up_recovery_key: bool,
    /// Whether encrypted messaging setup has started.
    pub initialized: bool,
    /// Whether encrypted message backup is available.
    pub key_backup: bool,
    /// Encrypted messaging keys available on this device.
    pub secrets: Secrets,
    /// Whether secure key storage is available.
    pub secret_storage: bool,
    /// Whether this device is trusted for encrypted messages.
    pub verified: bool,
    /// Unix timestamp of when the recovery key was created (the API does not document the unit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_key_generated_at: Option<f64>,
}

/// Encrypted messaging keys available on this device (`session.e2ee.secrets`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Secrets {
    /// Whether the account identity key is available.
    pub master_key: bool,
    /// Whether the encrypted message backup key is available.
    pub megolm_backup_key: bool,
    /// Whether a recovery key is available.
    pub recovery_key: bool,
    /// Whether the device trust key is available.
    pub self_signing_key: bool,
    /// Whether the user trust key is available.
    pub user_signing_key: bool,
}

/// The signed-in account (`session.matrix`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct MatrixAccount {
    /// This device's ID.
    #[serde(rename = "deviceID")]
    pub device_id: String,
    /// The Beeper homeserver URL of this account.
    pub homeserver: String,
    /// The signed-in Beeper user ID.
    #[serde(rename = "userID")]
    pub user_id: String,
}

/// A device verification transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Verification {
    /// The verification ID to pass to the action methods.
    pub id: String,
    /// The actions the server allows in the current state.
    pub available_actions: Vec<Action>,
    /// Whether this device started or received the verification.
    pub direction: Direction,
    /// The methods this transaction supports.
    pub methods: Vec<Method>,
    /// Why this verification exists.
    pub purpose: Purpose,
    /// The current state.
    pub state: VerificationState,
    /// Why the verification stopped, once it is `cancelled` or `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<CancelInfo>,
    /// The other device taking part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_device: Option<OtherDevice>,
    /// The other Beeper user taking part.
    #[serde(
        default,
        rename = "otherUserID",
        skip_serializing_if = "Option::is_none"
    )]
    pub other_user_id: Option<String>,
    /// The QR code to show, once the verification is ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr: Option<Qr>,
    /// The emoji and numbers to compare, once the state is `sas_ready`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sas: Option<Sas>,
}

impl Verification {
    /// Whether the server allows `action` now.
    ///
    /// ```
    /// # use beeper_verification::{Action, Verification};
    /// # fn show(verification: &Verification) {
    /// if verification.can(Action::SasConfirm) {
    ///     // ask the user whether the emoji match
    /// }
    /// # }
    /// ```
    pub fn can(&self, action: Action) -> bool {
        self.available_actions.contains(&action)
    }

    /// Whether the verification has ended (`done`, `cancelled` or `error`).
    pub fn is_terminal(&self) -> bool {
        self.state.is_terminal()
    }
}

/// Why a verification stopped (`verification.error`): a Matrix cancel code such as `m.user`,
/// `m.timeout` or `m.mismatched_sas`, and a reason to show the user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct CancelInfo {
    /// The error or cancel code.
    pub code: String,
    /// A user-facing message.
    pub reason: String,
}

/// The other device taking part in a verification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct OtherDevice {
    /// Its device ID.
    pub id: String,
    /// Its display name, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// QR verification data (`verification.qr`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Qr {
    /// The payload to show as a QR code for the other device to scan.
    pub data: String,
}

/// Emoji and number comparison data (`verification.sas`), as the API sends it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Sas {
    /// The emoji sequence to compare on both devices, as one string.
    pub emojis: String,
    /// The number sequence to compare on both devices, as one string, when negotiated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimals: Option<String>,
}

/// What every verification action returns: the app state after the call and the verification
/// it concerns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct VerificationResponse {
    /// The app state after the call.
    pub session: Session,
    /// The verification, when the call concerned one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<Verification>,
}

/// Parameters of [`VerificationsApi::create`](crate::VerificationsApi::create); every field is
/// optional, and `CreateVerification::default()` sends `{}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct CreateVerification {
    /// Why the verification is being started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<Purpose>,
    /// The Beeper user ID to verify; defaults to the signed-in user.
    #[serde(default, rename = "userID", skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

/// Parameters of [`VerificationsApi::cancel`](crate::VerificationsApi::cancel); every field is
/// optional, and `CancelVerification::default()` sends `{}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct CancelVerification {
    /// A cancel code, such as `m.user` or `m.mismatched_sas`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// A user-facing reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl CancelVerification {
    /// The cancellation to send when the user says the emoji do not match:
    /// code `m.mismatched_sas`.
    pub fn mismatched_sas() -> Self {
        Self {
            code: Some("m.mismatched_sas".to_owned()),
            reason: Some("The emoji or numbers did not match.".to_owned()),
        }
    }

    /// The cancellation to send when the user gives up: code `m.user`.
    pub fn by_user(reason: impl Into<String>) -> Self {
        Self {
            code: Some("m.user".to_owned()),
            reason: Some(reason.into()),
        }
    }
}
