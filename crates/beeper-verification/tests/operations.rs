//! Every method of the wrapper sends the operation it means, and with that operation's retry
//! policy: each call pairs an entry of the operations table (which decides whether a failure
//! may be retried) with a generated call, and the generated call's hooks refuse a pairing that
//! does not match (a debug assertion makes it panic here). This drives every method, the
//! waiters' polls included, and checks what the fake saw.

use beeper_verification::{CancelCode, Client, CreateVerification, Error, Verification};
use beeper_verification_fake::{FakeServer, Operation};

/// The operations the fake saw since the last call.
fn sent(server: &FakeServer) -> Vec<Operation> {
    let sent = server
        .requests()
        .into_iter()
        .filter_map(|r| r.operation)
        .collect();
    server.clear_requests();
    sent
}

/// The call went out: it succeeded or the server refused it, but it was not refused before
/// sending (a mispaired operation, in a build without debug assertions).
fn reached_the_server<T>(what: &str, result: Result<T, Error>) {
    if let Err(e) = result {
        assert!(e.status().is_some(), "{what} was not sent: {e}");
    }
}

#[tokio::test]
async fn every_method_sends_the_operation_it_is_paired_with() {
    let server = FakeServer::start().await.expect("the fake starts");
    let client = Client::builder()
        .base_url(server.base_url())
        .access_token(server.token())
        .max_retries(0)
        .build()
        .expect("valid");
    let peer = server.peer();
    let incoming = peer.request();
    let handle = client.verification(&incoming);
    server.clear_requests();

    let session = client.session().await.expect("the session");
    assert_eq!(sent(&server), [Operation::GetSetup], "session");
    client
        .wait_for_session(session.state)
        .await
        .expect("already there");
    assert_eq!(sent(&server), [Operation::GetSetup], "wait_for_session");

    reached_the_server("list", client.verifications().list().await);
    assert_eq!(sent(&server), [Operation::ListVerifications], "list");
    reached_the_server("wait_for_incoming", client.wait_for_incoming().await);
    assert_eq!(
        sent(&server),
        [Operation::ListVerifications],
        "wait_for_incoming"
    );

    reached_the_server("get", handle.get().await);
    assert_eq!(sent(&server), [Operation::GetVerification], "get");
    reached_the_server(
        "wait_until",
        handle.wait_until(|_: &Verification| true).await,
    );
    assert_eq!(sent(&server), [Operation::GetVerification], "wait_until");

    let actions: [(Operation, &str); 5] = [
        (Operation::AcceptVerification, "accept"),
        (Operation::StartVerificationSas, "start_sas"),
        (Operation::ConfirmVerificationSas, "confirm_sas"),
        (
            Operation::ConfirmVerificationQrScanned,
            "confirm_qr_scanned",
        ),
        (Operation::CancelVerification, "cancel"),
    ];
    for (operation, name) in actions {
        let result = match name {
            "accept" => handle.accept().await,
            "start_sas" => handle.start_sas().await,
            "confirm_sas" => handle.confirm_sas().await,
            "confirm_qr_scanned" => handle.confirm_qr_scanned().await,
            _ => handle.cancel(CancelCode::User).await,
        };
        reached_the_server(name, result);
        assert_eq!(sent(&server), [operation], "{name}");
    }

    reached_the_server(
        "create",
        client
            .verifications()
            .create(CreateVerification::default())
            .await,
    );
    assert_eq!(sent(&server), [Operation::CreateVerification], "create");
    reached_the_server(
        "scan_qr",
        client.verifications().scan_qr("not a QR code").await,
    );
    assert_eq!(sent(&server), [Operation::ScanVerificationQr], "scan_qr");
}
