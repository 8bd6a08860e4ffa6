//! The command line: every command and option, parsed with clap.
//!
//! Where Beeper Desktop is and the token (`--base-url`, `--token-file`, `--token`, `--timeout`)
//! are options of each command that talks to it, read from the environment when not given
//! (`BEEPER_BASE_URL`, `BEEPER_ACCESS_TOKEN`), and the token last from the stored file (see
//! [`stored_token`]): they do not appear on `demo`, which runs its own
//! fake, nor in a usage line because the environment set them. The token is best given by the
//! environment or a file: on the command line, other users see it in `ps`, and the shell
//! keeps it in its history. `--json` and `--quiet` go with
//! every command.

use std::path::PathBuf;
use std::time::Duration;

use beeper_verification::{VerificationId, VerificationState};
use clap::{Args, Parser, Subcommand, ValueEnum};
use secrecy::{ExposeSecret, SecretString};

use crate::stored_token::{self, TokenSource};

/// Verify this device with Beeper Desktop: compare emoji or scan a QR code with another
/// signed-in device.
#[derive(Debug, Parser)]
#[command(name = "beeper-verify", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub output: OutputArgs,
    /// Connection options may come before the command too (`beeper-verify --base-url U
    /// status`); the command's own win.
    #[command(flatten)]
    pub conn: Connection,
    #[command(subcommand)]
    pub command: Command,
}

/// How results are printed, for every command.
#[derive(Debug, Clone, Copy, Args)]
pub(crate) struct OutputArgs {
    /// Print the API's JSON (wire field names), one document per command; an error is a JSON
    /// object `{"error": {...}}` on standard output too.
    #[arg(long, global = true)]
    pub json: bool,
    /// Print only results and errors: no progress, hints or spinner.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// With an error, show what caused it too, down to the HTTP stack's own words.
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

/// Where Beeper Desktop is, and how to reach it.
#[derive(Debug, Clone, Args)]
pub(crate) struct Connection {
    /// The Beeper Desktop API's base URL [env: BEEPER_BASE_URL] [default: http://localhost:23373]
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// A file holding the access token (`-`: the first line of standard input); without it
    /// or --token, BEEPER_ACCESS_TOKEN, else the stored token (~/.config/beeper-verify/token).
    /// Either is safer than --token, which `ps` shows to every user of this machine and your
    /// shell keeps in its history. Create a token in Beeper Desktop under Settings →
    /// Developers
    #[arg(long, value_name = "PATH", conflicts_with = "token")]
    pub token_file: Option<PathBuf>,
    /// The access token. Prefer BEEPER_ACCESS_TOKEN or --token-file: a token given here is
    /// shown by `ps` to every user of this machine and kept in your shell history
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// Seconds one try of a request may take, more than 0 and at most a day; a read that
    /// times out is tried again, so a command may take longer in all [default: 30]
    #[arg(long, value_name = "SECS", value_parser = request_timeout)]
    pub timeout: Option<Duration>,
}

impl Connection {
    /// Whether any option was given.
    pub fn is_given(&self) -> bool {
        self.base_url.is_some()
            || self.token.is_some()
            || self.token_file.is_some()
            || self.timeout.is_some()
    }

    /// These options, with `before` (given before the command) where these are missing. The
    /// token and the token file go together: either one given after the command wins.
    pub fn or(&self, before: &Connection) -> Connection {
        let token_from = if self.token.is_some() || self.token_file.is_some() {
            self
        } else {
            before
        };
        Connection {
            base_url: self.base_url.clone().or_else(|| before.base_url.clone()),
            token: token_from.token.clone(),
            token_file: token_from.token_file.clone(),
            timeout: self.timeout.or(before.timeout),
        }
    }

    /// The base URL: `--base-url`, else `BEEPER_BASE_URL` when set and not empty, else the
    /// default.
    pub fn base_url(&self) -> String {
        self.base_url
            .clone()
            .or_else(|| non_empty_env(beeper_verification::ClientBuilder::ENV_BASE_URL))
            .unwrap_or_else(|| beeper_verification::ClientBuilder::DEFAULT_BASE_URL.to_owned())
    }

