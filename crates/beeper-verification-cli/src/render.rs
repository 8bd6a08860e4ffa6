//! What the commands print for a person. Snapshot-tested, so changes here are deliberate.
//!
//! Every field the server or the other device controls goes through [`clean`], so that no
//! control character in it reaches the terminal and no line break in it forges a line.

use std::borrow::Cow;
use std::fmt::Write;

use beeper_verification::{NextStep, VerificationState};

use crate::invoked::command;
use crate::terminal::clean;

use beeper_verification::{Sas, Session, SessionState, SessionStep, Verification};

/// What a session state means.
fn meaning(state: &SessionState) -> &'static str {
    match state {
        SessionState::NeedsLogin => "Nobody is signed in to Beeper Desktop.",
        SessionState::Initializing => "Encrypted messaging is starting up.",
        SessionState::NeedsCrossSigningSetup => {
            "The account has no cross-signing keys yet, so no usable recovery key."
        }
        SessionState::NeedsVerification => {
            "This device must be verified: from another signed-in device, or with your recovery key."
        }
        SessionState::NeedsSecrets => "This device needs your recovery key.",
        SessionState::NeedsFirstSync => "Waiting for the first encrypted message sync.",
        SessionState::Ready => "Setup is complete: this device is trusted for encrypted messages.",
        _ => "This state is newer than this version of beeper-verify.",
    }
}

/// What to do next for the session, each way on a line of its own with the command that does
/// it: from [`Session::next_step`], so that it cannot disagree with the state. `None` when the
/// device is ready. No command here ever takes a key or a token.
pub(crate) fn session_next(session: &Session) -> Option<Vec<String>> {
    let with_key = format!(
        "or, without another device, enter your recovery key: {}",
        command("recovery-key")
    );
    Some(match session.next_step() {
        SessionStep::SignIn => vec![format!(
            "sign in with your email, then verify this device: {}",
            command("setup")
        )],
        SessionStep::Wait(_) => {
            vec![format!(
                "wait a moment, then run `{}` again",
                command("status")
            )]
        }
        SessionStep::VerifyThisDevice {
            verification: Some(v),
            ..
        } => vec![
            format!(
                "go on with verification {} on your other device: {}",
                clean(&v.id),
                command("verify")
            ),
            with_key,
        ],
        SessionStep::VerifyThisDevice { .. } => vec![
            format!(
                "verify with another signed-in device: {}",
                command("verify")
            ),
            with_key,
        ],
        SessionStep::EnterRecoveryKey => vec![
            format!("enter your recovery key: {}", command("recovery-key")),
            format!(
                "lost it? make a new one (this cannot be undone): {}",
                command("reset-recovery-key")
            ),
        ],
        SessionStep::ResetRecoveryKey => vec![format!(
            "make a recovery key (this cannot be undone): {}",
            command("reset-recovery-key")
        )],
        SessionStep::Ready => return None,
        _ => vec!["update beeper-verify".to_owned()],
    })
}

/// The `Next:` lines of a session, for `status` and after a recovery key; none without
/// `hints` (`--quiet`).
fn next_lines(out: &mut String, session: &Session, hints: bool) {
    if !hints {
        return;
    }
    for (i, line) in session_next(session).into_iter().flatten().enumerate() {
        let label = if i == 0 { "Next:" } else { "" };
        let _ = writeln!(out, "{label:<10}{line}");
    }
}

fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}

/// `status`, with the version the server named, when it did, and what to do next with `hints`.
pub(crate) fn status(session: &Session, server_version: Option<&str>, hints: bool) -> String {
    let what = meaning(&session.state);
    let mut out = String::new();
    if let Some(version) = server_version {
        let _ = writeln!(out, "Server:   Beeper Desktop {}", clean(version));
    }
    let _ = writeln!(out, "Session:  {}", clean(session.state.as_str()));
    let _ = writeln!(out, "          {what}");
    if let Some(account) = &session.matrix {
        let _ = writeln!(
            out,
            "Account:  {} (this device: {})",
            clean(&account.user_id),
            clean(&account.device_id)
        );
    }
    let _ = writeln!(out, "Trusted:  {}", yes_no(session.e2ee.verified));
    if let Some(v) = &session.verification {
        let _ = writeln!(
            out,
            "Verification: {} is {} ({})",
            clean(&v.id),
            clean(v.state.as_str()),
            clean(v.direction.as_str())
        );
    }
    next_lines(&mut out, session, hints);
    out
}

