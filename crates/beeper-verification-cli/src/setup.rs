//! `setup`: [`Client::set_up`] with a terminal UI, from wherever the device is to `ready`
//! (sign in, create the account, verify, make a recovery key), and `demo`, which is the same
//! journey against the built-in fake.
//!
//! Every answer is read from the terminal or, one a line, from standard input, so a script (or
//! a test) can drive it; the sign-in code is never taken from the command line and never shown.
//! The access token of a sign-in is saved with [`store_token`] (mode 0600) and printed only
//! with `--print-token`. An account is created only with the person's explicit yes to the
//! terms, or `--accept-terms`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use beeper_verification::{
    AccessToken, Client, Error, Qr, RecoveryKey, Registration, RegistrationCopy, Sas, SasAnswer,
    Session, SessionState, SetupUi, SignInCode, SignedIn, TermsAccepted, VerifyChoice,
};

use crate::args::{MethodArg, SetupArgs, SetupMethod};
use crate::commands::{AbortOnDrop, Interrupted, Output, RESET_WARNING, cleanup_client};
use crate::interrupt::Interrupt;
use crate::invoked::command;
use crate::prompt::{self, Answer};
use crate::spinner::Spinner;
use crate::stored_token::{self, TokenSource, store_token};
use crate::terminal::clean;
use crate::{Failure, qr, render, terminal};

/// Where the terms a new account accepts are, as the API's description of `acceptTerms` links
/// them.
const TERMS_URL: &str = "https://www.beeper.com/terms-onboarding";
const PRIVACY_URL: &str = "https://www.beeper.com/privacy";

/// What a run of the flow was asked beyond the answers it reads.
pub(crate) struct Plan {
    /// `--email`: the address to sign in with, instead of asking.
    email: Option<String>,
    /// `--accept-terms`: the person accepts the terms of a new account; not asked.
    accept_terms: bool,
    /// `--method`: how to verify, instead of asking.
    method: Option<SetupMethod>,
    /// `--key-file`: where the recovery key is, when it is asked for.
    key_file: Option<PathBuf>,
    /// `--print-token`: print the new access token at the end.
    print_token: bool,
    /// Whether the new access token is saved for the next commands (not by the demo, whose
    /// token is the fake's).
    store: bool,
    /// The demo's own answers.
    #[cfg(feature = "demo")]
    demo: Option<DemoAnswers>,
}

impl Plan {
    /// The plan of `setup`.
    pub(crate) fn setup(args: SetupArgs, key_file: Option<PathBuf>) -> Self {
        Self {
            email: args.email,
            accept_terms: args.accept_terms,
            method: args.method,
            key_file,
            print_token: args.print_token,
            store: true,
            #[cfg(feature = "demo")]
            demo: None,
        }
    }

    /// The flag that answers the terms with yes, for what the questions say.
    fn terms_flag(&self) -> (&'static str, bool) {
        #[cfg(feature = "demo")]
        if let Some(demo) = &self.demo {
            return ("--yes", demo.yes);
        }
        ("--accept-terms", self.accept_terms)
    }
}

/// What the flow talks to, and how this run reached it.
pub(crate) struct Target<'a> {
    /// The client of the run (with the token of the run, if any).
    pub client: &'a Client,
    pub base_url: &'a str,
    pub timeout: Option<Duration>,
    /// The token of the run, for the cleanup after Ctrl-C before a sign-in.
    pub token: Option<&'a str>,
}

