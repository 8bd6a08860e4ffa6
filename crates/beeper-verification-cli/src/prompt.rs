//! Asking the person at the terminal.

use std::io::Write;

/// Asks a yes/no question and reads the answer from stdin; anything but `y` or `yes`
/// (including the end of input) is no. With `auto_yes` (the demo's `--yes`) it answers yes
/// itself and says so. The question goes to stdout, or to stderr when stdout carries JSON.
pub(crate) async fn confirm(question: &str, auto_yes: bool, on_stderr: bool) -> bool {
    let answer_line = "y (answered by --yes)";
    if on_stderr {
        eprint!("{question}");
        if auto_yes {
            eprintln!("{answer_line}");
            return true;
        }
    } else {
        print!("{question}");
        if auto_yes {
            println!("{answer_line}");
            return true;
        }
        let _ = std::io::stdout().flush();
    }
    let answer = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map(|_| line)
    })
    .await;
    match answer {
        Ok(Ok(line)) => is_yes(&line),
        _ => false,
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
