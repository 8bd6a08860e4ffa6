//! Waiting: the API has no push events for verification, so a client polls. Every waiter,
//! change stream and guided flow listens to one shared polling loop per thing watched
//! ([`crate::feed`]); this module holds what they wait for and how long.
//!
//! After the aws-sdk-rust waiters: the first poll is immediate; then the delay starts at
//! [`WaitOptions::min_delay`] and doubles up to [`WaitOptions::max_delay`], each shortened by up
//! to a quarter at random so that many waiters do not poll in step, and it resets to
//! `min_delay` whenever what a person can see changed. Nothing waits past
//! [`WaitOptions::max_wait`]: a wait ends then, whatever a poll in flight is doing. Transient
//! failures (connection, timeout, 429, 5xx) are polled through, honouring the server's
//! `Retry-After` (up to 60 s); any other error ends the wait. Dropping the future or stream
//! stops polling, once no one else listens.

use std::time::Duration;

use futures_util::Stream;
use tokio::time::Instant;

use crate::feed::{Listener, Stop, Watched};
use crate::{Error, Session, Verification, VerificationState};

/// How a waiter polls. The defaults suit a person comparing emoji on two devices.
///
/// Waiters on the same verification (or on the session) in one client share one polling loop,
/// which polls at the tightest schedule any of them asked for; `max_wait` is each waiter's own.
/// Build it from [`WaitOptions::default()`] with the setters, which keep every value in range:
/// a delay is at least [`MIN_DELAY`](Self::MIN_DELAY) and at most
/// [`MAX_DELAY`](Self::MAX_DELAY); a `max_wait` past what the clock can hold waits a century.
///
/// ```
/// use std::time::Duration;
/// use beeper_verification::WaitOptions;
///
/// let options = WaitOptions::default()
///     .max_delay(Duration::from_secs(1))
///     .max_wait(Duration::from_secs(120));
/// assert_eq!(options.max_delay, Duration::from_secs(1));
/// assert_eq!(WaitOptions::default().min_delay(Duration::MAX).min_delay, WaitOptions::MAX_DELAY);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
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
            min_delay: Self::DEFAULT_MIN_DELAY,
            max_delay: Self::DEFAULT_MAX_DELAY,
            max_wait: Self::DEFAULT_MAX_WAIT,
        }
    }
}

impl WaitOptions {
    /// The default [`min_delay`](Self::min_delay): 250 ms.
    pub const DEFAULT_MIN_DELAY: Duration = Duration::from_millis(250);
    /// The default [`max_delay`](Self::max_delay): 2 s.
    pub const DEFAULT_MAX_DELAY: Duration = Duration::from_secs(2);
    /// The default [`max_wait`](Self::max_wait): 10 minutes, the Matrix verification timeout.
    pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(600);
    /// The shortest delay between two polls: a shorter one is raised to it (zero would spin).
    pub const MIN_DELAY: Duration = Duration::from_millis(1);
    /// The longest delay between two polls: a longer one is lowered to it.
    pub const MAX_DELAY: Duration = Duration::from_secs(3600);

    /// Sets [`min_delay`](Self::min_delay), kept between [`MIN_DELAY`](Self::MIN_DELAY) and
    /// [`MAX_DELAY`](Self::MAX_DELAY).
    pub fn min_delay(mut self, delay: Duration) -> Self {
        self.min_delay = delay.clamp(Self::MIN_DELAY, Self::MAX_DELAY);
        self
    }

    /// Sets [`max_delay`](Self::max_delay), kept between [`MIN_DELAY`](Self::MIN_DELAY) and
    /// [`MAX_DELAY`](Self::MAX_DELAY).
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay.clamp(Self::MIN_DELAY, Self::MAX_DELAY);
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
    fn describe(&self) -> String {
        "the caller's condition".to_owned()
    }
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
}

/// The last value a wait saw before it ran out of time, as [`Error::WaitTimedOut`] carries
/// it: what was watched decides which.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum LastSeen {
    /// A wait on one verification (`wait_until`, `changes()`, a guided flow's step).
    Verification(Box<Verification>),
    /// A wait on the session (`wait_for_session`, `session_changes()`).
    Session(Box<Session>),
    /// A wait on the list of verifications (`wait_for_incoming`).
    Verifications(Vec<Verification>),
}

