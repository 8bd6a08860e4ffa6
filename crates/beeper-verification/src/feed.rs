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
//! client's cap of 60 s) without shortening it. A listener's deadline (`max_wait`) is its own:
//! it stops waiting then, whatever a poll in flight is doing.
//!
//! An action's answer is fresher than any poll, so the handle publishes it
//! ([`Feeds::publish_verification`]); a poll that was sent before it and answers after it is
//! dropped, so a snapshot is never replaced by an older one.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tokio::time::Instant;

use crate::{Client, Error, Session, Verification, VerificationId, WaitOptions};

/// The shortest delay between two polls whatever a listener asks: a zero delay would spin.
const MIN_DELAY_FLOOR: Duration = Duration::from_millis(1);

/// What a feed has seen: the latest value, and how polling went.
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
    /// How fresh `latest` is: the count of published action answers it reflects.
    epoch: u64,
}

impl<T> Default for Snapshot<T> {
    fn default() -> Self {
        Self {
            latest: None,
            version: 0,
            polls: 0,
            last_error: None,
            fatal: None,
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
    same: fn(&T, &T) -> bool,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock only means a listener panicked while holding it; the data is still whole.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl<T: Clone + Send + Sync + 'static> Feed<T> {
    fn new(same: fn(&T, &T) -> bool) -> Arc<Self> {
        Arc::new(Self {
            tx: watch::Sender::new(Snapshot::default()),
            schedules: Mutex::new(Vec::new()),
            next_listener: AtomicU64::new(0),
            wake: Notify::new(),
            stopped: AtomicBool::new(false),
            epoch: AtomicU64::new(0),
            same,
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
        let same = self.same;
        self.tx.send_if_modified(|s| {
            s.epoch = epoch;
            let changed = s.latest.as_ref().is_none_or(|l| !same(l, &value));
            if changed {
                s.latest = Some(value);
                s.version += 1;
            }
            changed
        });
        // A change: poll again soon, at the shortest delay.
        self.wake.notify_one();
    }
}

/// A listener of a feed: holds it open, and says which schedule it wants. Dropping the last
/// one stops the feed.
pub(crate) struct Listener<T> {
    feed: Arc<Feed<T>>,
    rx: watch::Receiver<Snapshot<T>>,
    id: u64,
    /// The feed's poll count when this listener joined.
    polls_at_start: u32,
    /// The version this listener has handed out last.
    seen: u64,
}

impl<T> Drop for Listener<T> {
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

impl<T: Clone + Send + Sync + 'static> Listener<T> {
    /// The next value this listener has not seen (the latest at once, the first time), or why
    /// there is none before `deadline`.
    pub async fn next(&mut self, deadline: Instant) -> Result<T, Stop> {
        loop {
            {
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
            }
            match tokio::time::timeout_at(deadline, self.rx.changed()).await {
                Ok(Ok(())) => {}
                // The feed is gone (cannot happen while this listener holds it): no more values.
                Ok(Err(_)) | Err(_) => return Err(Stop::Deadline),
            }
        }
    }

    /// What the feed saw, for an error: the latest value, the last poll's error, and how many
    /// polls this listener waited through.
    pub fn last(&self) -> (Option<T>, Option<Error>, u32) {
        let snapshot = self.rx.borrow();
        (
            snapshot.latest.clone(),
            snapshot.last_error.clone(),
            snapshot.polls.saturating_sub(self.polls_at_start),
        )
    }
}

/// The feeds of one client, by what they watch.
#[derive(Default)]
pub(crate) struct Feeds {
    verifications: Mutex<HashMap<VerificationId, Weak<Feed<Verification>>>>,
    session: Mutex<Weak<Feed<Session>>>,
    list: Mutex<Weak<Feed<Vec<Verification>>>>,
}

impl std::fmt::Debug for Feeds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Feeds").finish_non_exhaustive()
    }
}

/// Where a feed is kept: a map slot or a single slot, behind the registry's lock.
trait Slot<T> {
    fn get(&mut self) -> Option<Arc<Feed<T>>>;
    fn set(&mut self, feed: &Arc<Feed<T>>);
    fn clear_if(&mut self, feed: &Arc<Feed<T>>);
}

impl<T> Slot<T> for Weak<Feed<T>> {
    fn get(&mut self) -> Option<Arc<Feed<T>>> {
        self.upgrade()
    }
    fn set(&mut self, feed: &Arc<Feed<T>>) {
        *self = Arc::downgrade(feed);
    }
    fn clear_if(&mut self, feed: &Arc<Feed<T>>) {
        if std::ptr::eq(self.as_ptr(), Arc::as_ptr(feed)) {
            *self = Weak::new();
        }
    }
}

/// A map's slot for one key.
struct MapSlot<'a, K, T> {
    map: &'a mut HashMap<K, Weak<Feed<T>>>,
    key: K,
}

impl<K: std::hash::Hash + Eq + Clone, T> Slot<T> for MapSlot<'_, K, T> {
    fn get(&mut self) -> Option<Arc<Feed<T>>> {
        self.map.get(&self.key).and_then(Weak::upgrade)
    }
    fn set(&mut self, feed: &Arc<Feed<T>>) {
        self.map.insert(self.key.clone(), Arc::downgrade(feed));
    }
    fn clear_if(&mut self, feed: &Arc<Feed<T>>) {
        if self
            .map
            .get(&self.key)
            .is_some_and(|w| std::ptr::eq(w.as_ptr(), Arc::as_ptr(feed)))
        {
            self.map.remove(&self.key);
        }
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

impl Client {
    /// Listens to the verification with this ID, starting its feed if none runs.
    pub(crate) fn listen_verification(
        &self,
        id: &VerificationId,
        options: WaitOptions,
    ) -> Listener<Verification> {
        let (client, key) = (self.clone(), id.clone());
        let fetch = move || {
            let handle = client.verification(&key);
            async move { handle.poll().await }
        };
        let unregister = {
            let client = self.clone();
            let key = id.clone();
            move |f: &dyn Fn(&mut dyn Slot<Verification>) -> bool| {
                let mut map = lock(&client.inner.feeds.verifications);
                f(&mut MapSlot {
                    map: &mut map,
                    key: key.clone(),
                })
            }
        };
        let mut map = lock(&self.inner.feeds.verifications);
        let mut slot = MapSlot {
            map: &mut map,
            key: id.clone(),
        };
        listen(
            &mut slot,
            options,
            crate::model::same_to_a_person,
            Verification::is_terminal,
            fetch,
            unregister,
        )
    }

    /// Listens to the session, starting its feed if none runs.
    pub(crate) fn listen_session(&self, options: WaitOptions) -> Listener<Session> {
        let client = self.clone();
        let fetch = move || {
            let client = client.clone();
            async move { client.poll_session().await }
        };
        let unregister = {
            let client = self.clone();
            move |f: &dyn Fn(&mut dyn Slot<Session>) -> bool| {
                f(&mut *lock(&client.inner.feeds.session))
            }
        };
        let mut slot = lock(&self.inner.feeds.session);
        listen(
            &mut *slot,
            options,
            crate::flow::same_session,
            |_| false,
            fetch,
            unregister,
        )
    }

    /// Listens to the list of verifications, starting its feed if none runs.
    pub(crate) fn listen_list(&self, options: WaitOptions) -> Listener<Vec<Verification>> {
        let client = self.clone();
        let fetch = move || {
            let client = client.clone();
            async move { client.verifications().poll_list().await }
        };
        let unregister = {
            let client = self.clone();
            move |f: &dyn Fn(&mut dyn Slot<Vec<Verification>>) -> bool| {
                f(&mut *lock(&client.inner.feeds.list))
            }
        };
        let mut slot = lock(&self.inner.feeds.list);
        listen(
            &mut *slot,
            options,
            |a: &Vec<Verification>, b: &Vec<Verification>| {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|(x, y)| x.id == y.id && crate::model::same_to_a_person(x, y))
            },
            |_| false,
            fetch,
            unregister,
        )
    }
}

/// Joins the feed in `slot`, or starts one; runs under the registry's lock, as the feed's
/// stop does, so a listener never joins a feed that is stopping.
fn listen<T, F, Fut, U>(
    slot: &mut dyn Slot<T>,
    options: WaitOptions,
    same: fn(&T, &T) -> bool,
    is_final: fn(&T) -> bool,
    fetch: F,
    unregister: U,
) -> Listener<T>
where
    T: Clone + Send + Sync + 'static,
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = Result<T, Error>> + Send + 'static,
    U: Fn(&dyn Fn(&mut dyn Slot<T>) -> bool) -> bool + Send + Sync + 'static,
{
    let feed = match slot.get().filter(|f| !f.stopped.load(Ordering::SeqCst)) {
        Some(feed) => feed,
        None => {
            let feed = Feed::new(same);
            slot.set(&feed);
            // Subscribe before the loop starts, so that it does not stop at once.
            let first = feed.tx.subscribe();
            tokio::spawn(run(Arc::clone(&feed), fetch, is_final, unregister));
            return join(feed, first, options);
        }
    };
    let rx = feed.tx.subscribe();
    join(feed, rx, options)
}

fn join<T: Clone + Send + Sync + 'static>(
    feed: Arc<Feed<T>>,
    rx: watch::Receiver<Snapshot<T>>,
    options: WaitOptions,
) -> Listener<T> {
    let id = feed.next_listener.fetch_add(1, Ordering::Relaxed);
    let tighter = {
        let (min, max) = feed.schedule();
        let mut schedules = lock(&feed.schedules);
        schedules.push((id, options));
        !schedules.is_empty() && (options.min_delay < min || options.max_delay < max)
    };
    if tighter {
        feed.wake.notify_one();
    }
    let polls_at_start = rx.borrow().polls;
    Listener {
        feed,
        rx,
        id,
        polls_at_start,
        seen: 0,
    }
}

