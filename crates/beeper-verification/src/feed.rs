//! One polling loop per thing watched, shared by every listener in one [`Client`].
//!
//! The API has no push events, so waiting means polling. Waiters, change streams and guided
//! flows that watch the same verification (or the session, or the list) subscribe to one
//! [`Feed`]: a task that polls and publishes the latest snapshot on a `watch` channel. It
//! starts with the first listener, polls at the tightest schedule any listener asked for, and
//! stops when the last listener is dropped, cancelling a poll in flight, so that no request
//! follows. A listener that joins late sees the latest snapshot at once.
//!
//! Each poll is one request, without the client's retries: the feed itself polls again, with
//! its own backoff (250 ms doubling to 2 s at the defaults, shortened by up to a quarter at
//! random, back to the shortest after a change), and honours a `Retry-After` (up to the
//! client's cap of 60 s) without shortening it: neither a listener with a tighter schedule nor
//! an action's answer brings the next poll before the server's time. A listener's deadline
//! (`max_wait`) is its own: it stops waiting then, whatever a poll in flight is doing.
//!
//! An action's answer is fresher than any poll, so the handle publishes it
//! ([`Feeds::publish_verification`]); a poll that was sent before it and answers after it is
//! dropped, so a snapshot is never replaced by an older one.
//!
//! The loop runs as a task on the Tokio runtime of the listener that started it. Should it
//! stop for any other reason than its last listener leaving (that runtime was shut down while
//! listeners on another one wait, or the task panicked), a guard marks it stopped: listeners
//! then start a new loop on their own runtime, or, after a panic, end with
//! [`Error::PollingStopped`].

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tokio::time::Instant;

use crate::wait::{LastSeen, instant_after};
use crate::{Client, Error, Session, Verification, VerificationId, WaitOptions};

/// What a feed watches: how one poll fetches it, when two copies look the same to a person,
/// and where a client keeps its feeds of this kind.
pub(crate) trait Watched: Clone + Send + Sync + 'static {
    /// What tells two feeds of this kind apart (a verification's ID; `()` for the session).
    type Key: Clone + Eq + Hash + Send + Sync + 'static;

    /// The client's feeds of this kind.
    fn registry(feeds: &Feeds) -> &Registry<Self::Key, Self>;

    /// One poll: one request, without the client's retries.
    fn fetch(
        client: &Client,
        key: &Self::Key,
    ) -> impl Future<Output = Result<Self, Error>> + Send + 'static;

    /// Whether a person would see no difference between the two.
    fn same(a: &Self, b: &Self) -> bool;

    /// Whether nothing can follow this value, so polling stops.
    fn is_final(&self) -> bool {
        false
    }

    /// This value, as [`Error::WaitTimedOut`] carries it.
    fn last_seen(self) -> LastSeen;
}

impl Watched for Verification {
    type Key = VerificationId;

    fn registry(feeds: &Feeds) -> &Registry<VerificationId, Self> {
        &feeds.verifications
    }

    fn fetch(
        client: &Client,
        key: &VerificationId,
    ) -> impl Future<Output = Result<Self, Error>> + Send + 'static {
        let handle = client.verification(key);
        async move { handle.poll().await }
    }

    fn same(a: &Self, b: &Self) -> bool {
        a.id == b.id && crate::model::same_to_a_person(a, b)
    }

    fn is_final(&self) -> bool {
        self.is_terminal()
    }

    fn last_seen(self) -> LastSeen {
        LastSeen::Verification(Box::new(self))
    }
}

impl Watched for Session {
    type Key = ();

    fn registry(feeds: &Feeds) -> &Registry<(), Self> {
        &feeds.session
    }

    fn fetch(
        client: &Client,
        _: &(),
    ) -> impl Future<Output = Result<Self, Error>> + Send + 'static {
        let client = client.clone();
        async move { client.poll_session().await }
    }

    fn same(a: &Self, b: &Self) -> bool {
        crate::flow::same_session(a, b)
    }

    fn last_seen(self) -> LastSeen {
        LastSeen::Session(Box::new(self))
    }
}

impl Watched for Vec<Verification> {
    type Key = ();

    fn registry(feeds: &Feeds) -> &Registry<(), Self> {
        &feeds.list
    }

