//! Acting on a verification through its handle, against the fake: every action costs exactly
//! one request (no look before it), and a refusal (409) is typed, with the state and the allowed
//! actions the server sent, so deciding what to do next costs nothing.

use beeper_verification::{
    Action, CancelCode, Client, Error, NextStep, SignInCode, SignInOutcome, TermsAccepted,
    VerificationId, VerificationState,
};
use beeper_verification_fake::{FakeServer, Operation};

async fn fake() -> (FakeServer, Client) {
    let server = FakeServer::start().await.expect("the fake starts");
    let client = Client::builder()
        .base_url(server.base_url())
        .access_token(server.token())
        .build()
        .expect("valid");
    (server, client)
}

/// What the client sent since the last call, as operations.
fn sent(server: &FakeServer) -> Vec<Operation> {
    let sent = server
        .requests()
        .into_iter()
        .filter_map(|r| r.operation)
        .collect();
    server.clear_requests();
    sent
}

#[tokio::test]
async fn every_action_is_one_request() {
    let (server, client) = fake().await;
    let peer = server.peer();

    // Incoming: accept, start the comparison, confirm.
    let incoming = VerificationId::from(peer.request());
    let handle = client.verification(&incoming);
    server.clear_requests();
    let accepted = handle.accept().await.expect("accepted");
    assert_eq!(sent(&server), [Operation::AcceptVerification]);
    assert!(matches!(
        accepted.next_step(),
        NextStep::ChooseMethod { sas: true, .. }
    ));
    let started = handle.start_sas().await.expect("started");
    assert_eq!(sent(&server), [Operation::StartVerificationSas]);
    assert!(matches!(started.next_step(), NextStep::CompareEmoji(_)));
    handle.confirm_sas().await.expect("confirmed");
    assert_eq!(sent(&server), [Operation::ConfirmVerificationSas]);

    // QR: the other device scans this device's code; confirm it.
    let shown = client
        .verifications()
        .create(Default::default())
        .await
        .expect("created");
    server.clear_requests();
    peer.accept(&shown.id).expect("the other device accepts");
    peer.scan_our_qr(&shown.id).expect("and scans our code");
    let handle = client.verification(&shown.id);
    let done = handle.confirm_qr_scanned().await.expect("confirmed");
    assert_eq!(sent(&server), [Operation::ConfirmVerificationQrScanned]);
    assert_eq!(done.state, VerificationState::Done);

    // QR: this device scans the other device's code.
    let other = client
        .verifications()
        .create(Default::default())
        .await
        .expect("created");
    peer.accept(&other.id).expect("accepted");
    let code = peer.qr_code(&other.id).expect("the other device's code");
    server.clear_requests();
    client.verifications().scan_qr(code).await.expect("scanned");
    assert_eq!(sent(&server), [Operation::ScanVerificationQr]);

    // Cancel.
    let to_cancel = VerificationId::from(peer.request());
    server.clear_requests();
    let cancelled = client
        .verification(&to_cancel)
        .cancel(CancelCode::User)
        .await
        .expect("cancelled");
    assert_eq!(sent(&server), [Operation::CancelVerification]);
    assert_eq!(
        cancelled.error.map(|e| e.code),
        Some(CancelCode::User),
        "the code went out typed and came back typed"
    );
}

#[tokio::test]
async fn a_refused_action_is_typed_with_the_state_and_what_is_allowed() {
    let (server, client) = fake().await;
    let id = VerificationId::from(server.peer().request());
    server.clear_requests();
    let err = client
        .verification(&id)
        .confirm_sas()
        .await
        .expect_err("not in this state");
    assert_eq!(
        sent(&server),
        [Operation::ConfirmVerificationSas],
        "no look first"
    );
    match &err {
        Error::ActionNotAvailable {
            id: refused,
            action,
            state,
            available,
            ..
        } => {
            assert_eq!(refused, &id);
            assert_eq!(action, &Action::SasConfirm);
            assert_eq!(state.as_ref(), Some(&VerificationState::Requested));
            assert_eq!(
                available.as_deref(),
                Some(&[Action::Accept, Action::Cancel][..])
            );
        }
        other => panic!("expected ActionNotAvailable, got {other:?}"),
    }
    assert_eq!(err.status(), Some(409));
    assert!(!err.is_retryable());
    assert!(err.hint().is_some_and(|h| h.contains("next_step")));
    let source = std::error::Error::source(&err).expect("the server's error body");
    assert!(source.to_string().contains("HTTP 409"), "{source}");
    assert_eq!(
        err.to_string(),
        format!(
            "cannot sas.confirm verification {id}: it is requested; allowed now: accept, cancel"
        )
    );
}

#[tokio::test]
async fn a_bad_id_is_refused_before_anything_is_sent() {
    let (server, client) = fake().await;
    server.clear_requests();
    for id in ["", "..", "a\\b"] {
        let handle = client.verification(id);
        assert!(matches!(
            handle.accept().await,
            Err(Error::InvalidId { .. })
        ));
        assert!(matches!(handle.get().await, Err(Error::InvalidId { .. })));
        assert!(matches!(
            handle.cancel(CancelCode::User).await,
            Err(Error::InvalidId { .. })
        ));
    }
    assert_eq!(sent(&server), []);
}