/// Runs the flow to `ready` against `target`, asking what only the person can answer, and
/// prints the session (`--json`: the session, or `{session, accessToken}` with
/// `--print-token`). Ctrl-C ends it with exit code 130, cancelling a verification it started.
pub(crate) async fn run(target: Target<'_>, plan: Plan, out: &Output) -> Result<(), Failure> {
    let mut interrupt = Interrupt::catch();
    let mut ui = TerminalUi::new(out, &plan, target.client.clone());
    let result = tokio::select! {
        result = target.client.set_up(&mut ui) => Some(result),
        () = interrupt.pressed() => None,
    };
    ui.end_spinner();
    let session = match result {
        Some(Ok(session)) => session,
        Some(Err(error)) => return Err(ui.failure(error)),
        None if ui.verifying => {
            let token = ui.token.as_ref().map(AccessToken::expose_secret);
            let cleanup = cleanup_client(target.base_url, token.or(target.token), target.timeout)?;
            return Err(
                crate::commands::cancel_after_interrupt(&cleanup, out, &mut interrupt).await,
            );
        }
        None => {
            // The terminal's `^C` is left on a line of its own.
            terminal::err("\n");
            return Err(Failure::Interrupted);
        }
    };
    if out.json {
        match (&ui.token, plan.print_token) {
            (Some(token), true) => {
                let result = serde_json::json!({
                    "session": session,
                    "accessToken": token.expose_secret(),
                });
                out.print(&result, String::new)?;
            }
            _ => out.print(&session, String::new)?,
        }
    } else {
        out.print(&session, || render::set_up(&session, ui.did))?;
        if plan.print_token {
            match &ui.token {
                Some(token) => terminal::out(&format!(
                    "\nThe access token (--print-token; keep it secret: whoever has it can read \
                     your messages):\n{}\n",
                    clean(token.expose_secret())
                ))?,
                None => out.progress(
                    "Nobody signed in during this run, so there is no new access token to print.",
                ),
            }
        }
    }
    match ui.unsaved.take() {
        Some(why) if !plan.print_token => Err(Failure::Local(format!(
            "the access token of the sign-in could not be saved ({why}), and it was not printed; \
             the commands that follow need a token: create one in Beeper Desktop under Settings \
             → Developers"
        ))),
        _ => Ok(()),
    }
}

/// The screens of the flow, at the terminal.
struct TerminalUi<'a> {
    out: &'a Output,
    plan: &'a Plan,
    /// Ctrl-C for the recovery-key prompt (the run catches it too, and ends the flow).
    interrupt: Interrupt,
    /// The client of the flow: the run's, then the signed-in one.
    client: Client,
    /// The access token of this run's sign-in.
    token: Option<AccessToken>,
    /// Why the token of the sign-in could not be saved, when it could not.
    unsaved: Option<String>,
    /// The person's acceptance of the terms, once given (a refused username asks again for the
    /// username only).
    terms: Option<TermsAccepted>,
    /// Why a screen stopped the flow (which then ends with `Error::SetupStopped`), or the
    /// output that could not be written.
    stop: Option<Failure>,
    /// Why the emoji comparison ended without an answer.
    emoji: Option<Interrupted>,
    /// A verification with another device was chosen: Ctrl-C cancels it.
    verifying: bool,
    /// What this run did last, said at the end (`Verified.`).
    did: Option<&'static str>,
    /// The spinner while a verification waits for the other device, and what keeps it saying
    /// what it waits for.
    spinner: Option<(Arc<Spinner>, Option<AbortOnDrop>)>,
    /// The state waited on last, said once.
    waited: Option<SessionState>,
    /// Whether the mail of the code was announced.
    code_announced: bool,
    /// Whether the person chose the recovery key (so it is not announced again).
    key_chosen: bool,
}

impl<'a> TerminalUi<'a> {
    fn new(out: &'a Output, plan: &'a Plan, client: Client) -> Self {
        Self {
            out,
            plan,
            interrupt: Interrupt::catch(),
            client,
            token: None,
            unsaved: None,
            terms: None,
            stop: None,
            emoji: None,
            verifying: false,
            did: None,
            spinner: None,
            waited: None,
            code_announced: false,
            key_chosen: false,
        }
    }

    /// Shows `text` to the person; `false` once the output could not be written (kept to
    /// report).
    fn show(&mut self, text: &str) -> bool {
        if self.stop.is_some() {
            return false;
        }
        match self.out.show(text) {
            Ok(()) => true,
            Err(failure) => {
                self.stop = Some(failure);
                false
            }
        }
    }

