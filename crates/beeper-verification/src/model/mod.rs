//! The typed models this crate owns: what the API sends and takes, with public snake_case
//! fields that mirror the wire objects. They serialize to the exact wire JSON (camelCase field
//! names), so a program can print or store what the API said.
//!
//! Response types are `#[non_exhaustive]`: the API may add fields, and this crate may add them
//! here without a breaking change. Request types are plain structs with `Default`.

mod convert;

pub(crate) use convert::VerificationResponse;
mod enums;

use serde::{Deserialize, Serialize};

pub use enums::{
    Action, CancelCode, Direction, Method, Purpose, SessionState, SignInMethod, UnknownValue,
    VerificationState,
};

use crate::{DeviceId, Emoji, UserId, VerificationId};

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
    pub device_id: DeviceId,
    /// The Beeper homeserver URL of this account.
    pub homeserver: String,
    /// The signed-in Beeper user ID.
    #[serde(rename = "userID")]
    pub user_id: UserId,
}

/// A device verification transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Verification {
    /// The verification ID, to act on it with
    /// [`Client::verification`](crate::Client::verification).
    pub id: VerificationId,
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
    pub other_user_id: Option<UserId>,
    /// The QR code to show, once the verification is ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr: Option<Qr>,
    /// The emoji and numbers to compare, once the state is `sas_ready`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sas: Option<Sas>,
}

/// Two verifications look the same to a person when their state, available actions, SAS and QR
/// data and error are the same: what waiters and change streams compare.
pub(crate) fn same_to_a_person(a: &Verification, b: &Verification) -> bool {
    a.state == b.state
        && a.available_actions == b.available_actions
        && a.sas == b.sas
        && a.qr == b.qr
        && a.error == b.error
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
    /// The cancel or error code.
    pub code: CancelCode,
    /// A user-facing message.
    pub reason: String,
}

/// The other device taking part in a verification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct OtherDevice {
    /// Its device ID.
    pub id: DeviceId,
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

/// Emoji and number comparison data (`verification.sas`), parsed once when the response is
/// decoded.
///
/// The API sends the emoji and the numbers as one string each, in a format it does not
/// document. [`emojis`](Self::emojis) holds the seven emoji when that string reads as seven
/// (each with its name from the Matrix table), and [`decimals`](Self::decimals) the three
/// numbers when they read as three. The strings themselves stay in
/// [`emojis_text`](Self::emojis_text) and [`decimals_text`](Self::decimals_text), so that a
/// format this crate cannot read can still be shown for the person to compare: it never blocks
/// a verification. It serializes to the wire JSON, `{"emojis": "...", "decimals": "..."}`.
///
/// ```
/// use beeper_verification::Sas;
///
/// let sas: Sas = serde_json::from_str(
///     r#"{"emojis": "🐶 🐱 🦁 🐎 🦄 🐷 🐘", "decimals": "1234 5678 9012"}"#,
/// )?;
/// let emojis = sas.emojis.as_ref().expect("seven emoji");
/// assert_eq!(emojis[0].symbol, "🐶");
/// assert_eq!(emojis[0].description, Some("Dog"));
/// assert_eq!(sas.decimals, Some([1234, 5678, 9012]));
/// assert_eq!(
///     sas.to_string(),
///     "🐶 Dog, 🐱 Cat, 🦁 Lion, 🐎 Horse, 🦄 Unicorn, 🐷 Pig, 🐘 Elephant (1234 5678 9012)"
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "crate::sas::SasText", into = "crate::sas::SasText")]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Sas {
    /// The seven emoji to compare, in order, when the server's text reads as seven.
    pub emojis: Option<[Emoji; 7]>,
    /// The three numbers to compare (each from 1000 to 9191), when the server sent numbers that
    /// read as three.
    pub decimals: Option<[u16; 3]>,
    /// The emoji as the server sent them, one string.
    pub emojis_text: String,
    /// The numbers as the server sent them, one string, when it sent them.
    pub decimals_text: Option<String>,
}

