//! What the examples share: the choice between Beeper Desktop and a fake of it, the y/N
//! question about the emoji, and printing an error with its causes and a hint.

use std::error::Error;
use std::process::{ExitCode, Termination};

use beeper_verification::{Client, ClientBuilder, SasAnswer};
use beeper_verification_fake::{FakeServer, FakeServerBuilder};

/// A client for Beeper Desktop when `BEEPER_ACCESS_TOKEN` is set (and `BEEPER_BASE_URL`, if it
/// is not at `http://localhost:23373`), or else for the fake that `fake` describes, started on
/// this machine and returned too, to play the other device's part. The fake stops when it is
/// dropped: keep it in a variable (`_fake` will do; `_` alone drops it at once).
#[allow(dead_code)] // the sign_in example starts its own fake, signed out
pub async fn connect(
    fake: FakeServerBuilder,
) -> Result<(Client, Option<FakeServer>), Box<dyn Error>> {
    const ENV_ACCESS_TOKEN: &str = ClientBuilder::ENV_ACCESS_TOKEN;
    if std::env::var(ENV_ACCESS_TOKEN).is_ok_and(|token| !token.trim().is_empty()) {
        let client = Client::from_env()?;
        // One request now, so that a Beeper Desktop that is not running, or a wrong token, is
        // an error at once: waiting polls through connection failures until `max_wait`.
        let session = client.session().await?;
        println!(
            "Using Beeper Desktop at {}: the session is {:?}.",
            client.base_url(),
            session.state.as_str()
        );
        return Ok((client, None));
    }
    let fake = fake.start().await?;
    println!(
        "{ENV_ACCESS_TOKEN} is not set: using a fake Beeper Desktop at {}.",
        fake.base_url()
    );
    let client = Client::builder()
        .base_url(fake.base_url())
        .access_token(fake.token())
        .build()?;
    Ok((client, Some(fake)))
}

/// Asks on the terminal whether the emoji match: `y` or `yes` is a match, any other answer a
/// mismatch, and the end of input (Ctrl-D, or nothing piped in) no answer at all, which
/// cancels without claiming that the emoji differ.
#[allow(dead_code)] // not every example compares emoji
pub async fn do_they_match() -> SasAnswer {
    use std::io::Write;

    print!("Do they match? [y/N] ");
    // A prompt without a line break shows only once flushed; if stdout is gone, so is the
    // question, and the answer read next is still the person's.
    let _ = std::io::stdout().flush();
    // Reading stdin blocks, so it runs where blocking is allowed, not on the async runtime.
    let line = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        match std::io::stdin().read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line),
        }
    })
    .await;
    match line {
        Ok(Some(line)) => {
            let yes = matches!(line.trim().to_lowercase().as_str(), "y" | "yes");
            if yes {
                SasAnswer::Match
            } else {
                SasAnswer::Mismatch
            }
        }
        _ => {
            println!();
            SasAnswer::Cancel
        }
    }
}

/// The exit status of an example: its own on success; on an error, the error, each cause
/// underneath it, and what to do next (for this crate's errors), on stderr, and failure.
pub fn report(result: Result<impl Termination, Box<dyn Error>>) -> ExitCode {
    let error = match result {
        Ok(done) => return done.report(),
        Err(error) => error,
    };
    // The crate's messages show text from the server with control characters escaped.
    eprintln!("error: {error}");
    let mut cause = error.source();
    while let Some(inner) = cause {
        eprintln!("  caused by: {inner}");
        cause = inner.source();
    }
    if let Some(hint) = error
        .downcast_ref::<beeper_verification::Error>()
        .and_then(beeper_verification::Error::hint)
    {
        eprintln!("hint: {hint}");
    }
    ExitCode::FAILURE
}