    /// Whether a screen stopped the flow already (the output is gone, say): nothing more is
    /// asked or started.
    fn stopped(&self) -> bool {
        self.stop.is_some()
    }

    /// Stops the flow for `failure`, which is what the run reports (the first one kept).
    fn stop<T>(&mut self, failure: Failure) -> Option<T> {
        if self.stop.is_none() {
            self.stop = Some(failure);
        }
        None
    }

    /// Clears the spinner for good, before anything else is shown.
    fn end_spinner(&mut self) {
        if let Some((spinner, _watch)) = self.spinner.take() {
            spinner.finish();
        }
    }

    fn start_spinner(&mut self, method: MethodArg) {
        self.end_spinner();
        let spinner = Arc::new(Spinner::start(
            self.out.spinner(),
            "Starting the verification",
        ));
        let watch = crate::commands::watch_awaited(&self.client, &spinner, method);
        self.spinner = Some((spinner, watch));
    }

    /// What the flow's error is to report: the reason a screen stopped it, when one did.
    fn failure(&mut self, error: Error) -> Failure {
        if matches!(self.stop, Some(Failure::Closed)) {
            return Failure::Closed;
        }
        if error.ended_verification().is_some() {
            match self.emoji.take() {
                Some(Interrupted::NoAnswer) => return Failure::NoAnswer(error),
                Some(Interrupted::Unclear) => return Failure::Unclear(error),
                Some(Interrupted::Output(failure)) => return failure,
                None => {}
            }
        }
        match (error, self.stop.take()) {
            (Error::SetupStopped { .. }, Some(failure)) => failure,
            (error, _) => Failure::Sdk(error),
        }
    }

    /// The answer for the terms of a new account: shown with where to read them, and an
    /// explicit yes (or `--accept-terms`) accepts them; anything else creates nothing.
    async fn accept_terms(&mut self, copy: &RegistrationCopy) -> Option<TermsAccepted> {
        const QUESTION: &str = "Do you accept them, and create the account? [y/n] ";
        let notice = format!(
            "\n{}\n  Terms of Use:    {TERMS_URL}\n  Privacy Policy:  {PRIVACY_URL}\n",
            clean(copy.terms.trim())
        );
        if !self.show(&notice) {
            return None;
        }
        let (flag, given) = self.plan.terms_flag();
        if given {
            prompt::say(
                &format!("{QUESTION}y (answered by {flag})\n"),
                self.out.json,
            );
            return Some(TermsAccepted::by_the_user());
        }
        let again = "Please answer y to accept the terms and create the account, or n: ";
        match prompt::explicit_yes_or_no(QUESTION, again, self.out.json).await {
            Answer::Yes => Some(TermsAccepted::by_the_user()),
            Answer::No => self.stop(Failure::Declined {
                message: "no account was created: the terms were not accepted",
                hint: format!(
                    "run `{}` again and answer y to create the account, or sign in with an \
                     address that has one",
                    command("setup")
                ),
            }),
            Answer::None => self.stop(Failure::Usage(format!(
                "no account was created: it needs your explicit yes to the terms, and the input \
                 ended before one; answer y at the question, or add {flag} if you read and \
                 accept them"
            ))),
            Answer::Unclear => self.stop(Failure::Usage(format!(
                "no account was created: no answer to the terms was yes or no ({} asked); \
                 answer y or n, or add {flag} if you read and accept them",
                prompt::ASKS
            ))),
        }
    }