fn join<T: std::fmt::Display>(items: &[T]) -> String {
    if items.is_empty() {
        return "none".to_owned();
    }
    let joined = items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    clean(&joined).into_owned()
}

/// `show`, and the end of `wait`, with what to do next with `hints`.
pub(crate) fn verification(v: &Verification, hints: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Verification {}", clean(&v.id));
    let _ = writeln!(out, "  State:      {}", clean(v.state.as_str()));
    let _ = writeln!(out, "  Direction:  {}", clean(v.direction.as_str()));
    let _ = writeln!(out, "  Purpose:    {}", clean(v.purpose.as_str()));
    let _ = writeln!(out, "  Methods:    {}", join(&v.methods));
    let _ = writeln!(out, "  Actions:    {}", join(&v.available_actions));
    if let Some(device) = &v.other_device {
        let name = device.name.as_deref().unwrap_or("unnamed device");
        let _ = writeln!(out, "  Other:      {} ({})", clean(name), clean(&device.id));
    }
    if let Some(user) = &v.other_user_id {
        let _ = writeln!(out, "  Other user: {}", clean(user));
    }
    if let Some(error) = &v.error {
        let _ = writeln!(
            out,
            "  Stopped:    {} ({})",
            clean(&error.reason),
            clean(error.code.as_str())
        );
    }
    if let Some(sas) = &v.sas {
        let _ = writeln!(out, "  Compare:");
        for line in sas_layout(sas).lines() {
            let _ = writeln!(out, "{}", format!("  {line}").trim_end());
        }
    }
    if hints {
        let _ = writeln!(out, "  Next:       {}", next(v));
    }
    out
}

/// The widest the columns of `list` get, in characters. A longer value is cut with `…`; `--json`
/// keeps it whole. Without a bound, one 65,000-character ID would pad every other row to its
/// width (a 1 MB answer became 637 MB of output), and a width past 65,535 panics in `format!`.
pub(crate) const LIST_ID_WIDTH: usize = 40;
const LIST_STATE_WIDTH: usize = 11;
const LIST_DIRECTION_WIDTH: usize = 9;
/// The last column is not padded, but it is bounded too.
const LIST_ACTIONS_WIDTH: usize = 60;

/// `text` in at most `max` characters (at least 1): cut, with `…` as its last character, when
/// longer. Characters, not terminal columns: a wide character counts as one.
pub(crate) fn fit(text: &str, max: usize) -> Cow<'_, str> {
    let max = max.max(1);
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some(_) => {
            let keep = text
                .char_indices()
                .nth(max - 1)
                .map_or(text.len(), |(i, _)| i);
            Cow::Owned(format!("{}…", &text[..keep]))
        }
    }
}

/// `text` cut to `width` characters and padded with spaces to exactly that many.
fn column(text: &str, width: usize) -> String {
    let text = fit(text, width);
    let pad = width.saturating_sub(text.chars().count());
    format!("{text}{}", " ".repeat(pad))
}

/// `list`: one row per verification, in columns of bounded width. A value that had to be cut
/// ends with `…`, and a last line says where to see it whole.
pub(crate) fn list(items: &[Verification]) -> String {
    if items.is_empty() {
        return "No pending or active verifications.\n".to_owned();
    }
    let ids: Vec<_> = items.iter().map(|v| clean(&v.id)).collect();
    let width = ids
        .iter()
        .map(|id| id.chars().count())
        .max()
        .unwrap_or(2)
        .clamp(2, LIST_ID_WIDTH);
    let mut cut = false;
    let mut cell = |text: &str, width: usize| {
        cut |= text.chars().nth(width).is_some();
        column(text, width)
    };
    let mut out = format!(
        "{}  {}  {}  ACTIONS\n",
        column("ID", width),
        column("STATE", LIST_STATE_WIDTH),
        column("DIRECTION", LIST_DIRECTION_WIDTH)
    );
    for (v, id) in items.iter().zip(&ids) {
        let row = [
            cell(id, width),
            cell(&clean(v.state.as_str()), LIST_STATE_WIDTH),
            cell(&clean(v.direction.as_str()), LIST_DIRECTION_WIDTH),
            cell(&join(&v.available_actions), LIST_ACTIONS_WIDTH),
        ];
        let _ = writeln!(out, "{}", row.join("  ").trim_end());
    }
    if cut {
        out.push_str("(Values cut short end with …; --json shows them whole.)\n");
    }
    out
}

