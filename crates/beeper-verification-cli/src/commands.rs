//! Running each command: one API call each, `wait`, the guided `verify`, and `demo`.

use std::io::IsTerminal;
use std::time::Duration;

use beeper_verification::{
    CancelCode, CancelVerification, Client, CreateVerification, Purpose, SasAnswer, Verification,
    VerificationState, WaitOptions,
};
use beeper_verification_fake::{FakeServer, PeerMethod};
use serde::Serialize;

use crate::{
    Cli, Command, Failure, Global, MethodArg, PurposeArg, QrCommand, SasCommand, VerifyArgs,
    prompt, qr, render, terminal,
};

/// How long the demo's simulated other device takes per move.
const DEMO_PEER_DELAY: Duration = Duration::from_millis(600);

pub(crate) async fn run(cli: Cli) -> Result<(), Failure> {
    let global = cli.global;
    if let Command::Verify(args) | Command::Demo { verify: args, .. } = &cli.command
        && args.scan.is_some()
        && args.method != MethodArg::Qr
    {
        return Err(Failure::Usage("--scan goes with --method qr".to_owned()));
    }
    if let Command::Demo { verify, yes } = cli.command {
        return demo(&global, verify, yes).await;
    }
    let client = client(&global, &global.base_url, global.token.as_deref())?;
    let out = Output {
        json: global.json,
        quiet: global.quiet,
    };
    let api = client.verifications();
    // What one action prints: the verification as the server answered it.
    let acted = |done: &str, v: &Verification| out.print(v, || render::after(done, v));
    match cli.command {
        Command::Status => {
            let session = client.session().await?;
            let version = client.server_version();
            out.print(&session, || render::status(&session, version.as_deref()))?;
        }
        Command::List => {
            let items = api.list().await?;
            out.print(&serde_json::json!({ "items": items }), || {
                render::list(&items)
            })?;
        }
        Command::Show { id } => {
            let verification = client.verification(id).get().await?;
            out.print(&verification, || render::verification(&verification))?;
        }
        Command::Start { purpose, user_id } => {
            let params = CreateVerification {
                purpose: purpose.map(to_purpose),
                user_id: user_id.map(Into::into),
            };
            acted("Started", &api.create(params).await?)?;
        }
        Command::Accept { id } => acted("Accepted", &client.verification(id).accept().await?)?,
        Command::Cancel { id, code, reason } => {
            let cancel = CancelVerification {
                code: code.map(CancelCode::from),
                reason,
            };
            acted("Cancelled", &client.verification(id).cancel(cancel).await?)?;
        }
        Command::Sas(SasCommand::Start { id }) => acted(
            "Started the emoji comparison of",
            &client.verification(id).start_sas().await?,
        )?,
        Command::Sas(SasCommand::Confirm { id }) => acted(
            "Confirmed the emoji of",
            &client.verification(id).confirm_sas().await?,
        )?,
        Command::Qr(QrCommand::Scan { data }) => {
            acted("Scanned the QR code of", &api.scan_qr(data).await?)?;
        }
        Command::Qr(QrCommand::Confirm { id }) => acted(
            "Confirmed the QR scan of",
            &client.verification(id).confirm_qr_scanned().await?,
        )?,
        Command::Wait {
            id,
            until,
            max_wait,
        } => {
            let mut options = WaitOptions::default();
            if let Some(max_wait) = max_wait {
                options = options.max_wait(max_wait);
            }
            let verification = wait(&client, &id, until, options, &out).await?;
            out.print(&verification, || render::verification(&verification))?;
        }
        Command::Verify(args) => verify(&client, args, false, &out).await?,
        Command::Demo { .. } => {}
    }
    Ok(())
}

fn client(global: &Global, base_url: &str, token: Option<&str>) -> Result<Client, Failure> {
    let mut builder = Client::builder()
        .base_url(base_url)
        .user_agent(concat!("beeper-verify/", env!("CARGO_PKG_VERSION")));
    if let Some(token) = token {
        builder = builder.access_token(token);
    }
    if let Some(timeout) = global.timeout {
        builder = builder.timeout(timeout);
    }
    Ok(builder.build()?)
}

fn to_purpose(purpose: PurposeArg) -> Purpose {
    match purpose {
        PurposeArg::Login => Purpose::Login,
        PurposeArg::Device => Purpose::Device,
    }
}

/// Why the emoji comparison ended without an answer.
enum Interrupted {
    /// The input ended before an answer.
    NoAnswer,
    /// The comparison could not be shown.
    Output(Failure),
}

/// Where results go: JSON or text on stdout; progress on stderr unless quiet or JSON.
pub(crate) struct Output {
    json: bool,
    quiet: bool,
}

impl Output {
    /// The result of a command: `value` as exact JSON, or `text` for a person, with every
    /// control character from the network escaped.
    fn print<T: Serialize>(&self, value: &T, text: impl FnOnce() -> String) -> Result<(), Failure> {
        if self.json {
            let json = serde_json::to_string_pretty(value)
                .map_err(|e| Failure::Local(format!("cannot print JSON: {e}")))?;
            terminal::out(&format!("{}\n", terminal::json_safe(&json)))
        } else {
            terminal::out(&terminal::clean_lines(&text()))
        }
    }

