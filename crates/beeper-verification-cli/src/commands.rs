//! Running each command: one API call each, `wait`, the guided `verify`, `recovery-key`,
//! `reset-recovery-key`, `forget-token` and `completions`; `setup` and `demo` are in
//! [`setup`](crate::setup).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use beeper_verification::{
    CancelCode, CancelVerification, Client, CreateVerification, Purpose, RecoveryKey, SasAnswer,
    Session, SessionStep, Verification, VerificationId, VerificationState, WaitOptions,
};
use serde::Serialize;

use crate::args::{Cli, Command, MethodArg, PurposeArg, QrCommand, SasCommand, VerifyArgs};
use crate::interrupt::Interrupt;
use crate::spinner::Spinner;
use crate::{Failure, prompt, qr, render, terminal};

pub(crate) async fn run(cli: Cli) -> Result<(), Failure> {
    let out = Output {
        json: cli.output.json,
        quiet: cli.output.quiet,
    };
    if let Command::Verify { verify, .. } = &cli.command
        && verify.method != MethodArg::Qr
        && (verify.scan.is_some() || verify.qr_png.is_some())
    {
        return Err(Failure::Usage(
            "--scan and --qr-png go with --method qr".to_owned(),
        ));
    }
    if let Command::Completions { .. } = &cli.command
        && out.json
    {
        return Err(Failure::Usage(
            "completions prints a shell script, not JSON: leave out --json".to_owned(),
        ));
    }
    if let Command::ResetRecoveryKey { yes: false, .. } = &cli.command
        && out.json
    {
        return Err(Failure::Usage(
            "with --json, reset-recovery-key needs --yes: nobody is asked whether the new key \
             was saved, so --yes says it will be, from the JSON result"
                .to_owned(),
        ));
    }
    let conn = match cli.command.connection() {
        Some(conn) => conn.or(&cli.conn),
        None if cli.conn.is_given() => {
            return Err(Failure::Usage(
                "--base-url, --token-file, --token and --timeout are for commands that talk \
                 to Beeper Desktop; this one needs none"
                    .to_owned(),
            ));
        }
        None => return run_local(cli.command, &out).await,
    };
    let token = conn
        .token()
        .map_err(Failure::Usage)?
        .map(|(token, source)| {
            crate::stored_token::note_source(source);
            token
        });
    let client = client(&conn.base_url(), token.as_deref(), conn.timeout)?;
    let api = client.verifications();
    // What one action prints: the verification as the server answered it.
    let acted = |done: &str, v: &Verification| out.print(v, || render::after(done, v, out.hints()));
    match cli.command {
        Command::Status { .. } => {
            let session = client.session().await?;
            let version = client.server_version();
            out.print(&session, || {
                render::status(&session, version.as_deref(), out.hints())
            })?;
        }
        Command::List { .. } => {
            let items = api.list().await?;
            out.print(&serde_json::json!({ "items": items }), || {
                render::list(&items)
            })?;
        }
        Command::Show { id, .. } => {
            let verification = client.verification(id).get().await?;
            out.print(&verification, || {
                render::verification(&verification, out.hints())
            })?;
        }
        Command::Start {
            purpose, user_id, ..
        } => {
            let mut params = CreateVerification::default();
            params.purpose = purpose.map(to_purpose);
            params.user_id = user_id.map(Into::into);
            acted("Started", &api.create(params).await?)?;
        }
        Command::Accept { id, .. } => {
            acted("Accepted", &client.verification(id).accept().await?)?;
        }
        Command::Cancel {
            id, code, reason, ..
        } => {
            let mut cancel = CancelVerification::default();
            cancel.code = code.map(CancelCode::from);
            cancel.reason = reason;
            acted("Cancelled", &client.verification(id).cancel(cancel).await?)?;
        }
        Command::Sas(SasCommand::Start { id, .. }) => acted(
            "Started the emoji comparison of",
            &client.verification(id).start_sas().await?,
        )?,
        Command::Sas(SasCommand::Confirm { id, .. }) => acted(
            "Confirmed the emoji of",
            &client.verification(id).confirm_sas().await?,
        )?,
        Command::Qr(QrCommand::Scan { data, .. }) => {
            acted("Scanned the QR code of", &api.scan_qr(data).await?)?;
        }
        Command::Qr(QrCommand::Confirm { id, .. }) => acted(
            "Confirmed the QR scan of",
            &client.verification(id).confirm_qr_scanned().await?,
        )?,
        Command::Wait {
            id,
            until,
            max_wait,
            ..
        } => {
            let mut options = WaitOptions::default();
            if let Some(max_wait) = max_wait {
                options = options.max_wait(max_wait);
            }
            let verification = wait(&client, &id, until, options, &out).await?;
            out.print(&verification, || {
                render::verification(&verification, out.hints())
            })?;
        }
        Command::Verify {
            verify: args, key, ..
        } => {
            let cleanup = cleanup_client(&conn.base_url(), token.as_deref(), conn.timeout)?;
            let clients = Clients {
                flow: &client,
                cleanup: &cleanup,
            };
            let invocation = Invocation::Verify {
                key_file: key.key_file,
            };
            guided(clients, args, false, &out, invocation).await?;
        }
        Command::RecoveryKey { key, .. } => {
            let mut interrupt = Interrupt::catch();
            let session = interruptible(client.session(), &mut interrupt).await?;
            if session.is_ready() {
                return out.print(&session, || render::already_verified(&session));
            }
            let key = prompt::recovery_key(key.key_file.as_deref(), &mut interrupt).await?;
            let session = enter_key(&client, key, &mut interrupt).await?;
            out.print(&session, || render::key_accepted(&session, out.hints()))?;
        }
        Command::ResetRecoveryKey {
            existing_key_file,
            yes,
            ..
        } => reset_recovery_key(&client, existing_key_file.as_deref(), yes, &out).await?,
        Command::Setup { setup, key, .. } => {
            let plan = crate::setup::Plan::setup(setup, key.key_file);
            let target = crate::setup::Target {
                client: &client,
                base_url: &conn.base_url(),
                timeout: conn.timeout,
                token: token.as_deref(),
            };
            crate::setup::run(target, plan, &out).await?;
        }
        #[cfg(feature = "demo")]
        Command::Demo { .. } => {}
        Command::ForgetToken | Command::Completions { .. } => {}
    }
    Ok(())
}

