//! One client bounds its requests in flight, so thousands of waiters share a few connections.

use std::time::Duration;

use beeper_verification::Client;
use beeper_verification_fake::{FakeServer, Fault, Operation};

#[tokio::test(start_paused = true)]
async fn requests_beyond_the_limit_wait_their_turn() {
    let server = FakeServer::start().await.expect("starts");
    server.add_fault(Fault::latency(Duration::from_secs(1)).on(Operation::GetSetup));
    let client = Client::builder()
        .base_url(server.base_url())
        .access_token(server.token())
        .timeout(Duration::from_secs(3600))
        .max_concurrent_requests(2)
        .build()
        .expect("valid");
    let calls: Vec<_> = (0..6)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.session().await })
        })
        .collect();
    for call in calls {
        call.await.expect("joined").expect("200");
    }
    // Two arrive at once; the next two when those answered a second later; then the last two.
    let arrivals: Vec<u64> = server
        .requests_for(Operation::GetSetup)
        .iter()
        .map(|r| r.at.as_secs())
        .collect();
    assert_eq!(arrivals, [0, 0, 1, 1, 2, 2]);
}
