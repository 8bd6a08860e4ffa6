//! Writing to the terminal: text that came from the network is cleaned of control characters
//! before it is shown, and a closed or full standard output is a failure to report, not a panic.
//!
//! The server and the other device control much of what this program prints (IDs, states,
//! device names, cancel reasons, error messages). Raw, an `ESC ] 0; ... BEL` would retitle the
//! terminal and an `ESC [2J` would clear it, and a line break in a reason could forge a line of
//! our own. So every such field goes through [`clean`], and everything printed in text mode
//! goes through [`clean_lines`] once more on its way out. `--json` is exact JSON, whose strings
//! escape control characters themselves.

use std::borrow::Cow;
use std::io::{ErrorKind, Write};

use crate::Failure;

/// Whether `c` must not reach a terminal as it is: C0 and C1 control characters and DEL, and the
/// bidirectional formatting characters, which reorder what is shown around them.
fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn escape(text: &str, keep_newlines: bool) -> Cow<'_, str> {
    let keep = |c: char| !is_unsafe(c) || (keep_newlines && c == '\n');
    if text.chars().all(keep) {
        return Cow::Borrowed(text);
    }
    let mut cleaned = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if keep(c) {
            cleaned.push(c);
        } else {
            cleaned.extend(c.escape_unicode());
        }
    }
    Cow::Owned(cleaned)
}

/// One field from the network, made safe to show: every control character, line breaks
/// included, is shown as its escape (`\u{1b}`), so the text stays readable and inert.
pub(crate) fn clean(text: &str) -> Cow<'_, str> {
    escape(text, false)
}

/// Text laid out by this program, made safe to show: like [`clean`], but its own line breaks
/// stay.
pub(crate) fn clean_lines(text: &str) -> Cow<'_, str> {
    escape(text, true)
}

/// JSON made safe to show: DEL, the C1 control characters and the bidirectional formatting
/// characters, which JSON may carry raw inside strings, are written as `\uXXXX` escapes. It is
/// the same JSON: a parser reads the same strings. (C0 characters are escaped by every JSON
/// writer already.)
pub(crate) fn json_safe(json: &str) -> Cow<'_, str> {
    if !json.chars().any(is_unsafe) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if is_unsafe(c) && c != '\n' {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Writes `text` to standard output and flushes it. A reader that closed the pipe (`| head`)
/// is [`Failure::Closed`]; any other failure (a full disk) is a local error.
pub(crate) fn out(text: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| match e.kind() {
            ErrorKind::BrokenPipe => Failure::Closed,
            _ => Failure::Local(format!("cannot write to standard output: {e}")),
        })
}

/// Writes `text` to standard error. Nothing is left to tell if that fails, so failures are
/// ignored instead of panicking.
pub(crate) fn err(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr
        .write_all(text.as_bytes())
        .and_then(|()| stderr.flush());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_never_reach_the_terminal() {
        let hostile = "a\u{1b}]0;owned\u{7}b\u{1b}[2Jc\u{9b}31md\re\u{7f}f\u{202e}g\nh";
        let cleaned = clean(hostile);
        assert!(!cleaned.chars().any(is_unsafe), "{cleaned}");
        assert!(!cleaned.contains('\n'));
        assert!(cleaned.contains(r"\u{1b}]0;owned\u{7}"), "{cleaned}");
        let lines = clean_lines(hostile);
        assert!(
            lines.ends_with("g\nh") && !lines.contains('\u{1b}'),
            "{lines}"
        );
    }

    #[test]
    fn json_keeps_its_meaning_without_raw_controls() {
        let value = serde_json::json!({"state": "x\u{9b}31m\u{7f}\u{202e}y", "n": 1});
        let pretty = serde_json::to_string_pretty(&value).expect("json");
        let safe = json_safe(&pretty);
        assert!(!safe.chars().any(|c| is_unsafe(c) && c != '\n'), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).expect("still JSON");
        assert_eq!(back, value);
        assert!(matches!(json_safe("{\"a\": 1}"), Cow::Borrowed(_)));
    }

    #[test]
    fn ordinary_text_is_borrowed_unchanged() {
        for text in ["Verified.", "🎂 Cake", "ü ß 漢字", "tab-free line\n"] {
            assert!(matches!(clean_lines(text), Cow::Borrowed(t) if t == text));
        }
        assert_eq!(clean("a\tb"), r"a\u{9}b");
    }
}
