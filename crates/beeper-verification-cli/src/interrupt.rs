//! Ctrl-C, for the commands that wait (`wait`, `verify`, `demo`): they end the terminal's line,
//! cancel what they started (briefly; a second Ctrl-C stops that at once), and exit 130. The handler is installed when an [`Interrupt`] is
//! made, before the command says or sends anything, so that a Ctrl-C right after the first line
//! is not lost; other commands keep the default (the process ends at once).

/// A Ctrl-C to wait for.
pub(crate) struct Interrupt {
    #[cfg(unix)]
    signal: Option<tokio::signal::unix::Signal>,
}

impl Interrupt {
    /// Catches Ctrl-C from now on.
    pub fn catch() -> Self {
        Self {
            #[cfg(unix)]
            signal: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok(),
        }
    }

    /// Resolves when Ctrl-C is pressed.
    pub async fn pressed(&mut self) {
        #[cfg(unix)]
        if let Some(signal) = &mut self.signal {
            signal.recv().await;
            return;
        }
        if tokio::signal::ctrl_c().await.is_err() {
            // No way to hear Ctrl-C: never resolve, and let the default handling apply.
            std::future::pending::<()>().await;
        }
    }
}
