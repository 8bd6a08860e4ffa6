//! Verification IDs are checked before any request is sent.
//!
//! The generated client percent-encodes an ID as one path segment (`a/b` goes out as `a%2Fb`),
//! but it leaves `.` alone, so an ID of `..` would address `/v1/app/setup/` instead of a
//! verification; and the URL parser turns `\` into `/`. Such IDs, empty ones, ones with
//! control characters and ones too long for a request line get [`Error::InvalidId`] and send
//! nothing.

use crate::Error;

/// The longest verification ID sent, in bytes. Real IDs are tens of bytes; a longer one would
/// make a request line that servers refuse by closing the connection, which looks like a
/// network failure and would be retried.
pub(crate) const MAX_ID_BYTES: usize = 1024;

/// Checks a verification ID; returns it unchanged when it can be sent as one path segment.
pub(crate) fn check(id: &str) -> Result<&str, Error> {
    let reason = if id.is_empty() {
        Some("it is empty")
    } else if id.len() > MAX_ID_BYTES {
        Some("it is longer than 1024 bytes, far longer than any verification ID")
    } else if id == "." || id == ".." {
        Some("`.` and `..` would address another path")
    } else if id.chars().any(char::is_control) {
        Some("it contains a control character")
    } else if id.contains('\\') {
        Some("it contains `\\`, which URLs treat as `/`")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(Error::InvalidId {
            id: id.to_owned(),
            reason,
        }),
        None => Ok(id),
    }
}

/// The ID as it appears in a request path, for messages and logs.
pub(crate) fn path_segment(id: &str) -> String {
    // The same set the generated client encodes (the WHATWG path-segment set, plus `/` and `%`).
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'<')
        .add(b'>')
        .add(b'?')
        .add(b'`')
        .add(b'{')
        .add(b'}')
        .add(b'/')
        .add(b'%');
    percent_encoding::utf8_percent_encode(id, SEGMENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_ids_are_rejected_with_a_reason() {
        for (id, reason) in [
            ("", "it is empty"),
            (".", "`.` and `..` would address another path"),
            ("..", "`.` and `..` would address another path"),
            ("a\nb", "it contains a control character"),
            ("a\u{0}", "it contains a control character"),
            ("a\\b", "it contains `\\`, which URLs treat as `/`"),
            (
                &"x".repeat(MAX_ID_BYTES + 1),
                "it is longer than 1024 bytes, far longer than any verification ID",
            ),
        ] {
            match check(id) {
                Err(Error::InvalidId { reason: got, .. }) => assert_eq!(got, reason, "{id:?}"),
                other => panic!("{id:?}: expected InvalidId, got {other:?}"),
            }
        }
    }

    #[test]
    fn ordinary_ids_pass_unchanged() {
        for id in ["abc", "...", "a.b", "$x:y", "a/b", "a b", "ü"] {
            assert_eq!(check(id).ok(), Some(id));
        }
        assert_eq!(path_segment("a/b c%"), "a%2Fb%20c%25");
    }
}