    fn fetch(
        client: &Client,
        _: &(),
    ) -> impl Future<Output = Result<Self, Error>> + Send + 'static {
        let client = client.clone();
        async move { client.verifications().poll_list().await }
    }

    fn same(a: &Self, b: &Self) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| Verification::same(x, y))
    }

    fn last_seen(self) -> LastSeen {
        LastSeen::Verifications(self)
    }
}

/// The shortest delay between two polls whatever a listener asks: a zero delay would spin.
const MIN_DELAY_FLOOR: Duration = Duration::from_millis(1);

/// What a feed has seen: the latest value, and how polling went. Errors are shared, not
/// copied, however many listeners receive them.
#[derive(Clone, Debug)]
pub(crate) struct Snapshot<T> {
    /// The latest value, once a poll (or an action) brought one.
    pub latest: Option<T>,
    /// Bumps with every visible change of `latest`; listeners compare it with what they saw.
    pub version: u64,
    /// How many polls the feed has sent.
    pub polls: u32,
    /// The error of the last poll, when it failed and the feed polls on.
    pub last_error: Option<Error>,
    /// The error that stopped the feed (401, 403, 404, ...): every listener ends with it.
    pub fatal: Option<Error>,
    /// Set when the loop stopped without a fatal error while listeners may still wait: they
    /// start a new loop.
    pub ended: bool,
    /// How fresh `latest` is: the count of published action answers it reflects.
    epoch: u64,
}

impl<T> Snapshot<T> {
    fn starting_from(latest: Option<T>) -> Self {
        Self {
            version: u64::from(latest.is_some()),
            latest,
            polls: 0,
            last_error: None,
            fatal: None,
            ended: false,
            epoch: 0,
        }
    }
}

/// One polling loop and what it shares with its listeners.
pub(crate) struct Feed<T> {
    tx: watch::Sender<Snapshot<T>>,
    /// The schedules the listeners asked for, by listener.
    schedules: Mutex<Vec<(u64, WaitOptions)>>,
    next_listener: AtomicU64,
    /// Wakes the loop early: a tighter schedule, or a change published from outside.
    wake: Notify,
    /// Set when the loop has stopped; a new listener then starts a new feed.
    stopped: AtomicBool,
    /// Bumps with every action answer published, so that older polls are recognised.
    epoch: AtomicU64,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock only means a listener panicked while holding it; the data is still whole.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl<T: Watched> Feed<T> {
    fn new(latest: Option<T>) -> Arc<Self> {
        Arc::new(Self {
            tx: watch::Sender::new(Snapshot::starting_from(latest)),
            schedules: Mutex::new(Vec::new()),
            next_listener: AtomicU64::new(0),
            wake: Notify::new(),
            stopped: AtomicBool::new(false),
            epoch: AtomicU64::new(0),
        })
    }

    /// The tightest schedule any listener asked for: the shortest `min_delay` and `max_delay`.
    fn schedule(&self) -> (Duration, Duration) {
        let schedules = lock(&self.schedules);
        let fallback = WaitOptions::default();
        let min = schedules
            .iter()
            .map(|(_, o)| o.min_delay)
            .min()
            .unwrap_or(fallback.min_delay);
        let max = schedules
            .iter()
            .map(|(_, o)| o.max_delay)
            .min()
            .unwrap_or(fallback.max_delay);
        let min = min.max(MIN_DELAY_FLOOR);
        (min, max.max(min))
    }

    /// Publishes a value fresher than any poll in flight (an action's answer).
    fn publish(&self, value: T) {
        let epoch = self.epoch.fetch_add(1, Ordering::SeqCst) + 1;
        self.tx.send_if_modified(|s| {
            s.epoch = epoch;
            let changed = s.latest.as_ref().is_none_or(|l| !T::same(l, &value));
            if changed {
                s.latest = Some(value);
                s.version += 1;
            }
            changed
        });
        // A change: poll again soon, at the shortest delay (not before a Retry-After).
        self.wake.notify_one();
    }
}

/// The feeds of one kind in one client, by what they watch.
pub(crate) type Registry<K, T> = Mutex<HashMap<K, Weak<Feed<T>>>>;

/// The feeds of one client.
#[derive(Default)]
pub(crate) struct Feeds {
    verifications: Registry<VerificationId, Verification>,
    session: Registry<(), Session>,
    list: Registry<(), Vec<Verification>>,
    #[cfg(test)]
    panicking: Registry<(), tests::Panics>,
}

impl std::fmt::Debug for Feeds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Feeds").finish_non_exhaustive()
    }
}

