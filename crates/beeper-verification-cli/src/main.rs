//! `beeper-verify`: verify a device with Beeper Desktop from the terminal.
//!
//! This file holds the command line (clap) and the exit codes; `commands.rs` runs each command,
//! `render.rs` lays out what is printed, `terminal.rs` writes it safely, `prompt.rs` asks,
//! `qr.rs` draws QR codes.

mod commands;
mod prompt;
mod qr;
mod render;
mod terminal;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use beeper_verification::{ConfigError, Error};
use clap::{Args, Parser, Subcommand, ValueEnum};
use terminal::clean;

/// Verify this device with Beeper Desktop: compare emoji or scan a QR code with another
/// signed-in device.
#[derive(Debug, Parser)]
#[command(name = "beeper-verify", version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Options of every command.
#[derive(Debug, Clone, Args)]
struct Global {
    /// The Beeper Desktop API's base URL.
    #[arg(long, global = true, env = "BEEPER_BASE_URL", default_value = beeper_verification::DEFAULT_BASE_URL)]
    base_url: String,
    /// The access token (create one in Beeper Desktop under Settings → Developers).
    #[arg(
        long,
        global = true,
        env = "BEEPER_ACCESS_TOKEN",
        hide_env_values = true
    )]
    token: Option<String>,
    /// Print the API's JSON (wire field names), one document per command.
    #[arg(long, global = true)]
    json: bool,
    /// Seconds one request may take.
    #[arg(long, global = true, value_name = "SECS", value_parser = seconds)]
    timeout: Option<Duration>,
    /// Print only results: no progress, hints or spinner.
    #[arg(short, long, global = true)]
    quiet: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The session state, what it means and what to do next.
    Status,
    /// Pending and active verifications.
    List,
    /// One verification.
    Show {
        /// The verification ID.
        id: String,
    },
    /// Start verifying this device from another signed-in device.
    Start {
        /// Why the verification is started.
        #[arg(long, value_enum)]
        purpose: Option<PurposeArg>,
        /// The Beeper user to verify (default: the signed-in user).
        #[arg(long = "user", value_name = "USER_ID")]
        user_id: Option<String>,
    },
    /// Accept an incoming verification request.
    Accept {
        /// The verification ID.
        id: String,
    },
    /// Cancel a verification.
    Cancel {
        /// The verification ID.
        id: String,
        /// A cancel code, such as m.user or m.mismatched_sas.
        #[arg(long)]
        code: Option<String>,
        /// A reason to show the other device.
        #[arg(long)]
        reason: Option<String>,
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
        id: String,
        /// The states to wait for, comma-separated (requested, ready, sas_ready, qr_scanned, done, cancelled, error).
        #[arg(long, value_delimiter = ',', required = true, value_parser = state)]
        until: Vec<beeper_verification::VerificationState>,
        /// Seconds to wait at most (default 600).
        #[arg(long, value_name = "SECS", value_parser = seconds)]
        max_wait: Option<Duration>,
    },
    /// Verify this device, guided: start or resume a verification and see it through.
    Verify(VerifyArgs),
    /// See a whole verification happen against a built-in fake Beeper Desktop.
    Demo {
        #[command(flatten)]
        verify: VerifyArgs,
        /// Answer the comparison with yes (for scripts and CI).
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
enum SasCommand {
    /// Start the emoji comparison.
    Start {
        /// The verification ID.
        id: String,
    },
    /// Confirm that the emoji match on both devices.
    Confirm {
        /// The verification ID.
        id: String,
    },
}

#[derive(Debug, Subcommand)]
enum QrCommand {
    /// Submit the QR code payload scanned from the other device.
    Scan {
        /// The payload the camera read.
        data: String,
    },
    /// Confirm that the other device scanned this device's QR code.
    Confirm {
        /// The verification ID.
        id: String,
    },
}

/// Options of `verify` and `demo`.
#[derive(Debug, Clone, Args)]
struct VerifyArgs {
    /// Why the verification is started.
    #[arg(long, value_enum)]
    purpose: Option<PurposeArg>,
    /// How to verify.
    #[arg(long, value_enum, default_value_t = MethodArg::Sas)]
    method: MethodArg,
    /// With --method qr: also write this device's QR code to this PNG file.
    #[arg(long, value_name = "FILE")]
    qr_png: Option<PathBuf>,
    /// With --method qr: the payload scanned from the other device's QR code, instead of showing ours.
    #[arg(long, value_name = "DATA")]
    scan: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PurposeArg {
    Login,
    Device,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum MethodArg {
    /// Compare emoji.
    Sas,
    /// Scan a QR code.
    Qr,
}

fn seconds(value: &str) -> Result<Duration, String> {
    value
        .parse::<f64>()
        .ok()
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| format!("`{value}` is not a number of seconds"))
}

fn state(value: &str) -> Result<beeper_verification::VerificationState, String> {
    let state = beeper_verification::VerificationState::from(value);
    if state.is_unknown() {
        let known = beeper_verification::VerificationState::KNOWN.join(", ");
        return Err(format!(
            "`{value}` is not a verification state (one of: {known})"
        ));
    }
    Ok(state)
}

/// The exit codes, as the README documents them.
mod exit {
    pub const API: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const WAIT_TIMED_OUT: u8 = 3;
    pub const ENDED: u8 = 4;
    /// The reader closed standard output (`| head`): 128 + SIGPIPE, the status of a Unix tool
    /// that the signal ended.
    pub const CLOSED: u8 = 141;
}

/// Why a command failed: an error of the SDK, or of the terminal around it.
#[derive(Debug)]
enum Failure {
    Sdk(Error),
    /// A local failure (a file that cannot be written, a terminal that cannot be read).
    Local(String),
    /// Options that do not go together.
    Usage(String),
    /// The reader of standard output went away; end quietly.
    Closed,
    /// Nobody answered the emoji comparison (the input ended), so it was cancelled with `m.user`.
    NoAnswer(Error),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Self::Sdk(error)
    }
}

/// The exit code and the one or two lines to print for a failure.
fn report(failure: &Failure) -> (u8, String) {
    let error = match failure {
        Failure::Sdk(error) => error,
        Failure::Local(message) => return (exit::API, format!("error: {}", clean(message))),
        Failure::Usage(message) => return (exit::USAGE, format!("error: {}", clean(message))),
        Failure::Closed => return (exit::CLOSED, String::new()),
        Failure::NoAnswer(error) => {
            return (
                exit::ENDED,
                format!(
                    "error: no answer to the emoji comparison (the input ended), so the \
                     verification was cancelled with m.user ({})\n\
                     hint: run it again at a terminal, or answer on standard input",
                    clean(&error.to_string())
                ),
            );
        }
    };
    // The error and its causes, as one line: what the server said is in it, made safe.
    let mut text = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    let text = clean(&text);
    let code = match error {
        Error::Config(_) => exit::USAGE,
        Error::WaitTimedOut { .. } => exit::WAIT_TIMED_OUT,
        Error::VerificationEnded { .. } => exit::ENDED,
        _ => exit::API,
    };
    match hint(error) {
        Some(hint) => (code, format!("error: {text}\nhint: {hint}")),
        None => (code, format!("error: {text}")),
    }
}

/// What to do next, in this program's terms (its flags and commands) where they differ from
/// the SDK's.
fn hint(error: &Error) -> Option<&'static str> {
    match error {
        Error::Config(ConfigError::MissingToken) => Some(
            "set BEEPER_ACCESS_TOKEN or pass --token; create one in Beeper Desktop under Settings → Developers",
        ),
        Error::Config(ConfigError::InsecureHttp { .. }) => {
            Some("use an https base URL, or Beeper Desktop on this machine")
        }
        Error::Api(e) if e.status == 401 => {
            Some("check the access token: set BEEPER_ACCESS_TOKEN or pass --token")
        }
        Error::WaitTimedOut { .. } => Some("raise --max-wait, or check the other device"),
        Error::VerificationEnded { .. } => Some("run `beeper-verify verify` to start again"),
        Error::Connect { .. } => {
            Some("start Beeper Desktop and enable its API, or pass --base-url")
        }
        Error::Timeout { .. } => Some("the server may be busy: try again, or raise --timeout"),
        _ => error.hint(),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let quiet = cli.global.quiet;
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            terminal::err(&format!("error: cannot start the async runtime: {e}\n"));
            return ExitCode::from(exit::API);
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            let (code, mut message) = report(&failure);
            if quiet {
                // Only results, and the error itself: no hints.
                message = message
                    .lines()
                    .filter(|line| !line.starts_with("hint: "))
                    .collect::<Vec<_>>()
                    .join("\n");
            }
            if !message.is_empty() {
                terminal::err(&format!("{message}\n"));
            }
            ExitCode::from(code)
        }
    }
}
