//! `beeper-verification-fake`: the fake Beeper Desktop verification API as a program, for the
//! CLI's demo, other languages' SDKs and schema testers.

use std::process::ExitCode;
use std::str::FromStr;
use std::time::Duration;

use beeper_verification_fake::{FakeServer, FakeSessionState, PeerMethod, UnknownName};
use clap::Parser;
use clap::builder::{PossibleValuesParser, TypedValueParser};

/// Serves a fake of the Beeper Desktop API's device-verification endpoints on 127.0.0.1.
///
/// It prints the base URL and the access token to use, and stops on Ctrl-C. The other device
/// can be driven under /_fake/peer/, or play by itself with --auto-peer.
#[derive(Debug, Parser)]
#[command(name = "beeper-verification-fake", version)]
struct Options {
    /// Port to listen on (0: any free port).
    #[arg(long, value_name = "PORT", default_value_t = 0)]
    port: u16,

    /// Access token clients must send (default: a random one). From the environment, it stays
    /// out of the process list.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "BEEPER_FAKE_TOKEN",
        hide_env_values = true
    )]
    token: Option<String>,

    /// Let the other device play its side of each flow by itself: the emoji comparison (sas,
    /// the default) or the QR code (qr).
    #[arg(
        long,
        value_name = "FLOW",
        num_args = 0..=1,
        default_missing_value = "sas",
        value_parser = one_of::<PeerMethod>(PeerMethod::ALL.iter().map(|m| m.as_str())),
    )]
    auto_peer: Option<PeerMethod>,

    /// How long the other device takes per move, in seconds.
    #[arg(long, value_name = "SECS", default_value = "1", value_parser = seconds)]
    peer_delay: Duration,

    /// Cancel a verification with m.timeout after this many seconds.
    #[arg(long, value_name = "SECS", default_value = "600", value_parser = seconds)]
    timeout: Duration,

    /// Draw verification IDs, and so the emoji and QR codes, from this seed: the same on every
    /// run (default: random).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,

    /// How many of the latest requests to keep for GET /_fake/requests (0 or off: none).
    #[arg(long, value_name = "N|off", default_value = "1000", value_parser = record_size)]
    record: usize,

    /// The most verifications to keep, live and ended together. When that many are kept, a new
    /// one replaces the one that ended first; when all are live, it is refused with 507.
    #[arg(long, value_name = "N", default_value_t = beeper_verification_fake::DEFAULT_MAX_VERIFICATIONS)]
    max_verifications: usize,

    /// The most fault rules to hold at once; past it, POST /_fake/faults answers 507.
    #[arg(long, value_name = "N", default_value_t = beeper_verification_fake::DEFAULT_MAX_FAULTS)]
    max_faults: usize,

    /// Close a connection whose request head, once begun, is not complete after this many
    /// seconds; answer 408 to a body that takes longer.
    #[arg(long, value_name = "SECS", default_value = "10", value_parser = seconds)]
    read_timeout: Duration,

    /// Close a connection with no request in progress after this many seconds.
    #[arg(long, value_name = "SECS", default_value = "75", value_parser = seconds)]
    idle_timeout: Duration,

    /// The most connections served at once; more wait until one closes.
    #[arg(
        long,
        value_name = "N",
        default_value_t = beeper_verification_fake::DEFAULT_MAX_CONNECTIONS,
        value_parser = clap::value_parser!(u32).range(1..).map(|n| n as usize),
    )]
    max_connections: usize,

    /// The session state to start in.
    #[arg(
        long,
        value_name = "STATE",
        default_value = "needs-verification",
        value_parser = one_of::<FakeSessionState>(FakeSessionState::ALL.iter().map(|s| s.as_str())),
    )]
    session_state: FakeSessionState,

    /// An account the fake knows, by its email (repeat for more; compared without regard to
    /// case). Signing in with it answers the account; any other email must register first.
    #[arg(long = "account", value_name = "EMAIL")]
    accounts: Vec<String>,

    /// The code every sign-in email carries, for scripted runs (default: 6 random digits per
    /// email, from --seed if given). From the environment, it stays out of the process list.
    #[arg(
        long,
        value_name = "CODE",
        env = "BEEPER_FAKE_SIGN_IN_CODE",
        hide_env_values = true
    )]
    sign_in_code: Option<String>,

    /// The session state a sign-in moves to.
    #[arg(
        long,
        value_name = "STATE",
        default_value = "needs-verification",
        value_parser = one_of::<FakeSessionState>(
            FakeSessionState::ALL
                .iter()
                .filter(|s| **s != FakeSessionState::NeedsLogin)
                .map(|s| s.as_str()),
        ),
    )]
    state_after_sign_in: FakeSessionState,

    /// The most setup requests (sign-in attempts) to keep, open and finished. When that many
    /// are kept, a new one replaces the one that finished first; when none has, it is refused
    /// with 507.
    #[arg(long, value_name = "N", default_value_t = beeper_verification_fake::DEFAULT_MAX_SETUP_REQUESTS)]
    max_setup_requests: usize,

    /// The account's recovery key (default: a fresh one, from --seed if given). It is printed
    /// at the start. From the environment, it stays out of the process list.
    #[arg(
        long,
        value_name = "KEY",
        env = "BEEPER_FAKE_RECOVERY_KEY",
        hide_env_values = true
    )]
    recovery_key: Option<String>,

    /// After a recovery key is accepted, stay needs-first-sync this many seconds before ready
    /// (default: ready at once).
    #[arg(long, value_name = "SECS", value_parser = seconds)]
    first_sync_after_key: Option<Duration>,

    /// The version to report in the X-Beeper-Desktop-Version header of every response.
    #[arg(
        long,
        value_name = "VERSION",
        default_value = beeper_verification_fake::DEFAULT_DESKTOP_VERSION,
        value_parser = header_value,
    )]
    desktop_version: String,
}

