//! What a UI should do now with a verification: [`Verification::next_step`].

use crate::{Action, CancelInfo, Qr, Sas, Verification, VerificationState};

/// What a UI should do now with a verification, from [`Verification::next_step`]: the screen
/// to show, with the data that screen needs already parsed.
///
/// It is derived from the verification alone (its `state`, `available_actions`, `sas` and
/// `qr`; an incoming request is one that allows `accept`), so it never costs a request, and the guided flows
/// ([`Client::verify_with_sas`](crate::Client::verify_with_sas) and the others) and the
/// `beeper-verify` program decide with it too. As the API advises, the server's
/// `available_actions` come first and the state second:
///
/// | the verification | next step |
/// | --- | --- |
/// | state `done` | [`Done`](Self::Done) |
/// | state `cancelled` | [`Cancelled`](Self::Cancelled), with `error` |
/// | state `error` | [`Failed`](Self::Failed), with `error` |
/// | `accept` allowed (an incoming request) | [`AcceptRequest`](Self::AcceptRequest) |
/// | `sas.confirm` allowed, emoji present | [`CompareEmoji`](Self::CompareEmoji), with the emoji |
/// | `qr.confirmScanned` allowed | [`ConfirmQrScanned`](Self::ConfirmQrScanned) |
/// | `sas.start` allowed, or state `ready` with a QR code to show | [`ChooseMethod`](Self::ChooseMethod), with what is possible |
/// | anything else (an outgoing request not yet accepted, this device already confirmed, a state this version does not know) | [`WaitForOtherDevice`](Self::WaitForOtherDevice) |
///
/// ```
/// use beeper_verification::{NextStep, Verification};
///
/// fn screen(verification: &Verification) -> String {
///     match verification.next_step() {
///         NextStep::AcceptRequest => "Another device asks to verify this one. Accept?".into(),
///         NextStep::ChooseMethod { sas: true, .. } => "Compare emoji, or scan a code".into(),
///         NextStep::ChooseMethod { qr: Some(qr), .. } => format!("Scan this: {}", qr.data),
///         NextStep::CompareEmoji(sas) => format!("Do these match? {sas}"),
///         NextStep::ConfirmQrScanned => "Did the other device scan this code?".into(),
///         NextStep::Done => "Verified".into(),
///         NextStep::Cancelled(info) | NextStep::Failed(info) => match info {
///             Some(info) => format!("Stopped: {}", info.reason),
///             None => "Stopped".into(),
///         },
///         _ => "Waiting for the other device...".into(),
///     }
/// }
/// # let verification: Verification = serde_json::from_str(r#"{"id": "v", "availableActions": ["accept", "cancel"],
/// #     "direction": "incoming", "methods": ["sas"], "purpose": "device", "state": "requested"}"#).unwrap();
/// # assert_eq!(screen(&verification), "Another device asks to verify this one. Accept?");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NextStep {
    /// Another device asks to verify this one: accept it
    /// ([`VerificationHandle::accept`](crate::VerificationHandle::accept)) or cancel.
    AcceptRequest,
    /// Both devices are ready: start comparing emoji (when `sas` is true,
    /// [`VerificationHandle::start_sas`](crate::VerificationHandle::start_sas)), show this
    /// device's QR code for the other device to scan (when `qr` is set), or scan the other
    /// device's code ([`VerificationsApi::scan_qr`](crate::VerificationsApi::scan_qr)).
    #[non_exhaustive]
    ChooseMethod {
        /// Whether this device may start the emoji comparison.
        sas: bool,
        /// This device's QR code, to show.
        qr: Option<Qr>,
    },
    /// Show these emoji and ask the person whether the other device shows the same; then
    /// confirm ([`VerificationHandle::confirm_sas`](crate::VerificationHandle::confirm_sas)) or
    /// cancel with [`CancelCode::MismatchedSas`](crate::CancelCode::MismatchedSas).
    CompareEmoji(Box<Sas>),
    /// The other device scanned this device's QR code: confirm it
    /// ([`VerificationHandle::confirm_qr_scanned`](crate::VerificationHandle::confirm_qr_scanned))
    /// once the other device shows that it is done.
    ConfirmQrScanned,
    /// Nothing to do here: the other device's move (accepting, comparing, confirming). Wait for
    /// the verification to change.
    WaitForOtherDevice,
    /// Verified: this device is trusted.
    Done,
    /// Cancelled, by either device; why, when the server said.
    Cancelled(Option<CancelInfo>),
    /// Failed; why, when the server said.
    Failed(Option<CancelInfo>),
}

impl NextStep {
    /// Whether the verification has ended (`Done`, `Cancelled` or `Failed`).
    pub fn is_end(&self) -> bool {
        matches!(self, Self::Done | Self::Cancelled(_) | Self::Failed(_))
    }
}

