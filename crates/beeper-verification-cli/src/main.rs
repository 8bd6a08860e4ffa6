//! `beeper-verify`: verify a device with Beeper Desktop from the terminal.
//!
//! This file holds the exit codes and how failures are reported; `args.rs` is the command line
//! (clap), `commands.rs` runs each command (`setup.rs` the guided `setup` and the demo),
//! `render.rs` lays out what is printed, `terminal.rs`
//! writes it safely, `prompt.rs` asks, `qr.rs` draws QR codes, `stored_token.rs` keeps the
//! access token for the next command (in a file `private_file.rs` writes), and `invoked.rs`
//! says how this program was run, for the commands a hint names.

mod args;
mod commands;
mod interrupt;
mod invoked;
mod private_file;
mod prompt;
mod qr;
mod render;
mod setup;
mod spinner;
mod stored_token;
mod terminal;

use std::process::ExitCode;

use beeper_verification::{ConfigError, Error, LastSeen};
use stored_token::TokenSource;
use terminal::clean;

use args::Cli;

/// The exit codes, as the README documents them.
mod exit {
    pub const API: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const WAIT_TIMED_OUT: u8 = 3;
    pub const ENDED: u8 = 4;
    /// Interrupted with Ctrl-C: 128 + SIGINT, as a shell reports it.
    pub const INTERRUPTED: u8 = 130;
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
    /// No answer to the emoji comparison was yes or no, as often as it was asked, so it was
    /// cancelled with `m.user`: nobody said the emoji differ.
    Unclear(Error),
    /// Ctrl-C; what was done about it (a verification cancelled) was said already.
    Interrupted,
    /// The person answered no (or nothing) to a question that had to be yes, such as whether
    /// the new recovery key was saved: nothing was put in force.
    Declined {
        message: &'static str,
        hint: String,
    },
    /// Putting a new recovery key in force failed after the key was made: the server may have
    /// acted on it, so the key must not be lost. `--json` carries it in the error object, once
    /// (text mode showed it before confirming).
    UnconfirmedKey {
        key: beeper_verification::RecoveryKey,
        error: Error,
    },
    /// An error of the demo, whose hints point at the demo rather than at Beeper Desktop.
    #[cfg(feature = "demo")]
    Demo(Error),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Self::Sdk(error)
    }
}

/// The exit code and the one or two lines to print for a failure: what happened, then what to
/// do. `verbose` (`-v`) adds what caused it, down to the HTTP stack's own words.
fn report(failure: &Failure, verbose: bool) -> (u8, String) {
    let error = match failure {
        Failure::Sdk(error) => error,
        Failure::Local(message) => return (exit::API, format!("error: {}", clean(message))),
        Failure::Usage(message) => return (exit::USAGE, format!("error: {}", clean(message))),
        Failure::Closed => return (exit::CLOSED, String::new()),
        Failure::Interrupted => return (exit::INTERRUPTED, String::new()),
        // As when the emoji are declined: the step ended without going on.
        Failure::Declined { message, hint } => {
            return (exit::ENDED, format!("error: {message}\nhint: {hint}"));
        }
        Failure::UnconfirmedKey { error, .. } => {
            let (code, message) = report(&Failure::Sdk(error.clone()), verbose);
            let first = message.lines().next().unwrap_or_default();
            return (
                code,
                format!(
                    "{first}\nhint: the new recovery key may be in force now: keep it, and try \
                     it with `{}` before making another",
                    invoked::command("recovery-key")
                ),
            );
        }
        #[cfg(feature = "demo")]
        Failure::Demo(error) => {
            let (code, message) = report(&Failure::Sdk(error.clone()), verbose);
            let first = message.lines().next().unwrap_or_default().to_owned();
            let hint = match error {
                Error::VerificationEnded { .. } => format!(
                    "run `{}` again (answer y to verify)",
                    invoked::command("demo")
                ),
                Error::Api(e) if e.path.contains("/recovery-key") => format!(
                    "run `{}` again, and enter the key it shows",
                    invoked::command("demo --recovery-key")
                ),
                Error::Api(e)
                    if e.path.ends_with("/setup/email") && matches!(e.status, 400 | 422) =>
                {
                    format!(
                        "type an email address like you@example.com: run `{}` again",
                        invoked::command("demo --type-sign-in")
                    )
                }
                _ => "the demo needs nothing but this program; please report this".to_owned(),
            };
            return (code, format!("{first}\nhint: {hint}"));
        }
        Failure::NoAnswer(error) => {
            return (
                exit::ENDED,
                format!(
                    "error: no answer to the emoji comparison (the input ended), so {} was \
                     cancelled with m.user\n\
                     hint: run `{}` again at a terminal, or answer y or n on standard input",
                    which(error),
                    rerun()
                ),
            );
        }
        Failure::Unclear(error) => {
            return (
                exit::ENDED,
                format!(
                    "error: no clear answer to the emoji comparison ({} answers were neither \
                     yes nor no), so {} was cancelled with m.user\n\
                     hint: run `{}` again, and answer y if the emoji match or n if they differ",
                    prompt::ASKS,
                    which(error),
                    rerun()
                ),
            );
        }
    };
    let text = describe(error, verbose);
    let code = match error {
        Error::Config(_) | Error::TokenRequired { .. } => exit::USAGE,
        _ if no_token_given(error) => exit::USAGE,
        Error::WaitTimedOut { .. } => exit::WAIT_TIMED_OUT,
        Error::VerificationEnded { .. } | Error::SetupStopped { .. } => exit::ENDED,
        _ => exit::API,
    };
    match hint(error, verbose) {
        Some(hint) => (code, format!("error: {text}\nhint: {hint}")),
        None => (code, format!("error: {text}")),
    }
}

