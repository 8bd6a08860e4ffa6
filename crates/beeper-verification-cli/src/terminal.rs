//! Writing to the terminal: text that came from the network is cleaned of control characters
//! before it is shown, and a closed or full standard output is a failure to report, not a panic.
//!
//! The server and the other device control much of what this program prints (IDs, states,
//! device names, cancel reasons, error messages). Raw, an `ESC ] 0; ... BEL` would retitle the
//! terminal and an `ESC [2J` would clear it, and a line break in a reason could forge a line of
//! our own, and a right-to-left override or a zero-width character would change what a person
//! reads without showing itself. So every such field goes through [`clean`], and everything
//! printed in text mode goes through [`clean_lines`] once more on its way out. `--json` is exact JSON, whose strings
//! escape control characters themselves.

use std::borrow::Cow;
use std::io::{ErrorKind, Write};

use crate::Failure;

/// Whether `c` must not reach a terminal as it is: C0 and C1 control characters and DEL, and the
/// characters that are invisible or change the direction of text, with which a device name could
/// hide itself or reorder what a person reads around it.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            // Arabic letter mark, a direction mark.
            '\u{061C}'
            // Mongolian vowel separator, invisible.
            | '\u{180E}'
            // Zero width space, non-joiner and joiner; left-to-right and right-to-left marks.
            | '\u{200B}'..='\u{200F}'
            // Line and paragraph separators, which break a line as a newline does.
            | '\u{2028}'..='\u{2029}'
            // Bidirectional embeddings, overrides and their pop.
            | '\u{202A}'..='\u{202E}'
            // Word joiner and the invisible operators.
            | '\u{2060}'..='\u{2064}'
            // Bidirectional isolates, then the deprecated shaping and digit controls.
            | '\u{2066}'..='\u{206F}'
            // Zero width no-break space (a byte order mark).
            | '\u{FEFF}'
            // Interlinear annotation controls.
            | '\u{FFF9}'..='\u{FFFB}'
            // Tag characters, invisible text.
            | '\u{E0000}'..='\u{E007F}'
        )
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

/// JSON made safe to show: DEL, the C1 control characters and the invisible and bidirectional
/// characters of [`is_unsafe`], which JSON may carry raw inside strings, are written as `\uXXXX`
/// escapes (a surrogate pair past U+FFFF). It is the same JSON: a parser reads the same strings.
/// (C0 characters are escaped by every JSON writer already.)
pub(crate) fn json_safe(json: &str) -> Cow<'_, str> {
    if !json.chars().any(is_unsafe) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if is_unsafe(c) && c != '\n' {
            for unit in c.encode_utf16(&mut [0; 2]) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
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

    /// Every invisible or direction-changing character, one per range the escaping covers,
    /// with both ends of each range.
    const INVISIBLE: &[char] = &[
        '\u{061C}',
        '\u{180E}',
        '\u{200B}',
        '\u{200C}',
        '\u{200D}',
        '\u{200E}',
        '\u{200F}',
        '\u{2028}',
        '\u{2029}',
        '\u{202A}',
        '\u{202B}',
        '\u{202C}',
        '\u{202D}',
        '\u{202E}',
        '\u{2060}',
        '\u{2064}',
        '\u{2066}',
        '\u{2067}',
        '\u{2068}',
        '\u{2069}',
        '\u{206F}',
        '\u{FEFF}',
        '\u{FFF9}',
        '\u{FFFB}',
        '\u{E0000}',
        '\u{E0001}',
        '\u{E0041}',
        '\u{E007F}',
    ];

    #[test]
    fn invisible_and_direction_changing_characters_are_escaped() {
        for &c in INVISIBLE {
            let text = format!("a{c}b");
            let cleaned = clean(&text);
            assert_eq!(cleaned, format!("a{}b", c.escape_unicode()), "{:?}", c);
            assert_eq!(clean_lines(&text), cleaned, "{c:?}");
        }
        // Every character of the ranges, not only their ends.
        let ranges = [
            0x200B..=0x200F,
            0x2028..=0x2029,
            0x202A..=0x202E,
            0x2060..=0x2064,
            0x2066..=0x206F,
            0xE0000..=0xE007F,
        ];
        for c in ranges.into_iter().flatten().filter_map(char::from_u32) {
            assert!(is_unsafe(c), "{c:?}");
        }
        // Their neighbours, visible, stay as they are.
        for c in [
            '\u{200A}',
            '\u{2010}',
            '\u{2027}',
            '\u{2065}',
            '\u{FEFE}',
            '\u{E0080}',
        ] {
            assert!(!is_unsafe(c), "{c:?}");
        }
    }

    #[test]
    fn json_escapes_invisible_characters_and_reads_back_the_same() {
        let text: String = INVISIBLE.iter().collect();
        let value = serde_json::json!({ "name": text });
        let pretty = serde_json::to_string_pretty(&value).expect("json");
        let safe = json_safe(&pretty);
        assert!(!safe.chars().any(|c| is_unsafe(c) && c != '\n'), "{safe}");
        // Past U+FFFF, a surrogate pair, as JSON spells it.
        assert!(safe.contains("\\udb40\\udc01"), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).expect("still JSON");
        assert_eq!(back, value);
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