/// Text that can be sent as a header value: not empty, visible ASCII and spaces.
fn header_value(value: &str) -> Result<String, String> {
    match axum::http::HeaderValue::from_str(value) {
        Ok(header) if !header.is_empty() => Ok(value.to_owned()),
        _ => Err("give visible text, such as 4.1.2; it is sent as a header value".to_owned()),
    }
}

/// Parses the arguments, and checks what clap cannot without repeating a secret: the recovery
/// key must be some text other than whitespace, on one line. (A clap value parser's error
/// would quote the value.)
fn parse_options(
    args: impl IntoIterator<Item = std::ffi::OsString>,
) -> Result<Options, clap::Error> {
    use clap::CommandFactory;
    let options = Options::try_parse_from(args)?;
    if let Some(code) = &options.sign_in_code
        && (code.is_empty() || code.len() > 64 || !code.bytes().all(|b| b.is_ascii_graphic()))
    {
        return Err(Options::command().error(
            clap::error::ErrorKind::ValueValidation,
            "invalid value for '--sign-in-code <CODE>': give 1 to 64 visible ASCII characters \
             without spaces, such as 123456 (the value is not shown, as it is a secret)",
        ));
    }
    if let Some(key) = &options.recovery_key {
        let blank = key.chars().all(char::is_whitespace);
        if blank || key.chars().any(char::is_control) {
            return Err(Options::command().error(
                clap::error::ErrorKind::ValueValidation,
                "invalid value for '--recovery-key <KEY>': give the key on one line, such as \
                 \"EsTc 9bD2 ...\" (the value is not shown, as it is a secret)",
            ));
        }
    }
    Ok(options)
}

