//! What a person sees in a real terminal: `beeper-verify` run in a tmux pane, and the pane read
//! back. tmux 3.3a draws an emoji with a variation selector (✂️ ☎️ ❤️) one cell wide where most
//! terminals draw two, which is what moved the emoji table before. Each test skips, saying
//! so, where tmux is missing (CI machines have only the Rust toolchain). Each runs its own
//! tmux server (`-L`), and ends it.

mod common;

use std::process::Command;
use std::time::Duration;

use beeper_verification_fake::{FakeServer, PeerMethod};

/// A tmux server of this test's own, ended when dropped.
struct Tmux {
    socket: String,
}

impl Tmux {
    /// A server running `shell_command` in a pane `width` columns wide; `None` without tmux.
    fn start(name: &str, width: u16, shell_command: &str) -> Option<Self> {
        let available = Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|out| out.status.success());
        if !available {
            eprintln!("skipped: tmux is not installed");
            return None;
        }
        let tmux = Self {
            socket: format!("beeper-verify-{name}-{}", std::process::id()),
        };
        let started = tmux
            .command()
            .args(["new-session", "-d", "-s", "t", "-x"])
            .arg(width.to_string())
            .args(["-y", "50", shell_command])
            .status()
            .expect("tmux runs");
        assert!(started.success(), "tmux new-session failed");
        Some(tmux)
    }

    fn command(&self) -> Command {
        let mut command = Command::new("tmux");
        command.args(["-L", &self.socket]).env_remove("TMUX");
        command
    }

    /// The pane's text, one string per row.
    fn screen(&self) -> String {
        let out = self
            .command()
            .args(["capture-pane", "-p", "-t", "t"])
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The screen once it shows `text`; panics after 30 seconds.
    fn wait_for(&self, text: &str) -> String {
        for _ in 0..120 {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        panic!("the pane never showed {text:?}:\n{}", self.screen());
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.command().arg("kill-server").status();
    }
}

/// `beeper-verify ARGS` against `server`, as a shell command line, its input `input`.
fn shell_command(server: &FakeServer, args: &str, input: &str) -> String {
    format!(
        "printf '{input}' | env -u CARGO -u CARGO_PKG_NAME BEEPER_BASE_URL={} \
         BEEPER_ACCESS_TOKEN={} XDG_CONFIG_HOME={} {} {args}; sleep 60",
        server.base_url(),
        server.token(),
        common::no_config_home().display(),
        env!("CARGO_BIN_EXE_beeper-verify"),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn the_emoji_and_their_names_stand_in_fixed_columns_in_tmux() {
    // Seed 7 shows ✂️ (a variation selector) among the emoji.
    let server = common::auto_fake(PeerMethod::Sas).await;
    let Some(tmux) = Tmux::start("emoji", 100, &shell_command(&server, "verify", "y\\n")) else {
        return;
    };
    let screen = tmux.wait_for("Verified.");
    // The seven rows: a number, a name, an emoji.
    let rows: Vec<&str> = screen
        .lines()
        .filter(|line| {
            let mut words = line.split_whitespace();
            words
                .next()
                .is_some_and(|n| n.len() == 1 && n != "0" && n.parse::<u8>().is_ok_and(|n| n <= 7))
                && words.count() >= 2
        })
        .collect();
    assert_eq!(rows.len(), 7, "{screen}");
    assert!(
        rows.iter().any(|row| row.contains('\u{fe0f}')),
        "an emoji with a variation selector: {screen}"
    );
    // What comes before an emoji is plain text, so a column is a character count; tmux's
    // width for the emoji cannot move anything, as nothing follows it.
    let column_of_name = |row: &str| row.find(|c: char| c.is_ascii_alphabetic() || c == '?');
    let column_of_emoji = |row: &str| {
        let end = row.trim_end().len();
        row[..end]
            .rfind(' ')
            .map(|space| row[..=space].chars().count())
    };
    let names: Vec<_> = rows.iter().map(|r| column_of_name(r)).collect();
    let emoji: Vec<_> = rows.iter().map(|r| column_of_emoji(r)).collect();
    assert!(
        names.iter().all(|c| c.is_some() && *c == names[0]),
        "{screen}"
    );
    assert!(
        emoji.iter().all(|c| c.is_some() && *c == emoji[0]),
        "{screen}"
    );
    for row in &rows {
        let last = row.trim_end().split(' ').next_back().unwrap_or_default();
        assert!(
            !last.chars().any(|c| c.is_ascii_alphanumeric()),
            "an emoji ends the row: {row:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_shows_what_it_waits_for_at_a_terminal_and_clears_it() {
    // A slow other device: each of its moves takes two seconds.
    let server = FakeServer::builder()
        .seed(7)
        .auto_peer(PeerMethod::Sas, Duration::from_secs(2))
        .start()
        .await
        .expect("the fake starts");
    let Some(tmux) = Tmux::start("waiting", 120, &shell_command(&server, "verify", "y\\n")) else {
        return;
    };
    let waiting = tmux.wait_for("Waiting for your other device to accept the request");
    assert!(waiting.contains("(verification fv"), "{waiting}");
    let done = tmux.wait_for("Verified.");
    assert!(
        !done.contains("Waiting for"),
        "the spinner's line is cleared:\n{done}"
    );
    assert!(!done.contains("⠁") && !done.contains("⠋"), "{done}");
}

/// Not at a terminal (standard error piped), nothing spins.
#[tokio::test(flavor = "multi_thread")]
async fn verify_draws_no_spinner_when_piped() {
    let server = common::auto_fake(PeerMethod::Sas).await;
    let verified = common::run_with_input(Some(&server), &["verify"], "y\n").await;
    assert_eq!(verified.code, 0, "{verified:?}");
    assert!(!verified.stderr.contains("Waiting for"), "{verified:?}");
}

impl Tmux {
    /// Types `text` and Enter in the pane.
    fn type_line(&self, text: &str) {
        let typed = self
            .command()
            .args(["send-keys", "-t", "t", "-l", text])
            .status()
            .expect("tmux runs");
        assert!(typed.success());
        let entered = self
            .command()
            .args(["send-keys", "-t", "t", "Enter"])
            .status()
            .expect("tmux runs");
        assert!(entered.success());
    }
}

/// `setup` at a real terminal: the code is typed without echo, the rest as a person types it.
#[tokio::test(flavor = "multi_thread")]
async fn setup_at_a_terminal_reads_the_code_without_showing_it() {
    use beeper_verification_fake::FakeSessionState;
    const CODE: &str = "731904";
    let server = FakeServer::builder()
        .seed(7)
        .session_state(FakeSessionState::NeedsLogin)
        .account("you@example.com")
        .sign_in_code(CODE)
        .auto_peer(PeerMethod::Sas, Duration::from_millis(50))
        .start()
        .await
        .expect("the fake starts");
    let config = common::TempDir::new("tmux-setup");
    let shell = format!(
        "env -u CARGO -u CARGO_PKG_NAME -u BEEPER_ACCESS_TOKEN BEEPER_BASE_URL={} \
         XDG_CONFIG_HOME='{}' {} setup; sleep 60",
        server.base_url(),
        config.path().display(),
        env!("CARGO_BIN_EXE_beeper-verify"),
    );
    let Some(tmux) = Tmux::start("setup", 140, &shell) else {
        return;
    };
    tmux.wait_for("Email address:");
    // A mistyped address is said, and asked again in the same sign-in.
    tmux.type_line("you at example.com");
    tmux.wait_for("That address was not accepted (");
    tmux.type_line("you@example.com");
    tmux.wait_for("it is not shown as you type");
    tmux.type_line(CODE);
    tmux.wait_for("Choose 1, 2 or 3 [1]:");
    tmux.type_line("1");
    tmux.wait_for("Do they match? [y/n]");
    tmux.type_line("y");
    let screen = tmux.wait_for("Verified. Setup is complete");
    assert!(!screen.contains(CODE), "the code was shown:\n{screen}");
    assert!(!screen.contains(server.token()), "{screen}");
    assert!(screen.contains("Signed in as @you:beeper.com;"), "{screen}");
    assert!(
        screen.contains("That address was not accepted ("),
        "{screen}"
    );
    assert_eq!(
        server
            .requests_for(beeper_verification_fake::Operation::StartSetup)
            .len(),
        1,
        "one sign-in"
    );
    assert!(
        config.path().join("beeper-verify").join("token").exists(),
        "the token was saved"
    );
}
