//! The recovery key: the third way to trust a device, and the only one without another device;
//! and the way to replace a lost key.

use beeper_verification_client::operations as ops;
use beeper_verification_client::types as wire;

use crate::request::Operation;
use crate::{Client, Error, RecoveryKey, Session};

/// The recovery-key endpoints (`/v1/app/setup/verification/recovery-key…`); get one with
/// [`Client::recovery_key`].
///
/// The API documents neither the states in which these calls are allowed nor their error
/// codes. The fake (`beeper-verification-fake`) answers a key that is not the account's with
/// 400 `INVALID_RECOVERY_KEY`, and a call that makes no sense in the session's state with 409
/// `SESSION_STATE_CONFLICT` (or `NO_PENDING_RESET`): those codes are its choice. Either way the
/// error is [`Error::Api`], whose [`code`](crate::ApiError::code) tells them apart. The key is
/// never part of an error or a log line.
///
/// ```no_run
/// # async fn run(client: beeper_verification::Client) -> Result<(), beeper_verification::Error> {
/// use beeper_verification::RecoveryKey;
///
/// let typed = "EsTc 9bD2 ..."; // what the person typed, never from argv
/// let session = client.recovery_key().verify(&RecoveryKey::new(typed)).await?;
/// println!("now {}", session.state);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct RecoveryKeyApi<'a> {
    client: &'a Client,
}

impl Client {
    /// The recovery-key endpoints: verify this device with the account's recovery key, or
    /// make a new key.
    pub fn recovery_key(&self) -> RecoveryKeyApi<'_> {
        RecoveryKeyApi { client: self }
    }
}

impl<'a> RecoveryKeyApi<'a> {
    /// Unlocks encrypted messages and trusts this device with the account's recovery key
    /// (`POST /v1/app/setup/verification/recovery-key`). Returns the session after it: `ready`,
    /// or on its way there (`needs-first-sync`).
    pub async fn verify(&self, key: &RecoveryKey) -> Result<Session, Error> {
        let op = Operation::of(&ops::VERIFY_RECOVERY_KEY, None).holding_secrets([key]);
        let body = wire::RecoveryKeyRequest {
            recovery_key: key.expose_secret().to_owned(),
        };
        let response = self
            .client
            .call(&op, |c| {
                let body = &body;
                async move { c.verify_recovery_key(body).await }
            })
            .await;
        crate::secret::wipe(body.recovery_key);
        Ok(response?.session.into())
    }

    /// Makes a new recovery key (`POST /v1/app/setup/verification/recovery-key/reset`), to
    /// replace one that is lost; `existing` is the current key, if the person still has it.
    ///
    /// The new key is **not in force** until [`PendingRecoveryKey::confirm`]: show it once,
    /// ask the person to save it, and confirm only when they did. Dropping the pending key
    /// leaves the account's key as it was. Confirming cannot be undone: history protected by
    /// the old key becomes unreadable, and chat networks may need reconnecting (Beeper keeps
    /// no copy of anyone's key).
    ///
    /// ```no_run
    /// # async fn run(client: beeper_verification::Client) -> Result<(), beeper_verification::Error> {
    /// let pending = client.recovery_key().reset(None).await?;
    /// println!("Save this key now: {}", pending.key().expose_secret()); // shown once, on purpose
    /// let saved = true; // ask the person
    /// if saved {
    ///     let session = pending.confirm().await?;
    ///     println!("now {}", session.state);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn reset(&self, existing: Option<&RecoveryKey>) -> Result<PendingRecoveryKey, Error> {
        let op = Operation::of(&ops::RESET_RECOVERY_KEY, None).holding_secrets(existing);
        let body = wire::RecoveryKeyResetRequest {
            existing_recovery_key: existing.map(|k| k.expose_secret().to_owned()),
        };
        let response = self
            .client
            .call(&op, |c| {
                let body = &body;
                async move { c.reset_recovery_key(body).await }
            })
            .await;
        if let Some(existing) = body.existing_recovery_key {
            crate::secret::wipe(existing);
        }
        let response = response?;
        Ok(PendingRecoveryKey {
            client: self.client.clone(),
            key: RecoveryKey::new(response.recovery_key),
            session: response.session.into(),
        })
    }
}

/// A new recovery key that [`RecoveryKeyApi::reset`] made, **not yet in force**: confirm it
/// once the person saved it, or drop it to keep the account's key as it was.
#[derive(Clone)]
#[must_use = "the new key is in force only after confirm()"]
pub struct PendingRecoveryKey {
    client: Client,
    key: RecoveryKey,
    session: Session,
}

impl std::fmt::Debug for PendingRecoveryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingRecoveryKey")
            .field("key", &self.key)
            .field("session", &self.session.state)
            .finish_non_exhaustive()
    }
}

impl PendingRecoveryKey {
    /// The new key, to show the person once.
    pub fn key(&self) -> &RecoveryKey {
        &self.key
    }

    /// The session as the reset left it.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Makes the new key the account's recovery key
    /// (`POST /v1/app/setup/verification/recovery-key/reset/confirm`); from then on the old key
    /// is refused. Cannot be undone. Returns the session after it.
    pub async fn confirm(self) -> Result<Session, Error> {
        let op = Operation::of(&ops::CONFIRM_RECOVERY_KEY_RESET, None).holding_secrets([&self.key]);
        let body = wire::RecoveryKeyRequest {
            recovery_key: self.key.expose_secret().to_owned(),
        };
        let response = self
            .client
            .call(&op, |c| {
                let body = &body;
                async move { c.confirm_recovery_key_reset(body).await }
            })
            .await;
        crate::secret::wipe(body.recovery_key);
        Ok(response?.session.into())
    }
}