impl Feeds {
    /// Publishes an action's answer to the feed of its verification, if one runs.
    pub fn publish_verification(&self, verification: &Verification) {
        let feed = lock(&self.verifications)
            .get(&verification.id)
            .and_then(Weak::upgrade);
        if let Some(feed) = feed {
            feed.publish(verification.clone());
        }
    }
}

/// A listener of a feed: holds it open, and says which schedule it wants. Dropping the last
/// one stops the feed.
pub(crate) struct Listener<T: Watched> {
    client: Client,
    key: T::Key,
    options: WaitOptions,
    feed: Arc<Feed<T>>,
    rx: watch::Receiver<Snapshot<T>>,
    id: u64,
    /// The feed's poll count when this listener joined.
    polls_at_start: u32,
    /// The polls of the loops this listener waited on before this one.
    polls_before: u32,
    /// The version this listener has handed out last.
    seen: u64,
}

impl<T: Watched> Drop for Listener<T> {
    fn drop(&mut self) {
        lock(&self.feed.schedules).retain(|(id, _)| *id != self.id);
    }
}

/// Why [`Listener::next`] returned without a new value.
pub(crate) enum Stop {
    /// The deadline passed.
    Deadline,
    /// The feed stopped with this error.
    Failed(Error),
}

impl Client {
    /// Listens to what `key` names, joining its feed or starting one. Must run inside a Tokio
    /// runtime: a new loop is spawned on the current one.
    pub(crate) fn listen<T: Watched>(&self, key: T::Key, options: WaitOptions) -> Listener<T> {
        self.listen_from(key, options, None).0
    }

    /// [`listen`](Self::listen); a loop started here begins with `latest`, what an ended
    /// loop had seen. Says whether it started a loop.
    fn listen_from<T: Watched>(
        &self,
        key: T::Key,
        options: WaitOptions,
        latest: Option<T>,
    ) -> (Listener<T>, bool) {
        // Joining and stopping both run under the registry's lock, so a listener never joins
        // a feed that is stopping.
        let mut registry = lock(T::registry(&self.inner.feeds));
        let running = registry
            .get(&key)
            .and_then(Weak::upgrade)
            .filter(|f| !f.stopped.load(Ordering::SeqCst));
        let (feed, rx, started) = match running {
            Some(feed) => {
                let rx = feed.tx.subscribe();
                (feed, rx, false)
            }
            None => {
                let feed = Feed::new(latest);
                registry.insert(key.clone(), Arc::downgrade(&feed));
                // Subscribe before the loop starts, so that it does not stop at once.
                let rx = feed.tx.subscribe();
                let guard = StopGuard {
                    feed: Arc::clone(&feed),
                    client: self.clone(),
                    key: key.clone(),
                };
                tokio::spawn(run(guard));
                (feed, rx, true)
            }
        };
        drop(registry);
        let id = feed.next_listener.fetch_add(1, Ordering::Relaxed);
        let tighter = {
            let (min, max) = feed.schedule();
            lock(&feed.schedules).push((id, options));
            options.min_delay < min || options.max_delay < max
        };
        if tighter {
            feed.wake.notify_one();
        }
        let polls_at_start = rx.borrow().polls;
        let listener = Listener {
            client: self.clone(),
            key,
            options,
            feed,
            rx,
            id,
            polls_at_start,
            polls_before: 0,
            seen: 0,
        };
        (listener, started)
    }
}

impl<T: Watched> Listener<T> {
    /// The next value this listener has not seen (the latest at once, the first time), or why
    /// there is none before `deadline`.
    pub async fn next(&mut self, deadline: Instant) -> Result<T, Stop> {
        loop {
            let ended = {
                let snapshot = self.rx.borrow_and_update();
                if let Some(error) = &snapshot.fatal {
                    return Err(Stop::Failed(error.clone()));
                }
                if snapshot.version > self.seen
                    && let Some(latest) = &snapshot.latest
                {
                    self.seen = snapshot.version;
                    return Ok(latest.clone());
                }
                snapshot.ended
            };
            if ended {
                self.rejoin();
                continue;
            }
            match tokio::time::timeout_at(deadline, self.rx.changed()).await {
                Ok(Ok(())) => {}
                // The feed is gone (cannot happen while this listener holds it): no more values.
                Ok(Err(_)) | Err(_) => return Err(Stop::Deadline),
            }
        }
    }