#[tokio::test]
async fn after_confirming_the_emoji_the_next_step_is_to_wait_even_with_a_qr_code() {
    let (server, client) = fake().await;
    let id = VerificationId::from(server.peer().request());
    let handle = client.verification(&id);
    handle.accept().await.expect("accepted");
    handle.start_sas().await.expect("started");
    let confirmed = handle.confirm_sas().await.expect("confirmed");
    assert_eq!(confirmed.state, VerificationState::SasReady);
    assert!(confirmed.qr.is_some(), "the fake keeps the QR code");
    assert_eq!(confirmed.next_step(), NextStep::WaitForOtherDevice);
}

/// Every operation of the spec (the generated client's table) is reachable through the
/// wrapper's public API, and the wrapper names each request after its operationId (the fake's
/// record says which operations the calls addressed). A new operation in the spec fails this
/// test, naming it, until the wrapper has a method for it.
#[tokio::test]
async fn every_operation_of_the_spec_is_reachable_through_the_wrapper() {
    let (server, client) = fake().await;
    let peer = server.peer();
    let incoming = VerificationId::from(peer.request());
    let handle = client.verification(&incoming);
    client.session().await.expect("session");
    client.verifications().list().await.expect("list");
    handle.get().await.expect("get");
    handle.accept().await.expect("accept");
    handle.start_sas().await.expect("start the emoji");
    handle.confirm_sas().await.expect("confirm the emoji");
    let shown = client
        .verifications()
        .create(Default::default())
        .await
        .expect("create");
    peer.accept(&shown.id).expect("accepted");
    peer.scan_our_qr(&shown.id).expect("scanned");
    client
        .verification(&shown.id)
        .confirm_qr_scanned()
        .await
        .expect("confirm the scan");
    let scanning = client
        .verifications()
        .create(Default::default())
        .await
        .expect("create");
    peer.accept(&scanning.id).expect("accepted");
    let code = peer.qr_code(&scanning.id).expect("a code");
    client.verifications().scan_qr(code).await.expect("scan");
    client
        .verification(peer.request())
        .cancel(CancelCode::User)
        .await
        .expect("cancel");
    // The verification above made the device ready; the key is for a device that needs it.
    server.set_session_state(beeper_verification_fake::FakeSessionState::NeedsSecrets);
    let key = beeper_verification::RecoveryKey::new(server.recovery_key());
    client
        .recovery_key()
        .verify(&key)
        .await
        .expect("verify the key");
    let pending = client.recovery_key().reset(None).await.expect("reset");
    pending.confirm().await.expect("confirm the reset");

    // Sign-in, on a fake of its own that starts signed out, with a client without a token. A
    // new address, so that all four operations are reached (start, email, response,
    // register); the code comes from the fake's outbox, read as any test reads it.
    let signed_out = FakeServer::builder()
        .session_state(beeper_verification_fake::FakeSessionState::NeedsLogin)
        .start()
        .await
        .expect("the fake starts");
    let tokenless = Client::builder()
        .base_url(signed_out.base_url())
        .build()
        .expect("a client without a token");
    let attempt = tokenless
        .sign_in()
        .start()
        .await
        .expect("start (the fake serves sign-in: issue 23, point 5)");
    let email = "new-user@example.com";
    attempt.send_code(email).await.expect("email");
    let code = mailed_code(&signed_out, email).await;
    match attempt
        .finish(&SignInCode::new(code))
        .await
        .expect("response")
    {
        SignInOutcome::RegistrationRequired(registration) => registration
            .register("new-user", TermsAccepted::by_the_user())
            .await
            .expect("register"),
        other => panic!("a new address must create its account first: {other:?}"),
    };

    let mut reached: Vec<&str> = server
        .requests()
        .iter()
        .chain(signed_out.requests().iter())
        .filter_map(|r| r.operation.map(Operation::as_str))
        .collect();
    reached.sort_unstable();
    reached.dedup();
    let mut spec: Vec<&str> = beeper_verification_client::operations::ALL
        .iter()
        .map(|o| o.id)
        .collect();
    spec.sort_unstable();
    assert_eq!(
        reached, spec,
        "operations of the spec the wrapper does not reach"
    );
}

/// The last code the fake mailed to `email`, from its outbox (`GET /_fake/outbox`).
async fn mailed_code(server: &FakeServer, email: &str) -> String {
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("an HTTP client");
    let outbox: serde_json::Value = http
        .get(format!("{}/_fake/outbox", server.base_url()))
        .send()
        .await
        .expect("the outbox answers")
        .json()
        .await
        .expect("the outbox is JSON");
    outbox["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["email"] == email)
        .filter_map(|m| m["code"].as_str())
        .next_back()
        .expect("a code was mailed")
        .to_owned()
}

#[tokio::test]
async fn the_client_knows_the_version_the_server_named() {
    let (server, client) = fake().await;
    assert_eq!(client.server_version(), None, "nothing answered yet");
    client.session().await.expect("session");
    assert_eq!(
        client.server_version().as_deref(),
        Some(server.desktop_version())
    );
}
