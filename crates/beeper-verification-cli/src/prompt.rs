//! Asking the person at the terminal: yes/no questions, lines of text, the recovery key and
//! the emailed sign-in code.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use beeper_verification::{RecoveryKey, SignInCode};
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
            let typed = hidden(KEY_PROMPT, "recovery key").await?;
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

/// What the prompt for the emailed sign-in code says.
const CODE_PROMPT: &str = "Code from the email: ";
/// The same at a terminal, where what is typed is not shown.
const CODE_PROMPT_HIDDEN: &str = "Code from the email (it is not shown as you type): ";

/// Said when an answer to the code's prompt was empty: it is asked again, and no try is used.
const NO_CODE_TYPED: &str = "No code was entered (an empty answer uses none of the tries): enter the code from the email.\n";

/// Reads the sign-in code: at a terminal, from a prompt that does not echo what is typed;
/// otherwise from the next line of standard input, which is not shown either (the question is
/// followed by `(read from standard input)`). The code is never printed. An empty answer is
/// said and asked again without using one of the server's tries, [`ASKS`] times in a row at
/// most; then, or at the end of input, it is a usage error. Ctrl-C is the caller's to catch.
pub(crate) async fn sign_in_code(on_stderr: bool) -> Result<SignInCode, Failure> {
    for asked in 0..ASKS {
        if asked > 0 {
            say(NO_CODE_TYPED, on_stderr);
        }
        let code = if std::io::stdin().is_terminal() {
            let typed = hidden(CODE_PROMPT_HIDDEN, "sign-in code").await?;
            SignInCode::new(typed.expose_secret())
        } else {
            say(CODE_PROMPT, on_stderr);
            let Some(line) = read_line().await else {
                say("\n", on_stderr);
                return Err(Failure::Usage(
                    "no sign-in code was entered (the input ended)".to_owned(),
                ));
            };
            say("(read from standard input)\n", on_stderr);
            // Moved into the code, which zeroes it when dropped.
            SignInCode::new(line)
        };
        if !code.is_empty() {
            return Ok(code);
        }
    }
    Err(Failure::Usage(format!(
        "no sign-in code was entered ({ASKS} empty answers in a row)"
    )))
}

/// Asks `question` and reads one line, an answer that is no secret (an email address, a
/// username, a choice), without the whitespace around it; `None` at the end of input. Read
/// from a pipe, the answer is shown after the question, as [`ask`] does.
pub(crate) async fn line(question: &str, on_stderr: bool) -> Option<String> {
    ask(question, on_stderr)
        .await
        .map(|line| line.trim().to_owned())
}

/// Asks on the terminal and reads a line without echo. The prompt and the reading both use the
/// terminal itself, not standard output or input, so `--json` output stays clean. `what` names
/// the secret in the error when the input ends.
async fn hidden(prompt: &'static str, what: &'static str) -> Result<SecretString, Failure> {
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
            Err(Failure::Usage(format!("no {what} was entered")))
        }
        Ok(Err(e)) => Err(Failure::Local(format!(
            "cannot read the {what} from the terminal: {e}"
        ))),
        Err(e) => Err(Failure::Local(format!(
            "cannot read the {what} from the terminal: {e}"
        ))),
    }
}

/// What the person answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Answer {
    Yes,
    /// No: for [`confirm`], anything but yes; for [`yes_or_no`], an explicit no.
    No,
    /// The input ended (or could not be read) before an answer: nobody said no.
    None,
    /// [`yes_or_no`] only: every answer, as often as it asked, was neither yes nor no.
    Unclear,
}

/// How often [`yes_or_no`] asks before it gives up on an answer that is neither yes nor no.
pub(crate) const ASKS: usize = 3;

/// What [`yes_or_no`] says when an answer was neither yes nor no.
const ASK_AGAIN: &str = "Please answer y if they match, or n if they differ: ";

/// Where a question goes: stdout, or stderr when stdout carries JSON.
pub(crate) fn say(text: &str, on_stderr: bool) {
    if on_stderr {
        terminal::err(text);
    } else if terminal::out(text).is_err() {
        // Standard output is gone; stderr still reaches the person.
        terminal::err(text);
    }
}