/// What to start a verification with, for
/// [`VerificationsApi::create`](crate::VerificationsApi::create) and the guided flows; every
/// field is optional, and `CreateVerification::default()` sends `{}`. Set fields with the
/// setters (fields may be added):
///
/// ```
/// use beeper_verification::{CreateVerification, Purpose};
///
/// let params = CreateVerification::default()
///     .purpose(Purpose::Device)
///     .user_id("@you:beeper.com");
/// assert_eq!(params.purpose, Some(Purpose::Device));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct CreateVerification {
    /// Why the verification is being started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<Purpose>,
    /// The Beeper user ID to verify; defaults to the signed-in user.
    #[serde(default, rename = "userID", skip_serializing_if = "Option::is_none")]
    pub user_id: Option<UserId>,
}

/// How to cancel a verification, for
/// [`VerificationHandle::cancel`](crate::VerificationHandle::cancel); every field is optional,
/// and `CancelVerification::default()` sends `{}`. A [`CancelCode`] converts into one.
///
/// ```no_run
/// # async fn run(handle: beeper_verification::VerificationHandle) -> Result<(), beeper_verification::Error> {
/// use beeper_verification::{CancelCode, CancelVerification};
///
/// handle.cancel(CancelCode::User).await?;
/// handle.cancel(CancelVerification::mismatched_sas()).await?;
/// handle
///     .cancel(CancelVerification::new(CancelCode::User).reason("Changed my mind."))
///     .await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct CancelVerification {
    /// A cancel code, such as [`CancelCode::User`] or [`CancelCode::MismatchedSas`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<CancelCode>,
    /// A reason to show the other device's user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl CreateVerification {
    /// Sets [`purpose`](Self::purpose): why the verification is being started.
    pub fn purpose(mut self, purpose: Purpose) -> Self {
        self.purpose = Some(purpose);
        self
    }

    /// Sets [`user_id`](Self::user_id): the Beeper user to verify (default: the signed-in
    /// user).
    pub fn user_id(mut self, user_id: impl Into<UserId>) -> Self {
        self.user_id = Some(user_id.into());
        self
    }
}

impl CancelVerification {
    /// A cancellation with this code and no reason.
    pub fn new(code: CancelCode) -> Self {
        Self {
            code: Some(code),
            reason: None,
        }
    }

    /// The same, with a reason to show the other device's user.
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// The cancellation to send when the person says the emoji do not match:
    /// [`CancelCode::MismatchedSas`].
    pub fn mismatched_sas() -> Self {
        Self::new(CancelCode::MismatchedSas).reason("The emoji or numbers did not match.")
    }

    /// The cancellation to send when the person gives up: [`CancelCode::User`].
    pub fn by_user(reason: impl Into<String>) -> Self {
        Self::new(CancelCode::User).reason(reason)
    }
}

impl From<CancelCode> for CancelVerification {
    fn from(code: CancelCode) -> Self {
        Self::new(code)
    }
}

#[cfg(all(test, feature = "schemars"))]
mod schema_tests {
    use super::*;

    /// The `schemars` feature describes the wire JSON the models serialize to.
    #[test]
    fn the_schema_of_a_verification_is_the_wire_shape() {
        let schema = serde_json::to_value(schemars::schema_for!(Verification)).expect("json");
        let properties = &schema["properties"];
        for field in [
            "id",
            "availableActions",
            "direction",
            "state",
            "sas",
            "otherUserID",
        ] {
            assert!(properties.get(field).is_some(), "{field}: {schema}");
        }
        let sas = schema["$defs"]["Sas"]["properties"]
            .as_object()
            .map(|p| p.keys().cloned().collect::<Vec<_>>());
        assert_eq!(
            sas,
            Some(vec!["decimals".to_owned(), "emojis".to_owned()]),
            "SAS as the API sends it"
        );
    }
}
