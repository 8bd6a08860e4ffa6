//! The verification endpoints, named as the official SDKs name them
//! (`client.app.setup.verifications.*` there, `client.verifications()` here).

use std::str::FromStr;

use crate::request::Operation;
use crate::{
    CancelVerification, Client, CreateVerification, Error, Verification, VerificationResponse, id,
};

const VERIFICATIONS: &str = "/v1/app/setup/verifications";

/// The verification endpoints; get one with [`Client::verifications`].
#[derive(Clone, Copy, Debug)]
pub struct VerificationsApi<'a> {
    client: &'a Client,
}

/// The QR code steps; get one with [`VerificationsApi::qr`].
#[derive(Clone, Copy, Debug)]
pub struct QrApi<'a> {
    client: &'a Client,
}

/// The emoji comparison (SAS) steps; get one with [`VerificationsApi::sas`].
#[derive(Clone, Copy, Debug)]
pub struct SasApi<'a> {
    client: &'a Client,
}

/// Checks `raw` and turns it into the generated client's ID type for one operation.
fn wire_id<T: FromStr>(raw: &str) -> Result<T, Error> {
    let checked = id::check(raw)?;
    checked.parse().map_err(|_| Error::InvalidId {
        id: raw.to_owned(),
        reason: "it is empty",
    })
}

/// The path of an action on one verification, as sent.
pub(crate) fn path(id: &str, action: &str) -> String {
    format!("{VERIFICATIONS}/{}{action}", id::path_segment(id))
}

impl<'a> VerificationsApi<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// The QR code steps: scan another device's code, confirm that ours was scanned.
    pub fn qr(&self) -> QrApi<'a> {
        QrApi {
            client: self.client,
        }
    }

    /// The emoji comparison steps: start, confirm.
    pub fn sas(&self) -> SasApi<'a> {
        SasApi {
            client: self.client,
        }
    }

    /// Pending and active verifications (`GET /v1/app/setup/verifications`).
    pub async fn list(&self) -> Result<Vec<Verification>, Error> {
        let op = Operation::read("listVerifications", VERIFICATIONS.to_owned());
        let list = self
            .client
            .call(op, |c| async move { c.list_verifications().await })
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
    /// if let Some(verification) = started.verification {
    ///     println!("started {}; now {}", verification.id, verification.state);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(&self, params: CreateVerification) -> Result<VerificationResponse, Error> {
        let op = Operation::action("createVerification", VERIFICATIONS.to_owned());
        let body = params.into();
        let response = self
            .client
            .call(op, |c| {
                let body = &body;
                async move { c.create_verification(body).await }
            })
            .await?;
        Ok(response.into())
    }

    /// The current state of one verification (`GET .../verifications/{id}`).
    pub async fn retrieve(&self, id: impl AsRef<str>) -> Result<VerificationResponse, Error> {
        let id = id.as_ref();
        let wire = wire_id(id)?;
        let op = Operation::read("getVerification", path(id, ""));
        let response = self
            .client
            .call(op, |c| {
                let wire = &wire;
                async move { c.get_verification(wire).await }
            })
            .await?;
        Ok(response.into())
    }

    /// Accepts an incoming verification request (`POST .../verifications/{id}/accept`).
    pub async fn accept(&self, id: impl AsRef<str>) -> Result<VerificationResponse, Error> {
        let id = id.as_ref();
        let wire = wire_id(id)?;
        let op = Operation::action("acceptVerification", path(id, "/accept"));
        let response = self
            .client
            .call(op, |c| {
                let wire = &wire;
                async move { c.accept_verification(wire).await }
            })
            .await?;
        Ok(response.into())
    }

    /// Cancels a verification (`POST .../verifications/{id}/cancel`).
    /// `CancelVerification::default()` sends `{}`; see also
    /// [`CancelVerification::mismatched_sas`] and [`CancelVerification::by_user`].
    pub async fn cancel(
        &self,
        id: impl AsRef<str>,
        params: CancelVerification,
    ) -> Result<VerificationResponse, Error> {
        let id = id.as_ref();
        let wire = wire_id(id)?;
        let op = Operation::action("cancelVerification", path(id, "/cancel"));
        let body = params.into();
        let response = self
            .client
            .call(op, |c| {
                let (wire, body) = (&wire, &body);
                async move { c.cancel_verification(wire, body).await }
            })
            .await?;
        Ok(response.into())
    }
}

impl QrApi<'_> {
    /// Submits the QR code payload scanned from another device
    /// (`POST /v1/app/setup/verifications/qr/scan`).
    pub async fn scan(&self, data: impl Into<String>) -> Result<VerificationResponse, Error> {
        let op = Operation::action("scanVerificationQr", format!("{VERIFICATIONS}/qr/scan"));
        let body = beeper_verification_client::types::QrScanRequest { data: data.into() };
        let response = self
            .client
            .call(op, |c| {
                let body = &body;
                async move { c.scan_verification_qr(body).await }
            })
            .await?;
        Ok(response.into())
    }

    /// Confirms that the other device scanned this device's QR code
    /// (`POST .../verifications/{id}/qr/confirm-scanned`).
    pub async fn confirm_scanned(
        &self,
        id: impl AsRef<str>,
    ) -> Result<VerificationResponse, Error> {
        let id = id.as_ref();
        let wire = wire_id(id)?;
        let op = Operation::action(
            "confirmVerificationQrScanned",
            path(id, "/qr/confirm-scanned"),
        );
        let response = self
            .client
            .call(op, |c| {
                let wire = &wire;
                async move { c.confirm_verification_qr_scanned(wire).await }
            })
            .await?;
        Ok(response.into())
    }
}

impl SasApi<'_> {
    /// Starts the emoji comparison (`POST .../verifications/{id}/sas/start`).
    pub async fn start(&self, id: impl AsRef<str>) -> Result<VerificationResponse, Error> {
        let id = id.as_ref();
        let wire = wire_id(id)?;
        let op = Operation::action("startVerificationSas", path(id, "/sas/start"));
        let response = self
            .client
            .call(op, |c| {
                let wire = &wire;
                async move { c.start_verification_sas(wire).await }
            })
            .await?;
        Ok(response.into())
    }

    /// Confirms that the emoji (or numbers) match on both devices
    /// (`POST .../verifications/{id}/sas/confirm`). Call it only after a person compared them.
    pub async fn confirm(&self, id: impl AsRef<str>) -> Result<VerificationResponse, Error> {
        let id = id.as_ref();
        let wire = wire_id(id)?;
        let op = Operation::action("confirmVerificationSas", path(id, "/sas/confirm"));
        let response = self
            .client
            .call(op, |c| {
                let wire = &wire;
                async move { c.confirm_verification_sas(wire).await }
            })
            .await?;
        Ok(response.into())
    }
}