/// One wait: a listener, a deadline, and what the wait is for.
pub(crate) struct Wait<T: Watched> {
    listener: Listener<T>,
    started: Instant,
    deadline: Instant,
    expected: String,
}

impl<T: Watched> Wait<T> {
    /// A wait on `listener` that ends after `max_wait`.
    pub fn new(listener: Listener<T>, max_wait: Duration, expected: String) -> Self {
        let started = Instant::now();
        Self {
            listener,
            started,
            deadline: instant_after(started, max_wait),
            expected,
        }
    }

    /// The first value, then each value in which something a person can see changed; or the
    /// error that stopped polling, or [`Error::WaitTimedOut`] at the deadline.
    pub async fn next_change(&mut self) -> Result<T, Error> {
        match self.listener.next(self.deadline).await {
            Ok(value) => Ok(value),
            Err(Stop::Failed(error)) => Err(error),
            Err(Stop::Deadline) => Err(self.timed_out()),
        }
    }

    fn timed_out(&self) -> Error {
        let (latest, last_error, polls) = self.listener.last();
        Error::WaitTimedOut {
            expected: self.expected.clone(),
            waited: self.started.elapsed(),
            polls,
            last_seen: latest.map(Watched::last_seen),
            last_error: last_error.map(Box::new),
        }
    }
}

/// The changes of what `start` listens to, as a stream that ends after a value for which
/// `is_last` holds, or after an error. Nothing is sent, and no deadline runs, until the stream
/// is first polled: a stream that is created and dropped, or never polled, costs nothing.
pub(crate) fn changes<T, S>(
    start: S,
    is_last: fn(&T) -> bool,
) -> impl Stream<Item = Result<T, Error>> + Send + 'static
where
    T: Watched,
    S: FnOnce() -> Wait<T> + Send + 'static,
{
    enum State<S, T: Watched> {
        NotStarted(S),
        Waiting(Wait<T>),
    }
    futures_util::stream::unfold(Some(State::NotStarted(start)), move |state| async move {
        let mut wait = match state? {
            State::NotStarted(start) => start(),
            State::Waiting(wait) => wait,
        };
        match wait.next_change().await {
            Ok(value) => {
                let next = (!is_last(&value)).then_some(State::Waiting(wait));
                Some((Ok(value), next))
            }
            Err(e) => Some((Err(e), None)),
        }
    })
}

/// `start + duration`, or a century from `start` when that is past what the clock can hold.
pub(crate) fn instant_after(start: Instant, duration: Duration) -> Instant {
    const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
    start
        .checked_add(duration)
        .or_else(|| start.checked_add(CENTURY))
        .unwrap_or(start)
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

/// Waits until `until` holds for the verification `wait` listens to. A terminal state `until`
/// does not accept ends the wait at once with [`Error::VerificationEnded`].
pub(crate) async fn verification_until(
    mut wait: Wait<Verification>,
    until: impl Until,
    mut report: impl FnMut(&Verification),
) -> Result<Verification, Error> {
    loop {
        let verification = wait.next_change().await?;
        report(&verification);
        if until.is_met(&verification) {
            return Ok(verification);
        }
        if verification.is_terminal() {
            return Err(Error::VerificationEnded {
                verification: Box::new(verification),
                expected: wait.expected.clone(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_a_person_reads_them() {
        assert_eq!(human_duration(Duration::from_millis(250)), "250 ms");
        assert_eq!(human_duration(Duration::from_millis(3_005)), "3.0 s");
        assert_eq!(human_duration(Duration::from_secs(600)), "10 min");
        assert_eq!(human_duration(Duration::from_secs(125)), "2 min 5 s");
    }

    #[test]
    fn a_deadline_past_the_clock_is_far_away_instead_of_a_panic() {
        let now = Instant::now();
        assert!(instant_after(now, Duration::MAX) > now + Duration::from_secs(3600));
        assert_eq!(
            instant_after(now, Duration::from_secs(1)),
            now + Duration::from_secs(1)
        );
    }
}
