//! Waiting and whole flows against the fake server, on tokio's paused clock: no test sleeps for
//! real, and the fake's timers (the automatic peer, verification timeouts) run on the same clock.

use std::time::Duration;

use beeper_verification::{
    Action, CancelVerification, Client, CreateVerification, Error, LastSeen, SessionState,
    VerificationState, WaitOptions,
};
use beeper_verification_fake::{FakeServer, Fault, Operation, PeerMethod};
use futures_util::StreamExt;

/// A client of the fake. The per-attempt timeout is long, so that the paused clock jumping
/// ahead while a request is in flight on loopback cannot end an attempt.
fn client(server: &FakeServer) -> Client {
    Client::builder()
        .base_url(server.base_url())
        .access_token(server.token())
        .timeout(Duration::from_secs(3600))
        .build()
        .expect("valid configuration")
}

async fn auto_peer(method: PeerMethod) -> FakeServer {
    FakeServer::builder()
        .auto_peer(method, Duration::from_secs(1))
        .start()
        .await
        .expect("starts")
}

#[tokio::test(start_paused = true)]
async fn the_guided_emoji_flow_verifies_the_device() {
    let server = auto_peer(PeerMethod::Sas).await;
    let client = client(&server);
    let mut shown = None;
    let session = client
        .verify_with_sas(CreateVerification::default(), |sas| {
            shown = sas.emojis.as_ref().map(|e| e.len());
            async { true }
        })
        .await
        .expect("verified");
    assert_eq!(shown, Some(7), "the caller was shown the seven emoji");
    assert_eq!(session.state, SessionState::Ready);
    assert!(session.e2ee.verified);
    assert_eq!(
        server.requests_for(Operation::ConfirmVerificationSas).len(),
        1
    );
}

#[tokio::test(start_paused = true)]
async fn the_guided_emoji_flow_accepts_an_incoming_request() {
    let server = auto_peer(PeerMethod::Sas).await;
    let incoming = server.peer().request();
    let client = client(&server);
    client
        .verify_with_sas(CreateVerification::default(), |_| async { true })
        .await
        .expect("verified");
    assert_eq!(server.requests_for(Operation::AcceptVerification).len(), 1);
    assert!(
        server
            .requests_for(Operation::CreateVerification)
            .is_empty(),
        "the live request was used"
    );
    let v = client.verification(&incoming).get().await.expect("200");
    assert_eq!(v.state, VerificationState::Done);
}

