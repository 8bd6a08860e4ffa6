//! Verify this device by showing a QR code that another signed-in device scans, in one call:
//! `Client::verify_with_qr`.
//!
//! ```sh
//! cargo run -p beeper-verification --example qr
//! BEEPER_ACCESS_TOKEN=... cargo run -p beeper-verification --example qr
//! ```
//!
//! The first runs against a fake Beeper Desktop whose simulated phone scans the code by itself.
//! The second verifies this device for real with Beeper Desktop (set `BEEPER_BASE_URL` too if
//! it is not at `http://localhost:23373`): accept the request on your other device and scan.
//!
//! This example prints the code's payload rather than drawing it, to need nothing beyond this
//! crate. To show a code a phone can scan, render `qr.data` (its bytes) with a QR library, such
//! as the `qrcode` crate, which `beeper-verify verify --method qr` uses to draw it in the
//! terminal.

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
    let fake = FakeServer::builder().auto_peer(PeerMethod::Qr, Duration::from_millis(300));
    let (client, _fake) = common::connect(fake).await?;

    println!("Verifying this device. Accept the request on your other device when it asks.");
    let session = client
        .verify_with_qr(CreateVerification::default(), |qr| async move {
            // The payload comes from the server: `{:?}` shows it quoted, with anything that
            // could drive the terminal escaped.
            println!("\nScan this device's QR code with your other device. Its payload:\n");
            println!("  {:?}\n", qr.data);
            println!("Waiting for the other device to scan it...");
        })
        .await?;

    // `ready`: this device is signed in and trusted for encrypted messages.
    println!("Verified. The session is {:?}.", session.state.as_str());
    Ok(())
}
