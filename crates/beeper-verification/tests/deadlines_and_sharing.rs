//! Waiting keeps its promises: a wait ends by its `max_wait` whatever the server does,
//! `Retry-After` is honoured but capped, and every listener of one verification (or of the
//! session) in one client shares one polling loop, which stops when the last one leaves.
//! On tokio's paused clock, against the fake in the same runtime: the figures are the
//! schedule's, not the machine's.

use std::time::Duration;

use beeper_verification::{Client, Error, SessionState, VerificationState, WaitOptions};
use beeper_verification_fake::{FakeServer, Fault, Operation};
use futures_util::StreamExt;
use tokio::time::Instant;

fn client(server: &FakeServer) -> Client {
    Client::builder()
        .base_url(server.base_url())
        .access_token(server.token())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("valid configuration")
}

async fn fake() -> FakeServer {
    FakeServer::start().await.expect("the fake starts")
}

/// When the fake received each request of `operation`.
fn arrivals(server: &FakeServer, operation: Operation) -> Vec<Duration> {
    server
        .requests_for(operation)
        .iter()
        .map(|r| r.at)
        .collect()
}

const SLACK: Duration = Duration::from_millis(5);

#[tokio::test(start_paused = true)]
async fn a_wait_on_a_server_that_never_answers_ends_at_its_deadline() {
    let server = fake().await;
    let client = client(&server);
    let id = server.peer().request();
    // Every poll would take an hour; the client's own timeout (30 s) and retries (2) would make
    // a call last 91 s.
    server.add_fault(Fault::latency(Duration::from_secs(3600)).on(Operation::GetVerification));
    let options = WaitOptions::default().max_wait(Duration::from_secs(1));
    let handle = client.verification(&id).with_wait_options(options);

    let started = Instant::now();
    let err = handle
        .wait_until(VerificationState::Done)
        .await
        .expect_err("nothing answers");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(1) && took <= Duration::from_secs(1) + SLACK,
        "{took:?}"
    );
    match err {
        Error::WaitTimedOut {
            waited,
            polls,
            last_seen,
            ..
        } => {
            assert!(waited <= Duration::from_secs(1) + SLACK, "{waited:?}");
            assert_eq!(polls, 0, "no poll came back");
            assert!(last_seen.is_none());
        }
        other => panic!("expected WaitTimedOut, got {other:?}"),
    }

    // A change stream ends the same way.
    let started = Instant::now();
    let mut changes = Box::pin(handle.changes());
    let last = changes.next().await.expect("one item");
    assert!(matches!(last, Err(Error::WaitTimedOut { .. })), "{last:?}");
    assert!(started.elapsed() <= Duration::from_secs(1) + SLACK);
    assert!(changes.next().await.is_none(), "the stream ended");
}

