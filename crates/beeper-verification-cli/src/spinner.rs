//! The spinner on standard error while a command waits: what it waits for, and for how long.
//! Drawn only at a terminal, and never with `--quiet` or `--json` (the caller decides); a
//! disabled spinner does nothing. Its line is cleared when it ends, however the wait ended
//! (dropping it clears it too, as Ctrl-C drops the wait).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// A spinner that can step aside for a question and come back, its clock still running.
#[derive(Debug)]
pub(crate) struct Spinner {
    state: Option<Mutex<State>>,
}

#[derive(Debug)]
struct State {
    /// The bar drawn now; `None` while paused or finished.
    bar: Option<ProgressBar>,
    message: String,
    started: Instant,
    finished: bool,
}

/// A bar that spins by itself, showing `message` and the time since `started`.
fn bar(message: &str, started: Instant) -> ProgressBar {
    let bar = ProgressBar::new_spinner().with_elapsed(started.elapsed());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{elapsed}]") {
        bar.set_style(style);
    }
    bar.set_message(message.to_owned());
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}

impl Spinner {
    /// A spinner showing `message`, drawn when `enabled`.
    pub fn start(enabled: bool, message: &str) -> Self {
        let state = enabled.then(|| {
            let started = Instant::now();
            Mutex::new(State {
                bar: Some(bar(message, started)),
                message: message.to_owned(),
                started,
                finished: false,
            })
        });
        Self { state }
    }

    /// Whether it is drawn at all.
    pub fn is_enabled(&self) -> bool {
        self.state.is_some()
    }

    fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> Option<R> {
        let state = self.state.as_ref()?;
        let mut state = match state.lock() {
            Ok(state) => state,
            Err(poisoned) => poisoned.into_inner(),
        };
        Some(f(&mut state))
    }

    /// Shows `message` from now on (one line: the caller keeps it short).
    pub fn set_message(&self, message: &str) {
        self.with(|state| {
            if state.message != message {
                state.message = message.to_owned();
                if let Some(bar) = &state.bar {
                    bar.set_message(message.to_owned());
                }
            }
        });
    }

    /// Runs `f` (which prints) with the spinner's line cleared, then draws it again.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        let bar = self.with(|state| state.bar.clone()).flatten();
        match bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    /// Clears the line and stops drawing, for a question: until [`resume`](Self::resume).
    pub fn pause(&self) {
        self.with(|state| {
            if let Some(bar) = state.bar.take() {
                bar.finish_and_clear();
            }
        });
    }

    /// Draws it again after [`pause`](Self::pause), with the time since it started.
    pub fn resume(&self) {
        self.with(|state| {
            if state.bar.is_none() && !state.finished {
                state.bar = Some(bar(&state.message, state.started));
            }
        });
    }

    /// Clears the line for good.
    pub fn finish(&self) {
        self.with(|state| {
            state.finished = true;
            if let Some(bar) = state.bar.take() {
                bar.finish_and_clear();
            }
        });
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.finish();
    }
}