    /// How to verify, from the options, the demo, or the person.
    async fn method(&mut self, session: &Session) -> Option<SetupMethod> {
        if let Some(method) = self.plan.method {
            return Some(method);
        }
        if self.plan.key_file.is_some() {
            return Some(SetupMethod::RecoveryKey);
        }
        let mut menu = String::from("\nThis device must be verified. How?\n");
        if let Some(v) = session.verification.as_ref().filter(|v| !v.is_terminal()) {
            menu.push_str(&format!(
                "(Verification {} is in progress: 1 or 2 goes on with it.)\n",
                render::fit(&clean(&v.id), render::LIST_ID_WIDTH)
            ));
        }
        menu.push_str(
            "  1  compare emoji with another signed-in device\n  \
               2  show a QR code for another signed-in device to scan\n  \
               3  enter your recovery key (no other device needed)\n",
        );
        if !self.show(&menu) {
            return None;
        }
        let mut question = "Choose 1, 2 or 3 [1]: ";
        for _ in 0..prompt::ASKS {
            let Some(answer) = prompt::line(question, self.out.json).await else {
                return self.stop(Failure::Usage(
                    "no choice of how to verify this device was made (the input ended)".to_owned(),
                ));
            };
            match answer.to_ascii_lowercase().as_str() {
                "" | "1" | "emoji" | "sas" => return Some(SetupMethod::Sas),
                "2" | "qr" => return Some(SetupMethod::Qr),
                "3" | "key" | "recovery key" | "recovery-key" => {
                    return Some(SetupMethod::RecoveryKey);
                }
                _ => question = "Please answer 1, 2 or 3: ",
            }
        }
        self.stop(Failure::Usage(format!(
            "no choice of how to verify this device was 1, 2 or 3 ({} asked); run `{}` again, \
             or choose with --method",
            prompt::ASKS,
            command("setup")
        )))
    }

    /// The address the demo fills in, unless the person types it (`--type-sign-in`).
    fn filled_in_email(&self) -> Option<String> {
        #[cfg(feature = "demo")]
        return self.plan.demo.as_ref().and_then(|d| d.fill_in.clone());
        #[cfg(not(feature = "demo"))]
        None
    }

    /// Asks for the email address at the prompt; an empty answer is asked again, up to
    /// [`prompt::ASKS`] times.
    async fn ask_email(&mut self) -> Option<String> {
        for _ in 0..prompt::ASKS {
            match prompt::line("Email address: ", self.out.json).await {
                Some(email) if !email.is_empty() => return Some(email),
                Some(_) => {}
                None => {
                    return self.stop(Failure::Usage(
                        "no email address was entered (the input ended)".to_owned(),
                    ));
                }
            }
        }
        self.stop(Failure::Usage("no email address was entered".to_owned()))
    }
}

