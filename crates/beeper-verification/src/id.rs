//! The IDs the API hands out, one type each, and the checks a verification ID passes before
//! any request carries it.
//!
//! [`VerificationId`], [`DeviceId`], [`UserId`] and [`SetupRequestId`] are strings underneath, cheap to clone (a
//! shared `Arc<str>`), and they print, compare and serialize as the string they hold. Being
//! distinct types, a device ID cannot be passed where a verification ID belongs.
//!
//! The generated client percent-encodes an ID as one path segment (`a/b` goes out as `a%2Fb`),
//! but it leaves `.` alone, so an ID of `..` would address `/v1/app/setup/` instead of a
//! verification; and the URL parser turns `\` into `/`. Such IDs, empty ones, ones with
//! control characters and ones too long for a request line get [`Error::InvalidId`] and send
//! nothing.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use crate::Error;

/// Defines one ID type: a shared string with `Display`, `AsRef<str>`, `Deref<Target = str>`,
/// comparisons with strings, conversions from them, and serde as a plain string.
macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Arc<str>);

        impl $name {
            /// The ID as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&*self.0, f)
            }
        }

        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.into())
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id.into())
            }
        }

        impl From<&String> for $name {
            fn from(id: &String) -> Self {
                Self(id.as_str().into())
            }
        }

        impl From<&$name> for $name {
            fn from(id: &$name) -> Self {
                id.clone()
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> Self {
                id.0.as_ref().to_owned()
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                &*self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                &*self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &*self.0 == other.as_str()
            }
        }

        impl PartialEq<$name> for str {
            fn eq(&self, other: &$name) -> bool {
                self == &*other.0
            }
        }

        impl PartialEq<$name> for &str {
            fn eq(&self, other: &$name) -> bool {
                *self == &*other.0
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                self.as_str() == &*other.0
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map(Self::from)
            }
        }

        #[cfg(feature = "schemars")]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({ "type": "string" })
            }
        }
    };
}

id_type! {
    /// The ID of a device verification transaction (`verification.id`), to act on it with
    /// [`Client::verification`](crate::Client::verification).
    ///
    /// Every method that takes one also takes a `&str` or a `String`; the ID is checked before
    /// anything is sent.
    ///
    /// ```
    /// use beeper_verification::VerificationId;
    ///
    /// let id = VerificationId::from("fv7sd2");
    /// assert_eq!(id, "fv7sd2");
    /// assert_eq!(id.to_string(), "fv7sd2");
    /// assert_eq!(serde_json::to_string(&id).unwrap(), r#""fv7sd2""#);
    /// let cheap = id.clone(); // a shared string: no copy of the text
    /// assert_eq!(cheap.len(), 6); // and every `str` method
    /// ```
    VerificationId
}

impl std::str::FromStr for VerificationId {
    type Err = Error;

    /// [`VerificationId::parse`]: an ID that cannot be sent as one path segment is
    /// [`Error::InvalidId`].
    ///
    /// ```
    /// use beeper_verification::VerificationId;
    ///
    /// let id: VerificationId = "fv7sd2".parse()?;
    /// assert_eq!(id, "fv7sd2");
    /// assert!("..".parse::<VerificationId>().is_err());
    /// # Ok::<(), beeper_verification::Error>(())
    /// ```
    fn from_str(id: &str) -> Result<Self, Error> {
        Self::parse(id)
    }
}

impl std::str::FromStr for DeviceId {
    type Err = std::convert::Infallible;

    /// Any text is a device ID; nothing is checked.
    fn from_str(id: &str) -> Result<Self, Self::Err> {
        Ok(Self::from(id))
    }
}

impl std::str::FromStr for UserId {
    type Err = std::convert::Infallible;

    /// Any text is a user ID; nothing is checked.
    fn from_str(id: &str) -> Result<Self, Self::Err> {
        Ok(Self::from(id))
    }
}

impl VerificationId {
    /// An ID checked as every method checks it before sending: not empty, not `.` or `..`,
    /// no control character or `\`, at most 1024 bytes. For IDs a person typed; an ID from
    /// the server needs no check here (the methods check it anyway).
    ///
    /// ```
    /// use beeper_verification::{Error, VerificationId};
    ///
    /// assert!(VerificationId::parse("fv7sd2").is_ok());
    /// assert!(matches!(VerificationId::parse(".."), Err(Error::InvalidId { .. })));
    /// ```
    pub fn parse(id: &str) -> Result<Self, Error> {
        check(id).map(Self::from)
    }
}

id_type! {
    /// The ID of a device (`session.matrix.deviceID`, `verification.otherDevice.id`).
    DeviceId
}

id_type! {
    /// A Beeper user ID (`session.matrix.userID`, `verification.otherUserID`), such as
    /// `@you:beeper.com`.
    UserId
}

id_type! {
    /// The ID of one sign-in attempt (`setupRequestID`), from
    /// [`SignInApi::start`](crate::SignInApi::start): every later call of the attempt quotes
    /// it, in its body (never in a path). Treat it as short-lived: start a new attempt rather
    /// than keep one.
    SetupRequestId
}

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
            reason: reason.to_owned(),
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
    use std::collections::HashSet;

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

    #[test]
    fn ids_behave_as_the_strings_they_hold() {
        let id = VerificationId::from(String::from("v1"));
        assert_eq!(id, "v1");
        assert_eq!("v1", id);
        assert_eq!(String::from("v1"), id);
        assert_eq!(format!("{id} {id:?}"), r#"v1 "v1""#);
        let set: HashSet<VerificationId> = [id.clone()].into();
        assert!(set.contains("v1"), "Borrow<str> agrees with Hash and Eq");
        let back: VerificationId = serde_json::from_str(r#""v1""#).expect("a string");
        assert_eq!(back, id);
        assert_eq!(String::from(back), "v1");
    }
}
