//! Faults on demand, per operation or for every one: added latency, the next N responses with a
//! given status, a dropped connection, a malformed JSON body, or an enum value the spec does
//! not know.

use std::time::Duration;

use serde::Deserialize;

use crate::Operation;

/// What goes wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FaultKind {
    /// Every matching response is delayed by this much (it does not use up `times`).
    Latency {
        /// The delay, in milliseconds.
        millis: u64,
    },
    /// Answer with this status and the API's error body instead of the real response;
    /// `Retry-After` is sent when given (as whole seconds).
    Status {
        /// The HTTP status, an error status from 400 to 599 (anything else answers 500).
        status: u16,
        /// The `Retry-After` header, in seconds.
        retry_after: Option<u64>,
    },
    /// Close the connection in the middle of the response.
    DropConnection,
    /// Answer 200 with a body that is not valid JSON.
    MalformedJson,
    /// Answer as usual, with every verification `state` replaced by `"expired"`.
    UnknownEnum,
}

/// One fault rule: what goes wrong, for which operation, how many times.
///
/// Over HTTP (`POST /_fake/faults`) it is one flat JSON object, such as
/// `{"kind": "status", "status": 429, "retryAfter": 2, "operation": "listVerifications",
/// "times": 1}`. A field that the kind does not use, or that does not exist, is refused rather
/// than ignored, so a typo cannot turn a fault for one operation into a fault for all of them.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "FaultJson")]
#[non_exhaustive]
pub struct Fault {
    /// What goes wrong.
    pub kind: FaultKind,
    /// The operation it applies to, or `None` for every one.
    pub operation: Option<Operation>,
    /// How many responses it affects before it stops, or `None` for every one until cleared.
    pub times: Option<u32>,
}

/// A fault as the HTTP control reads it: every field of every kind, side by side.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct FaultJson {
    kind: KindName,
    ms: Option<u64>,
    status: Option<u16>,
    retry_after: Option<u64>,
    operation: Option<Operation>,
    times: Option<u32>,
}

/// The `kind` of a fault, as JSON spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum KindName {
    Latency,
    Status,
    DropConnection,
    MalformedJson,
    UnknownEnum,
}

/// Why a fault's JSON does not describe a fault. Its message starts as serde's own do
/// ("missing field `ms`"), so the 422's `details.issues[].path` names the field.
#[derive(Debug, thiserror::Error)]
enum FaultJsonError {
    #[error("missing field `{field}`: a {kind} fault needs it")]
    Missing {
        field: &'static str,
        kind: &'static str,
    },
    #[error("unknown field `{field}`: a {kind} fault does not use it")]
    NotUsed {
        field: &'static str,
        kind: &'static str,
    },
    #[error("invalid value for field `status`: {0} is not an error status (400 to 599)")]
    NotAnErrorStatus(u16),
}

impl TryFrom<FaultJson> for Fault {
    type Error = FaultJsonError;

    fn try_from(json: FaultJson) -> Result<Self, FaultJsonError> {
        let (kind_name, uses): (&'static str, &[&'static str]) = match json.kind {
            KindName::Latency => ("latency", &["ms"]),
            KindName::Status => ("status", &["status", "retryAfter"]),
            KindName::DropConnection => ("drop_connection", &[]),
            KindName::MalformedJson => ("malformed_json", &[]),
            KindName::UnknownEnum => ("unknown_enum", &[]),
        };
        let given = [
            ("ms", json.ms.is_some()),
            ("status", json.status.is_some()),
            ("retryAfter", json.retry_after.is_some()),
        ];
        if let Some((field, _)) = given.iter().find(|(f, on)| *on && !uses.contains(f)) {
            return Err(FaultJsonError::NotUsed {
                field,
                kind: kind_name,
            });
        }
        let missing = |field| FaultJsonError::Missing {
            field,
            kind: kind_name,
        };
        let kind = match json.kind {
            KindName::Latency => FaultKind::Latency {
                millis: json.ms.ok_or_else(|| missing("ms"))?,
            },
            KindName::Status => {
                let status = json.status.ok_or_else(|| missing("status"))?;
                if !(400..=599).contains(&status) {
                    return Err(FaultJsonError::NotAnErrorStatus(status));
                }
                FaultKind::Status {
                    status,
                    retry_after: json.retry_after,
                }
            }
            KindName::DropConnection => FaultKind::DropConnection,
            KindName::MalformedJson => FaultKind::MalformedJson,
            KindName::UnknownEnum => FaultKind::UnknownEnum,
        };
        Ok(Self {
            kind,
            operation: json.operation,
            times: json.times,
        })
    }
}

impl Fault {
    fn new(kind: FaultKind) -> Self {
        Self {
            kind,
            operation: None,
            times: None,
        }
    }