/// The command of this run, as it was run, for a hint that says to run it again: the program
/// and the commands named (`beeper-verify sas confirm`), never the options (one may be a token).
fn rerun() -> String {
    invoked::command(&command_path(std::env::args_os()).join(" "))
}

/// What an action does, in words, as in "cannot confirm the emoji of verification ...".
fn action_words(action: &beeper_verification::Action) -> String {
    use beeper_verification::Action;
    match action {
        Action::Accept => "accept".to_owned(),
        Action::Cancel => "cancel".to_owned(),
        Action::SasStart => "start the emoji comparison of".to_owned(),
        Action::SasConfirm => "confirm the emoji of".to_owned(),
        Action::QrConfirmScanned => "confirm the QR code scan of".to_owned(),
        other => format!("do {} to", clean(&other.to_string())),
    }
}

/// Whether a certificate error is among the causes of `error`: a connection that failed
/// because the server's TLS certificate was not trusted.
fn certificate_refused(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    let mut depth = 0;
    while let Some(inner) = cause
        && depth < 32
    {
        if inner
            .to_string()
            .to_ascii_lowercase()
            .contains("certificate")
        {
            return true;
        }
        cause = inner.source();
        depth += 1;
    }
    false
}

/// Which verification ended, as messages name it.
fn which(error: &Error) -> String {
    error
        .ended_verification()
        .map(|v| format!("verification {}", clean(&v.id)))
        .unwrap_or_else(|| "the verification".to_owned())
}

/// What happened, in one line made safe to show. Its causes follow only where they say more
/// than the error itself (a body that is not the expected JSON, the last failed poll of a
/// wait), one level deep; with `verbose`, all of them.
fn describe(error: &Error, verbose: bool) -> String {
    let mut text = match error {
        Error::Config(ConfigError::MissingToken) | Error::TokenRequired { .. } => missing_token(),
        _ if no_token_given(error) => missing_token(),
        Error::Config(ConfigError::TlsNotEnabled { url, .. }) => format!(
            "this {} was built without https (its `rustls` feature), so it cannot reach {url}",
            env!("CARGO_BIN_NAME")
        ),
        Error::VerificationEnded { verification, .. } => ended(verification),
        Error::ActionNotAvailable { action, .. } => {
            let text = error.to_string();
            let library = format!("cannot {action} ");
            match text.strip_prefix(&library) {
                Some(rest) => format!("cannot {} {rest}", action_words(action)),
                None => text,
            }
        }
        Error::Connect { .. } if !verbose && certificate_refused(error) => {
            format!("{error}: the server's TLS certificate was not accepted")
        }
        _ => error.to_string(),
    };
    let depth = match error {
        _ if verbose => usize::MAX,
        Error::InvalidResponse { .. }
        | Error::WaitTimedOut { .. }
        | Error::Config(ConfigError::HttpClient(_)) => 1,
        _ => 0,
    };
    let mut cause = std::error::Error::source(error);
    let mut shown = 0;
    while let Some(inner) = cause
        && shown < depth
    {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
        shown += 1;
    }
    clean(&text).into_owned()
}