/// The line after a single action, and what to do next with `hints`.
pub(crate) fn after(done: &str, v: &Verification, hints: bool) -> String {
    let mut out = format!(
        "{done} verification {}: now {}.\n",
        clean(&v.id),
        clean(v.state.as_str())
    );
    if hints {
        let _ = writeln!(out, "Next: {}", next(v));
    }
    out
}

/// What to do next with `v`, and the command that does it: from the verification's next step,
/// so that the hint cannot disagree with the state.
pub(crate) fn next(v: &Verification) -> String {
    let id = clean(&v.id);
    match v.next_step() {
        NextStep::AcceptRequest => {
            format!("accept the request: {}", command(&format!("accept {id}")))
        }
        NextStep::ChooseMethod { sas: true, .. } => {
            format!(
                "start comparing emoji: {}",
                command(&format!("sas start {id}"))
            )
        }
        NextStep::ChooseMethod { qr: Some(_), .. } => format!(
            "show this device's QR code to the other device: {}",
            command("verify --method qr")
        ),
        NextStep::CompareEmoji(_) => format!(
            "compare the emoji with the other device, then {} (or, if they differ, {})",
            command(&format!("sas confirm {id}")),
            command(&format!("cancel {id} --code m.mismatched_sas"))
        ),
        NextStep::ConfirmQrScanned => format!(
            "once the other device shows that it is done: {}",
            command(&format!("qr confirm {id}"))
        ),
        NextStep::Done => "nothing: the verification is done".to_owned(),
        NextStep::Cancelled(_) | NextStep::Failed(_) => {
            format!("start again: {}", command("verify"))
        }
        _ => {
            let until = match v.state {
                VerificationState::Requested => "ready",
                VerificationState::Ready => "sas_ready,qr_scanned,done",
                _ => "done",
            };
            format!(
                "wait for the other device: {}",
                command(&format!("wait {id} --until {until}"))
            )
        }
    }
}

/// `verify` when there is nothing to verify.
pub(crate) fn already_verified(session: &Session) -> String {
    format!("Nothing to do. {}\n", meaning(&session.state))
}

/// After the recovery key was accepted (`recovery-key`, `verify`, the demo): the session's new
/// state, what it means, and what is next.
pub(crate) fn key_accepted(session: &Session, hints: bool) -> String {
    let mut out = String::from("Recovery key accepted.\n");
    let _ = writeln!(out, "Session:  {}", clean(session.state.as_str()));
    let _ = writeln!(out, "          {}", meaning(&session.state));
    next_lines(&mut out, session, hints);
    out
}

/// After a new recovery key was put in force.
pub(crate) fn key_reset(session: &Session, hints: bool) -> String {
    let mut out = String::from("The new recovery key is in force; the old one no longer works.\n");
    let _ = writeln!(out, "Session:  {}", clean(session.state.as_str()));
    let _ = writeln!(out, "          {}", meaning(&session.state));
    next_lines(&mut out, session, hints);
    out
}

/// The emoji, one a line after its number and its name, and the numbers below, indented:
///
/// ```text
///   1  Dog        🐶
///   2  Cat        🐱
///   ...
///   7  Scissors   ✂️
///
///   1234  5678  9012
/// ```
///
/// Terminals disagree on how wide an emoji is (tmux 3.3a draws one with a variation selector,
/// such as ✂️ or ☎️, one cell wide, most terminals two), so nothing follows an emoji on its
/// line: the names and the emoji stand in fixed columns whatever width a terminal gives them.
/// Text the SDK could not read as seven emoji (or three numbers) is shown as the server sent
/// it, cleaned, so the person can still compare it.
fn sas_layout(sas: &Sas) -> String {
    let mut out = String::new();
    match &sas.emojis {
        Some(emojis) => {
            let name = |emoji: &beeper_verification::Emoji| emoji.description.unwrap_or("?");
            let width = emojis
                .iter()
                .map(|e| name(e).chars().count())
                .max()
                .unwrap_or(1);
            for (number, emoji) in (1..).zip(emojis.iter()) {
                let _ = writeln!(
                    out,
                    "  {number}  {:<width$}  {}",
                    name(emoji),
                    clean(&emoji.symbol)
                );
            }
        }
        None => {
            let _ = writeln!(out, "  {}", clean(sas.emojis_text.trim()));
        }
    }
    match (sas.decimals, &sas.decimals_text) {
        (Some([a, b, c]), _) => {
            let _ = write!(out, "\n  {a}  {b}  {c}\n");
        }
        (None, Some(raw)) => {
            let _ = write!(out, "\n  {}\n", clean(raw.trim()));
        }
        (None, None) => {}
    }
    out
}

