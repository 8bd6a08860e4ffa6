//! Waiting: the API has no push events for verification, so a client polls. This module holds
//! the one polling loop every waiter, change stream and guided flow uses.
//!
//! After the aws-sdk-rust waiters: the first poll is immediate; then the delay starts at
//! [`WaitOptions::min_delay`] and doubles up to [`WaitOptions::max_delay`], each shortened by up
//! to a quarter at random so that many waiters do not poll in step, and it resets to
//! `min_delay` whenever what a user can see changed. Nothing waits past
//! [`WaitOptions::max_wait`]. Transient failures (connection, timeout, 429, 5xx) are polled
//! through; any other error ends the wait. Dropping the future or stream stops polling.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::{Error, Session, Verification, VerificationState};

/// How a waiter polls. The defaults suit a person comparing emoji on two devices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitOptions {
    /// The delay after a poll that saw a change (default 250 ms).
    pub min_delay: Duration,
    /// The longest delay between two polls (default 2 s).
    pub max_delay: Duration,
    /// The longest a wait may take (default 10 minutes, the Matrix verification timeout).
    pub max_wait: Duration,
}

impl Default for WaitOptions {
    fn default() -> Self {
        Self {
            min_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(2),
            max_wait: Duration::from_secs(600),
        }
    }
}

impl WaitOptions {
    /// Sets [`min_delay`](Self::min_delay).
    pub fn min_delay(mut self, delay: Duration) -> Self {
        self.min_delay = delay;
        self
    }

    /// Sets [`max_delay`](Self::max_delay).
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// Sets [`max_wait`](Self::max_wait).
    pub fn max_wait(mut self, wait: Duration) -> Self {
        self.max_wait = wait;
        self
    }
}

/// What a wait waits for: a [`VerificationState`], a set of them (an array, slice or `Vec`),
/// or a closure over the [`Verification`].
///
/// ```
/// # use beeper_verification::{Action, Until, Verification, VerificationState};
/// fn conditions(_: impl Until) {}
/// conditions(VerificationState::Ready);
/// conditions([VerificationState::Ready, VerificationState::SasReady]);
/// conditions(|v: &Verification| v.can(Action::SasConfirm));
/// ```
pub trait Until {
    /// Whether `verification` is what the caller waits for.
    fn is_met(&self, verification: &Verification) -> bool;

    /// What is waited for, for messages.
    fn describe(&self) -> String;
}

impl Until for VerificationState {
    fn is_met(&self, verification: &Verification) -> bool {
        verification.state == *self
    }

    fn describe(&self) -> String {
        format!("state {self}")
    }
}

impl Until for &[VerificationState] {
    fn is_met(&self, verification: &Verification) -> bool {
        self.contains(&verification.state)
    }

    fn describe(&self) -> String {
        let states: Vec<&str> = self.iter().map(VerificationState::as_str).collect();
        format!("state {}", states.join(" or "))
    }
}

impl<const N: usize> Until for [VerificationState; N] {
    fn is_met(&self, verification: &Verification) -> bool {
        (&self[..]).is_met(verification)
    }

    fn describe(&self) -> String {
        (&self[..]).describe()
    }
}

impl Until for Vec<VerificationState> {
    fn is_met(&self, verification: &Verification) -> bool {
        (&self[..]).is_met(verification)
    }

    fn describe(&self) -> String {
        (&self[..]).describe()
    }
}

impl<F: Fn(&Verification) -> bool> Until for F {
    fn is_met(&self, verification: &Verification) -> bool {
        self(verification)
    }

    fn describe(&self) -> String {
        "the caller's condition".to_owned()
    }
}

/// What a poller watches, as [`Error::WaitTimedOut`] carries the last one it saw.
pub(crate) trait Watched: Clone {
    /// The verification and the session this value holds, for the error.
    fn last_seen(&self) -> (Option<Box<Verification>>, Option<Box<Session>>);
}

impl Watched for Verification {
    fn last_seen(&self) -> (Option<Box<Verification>>, Option<Box<Session>>) {
        (Some(Box::new(self.clone())), None)
    }
}

impl Watched for Option<Verification> {
    fn last_seen(&self) -> (Option<Box<Verification>>, Option<Box<Session>>) {
        (self.clone().map(Box::new), None)
    }
}

impl Watched for Session {
    fn last_seen(&self) -> (Option<Box<Verification>>, Option<Box<Session>>) {
        (None, Some(Box::new(self.clone())))
    }
}