/// How a verification ended, in a sentence: `verification fv1 was cancelled: Declined (m.user)`.
fn ended(verification: &beeper_verification::Verification) -> String {
    use beeper_verification::VerificationState;
    let id = &verification.id;
    let mut text = match &verification.state {
        VerificationState::Done => format!("verification {id} is done"),
        VerificationState::Cancelled => format!("verification {id} was cancelled"),
        VerificationState::Error => format!("verification {id} failed"),
        other => format!("verification {id} ended ({other})"),
    };
    if let Some(info) = &verification.error {
        // A reason is a sentence of its own; the code follows it.
        let reason = info.reason.trim().trim_end_matches('.');
        text.push_str(&format!(": {reason} ({})", info.code));
    }
    text
}

/// What to do next, in this program's terms (its flags and commands) where they differ from
/// the SDK's; for a wait, from what the verification was waiting for last.
fn hint(error: &Error, verbose: bool) -> Option<String> {
    if let Error::WaitTimedOut {
        last_seen: Some(LastSeen::Verification(last)),
        ..
    } = error
    {
        return Some(format!(
            "{}; or wait longer with --max-wait",
            render::next(last)
        ));
    }
    if let Some(hint) = recovery_key_hint(error) {
        return Some(hint);
    }
    if let Some(hint) = sign_in_hint(error) {
        return Some(hint);
    }
    if let Error::TokenRequired { .. } | Error::Config(ConfigError::MissingToken) = error {
        return Some(format!(
            "sign in with `{}`, which saves the token for the commands that follow; or set \
             BEEPER_ACCESS_TOKEN or use --token-file PATH with a token created in Beeper Desktop \
             under Settings → Developers",
            invoked::command("setup")
        ));
    }
    if no_token_given(error) {
        return Some(format!(
            "Beeper Desktop is signed in, and answers only with an access token: set \
             BEEPER_ACCESS_TOKEN or use --token-file PATH with one created in Beeper Desktop under \
             Settings → Developers (`{}` signs in only while nobody is)",
            invoked::command("setup")
        ));
    }
    if let Error::SetupStopped { .. } = error {
        return Some(format!(
            "run `{}` again to go on from this step",
            invoked::command("setup")
        ));
    }
    let hint = match error {
        Error::Config(ConfigError::TlsNotEnabled { .. }) => Some(
            "build it with https: add `--features rustls` (cargo install --path \
             crates/beeper-verification-cli --features rustls, or cargo run -p \
             beeper-verification-cli --features rustls -- ...)",
        ),
        Error::Config(ConfigError::InsecureHttp { .. }) => {
            Some("use an https base URL, or Beeper Desktop on this machine")
        }
        Error::Api(e) if e.status == 401 => {
            if let Some(TokenSource::Stored(path)) = stored_token::source() {
                return Some(format!(
                    "Beeper Desktop refused the stored token ({}), which may have been revoked: \
                     remove it with `{}`, then set BEEPER_ACCESS_TOKEN or use --token-file PATH",
                    path.display(),
                    invoked::command("forget-token")
                ));
            }
            Some("check the access token: set BEEPER_ACCESS_TOKEN or use --token-file PATH")
        }
        Error::WaitTimedOut { .. } => Some("raise --max-wait, or check the other device"),
        Error::VerificationEnded { .. } => {
            return Some(format!(
                "run `{}` to start again",
                invoked::command("verify")
            ));
        }
        Error::Connect { .. } if verbose => Some(
            "start Beeper Desktop and enable its API (Settings → Developers), or pass --base-url",
        ),
        Error::Connect { .. } if certificate_refused(error) => Some(
            "the server's certificate is not trusted by this machine (-v shows why): check the \
             base URL (--base-url), or install the certificate's authority in the system's trust \
             store",
        ),
        Error::Connect { .. } => Some(
            "start Beeper Desktop and enable its API (Settings → Developers), or pass \
             --base-url; -v shows why the connection failed",
        ),
        Error::ActionNotAvailable {
            id, action, state, ..
        } => {
            let run = invoked::command;
            return Some(match state {
                Some(state)
                    if state.is_terminal() && *action == beeper_verification::Action::Cancel =>
                {
                    "nothing to do: an ended verification needs no cancelling".to_owned()
                }
                Some(state) if state.is_terminal() => {
                    format!("it has ended: `{}` starts a new one", run("verify"))
                }
                _ => format!(
                    "see what it allows now: {}",
                    run(&format!("show {}", clean(id)))
                ),
            });
        }
        Error::Api(e) if e.status == 409 => {
            return Some(match verification_in(&e.path) {
                Some(id) => format!(
                    "the verification moved on: see what it allows now: {}",
                    invoked::command(&format!("show {id}"))
                ),
                None => format!(
                    "the session moved on: `{}` says what it needs now",
                    invoked::command("status")
                ),
            });
        }
        Error::Api(e) if e.status == 404 && verification_in(&e.path).is_some() => {
            return Some(format!(
                "check the ID: Beeper Desktop knows no verification by it (an ended one would \
                 still be found); `{}` shows the pending and active ones",
                invoked::command("list")
            ));
        }
        Error::ResponseTooLarge { .. } => {
            Some("the server sent far more than this API does: check the base URL (--base-url)")
        }
        Error::Timeout { .. } => Some(
            "the server may be busy: try again, or give it longer with --timeout SECS (e.g. \
             --timeout 60)",
        ),
        _ => error.hint(),
    };
    hint.map(str::to_owned)
}