impl SetupUi for TerminalUi<'_> {
    async fn email(&mut self, refused: Option<&Error>) -> Option<String> {
        self.end_spinner();
        if self.stopped() {
            return None;
        }
        if let Some(error) = refused {
            // Asked again only of a person at a terminal: the same flag (or the demo's address)
            // would be refused again, and a script's next line is its code, not an address.
            if self.plan.email.is_some()
                || self.filled_in_email().is_some()
                || !std::io::stdin().is_terminal()
            {
                return self.stop(Failure::Sdk(error.clone()));
            }
            let said = format!(
                "That address was not accepted ({}). Type it again.\n",
                clean(&refusal(error))
            );
            if !self.show(&said) {
                return None;
            }
            return self.ask_email().await;
        }
        if self.plan.store && stored_token::path().is_none() && !self.plan.print_token {
            // Said before anything is sent: the token of a sign-in is returned once.
            return self.stop(Failure::Usage(
                "there is no place to save the access token of a sign-in: neither \
                 XDG_CONFIG_HOME nor HOME is set; set one, or add --print-token to have it \
                 printed instead"
                    .to_owned(),
            ));
        }
        if let Some(email) = self.filled_in_email() {
            let shown = format!("Email address: {} (filled in by the demo)\n", clean(&email));
            return self.show(&shown).then_some(email);
        }
        self.out.progress(
            "Nobody is signed in: sign in with your email address (an address without a Beeper \
             account gets one).",
        );
        if let Some(email) = self.plan.email.clone() {
            self.out
                .progress(&format!("Signing in as {} (--email).", clean(&email)));
            return Some(email);
        }
        self.ask_email().await
    }

    async fn sign_in_code(&mut self, email: &str, refused: Option<&Error>) -> Option<SignInCode> {
        self.end_spinner();
        if self.stopped() {
            return None;
        }
        let said = match refused {
            Some(error) => format!(
                "That code was not accepted ({}). Enter the code from the latest email again.\n",
                clean(&refusal(error))
            ),
            None if !self.code_announced => {
                format!("A sign-in code was mailed to {}.\n", clean(email))
            }
            None => String::new(),
        };
        if !self.show(&said) {
            return None;
        }
        #[cfg(feature = "demo")]
        if let Some(demo) = &self.plan.demo
            && let Some(code) = (demo.outbox)(email)
        {
            let fill_in = demo.fill_in.is_some();
            if !self.code_announced && !self.show(&mail(email, &code)) {
                return None;
            }
            self.code_announced = true;
            if fill_in {
                let filled = "Code from the email: (entered by the demo, from the mail above)\n";
                return self.show(filled).then(|| SignInCode::new(code));
            }
        }
        self.code_announced = true;
        match prompt::sign_in_code(self.out.json).await {
            Ok(code) => Some(code),
            Err(failure) => self.stop(failure),
        }
    }

    async fn register(
        &mut self,
        registration: &Registration,
        refused: Option<&Error>,
    ) -> Option<(String, TermsAccepted)> {
        self.end_spinner();
        if self.stopped() {
            return None;
        }
        let copy = registration.copy();
        let said = match refused {
            Some(error) => format!(
                "That username was not accepted ({}). Choose another.\n",
                clean(&refusal(error))
            ),
            None => format!(
                "\nThis address has no Beeper account yet: one will be created for it.\n{}\n",
                clean(copy.title.trim())
            ),
        };
        if !self.show(&said) {
            return None;
        }
        // Only a plain name is offered as the default: one a person can read in full, that
        // an Enter would send back as they saw it.
        let suggestion = registration
            .suggestions()
            .iter()
            .map(|s| s.trim())
            .find(|s| plain_username(s));
        let label = match copy.username_placeholder.trim() {
            "" => "Username".to_owned(),
            label => clean(label).into_owned(),
        };
        let question = match suggestion {
            Some(suggested) => format!("{label} [{}]: ", clean(suggested)),
            None => format!("{label}: "),
        };
        let mut username = None;
        for _ in 0..prompt::ASKS {
            match prompt::line(&question, self.out.json).await {
                Some(typed) if !typed.is_empty() => username = Some(typed),
                Some(_) => username = suggestion.map(str::to_owned),
                None => {
                    return self.stop(Failure::Usage(
                        "no username was entered (the input ended), so no account was created"
                            .to_owned(),
                    ));
                }
            }
            if username.is_some() {
                break;
            }
        }
        let Some(username) = username else {
            return self.stop(Failure::Usage(
                "no username was entered, so no account was created".to_owned(),
            ));
        };
        let terms = match self.terms {
            Some(terms) => terms,
            None => {
                let terms = self.accept_terms(copy).await?;
                self.terms = Some(terms);
                terms
            }
        };
        Some((username, terms))
    }

    fn signed_in(&mut self, signed_in: &SignedIn) {
        self.client = signed_in.client().clone();
        self.token = Some(signed_in.access_token().clone());
        self.did = Some("Signed in.");
        let who = clean(&signed_in.account().user_id).into_owned();
        let mut said = if !self.plan.store {
            format!(
                "Signed in as {who}. (`{}` would save the access token for the commands that \
                 follow; the demo keeps the fake's to itself.)\n",
                command("setup")
            )
        } else {
            match store_token(signed_in.access_token()) {
                Ok(path) => format!(
                    "Signed in as {who}; the access token is saved in {} (forget it with `{}`).\n",
                    path.display(),
                    command("forget-token")
                ),
                Err(why) => {
                    let said = format!(
                        "Signed in as {who}, but the access token could not be saved: {why}.\n"
                    );
                    self.unsaved = Some(why);
                    said
                }
            }
        };
        if self.plan.store {
            // A token given for this run comes before the stored one.
            let given = match stored_token::source() {
                Some(TokenSource::Environment) => Some("unset BEEPER_ACCESS_TOKEN"),
                Some(TokenSource::Argument) => Some("leave out --token"),
                Some(TokenSource::File(_)) => Some("leave out --token-file"),
                Some(TokenSource::Stored(_)) | None => None,
            };
            if let Some(what) = given {
                said.push_str(&format!(
                    "Note: the token given to this run comes before the saved one: {what} so \
                     that the commands that follow use the new one.\n"
                ));
            }
        }
        self.show(&said);
    }

    async fn choose(&mut self, session: &Session) -> VerifyChoice {
        self.end_spinner();
        if self.stopped() {
            return VerifyChoice::Stop;
        }
        let Some(method) = self.method(session).await else {
            return VerifyChoice::Stop;
        };
        match method {
            SetupMethod::Sas => {
                self.out.progress(
                    "Verifying this device by comparing emoji. Accept the request on your other \
                     device when it asks.",
                );
                self.verifying = true;
                self.start_spinner(MethodArg::Sas);
                VerifyChoice::CompareEmoji
            }
            SetupMethod::Qr => {
                self.out.progress(
                    "Verifying this device with a QR code. Scan it with your other device.",
                );
                self.verifying = true;
                self.start_spinner(MethodArg::Qr);
                VerifyChoice::ShowQr
            }
            SetupMethod::RecoveryKey => {
                self.key_chosen = true;
                VerifyChoice::RecoveryKey
            }
        }
    }

    async fn recovery_key(&mut self, refused: Option<&Error>) -> Option<RecoveryKey> {
        self.end_spinner();
        if self.stopped() {
            return None;
        }
        match refused {
            // The same file again would give the same key.
            Some(error) if self.plan.key_file.is_some() => {
                return self.stop(Failure::Sdk(error.clone()));
            }
            Some(error) => {
                let said = format!(
                    "That is not the account's recovery key ({}). Try again.\n",
                    clean(&refusal(error))
                );
                if !self.show(&said) {
                    return None;
                }
            }
            // Said unless the person just chose the key.
            None if self.plan.method == Some(SetupMethod::RecoveryKey) || !self.key_chosen => self
                .out
                .progress("This device needs your recovery key (no other device is needed)."),
            None => {}
        }
        match prompt::recovery_key(self.plan.key_file.as_deref(), &mut self.interrupt).await {
            Ok(key) => {
                self.did = Some("Recovery key accepted.");
                Some(key)
            }
            Err(failure) => self.stop(failure),
        }
    }

    async fn compare_emoji(&mut self, sas: &Sas) -> SasAnswer {
        if self.stopped() {
            return SasAnswer::Cancel;
        }
        let spinner = self.spinner.as_ref().map(|(s, _)| Arc::clone(s));
        if let Some(spinner) = &spinner {
            // No spinner while the person compares and answers.
            spinner.pause();
        }
        // On stderr in JSON mode, so that stdout stays one JSON document.
        if let Err(failure) = self.out.show(&render::sas_screen(sas)) {
            self.emoji = Some(Interrupted::Output(failure));
            return SasAnswer::Cancel;
        }
        #[cfg(feature = "demo")]
        let auto_yes = self.plan.demo.as_ref().is_some_and(|d| d.yes);
        #[cfg(not(feature = "demo"))]
        let auto_yes = false;
        let answer = prompt::yes_or_no("Do they match? [y/n] ", auto_yes, self.out.json).await;
        if let Some(spinner) = &spinner {
            spinner.resume();
        }
        match answer {
            Answer::Yes => {
                self.did = Some("Verified.");
                SasAnswer::Match
            }
            Answer::No => SasAnswer::Mismatch,
            Answer::None => {
                self.emoji = Some(Interrupted::NoAnswer);
                SasAnswer::Cancel
            }
            Answer::Unclear => {
                self.emoji = Some(Interrupted::Unclear);
                SasAnswer::Cancel
            }
        }
    }

    async fn show_qr(&mut self, qr: &Qr) {
        let text = format!("{}\n", qr::terminal(&qr.data));
        // Above the spinner, which goes on below the code.
        let shown = match &self.spinner {
            Some((spinner, _)) => spinner.suspend(|| self.out.show(&text)),
            None => self.out.show(&text),
        };
        if let Err(failure) = shown {
            self.stop::<()>(failure);
        }
        self.did = Some("Verified.");
    }

    async fn agree_to_reset(&mut self, _session: &Session) -> bool {
        self.end_spinner();
        if self.stopped() {
            return false;
        }
        if !self.show(&format!(
            "\nThe account has no usable recovery key yet: a new one is made.\n{RESET_WARNING}"
        )) {
            return false;
        }
        if prompt::confirm("Make a new recovery key? [y/N] ", false, self.out.json).await
            == Answer::Yes
        {
            return true;
        }
        self.stop::<()>(Failure::Declined {
            message: "no new recovery key was made, so this device is not set up yet",
            hint: format!(
                "run `{}` again when you are ready to make one",
                command("setup")
            ),
        });
        false
    }

    async fn new_key_saved(&mut self, key: &RecoveryKey) -> bool {
        let shown = format!(
            "\nYour new recovery key, shown this once (save it now, in a password manager or on \
             paper):\n\n    {}\n\n",
            key.expose_secret()
        );
        if !self.show(&shown) {
            return false;
        }
        if prompt::confirm("Did you save it? [y/N] ", false, self.out.json).await == Answer::Yes {
            self.did = Some("The new recovery key is in force.");
            return true;
        }
        self.stop::<()>(Failure::Declined {
            message: "the new recovery key was not confirmed, so it is not in force",
            hint: format!(
                "run `{}` again when you can save the new key",
                command("setup")
            ),
        });
        false
    }

    fn waiting(&mut self, state: &SessionState) {
        if self.waited.as_ref() == Some(state) {
            return;
        }
        self.end_spinner();
        self.out.progress(&format!(
            "Waiting for Beeper Desktop ({})…",
            clean(state.as_str())
        ));
        self.waited = Some(state.clone());
    }
}