/// The emoji comparison screen of `verify`.
pub(crate) fn sas_screen(sas: &Sas) -> String {
    format!(
        "\nCompare these with the emoji on your other device:\n\n{}\n",
        sas_layout(sas)
    )
}

/// The end of `setup` and the demo: what this run did last (`Verified.`), or that there was
/// nothing to do, and what the state means.
pub(crate) fn set_up(session: &Session, did: Option<&str>) -> String {
    match did {
        Some(did) => format!("\n{did} {}\n", meaning(&session.state)),
        None => already_verified(session),
    }
}

/// The end of `verify`.
pub(crate) fn verified(session: &Session) -> String {
    let mut out = String::from("\nVerified. ");
    out.push_str(meaning(&session.state));
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_emoji_layout_puts_each_emoji_last_on_its_line_after_its_name() {
        let sas: Sas = serde_json::from_value(serde_json::json!({
            "emojis": "🐶 ✂️ 🦁 ☎️ 🦄 🐷 🫠",
            "decimals": "1234 5678 9012"
        }))
        .expect("a sas");
        // Names in one column, emoji in the next; nothing after an emoji, so a terminal that
        // draws ✂️ one cell wide moves nothing.
        assert_eq!(
            sas_layout(&sas),
            "  1  Dog        🐶\n  \
               2  Scissors   ✂️\n  \
               3  Lion       🦁\n  \
               4  Telephone  ☎️\n  \
               5  Unicorn    🦄\n  \
               6  Pig        🐷\n  \
               7  ?          🫠\n\n  \
             1234  5678  9012\n"
        );
    }

    #[test]
    fn values_are_cut_to_the_width_with_an_ellipsis() {
        assert_eq!(fit("abc", 3), "abc");
        assert_eq!(fit("abcd", 3), "ab…");
        assert_eq!(fit("漢字漢字", 2), "漢…");
        assert_eq!(fit("ab", 0), "…");
        assert_eq!(column("ab", 4), "ab  ");
        assert_eq!(column("abcdef", 4), "abc…");
    }

    #[test]
    fn list_columns_are_bounded_whatever_the_server_sends() {
        let verification = |id: &str, state: &str| -> Verification {
            serde_json::from_value(serde_json::json!({
                "id": id, "state": state, "direction": "incoming", "purpose": "device",
                "methods": ["sas"], "availableActions": ["accept", "cancel"],
            }))
            .expect("a verification")
        };
        // Past 65,535 a format width panics; and one long ID must not widen every row.
        let long = "x".repeat(70_000);
        let items = vec![
            verification(&long, "ready"),
            verification("fv1", &"s".repeat(100)),
        ];
        let text = list(&items);
        for line in text.lines() {
            assert!(line.chars().count() <= 140, "{line}");
        }
        let rows: Vec<_> = text.lines().collect();
        assert!(
            rows[1].starts_with(&format!("{}…  ready", "x".repeat(39))),
            "{text}"
        );
        assert!(rows[2].starts_with("fv1 "), "{text}");
        assert!(rows[2].contains(&format!("{}…", "s".repeat(10))), "{text}");
        assert!(text.ends_with("--json shows them whole.)\n"), "{text}");
        // Short values keep the old layout, and no note.
        let short = list(&[verification("fv1", "ready")]);
        assert_eq!(
            short,
            "ID   STATE        DIRECTION  ACTIONS\nfv1  ready        incoming   accept, cancel\n"
        );
    }

    #[test]
    fn text_that_is_not_seven_emoji_is_shown_as_sent() {
        let sas: Sas = serde_json::from_value(serde_json::json!({
            "emojis": "dog cat\u{1b}[2J", "decimals": "12 34"
        }))
        .expect("a sas");
        assert_eq!(sas_layout(&sas), "  dog cat\\u{1b}[2J\n\n  12 34\n");
    }
}
