//! The API's operations, by the operationIds of `openapi/beeper-verification.yaml`: what a fault
//! applies to and what a recorded request addressed.

use crate::names::named_enum;

named_enum! {
    /// One of the API's operations, named by its operationId in the spec. Used to aim a
    /// [`Fault`](crate::Fault) at one operation, to pick requests out of the record
    /// ([`FakeServer::requests_for`](crate::FakeServer::requests_for)), and in each
    /// [`RecordedRequest`](crate::RecordedRequest).
    ///
    /// Over HTTP (`POST /_fake/faults`, `GET /_fake/requests`) it is the operationId string;
    /// parse one with [`str::parse`]:
    ///
    /// ```
    /// use beeper_verification_fake::Operation;
    ///
    /// assert_eq!("confirmVerificationSas".parse(), Ok(Operation::ConfirmVerificationSas));
    /// let typo = "confirmVerificationSass".parse::<Operation>().unwrap_err();
    /// assert!(typo.to_string().contains("unknown operation `confirmVerificationSass`"));
    /// ```
    pub enum Operation("operation") {
        /// `GET /v1/app/setup`
        GetSetup = "getSetup",
        /// `GET /v1/app/setup/verifications`
        ListVerifications = "listVerifications",
        /// `POST /v1/app/setup/verifications`
        CreateVerification = "createVerification",
        /// `GET /v1/app/setup/verifications/{verificationID}`
        GetVerification = "getVerification",
        /// `POST /v1/app/setup/verifications/{verificationID}/accept`
        AcceptVerification = "acceptVerification",
        /// `POST /v1/app/setup/verifications/{verificationID}/cancel`
        CancelVerification = "cancelVerification",
        /// `POST /v1/app/setup/verifications/qr/scan`
        ScanVerificationQr = "scanVerificationQr",
        /// `POST /v1/app/setup/verifications/{verificationID}/qr/confirm-scanned`
        ConfirmVerificationQrScanned = "confirmVerificationQrScanned",
        /// `POST /v1/app/setup/verifications/{verificationID}/sas/start`
        StartVerificationSas = "startVerificationSas",
        /// `POST /v1/app/setup/verifications/{verificationID}/sas/confirm`
        ConfirmVerificationSas = "confirmVerificationSas",
    }
}

impl Operation {
    /// The operation a request addresses, from its method and path (`None` for the fake's own
    /// controls and for routes the API does not have).
    pub(crate) fn of(method: &str, path: &str) -> Option<Self> {
        let rest = path.strip_prefix("/v1/app/setup")?;
        let segments: Vec<&str> = rest.split('/').skip(1).collect();
        Some(match (method, segments.as_slice()) {
            ("GET", []) => Self::GetSetup,
            ("GET", ["verifications"]) => Self::ListVerifications,
            ("POST", ["verifications"]) => Self::CreateVerification,
            ("POST", ["verifications", "qr", "scan"]) => Self::ScanVerificationQr,
            ("GET", ["verifications", _]) => Self::GetVerification,
            ("POST", ["verifications", _, "accept"]) => Self::AcceptVerification,
            ("POST", ["verifications", _, "cancel"]) => Self::CancelVerification,
            ("POST", ["verifications", _, "qr", "confirm-scanned"]) => {
                Self::ConfirmVerificationQrScanned
            }
            ("POST", ["verifications", _, "sas", "start"]) => Self::StartVerificationSas,
            ("POST", ["verifications", _, "sas", "confirm"]) => Self::ConfirmVerificationSas,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Operation;

    #[test]
    fn requests_are_named_by_their_operation() {
        assert_eq!(
            Operation::of("GET", "/v1/app/setup"),
            Some(Operation::GetSetup)
        );
        assert_eq!(
            Operation::of("POST", "/v1/app/setup/verifications/qr/scan"),
            Some(Operation::ScanVerificationQr)
        );
        assert_eq!(
            Operation::of("GET", "/v1/app/setup/verifications/qr"),
            Some(Operation::GetVerification)
        );
        assert_eq!(
            Operation::of("POST", "/v1/app/setup/verifications/a%2Fb/sas/confirm"),
            Some(Operation::ConfirmVerificationSas)
        );
        assert_eq!(Operation::of("DELETE", "/v1/app/setup"), None);
        assert_eq!(Operation::of("GET", "/_fake/requests"), None);
    }

    #[test]
    fn every_operation_round_trips_through_its_name() {
        assert_eq!(Operation::ALL.len(), 10);
        for operation in Operation::ALL {
            assert_eq!(operation.as_str().parse(), Ok(*operation));
            let json = serde_json::to_string(operation).unwrap_or_default();
            assert_eq!(json, format!("\"{operation}\""));
        }
    }

    #[test]
    fn the_spec_has_exactly_these_operations() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../openapi/beeper-verification.yaml"
        );
        let spec = std::fs::read_to_string(path).unwrap_or_default();
        let in_spec: Vec<&str> = spec
            .lines()
            .filter_map(|line| line.trim().strip_prefix("operationId:"))
            .map(str::trim)
            .collect();
        let ours: Vec<&str> = Operation::ALL.iter().map(|o| o.as_str()).collect();
        assert_eq!(in_spec, ours, "the spec's operationIds, in order");
    }
}
