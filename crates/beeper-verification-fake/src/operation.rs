//! The API's operations, by the operationIds of `openapi/beeper-verification.yaml`: what a fault
//! applies to and what a recorded request addressed.

use beeper_verification_client::operations::{self as ops, OperationSpec};

use crate::names::named_enum;

// The fake's `Operation` enum and its `Operation::spec`, from the generated operations table
// (`beeper_verification_client::for_each_operation!`): an operation added to the spec appears
// here at the next `cargo xtask generate`, without a hand edit.
macro_rules! operation_enum {
    ($($variant:ident = $id:literal, $constant:ident, $doc:literal;)*) => {
        named_enum! {
            /// One of the API's operations, named by its operationId in the spec. Used to aim a
            /// [`Fault`](crate::Fault) at one operation, to pick requests out of the record
            /// ([`FakeServer::requests_for`](crate::FakeServer::requests_for)), and in each
            /// [`RecordedRequest`](crate::RecordedRequest).
            ///
            /// Over HTTP (`POST /_fake/faults`, `GET /_fake/requests`) it is the operationId
            /// string; parse one with [`str::parse`]:
            ///
            /// ```
            /// use beeper_verification_fake::Operation;
            ///
            /// assert_eq!("confirmVerificationSas".parse(), Ok(Operation::ConfirmVerificationSas));
            /// let typo = "confirmVerificationSass".parse::<Operation>().unwrap_err();
            /// assert!(typo.to_string().contains("unknown operation `confirmVerificationSass`"));
            /// ```
            ///
            /// Its variants are generated from the spec, in the order of its paths.
            pub enum Operation("operation") {
                $( #[doc = $doc] $variant = $id, )*
            }
        }

        impl Operation {
            /// The operation's operationId, method and path template, from the spec (the
            /// generated client's table): the fake serves each operation at the path the spec
            /// gives it.
            pub fn spec(self) -> &'static OperationSpec {
                match self {
                    $( Self::$variant => &ops::$constant, )*
                }
            }
        }
    };
}

beeper_verification_client::for_each_operation!(operation_enum);

impl Operation {
    /// The operation a request addresses, from its method and path (`None` for the fake's own
    /// controls and for routes the API does not have). Where two templates match (`qr/scan`
    /// and `{verificationID}/...`), the one with more literal segments wins, as in the router.
    pub(crate) fn of(method: &str, path: &str) -> Option<Self> {
        let segments: Vec<&str> = path.split('/').collect();
        Self::ALL
            .iter()
            .copied()
            .filter_map(|operation| {
                let spec = operation.spec();
                let template: Vec<&str> = spec.path.split('/').collect();
                let fits = spec.method == method
                    && template.len() == segments.len()
                    && template
                        .iter()
                        .zip(&segments)
                        .all(|(t, s)| t.starts_with('{') || t == s);
                let literal = template.iter().filter(|t| !t.starts_with('{')).count();
                fits.then_some((literal, operation))
            })
            .max_by_key(|(literal, _)| *literal)
            .map(|(_, operation)| operation)
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
        assert_eq!(
            Operation::ALL.len(),
            beeper_verification_client::operations::ALL.len()
        );
        for operation in Operation::ALL {
            assert_eq!(operation.as_str().parse(), Ok(*operation));
            let json = serde_json::to_string(operation).unwrap_or_default();
            assert_eq!(json, format!("\"{operation}\""));
        }
    }

    #[test]
    fn the_operations_are_the_specs_with_its_names() {
        let mut ours: Vec<&str> = Operation::ALL.iter().map(|o| o.as_str()).collect();
        let mut spec: Vec<&str> = beeper_verification_client::operations::ALL
            .iter()
            .map(|o| o.id)
            .collect();
        ours.sort_unstable();
        spec.sort_unstable();
        assert_eq!(ours, spec);
        for operation in Operation::ALL {
            assert_eq!(operation.spec().id, operation.as_str());
            // Every template names its own operation back.
            let path = operation.spec().path.replace("{verificationID}", "v1");
            assert_eq!(
                Operation::of(operation.spec().method, &path),
                Some(*operation)
            );
        }
    }
}