/// The polling loop: fetches until the value changes (as `same` sees it), with backoff.
pub(crate) struct Poller<T, F> {
    fetch: F,
    same: fn(&T, &T) -> bool,
    options: WaitOptions,
    started: Instant,
    polls: u32,
    delay: Duration,
    last: Option<T>,
    last_error: Option<Error>,
    expected: String,
}

impl<T: Watched, F, Fut> Poller<T, F>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    /// A poller that compares values with `same`; `expected` says what the caller waits for.
    pub fn new(options: WaitOptions, expected: String, fetch: F, same: fn(&T, &T) -> bool) -> Self {
        Self {
            fetch,
            same,
            options,
            started: Instant::now(),
            polls: 0,
            delay: options.min_delay,
            last: None,
            last_error: None,
            expected,
        }
    }

    /// The first value, then each value that differs from the one before.
    pub async fn next_change(&mut self) -> Result<T, Error> {
        loop {
            if self.polls > 0 {
                let elapsed = self.started.elapsed();
                if elapsed >= self.options.max_wait {
                    return Err(self.timed_out());
                }
                let jittered = self.delay.mul_f64(1.0 - 0.25 * fastrand::f64());
                tokio::time::sleep(jittered.min(self.options.max_wait - elapsed)).await;
            }
            self.polls += 1;
            match (self.fetch)().await {
                Ok(value) => {
                    let changed = self
                        .last
                        .as_ref()
                        .is_none_or(|last| !(self.same)(last, &value));
                    self.last_error = None;
                    if changed {
                        self.delay = self.options.min_delay;
                        self.last = Some(value.clone());
                        return Ok(value);
                    }
                    self.delay = (self.delay * 2)
                        .min(self.options.max_delay)
                        .max(self.options.min_delay);
                }
                // Worth polling through: connection failures, timeouts, 429, 5xx.
                Err(e) if e.is_retryable() => {
                    let backoff = (self.delay * 2)
                        .min(self.options.max_delay)
                        .max(self.options.min_delay);
                    self.delay = e.retry_after().map_or(backoff, |asked| asked.max(backoff));
                    tracing::debug!(error = %e, polls = self.polls, "polling through a transient error");
                    self.last_error = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn timed_out(&mut self) -> Error {
        let (last_verification, last_session) = self
            .last
            .as_ref()
            .map(Watched::last_seen)
            .unwrap_or_default();
        Error::WaitTimedOut {
            expected: self.expected.clone(),
            waited: self.started.elapsed(),
            polls: self.polls,
            last_verification,
            last_session,
            last_error: self.last_error.take().map(Box::new),
        }
    }
}

/// A duration as a person reads it: `250 ms`, `3.0 s`, `2 min 5 s`.
pub(crate) fn human_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1_000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        let secs = d.as_secs();
        match secs % 60 {
            0 => format!("{} min", secs / 60),
            s => format!("{} min {s} s", secs / 60),
        }
    }
}

/// Polls `fetch` until `until` holds. A terminal state `until` does not accept ends the wait at
/// once with [`Error::VerificationEnded`].
pub(crate) async fn verification_until<F, Fut>(
    options: WaitOptions,
    until: impl Until,
    fetch: F,
    mut report: impl FnMut(&Verification),
) -> Result<Verification, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Verification, Error>>,
{
    let expected = until.describe();
    let mut poller = Poller::new(
        options,
        expected.clone(),
        fetch,
        crate::model::same_to_a_person,
    );
    loop {
        let verification = poller.next_change().await?;
        report(&verification);
        if until.is_met(&verification) {
            return Ok(verification);
        }
        if verification.is_terminal() {
            return Err(Error::VerificationEnded {
                verification: Box::new(verification),
                expected,
            });
        }
    }
}

/// A stream of each change the poller sees, ending after a value for which `is_last` holds, or
/// after an error.
pub(crate) fn until_end<T, F, Fut>(
    poller: Poller<T, F>,
    is_last: fn(&T) -> bool,
) -> impl futures_util::Stream<Item = Result<T, Error>>
where
    T: Watched,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    futures_util::stream::unfold(Some(poller), move |poller| async move {
        let mut poller = poller?;
        match poller.next_change().await {
            Ok(value) => {
                let next = (!is_last(&value)).then_some(poller);
                Some((Ok(value), next))
            }
            Err(e) => Some((Err(e), None)),
        }
    })
}
