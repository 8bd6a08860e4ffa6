//! The verification endpoints that are not about one verification: list, create, and scan
//! another device's QR code. Everything about one verification (get it, act on it, wait for
//! it) is on its [`VerificationHandle`](crate::VerificationHandle).

use std::str::FromStr;

use crate::model::VerificationResponse;
use crate::request::Operation;
use crate::{Client, CreateVerification, Error, Verification, id};
use beeper_verification_client::operations as ops;

/// The verification endpoints that are not about one verification; get one with
/// [`Client::verifications`].
#[derive(Clone, Copy, Debug)]
pub struct VerificationsApi<'a> {
    client: &'a Client,
}

/// Checks `raw` and turns it into the generated client's ID type for one operation.
pub(crate) fn wire_id<T>(raw: &str) -> Result<T, Error>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    let checked = id::check(raw)?;
    checked.parse().map_err(|e: T::Err| Error::InvalidId {
        id: raw.to_owned(),
        // What the spec's constraints, as the generated type checks them, said.
        reason: e.to_string(),
    })
}

/// The verification a response is about: its `verification`, or else the session's when that
/// is the one (`expected`, when known). A response without one, or about another verification
/// than the one asked about, is not what the API documents: [`Error::InvalidResponse`].
pub(crate) fn verification_of(
    response: VerificationResponse,
    expected: Option<&str>,
    op: &Operation,
) -> Result<Verification, Error> {
    let Some(expected) = expected else {
        return response
            .verification
            .ok_or_else(|| Error::missing_verification(op.method, op.path.clone()));
    };
    match response.verification {
        Some(other) if other.id != expected => Err(Error::other_verification(
            op.method,
            op.path.clone(),
            expected,
            &other.id,
        )),
        Some(verification) => Ok(verification),
        None => response
            .session
            .verification
            .filter(|v| v.id == expected)
            .ok_or_else(|| Error::missing_verification(op.method, op.path.clone())),
    }
}

impl<'a> VerificationsApi<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// Pending and active verifications (`GET /v1/app/setup/verifications`).
    pub async fn list(&self) -> Result<Vec<Verification>, Error> {
        self.get_list(Operation::of(&ops::LIST_VERIFICATIONS, None))
            .await
    }

    /// The list, sent once: a waiter's poll.
    pub(crate) async fn poll_list(&self) -> Result<Vec<Verification>, Error> {
        let op = Operation::of(&ops::LIST_VERIFICATIONS, None).without_retries();
        self.get_list(op).await
    }

    async fn get_list(&self, op: Operation) -> Result<Vec<Verification>, Error> {
        let list = self
            .client
            .call(&op, |c| async move { c.list_verifications().await })
            .await?;
        Ok(list.items.into_iter().map(Into::into).collect())
    }

    /// Starts verifying this device from another signed-in device
    /// (`POST /v1/app/setup/verifications`). `CreateVerification::default()` sends `{}`.
    ///
    /// ```no_run
    /// # async fn run(client: beeper_verification::Client) -> Result<(), beeper_verification::Error> {
    /// use beeper_verification::{CreateVerification, Purpose};
    ///
    /// let started = client
    ///     .verifications()
    ///     .create(CreateVerification::default().purpose(Purpose::Device))
    ///     .await?;
    /// println!("started {}; now {}", started.id, started.state);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(&self, params: CreateVerification) -> Result<Verification, Error> {
        let op = Operation::of(&ops::CREATE_VERIFICATION, None);
        let body = params.into();
        let response = self
            .client
            .call(&op, |c| {
                let body = &body;
                async move { c.create_verification(body).await }
            })
            .await?;
        verification_of(response.into(), None, &op)
    }

    /// Submits the QR code payload this device's camera read from the other device
    /// (`POST /v1/app/setup/verifications/qr/scan`), and returns the verification it belongs
    /// to.
    pub async fn scan_qr(&self, data: impl Into<String>) -> Result<Verification, Error> {
        let op = Operation::of(&ops::SCAN_VERIFICATION_QR, None);
        let body = beeper_verification_client::types::QrScanRequest { data: data.into() };
        let response = self
            .client
            .call(&op, |c| {
                let body = &body;
                async move { c.scan_verification_qr(body).await }
            })
            .await?;
        let scanned = verification_of(response.into(), None, &op)?;
        self.client.inner.feeds.publish_verification(&scanned);
        Ok(scanned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_the_generated_check_refuses_says_what_that_check_said() {
        // A wire type whose check fails for a reason of its own (here: not a number).
        match wire_id::<std::num::NonZeroU8>("abc") {
            Err(Error::InvalidId { id, reason, .. }) => {
                assert_eq!(id, "abc");
                assert_eq!(reason, "invalid digit found in string");
            }
            other => panic!("expected InvalidId, got {other:?}"),
        }
        // Our own check still comes first.
        match wire_id::<String>("") {
            Err(Error::InvalidId { reason, .. }) => assert_eq!(reason, "it is empty"),
            other => panic!("expected InvalidId, got {other:?}"),
        }
    }
}