/// The commands that need no Beeper Desktop.
async fn run_local(command: Command, out: &Output) -> Result<(), Failure> {
    #[cfg(not(feature = "demo"))]
    let _ = out;
    match command {
        #[cfg(feature = "demo")]
        Command::Demo {
            recovery_key: true,
            yes,
            ..
        } => demo_recovery_key(yes, out).await,
        #[cfg(feature = "demo")]
        Command::Demo {
            method,
            yes,
            type_sign_in,
            signed_in,
            ..
        } => {
            let demo = crate::setup::Demo {
                method,
                yes,
                type_sign_in,
                signed_in,
            };
            crate::setup::demo(demo, out).await
        }
        Command::ForgetToken => forget_token(out),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "beeper-verify", &mut script);
            terminal::out(&String::from_utf8_lossy(&script))
        }
        _ => Ok(()),
    }
}

/// `forget-token`: deletes the stored token, and says where it was; with none stored, says so.
fn forget_token(out: &Output) -> Result<(), Failure> {
    use crate::stored_token::Forgotten;
    let forgotten = crate::stored_token::forget().map_err(Failure::Local)?;
    let (removed, path) = match &forgotten {
        Forgotten::Removed(path) => (true, Some(path)),
        Forgotten::NoneStored(path) => (false, path.as_ref()),
    };
    let shown = path.map(|p| p.display().to_string());
    let json = serde_json::json!({ "removed": removed, "path": shown });
    out.print(&json, || match (removed, &shown) {
        (true, Some(path)) => format!("Forgot the stored access token: deleted {path}.\n"),
        (false, Some(path)) => format!("No access token is stored (it would be in {path}).\n"),
        _ => "No access token is stored (neither XDG_CONFIG_HOME nor HOME is set).\n".to_owned(),
    })?;
    if removed {
        out.progress(
            "The token itself stays valid until you revoke it in Beeper Desktop under Settings → Developers.",
        );
    }
    Ok(())
}

pub(crate) fn client(
    base_url: &str,
    token: Option<&str>,
    timeout: Option<Duration>,
) -> Result<Client, Failure> {
    Ok(builder(base_url, token, timeout).build()?)
}