    /// The token and where it came from: `--token`, else what `--token-file` holds, else
    /// `BEEPER_ACCESS_TOKEN` when set and not empty, else the stored token (see
    /// [`stored_token`]). A token file (or stored token) that cannot be
    /// read, is empty or holds more than the token is an error to report as a usage error; no
    /// message shows what the file holds.
    pub fn token(&self) -> Result<Option<(String, TokenSource)>, String> {
        if let Some(token) = &self.token {
            return Ok(Some((token.clone(), TokenSource::Argument)));
        }
        if let Some(path) = &self.token_file {
            return read_token_file(path).map(|t| Some((t, TokenSource::File(path.clone()))));
        }
        if let Some(token) = non_empty_env(beeper_verification::ClientBuilder::ENV_ACCESS_TOKEN) {
            return Ok(Some((token, TokenSource::Environment)));
        }
        Ok(stored_token::read()?.map(|(token, path)| {
            (
                token.expose_secret().trim().to_owned(),
                TokenSource::Stored(path),
            )
        }))
    }
}

/// The most a token or key file may hold, in bytes: far more than any token or key, and little
/// enough that a wrong path (a device, a log) is refused without reading it all.
const SECRET_FILE_LIMIT: u64 = 64 * 1024;

/// Which secret a file or standard input holds, for what its messages say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Secret {
    /// The access token (`--token-file`).
    Token,
    /// The account's recovery key (`--key-file`, `--existing-key-file`, standard input).
    RecoveryKey,
}

impl Secret {
    fn what(self) -> &'static str {
        match self {
            Self::Token => "the access token",
            Self::RecoveryKey => "the recovery key",
        }
    }

    fn where_to_get_one(self) -> &'static str {
        match self {
            Self::Token => " (create one in Beeper Desktop under Settings → Developers)",
            Self::RecoveryKey => "",
        }
    }
}

/// The token in the file at `path`, or in the first line of standard input for `-` (the rest
/// stays for the emoji prompt): surrounding whitespace, a final line break included, is
/// trimmed.
fn read_token_file(path: &std::path::Path) -> Result<String, String> {
    let name = if path.as_os_str() == "-" {
        "standard input (--token-file -)".to_owned()
    } else {
        format!("the token file {}", path.display())
    };
    let token = read_secret(path, &name, Secret::Token)?;
    Ok(token.expose_secret().trim().to_owned())
}

/// The secret in the file at `path`, or in the first line of standard input for `-` (the rest
/// stays for a later prompt), named `name` in messages. Whatever was read is zeroed when
/// dropped. One that cannot be read or is empty, or a token file of more than one line, is an
/// error that never shows what the file holds.
pub(crate) fn read_secret(
    path: &std::path::Path,
    name: &str,
    secret: Secret,
) -> Result<SecretString, String> {
    use std::io::{BufRead, Read};
    let mut bytes = Vec::new();
    let read = if path.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .take(SECRET_FILE_LIMIT + 1)
            .read_until(b'\n', &mut bytes)
    } else {
        std::fs::File::open(path)
            .and_then(|file| file.take(SECRET_FILE_LIMIT + 1).read_to_end(&mut bytes))
    };
    checked_secret(bytes, read, name, secret)
}

/// The secret in an open file, named `name` in messages, read and checked as [`read_secret`]
/// does: for a file that was opened (and its metadata checked) by the caller.
pub(crate) fn read_secret_from(
    file: std::fs::File,
    name: &str,
    secret: Secret,
) -> Result<SecretString, String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    let read = file.take(SECRET_FILE_LIMIT + 1).read_to_end(&mut bytes);
    checked_secret(bytes, read, name, secret)
}

/// `bytes`, as read with the outcome `read`, as a secret: text, not empty, within the limit,
/// and one line for a token. Whatever was read is zeroed however this ends, and no message
/// shows it.
fn checked_secret(
    bytes: Vec<u8>,
    read: std::io::Result<usize>,
    name: &str,
    secret: Secret,
) -> Result<SecretString, String> {
    let what = secret.what();
    let text = match String::from_utf8(bytes) {
        Ok(text) => SecretString::from(text),
        Err(e) => {
            drop(secrecy::SecretSlice::from(e.into_bytes()));
            read.map_err(|e| format!("cannot read {name}: {e}"))?;
            return Err(format!("{name} is not text"));
        }
    };
    read.map_err(|e| format!("cannot read {name}: {e}"))?;
    if text.expose_secret().len() as u64 > SECRET_FILE_LIMIT {
        return Err(format!(
            "{name} holds more than {SECRET_FILE_LIMIT} bytes; it must hold only {what}"
        ));
    }
    let trimmed = text.expose_secret().trim();
    if trimmed.is_empty() {
        return Err(format!(
            "{name} is empty; it must hold {what}{}",
            secret.where_to_get_one()
        ));
    }
    // A recovery key written down may break across lines; the key reads the same (its
    // whitespace is made regular). A token is one line.
    if matches!(secret, Secret::Token) && trimmed.contains(['\n', '\r']) {
        return Err(format!(
            "{name} holds more than one line; it must hold only {what}"
        ));
    }
    Ok(text)
}

