//! The test the fake server's README shows a downstream crate writing, run for real: the
//! wrapper against the fake, started in one line. (`tests/src/lib.rs` compiles the README's
//! copy, so the two cannot drift apart unnoticed.)

use beeper_verification::{Client, CreateVerification, VerificationState};
use beeper_verification_fake::{FakeServer, Operation};

#[tokio::test]
async fn my_screen_shows_the_emoji() {
    let server = FakeServer::start().await.unwrap();
    let client = Client::builder()
        .base_url(server.base_url())
        .access_token(server.token())
        .build()
        .unwrap();

    // Your code starts a verification; the other device accepts it.
    let started = client
        .verifications()
        .create(CreateVerification::default())
        .await
        .unwrap();
    server.peer().accept(&started.id).unwrap();

    // Your code starts the emoji comparison and gets seven emoji to show.
    let verification = client.verification(&started.id).start_sas().await.unwrap();
    assert_eq!(verification.state, VerificationState::SasReady);
    assert!(verification.sas.unwrap().emojis.is_some());

    // And it sent what it should have.
    assert_eq!(
        server.requests_for(Operation::StartVerificationSas).len(),
        1
    );
}