/// How long the cleanup after Ctrl-C (find the live verification, cancel it) may take in all.
/// The person asked to stop: a server that does not answer must not keep them waiting.
const CLEANUP_BUDGET: Duration = Duration::from_secs(5);
/// How long one request of the cleanup may take, and making its connection.
const CLEANUP_REQUEST_TIMEOUT: Duration = Duration::from_secs(2);
const CLEANUP_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// A client for the cleanup after Ctrl-C: each request is sent once (no retries), with a short
/// timeout (`--timeout` when shorter).
pub(crate) fn cleanup_client(
    base_url: &str,
    token: Option<&str>,
    timeout: Option<Duration>,
) -> Result<Client, Failure> {
    let timeout = timeout.map_or(CLEANUP_REQUEST_TIMEOUT, |t| t.min(CLEANUP_REQUEST_TIMEOUT));
    Ok(builder(base_url, token, Some(timeout))
        .connect_timeout(CLEANUP_CONNECT_TIMEOUT.min(timeout))
        .max_retries(0)
        .build()?)
}

fn builder(
    base_url: &str,
    token: Option<&str>,
    timeout: Option<Duration>,
) -> beeper_verification::ClientBuilder {
    let mut builder = Client::builder()
        .base_url(base_url)
        .user_agent(concat!("beeper-verify/", env!("CARGO_PKG_VERSION")));
    if let Some(token) = token {
        builder = builder.access_token(token);
    }
    if let Some(timeout) = timeout {
        builder = builder.timeout(timeout);
    }
    builder
}

fn to_purpose(purpose: PurposeArg) -> Purpose {
    match purpose {
        PurposeArg::Login => Purpose::Login,
        PurposeArg::Device => Purpose::Device,
    }
}

/// Why the emoji comparison ended without an answer.
pub(crate) enum Interrupted {
    /// The input ended before an answer.
    NoAnswer,
    /// No answer was yes or no, as often as it was asked.
    Unclear,
    /// The comparison could not be shown.
    Output(Failure),
}

/// Where results go: JSON or text on stdout; progress on stderr unless quiet or JSON.
pub(crate) struct Output {
    pub json: bool,
    pub quiet: bool,
}

impl Output {
    /// The result of a command: `value` as exact JSON, or `text` for a person, with every
    /// control character from the network escaped.
    pub fn print<T: Serialize>(
        &self,
        value: &T,
        text: impl FnOnce() -> String,
    ) -> Result<(), Failure> {
        if self.json {
            let json = serde_json::to_string_pretty(value)
                .map_err(|e| Failure::Local(format!("cannot print JSON: {e}")))?;
            terminal::out(&format!("{}\n", terminal::json_safe(&json)))
        } else {
            terminal::out(&terminal::clean_lines(&text()))
        }
    }

    /// Text for the person at the terminal: on stdout, or on stderr when stdout carries JSON.
    pub fn show(&self, text: &str) -> Result<(), Failure> {
        let text = terminal::clean_lines(text);
        if self.json {
            terminal::err(&text);
            Ok(())
        } else {
            terminal::out(&text)
        }
    }

    /// A progress line, on stderr, unless quiet or JSON.
    pub fn progress(&self, line: &str) {
        if !self.quiet && !self.json {
            terminal::err(&format!("{}\n", terminal::clean_lines(line)));
        }
    }

    /// Whether what to do next is said (`Next:` lines): not with --quiet.
    pub fn hints(&self) -> bool {
        !self.quiet
    }

    /// Whether a spinner may be drawn.
    pub fn spinner(&self) -> bool {
        !self.quiet && !self.json && std::io::stderr().is_terminal()
    }
}

async fn wait(
    client: &Client,
    id: &VerificationId,
    until: Vec<VerificationState>,
    options: WaitOptions,
    out: &Output,
) -> Result<Verification, Failure> {
    let mut interrupt = Interrupt::catch();
    let handle = client.verification(id).with_wait_options(options);
    let wanted: Vec<&str> = until.iter().map(VerificationState::as_str).collect();
    let wanted = wanted.join(" or ");
    let spinner = Spinner::start(out.spinner(), &format!("waiting for {wanted}"));
    let waiting = handle.wait_until_reporting(until, |v| {
        // One line, however long what the server sent: the spinner redraws it each tick.
        spinner.set_message(&format!(
            "{}: {} (waiting for {wanted})",
            render::fit(&terminal::clean(&v.id), render::LIST_ID_WIDTH),
            render::fit(&terminal::clean(v.state.as_str()), render::LIST_ID_WIDTH)
        ));
    });
    let result = tokio::select! {
        result = waiting => Some(result),
        () = interrupt.pressed() => None,
    };
    // The spinner's line is cleared, however the wait ended.
    spinner.finish();
    match result {
        Some(result) => Ok(result?),
        None => {
            // Ctrl-C: the terminal's `^C` is left on a line of its own.
            terminal::err("\n");
            Err(Failure::Interrupted)
        }
    }
}

