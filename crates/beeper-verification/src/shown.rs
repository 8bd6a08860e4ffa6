//! Text from the server, made safe to show: what this crate's `Display` implementations print
//! of it (error messages, reasons, states, SAS text) has its control characters escaped, so
//! that printing an error or a [`Sas`](crate::Sas) to a terminal cannot drive the terminal
//! (an `ESC ]` title, an `ESC [2J` clear) or forge a line. The values themselves stay exact.

use std::borrow::Cow;
use std::fmt;

/// Whether `c` must not reach a terminal as it is: C0 and C1 control characters, DEL, and the
/// bidirectional formatting characters.
fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every unsafe character written as its escape (`\u{1b}`).
pub(crate) fn shown(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A value whose `Display` is made safe with [`shown`].
pub(crate) struct Shown<T>(pub T);

impl<T: fmt::Display> fmt::Display for Shown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&shown(&self.0.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_the_rest_kept() {
        assert_eq!(shown("a\u{1b}[2Jb\nc\u{9b}"), r"a\u{1b}[2Jb\u{a}c\u{9b}");
        assert!(matches!(shown("🐶 Dog, ü"), Cow::Borrowed(_)));
        assert_eq!(Shown("x\u{7}").to_string(), r"x\u{7}");
    }
}
