//! How this program was invoked, so that what it tells a person to run is a command they can
//! run.

/// The program's name, as a hint names it.
pub(crate) fn program() -> &'static str {
    "beeper-verify"
}

/// The command line that runs this program with `args`.
pub(crate) fn command(args: &str) -> String {
    format!("{} {args}", program())
}