/// Which command runs the guided flow, for what it says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Invocation {
    /// `verify`, with its `--key-file`, if given.
    Verify { key_file: Option<PathBuf> },
}

/// The clients of the guided flow: one for the flow, and one for the cleanup after Ctrl-C,
/// whose requests are sent once with a short timeout.
#[derive(Clone, Copy)]
pub(crate) struct Clients<'a> {
    pub flow: &'a Client,
    pub cleanup: &'a Client,
}

/// The guided flow against `clients.flow`. `auto_yes` answers the comparison. Ctrl-C says
/// "cancelling…", cancels the verification it started or resumed (`m.user`) within
/// [`CLEANUP_BUDGET`], then exits 130; a second Ctrl-C exits 130 at once.
async fn guided(
    clients: Clients<'_>,
    args: VerifyArgs,
    auto_yes: bool,
    out: &Output,
    invocation: Invocation,
) -> Result<(), Failure> {
    let client = clients.flow;
    let mut interrupt = Interrupt::catch();
    // Nothing to verify, or no access: say so before telling anyone to look at a device.
    // Nothing is started yet, so Ctrl-C here has nothing to cancel.
    let session = tokio::select! {
        session = client.session() => session?,
        () = interrupt.pressed() => {
            terminal::err("\n");
            return Err(Failure::Interrupted);
        }
    };
    if session.is_ready() {
        return out.print(&session, || render::already_verified(&session));
    }
    if session.next_step() == SessionStep::SignIn {
        return Err(Failure::Usage(format!(
            "nobody is signed in to Beeper Desktop, so there is no device to verify yet: `{}` \
             signs in, then verifies",
            crate::invoked::command("setup")
        )));
    }
    let Invocation::Verify { key_file } = &invocation;
    // The recovery key, when the session needs it, or when a key file was given for it:
    // no other device then. Nothing is started, so Ctrl-C has nothing to cancel.
    let wants_key = match session.next_step() {
        SessionStep::EnterRecoveryKey => true,
        SessionStep::VerifyThisDevice { .. } => key_file.is_some(),
        _ => false,
    };
    if wants_key {
        out.progress("This device needs your recovery key (no other device is needed).");
        let key = prompt::recovery_key(key_file.as_deref(), &mut interrupt).await?;
        let session = enter_key(client, key, &mut interrupt).await?;
        return out.print(&session, || render::key_accepted(&session, out.hints()));
    }
    if matches!(session.next_step(), SessionStep::VerifyThisDevice { .. }) {
        out.progress(&format!(
            "No other device at hand? Enter your recovery key instead: {}",
            crate::invoked::command("recovery-key")
        ));
    }
    let flow = verify(client, args, auto_yes, out);
    let result = tokio::select! {
        result = flow => Some(result),
        () = interrupt.pressed() => None,
    };
    match result {
        Some(result) => result,
        None => Err(cancel_after_interrupt(clients.cleanup, out, &mut interrupt).await),
    }
}

/// After Ctrl-C in a flow that may have started a verification: ends the line the person was
/// on, and cancels the live verification (`m.user`) with `cleanup` (each request sent once),
/// within [`CLEANUP_BUDGET`]; a second Ctrl-C stops waiting for that. Says when the
/// verification may still be live. Returns [`Failure::Interrupted`].
pub(crate) async fn cancel_after_interrupt(
    cleanup: &Client,
    out: &Output,
    interrupt: &mut Interrupt,
) -> Failure {
    terminal::err("\n");
    out.progress("Interrupted: cancelling… (press Ctrl-C again to quit at once)");
    let cleanup = tokio::time::timeout(CLEANUP_BUDGET, cancel_live(cleanup, out));
    let list = crate::invoked::command("list");
    let said = tokio::select! {
        done = cleanup => match done {
            Ok(()) => None,
            Err(_) => Some(format!(
                "Interrupted, but cancelling took too long: the verification may still \
                 be live (see {list})",
            )),
        },
        () = interrupt.pressed() => {
            terminal::err("\n");
            Some(format!(
                "Interrupted again: quit without cancelling; the verification may still \
                 be live (see {list})",
            ))
        }
    };
    if let Some(said) = said
        && !out.quiet
    {
        terminal::err(&format!("{said}\n"));
    }
    Failure::Interrupted
}