#[tokio::test(start_paused = true)]
async fn a_mismatch_cancels_with_m_mismatched_sas() {
    let server = auto_peer(PeerMethod::Sas).await;
    let err = client(&server)
        .verify_with_sas(CreateVerification::default(), |_| async { false })
        .await
        .expect_err("the emoji did not match");
    assert_eq!(
        err.cancel_info().map(|c| c.code.as_str()),
        Some("m.mismatched_sas")
    );
    assert_eq!(
        err.ended_verification().map(|v| v.state.clone()),
        Some(VerificationState::Cancelled)
    );
    assert!(
        server
            .requests_for(Operation::ConfirmVerificationSas)
            .is_empty(),
        "nothing was confirmed"
    );
    let cancel = server.requests_for(Operation::CancelVerification);
    assert!(
        cancel.len() == 1 && cancel[0].body.contains(r#""code":"m.mismatched_sas""#),
        "{cancel:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn the_guided_qr_flow_shows_our_code_and_confirms_the_scan() {
    let server = auto_peer(PeerMethod::Qr).await;
    let mut shown = None;
    let session = client(&server)
        .verify_with_qr(CreateVerification::default(), |qr| {
            shown = Some(qr.data);
            async {}
        })
        .await
        .expect("verified");
    assert!(shown.is_some_and(|data| data.starts_with("BEEPER-FAKE-QR:")));
    assert_eq!(session.state, SessionState::Ready);
    assert_eq!(
        server
            .requests_for(Operation::ConfirmVerificationQrScanned)
            .len(),
        1
    );
}

#[tokio::test(start_paused = true)]
async fn the_guided_qr_flow_takes_the_other_devices_code() {
    let server = auto_peer(PeerMethod::Sas).await;
    let client = client(&server);
    let (handle, _) = client
        .start_or_resume(&CreateVerification::default())
        .await
        .expect("started");
    let data = server
        .peer()
        .qr_code(handle.id())
        .expect("the other device shows a code");
    let session = client
        .verify_with_scanned_qr(CreateVerification::default(), data)
        .await
        .expect("verified");
    assert_eq!(session.state, SessionState::Ready);
    assert_eq!(
        server.requests_for(Operation::CreateVerification).len(),
        1,
        "the flow resumed the verification"
    );
}

#[tokio::test(start_paused = true)]
async fn the_flow_returns_at_once_when_the_session_is_ready() {
    let server = FakeServer::builder()
        .session_state(beeper_verification_fake::FakeSessionState::Ready)
        .start()
        .await
        .expect("starts");
    let session = client(&server)
        .verify_with_sas(CreateVerification::default(), |_| async { true })
        .await
        .expect("ready");
    assert!(session.is_ready());
    assert!(
        server
            .requests_for(Operation::CreateVerification)
            .is_empty()
    );
}

#[tokio::test(start_paused = true)]
async fn a_peer_cancellation_ends_a_wait_with_its_code_and_reason() {
    let server = FakeServer::start().await.expect("starts");
    let client = client(&server);
    let id = server.peer().request();
    let peer = server.peer();
    let cancel_id = id.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(5)).await;
        peer.cancel(&cancel_id, Some("m.user"), Some("Declined on the phone"))
            .expect("cancels");
    });
    let err = client
        .verification(&id)
        .wait_until(VerificationState::Done)
        .await
        .expect_err("cancelled");
    let info = err.cancel_info().expect("the peer's code and reason");
    assert_eq!(
        (info.code.as_str(), info.reason.as_str()),
        ("m.user", "Declined on the phone")
    );
    assert!(
        err.to_string().contains(
            "ended cancelled while waiting for state done: Declined on the phone (m.user)"
        ),
        "{err}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_server_side_timeout_ends_the_wait() {
    let server = FakeServer::builder()
        .verification_timeout(Duration::from_secs(60))
        .start()
        .await
        .expect("starts");
    let client = client(&server);
    let id = server.peer().request();
    let err = client
        .verification(&id)
        .wait_until(VerificationState::Ready)
        .await
        .expect_err("timed out on the server");
    assert_eq!(
        err.cancel_info().map(|c| c.code.as_str()),
        Some("m.timeout")
    );
}

#[tokio::test(start_paused = true)]
async fn faults_during_a_wait_do_not_end_it() {
    let server = FakeServer::start().await.expect("starts");
    let client = Client::builder()
        .base_url(server.base_url())
        .access_token(server.token())
        .timeout(Duration::from_secs(3600))
        .max_retries(0)
        .build()
        .expect("valid");
    let id = client
        .verifications()
        .create(Default::default())
        .await
        .expect("200")
        .id;
    server.add_fault(Fault::status(503).on(Operation::GetVerification).times(2));
    server.add_fault(
        Fault::rate_limited(Duration::from_secs(3))
            .on(Operation::GetVerification)
            .times(1),
    );
    server.add_fault(
        Fault::drop_connection()
            .on(Operation::GetVerification)
            .times(1),
    );
    let peer = server.peer();
    let accept_id = id.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(20)).await;
        peer.accept(&accept_id).expect("accepts");
    });
    let ready = client
        .verification(&id)
        .wait_until(VerificationState::Ready)
        .await
        .expect("waited through the faults");
    assert_eq!(ready.state, VerificationState::Ready);
    assert!(
        server.requests_for(Operation::GetVerification).len() >= 5,
        "the faulted polls were made"
    );
}

#[tokio::test(start_paused = true)]
async fn unauthorized_and_not_found_end_a_wait_at_once() {
    let server = FakeServer::start().await.expect("starts");
    let err = client(&server)
        .verification("no-such-id")
        .wait_until(VerificationState::Done)
        .await
        .expect_err("404");
    assert_eq!(err.status(), Some(404));
    let wrong = Client::builder()
        .base_url(server.base_url())
        .access_token("wrong")
        .build()
        .expect("valid");
    let err = wrong
        .verification("x")
        .wait_until(VerificationState::Done)
        .await
        .expect_err("401");
    assert_eq!(err.status(), Some(401));
    assert_eq!(
        server.requests_for(Operation::GetVerification).len(),
        2,
        "one poll each"
    );
}

