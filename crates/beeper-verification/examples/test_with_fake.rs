//! Test your own code with `beeper-verification-fake`: start the fake, let its simulated
//! other device move, inject a fault, and check in the request record what your code sent.
//!
//! ```sh
//! cargo run -p beeper-verification --example test_with_fake    # runs the checks, says what passed
//! cargo test -p beeper-verification --example test_with_fake   # the same checks as tests
//! ```
//!
//! The code under test is `stop_verification`. Each check is one function, run by `main` and
//! by a `#[tokio::test]` at the end, so that the example is tested with the crate
//! (`cargo test --workspace`) and cannot rot. In your crate the checks are tests, with
//! `beeper-verification-fake` and tokio as dev-dependencies (see the fake's README).
//!
//! This example always runs against the fake, even with `BEEPER_ACCESS_TOKEN` set: faults and
//! the other device's moves are what Beeper Desktop cannot play in a test.

use std::error::Error;
use std::process::ExitCode;

use beeper_verification::{CancelVerification, Client, VerificationId, VerificationState};
use beeper_verification_fake::{FakeServer, Fault, Operation};

#[allow(dead_code)] // this example uses only `common::report`
mod common;

/// The code under test: stops verification `id` if it is still going, as a program does when
/// the person walks away. Returns whether it stopped it; `false` when it had ended already.
pub async fn stop_verification(
    client: &Client,
    id: &VerificationId,
) -> Result<bool, beeper_verification::Error> {
    let handle = client.verification(id);
    match handle
        .cancel(CancelVerification::by_user("The person walked away."))
        .await
    {
        Ok(_) => Ok(true),
        // The server refused (409) because the verification has ended: nothing to stop.
        Err(beeper_verification::Error::ActionNotAvailable {
            state: Some(state), ..
        }) if state.is_terminal() => Ok(false),
        Err(error) => Err(error),
    }
}

/// A fake Beeper Desktop, and a client for it.
async fn fake() -> Result<(FakeServer, Client), Box<dyn Error>> {
    let server = FakeServer::start().await?;
    let client = Client::builder()
        .base_url(server.base_url())
        .access_token(server.token())
        .build()?;
    Ok((server, client))
}

/// A live verification is cancelled with `m.user`, in one request.
async fn stops_a_live_verification() -> Result<(), Box<dyn Error>> {
    let (server, client) = fake().await?;
    let id = VerificationId::from(server.peer().request()); // the other device asks

    assert!(stop_verification(&client, &id).await?);

    let sent = server.requests_for(Operation::CancelVerification);
    assert_eq!(sent.len(), 1);
    let body: serde_json::Value = serde_json::from_str(&sent[0].body)?;
    assert_eq!(body["code"], "m.user");
    let now = client.verification(&id).get().await?;
    assert_eq!(now.state, VerificationState::Cancelled);
    Ok(())
}

/// A verification the other device cancelled first is not an error: the server refuses the
/// cancel with a 409, and the code says it had nothing to stop.
async fn an_ended_verification_is_no_error() -> Result<(), Box<dyn Error>> {
    let (server, client) = fake().await?;
    let id = server.peer().request();
    server.peer().cancel(&id, None, Some("Cancelled there."))?;

    assert!(!stop_verification(&client, &id.into()).await?);
    // Refused once, and not sent again.
    assert_eq!(server.requests_for(Operation::CancelVerification).len(), 1);
    Ok(())
}

/// A 503 reaches the caller, once: the client does not repeat an action that may have
/// happened. Calling again, once the server is back, stops the verification.
async fn a_503_is_the_callers_to_retry() -> Result<(), Box<dyn Error>> {
    let (server, client) = fake().await?;
    let id = VerificationId::from(server.peer().request());
    let unavailable = Fault::status(503)
        .on(Operation::CancelVerification)
        .times(1);
    server.add_fault(unavailable);

    let error = match stop_verification(&client, &id).await {
        Err(error) => error,
        Ok(stopped) => return Err(format!("expected a 503, got Ok({stopped})").into()),
    };
    assert_eq!(error.api_error().map(|e| e.status), Some(503));
    assert_eq!(server.requests_for(Operation::CancelVerification).len(), 1);

    assert!(stop_verification(&client, &id).await?);
    assert_eq!(server.requests_for(Operation::CancelVerification).len(), 2);
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    common::report(run().await)
}

async fn run() -> Result<(), Box<dyn Error>> {
    stops_a_live_verification().await?;
    println!("ok: a live verification is cancelled with m.user, in one request");
    an_ended_verification_is_no_error().await?;
    println!("ok: a verification that had ended is no error (the server's 409), sent once");
    a_503_is_the_callers_to_retry().await?;
    println!("ok: a 503 reaches the caller once, not repeated; calling again works");
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::error::Error;

    #[tokio::test]
    async fn stops_a_live_verification() -> Result<(), Box<dyn Error>> {
        super::stops_a_live_verification().await
    }

    #[tokio::test]
    async fn an_ended_verification_is_no_error() -> Result<(), Box<dyn Error>> {
        super::an_ended_verification_is_no_error().await
    }

    #[tokio::test]
    async fn a_503_is_the_callers_to_retry() -> Result<(), Box<dyn Error>> {
        super::a_503_is_the_callers_to_retry().await
    }
}