fn non_empty_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// The session state, what it means and what to do next.
    Status {
        #[command(flatten)]
        conn: Connection,
    },
    /// The pending and active verifications, as Beeper Desktop lists them (ended ones drop
    /// out; `show ID` still finds them).
    List {
        #[command(flatten)]
        conn: Connection,
    },
    /// One verification, with what to do next.
    Show {
        /// The verification ID.
        #[arg(value_parser = verification_id)]
        id: VerificationId,
        #[command(flatten)]
        conn: Connection,
    },
    /// Start verifying this device from another signed-in device.
    Start {
        /// Why the verification is started.
        #[arg(long, value_enum)]
        purpose: Option<PurposeArg>,
        /// The Beeper user to verify (default: the signed-in user).
        #[arg(long = "user", value_name = "USER_ID")]
        user_id: Option<String>,
        #[command(flatten)]
        conn: Connection,
    },
    /// Accept an incoming verification request.
    Accept {
        /// The verification ID.
        #[arg(value_parser = verification_id)]
        id: VerificationId,
        #[command(flatten)]
        conn: Connection,
    },
    /// Cancel a verification.
    Cancel {
        /// The verification ID.
        #[arg(value_parser = verification_id)]
        id: VerificationId,
        /// A cancel code, such as m.user or m.mismatched_sas.
        #[arg(long)]
        code: Option<String>,
        /// A reason to show the other device.
        #[arg(long)]
        reason: Option<String>,
        #[command(flatten)]
        conn: Connection,
    },
    /// The emoji comparison steps.
    #[command(subcommand)]
    Sas(SasCommand),
    /// The QR code steps.
    #[command(subcommand)]
    Qr(QrCommand),
    /// Wait until a verification reaches one of the given states.
    Wait {
        /// The verification ID.
        #[arg(value_parser = verification_id)]
        id: VerificationId,
        /// The states to wait for, comma-separated.
        #[arg(long, value_name = "STATE", value_delimiter = ',', required = true, value_parser = states())]
        until: Vec<VerificationState>,
        /// Seconds to wait at most, more than 0 and at most a day [default: 600]
        #[arg(long, value_name = "SECS", value_parser = wait_time)]
        max_wait: Option<Duration>,
        #[command(flatten)]
        conn: Connection,
    },
    /// Verify this device, guided: start or resume a verification and see it through.
    ///
    /// When the session needs your recovery key (`needs-secrets`), it asks for the key instead,
    /// as `recovery-key` does.
    Verify {
        #[command(flatten)]
        verify: VerifyArgs,
        #[command(flatten)]
        key: KeyArgs,
        #[command(flatten)]
        conn: Connection,
    },
    /// Verify this device with the account's recovery key: no other device needed.
    ///
    /// At a terminal the key is asked for without echo; otherwise it is the first line of
    /// standard input, or the file of --key-file. It is never taken from the command line,
    /// and never printed.
    RecoveryKey {
        #[command(flatten)]
        key: KeyArgs,
        #[command(flatten)]
        conn: Connection,
    },
    /// Make a new recovery key, to replace a lost one. It cannot be undone.
    ///
    /// It says first what a reset destroys and asks whether to go on; then shows the new key
    /// once and puts it in force only when you answer that you saved it. With --json it needs
    /// --yes, and the key is in the JSON result.
    ResetRecoveryKey {
        /// A file holding the current recovery key, if you still have it (`-`: the first line
        /// of standard input).
        #[arg(long, value_name = "PATH")]
        existing_key_file: Option<PathBuf>,
        /// Answer both questions with yes: go on with the reset, and the new key was saved.
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        conn: Connection,
    },
    /// Take this device from wherever it is to trusted: sign in, create the account when the
    /// address has none, then verify.
    ///
    /// It asks for the email address (or takes --email) and the code mailed to it (never from
    /// the command line); for a new account, a username and whether you accept the terms; then
    /// how to verify: compare emoji or show a QR code with another signed-in device, or enter
    /// your recovery key. Answers may come on standard input, one a line. The access token of
    /// the sign-in is saved for the commands that follow (see forget-token), and is printed
    /// only with --print-token. Run it again after any stop: it goes on from where the device
    /// is.
    Setup {
        #[command(flatten)]
        setup: SetupArgs,
        #[command(flatten)]
        key: KeyArgs,
        #[command(flatten)]
        conn: Connection,
    },
    /// See the whole journey against a built-in fake Beeper Desktop with a simulated second
    /// device, nothing else needed: sign in (the demo shows the emailed code and enters it),
    /// then verify.
    #[cfg(feature = "demo")]
    Demo {
        /// How to verify.
        #[arg(long, value_enum, default_value_t = MethodArg::Sas)]
        method: MethodArg,
        /// Answer the comparison with yes, or enter the recovery key (for scripts and CI).
        #[arg(long)]
        yes: bool,
        /// Type the email address and the code from the mail yourself, instead of the demo.
        #[arg(long, conflicts_with_all = ["signed_in", "recovery_key"])]
        type_sign_in: bool,
        /// Start signed in, at the verification: skip the sign-in.
        #[arg(long, conflicts_with = "recovery_key")]
        signed_in: bool,
        /// Show the recovery-key journey instead: the fake starts signed in and needing your
        /// recovery key, and you enter the key it tells you.
        #[arg(long, conflicts_with = "method")]
        recovery_key: bool,
    },
    /// Forget the access token stored for the commands that follow: its file is deleted.
    ///
    /// Commands read the stored token when neither --token, --token-file nor
    /// BEEPER_ACCESS_TOKEN gives one. The token itself stays valid until you revoke it in
    /// Beeper Desktop under Settings → Developers. With no token stored, it says so and
    /// succeeds.
    ForgetToken,
    /// Print a completion script for a shell: `beeper-verify completions bash > ...`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