#[tokio::test(start_paused = true)]
async fn a_wait_that_runs_out_says_how_long_how_often_and_what_it_saw() {
    let server = FakeServer::start().await.expect("starts");
    let client = client(&server);
    let id = server.peer().request();
    let options = WaitOptions::default().max_wait(Duration::from_secs(20));
    let err = client
        .verification(&id)
        .with_wait_options(options)
        .wait_until(VerificationState::Done)
        .await
        .expect_err("times out");
    match err {
        Error::WaitTimedOut {
            waited,
            polls,
            last_seen,
            last_error,
            ..
        } => {
            assert!(waited >= Duration::from_secs(20), "{waited:?}");
            // 250 ms doubling to 2 s, shortened by up to a quarter: 12 to 18 polls in 20 s.
            assert!((12..=18).contains(&polls), "{polls}");
            let Some(LastSeen::Verification(last)) = last_seen else {
                panic!("it saw the verification: {last_seen:?}");
            };
            assert_eq!(
                (last.id.as_str(), &last.state),
                (id.as_str(), &VerificationState::Requested)
            );
            assert!(last_error.is_none(), "{last_error:?}");
            assert_eq!(
                server.requests_for(Operation::GetVerification).len() as u32,
                polls
            );
        }
        other => panic!("expected WaitTimedOut, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn the_backoff_resets_when_the_verification_changes() {
    let server = FakeServer::start().await.expect("starts");
    let client = client(&server);
    let id = client
        .verifications()
        .create(Default::default())
        .await
        .expect("200")
        .id;
    let handle = client.verification(&id);
    let (seen_tx, mut seen) = tokio::sync::mpsc::unbounded_channel();
    let watcher = tokio::spawn({
        let handle = handle.clone();
        async move {
            let mut changes = Box::pin(handle.changes());
            while let Some(change) = changes.next().await {
                let _ = seen_tx.send(change.map(|v| v.state));
            }
        }
    });
    assert_eq!(
        seen.recv().await.map(Result::ok),
        Some(Some(VerificationState::Requested))
    );
    // After 30 s without a change the delay has grown to its 2 s maximum.
    tokio::time::sleep(Duration::from_secs(30)).await;
    let changed_at = server.requests().last().map(|r| r.at).unwrap_or_default();
    server.peer().accept(&id).expect("the other device accepts");
    assert_eq!(
        seen.recv().await.map(Result::ok),
        Some(Some(VerificationState::Ready))
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    watcher.abort();

    let polls: Vec<Duration> = server
        .requests_for(Operation::GetVerification)
        .iter()
        .map(|r| r.at)
        .collect();
    let before: Vec<Duration> = polls
        .iter()
        .copied()
        .filter(|at| *at <= changed_at)
        .collect();
    let gap_before = before[before.len() - 1] - before[before.len() - 2];
    assert!(
        gap_before >= Duration::from_millis(1500),
        "the delay had grown: {gap_before:?}"
    );
    // The first poll after the other device's move saw the change; the next one came
    // min_delay later.
    let first_after = polls
        .iter()
        .position(|at| *at > changed_at)
        .expect("a poll saw the change");
    let gap_after = polls[first_after + 1] - polls[first_after];
    assert!(
        gap_after <= Duration::from_millis(250),
        "the delay was back at min_delay: {gap_after:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn an_action_reaches_every_waiter_at_once_and_resets_the_schedule() {
    let server = FakeServer::start().await.expect("starts");
    let client = client(&server);
    let id = server.peer().request();
    let handle = client.verification(&id);
    let mut changes = Box::pin(handle.changes());
    let first = changes.next().await.map(|c| c.map(|v| v.state).ok());
    assert_eq!(first, Some(Some(VerificationState::Requested)));
    tokio::time::sleep(Duration::from_secs(30)).await;
    server.clear_requests();
    handle.accept().await.expect("accepted");
    // The stream has the answer without a poll of its own.
    let next = changes.next().await.map(|c| c.map(|v| v.state).ok());
    assert_eq!(next, Some(Some(VerificationState::Ready)));
    assert!(server.requests_for(Operation::GetVerification).is_empty());
    let accepted_at = server.requests_for(Operation::AcceptVerification)[0].at;
    // And the next poll comes min_delay after the action, not up to 2 s later.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let first_poll = server.requests_for(Operation::GetVerification)[0].at;
    assert!(
        first_poll - accepted_at <= Duration::from_millis(250),
        "{:?}",
        first_poll - accepted_at
    );
}

#[tokio::test(start_paused = true)]
async fn the_change_stream_yields_each_visible_change_and_ends_after_done() {
    let server = auto_peer(PeerMethod::Sas).await;
    let client = client(&server);
    let id = client
        .verifications()
        .create(Default::default())
        .await
        .expect("200")
        .id;
    let handle = client.verification(&id);
    let mut changes = Box::pin(handle.changes());
    let mut states = Vec::new();
    while let Some(change) = changes.next().await {
        let v = change.expect("no error");
        states.push(v.state.clone());
        if v.can(Action::SasStart) {
            handle.start_sas().await.expect("started");
        } else if v.can(Action::SasConfirm) {
            handle.confirm_sas().await.expect("confirmed");
        }
    }
    // sas_ready may be seen twice (offering sas.confirm, then waiting for the other device),
    // depending on whether a poll falls between this device's and the other's confirmation.
    states.dedup();
    assert_eq!(
        states,
        [
            VerificationState::Requested,
            VerificationState::Ready,
            VerificationState::SasReady,
            VerificationState::Done
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn an_action_the_state_does_not_allow_is_refused_by_the_server() {
    let server = FakeServer::start().await.expect("starts");
    let client = client(&server);
    let id = client
        .verifications()
        .create(Default::default())
        .await
        .expect("200")
        .id;
    let err = client
        .verification(&id)
        .confirm_sas()
        .await
        .expect_err("not allowed");
    assert!(
        matches!(
            &err,
            Error::ActionNotAvailable {
                state: Some(VerificationState::Requested),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("cannot sas.confirm verification"),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("it is requested; allowed now: cancel"),
        "{err}"
    );
    assert_eq!(
        server.requests_for(Operation::ConfirmVerificationSas).len(),
        1,
        "sent once, refused by the server, not looked up first"
    );
    let cancelled = client
        .verification(&id)
        .cancel(CancelVerification::by_user("changed my mind"))
        .await
        .expect("cancelled");
    assert_eq!(
        cancelled.error.map(|e| e.code),
        Some(beeper_verification::CancelCode::User)
    );
}

#[tokio::test(start_paused = true)]
async fn waiting_for_an_incoming_request_and_for_the_session() {
    let server = FakeServer::start().await.expect("starts");
    let client = client(&server);
    let peer = server.peer();
    let requested = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(7)).await;
        let id = peer.request();
        tokio::time::sleep(Duration::from_secs(3)).await;
        id
    });
    let incoming = client.wait_for_incoming().await.expect("a request arrives");
    assert_eq!(incoming.direction, beeper_verification::Direction::Incoming);
    assert_eq!(Some(incoming.id.to_string()), requested.await.ok());

    let peer = server.peer();
    let id = incoming.id.clone();
    let handle = client.verification(&id);
    handle.accept().await.expect("accepted");
    handle.start_sas().await.expect("started");
    handle.confirm_sas().await.expect("confirmed");
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(4)).await;
        peer.confirm_sas(&id).expect("the other device confirms");
    });
    let session = client
        .wait_for_session(SessionState::Ready)
        .await
        .expect("ready");
    assert!(session.e2ee.verified);
    let first = Box::pin(client.session_changes())
        .next()
        .await
        .expect("a first copy")
        .expect("200");
    assert_eq!(first.state, SessionState::Ready);
}

#[tokio::test(start_paused = true)]
async fn a_thousand_concurrent_waiters_on_one_client_finish() {
    let server = FakeServer::start().await.expect("starts");
    let client = client(&server);
    let ids: Vec<String> = (0..100).map(|_| server.peer().request()).collect();
    let mut waiters = tokio::task::JoinSet::new();
    for n in 0..1000 {
        let handle = client.verification(&ids[n % ids.len()]);
        waiters.spawn(async move { handle.wait_until(VerificationState::Ready).await });
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    for id in &ids {
        client.verification(id).accept().await.expect("accepted");
    }
    let mut finished = 0;
    while let Some(result) = waiters.join_next().await {
        let v = result.expect("joined").expect("ready");
        assert_eq!(v.state, VerificationState::Ready);
        finished += 1;
    }
    assert_eq!(finished, 1000);
}
