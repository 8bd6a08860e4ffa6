//! Secrets as types: the access token, the account's recovery key, the emailed sign-in code
//! and the registration lead token. Each prints as
//! `[redacted]` in `Debug` and `Display`, is zeroed in memory when dropped (the `secrecy`
//! crate), and is read only through an explicit `expose_secret()`. None of them ever appears in
//! an [`Error`](crate::Error), a log line or a `Debug` of a type that holds one.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

macro_rules! secret_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone)]
        pub struct $name(SecretString);

        impl $name {
            /// The secret itself. Call it only where the secret must go: into a request, or
            /// onto a screen the person asked to see it on.
            pub fn expose_secret(&self) -> &str {
                self.0.expose_secret()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "([redacted])"))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[redacted]")
            }
        }

        impl Secret for $name {
            fn exposed(&self) -> &str {
                self.0.expose_secret()
            }
        }
    };
}

/// A secret a request may carry, for the request layer: it keeps a copy to scrub from the
/// server's errors (see `Operation::holding_secrets`).
pub(crate) trait Secret {
    /// The secret itself.
    fn exposed(&self) -> &str;
}

secret_type! {
    /// A Beeper Desktop API access token: the bearer token of every authenticated request.
    /// Build one from a `String` or `&str` (surrounding whitespace is dropped); `Debug` and
    /// `Display` never show it.
    ///
    /// ```
    /// use beeper_verification::AccessToken;
    ///
    /// let token = AccessToken::from("  tok-123\n");
    /// assert_eq!(format!("{token:?} {token}"), "AccessToken([redacted]) [redacted]");
    /// assert_eq!(token.expose_secret(), "tok-123");
    /// ```
    AccessToken
}

impl From<String> for AccessToken {
    fn from(token: String) -> Self {
        let trimmed = token.trim();
        if trimmed.len() == token.len() {
            Self(SecretString::from(token))
        } else {
            let kept = trimmed.to_owned();
            // The untrimmed copy is zeroed as it is dropped.
            drop(SecretString::from(token));
            Self(SecretString::from(kept))
        }
    }
}

impl From<&str> for AccessToken {
    fn from(token: &str) -> Self {
        Self(SecretString::from(token.trim().to_owned()))
    }
}

impl From<&String> for AccessToken {
    fn from(token: &String) -> Self {
        Self::from(token.as_str())
    }
}

secret_type! {
    /// The account's recovery key (Beeper calls it the recovery code): with it a device is
    /// trusted without another device. `Debug` and `Display` never show it.
    ///
    /// Whitespace a person types does not matter: the key is kept as its groups separated by
    /// single spaces, whatever spaces, tabs or line breaks stood around and between them.
    ///
    /// ```
    /// use beeper_verification::RecoveryKey;
    ///
    /// let key = RecoveryKey::new("  EsTc 9bD2\n  Ab7x\tQw3e ");
    /// assert_eq!(key.expose_secret(), "EsTc 9bD2 Ab7x Qw3e");
    /// assert_eq!(format!("{key:?}"), "RecoveryKey([redacted])");
    /// assert!(key.is_empty() == false);
    /// ```
    RecoveryKey
}

impl RecoveryKey {
    /// The key a person typed or pasted, with its whitespace made regular.
    pub fn new(typed: impl Into<String>) -> Self {
        let typed = SecretString::from(typed.into());
        let regular = typed
            .expose_secret()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        Self(SecretString::from(regular))
    }

    /// Whether nothing but whitespace was typed.
    pub fn is_empty(&self) -> bool {
        self.expose_secret().is_empty()
    }
}

impl From<String> for RecoveryKey {
    fn from(typed: String) -> Self {
        Self::new(typed)
    }
}

impl From<&str> for RecoveryKey {
    fn from(typed: &str) -> Self {
        Self::new(typed)
    }
}

secret_type! {
    /// The one-time code of a sign-in, as the email showed it: it proves the person reads that
    /// mailbox, so it is a secret until used. `Debug` and `Display` never show it.
    ///
    /// Whitespace around what the person typed or pasted is dropped.
    ///
    /// ```
    /// use beeper_verification::SignInCode;
    ///
    /// let code = SignInCode::new(" 482913\n");
    /// assert_eq!(code.expose_secret(), "482913");
    /// assert_eq!(format!("{code:?} {code}"), "SignInCode([redacted]) [redacted]");
    /// assert!(SignInCode::new(" \t").is_empty());
    /// ```
    SignInCode
}

impl SignInCode {
    /// The code a person typed or pasted, without the whitespace around it.
    pub fn new(typed: impl Into<String>) -> Self {
        let typed = SecretString::from(typed.into());
        Self(SecretString::from(typed.expose_secret().trim().to_owned()))
    }

    /// Whether nothing but whitespace was typed.
    pub fn is_empty(&self) -> bool {
        self.expose_secret().is_empty()
    }
}

impl From<String> for SignInCode {
    fn from(typed: String) -> Self {
        Self::new(typed)
    }
}

impl From<&str> for SignInCode {
    fn from(typed: &str) -> Self {
        Self::new(typed)
    }
}

secret_type! {
    /// The registration token Beeper hands out when an address has no account yet
    /// ([`Registration`](crate::Registration)); creating the account sends it back. Only this
    /// crate makes one, from the server's answer. `Debug` and `Display` never show it.
    LeadToken
}

impl LeadToken {
    /// The token the server sent (zeroed when dropped, like the copy it came in).
    pub(crate) fn new(token: String) -> Self {
        Self(SecretString::from(token))
    }
}

/// Zeroes a copy of a secret that had to be a plain `String` (a generated request body).
pub(crate) fn wipe(copy: String) {
    drop(SecretString::from(copy));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let token = AccessToken::from("s3cr3t");
        let key = RecoveryKey::new("EsTc 9bD2");
        let code = SignInCode::new("C0d3-482913");
        let lead = LeadToken::new("L3ad-t0ken".to_owned());
        for shown in [
            format!("{token:?}"),
            format!("{token}"),
            format!("{key:?}"),
            format!("{key}"),
            format!("{:?}", Some(&key)),
            format!("{:#?}", vec![key.clone()]),
            format!("{code:?} {code} {:#?}", Some(&code)),
            format!("{lead:?} {lead} {:#?}", Some(&lead)),
        ] {
            for secret in ["s3cr3t", "EsTc", "C0d3", "L3ad"] {
                assert!(!shown.contains(secret), "{shown}");
            }
        }
    }

    #[test]
    fn a_code_keeps_what_was_typed_between_its_ends() {
        assert_eq!(SignInCode::new("\t 482 913 \n").expose_secret(), "482 913");
        assert_eq!(SignInCode::from("abc").exposed(), "abc");
    }

    #[test]
    fn whitespace_in_a_key_is_made_regular() {
        for typed in ["EsTc 9bD2", " EsTc  9bD2 ", "EsTc\n9bD2\n", "\tEsTc\t9bD2"] {
            assert_eq!(RecoveryKey::new(typed).expose_secret(), "EsTc 9bD2");
        }
        assert!(RecoveryKey::new(" \n\t ").is_empty());
    }
}
