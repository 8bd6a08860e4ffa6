//! How this program was invoked, so that a command a hint names is one the person can run, as
//! they ran this one: `beeper-verify verify` after `beeper-verify status`,
//! `./target/release/beeper-verify verify` after `./target/release/beeper-verify status`, and
//! `cargo run -p beeper-verification-cli -- verify` after `cargo run -- demo` (the binary's own
//! name is no command to someone who has not installed it).

use std::ffi::{OsStr, OsString};
use std::sync::OnceLock;

/// The name used when the invocation says nothing usable.
const DEFAULT: &str = "beeper-verify";

/// The program's name, as hints name it: the command that runs it again.
pub(crate) fn program() -> &'static str {
    static PROGRAM: OnceLock<String> = OnceLock::new();
    PROGRAM.get_or_init(|| program_from(std::env::args_os().next(), |name| std::env::var_os(name)))
}

/// The command line that runs this program with `args`.
pub(crate) fn command(args: &str) -> String {
    format!("{} {args}", program())
}

/// [`program`], from `argv[0]` and the environment `var`. Under `cargo run` (cargo sets `CARGO`
/// and this package's `CARGO_PKG_NAME` for the program it runs), the `cargo run` command that
/// runs it from anywhere in the workspace; else `argv[0]` as given (a name found on `PATH`, or
/// the path typed), quoted for a shell when it needs it; else `beeper-verify`.
fn program_from(arg0: Option<OsString>, var: impl Fn(&str) -> Option<OsString>) -> String {
    const PACKAGE: &str = env!("CARGO_PKG_NAME");
    if var("CARGO").is_some() && var("CARGO_PKG_NAME").as_deref() == Some(OsStr::new(PACKAGE)) {
        return format!("cargo run -p {PACKAGE} --");
    }
    match arg0.and_then(|arg0| arg0.into_string().ok()) {
        Some(name) if !name.is_empty() && !name.chars().any(char::is_control) => {
            shell_quoted(&name)
        }
        _ => DEFAULT.to_owned(),
    }
}

/// `word` as a POSIX shell reads it back: as it is when it holds only characters no shell
/// treats specially, else in single quotes.
fn shell_quoted(word: &str) -> String {
    let plain = |c: char| c.is_alphanumeric() || "-_./+:@%,=".contains(c);
    if word.chars().all(plain) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &str) -> Option<OsString> {
        None
    }

    #[test]
    fn the_program_is_named_as_it_was_run() {
        let arg0 = |s: &str| Some(OsString::from(s));
        assert_eq!(program_from(arg0("beeper-verify"), none), "beeper-verify");
        assert_eq!(
            program_from(arg0("./target/release/beeper-verify"), none),
            "./target/release/beeper-verify"
        );
        assert_eq!(
            program_from(arg0("/opt/my tools/bv"), none),
            "'/opt/my tools/bv'"
        );
        assert_eq!(program_from(arg0("it's"), none), r"'it'\''s'");
        for unusable in [arg0(""), arg0("bv\u{1b}[2J"), None] {
            assert_eq!(program_from(unusable, none), "beeper-verify");
        }
    }

    #[test]
    fn under_cargo_run_it_is_the_cargo_command() {
        let cargo = |name: &str| match name {
            "CARGO" => Some(OsString::from("/usr/bin/cargo")),
            "CARGO_PKG_NAME" => Some(OsString::from("beeper-verification-cli")),
            _ => None,
        };
        assert_eq!(
            program_from(Some("target/debug/beeper-verify".into()), cargo),
            "cargo run -p beeper-verification-cli --"
        );
        // Another package's cargo run that runs this program: the program as run.
        let other = |name: &str| match name {
            "CARGO" => Some(OsString::from("/usr/bin/cargo")),
            "CARGO_PKG_NAME" => Some(OsString::from("something-else")),
            _ => None,
        };
        assert_eq!(
            program_from(Some("beeper-verify".into()), other),
            "beeper-verify"
        );
    }
}
