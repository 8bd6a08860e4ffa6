//! `beeper-verification-fake`: the fake Beeper Desktop verification API as a program, for the
//! CLI's demo, other languages' SDKs and schema testers.

use std::process::ExitCode;
use std::time::Duration;

use beeper_verification_fake::{FakeServer, PeerMethod};

const USAGE: &str = "\
usage: beeper-verification-fake [options]

Serves a fake of the Beeper Desktop API's device-verification endpoints on 127.0.0.1.

options:
  --port PORT            port to listen on (default: any free port)
  --token TOKEN          access token clients must send (default: a random one)
  --auto-peer [sas|qr]   let the other device play its side of each flow (default flow: sas)
  --peer-delay SECS      how long the other device takes per move (default 1)
  --timeout SECS         cancel a verification with m.timeout after this long (default 600)
  -h, --help             show this message";

struct Options {
    port: u16,
    token: Option<String>,
    auto_peer: Option<PeerMethod>,
    peer_delay: Duration,
    timeout: Duration,
}

/// The longest duration an option takes: a year. Longer ones are typos, or attempts to reach
/// past what the clock can represent.
const MAX_SECONDS: u64 = 365 * 24 * 60 * 60;

fn seconds(value: Option<String>, flag: &str) -> Result<Duration, String> {
    let value = value.ok_or_else(|| format!("{flag} needs a number of seconds"))?;
    let not_seconds = || format!("{flag}: `{value}` is not a number of seconds");
    let number = value
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .ok_or_else(not_seconds)?;
    if number > MAX_SECONDS as f64 {
        return Err(format!(
            "{flag}: {value} seconds is out of range; give 0 to {MAX_SECONDS} (a year)"
        ));
    }
    Duration::try_from_secs_f64(number).map_err(|_| not_seconds())
}

fn parse(args: impl IntoIterator<Item = String>) -> Result<Option<Options>, String> {
    let mut options = Options {
        port: 0,
        token: None,
        auto_peer: None,
        peer_delay: Duration::from_secs(1),
        timeout: beeper_verification_fake::DEFAULT_VERIFICATION_TIMEOUT,
    };
    let mut args = args.into_iter().peekable();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--port" => {
                let value = args.next().ok_or("--port needs a port number")?;
                options.port = value
                    .parse()
                    .map_err(|_| format!("--port: `{value}` is not a port number"))?;
            }
            "--token" => options.token = Some(args.next().ok_or("--token needs a value")?),
            "--auto-peer" => {
                options.auto_peer = Some(match args.peek().map(String::as_str) {
                    Some("qr") => {
                        args.next();
                        PeerMethod::Qr
                    }
                    Some("sas") => {
                        args.next();
                        PeerMethod::Sas
                    }
                    _ => PeerMethod::Sas,
                });
            }
            "--peer-delay" => options.peer_delay = seconds(args.next(), "--peer-delay")?,
            "--timeout" => options.timeout = seconds(args.next(), "--timeout")?,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(Some(options))
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut builder = FakeServer::builder()
        .port(options.port)
        .verification_timeout(options.timeout);
    if let Some(token) = options.token {
        builder = builder.token(token);
    }
    if let Some(method) = options.auto_peer {
        builder = builder.auto_peer(method, options.peer_delay);
    }
    let server = match builder.start().await {
        Ok(server) => server,
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
    match options.auto_peer {
        Some(method) => println!(
            "automatic peer: {method:?} flow, {:?} per move",
            options.peer_delay
        ),
        None => println!("automatic peer: off (drive the other device under /_fake/peer/)"),
    }
    println!("Press Ctrl-C to stop.");
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("error: cannot wait for Ctrl-C: {e}");
    }
    server.shutdown().await;
    println!("stopped");
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn every_option_parses() {
        let parsed = parse(args(&[
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
        ]))
        .ok()
        .flatten()
        .expect("valid");
        assert_eq!((parsed.port, parsed.token.as_deref()), (23373, Some("t")));
        assert_eq!(parsed.auto_peer, Some(PeerMethod::Qr));
        assert_eq!(
            (parsed.peer_delay, parsed.timeout),
            (Duration::from_millis(500), Duration::from_secs(30))
        );
    }

    #[test]
    fn auto_peer_defaults_to_the_emoji_flow() {
        let parsed = parse(args(&["--auto-peer", "--port", "1"]))
            .ok()
            .flatten()
            .expect("valid");
        assert_eq!((parsed.auto_peer, parsed.port), (Some(PeerMethod::Sas), 1));
    }

    #[test]
    fn bad_arguments_say_what_is_wrong() {
        assert_eq!(
            parse(args(&["--port", "x"])).err().as_deref(),
            Some("--port: `x` is not a port number")
        );
        assert_eq!(
            parse(args(&["--nope"])).err().as_deref(),
            Some("unknown argument `--nope`")
        );
        assert!(parse(args(&["--help"])).is_ok_and(|o| o.is_none()));
        for (flag, value) in [
            ("--timeout", "1.8e19"),
            ("--timeout", "31536000.5"),
            ("--peer-delay", "1e300"),
        ] {
            let error = parse(args(&[flag, value])).err().unwrap_or_default();
            assert!(error.contains("out of range"), "{flag} {value}: {error}");
        }
        for value in ["-1", "nan", "inf", "ten"] {
            let error = parse(args(&["--timeout", value])).err().unwrap_or_default();
            assert!(
                error.contains("not a number of seconds"),
                "{value}: {error}"
            );
        }
    }
}
