//! Every README of the workspace renders as written: each code fence that opens also closes,
//! and nothing follows a closing fence on its line (which would swallow the rest of the page
//! into a code block). Their Rust examples are compiled as doc tests (`tests/src/lib.rs`, and
//! each crate's `lib.rs` for its own README).

use std::path::{Path, PathBuf};

fn readmes() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut found = vec![
        root.join("README.md"),
        root.join("MAINTAINING.md"),
        root.join("CHANGELOG.md"),
        root.join("crates/beeper-verification/tests/fixtures/README.md"),
    ];
    if let Ok(crates) = std::fs::read_dir(root.join("crates")) {
        for entry in crates.flatten() {
            let readme = entry.path().join("README.md");
            if readme.exists() {
                found.push(readme);
            }
        }
    }
    found
}

/// The problems of one Markdown text's fences, with line numbers.
fn fence_problems(text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut open: Option<(usize, String)> = None;
    for (number, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l)) {
        let trimmed = line.trim_start();
        if line.len() - trimmed.len() > 3 {
            continue; // an indented code block, not a fence
        }
        let marker: String = trimmed
            .chars()
            .take_while(|c| *c == '`' || *c == '~')
            .collect();
        if marker.len() < 3
            || marker
                .chars()
                .any(|c| c != marker.chars().next().unwrap_or('`'))
        {
            continue;
        }
        let rest = trimmed[marker.len()..].trim();
        match &open {
            None => open = Some((number, marker)),
            Some((_, opened))
                if marker.len() >= opened.len() && marker.starts_with(&opened[..1]) =>
            {
                if !rest.is_empty() {
                    problems.push(format!(
                        "line {number}: text after a closing fence: {rest:?}"
                    ));
                }
                open = None;
            }
            Some(_) => {}
        }
    }
    if let Some((number, _)) = open {
        problems.push(format!("line {number}: a code fence that never closes"));
    }
    problems
}

#[test]
fn every_readme_closes_its_fences() {
    let mut all = Vec::new();
    for path in readmes() {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(!text.is_empty(), "{} is missing or empty", path.display());
        for problem in fence_problems(&text) {
            all.push(format!("{}: {problem}", path.display()));
        }
    }
    assert!(all.is_empty(), "{}", all.join("\n"));
}

#[test]
fn the_check_finds_what_broke_the_readme_before() {
    let broken = "```text\nVerified.\n``` With Beeper Desktop\nrunning\n\n| a | b |\n";
    assert_eq!(
        fence_problems(broken),
        ["line 3: text after a closing fence: \"With Beeper Desktop\"".to_owned(),]
    );
    assert_eq!(
        fence_problems("```rust\nfn main() {}\n"),
        ["line 1: a code fence that never closes".to_owned()]
    );
    assert!(fence_problems("```sh\nls\n```\n\n````md\n```\n````\n").is_empty());
}
