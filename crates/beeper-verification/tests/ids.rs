//! Odd verification IDs get a typed error and send nothing.

mod common;

use beeper_verification::{CancelVerification, Error};
use common::client;
use httpmock::MockServer;

#[tokio::test]
async fn each_bad_id_sends_nothing_from_any_operation() {
    let server = MockServer::start_async().await;
    let anything = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200);
        })
        .await;
    let client = client(&server);
    let api = client.verifications();
    for id in [
        "",
        ".",
        "..",
        "a\nb",
        "tab\there",
        "nul\u{0}",
        "back\\slash",
    ] {
        let results = [
            api.retrieve(id).await.map(|_| ()),
            api.accept(id).await.map(|_| ()),
            api.cancel(id, CancelVerification::default())
                .await
                .map(|_| ()),
            api.qr().confirm_scanned(id).await.map(|_| ()),
            api.sas().start(id).await.map(|_| ()),
            api.sas().confirm(id).await.map(|_| ()),
        ];
        for result in results {
            match result {
                Err(Error::InvalidId { .. }) => {}
                other => panic!("{id:?}: expected InvalidId, got {other:?}"),
            }
        }
    }
    assert_eq!(
        anything.calls_async().await,
        0,
        "no request left the client"
    );
}

#[tokio::test]
async fn the_error_says_what_is_wrong_and_escapes_the_id() {
    let server = MockServer::start_async().await;
    let err = client(&server)
        .verifications()
        .retrieve("a\nb")
        .await
        .expect_err("invalid");
    let message = err.to_string();
    assert!(
        message.contains(r#"invalid verification ID "a\nb": it contains a control character"#),
        "{message}"
    );
    assert!(!err.is_retryable() && err.status().is_none());
}
