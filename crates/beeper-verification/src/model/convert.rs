//! The one place where the generated wire types become this crate's models. A regeneration that
//! renames or retypes a field stops compiling here, and nowhere else.

use beeper_verification_client::types as wire;

use super::{
    CancelInfo, CancelVerification, CreateVerification, E2ee, MatrixAccount, OtherDevice, Qr, Sas,
    Secrets, Session, Verification,
};
use crate::sas::SasText;

impl From<wire::AppStateSnapshot> for Session {
    fn from(w: wire::AppStateSnapshot) -> Self {
        Self {
            state: w.state.0.into(),
            e2ee: w.e2ee.into(),
            matrix: w.matrix.map(Into::into),
            verification: w.verification.map(Into::into),
        }
    }
}

impl From<wire::E2ee> for E2ee {
    fn from(w: wire::E2ee) -> Self {
        Self {
            cross_signing: w.cross_signing,
            first_sync_done: w.first_sync_done,
            has_backed_up_recovery_key: w.has_backed_up_recovery_key,
            initialized: w.initialized,
            key_backup: w.key_backup,
            secrets: w.secrets.into(),
            secret_storage: w.secret_storage,
            verified: w.verified,
            recovery_key_generated_at: w.recovery_key_generated_at,
        }
    }
}

impl From<wire::E2eeSecrets> for Secrets {
    fn from(w: wire::E2eeSecrets) -> Self {
        Self {
            master_key: w.master_key,
            megolm_backup_key: w.megolm_backup_key,
            recovery_key: w.recovery_key,
            self_signing_key: w.self_signing_key,
            user_signing_key: w.user_signing_key,
        }
    }
}

impl From<wire::MatrixAccount> for MatrixAccount {
    fn from(w: wire::MatrixAccount) -> Self {
        Self {
            device_id: w.device_id.into(),
            homeserver: w.homeserver,
            user_id: w.user_id.into(),
        }
    }
}

impl From<wire::Verification> for Verification {
    fn from(w: wire::Verification) -> Self {
        Self {
            id: w.id.into(),
            available_actions: w
                .available_actions
                .into_iter()
                .map(|a| a.0.into())
                .collect(),
            direction: w.direction.0.into(),
            methods: w.methods.into_iter().map(|m| m.0.into()).collect(),
            purpose: w.purpose.0.into(),
            state: w.state.0.into(),
            error: w.error.map(|e| CancelInfo {
                code: e.code.into(),
                reason: e.reason,
            }),
            other_device: w.other_device.map(|d| OtherDevice {
                id: d.id.into(),
                name: d.name,
            }),
            other_user_id: w.other_user_id.map(Into::into),
            qr: w.qr.map(|q| Qr { data: q.data }),
            sas: w.sas.map(|s| {
                Sas::from(SasText {
                    emojis: s.emojis,
                    decimals: s.decimals,
                })
            }),
        }
    }
}

/// What the verification endpoints answer: the session after the call, and the verification
/// it concerns. The session is kept for the rare answer that carries the verification only in
/// `session.verification`.
pub(crate) struct VerificationResponse {
    pub session: Session,
    pub verification: Option<Verification>,
}

impl From<wire::VerificationSessionResponse> for VerificationResponse {
    fn from(w: wire::VerificationSessionResponse) -> Self {
        Self {
            session: w.session.into(),
            verification: w.verification.map(Into::into),
        }
    }
}

impl From<CreateVerification> for wire::CreateVerificationRequest {
    fn from(p: CreateVerification) -> Self {
        Self {
            purpose: p
                .purpose
                .map(|p| wire::VerificationPurpose(p.as_str().to_owned())),
            user_id: p.user_id.map(String::from),
        }
    }
}

impl From<CancelVerification> for wire::CancelVerificationRequest {
    fn from(p: CancelVerification) -> Self {
        Self {
            code: p.code.map(|c| c.as_str().to_owned()),
            reason: p.reason,
        }
    }
}
