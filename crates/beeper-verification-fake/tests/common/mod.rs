//! A generated client for a fake server, and small helpers for its tests.
#![allow(dead_code)]

use beeper_verification_client::{Client, RequestHooks, types};
use beeper_verification_fake::FakeServer;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};

/// The generated client, with the fake's token: every response decodes with the spec's types.
pub fn client(server: &FakeServer) -> Client {
    let mut headers = HeaderMap::new();
    let bearer = HeaderValue::from_str(&format!("Bearer {}", server.token())).expect("valid token");
    headers.insert(AUTHORIZATION, bearer);
    Client::new_with_client(
        server.base_url(),
        reqwest::Client::new(),
        RequestHooks::new(headers),
    )
}

pub fn id<T: std::str::FromStr>(raw: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    raw.parse().expect("a verification ID")
}

/// The verification of a response, which every verification call returns.
pub fn verification(response: types::VerificationSessionResponse) -> types::Verification {
    response
        .verification
        .expect("the response names the verification")
}

pub fn actions(v: &types::Verification) -> Vec<&str> {
    v.available_actions.iter().map(|a| a.0.as_str()).collect()
}

/// Polls `GET .../verifications/{id}` until its state is `state`, for at most 500 tries.
pub async fn poll_until(
    client: &Client,
    verification_id: &str,
    state: &str,
) -> types::Verification {
    for _ in 0..500 {
        let v = verification(
            client
                .get_verification(&id(verification_id))
                .await
                .expect("200")
                .into_inner(),
        );
        if v.state.0 == state {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("{verification_id} never reached {state}");
}
