//! The names the fake knows, as enums: a typo in Rust does not compile, and a typo over HTTP is
//! a 422 naming the field, instead of a rule that silently never matches.

/// A name the fake does not know, such as an operation spelt `confirmVerificationSass`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{name}`; expected one of: {}", expected.join(", "))]
#[non_exhaustive]
pub struct UnknownName {
    /// What kind of name it was meant to be, such as `operation`.
    pub what: &'static str,
    /// The name as given.
    pub name: String,
    /// Every name of that kind.
    pub expected: &'static [&'static str],
}

/// Declares a `#[non_exhaustive]` enum of names as the API spells them, with `ALL`, `as_str`,
/// `Display`, `FromStr` (erring with [`UnknownName`]) and serde as those strings.
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($what:literal) {
            $( $(#[$variant_meta:meta])* $variant:ident = $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$variant_meta])* $variant, )+
        }

        impl $name {
            /// Every value, in the order the spec lists them.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            const NAMES: &'static [&'static str] = &[$($wire),+];

            /// The name as the API spells it.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $wire,)+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::names::UnknownName;

            fn from_str(name: &str) -> Result<Self, Self::Err> {
                match name {
                    $($wire => Ok(Self::$variant),)+
                    _ => Err($crate::names::UnknownName {
                        what: $what,
                        name: name.to_owned(),
                        expected: Self::NAMES,
                    }),
                }
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let name = <::std::string::String>::deserialize(deserializer)?;
                name.parse()
                    .map_err(|_| ::serde::de::Error::unknown_variant(&name, Self::NAMES))
            }
        }
    };
}

pub(crate) use named_enum;
