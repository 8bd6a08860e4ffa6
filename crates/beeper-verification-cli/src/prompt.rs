//! Asking the person at the terminal: yes/no questions, and the recovery key.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use beeper_verification::RecoveryKey;
use secrecy::{ExposeSecret, SecretString};

use crate::args::{Secret, read_secret};
use crate::interrupt::Interrupt;
use crate::{Failure, terminal};

/// What the hidden prompt for the recovery key says.
const KEY_PROMPT: &str = "Recovery key (it is not shown as you type): ";

/// Reads the recovery key: from the file `key_file` (`-`: the first line of standard input);
/// else, at a terminal, from a prompt that does not echo what is typed; else from the first
/// line of standard input. The key is never printed, nor put in a message. A key that cannot
/// be read, or nothing but whitespace, is a usage error.
///
/// `interrupt` must be caught already: the prompt reads the terminal raw and raises Ctrl-C
/// itself, which must not end the process before the terminal is restored. Ctrl-C while
/// waiting for standard input or at the prompt is [`Failure::Interrupted`].
pub(crate) async fn recovery_key(
    key_file: Option<&Path>,
    interrupt: &mut Interrupt,
) -> Result<RecoveryKey, Failure> {
    let (path, name) = match key_file {
        Some(path) if path.as_os_str() == "-" => (
            PathBuf::from("-"),
            "standard input (--key-file -)".to_owned(),
        ),
        Some(path) => (
            path.to_owned(),
            format!("the key file {} (--key-file)", path.display()),
        ),
        None if std::io::stdin().is_terminal() => {
            let typed = hidden(KEY_PROMPT).await?;
            return checked(&typed);
        }
        None => (PathBuf::from("-"), "standard input".to_owned()),
    };
    let read = tokio::task::spawn_blocking(move || read_secret(&path, &name, Secret::RecoveryKey));
    let text = tokio::select! {
        read = read => read
            .map_err(|e| Failure::Local(format!("cannot read the recovery key: {e}")))?
            .map_err(Failure::Usage)?,
        () = interrupt.pressed() => {
            terminal::err("\n");
            return Err(Failure::Interrupted);
        }
    };
    checked(&text)
}

/// The key in the file `path` of `--existing-key-file` (`-`: the first line of standard
/// input).
pub(crate) fn existing_key(path: &Path) -> Result<RecoveryKey, Failure> {
    let name = if path.as_os_str() == "-" {
        "standard input (--existing-key-file -)".to_owned()
    } else {
        format!("the key file {} (--existing-key-file)", path.display())
    };
    let text = read_secret(path, &name, Secret::RecoveryKey).map_err(Failure::Usage)?;
    checked(&text)
}

fn checked(text: &SecretString) -> Result<RecoveryKey, Failure> {
    let key = RecoveryKey::from(text.expose_secret());
    if key.is_empty() {
        return Err(Failure::Usage("no recovery key was entered".to_owned()));
    }
    Ok(key)
}

/// Asks on the terminal and reads a line without echo. The prompt and the reading both use the
/// terminal itself, not standard output or input, so `--json` output stays clean.
async fn hidden(prompt: &'static str) -> Result<SecretString, Failure> {
    // rpassword puts the terminal back as it was before it returns, Ctrl-C included (it reads
    // that key itself, then raises SIGINT, which an [`Interrupt`] of the caller has caught).
    let typed = tokio::task::spawn_blocking(move || rpassword::prompt_password(prompt)).await;
    match typed {
        Ok(Ok(text)) => Ok(SecretString::from(text)),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::Interrupted => {
            terminal::err("\n");
            Err(Failure::Interrupted)
        }
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            terminal::err("\n");
            Err(Failure::Usage("no recovery key was entered".to_owned()))
        }
        Ok(Err(e)) => Err(Failure::Local(format!(
            "cannot read the recovery key from the terminal: {e}"
        ))),
        Err(e) => Err(Failure::Local(format!(
            "cannot read the recovery key from the terminal: {e}"
        ))),
    }
}

/// What the person answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Answer {
    Yes,
    /// Anything but yes.
    No,
    /// The input ended (or could not be read) before an answer: nobody said no.
    None,
}

/// Asks a yes/no question and reads the answer from stdin: `y` or `yes` is yes, any other line
/// is no, and the end of input is no answer at all. With `auto_yes` (the demo's `--yes`) it
/// answers yes itself and says so. The question goes to stdout, or to stderr when stdout
/// carries JSON.
pub(crate) async fn confirm(question: &str, auto_yes: bool, on_stderr: bool) -> Answer {
    let say = |text: &str| {
        if on_stderr {
            terminal::err(text);
        } else if terminal::out(text).is_err() {
            // Standard output is gone; stderr still reaches the person.
            terminal::err(text);
        }
    };
    say(question);
    if auto_yes {
        say("y (answered by --yes)\n");
        return Answer::Yes;
    }
    let answer = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map(|read| (read, line))
    })
    .await;
    match answer {
        Ok(Ok((read, line))) if read > 0 => {
            if is_yes(&line) {
                Answer::Yes
            } else {
                Answer::No
            }
        }
        _ => {
            // The cursor is still after the question: end its line first.
            say("\n");
            Answer::None
        }
    }
}

fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

#[cfg(test)]
mod tests {
    use super::is_yes;

    #[test]
    fn only_yes_is_yes() {
        for yes in ["y", "Y", "yes", " YES\n"] {
            assert!(is_yes(yes), "{yes:?}");
        }
        for no in ["", "\n", "n", "no", "yep", "maybe"] {
            assert!(!is_yes(no), "{no:?}");
        }
    }
}