/// Cancels the live verification, if any, with `m.user`, and says so. `client` is the cleanup
/// client: each request is sent once.
async fn cancel_live(client: &Client, out: &Output) {
    let live = match client.session().await {
        Ok(session) => Ok(session.verification.filter(|v| !v.is_terminal())),
        Err(e) => Err(e),
    };
    let live = match live {
        Ok(Some(live)) => Ok(Some(live)),
        _ => client
            .verifications()
            .list()
            .await
            .map(|items| items.into_iter().find(|v| !v.is_terminal())),
    };
    let live = match live {
        Ok(Some(live)) => live,
        Ok(None) => return,
        Err(e) => {
            if !out.quiet {
                terminal::err(&format!(
                    "Interrupted, but finding the verification to cancel failed: {}; it may \
                     still be live (see {})\n",
                    terminal::clean(&e.to_string()),
                    crate::invoked::command("list")
                ));
            }
            return;
        }
    };
    let cancel = CancelVerification::by_user("Cancelled at the terminal.");
    let said = match client.verification(&live.id).cancel(cancel).await {
        Ok(_) => format!(
            "Interrupted: cancelled verification {} (m.user).",
            terminal::clean(&live.id)
        ),
        Err(e) => format!(
            "Interrupted, but cancelling verification {} failed: {}",
            terminal::clean(&live.id),
            terminal::clean(&e.to_string())
        ),
    };
    if !out.quiet {
        terminal::err(&format!("{said}\n"));
    }
}

