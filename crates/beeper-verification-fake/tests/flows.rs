//! Whole flows through the generated client: every response decodes with the spec's types, in
//! every state.

mod common;

use std::time::Duration;

use beeper_verification_client::types;
use beeper_verification_fake::{FakePurpose, FakeServer, Operation, PeerMethod, PeerRequest};
use common::{actions, client, id, poll_until, verification};

#[tokio::test]
async fn the_emoji_flow_driven_by_hand() {
    let server = FakeServer::start().await.expect("starts");
    let client = client(&server);
    let peer = server.peer();

    let setup = client.get_setup().await.expect("200").into_inner();
    assert_eq!(
        (setup.state.0.as_str(), setup.e2ee.verified),
        ("needs-verification", false)
    );

    let created = verification(
        client
            .create_verification(&Default::default())
            .await
            .expect("200")
            .into_inner(),
    );
    assert_eq!(
        (created.state.0.as_str(), created.direction.0.as_str()),
        ("requested", "outgoing")
    );
    assert_eq!(actions(&created), ["cancel"]);
    let vid = created.id.clone();

    peer.accept(&vid).expect("the other device accepts");
    let ready = verification(
        client
            .get_verification(&id(&vid))
            .await
            .expect("200")
            .into_inner(),
    );
    assert_eq!(ready.state.0, "ready");
    assert_eq!(actions(&ready), ["sas.start", "cancel"]);
    assert!(ready.qr.is_some(), "qr.data once ready");

    let started = verification(
        client
            .start_verification_sas(&id(&vid))
            .await
            .expect("200")
            .into_inner(),
    );
    assert_eq!(started.state.0, "sas_ready");
    let sas = started.sas.expect("sas at sas_ready");
    assert_eq!(sas.emojis.split(' ').count(), 7);
    assert_eq!(sas.decimals.map(|d| d.split(' ').count()), Some(3));

    let confirmed = client
        .confirm_verification_sas(&id(&vid))
        .await
        .expect("200")
        .into_inner();
    assert_eq!(
        actions(confirmed.verification.as_ref().expect("verification")),
        ["cancel"]
    );
    peer.confirm_sas(&vid).expect("the other device confirms");

    let done = client
        .get_verification(&id(&vid))
        .await
        .expect("200")
        .into_inner();
    assert_eq!(verification(done.clone()).state.0, "done");
    assert_eq!(
        (done.session.state.0.as_str(), done.session.e2ee.verified),
        ("ready", true)
    );
    let listed = client.list_verifications().await.expect("200").into_inner();
    assert!(listed.items.is_empty(), "an ended one is not listed");
}

#[tokio::test]
async fn the_list_shows_pending_and_active_verifications_only() {
    let server = FakeServer::start().await.expect("starts");
    let client = client(&server);
    let peer = server.peer();
    let pending = peer.request();
    let active = peer.request();
    client.accept_verification(&id(&active)).await.expect("200");
    let cancelled = peer.request();
    peer.cancel(&cancelled, None, None).expect("cancels");
    let failed = peer.request();
    peer.fail(&failed, "m.key_mismatch", "Keys did not match")
        .expect("fails");
    let done = peer.request();
    client.accept_verification(&id(&done)).await.expect("200");
    peer.scan_our_qr(&done).expect("scans");
    client
        .confirm_verification_qr_scanned(&id(&done))
        .await
        .expect("200");

    let listed = client.list_verifications().await.expect("200").into_inner();
    let ids: Vec<&str> = listed.items.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(ids, [pending.as_str(), active.as_str()]);
    for (ended, state) in [
        (&cancelled, "cancelled"),
        (&failed, "error"),
        (&done, "done"),
    ] {
        let v = verification(
            client
                .get_verification(&id(ended))
                .await
                .expect("an ended one stays retrievable")
                .into_inner(),
        );
        assert_eq!(v.state.0, state);
    }
}

#[tokio::test]
async fn the_qr_flow_of_an_incoming_request() {
    let server = FakeServer::start().await.expect("starts");
    let client = client(&server);
    let vid = server.peer().request_with(
        PeerRequest::default()
            .purpose(FakePurpose::Login)
            .methods(&[PeerMethod::Qr]),
    );

    let incoming = verification(
        client
            .get_verification(&id(&vid))
            .await
            .expect("200")
            .into_inner(),
    );
    assert_eq!(
        (incoming.direction.0.as_str(), incoming.purpose.0.as_str()),
        ("incoming", "login")
    );
    assert_eq!(actions(&incoming), ["accept", "cancel"]);

    let accepted = verification(
        client
            .accept_verification(&id(&vid))
            .await
            .expect("200")
            .into_inner(),
    );
    assert_eq!(
        actions(&accepted),
        ["cancel"],
        "no sas.start without the sas method"
    );
    server
        .peer()
        .scan_our_qr(&vid)
        .expect("the other device scans our code");

    let scanned = verification(
        client
            .get_verification(&id(&vid))
            .await
            .expect("200")
            .into_inner(),
    );
    assert_eq!(
        (scanned.state.0.as_str(), actions(&scanned)),
        ("qr_scanned", vec!["qr.confirmScanned", "cancel"])
    );
    let done = verification(
        client
            .confirm_verification_qr_scanned(&id(&vid))
            .await
            .expect("200")
            .into_inner(),
    );
    assert_eq!(done.state.0, "done");
}

#[tokio::test]
async fn scanning_the_other_devices_code_verifies_at_once() {
    let server = FakeServer::start().await.expect("starts");
    let client = client(&server);
    let vid = verification(
        client
            .create_verification(&Default::default())
            .await
            .expect("200")
            .into_inner(),
    )
    .id;
    server.peer().accept(&vid).expect("accepts");
    let data = server
        .peer()
        .qr_code(&vid)
        .expect("the other device shows a code");
    let done = client
        .scan_verification_qr(&types::QrScanRequest { data })
        .await
        .expect("200")
        .into_inner();
    assert_eq!(verification(done).state.0, "done");
}