impl Command {
    /// The connection options of a command that talks to Beeper Desktop.
    pub fn connection(&self) -> Option<&Connection> {
        match self {
            Self::Status { conn }
            | Self::List { conn }
            | Self::Show { conn, .. }
            | Self::Start { conn, .. }
            | Self::Accept { conn, .. }
            | Self::Cancel { conn, .. }
            | Self::Wait { conn, .. }
            | Self::Verify { conn, .. }
            | Self::RecoveryKey { conn, .. }
            | Self::ResetRecoveryKey { conn, .. }
            | Self::Setup { conn, .. }
            | Self::Sas(SasCommand::Start { conn, .. } | SasCommand::Confirm { conn, .. })
            | Self::Qr(QrCommand::Scan { conn, .. } | QrCommand::Confirm { conn, .. }) => {
                Some(conn)
            }
            #[cfg(feature = "demo")]
            Self::Demo { .. } => None,
            Self::ForgetToken | Self::Completions { .. } => None,
        }
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum SasCommand {
    /// Start the emoji comparison.
    Start {
        /// The verification ID.
        #[arg(value_parser = verification_id)]
        id: VerificationId,
        #[command(flatten)]
        conn: Connection,
    },
    /// Confirm that the emoji match on both devices.
    Confirm {
        /// The verification ID.
        #[arg(value_parser = verification_id)]
        id: VerificationId,
        #[command(flatten)]
        conn: Connection,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum QrCommand {
    /// Submit the QR code payload scanned from the other device.
    Scan {
        /// The payload the camera read.
        #[arg(value_parser = qr_payload)]
        data: String,
        #[command(flatten)]
        conn: Connection,
    },
    /// Confirm that the other device scanned this device's QR code.
    Confirm {
        /// The verification ID.
        #[arg(value_parser = verification_id)]
        id: VerificationId,
        #[command(flatten)]
        conn: Connection,
    },
}

/// Where the recovery key comes from (`recovery-key`, and `verify` when the session needs it).
/// There is no option that takes the key itself: on the command line, `ps` would show it to
/// every user of this machine, and the shell would keep it in its history.
#[derive(Debug, Clone, Args)]
pub(crate) struct KeyArgs {
    /// A file holding the recovery key (`-`: the first line of standard input). Without it,
    /// the key is asked for without echo at a terminal, or read from the first line of
    /// standard input when that is not a terminal
    #[arg(long, value_name = "PATH")]
    pub key_file: Option<PathBuf>,
}

/// Options of `setup`.
#[derive(Debug, Clone, Args)]
pub(crate) struct SetupArgs {
    /// The email address to sign in with, when nobody is signed in (else it is asked for). An
    /// address without an account gets one, once you chose a username and accepted the terms.
    #[arg(long, value_name = "EMAIL", value_parser = email)]
    pub email: Option<String>,
    /// You read and accept Beeper's Terms of Use (<https://www.beeper.com/terms-onboarding>) and
    /// Privacy Policy (<https://www.beeper.com/privacy>), for a new account: the question is not
    /// asked. Without it, creating an account needs an explicit yes, at the terminal or on a
    /// line of standard input.
    #[arg(long)]
    pub accept_terms: bool,
    /// How to verify this device, when it needs it (else it is asked): compare emoji or show a
    /// QR code with another signed-in device, or enter the recovery key.
    #[arg(long, value_enum)]
    pub method: Option<SetupMethod>,
    /// DANGEROUS: print the access token of the sign-in on standard output at the end (in the
    /// JSON result with --json). Anyone who reads it can read your messages; it is saved for
    /// the commands that follow anyway.
    #[arg(long)]
    pub print_token: bool,
}

/// How `setup` verifies this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SetupMethod {
    /// Compare emoji with another signed-in device.
    Sas,
    /// Show a QR code for another signed-in device to scan.
    Qr,
    /// Enter the account's recovery key: no other device needed.
    RecoveryKey,
}

/// Options of `verify`.
#[derive(Debug, Clone, Args)]
pub(crate) struct VerifyArgs {
    /// Why the verification is started.
    #[arg(long, value_enum)]
    pub purpose: Option<PurposeArg>,
    /// How to verify.
    #[arg(long, value_enum, default_value_t = MethodArg::Sas)]
    pub method: MethodArg,
    /// With --method qr: also write this device's QR code to this PNG file, readable by you
    /// only (a symlink there is replaced, not followed).
    #[arg(long, value_name = "FILE")]
    pub qr_png: Option<PathBuf>,
    /// With --method qr: the payload scanned from the other device's QR code, instead of
    /// showing ours.
    #[arg(long, value_name = "DATA", value_parser = qr_payload)]
    pub scan: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum PurposeArg {
    Login,
    Device,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum MethodArg {
    /// Compare emoji.
    Sas,
    /// Scan a QR code.
    Qr,
}

/// The longest `--timeout` and `--max-wait`: a day. Longer ones are surely typos, and past
/// what a clock can add they would overflow.
const LONGEST: Duration = Duration::from_secs(24 * 3600);

/// A number of seconds, more than zero and at most a day.
fn positive_seconds(value: &str) -> Result<Duration, String> {
    let seconds = value
        .trim()
        .parse::<f64>()
        .map_err(|_| format!("`{value}` is not a number of seconds"))?;
    match Duration::try_from_secs_f64(seconds) {
        Ok(d) if d.is_zero() => Err("it must be more than 0 seconds".to_owned()),
        Ok(d) if d <= LONGEST => Ok(d),
        _ => Err(format!(
            "`{value}` is not a number of seconds from more than 0 to 86400"
        )),
    }
}

fn request_timeout(value: &str) -> Result<Duration, String> {
    positive_seconds(value)
}

/// An email address given with `--email`: not empty (an empty one is a usage error, named
/// by the flag, not a question to ask again).
fn email(value: &str) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err("the email address is empty: give one like --email you@example.com".to_owned());
    }
    Ok(value.to_owned())
}

fn wait_time(value: &str) -> Result<Duration, String> {
    positive_seconds(value)
}

/// A verification ID, checked as the SDK checks it before sending: a bad one is a usage error.
fn verification_id(value: &str) -> Result<VerificationId, String> {
    VerificationId::parse(value).map_err(|e| e.to_string())
}

/// A scanned QR payload: not empty.
fn qr_payload(value: &str) -> Result<String, String> {
    if value.trim().is_empty() {
        return Err("the QR payload is empty; pass what the camera read".to_owned());
    }
    Ok(value.to_owned())
}

/// The verification states `--until` takes: the ones this version knows, as possible values
/// that help lists and shells complete.
fn states() -> impl clap::builder::TypedValueParser<Value = VerificationState> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(VerificationState::KNOWN)
        .map(|state| VerificationState::from(state.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_positive_and_at_most_a_day() {
        assert_eq!(positive_seconds("1.5"), Ok(Duration::from_millis(1500)));
        for bad in ["0", "-1", "1.8e19", "inf", "nan", "x", "86401"] {
            assert!(positive_seconds(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ids_and_payloads_are_checked_before_anything_is_sent() {
        assert!(verification_id("fv1").is_ok());
        for bad in ["", ".", "..", "a\nb", "a\\b"] {
            assert!(verification_id(bad).is_err(), "{bad:?}");
        }
        assert!(qr_payload(" ").is_err());
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