/// Whether the server refused a call for want of a token that this run did not have: a 401
/// while no token was given, found in the environment, or stored. Only public calls go out
/// without a token, so the server is signed in and wants one.
fn no_token_given(error: &Error) -> bool {
    error.is_unauthorized() && stored_token::source().is_none()
}

/// What to do about a refusal of a sign-in call (`/v1/app/setup/{start,email,response,
/// register}`). The API documents no statuses for them: these follow the fake's (a 404 for an
/// attempt that is closed, 400 or 422 for a wrong code or a bad value, 409 for a code used or
/// a device signed in already); a 400 or 422 to the start, which sends nothing to refuse, is
/// taken as a server that cannot sign in from the state it is in. No hint ever quotes the
/// code, the lead token or the token.
fn sign_in_hint(error: &Error) -> Option<String> {
    let Error::Api(e) = error else { return None };
    let step = e.path.strip_prefix("/v1/app/setup/")?;
    let again = invoked::command("setup");
    Some(match (step, e.status) {
        ("start" | "email" | "response" | "register", 404) => {
            format!(
                "the sign-in attempt is closed (too many wrong codes, or too old): run `{again}` again"
            )
        }
        ("start", 400 | 422) => format!(
            "the server would not begin a sign-in: `{}` says what this device needs now \
             (`{again}` goes on from there)",
            invoked::command("status")
        ),
        ("email", 400 | 422) => format!("check the email address, and run `{again}` again"),
        ("response", 400 | 422) => format!(
            "run `{again}` again, and enter the code from the latest email (each run mails a new one)"
        ),
        ("register", 400 | 409 | 422) => {
            format!("run `{again}` again, and choose another username")
        }
        ("start" | "email" | "response", 409) => format!(
            "this device is signed in already, or the sign-in moved on: `{}` says what it needs \
             now (`{again}` goes on from there)",
            invoked::command("status")
        ),
        _ => return None,
    })
}

/// The verification ID in a request's path (`/v1/app/setup/verifications/{id}/...`), as sent.
fn verification_in(path: &str) -> Option<String> {
    let (_, rest) = path.split_once("/verifications/")?;
    let id = rest.split('/').next().filter(|id| !id.is_empty())?;
    Some(clean(id).into_owned())
}

/// That no token was found, and where each place to give one was looked at.
fn missing_token() -> String {
    match stored_token::path() {
        Some(path) => format!(
            "no access token: none was given, BEEPER_ACCESS_TOKEN is not set, and none is stored \
             in {}",
            path.display()
        ),
        None => "no access token: none was given, BEEPER_ACCESS_TOKEN is not set, and none can \
                 be stored (neither XDG_CONFIG_HOME nor HOME is set)"
            .to_owned(),
    }
}

