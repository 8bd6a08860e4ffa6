//! Watch the session (`GET /v1/app/setup`) with `Client::session_changes()`, printing each
//! change, until setup is complete (`ready`); Ctrl-C stops watching.
//!
//! ```sh
//! cargo run -p beeper-verification --example watch_session
//! BEEPER_ACCESS_TOKEN=... cargo run -p beeper-verification --example watch_session
//! ```
//!
//! The first runs against a fake Beeper Desktop that goes through sign-in and setup by itself,
//! one state every 300 ms. The second watches Beeper Desktop (set `BEEPER_BASE_URL` too if it is
//! not at `http://localhost:23373`) while you sign in or verify this device some other way,
//! such as with the `emoji` example in another terminal; it ends at once if setup is complete.
//!
//! The API has no push events: the stream polls, 250 ms doubling to 2 s and back to 250 ms
//! after each change, and shows what each poll finds. A state shorter than a poll may not show.

use std::error::Error;
use std::pin::pin;
use std::process::ExitCode;
use std::time::Duration;

use beeper_verification::Session;
use beeper_verification_fake::{FakeServer, FakeSessionState};
use futures_util::StreamExt;

mod common;

#[tokio::main]
async fn main() -> ExitCode {
    common::report(run().await)
}

async fn run() -> Result<ExitCode, Box<dyn Error>> {
    let fake = FakeServer::builder().session_state(FakeSessionState::NeedsLogin);
    let (client, fake) = common::connect(fake).await?;
    if let Some(fake) = fake {
        // The person signs in and sets up encryption: the fake's session moves on by itself.
        tokio::spawn(async move {
            for state in [
                FakeSessionState::Initializing,
                FakeSessionState::NeedsCrossSigningSetup,
                FakeSessionState::NeedsVerification,
                FakeSessionState::NeedsSecrets,
                FakeSessionState::NeedsFirstSync,
                FakeSessionState::Ready,
            ] {
                tokio::time::sleep(Duration::from_millis(300)).await;
                fake.set_session_state(state);
            }
            // The fake stops when dropped: this task keeps it until the example ends.
            std::future::pending::<()>().await;
        });
    }

    println!("Watching the session; Ctrl-C stops.");
    // The first session, then each one whose state, trust or verification changed. It ends
    // with an error (or after `max_wait`, 10 minutes by default); dropping it stops polling.
    let mut changes = pin!(client.session_changes());
    loop {
        tokio::select! {
            change = changes.next() => match change {
                Some(session) => {
                    let session = session?;
                    println!("{}", describe(&session));
                    if session.is_ready() {
                        println!("Setup is complete: this device is trusted.");
                        return Ok(ExitCode::SUCCESS);
                    }
                }
                None => return Ok(ExitCode::SUCCESS),
            },
            stop = tokio::signal::ctrl_c() => {
                stop?;
                println!("\nStopped watching.");
                // The exit status of a program stopped by Ctrl-C (128 + SIGINT).
                return Ok(ExitCode::from(130));
            }
        }
    }
}

/// One line about the session. States and IDs are shown with `{:?}`: they are what the server
/// sent, and a value this crate does not know yet is shown exactly, escaped.
fn describe(session: &Session) -> String {
    let verification = match &session.verification {
        Some(v) => format!("{:?} is {:?}", v.id.as_str(), v.state.as_str()),
        None => "none".to_owned(),
    };
    format!(
        "state {:?}, trusted: {}, verification: {verification}",
        session.state.as_str(),
        if session.e2ee.verified { "yes" } else { "no" },
    )
}