#[tokio::test(start_paused = true)]
async fn a_guided_flow_step_ends_at_its_deadline() {
    let server = fake().await;
    let client = Client::builder()
        .base_url(server.base_url())
        .access_token(server.token())
        .wait_options(WaitOptions::default().max_wait(Duration::from_secs(2)))
        .build()
        .expect("valid");
    // The flow starts a verification (answered), then waits for the other device: every poll
    // of it takes an hour.
    server.add_fault(Fault::latency(Duration::from_secs(3600)).on(Operation::GetVerification));
    let started = Instant::now();
    let err = client
        .verify_with_sas(Default::default(), |_| async { true })
        .await
        .expect_err("the other device never comes");
    assert!(matches!(err, Error::WaitTimedOut { .. }), "{err:?}");
    assert!(
        started.elapsed() <= Duration::from_secs(2) + SLACK,
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn a_huge_retry_after_is_capped_at_a_minute_and_never_shortened() {
    let server = fake().await;
    let client = client(&server);
    let id = server.peer().request();
    server.add_fault(
        Fault::status(503)
            .retry_after(Duration::from_secs(3600))
            .on(Operation::GetVerification)
            .times(3),
    );
    let started = Instant::now();
    let seen = client
        .verification(&id)
        .wait_until(VerificationState::Requested)
        .await
        .expect("the fourth poll answers");
    assert_eq!(seen.state, VerificationState::Requested);
    let polls = arrivals(&server, Operation::GetVerification);
    assert_eq!(polls.len(), 4, "{polls:?}");
    for gap in polls.windows(2).map(|w| w[1] - w[0]) {
        assert!(
            gap >= Duration::from_secs(60) && gap <= Duration::from_secs(60) + SLACK,
            "each 503 asked for an hour; the wait waited the client's cap, a minute: {gap:?}"
        );
    }
    assert!(
        started.elapsed() < Duration::from_secs(200),
        "not idle until max_wait"
    );
}

#[tokio::test(start_paused = true)]
async fn a_short_retry_after_is_waited_exactly_and_the_deadline_caps_a_long_one() {
    let server = fake().await;
    let client = client(&server);
    let id = server.peer().request();
    server.add_fault(
        Fault::status(503)
            .retry_after(Duration::from_secs(3))
            .on(Operation::GetVerification)
            .times(5),
    );
    client
        .verification(&id)
        .wait_until(VerificationState::Requested)
        .await
        .expect("answers after the faults");
    let polls = arrivals(&server, Operation::GetVerification);
    for gap in polls.windows(2).map(|w| w[1] - w[0]) {
        // Backoff alone would be 0.5 s to 2 s with jitter; the server said 3 s, and jitter may
        // not shorten that.
        assert!(
            gap >= Duration::from_secs(3) && gap <= Duration::from_secs(3) + SLACK,
            "{gap:?}"
        );
    }

    // A wait shorter than the server's Retry-After ends at its deadline, with the 503 as the
    // last error.
    server.clear_requests();
    server.add_fault(
        Fault::status(503)
            .retry_after(Duration::from_secs(3600))
            .on(Operation::GetVerification),
    );
    let options = WaitOptions::default().max_wait(Duration::from_secs(10));
    let started = Instant::now();
    let err = client
        .verification(&id)
        .with_wait_options(options)
        .wait_until(VerificationState::Done)
        .await
        .expect_err("times out");
    assert!(started.elapsed() <= Duration::from_secs(10) + SLACK);
    match err {
        Error::WaitTimedOut { last_error, .. } => {
            let last = last_error.expect("the last poll failed");
            assert_eq!(last.status(), Some(503));
            assert_eq!(last.retry_after(), Some(Duration::from_secs(3600)));
        }
        other => panic!("expected WaitTimedOut, got {other:?}"),
    }
}

/// The polls the fake receives in one minute while `listeners` wait on one verification.
async fn polls_in_a_minute(listeners: usize) -> usize {
    let server = fake().await;
    let client = client(&server);
    let id = server.peer().request();
    let mut waits = Vec::new();
    for _ in 0..listeners {
        let handle = client.verification(&id);
        waits.push(tokio::spawn(async move {
            handle.wait_until(VerificationState::Done).await
        }));
    }
    tokio::time::sleep(Duration::from_secs(60)).await;
    let polls = server.requests_for(Operation::GetVerification).len();
    for wait in waits {
        wait.abort();
    }
    polls
}

#[tokio::test(start_paused = true)]
async fn a_hundred_listeners_on_one_verification_cost_what_one_does() {
    let one = polls_in_a_minute(1).await;
    let hundred = polls_in_a_minute(100).await;
    // 250 ms doubling to 2 s, shortened by up to a quarter: 30 to 45 polls in a minute.
    assert!((30..=45).contains(&one), "{one}");
    assert!((30..=45).contains(&hundred), "one loop for all: {hundred}");
}

#[tokio::test(start_paused = true)]
async fn when_the_last_listener_leaves_polling_stops() {
    let server = fake().await;
    let client = client(&server);
    let id = server.peer().request();
    let handle = client.verification(&id);
    let mut first = Box::pin(handle.changes());
    let mut second = Box::pin(handle.changes());
    assert!(first.next().await.is_some_and(|c| c.is_ok()));
    assert!(second.next().await.is_some_and(|c| c.is_ok()));
    drop(first);
    server.clear_requests();
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert!(
        !server.requests_for(Operation::GetVerification).is_empty(),
        "one listener is left"
    );
    drop(second);
    tokio::time::sleep(Duration::from_millis(1)).await;
    server.clear_requests();
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(
        server.requests(),
        [],
        "no request after the last listener left"
    );

    // A wait dropped while its poll is in flight stops too: the poll is abandoned.
    server.add_fault(Fault::latency(Duration::from_secs(5)).on(Operation::GetVerification));
    let waiting = tokio::time::timeout(
        Duration::from_secs(1),
        handle.wait_until(VerificationState::Done),
    )
    .await;
    assert!(waiting.is_err(), "the poll was still in flight");
    let sent = server.requests_for(Operation::GetVerification).len();
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(
        server.requests_for(Operation::GetVerification).len(),
        sent,
        "nothing after the drop"
    );
}

#[tokio::test(start_paused = true)]
async fn a_late_listener_gets_the_latest_at_once() {
    let server = fake().await;
    let client = client(&server);
    let id = server.peer().request();
    let handle = client.verification(&id);
    let mut early = Box::pin(handle.changes());
    assert!(early.next().await.is_some_and(|c| c.is_ok()));
    tokio::time::sleep(Duration::from_secs(5)).await;
    server.clear_requests();
    let started = Instant::now();
    let late = handle
        .wait_until(VerificationState::Requested)
        .await
        .expect("already requested");
    assert_eq!(late.state, VerificationState::Requested);
    assert_eq!(started.elapsed(), Duration::ZERO, "at once");
    assert_eq!(
        server.requests(),
        [],
        "from the shared snapshot, without a request"
    );
}

#[tokio::test(start_paused = true)]
async fn the_loop_polls_at_the_tightest_schedule_any_listener_asked_for() {
    let server = fake().await;
    let client = client(&server);
    let id = server.peer().request();
    let relaxed = client.verification(&id);
    let eager = client.verification(&id).with_wait_options(
        WaitOptions::default()
            .min_delay(Duration::from_millis(100))
            .max_delay(Duration::from_millis(200)),
    );
    let mut slow = Box::pin(relaxed.changes());
    assert!(slow.next().await.is_some());
    tokio::time::sleep(Duration::from_secs(30)).await;
    server.clear_requests();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let alone = server.requests_for(Operation::GetVerification).len();
    assert!(alone <= 7, "2 s apart at most, and at least 1.5 s: {alone}");

    let mut fast = Box::pin(eager.changes());
    assert!(fast.next().await.is_some());
    server.clear_requests();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let together = server.requests_for(Operation::GetVerification).len();
    assert!(together >= 50, "200 ms apart at most: {together}");

    drop(fast);
    tokio::time::sleep(Duration::from_secs(5)).await;
    server.clear_requests();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let relaxed_again = server.requests_for(Operation::GetVerification).len();
    assert!(
        relaxed_again <= 7,
        "back to the remaining listener's: {relaxed_again}"
    );
}

#[tokio::test(start_paused = true)]
async fn session_waiters_share_one_loop_too() {
    let server = fake().await;
    let client = client(&server);
    let mut changes = Box::pin(client.session_changes());
    assert!(changes.next().await.is_some_and(|c| c.is_ok()));
    let waiter = tokio::spawn({
        let client = client.clone();
        async move { client.wait_for_session(SessionState::Ready).await }
    });
    let watcher = tokio::spawn({
        let client = client.clone();
        async move {
            let mut more = Box::pin(client.session_changes());
            while more.next().await.is_some() {}
        }
    });
    server.clear_requests();
    tokio::time::sleep(Duration::from_secs(60)).await;
    let polls = server.requests_for(Operation::GetSetup).len();
    assert!(
        (30..=45).contains(&polls),
        "three listeners, one loop: {polls}"
    );
    server.set_session_state(beeper_verification_fake::FakeSessionState::Ready);
    let ready = waiter.await.expect("joined").expect("ready");
    assert_eq!(ready.state, SessionState::Ready);
    watcher.abort();
}
