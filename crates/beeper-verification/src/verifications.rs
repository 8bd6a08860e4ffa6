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
pub(crate) fn wire_id<T: FromStr>(raw: &str) -> Result<T, Error> {
    let checked = id::check(raw)?;
    checked.parse().map_err(|_| Error::InvalidId {
        id: raw.to_owned(),
        reason: "it is empty",
    })
}

/// The verification a response is about: its `verification`, or else the session's when that
/// is the one (`expected`, when known). A response about a verification that has neither is
/// not what the API documents.
pub(crate) fn verification_of(
    response: VerificationResponse,
    expected: Option<&str>,
    op: &Operation,
) -> Result<Verification, Error> {
    let from_session = response
        .session
        .verification
        .filter(|v| expected.is_none_or(|id| v.id == id));
    response
        .verification
        .or(from_session)
        .ok_or_else(|| Error::missing_verification(op.method, op.path.clone()))
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
    ///     .create(CreateVerification { purpose: Some(Purpose::Device), ..Default::default() })
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