/// The guided flow itself.
async fn verify(
    client: &Client,
    args: VerifyArgs,
    auto_yes: bool,
    out: &Output,
) -> Result<(), Failure> {
    let mut options = CreateVerification::default();
    options.purpose = args.purpose.map(to_purpose);
    out.progress(match (args.method, &args.scan) {
        (MethodArg::Sas, _) => {
            "Verifying this device by comparing emoji. Accept the request on your other device when it asks."
        }
        (MethodArg::Qr, Some(_)) => "Verifying this device with the other device's QR code.",
        (MethodArg::Qr, None) => {
            "Verifying this device with a QR code. Scan it with your other device."
        }
    });
    // What the flow waits for, and for how long, at a terminal: it may be minutes.
    let spinner = Arc::new(Spinner::start(out.spinner(), "Starting the verification"));
    let _watching = watch_awaited(client, &spinner, args.method);
    let session = match (args.method, args.scan) {
        (MethodArg::Sas, _) => {
            // Why the comparison was cut short, to report once the flow has ended.
            let mut interrupted: Option<Interrupted> = None;
            let result = client
                .verify_with_sas(options, |sas| {
                    let interrupted = &mut interrupted;
                    let spinner = &spinner;
                    async move {
                        // No spinner while the person compares and answers.
                        spinner.pause();
                        // The comparison is for a person: shown on stderr in JSON mode, so
                        // that stdout stays one JSON document.
                        if let Err(e) = out.show(&render::sas_screen(&sas)) {
                            *interrupted = Some(Interrupted::Output(e));
                            return SasAnswer::Cancel;
                        }
                        let answer =
                            prompt::yes_or_no("Do they match? [y/n] ", auto_yes, out.json).await;
                        spinner.resume();
                        match answer {
                            prompt::Answer::Yes => SasAnswer::Match,
                            prompt::Answer::No => SasAnswer::Mismatch,
                            prompt::Answer::None => {
                                *interrupted = Some(Interrupted::NoAnswer);
                                SasAnswer::Cancel
                            }
                            prompt::Answer::Unclear => {
                                *interrupted = Some(Interrupted::Unclear);
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
                (Err(error), Some(Interrupted::Unclear))
                    if error.ended_verification().is_some() =>
                {
                    return Err(Failure::Unclear(error));
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
        (MethodArg::Qr, Some(data)) => client.verify_with_scanned_qr(options, data).await?,
        (MethodArg::Qr, None) => {
            let mut png_error = None;
            let png = args.qr_png.clone();
            let mut shown = Ok(());
            let session = client
                .verify_with_qr(options, |code| {
                    // Above the spinner, which goes on below the code.
                    spinner.suspend(|| {
                        shown = out.show(&format!("{}\n", qr::terminal(&code.data)));
                        if let Some(path) = &png {
                            match qr::write_png(&code.data, path) {
                                Ok(()) => out
                                    .progress(&format!("Wrote the QR code to {}", path.display())),
                                Err(e) => png_error = Some(e),
                            }
                        }
                    });
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
    spinner.finish();
    out.print(&session, || render::verified(&session))?;
    Ok(())
}

/// A task that is stopped when this is dropped.
pub(crate) struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Keeps `spinner` saying what the guided flow waits for, from the session as it changes
/// (its own polling, for a terminal only); `None` when the spinner is not drawn.
pub(crate) fn watch_awaited(
    client: &Client,
    spinner: &Arc<Spinner>,
    method: MethodArg,
) -> Option<AbortOnDrop> {
    use futures_util::StreamExt;
    if !spinner.is_enabled() {
        return None;
    }
    let changes = client.session_changes();
    let spinner = Arc::clone(spinner);
    Some(AbortOnDrop(tokio::spawn(async move {
        let mut changes = std::pin::pin!(changes);
        while let Some(change) = changes.next().await {
            if let Ok(session) = change {
                spinner.set_message(&awaited(&session, method));
            }
        }
    })))
}

/// What the guided flow waits for, as the spinner says it.
fn awaited(session: &Session, method: MethodArg) -> String {
    let Some(v) = session.verification.as_ref().filter(|v| !v.is_terminal()) else {
        return match session.is_ready() {
            true => "Finishing".to_owned(),
            false => "Waiting for the verification to start".to_owned(),
        };
    };
    let what = match (&v.state, method) {
        (VerificationState::Requested, _) => "your other device to accept the request",
        (VerificationState::Ready, MethodArg::Qr) => "your other device to scan the QR code",
        (VerificationState::Ready, MethodArg::Sas) => "the emoji comparison to start",
        (VerificationState::SasReady, _) => "your other device to confirm the emoji",
        (VerificationState::QrScanned, _) => "the scan to be confirmed",
        _ => "your other device",
    };
    format!(
        "Waiting for {what} (verification {})",
        render::fit(&terminal::clean(&v.id), render::LIST_ID_WIDTH)
    )
}

/// `fut`, unless Ctrl-C comes first: then the terminal's line is ended and it is
/// [`Failure::Interrupted`]. For the commands that caught Ctrl-C (for the key prompt) and so
/// must end on it themselves.
async fn interruptible<T>(
    fut: impl std::future::Future<Output = Result<T, beeper_verification::Error>>,
    interrupt: &mut Interrupt,
) -> Result<T, Failure> {
    tokio::select! {
        result = fut => Ok(result?),
        () = interrupt.pressed() => {
            terminal::err("\n");
            Err(Failure::Interrupted)
        }
    }
}

/// Sends the recovery key, and drops it (zeroing it) once sent.
async fn enter_key(
    client: &Client,
    key: RecoveryKey,
    interrupt: &mut Interrupt,
) -> Result<Session, Failure> {
    let result = interruptible(client.recovery_key().verify(&key), interrupt).await;
    drop(key);
    result
}

/// What a reset destroys, said before one is made.
pub(crate) const RESET_WARNING: &str = "\
A new recovery key replaces the account's current one, and cannot be undone:
  - messages protected only by the old key become unreadable on every device;
  - chat networks (bridges) may need reconnecting;
  - Beeper keeps no copy of the key: the new one is shown once, and only you will have it.
";

/// `reset-recovery-key`: says what a reset destroys and asks whether to go on; makes the new
/// key; shows it once and asks whether it was saved; puts it in force only on yes. With
/// `--json` (which needs `--yes`) the key is in the JSON result, once.
async fn reset_recovery_key(
    client: &Client,
    existing_key_file: Option<&Path>,
    yes: bool,
    out: &Output,
) -> Result<(), Failure> {
    let existing = existing_key_file.map(prompt::existing_key).transpose()?;
    // Said whatever the options: a reset is not to be made unawares.
    out.show(RESET_WARNING)?;
    if prompt::confirm("Make a new recovery key? [y/N] ", yes, out.json).await
        != prompt::Answer::Yes
    {
        return Err(Failure::Declined {
            message: "no new recovery key was made; the current key stays in force",
            hint: format!(
                "run `{}` again to make one",
                crate::invoked::command("reset-recovery-key")
            ),
        });
    }
    let pending = client.recovery_key().reset(existing.as_ref()).await?;
    drop(existing);
    if out.json {
        // --yes said the key will be saved from the result: confirm, then print it once. A
        // failed confirm may still have put it in force, so the error carries it.
        let key = pending.key().clone();
        let session = match pending.confirm().await {
            Ok(session) => session,
            Err(error) => return Err(Failure::UnconfirmedKey { key, error }),
        };
        let result = serde_json::json!({
            "recoveryKey": key.expose_secret(),
            "session": session,
        });
        return out.print(&result, String::new);
    }
    out.show(&format!(
        "\nYour new recovery key, shown this once (save it now, in a password manager or on \
         paper):\n\n    {}\n\n",
        pending.key().expose_secret()
    ))?;
    if prompt::confirm("Did you save it? [y/N] ", yes, out.json).await != prompt::Answer::Yes {
        drop(pending);
        return Err(Failure::Declined {
            message: "the new recovery key was not confirmed, so it is not in force; the old key \
                      stays in force",
            hint: format!(
                "run `{}` again when you can save the new key",
                crate::invoked::command("reset-recovery-key")
            ),
        });
    }
    let key = pending.key().clone();
    let session = match pending.confirm().await {
        Ok(session) => session,
        // Shown above already; the hint says to keep it.
        Err(error) => return Err(Failure::UnconfirmedKey { key, error }),
    };
    out.print(&session, || render::key_reset(&session, out.hints()))
}

/// `demo --recovery-key`: a fake Beeper Desktop in this process whose device needs the
/// account's recovery key (`needs-secrets`); the person enters the key the demo tells them
/// (`--yes` enters it itself), and the session goes on through its first sync to `ready`.
#[cfg(feature = "demo")]
async fn demo_recovery_key(yes: bool, out: &Output) -> Result<(), Failure> {
    use beeper_verification::SessionState;
    use beeper_verification_fake::FakeServer;
    /// How long the fake's first sync takes after the key, so that the person sees it.
    const DEMO_FIRST_SYNC: Duration = Duration::from_millis(800);

    let mut interrupt = Interrupt::catch();
    let fake = FakeServer::builder()
        .session_state(beeper_verification_fake::FakeSessionState::NeedsSecrets)
        .first_sync_after_key(DEMO_FIRST_SYNC)
        .start()
        .await
        .map_err(|e| Failure::Local(format!("cannot start the demo's fake Beeper Desktop: {e}")))?;
    out.progress(&format!(
        "Demo: a fake Beeper Desktop is running at {}; this device needs the account's recovery key. No Beeper Desktop needed.",
        fake.base_url()
    ));
    let client = client(fake.base_url(), Some(fake.token()), None)?;
    let failed = |failure: Failure| match failure {
        Failure::Sdk(e) => Failure::Demo(e),
        other => other,
    };
    let session = interruptible(client.session(), &mut interrupt)
        .await
        .map_err(failed)?;
    out.show(&format!(
        "{}\nThe demo account's recovery key, the key you saved when you set up encryption, is:\n\n    {}\n\n\
         Enter it as `{}` would ask for it.\n",
        render::status(&session, None, out.hints()),
        fake.recovery_key(),
        crate::invoked::command("recovery-key")
    ))?;
    let key = if yes {
        out.show(&format!("{KEY_PROMPT_DEMO}(entered by --yes)\n"))?;
        RecoveryKey::from(fake.recovery_key())
    } else {
        prompt::recovery_key(None, &mut interrupt).await?
    };
    let session = enter_key(&client, key, &mut interrupt)
        .await
        .map_err(failed)?;
    out.progress(&format!(
        "Recovery key accepted: now {}.",
        terminal::clean(session.state.as_str())
    ));
    let session = if session.is_ready() {
        session
    } else {
        out.progress("Waiting for the first sync…");
        interruptible(client.wait_for_session(SessionState::Ready), &mut interrupt)
            .await
            .map_err(failed)?
    };
    out.print(&session, || render::key_accepted(&session, out.hints()))
}

/// What the demo shows where the key would be typed, with `--yes`.
#[cfg(feature = "demo")]
const KEY_PROMPT_DEMO: &str = "Recovery key: ";