/// What to do about a refusal of the recovery-key endpoints. Which statuses and codes the API
/// uses for them is not documented: a 400 or 422 is taken as a key that is not the account's,
/// a 409 as a session in a state where the call makes no sense. No hint offers a way to give
/// the key on the command line.
fn recovery_key_hint(error: &Error) -> Option<String> {
    let Error::Api(e) = error else { return None };
    if !e.path.contains("/recovery-key") {
        return None;
    }
    let reset = e.path.contains("/reset");
    let run = invoked::command;
    Some(match e.status {
        400 | 422 if e.path.ends_with("/confirm") => {
            format!("nothing changed: run `{}` again", run("reset-recovery-key"))
        }
        400 | 422 if reset => {
            "the key in --existing-key-file is not the account's: check it, or leave the option out"
                .to_owned()
        }
        400 | 422 => format!(
            "that is not the account's recovery key, and nothing changed: run `{}` again and \
             check it (lost it? `{}` makes a new one)",
            run("recovery-key"),
            run("reset-recovery-key")
        ),
        409 => format!(
            "this device is not at that step: `{}` says what it needs",
            run("status")
        ),
        _ => return None,
    })
}

/// A failure as one JSON object, for `--json`: `{"error": {"message", "exitCode", "status"?,
/// "code"?, "hint"?}}`. The message is the same text as on standard error.
fn json_error(failure: &Failure, code: u8, message: &str) -> String {
    let mut text = message.lines();
    let first = text.next().unwrap_or_default();
    let hint = text
        .find_map(|l| l.strip_prefix("hint: "))
        .map(str::to_owned);
    let error = match failure {
        Failure::Sdk(e)
        | Failure::NoAnswer(e)
        | Failure::Unclear(e)
        | Failure::UnconfirmedKey { error: e, .. } => Some(e),
        #[cfg(feature = "demo")]
        Failure::Demo(e) => Some(e),
        _ => None,
    };
    let mut value = serde_json::json!({
        "error": {
            "message": first.strip_prefix("error: ").unwrap_or(first),
            "exitCode": code,
            "status": error.and_then(Error::status),
            "code": error.and_then(Error::api_error).map(|e| e.code.clone()),
            "hint": hint,
        }
    });
    if let Failure::UnconfirmedKey { key, .. } = failure {
        // The only copy the person will get: --json --yes promised the key in the output.
        value["recoveryKey"] = serde_json::Value::from(key.expose_secret());
    }
    let json = serde_json::to_string_pretty(&value).unwrap_or_default();
    terminal::json_safe(&json).into_owned()
}

/// Whether `--json` is among the arguments (before a `--`), for a command line clap refused.
fn json_asked(args: impl IntoIterator<Item = std::ffi::OsString>) -> bool {
    args.into_iter()
        .skip(1)
        .take_while(|arg| arg != "--")
        .any(|arg| arg == "--json")
}

/// The commands named in the arguments (`["sas", "start"]`), as far as clap knows them.
fn command_path(args: impl IntoIterator<Item = std::ffi::OsString>) -> Vec<String> {
    use clap::CommandFactory;
    let mut command = Cli::command();
    let mut path = Vec::new();
    for arg in args.into_iter().skip(1).take_while(|arg| arg != "--") {
        let Some(arg) = arg.to_str() else { continue };
        if let Some(sub) = command.find_subcommand(arg).cloned() {
            path.push(arg.to_owned());
            command = sub;
        }
    }
    path
}

/// A command line clap refused. Help and the version are printed as clap prints them. A usage
/// error is too, on standard error; with `--json` it is also one JSON object on standard
/// output, as every other error is: its message is clap's first line, its hint clap's tips and
/// the usage line.
fn refused_command_line(error: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    let is_help = matches!(
        error.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    );
    if is_help || !json_asked(std::env::args_os()) {
        error.exit();
    }
    let rendered = error.render().to_string();
    let message = match error.kind() {
        // clap shows the help for this one: the message is ours.
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => "no command was given".to_owned(),
        _ => {
            let mut lines = rendered.lines();
            let mut message = lines
                .next()
                .unwrap_or_default()
                .trim_start_matches("error: ")
                .to_owned();
            if message.ends_with(':') {
                // A list follows (the missing arguments), one indented line each: it is the
                // message.
                let listed: Vec<&str> = lines
                    .take_while(|line| line.starts_with(' '))
                    .map(str::trim)
                    .collect();
                message.push(' ');
                message.push_str(&listed.join(", "));
            }
            message
        }
    };
    let mut hints: Vec<String> = rendered
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("tip: "))
        .map(str::to_owned)
        .collect();
    match rendered.lines().find_map(|l| l.strip_prefix("Usage: ")) {
        Some(usage) => hints.push(format!("usage: {usage}")),
        None => {
            let mut help = command_path(std::env::args_os());
            help.push("--help".to_owned());
            hints.push(format!(
                "`{}` says what it takes",
                invoked::command(&help.join(" "))
            ));
        }
    }
    let text = format!("error: {message}\nhint: {}", hints.join("; "));
    let failure = Failure::Usage(message);
    let _ = terminal::out(&format!("{}\n", json_error(&failure, exit::USAGE, &text)));
    if error.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        terminal::err(&format!("{text}\n"));
    } else {
        // The person sees clap's own text, as without --json.
        let _ = error.print();
    }
    ExitCode::from(exit::USAGE)
}

