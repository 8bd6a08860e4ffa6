//! Verify this device by comparing emoji with another signed-in device, in one call:
//! `Client::verify_with_sas`, with a y/N question on the terminal.
//!
//! ```sh
//! cargo run -p beeper-verification --example emoji
//! BEEPER_ACCESS_TOKEN=... cargo run -p beeper-verification --example emoji
//! ```
//!
//! The first runs against a fake Beeper Desktop whose simulated phone accepts the request and
//! confirms the emoji by itself: answer `y`. The second verifies this device for real with
//! Beeper Desktop (set `BEEPER_BASE_URL` too if it is not at `http://localhost:23373`): accept
//! the request on your other device and compare the emoji there.
//!
//! An answer other than `y` cancels with `m.mismatched_sas`, which tells the other device the
//! emoji differ; the end of input (Ctrl-D) cancels with `m.user`, which does not.

use std::error::Error;
use std::process::ExitCode;
use std::time::Duration;

use beeper_verification::CreateVerification;
use beeper_verification_fake::{FakeServer, PeerMethod};

mod common;

#[tokio::main]
async fn main() -> ExitCode {
    common::report(run().await)
}

async fn run() -> Result<(), Box<dyn Error>> {
    // The fake's phone takes a moment per move, as a person would, only shorter.
    let fake = FakeServer::builder().auto_peer(PeerMethod::Sas, Duration::from_millis(300));
    let (client, _fake) = common::connect(fake).await?;

    println!("Verifying this device. Accept the request on your other device when it asks.");
    let session = client
        .verify_with_sas(CreateVerification::default(), |sas| async move {
            // One line: each emoji with its name, then the numbers. For a UI of your own,
            // `sas.emojis` holds the seven `Emoji { symbol, description }` and `sas.decimals`
            // the numbers. Text the server sent that could drive the terminal is escaped.
            println!("\nCompare these with your other device:\n\n  {sas}\n");
            common::do_they_match().await
        })
        .await?;

    // `ready`: this device is signed in and trusted for encrypted messages.
    println!("Verified. The session is {:?}.", session.state.as_str());
    Ok(())
}
