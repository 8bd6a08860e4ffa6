//! Sign a signed-out device in, step by step, then verify it with the emoji of another device:
//! `Client::sign_in` with a client that has no token yet, and the client the sign-in returns.
//!
//! ```sh
//! cargo run -p beeper-verification --example sign_in                      # a known account
//! cargo run -p beeper-verification --example sign_in -- new@example.com   # a new one
//! ```
//!
//! It runs against a fake Beeper Desktop started signed out (no Beeper Desktop needed), which
//! knows the account `you@example.com`, mails its codes to an outbox that the example reads as
//! the person would read the email, and plays the other device. A new address creates its
//! account only if you accept the terms (`y` on standard input). The emoji question is asked
//! on standard input too. No code, lead token or access token is ever printed.
//!
//! Against Beeper Desktop or Beeper Server, build the client with `Client::from_env()` (no
//! token needed to sign in) and ask the person for the code from their email; or let
//! `Client::set_up` walk every step with a `SetupUi` of yours.

use std::error::Error;
use std::process::ExitCode;
use std::time::Duration;

use beeper_verification::{
    Client, CreateVerification, Registration, SignInCode, SignInMethod, SignInOutcome, SignedIn,
    TermsAccepted,
};
use beeper_verification_fake::{FakeServer, FakeSessionState, PeerMethod};

mod common;

/// The account the fake knows.
const KNOWN: &str = "you@example.com";

#[tokio::main]
async fn main() -> ExitCode {
    common::report(run().await)
}

async fn run() -> Result<(), Box<dyn Error>> {
    let email = std::env::args().nth(1).unwrap_or_else(|| KNOWN.to_owned());
    let fake = FakeServer::builder()
        .session_state(FakeSessionState::NeedsLogin)
        .account(KNOWN)
        .auto_peer(PeerMethod::Sas, Duration::from_millis(20))
        .start()
        .await?;
    println!(
        "A fake Beeper Desktop at {}, signed out; it knows {KNOWN}.",
        fake.base_url()
    );

    // No token: enough to read the session while signed out, and to sign in.
    let client = Client::builder().base_url(fake.base_url()).build()?;
    let session = client.session().await?;
    println!("The session is {:?}.", session.state.as_str());

    let attempt = client.sign_in().start().await?;
    if !attempt.methods().contains(&SignInMethod::Email) {
        return Err(format!(
            "this server offers no email sign-in: {:?}",
            attempt.methods()
        )
        .into());
    }
    attempt.send_code(&email).await?;
    println!("A sign-in code was mailed to {email}.");
    let code = read_the_mail(&fake, &email)?;

    let signed_in = match attempt.finish(&code).await? {
        SignInOutcome::SignedIn(signed_in) => signed_in,
        SignInOutcome::RegistrationRequired(registration) => {
            create_the_account(&registration).await?
        }
        other => {
            return Err(format!("a sign-in outcome this example does not know: {other:?}").into());
        }
    };
    keep(&signed_in);

    // The rest of the journey needs the token: the client the sign-in returned has it.
    let client = signed_in.into_client();
    let session = client
        .verify_with_sas(CreateVerification::default(), |sas| async move {
            println!("Do these match on your other device?\n  {sas}");
            common::do_they_match().await
        })
        .await?;
    println!("Done. The session is {:?}.", session.state.as_str());
    Ok(())
}

/// What the person types after reading their email: here, the code the fake mailed.
fn read_the_mail(fake: &FakeServer, email: &str) -> Result<SignInCode, Box<dyn Error>> {
    let mail = fake
        .outbox()
        .into_iter()
        .rfind(|mail| mail.email == email)
        .ok_or("the fake mailed no code")?;
    println!("(Entering the code from the fake's outbox for you; it is not shown.)");
    Ok(SignInCode::new(mail.code))
}

/// The address has no account: show the words the server sent, offer a username, and create
/// the account only when the person accepts the terms.
async fn create_the_account(registration: &Registration) -> Result<SignedIn, Box<dyn Error>> {
    let copy = registration.copy();
    let username = registration
        .suggestions()
        .first()
        .cloned()
        .unwrap_or_else(|| "new-user".to_owned());
    println!("{}: {} (a suggestion)", copy.title, username);
    println!("{}", copy.terms);
    if !ask_yes(&format!("{}? [y/N] ", copy.submit)).await {
        return Err("the terms were not accepted, so no account was created".into());
    }
    // The person said yes above: only now is their acceptance sent.
    Ok(registration
        .register(&username, TermsAccepted::by_the_user())
        .await?)
}

/// What a real program does with the new token: keep it, if the person wants to stay signed
/// in (a file of mode 0600, a keychain). It is returned only once, and never printed here.
fn keep(signed_in: &SignedIn) {
    let account = signed_in.account();
    println!(
        "Signed in as {} (device {}); the session is {:?}.",
        account.user_id,
        account.device_id,
        signed_in.session().state.as_str()
    );
    let _token_to_save = signed_in.access_token();
}

/// A y/N question on the terminal; the end of input is a no.
async fn ask_yes(question: &str) -> bool {
    use std::io::Write;

    print!("{question}");
    let _ = std::io::stdout().flush();
    let line = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        match std::io::stdin().read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line),
        }
    })
    .await
    .ok()
    .flatten();
    line.is_some_and(|l| matches!(l.trim().to_lowercase().as_str(), "y" | "yes"))
}