/// The command line, parsed by clap with this program named as it was run, so that clap's usage
/// lines agree with the commands the hints name.
fn parse() -> Result<Cli, clap::Error> {
    use clap::{CommandFactory, FromArgMatches};
    let mut command = Cli::command().bin_name(invoked::program());
    let matches = command.try_get_matches_from_mut(std::env::args_os())?;
    Cli::from_arg_matches(&matches).map_err(|e| e.with_cmd(&command))
}

fn main() -> ExitCode {
    let cli = match parse() {
        Ok(cli) => cli,
        Err(error) => return refused_command_line(&error),
    };
    let output = cli.output;
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
    let result = runtime.block_on(commands::run(cli));
    // A prompt may still wait on standard input: do not wait for it.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            let (code, mut message) = report(&failure, output.verbose);
            if output.quiet {
                // Only results, and the error itself: no hints.
                message = message
                    .lines()
                    .filter(|line| !line.starts_with("hint: "))
                    .collect::<Vec<_>>()
                    .join("\n");
            }
            if output.json && !message.is_empty() {
                // One JSON document on standard output, as with a result; the text goes to
                // standard error as well, for the person watching.
                let _ = terminal::out(&format!("{}\n", json_error(&failure, code, &message)));
            }
            if !message.is_empty() {
                terminal::err(&format!("{message}\n"));
            }
            ExitCode::from(code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<std::ffi::OsString> {
        list.iter().map(std::ffi::OsString::from).collect()
    }

    #[test]
    fn json_is_asked_for_only_before_a_double_dash() {
        assert!(json_asked(args(&["bv", "status", "--json"])));
        assert!(json_asked(args(&["bv", "--json", "--frobnicate"])));
        assert!(
            !json_asked(args(&["--json", "status"])),
            "argv[0] is the program"
        );
        assert!(!json_asked(args(&["bv", "cancel", "x", "--", "--json"])));
    }

    /// Built without https, an https base URL is refused in this program's words: how to
    /// get a build that has it, not a crate feature or a reqwest::Client.
    #[cfg(not(feature = "rustls"))]
    #[test]
    fn without_rustls_an_https_url_says_how_to_get_https() {
        let error = beeper_verification::Client::builder()
            .base_url("https://beeper.example")
            .access_token("t")
            .build()
            .expect_err("refused");
        let (code, text) = report(&Failure::Sdk(error), false);
        assert_eq!(code, exit::USAGE, "{text}");
        assert!(
            text.starts_with("error: this beeper-verify was built without https"),
            "{text}"
        );
        assert!(text.contains("--features rustls"), "{text}");
        assert!(
            !text.contains("reqwest") && !text.contains("this crate"),
            "{text}"
        );
    }

    /// A connection refused for its certificate says so, without -v.
    #[test]
    fn a_certificate_error_in_the_causes_is_found() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl std::fmt::Display for Outer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("error sending request")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let tls = Outer(std::io::Error::other(
            "invalid peer certificate: UnknownIssuer",
        ));
        assert!(certificate_refused(&tls));
        let refused = Outer(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert!(!certificate_refused(&refused));
    }

    #[test]
    fn the_command_path_follows_the_subcommands() {
        assert_eq!(
            command_path(args(&["bv", "--json", "sas", "start", "sas"])),
            ["sas", "start"]
        );
        assert!(command_path(args(&["bv", "--frobnicate"])).is_empty());
    }
}