    /// Moves to a new loop after this one ended while this listener still waits; the new loop
    /// starts from what the old one saw, so nothing is handed out twice.
    fn rejoin(&mut self) {
        let (latest, version, polls) = {
            let old = self.rx.borrow();
            (old.latest.clone(), old.version, old.polls)
        };
        let seen_latest = latest.is_some() && self.seen == version;
        let (mut next, started) = self
            .client
            .listen_from(self.key.clone(), self.options, latest);
        next.polls_before = self
            .polls_before
            .saturating_add(polls.saturating_sub(self.polls_at_start));
        // A loop started here begins with the old latest as its version 1; a running loop
        // that was joined hands out its own latest as new.
        next.seen = u64::from(started && seen_latest);
        // The old listener leaves its loop as it is dropped here.
        *self = next;
    }

    /// What the feed saw, for an error: the latest value, the last poll's error, and how many
    /// polls this listener waited through.
    pub fn last(&self) -> (Option<T>, Option<Error>, u32) {
        let snapshot = self.rx.borrow();
        (
            snapshot.latest.clone(),
            snapshot.last_error.clone(),
            self.polls_before
                .saturating_add(snapshot.polls.saturating_sub(self.polls_at_start)),
        )
    }
}

/// Marks a loop stopped however it stops: returning, dropped with its runtime, or unwinding
/// from a panic. Listeners that still wait are told: after a panic with
/// [`Error::PollingStopped`], otherwise by `ended`, so that they start a new loop.
struct StopGuard<T: Watched> {
    feed: Arc<Feed<T>>,
    client: Client,
    key: T::Key,
}

impl<T: Watched> Drop for StopGuard<T> {
    fn drop(&mut self) {
        {
            let mut registry = lock(T::registry(&self.client.inner.feeds));
            self.feed.stopped.store(true, Ordering::SeqCst);
            if registry
                .get(&self.key)
                .is_some_and(|w| std::ptr::eq(w.as_ptr(), Arc::as_ptr(&self.feed)))
            {
                registry.remove(&self.key);
            }
        }
        let panicked = std::thread::panicking();
        self.feed.tx.send_modify(|s| {
            if panicked && s.fatal.is_none() {
                s.fatal = Some(Error::PollingStopped {
                    reason: "the polling task panicked",
                });
            }
            s.ended = true;
        });
    }
}

impl<T: Watched> StopGuard<T> {
    /// Stops the loop if no listener is left, under the registry's lock; false when one
    /// joined meanwhile.
    fn stop_if_alone(&self) -> bool {
        let registry = lock(T::registry(&self.client.inner.feeds));
        let alone = self.feed.tx.receiver_count() == 0;
        if alone {
            self.feed.stopped.store(true, Ordering::SeqCst);
        }
        drop(registry);
        alone
    }
}

/// How a poll's outcome moves the schedule.
struct Next {
    /// The base delay before the next poll.
    base_delay: Duration,
    /// The server's `Retry-After`: no poll before it.
    wait_at_least: Duration,
    /// Whether polling stops: a final value or a fatal error.
    finished: bool,
}

/// Publishes one poll's outcome, and says how polling goes on.
fn apply<T: Watched>(
    feed: &Feed<T>,
    sent_at_epoch: u64,
    result: Result<T, Error>,
    base_delay: Duration,
) -> Next {
    let (min_delay, max_delay) = feed.schedule();
    let doubled = base_delay.saturating_mul(2).clamp(min_delay, max_delay);
    let mut next = Next {
        base_delay: doubled,
        wait_at_least: Duration::ZERO,
        finished: false,
    };
    feed.tx.send_if_modified(|s| {
        s.polls = s.polls.saturating_add(1);
        match result {
            // A poll sent before an action's answer was published says less than it.
            Ok(_) if sent_at_epoch < s.epoch => false,
            Ok(value) => {
                s.last_error = None;
                next.finished = value.is_final();
                let changed = s.latest.as_ref().is_none_or(|l| !T::same(l, &value));
                if changed {
                    next.base_delay = min_delay;
                    s.latest = Some(value);
                    s.version += 1;
                }
                changed
            }
            // Worth polling through: connection failures, timeouts, 429, 5xx.
            Err(e) if e.is_retryable() => {
                // The server's Retry-After, up to the client's cap, never shortened.
                next.wait_at_least = e
                    .retry_after()
                    .map_or(Duration::ZERO, |d| d.min(crate::retry::MAX_RETRY_AFTER));
                tracing::debug!(error = %e, polls = s.polls, "polling through a transient error");
                s.last_error = Some(e);
                false
            }
            Err(e) => {
                next.finished = true;
                s.fatal = Some(e);
                true
            }
        }
    });
    next
}

