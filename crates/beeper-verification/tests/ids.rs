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
    for id in [
        "",
        ".",
        "..",
        "a\nb",
        "tab\there",
        "nul\u{0}",
        "back\\slash",
    ] {
        let handle = client.verification(id);
        let results = [
            handle.get().await.map(|_| ()),
            handle.accept().await.map(|_| ()),
            handle
                .cancel(CancelVerification::default())
                .await
                .map(|_| ()),
            handle.confirm_qr_scanned().await.map(|_| ()),
            handle.start_sas().await.map(|_| ()),
            handle.confirm_sas().await.map(|_| ()),
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
        .verification("a\nb")
        .get()
        .await
        .expect_err("invalid");
    let message = err.to_string();
    assert!(
        message.contains(r#"invalid verification ID "a\nb": it contains a control character"#),
        "{message}"
    );
    assert!(!err.is_retryable() && err.status().is_none());
}