/// The loop of one feed: poll, publish, wait; until no listener is left or the value is final.
async fn run<T, F, Fut, U>(
    feed: Arc<Feed<T>>,
    mut fetch: F,
    is_final: fn(&T) -> bool,
    unregister: U,
) where
    T: Clone + Send + Sync + 'static,
    F: FnMut() -> Fut + Send,
    Fut: Future<Output = Result<T, Error>> + Send,
    U: Fn(&dyn Fn(&mut dyn Slot<T>) -> bool) -> bool + Send + Sync,
{
    // Stops the feed when no listener is left, under the registry's lock; false when a
    // listener joined meanwhile.
    let stop_if_alone = |feed: &Arc<Feed<T>>| {
        unregister(&|slot: &mut dyn Slot<T>| {
            if feed.tx.receiver_count() > 0 {
                return false;
            }
            feed.stopped.store(true, Ordering::SeqCst);
            slot.clear_if(feed);
            true
        })
    };
    let stop = |feed: &Arc<Feed<T>>| {
        unregister(&|slot: &mut dyn Slot<T>| {
            feed.stopped.store(true, Ordering::SeqCst);
            slot.clear_if(feed);
            true
        })
    };
    let mut base_delay = feed.schedule().0;
    let mut next_poll = Instant::now();
    loop {
        // Wait for the next poll, or for no listener, or for a reason to poll sooner.
        loop {
            tokio::select! {
                () = feed.tx.closed() => {
                    if stop_if_alone(&feed) {
                        return;
                    }
                }
                () = tokio::time::sleep_until(next_poll) => break,
                () = feed.wake.notified() => {
                    let (min, _) = feed.schedule();
                    base_delay = min;
                    next_poll = next_poll.min(Instant::now() + min);
                }
            }
        }
        // One poll, dropped at once if the last listener leaves meanwhile.
        let epoch = feed.epoch.load(Ordering::SeqCst);
        let result = tokio::select! {
            () = feed.tx.closed() => {
                if stop_if_alone(&feed) {
                    return;
                }
                // A listener joined as the last one left: poll again now.
                continue;
            }
            result = fetch() => result,
        };
        let (min_delay, max_delay) = feed.schedule();
        let doubled = (base_delay * 2).clamp(min_delay, max_delay);
        let mut wait_at_least = Duration::ZERO;
        let mut finished = false;
        let same = feed.same;
        feed.tx.send_if_modified(|s| {
            s.polls = s.polls.saturating_add(1);
            match result {
                // A poll sent before an action's answer was published says less than it.
                Ok(_) if epoch < s.epoch => {
                    base_delay = doubled;
                    false
                }
                Ok(value) => {
                    s.last_error = None;
                    finished = is_final(&value);
                    let changed = s.latest.as_ref().is_none_or(|l| !same(l, &value));
                    base_delay = if changed { min_delay } else { doubled };
                    if changed {
                        s.latest = Some(value);
                        s.version += 1;
                    }
                    changed
                }
                // Worth polling through: connection failures, timeouts, 429, 5xx.
                Err(e) if e.is_retryable() => {
                    base_delay = doubled;
                    // The server's Retry-After, up to the client's cap, never shortened.
                    wait_at_least = e
                        .retry_after()
                        .map_or(Duration::ZERO, |d| d.min(crate::retry::MAX_RETRY_AFTER));
                    tracing::debug!(error = %e, polls = s.polls, "polling through a transient error");
                    s.last_error = Some(e);
                    false
                }
                Err(e) => {
                    finished = true;
                    s.fatal = Some(e);
                    true
                }
            }
        });
        if finished {
            stop(&feed);
            return;
        }
        let jittered = base_delay.mul_f64(1.0 - 0.25 * fastrand::f64());
        next_poll = Instant::now() + jittered.max(wait_at_least);
    }
}