    /// Delays every matching response.
    pub fn latency(delay: Duration) -> Self {
        Self::new(FaultKind::Latency {
            millis: delay.as_millis().try_into().unwrap_or(u64::MAX),
        })
    }

    /// Answers with `status` and the API's error body.
    pub fn status(status: u16) -> Self {
        Self::new(FaultKind::Status {
            status,
            retry_after: None,
        })
    }

    /// Answers 429 with `Retry-After` in whole seconds.
    pub fn rate_limited(retry_after: Duration) -> Self {
        Self::new(FaultKind::Status {
            status: 429,
            retry_after: Some(retry_after.as_secs()),
        })
    }

    /// Sends `Retry-After` (in whole seconds) with a status fault; other kinds have no header
    /// to carry it and stay as they are.
    ///
    /// ```
    /// use std::time::Duration;
    /// use beeper_verification_fake::Fault;
    ///
    /// // 503 with `Retry-After: 3600`.
    /// let fault = Fault::status(503).retry_after(Duration::from_secs(3600));
    /// # let _ = fault;
    /// ```
    pub fn retry_after(mut self, delay: Duration) -> Self {
        if let FaultKind::Status { retry_after, .. } = &mut self.kind {
            *retry_after = Some(delay.as_secs());
        }
        self
    }

    /// Drops the connection mid-response.
    pub fn drop_connection() -> Self {
        Self::new(FaultKind::DropConnection)
    }

    /// Answers 200 with a body that is not valid JSON.
    pub fn malformed_json() -> Self {
        Self::new(FaultKind::MalformedJson)
    }

    /// Replaces every verification `state` with `"expired"`, a value the spec does not know.
    pub fn unknown_enum() -> Self {
        Self::new(FaultKind::UnknownEnum)
    }

    /// Only for this operation.
    ///
    /// ```
    /// use beeper_verification_fake::{Fault, Operation};
    ///
    /// // The next two `GET .../verifications/{id}` answer 503; everything else is served.
    /// let fault = Fault::status(503).on(Operation::GetVerification).times(2);
    /// # let _ = fault;
    /// ```
    pub fn on(mut self, operation: Operation) -> Self {
        self.operation = Some(operation);
        self
    }

    /// Only for the next `n` matching responses.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    fn matches(&self, operation: Option<Operation>) -> bool {
        self.operation
            .is_none_or(|wanted| Some(wanted) == operation)
            && self.times.is_none_or(|n| n > 0)
    }
}

/// What the fault rules say about one request.
#[derive(Debug, Default)]
pub(crate) struct Verdict {
    pub delay: Duration,
    pub fault: Option<FaultKind>,
}

/// Finds the faults for a request and uses them up: every matching latency adds up, and the
/// first matching other fault applies.
pub(crate) fn take(rules: &mut Vec<Fault>, operation: Option<Operation>) -> Verdict {
    let mut verdict = Verdict::default();
    for rule in rules.iter_mut().filter(|r| r.matches(operation)) {
        match &rule.kind {
            FaultKind::Latency { millis } => {
                verdict.delay = verdict.delay.saturating_add(Duration::from_millis(*millis));
            }
            other if verdict.fault.is_none() => {
                verdict.fault = Some(other.clone());
                if let Some(n) = &mut rule.times {
                    *n -= 1;
                }
            }
            _ => {}
        }
    }
    rules.retain(|r| r.times != Some(0));
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_counted_fault_is_used_up_and_removed() {
        let mut rules = vec![Fault::status(503).times(2)];
        assert_eq!(
            take(&mut rules, Some(Operation::GetSetup)).fault,
            Some(FaultKind::Status {
                status: 503,
                retry_after: None
            })
        );
        assert!(take(&mut rules, None).fault.is_some());
        assert!(take(&mut rules, None).fault.is_none());
        assert!(rules.is_empty());
    }

    #[test]
    fn a_fault_for_one_operation_leaves_the_others_alone() {
        let mut rules = vec![
            Fault::malformed_json().on(Operation::GetVerification),
            Fault::latency(Duration::from_millis(5)),
        ];
        let other = take(&mut rules, Some(Operation::GetSetup));
        assert_eq!((other.fault, other.delay), (None, Duration::from_millis(5)));
        assert_eq!(
            take(&mut rules, Some(Operation::GetVerification)).fault,
            Some(FaultKind::MalformedJson)
        );
    }

    #[test]
    fn faults_read_from_json() {
        let fault: Fault = serde_json::from_str(r#"{"kind":"status","status":429,"retryAfter":2,"operation":"listVerifications","times":1}"#)
            .expect("parses");
        assert_eq!(
            fault,
            Fault::rate_limited(Duration::from_secs(2))
                .on(Operation::ListVerifications)
                .times(1)
        );
        let fault: Fault = serde_json::from_str(r#"{"kind":"latency","ms":250}"#).expect("parses");
        assert_eq!(fault, Fault::latency(Duration::from_millis(250)));
    }
}