    /// Text for the person at the terminal: on stdout, or on stderr when stdout carries JSON.
    fn show(&self, text: &str) -> Result<(), Failure> {
        let text = terminal::clean_lines(text);
        if self.json {
            terminal::err(&text);
            Ok(())
        } else {
            terminal::out(&text)
        }
    }

    /// A progress line, on stderr, unless quiet or JSON.
    fn progress(&self, line: &str) {
        if !self.quiet && !self.json {
            terminal::err(&format!("{}\n", terminal::clean_lines(line)));
        }
    }

    /// Whether a spinner may be drawn.
    fn spinner(&self) -> bool {
        !self.quiet && !self.json && std::io::stderr().is_terminal()
    }
}

async fn wait(
    client: &Client,
    id: &str,
    until: Vec<VerificationState>,
    options: WaitOptions,
    out: &Output,
) -> Result<Verification, Failure> {
    let handle = client.verification(id).with_wait_options(options);
    let wanted: Vec<&str> = until.iter().map(VerificationState::as_str).collect();
    let spinner = out.spinner().then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {msg} [{elapsed}]") {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(100));
        bar
    });
    let wanted = wanted.join(" or ");
    let result = handle
        .wait_until_reporting(until, |v| {
            if let Some(bar) = &spinner {
                bar.set_message(format!(
                    "{}: {} (waiting for {wanted})",
                    terminal::clean(&v.id),
                    terminal::clean(v.state.as_str())
                ));
            }
        })
        .await;
    if let Some(bar) = spinner {
        bar.finish_and_clear();
    }
    Ok(result?)
}

/// The guided flow against `client`. `auto_yes` answers the comparison (only the demo sets it).
async fn verify(
    client: &Client,
    args: VerifyArgs,
    auto_yes: bool,
    out: &Output,
) -> Result<(), Failure> {
    let options = CreateVerification {
        purpose: args.purpose.map(to_purpose),
        user_id: None,
    };
    let session = match (args.method, args.scan) {
        (MethodArg::Sas, _) => {
            out.progress("Verifying this device by comparing emoji. Accept the request on your other device when it asks.");
            // Why the comparison was cut short, to report once the flow has ended.
            let mut interrupted: Option<Interrupted> = None;
            let result = client
                .verify_with_sas(options, |sas| {
                    let interrupted = &mut interrupted;
                    async move {
                        // The comparison is for a person: shown on stderr in JSON mode, so
                        // that stdout stays one JSON document.
                        if let Err(e) = out.show(&render::sas_screen(&sas)) {
                            *interrupted = Some(Interrupted::Output(e));
                            return SasAnswer::Cancel;
                        }
                        match prompt::confirm("Do they match? [y/N] ", auto_yes, out.json).await {
                            prompt::Answer::Yes => SasAnswer::Match,
                            prompt::Answer::No => SasAnswer::Mismatch,
                            prompt::Answer::None => {
                                *interrupted = Some(Interrupted::NoAnswer);
                                SasAnswer::Cancel
                            }
                        }
                    }
                })
                .await;
            match (result, interrupted) {
                (Ok(session), _) => session,
                // Cancelled with m.user as intended: say why, rather than "the emoji did not
                // match".
                (Err(error), Some(Interrupted::NoAnswer))
                    if error.ended_verification().is_some() =>
                {
                    return Err(Failure::NoAnswer(error));
                }
                (Err(error), Some(Interrupted::Output(failure)))
                    if error.ended_verification().is_some() =>
                {
                    return Err(failure);
                }
                // Anything else, such as the cancel itself failing, is what to report: the
                // verification may still be live.
                (Err(error), _) => return Err(error.into()),
            }
        }
        (MethodArg::Qr, Some(data)) => {
            out.progress("Verifying this device with the other device's QR code.");
            client.verify_with_scanned_qr(options, data).await?
        }
        (MethodArg::Qr, None) => {
            out.progress("Verifying this device with a QR code. Scan it with your other device.");
            let mut png_error = None;
            let png = args.qr_png.clone();
            let mut shown = Ok(());
            let session = client
                .verify_with_qr(options, |code| {
                    shown = out.show(&format!("{}\n", qr::terminal(&code.data)));
                    if let Some(path) = &png {
                        match qr::write_png(&code.data, path) {
                            Ok(()) => {
                                out.progress(&format!("Wrote the QR code to {}", path.display()))
                            }
                            Err(e) => png_error = Some(e),
                        }
                    }
                    async {}
                })
                .await?;
            shown?;
            if let Some(e) = png_error {
                return Err(Failure::Local(e));
            }
            session
        }
    };
    out.print(&session, || render::verified(&session))?;
    Ok(())
}

async fn demo(global: &Global, args: VerifyArgs, yes: bool) -> Result<(), Failure> {
    let out = Output {
        json: global.json,
        quiet: global.quiet,
    };
    let method = match args.method {
        MethodArg::Sas => PeerMethod::Sas,
        MethodArg::Qr => PeerMethod::Qr,
    };
    let fake = FakeServer::builder()
        .auto_peer(method, DEMO_PEER_DELAY)
        .start()
        .await
        .map_err(|e| Failure::Local(format!("cannot start the demo's fake Beeper Desktop: {e}")))?;
    out.progress(&format!(
        "Demo: a fake Beeper Desktop is running at {} with a simulated second device; no Beeper Desktop needed.",
        fake.base_url()
    ));
    let client = client(global, fake.base_url(), Some(fake.token()))?;
    verify(&client, args, yes, &out).await
}