#[tokio::test]
async fn cancellation_by_either_side_records_code_and_reason() {
    let server = FakeServer::start().await.expect("starts");
    let client = client(&server);
    let ours = verification(
        client
            .create_verification(&Default::default())
            .await
            .expect("200")
            .into_inner(),
    )
    .id;
    let body = types::CancelVerificationRequest {
        code: Some("m.mismatched_sas".into()),
        reason: Some("no match".into()),
    };
    let cancelled = verification(
        client
            .cancel_verification(&id(&ours), &body)
            .await
            .expect("200")
            .into_inner(),
    );
    assert_eq!(cancelled.state.0, "cancelled");
    assert_eq!(
        cancelled.error.map(|e| (e.code, e.reason)),
        Some(("m.mismatched_sas".into(), "no match".into()))
    );

    let theirs = server.peer().request();
    server
        .peer()
        .cancel(&theirs, Some("m.user"), Some("Declined on the phone"))
        .expect("cancels");
    let v = verification(
        client
            .get_verification(&id(&theirs))
            .await
            .expect("200")
            .into_inner(),
    );
    assert_eq!(
        v.error.map(|e| e.reason),
        Some("Declined on the phone".into())
    );

    let failing = server.peer().request();
    server
        .peer()
        .fail(&failing, "m.key_mismatch", "Keys did not match")
        .expect("fails");
    let v = verification(
        client
            .get_verification(&id(&failing))
            .await
            .expect("200")
            .into_inner(),
    );
    assert_eq!(
        (v.state.0.as_str(), v.available_actions.len()),
        ("error", 0)
    );
}

#[tokio::test]
async fn a_verification_past_its_timeout_is_cancelled_with_m_timeout() {
    let server = FakeServer::builder()
        .verification_timeout(Duration::from_millis(50))
        .start()
        .await
        .expect("starts");
    let client = client(&server);
    let vid = verification(
        client
            .create_verification(&Default::default())
            .await
            .expect("200")
            .into_inner(),
    )
    .id;
    let expired = poll_until(&client, &vid, "cancelled").await;
    assert_eq!(expired.error.map(|e| e.code), Some("m.timeout".into()));
}

#[tokio::test]
async fn the_automatic_peer_plays_the_emoji_flow() {
    let server = FakeServer::builder()
        .auto_peer(PeerMethod::Sas, Duration::from_millis(10))
        .start()
        .await
        .expect("starts");
    let client = client(&server);
    let vid = verification(
        client
            .create_verification(&Default::default())
            .await
            .expect("200")
            .into_inner(),
    )
    .id;
    poll_until(&client, &vid, "ready").await;
    client.start_verification_sas(&id(&vid)).await.expect("200");
    client
        .confirm_verification_sas(&id(&vid))
        .await
        .expect("200");
    poll_until(&client, &vid, "done").await;
    assert_eq!(
        client.get_setup().await.expect("200").into_inner().state.0,
        "ready"
    );
}

#[tokio::test]
async fn the_automatic_peer_plays_the_qr_flow() {
    let server = FakeServer::builder()
        .auto_peer(PeerMethod::Qr, Duration::from_millis(10))
        .start()
        .await
        .expect("starts");
    let client = client(&server);
    let vid = verification(
        client
            .create_verification(&Default::default())
            .await
            .expect("200")
            .into_inner(),
    )
    .id;
    poll_until(&client, &vid, "qr_scanned").await;
    let done = verification(
        client
            .confirm_verification_qr_scanned(&id(&vid))
            .await
            .expect("200")
            .into_inner(),
    );
    assert_eq!(done.state.0, "done");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_verifications_in_parallel_keep_their_own_state() {
    let server = FakeServer::start().await.expect("starts");
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..200 {
        let client = client(&server);
        let peer = server.peer();
        tasks.spawn(async move {
            let created = verification(
                client
                    .create_verification(&Default::default())
                    .await
                    .expect("200")
                    .into_inner(),
            );
            let vid = created.id;
            peer.accept(&vid).expect("accepts");
            let sas = verification(
                client
                    .start_verification_sas(&id(&vid))
                    .await
                    .expect("200")
                    .into_inner(),
            )
            .sas;
            if n % 2 == 0 {
                client
                    .confirm_verification_sas(&id(&vid))
                    .await
                    .expect("200");
                peer.confirm_sas(&vid).expect("confirms");
            } else {
                peer.cancel(&vid, Some("m.user"), None).expect("cancels");
            }
            let last = verification(
                client
                    .get_verification(&id(&vid))
                    .await
                    .expect("200")
                    .into_inner(),
            );
            (n, vid, sas.map(|s| s.emojis), last)
        });
    }
    let mut ids = std::collections::BTreeSet::new();
    while let Some(result) = tasks.join_next().await {
        let (n, vid, emojis, last) = result.expect("task finished");
        assert_eq!(last.id, vid);
        assert_eq!(
            last.state.0,
            if n % 2 == 0 { "done" } else { "cancelled" },
            "{vid}"
        );
        if n % 2 == 0 {
            assert_eq!(
                last.sas.map(|s| s.emojis),
                emojis,
                "{vid} kept its own emoji"
            );
        }
        assert!(ids.insert(vid), "IDs are unique");
    }
    assert_eq!(ids.len(), 200);
    assert_eq!(
        server.requests_for(Operation::CreateVerification).len(),
        200
    );
}
