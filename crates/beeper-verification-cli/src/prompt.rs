//! Asking the person at the terminal.

use crate::terminal;

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