/// What the server said about a refused address, code, key or username: its message (marked
/// when it was cut), else the error. Neither ever holds the secret (the SDK keeps it out of
/// errors).
fn refusal(error: &Error) -> String {
    match error.api_error() {
        Some(api) if api.message_cut => format!("{}… (cut)", api.message.trim_start()),
        Some(api) if !api.message.trim().is_empty() => api.message.trim().to_owned(),
        _ => error.to_string(),
    }
}

/// Reads the latest code the demo's fake mailed to an address.
#[cfg(feature = "demo")]
type Outbox = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The demo's own answers.
#[cfg(feature = "demo")]
pub(crate) struct DemoAnswers {
    /// The address the demo fills in, and then the code from the mail; `None` when the person
    /// types both (`--type-sign-in`).
    fill_in: Option<String>,
    /// The latest code the fake mailed to an address, from its outbox.
    outbox: Outbox,
    /// `--yes`: answer the comparison (and a new account's terms, the fake's) with yes.
    yes: bool,
}

/// The mail of a sign-in code, as the demo shows it from the fake's outbox: framed, with who
/// sent it to whom, and marked as the fake's.
#[cfg(feature = "demo")]
fn mail(email: &str, code: &str) -> String {
    format!(
        "\n┌─ Mail, from the fake's outbox (a real sign-in mails it to your address) ──\n\
         │ From:     Beeper (played by the demo's fake Beeper Desktop)\n\
         │ To:       {}\n\
         │ Subject:  Your Beeper sign-in code\n\
         │\n\
         │ Your sign-in code is {}\n\
         └────────────────────────────────────────────────────────────────────────────\n",
        clean(email),
        clean(code)
    )
}

