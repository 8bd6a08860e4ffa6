//! Answer a verification request from another device step by step, as your own UI would: wait
//! for the request (`Client::wait_for_incoming`), then for each change of the verification,
//! act on what `Verification::next_step()` says with the handle's actions.
//!
//! ```sh
//! cargo run -p beeper-verification --example incoming
//! BEEPER_ACCESS_TOKEN=... cargo run -p beeper-verification --example incoming
//! ```
//!
//! The first runs against a fake Beeper Desktop whose simulated phone sends a request after a
//! second and confirms the emoji by itself: answer `y`. The second waits for a request from
//! your other device (set `BEEPER_BASE_URL` too if Beeper Desktop is not at
//! `http://localhost:23373`): start verifying this device there, then compare the emoji.

use std::error::Error;
use std::pin::pin;
use std::process::ExitCode;
use std::time::Duration;

use beeper_verification::{CancelInfo, CancelVerification, Client, NextStep, SasAnswer};
use beeper_verification_fake::{FakeServer, PeerMethod};
use futures_util::StreamExt;

mod common;

#[tokio::main]
async fn main() -> ExitCode {
    common::report(run().await)
}

async fn run() -> Result<(), Box<dyn Error>> {
    let fake = FakeServer::builder().auto_peer(PeerMethod::Sas, Duration::from_millis(300));
    let (client, fake) = common::connect(fake).await?;
    if let Some(fake) = &fake {
        // The simulated phone asks to verify this device in a second.
        let phone = fake.peer();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            phone.request();
        });
    }

    println!("Waiting for a request: start verifying this device on your other device.");
    let request = client.wait_for_incoming().await?;
    // IDs and names are exactly what the server sent: `{:?}` escapes what could drive the
    // terminal.
    let device = request.other_device.as_ref();
    match device.and_then(|device| device.name.as_deref()) {
        Some(name) => println!("Request {:?} from {name:?}.", request.id.as_str()),
        None => println!("Request {:?} from another device.", request.id.as_str()),
    }
    answer(&client, &request.id).await
}

/// Sees verification `id` through, one step at a time: each time it changes, do what its next
/// step asks. Replace the `println!`s and the question with your own screens.
async fn answer(client: &Client, id: &str) -> Result<(), Box<dyn Error>> {
    let handle = client.verification(id);
    // The first copy, then each one a person would see differ; an action's answer arrives here
    // too, without a poll. It ends after the verification ends.
    let mut changes = pin!(handle.changes());
    while let Some(verification) = changes.next().await {
        let acted = match verification?.next_step() {
            NextStep::AcceptRequest => {
                println!("Accepting the request.");
                handle.accept().await
            }
            NextStep::ChooseMethod { sas: true, .. } => {
                println!("Starting the emoji comparison.");
                handle.start_sas().await
            }
            NextStep::CompareEmoji(sas) => {
                println!("\nCompare these with your other device:\n\n  {sas}\n");
                match common::do_they_match().await {
                    SasAnswer::Match => handle.confirm_sas().await,
                    SasAnswer::Mismatch => {
                        handle.cancel(CancelVerification::mismatched_sas()).await
                    }
                    _ => {
                        let why = CancelVerification::by_user("Nobody compared the emoji.");
                        handle.cancel(why).await
                    }
                }
            }
            NextStep::Done => {
                println!("Verified: this device is trusted.");
                return Ok(());
            }
            NextStep::Cancelled(why) | NextStep::Failed(why) => {
                return Err(stopped(why).into());
            }
            // The other device's move, or a QR code step, which this example leaves to the
            // other device.
            _ => {
                println!("Waiting for the other device...");
                continue;
            }
        };
        match acted {
            Ok(_) => {}
            // The other device moved first (it started the comparison too, or cancelled): the
            // next change says what to do now.
            Err(beeper_verification::Error::ActionNotAvailable { .. }) => {}
            Err(error) => return Err(error.into()),
        }
    }
    Ok(())
}

/// Why the verification stopped, as an error. The reason and the code are the server's text:
/// `{:?}` escapes what could drive the terminal.
fn stopped(why: Option<CancelInfo>) -> String {
    match why {
        Some(why) => format!(
            "the verification stopped: {:?} ({:?})",
            why.reason,
            why.code.as_str()
        ),
        None => "the verification stopped".to_owned(),
    }
}