/// One line of standard input; `None` at its end or when it cannot be read.
async fn read_line() -> Option<String> {
    let answer = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map(|read| (read, line))
    })
    .await;
    match answer {
        Ok(Ok((read, line))) if read > 0 => Some(line),
        _ => None,
    }
}

/// Asks `question` and reads a line. A terminal echoes what was typed; otherwise the answer
/// read is shown after the question (cut, and made safe), so that what follows starts on a
/// line of its own. `None` when the input ended, after ending the question's line.
async fn ask(question: &str, on_stderr: bool) -> Option<String> {
    use std::io::IsTerminal;
    say(question, on_stderr);
    let Some(line) = read_line().await else {
        // The cursor is still after the question: end its line first.
        say("\n", on_stderr);
        return None;
    };
    if !std::io::stdin().is_terminal() {
        let shown = crate::render::fit(line.trim(), 40);
        let echo = format!("{}\n", terminal::clean(&shown));
        // After the question, where it went; not moved to stderr when stdout is gone, where
        // it would stand alone.
        if on_stderr {
            terminal::err(&echo);
        } else {
            let _ = terminal::out(&echo);
        }
    }
    Some(line)
}

/// Asks a yes/no question where no means "stop" and reads the answer from stdin: `y` or `yes`
/// is yes, any other line is no, and the end of input is no answer at all. With `auto_yes` (the
/// demo's and reset's `--yes`) it answers yes itself and says so. The question goes to stdout,
/// or to stderr when stdout carries JSON.
pub(crate) async fn confirm(question: &str, auto_yes: bool, on_stderr: bool) -> Answer {
    if auto_yes {
        say(&format!("{question}y (answered by --yes)\n"), on_stderr);
        return Answer::Yes;
    }
    match ask(question, on_stderr).await {
        Some(line) if is_yes(&line) => Answer::Yes,
        Some(_) => Answer::No,
        None => Answer::None,
    }
}

/// Asks a question whose no says something (the emoji differ), so that only an explicit `n`
/// or `no` is no: `y` or `yes` is yes; any other answer is asked again, [`ASKS`] times in all,
/// then [`Answer::Unclear`]; the end of input is no answer. With `auto_yes` it answers yes
/// itself and says so. The question goes to stdout, or to stderr when stdout carries JSON.
pub(crate) async fn yes_or_no(question: &str, auto_yes: bool, on_stderr: bool) -> Answer {
    if auto_yes {
        say(&format!("{question}y (answered by --yes)\n"), on_stderr);
        return Answer::Yes;
    }
    explicit_yes_or_no(question, ASK_AGAIN, on_stderr).await
}

/// [`yes_or_no`] without an automatic yes, asking `again` after an answer that is neither yes
/// nor no.
pub(crate) async fn explicit_yes_or_no(question: &str, again: &str, on_stderr: bool) -> Answer {
    let mut asking = question;
    for _ in 0..ASKS {
        let Some(line) = ask(asking, on_stderr).await else {
            return Answer::None;
        };
        if is_yes(&line) {
            return Answer::Yes;
        }
        if is_no(&line) {
            return Answer::No;
        }
        asking = again;
    }
    Answer::Unclear
}

fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

fn is_no(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "n" | "no")
}

#[cfg(test)]
mod tests {
    use super::{is_no, is_yes};

    #[test]
    fn only_yes_is_yes_and_only_no_is_no() {
        for yes in ["y", "Y", "yes", " YES\n"] {
            assert!(is_yes(yes) && !is_no(yes), "{yes:?}");
        }
        for no in ["n", "N", "no", " NO\n"] {
            assert!(is_no(no) && !is_yes(no), "{no:?}");
        }
        for neither in ["", "\n", "yep", "maybe", "ja", "nein", "y n"] {
            assert!(!is_yes(neither) && !is_no(neither), "{neither:?}");
        }
    }
}