impl Verification {
    /// What a UI should do now; see [`NextStep`] for the rules, in a table.
    pub fn next_step(&self) -> NextStep {
        match self.state {
            VerificationState::Done => return NextStep::Done,
            VerificationState::Cancelled => return NextStep::Cancelled(self.error.clone()),
            VerificationState::Error => return NextStep::Failed(self.error.clone()),
            _ => {}
        }
        if self.can(Action::Accept) {
            return NextStep::AcceptRequest;
        }
        if let (true, Some(sas)) = (self.can(Action::SasConfirm), &self.sas) {
            return NextStep::CompareEmoji(Box::new(sas.clone()));
        }
        if self.can(Action::QrConfirmScanned) {
            return NextStep::ConfirmQrScanned;
        }
        // A QR code is offered only while no method has started: a server may keep `qr` in
        // the verification while the emoji are compared.
        let sas = self.can(Action::SasStart);
        let qr_to_show = self.state == VerificationState::Ready && self.qr.is_some();
        if sas || qr_to_show {
            return NextStep::ChooseMethod {
                sas,
                qr: self.qr.clone(),
            };
        }
        NextStep::WaitForOtherDevice
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::CancelCode;

    fn verification(state: &str, actions: &[&str], extra: Value) -> Verification {
        let mut value = json!({
            "id": "v1", "availableActions": actions, "direction": "outgoing",
            "methods": ["sas", "qr"], "purpose": "device", "state": state,
        });
        if let (Some(target), Value::Object(extra)) = (value.as_object_mut(), extra) {
            target.extend(extra);
        }
        serde_json::from_value(value).expect("a verification")
    }

    const EMOJI: &str = "🐶 🐱 🦁 🐎 🦄 🐷 🐘";

    #[test]
    fn every_row_of_the_table() {
        let none = json!({});
        let sas = json!({"sas": {"emojis": EMOJI}});
        let qr = json!({"qr": {"data": "payload"}});
        let error = json!({"error": {"code": "m.user", "reason": "no"}});
        let cases = [
            (verification("done", &[], none.clone()), "done"),
            (verification("cancelled", &[], error.clone()), "cancelled"),
            (verification("error", &[], error.clone()), "failed"),
            (
                verification("requested", &["accept", "cancel"], none.clone()),
                "accept",
            ),
            (verification("requested", &["cancel"], none.clone()), "wait"),
            (
                verification("ready", &["sas.start", "cancel"], qr.clone()),
                "choose",
            ),
            (verification("ready", &["cancel"], qr.clone()), "choose"),
            (verification("ready", &["cancel"], none.clone()), "wait"),
            (
                verification("sas_ready", &["sas.confirm", "cancel"], sas.clone()),
                "compare",
            ),
            (verification("sas_ready", &["cancel"], sas.clone()), "wait"),
            (
                verification("sas_ready", &["sas.confirm", "cancel"], none.clone()),
                "wait",
            ),
            (
                verification("qr_scanned", &["qr.confirmScanned", "cancel"], qr.clone()),
                "confirm qr",
            ),
            // This device confirmed the emoji (or the scan): the QR code the server still
            // sends is not an offer any more.
            (verification("sas_ready", &["cancel"], qr.clone()), "wait"),
            (verification("qr_scanned", &["cancel"], qr), "wait"),
            (verification("expired", &["cancel"], none.clone()), "wait"),
            (verification("expired", &["sas.confirm"], sas), "compare"),
        ];
        for (v, expected) in cases {
            let got = match v.next_step() {
                NextStep::Done => "done",
                NextStep::Cancelled(_) => "cancelled",
                NextStep::Failed(_) => "failed",
                NextStep::AcceptRequest => "accept",
                NextStep::ChooseMethod { .. } => "choose",
                NextStep::CompareEmoji(_) => "compare",
                NextStep::ConfirmQrScanned => "confirm qr",
                NextStep::WaitForOtherDevice => "wait",
            };
            assert_eq!(got, expected, "{} {:?}", v.state, v.available_actions);
        }
    }

    #[test]
    fn steps_carry_what_their_screen_needs() {
        let chosen = verification("ready", &["cancel"], json!({"qr": {"data": "payload"}}));
        assert_eq!(
            chosen.next_step(),
            NextStep::ChooseMethod {
                sas: false,
                qr: Some(Qr {
                    data: "payload".into()
                })
            }
        );
        let comparing = verification(
            "sas_ready",
            &["sas.confirm"],
            json!({"sas": {"emojis": EMOJI}}),
        );
        match comparing.next_step() {
            NextStep::CompareEmoji(sas) => assert!(sas.emojis.is_some()),
            other => panic!("{other:?}"),
        }
        let cancelled = verification(
            "cancelled",
            &[],
            json!({"error": {"code": "m.mismatched_sas", "reason": "no"}}),
        );
        match cancelled.next_step() {
            NextStep::Cancelled(Some(info)) => assert_eq!(info.code, CancelCode::MismatchedSas),
            other => panic!("{other:?}"),
        }
        assert!(cancelled.next_step().is_end());
        assert!(!chosen.next_step().is_end());
    }
}