/// `delay` shortened by up to a quarter at random, so that many clients do not poll in step.
fn jittered(delay: Duration) -> Duration {
    let factor = 1.0 - 0.25 * fastrand::f64();
    Duration::try_from_secs_f64(delay.as_secs_f64() * factor).map_or(delay, |d| d.min(delay))
}

/// The loop of one feed: poll, publish, wait; until no listener is left or the value is final.
async fn run<T: Watched>(guard: StopGuard<T>) {
    let feed = Arc::clone(&guard.feed);
    let mut base_delay = feed.schedule().0;
    let mut next_poll = Instant::now();
    // No poll before this: the server's Retry-After.
    let mut not_before = next_poll;
    loop {
        // Wait for the next poll, or for no listener, or for a reason to poll sooner.
        loop {
            tokio::select! {
                () = feed.tx.closed() => {
                    if guard.stop_if_alone() {
                        return;
                    }
                }
                () = tokio::time::sleep_until(next_poll) => break,
                () = feed.wake.notified() => {
                    let (min, _) = feed.schedule();
                    base_delay = min;
                    next_poll = next_poll.min(instant_after(Instant::now(), min)).max(not_before);
                }
            }
        }
        // One poll, dropped at once if the last listener leaves meanwhile.
        let epoch = feed.epoch.load(Ordering::SeqCst);
        let result = tokio::select! {
            () = feed.tx.closed() => {
                if guard.stop_if_alone() {
                    return;
                }
                // A listener joined as the last one left: poll again now.
                continue;
            }
            result = T::fetch(&guard.client, &guard.key) => result,
        };
        let next = apply(&feed, epoch, result, base_delay);
        if next.finished {
            return;
        }
        base_delay = next.base_delay;
        let now = Instant::now();
        not_before = instant_after(now, next.wait_at_least);
        next_poll = instant_after(now, jittered(base_delay)).max(not_before);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A value whose poll panics, as a bug in a poll would.
    #[derive(Clone, Debug)]
    pub(crate) struct Panics;

    impl Watched for Panics {
        type Key = ();

        fn registry(feeds: &Feeds) -> &Registry<(), Self> {
            &feeds.panicking
        }

        #[allow(clippy::manual_async_fn)]
        fn fetch(_: &Client, _: &()) -> impl Future<Output = Result<Self, Error>> + Send + 'static {
            async { panic!("a bug in a poll") }
        }

        fn same(_: &Self, _: &Self) -> bool {
            true
        }

        fn last_seen(self) -> LastSeen {
            LastSeen::Verifications(Vec::new())
        }
    }

    #[tokio::test]
    async fn a_loop_that_panics_ends_its_listeners_with_an_error() {
        let client = Client::builder()
            .access_token("t")
            .build()
            .expect("valid configuration");
        let mut first = client.listen::<Panics>((), WaitOptions::default());
        let deadline = Instant::now() + Duration::from_secs(30);
        match first.next(deadline).await {
            Err(Stop::Failed(Error::PollingStopped { .. })) => {}
            Err(Stop::Failed(other)) => panic!("expected PollingStopped, got {other:?}"),
            Err(Stop::Deadline) => panic!("the listener was left hanging"),
            Ok(_) => panic!("no value can come"),
        }
        // A later listener starts a new loop rather than joining the dead one, and is told too.
        let mut later = client.listen::<Panics>((), WaitOptions::default());
        assert!(matches!(
            later.next(deadline).await,
            Err(Stop::Failed(Error::PollingStopped { .. }))
        ));
    }
}