/// Reads one of `names` into a `T`; clap lists the names in the help and in its error.
fn one_of<T>(names: impl Iterator<Item = &'static str>) -> impl TypedValueParser<Value = T>
where
    T: FromStr<Err = UnknownName> + Clone + Send + Sync + 'static,
{
    PossibleValuesParser::new(names.collect::<Vec<_>>()).try_map(|name| name.parse::<T>())
}

/// The longest duration an option takes: a year. Longer ones are typos, or attempts to reach
/// past what the clock can represent.
const MAX_SECONDS: u64 = 365 * 24 * 60 * 60;

/// A number of seconds from 0 to a year, such as `0.5`.
fn seconds(value: &str) -> Result<Duration, String> {
    let not_seconds = || format!("`{value}` is not a number of seconds");
    let number = value
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .ok_or_else(not_seconds)?;
    if number > MAX_SECONDS as f64 {
        return Err(format!(
            "{value} seconds is out of range; give 0 to {MAX_SECONDS} (a year)"
        ));
    }
    Duration::try_from_secs_f64(number).map_err(|_| not_seconds())
}

/// A number of requests, or `off` for none.
fn record_size(value: &str) -> Result<usize, String> {
    if value.eq_ignore_ascii_case("off") {
        return Ok(0);
    }
    value
        .parse()
        .map_err(|_| format!("`{value}` is neither a number of requests nor `off`"))
}

#[tokio::main]
async fn main() -> ExitCode {
    // Usage errors exit with status 2, --help and --version with 0.
    let options = parse_options(std::env::args_os()).unwrap_or_else(|e| e.exit());
    let mut builder = FakeServer::builder()
        .port(options.port)
        .verification_timeout(options.timeout)
        .record_size(options.record)
        .max_verifications(options.max_verifications)
        .max_faults(options.max_faults)
        .read_timeout(options.read_timeout)
        .idle_timeout(options.idle_timeout)
        .max_connections(options.max_connections)
        .session_state(options.session_state)
        .state_after_sign_in(options.state_after_sign_in)
        .max_setup_requests(options.max_setup_requests)
        .desktop_version(options.desktop_version);
    for email in &options.accounts {
        builder = builder.account(email);
    }
    if let Some(code) = options.sign_in_code {
        builder = builder.sign_in_code(code);
    }
    if let Some(token) = options.token {
        builder = builder.token(token);
    }
    if let Some(method) = options.auto_peer {
        builder = builder.auto_peer(method, options.peer_delay);
    }
    if let Some(seed) = options.seed {
        builder = builder.seed(seed);
    }
    if let Some(key) = options.recovery_key {
        builder = builder.recovery_key(key);
    }
    if let Some(wait) = options.first_sync_after_key {
        builder = builder.first_sync_after_key(wait);
    }
    let server = match builder.start().await {
        Ok(server) => server,
        // An option the library refuses, such as an --account that is not an email: a usage
        // error. Its message repeats no secret.
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1:{}: {e}", options.port);
            return ExitCode::FAILURE;
        }
    };
    println!(
        "Fake Beeper Desktop verification API on {}",
        server.base_url()
    );
    println!("BEEPER_BASE_URL={}", server.base_url());
    println!("BEEPER_ACCESS_TOKEN={}", server.token());
    // The value runs to the end of the line, spaces included.
    println!("BEEPER_RECOVERY_KEY={}", server.recovery_key());
    if options.session_state == FakeSessionState::NeedsLogin {
        println!(
            "signed out: sign in with POST /v1/app/setup/start, /email and /response (codes in \
             GET /_fake/outbox); the token above is accepted once signed in"
        );
    }
    if !options.accounts.is_empty() {
        println!("accounts: {}", options.accounts.join(", "));
    }
    match options.auto_peer {
        Some(method) => println!(
            "automatic peer: plays the {} flow, {} s per move",
            method.human_name(),
            options.peer_delay.as_secs_f64()
        ),
        None => println!("automatic peer: off (drive the other device under /_fake/peer/)"),
    }
    // Listen before saying so: a Ctrl-C right after the prompt must stop it cleanly too.
    let ctrl_c = match listen_for_ctrl_c() {
        Ok(ctrl_c) => ctrl_c,
        Err(e) => {
            eprintln!("error: cannot listen for Ctrl-C: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("Press Ctrl-C to stop.");
    ctrl_c.await;
    server.shutdown().await;
    println!("stopped");
    ExitCode::SUCCESS
}

/// Ctrl-C (SIGINT), listened for from the moment this returns.
fn listen_for_ctrl_c() -> std::io::Result<impl Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt())?;
        Ok(async move {
            interrupt.recv().await;
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            if let Err(e) = tokio::signal::ctrl_c().await {
                eprintln!("error: cannot wait for Ctrl-C: {e}");
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;
    use clap::error::ErrorKind;

    use super::*;

    fn parse(args: &[&str]) -> Result<Options, clap::Error> {
        parse_options(
            std::iter::once("beeper-verification-fake")
                .chain(args.iter().copied())
                .map(std::ffi::OsString::from),
        )
    }

    #[test]
    fn the_command_is_well_formed() {
        Options::command().debug_assert();
    }

    #[test]
    fn every_option_parses() {
        let parsed = parse(&[
            "--port",
            "23373",
            "--token",
            "t",
            "--auto-peer",
            "qr",
            "--peer-delay",
            "0.5",
            "--timeout",
            "30",
            "--seed",
            "7",
            "--record",
            "20",
            "--session-state",
            "needs-login",
            "--desktop-version",
            "4.1.2",
            "--max-verifications",
            "50",
            "--max-faults",
            "5",
            "--read-timeout",
            "0.2",
            "--idle-timeout",
            "3",
            "--max-connections",
            "8",
            "--recovery-key",
            "EsTc 9bD2",
            "--first-sync-after-key",
            "2",
            "--account",
            "a@example.com",
            "--account",
            "B@example.com",
            "--sign-in-code",
            "246810",
            "--state-after-sign-in",
            "ready",
            "--max-setup-requests",
            "9",
        ])
        .expect("valid");
        assert_eq!(parsed.accounts, ["a@example.com", "B@example.com"]);
        assert_eq!(parsed.sign_in_code.as_deref(), Some("246810"));
        assert_eq!(
            (parsed.state_after_sign_in, parsed.max_setup_requests),
            (FakeSessionState::Ready, 9)
        );
        assert_eq!(parsed.recovery_key.as_deref(), Some("EsTc 9bD2"));
        assert_eq!(parsed.first_sync_after_key, Some(Duration::from_secs(2)));
        assert_eq!(
            (
                parsed.read_timeout,
                parsed.idle_timeout,
                parsed.max_connections
            ),
            (Duration::from_millis(200), Duration::from_secs(3), 8)
        );
        assert_eq!((parsed.max_verifications, parsed.max_faults), (50, 5));
        assert_eq!((parsed.port, parsed.token.as_deref()), (23373, Some("t")));
        assert_eq!(parsed.auto_peer, Some(PeerMethod::Qr));
        assert_eq!(
            (parsed.peer_delay, parsed.timeout),
            (Duration::from_millis(500), Duration::from_secs(30))
        );
        assert_eq!((parsed.seed, parsed.record), (Some(7), 20));
        assert_eq!(parsed.session_state, FakeSessionState::NeedsLogin);
        assert_eq!(parsed.desktop_version, "4.1.2");
    }

    #[test]
    fn the_defaults_are_the_librarys() {
        let parsed = parse(&[]).expect("valid");
        assert_eq!(
            parsed.timeout,
            beeper_verification_fake::DEFAULT_VERIFICATION_TIMEOUT
        );
        assert_eq!(parsed.record, beeper_verification_fake::DEFAULT_RECORD_SIZE);
        assert_eq!(
            (parsed.max_verifications, parsed.max_faults),
            (
                beeper_verification_fake::DEFAULT_MAX_VERIFICATIONS,
                beeper_verification_fake::DEFAULT_MAX_FAULTS
            )
        );
        assert_eq!(parsed.session_state, FakeSessionState::NeedsVerification);
        assert_eq!(
            parsed.desktop_version,
            beeper_verification_fake::DEFAULT_DESKTOP_VERSION
        );
        assert_eq!(
            (
                parsed.read_timeout,
                parsed.idle_timeout,
                parsed.max_connections
            ),
            (
                beeper_verification_fake::DEFAULT_READ_TIMEOUT,
                beeper_verification_fake::DEFAULT_IDLE_TIMEOUT,
                beeper_verification_fake::DEFAULT_MAX_CONNECTIONS
            )
        );
        assert_eq!((parsed.auto_peer, parsed.seed), (None, None));
        assert_eq!(
            (parsed.recovery_key, parsed.first_sync_after_key),
            (None, None)
        );
        assert!(parsed.accounts.is_empty() && parsed.sign_in_code.is_none());
        assert_eq!(
            (parsed.state_after_sign_in, parsed.max_setup_requests),
            (
                FakeSessionState::NeedsVerification,
                beeper_verification_fake::DEFAULT_MAX_SETUP_REQUESTS
            )
        );
        assert_eq!(parse(&["--record", "off"]).map(|o| o.record).ok(), Some(0));
    }

    #[test]
    fn auto_peer_defaults_to_the_emoji_flow() {
        let parsed = parse(&["--auto-peer", "--port", "1"]).expect("valid");
        assert_eq!((parsed.auto_peer, parsed.port), (Some(PeerMethod::Sas), 1));
    }

    #[test]
    fn bad_arguments_say_what_is_wrong() {
        let error = |args: &[&str]| parse(args).err().map(|e| (e.kind(), e.to_string()));
        let (kind, message) = error(&["--port", "x"]).expect("an error");
        assert_eq!(kind, ErrorKind::ValueValidation, "{message}");
        let (kind, _) = error(&["--nope"]).expect("an error");
        assert_eq!(kind, ErrorKind::UnknownArgument);
        let (_, message) = error(&["--session-state", "redy"]).expect("an error");
        assert!(
            message.contains("needs-verification"),
            "lists the states: {message}"
        );
        let (_, message) = error(&["--auto-peer", "emoji"]).expect("an error");
        assert!(
            message.contains("sas") && message.contains("qr"),
            "{message}"
        );
        let (_, message) = error(&["--desktop-version", "4\n1"]).expect("an error");
        assert!(message.contains("header value"), "{message}");
        let (_, message) = error(&["--max-connections", "0"]).expect("an error");
        assert!(message.contains("0"), "{message}");
        for key in ["", "  ", "hunter2\nlines"] {
            let (kind, message) = error(&["--recovery-key", key]).expect("an error");
            assert_eq!(kind, ErrorKind::ValueValidation, "{message}");
            assert!(message.contains("one line"), "{message}");
            assert!(
                !message.contains("hunter2"),
                "never repeats the key: {message}"
            );
        }
        let (_, message) = error(&["--state-after-sign-in", "needs-login"]).expect("an error");
        assert!(message.contains("ready"), "lists the others: {message}");
        for code in ["", "12 34", "hunter2\n"] {
            let (kind, message) = error(&["--sign-in-code", code]).expect("an error");
            assert_eq!(kind, ErrorKind::ValueValidation, "{message}");
            assert!(
                !message.contains("hunter2") && !message.contains("12 34"),
                "never repeats the code: {message}"
            );
        }
        let (_, message) = error(&["--record", "lots"]).expect("an error");
        assert!(message.contains("off"), "{message}");
        for (flag, value) in [
            ("--timeout", "1.8e19"),
            ("--timeout", "31536000.5"),
            ("--peer-delay", "1e300"),
        ] {
            let (_, message) = error(&[flag, value]).expect("an error");
            assert!(
                message.contains("out of range"),
                "{flag} {value}: {message}"
            );
        }
        for value in ["-1", "nan", "inf", "ten"] {
            let (_, message) = error(&[&format!("--timeout={value}")]).expect("an error");
            assert!(
                message.contains("not a number of seconds"),
                "{value}: {message}"
            );
        }
        assert_eq!(
            parse(&["--help"]).err().map(|e| e.kind()),
            Some(ErrorKind::DisplayHelp)
        );
    }
}