/// The options of `demo` that shape its journey.
#[cfg(feature = "demo")]
pub(crate) struct Demo {
    pub method: MethodArg,
    pub yes: bool,
    pub type_sign_in: bool,
    pub signed_in: bool,
}

/// `demo`: the journey of `setup` against a fake Beeper Desktop in this process, with a
/// simulated other device that plays its side by itself. It starts signed out (unless
/// `--signed-in`): the demo fills in the address of the account the fake knows, shows the mail
/// with the code and enters it (`--type-sign-in`: the person types both), then verifies as
/// `--method` says. Nothing is saved: the fake's token stays in the process.
#[cfg(feature = "demo")]
pub(crate) async fn demo(demo: Demo, out: &Output) -> Result<(), Failure> {
    use beeper_verification_fake::{FakeServer, FakeSessionState, PeerMethod};
    /// How long the simulated other device takes per move.
    const DEMO_PEER_DELAY: Duration = Duration::from_millis(600);
    /// The account the fake knows.
    const ACCOUNT: &str = "you@example.com";

    let peer = match demo.method {
        MethodArg::Sas => PeerMethod::Sas,
        MethodArg::Qr => PeerMethod::Qr,
    };
    let mut fake = FakeServer::builder()
        .auto_peer(peer, DEMO_PEER_DELAY)
        .account(ACCOUNT);
    if !demo.signed_in {
        fake = fake.session_state(FakeSessionState::NeedsLogin);
    }
    let fake = Arc::new(fake.start().await.map_err(|e| {
        Failure::Local(format!("cannot start the demo's fake Beeper Desktop: {e}"))
    })?);
    let token = demo.signed_in.then(|| fake.token());
    let client = crate::commands::client(fake.base_url(), token, None)?;
    if demo.signed_in {
        out.progress(&format!(
            "Demo: a fake Beeper Desktop is running at {} with a simulated second device; no \
             Beeper Desktop needed.",
            fake.base_url()
        ));
    } else {
        out.progress(&format!(
            "Demo: a fake Beeper Desktop is running at {}, signed out, with a simulated second \
             device; no Beeper Desktop needed. What follows is `{}`, the demo signing in for \
             you with the account the fake knows, {ACCOUNT}, and the code it mails.",
            fake.base_url(),
            command("setup")
        ));
    }
    let outbox = Arc::clone(&fake);
    let plan = Plan {
        email: None,
        accept_terms: false,
        method: Some(match demo.method {
            MethodArg::Sas => SetupMethod::Sas,
            MethodArg::Qr => SetupMethod::Qr,
        }),
        key_file: None,
        print_token: false,
        store: false,
        demo: Some(DemoAnswers {
            fill_in: (!demo.type_sign_in).then(|| ACCOUNT.to_owned()),
            outbox: Box::new(move |email| {
                outbox
                    .outbox()
                    .into_iter()
                    .rfind(|mail| mail.email.eq_ignore_ascii_case(email.trim()))
                    .map(|mail| mail.code)
            }),
            yes: demo.yes,
        }),
    };
    let target = Target {
        client: &client,
        base_url: fake.base_url(),
        timeout: None,
        token,
    };
    run(target, plan, out)
        .await
        .map_err(|failure| match failure {
            // Its hints point at the demo, not at Beeper Desktop.
            Failure::Sdk(e) => Failure::Demo(e),
            other => other,
        })
}

/// A username suggestion fit to offer as the default: 1 to 64 letters, digits, `.`, `_`, `=`
/// or `-`. A server that proposes control characters, escapes or a wall of text gets no
/// default, and the person types a name.
fn plain_username(suggested: &str) -> bool {
    (1..=64).contains(&suggested.len())
        && suggested
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '=' | '-'))
}

#[cfg(test)]
mod plain_username_tests {
    #[test]
    fn only_a_plain_suggestion_is_offered_as_the_default() {
        for plain in ["jane", "jane.doe", "j_d-1=x"] {
            assert!(super::plain_username(plain), "{plain}");
        }
        let long = "a".repeat(65);
        for odd in ["", "ja ne", "\u{1b}]0;x\u{7}", "jäne", long.as_str()] {
            assert!(!super::plain_username(odd), "{odd:?}");
        }
    }
}
