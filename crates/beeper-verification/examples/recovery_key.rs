//! Trust this device with the account's recovery key, the one way that needs no other device:
//! `Client::set_up` with a UI that asks for the key, after `Session::next_step` said what the
//! device needs.
//!
//! ```sh
//! cargo run -p beeper-verification --example recovery_key
//! BEEPER_ACCESS_TOKEN=... cargo run -p beeper-verification --example recovery_key
//! ```
//!
//! The first runs against a fake Beeper Desktop that needs the secrets, whose recovery key the
//! example knows and enters itself. The second asks you for your recovery key (one line on
//! standard input; spaces between the groups are fine) when Beeper Desktop needs it. The key
//! is never printed, and never passed on the command line.

use std::error::Error;
use std::process::ExitCode;

use beeper_verification::{
    RecoveryKey, Sas, SasAnswer, Session, SessionStep, SetupUi, VerifyChoice,
};
use beeper_verification_fake::{FakeServer, FakeSessionState};

mod common;

/// The fake's recovery key: the one "you saved" in this example.
const FAKE_KEY: &str = "EsTc 9bD2 Ab7x Qw3e 5kLm Np8q Rs2t Uv4w";

/// A terminal UI that only ever uses the recovery key.
struct KeyOnly {
    /// The key to enter without asking (the fake's); `None` asks on standard input.
    known: Option<&'static str>,
}

impl SetupUi for KeyOnly {
    async fn choose(&mut self, _: &Session) -> VerifyChoice {
        println!("This device must be verified: using the recovery key.");
        VerifyChoice::RecoveryKey
    }

    async fn recovery_key(
        &mut self,
        refused: Option<&beeper_verification::Error>,
    ) -> Option<RecoveryKey> {
        if let Some(refused) = refused {
            println!("That key was refused ({refused}).");
        }
        if let Some(known) = self.known.take() {
            println!("Entering the fake's recovery key for you.");
            return Some(RecoveryKey::new(known));
        }
        println!("Enter your recovery key (it is not shown back):");
        // Reading stdin blocks, so it runs where blocking is allowed, not on the runtime.
        let line = tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            match std::io::stdin().read_line(&mut line) {
                Ok(0) | Err(_) => None,
                Ok(_) => Some(line),
            }
        })
        .await
        .ok()
        .flatten()?;
        Some(RecoveryKey::new(line))
    }

    async fn compare_emoji(&mut self, _: &Sas) -> SasAnswer {
        // Never asked: this UI chooses the recovery key.
        SasAnswer::Cancel
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    common::report(run().await)
}

async fn run() -> Result<(), Box<dyn Error>> {
    let fake = FakeServer::builder()
        .session_state(FakeSessionState::NeedsSecrets)
        .recovery_key(FAKE_KEY);
    let (client, fake) = common::connect(fake).await?;

    let session = client.session().await?;
    match session.next_step() {
        SessionStep::Ready => {
            println!("This device is already trusted: nothing to do.");
            return Ok(());
        }
        SessionStep::EnterRecoveryKey | SessionStep::VerifyThisDevice { .. } => {}
        other => {
            println!("The device needs another step first: {other:?}.");
            return Ok(());
        }
    }
    let mut ui = KeyOnly {
        known: fake.as_ref().map(|_| FAKE_KEY),
    };
    let session = client.set_up(&mut ui).await?;
    println!("Done. The session is {:?}.", session.state.as_str());
    Ok(())
}
