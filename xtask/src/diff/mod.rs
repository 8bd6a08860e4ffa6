//! `cargo xtask diff`: what changed in the spec between an old version, the *base* (a git
//! revision, default `HEAD`, or a file), and a new one, the *head* (the working tree's spec, or a
//! revision or file given with `--head`), each change classified from the client's side.
//!
//! A client is code built against the base: users of the wrapper (`beeper-verification`) and
//! direct users of the generated crate (`beeper-verification-client`).
//! [`rules::Kind::classify`] holds the rules: for each kind of change, whom it breaks and why.
//! What no rule covers is reported as *unclassified* and fails the run like a breaking change,
//! so the diff never answers "No changes." to a change it did not understand.
//!
//! Compared: operations and their operationIds; the security each operation requires and the
//! schemes it names; parameters in path, query, header and cookie; request bodies and whether
//! they are required; every response, success and error alike: its status, body and headers; in
//! every schema: fields, types, `required`, `nullable`, enum values and the constraints in
//! `model::CONSTRAINTS`; the members of a `oneOf` or `anyOf` one by one, each like a schema of
//! its own, paired across the sides by `compare::pair_members` (a member added or removed has a
//! rule; members that cannot be paired, or a union one side lacks, are unclassified).
//! Annotations (descriptions, summaries, examples, tags, `x-` extensions) are not compared. Any
//! other keyword is compared whole, with its `$ref`s inlined; a difference there is
//! unclassified.

use std::path::Path;

use crate::prepass::check_openapi_version;
use crate::spec::{SPEC_PATH, read_tree};

mod compare;
mod model;
mod rules;

pub use compare::diff;
use compare::is_success;
pub use rules::Change;
use rules::{Impact, Of};
#[cfg(test)]
use rules::{Kind, Side};

/// The groups of the text output, in order.
const GROUPS: [&str; 13] = [
    "Operations",
    "Security",
    "Parameters",
    "Request bodies",
    "Request fields",
    "Response bodies",
    "Response fields",
    "Error response fields",
    "Response headers",
    "Enum values",
    "Status codes",
    "Annotations",
    "Unclassified",
];

/// Where a change was found, in parentheses at the end of its line: its operations, and the
/// statuses of an error response or header.
fn context(change: &Change) -> String {
    let ops = match change.operations.len() {
        0 => "the whole spec".to_owned(),
        1..=3 => change.operations.join(", "),
        n => format!("{n} operations"),
    };
    let show_statuses =
        change.of == Of::ResponseHeader || change.statuses.iter().any(|s| !is_success(s));
    if !show_statuses || change.statuses.is_empty() {
        return ops;
    }
    let statuses = match change.statuses.len() {
        1 => format!("{} response", change.statuses.join("")),
        2..=3 => format!("{} responses", change.statuses.join(", ")),
        n if change.statuses.iter().all(|s| !is_success(s)) => format!("{n} error responses"),
        n => format!("{n} responses"),
    };
    format!("{statuses} of {ops}")
}

/// The changes as text, grouped.
pub fn render(changes: &[Change]) -> String {
    if changes.is_empty() {
        return "No changes.\n".to_owned();
    }
    let mut out = String::new();
    for group in GROUPS {
        let in_group: Vec<&Change> = changes
            .iter()
            .filter(|c| c.kind.group(c.of) == group)
            .collect();
        if in_group.is_empty() {
            continue;
        }
        out.push_str(&format!("{group}\n"));
        for change in in_group {
            let what = change.kind.describe(change.of.noun());
            let at = if change.location.is_empty() {
                what
            } else {
                format!("{}: {what}", change.location)
            };
            let context = context(change);
            let line = match change.impact {
                Impact::Unclassified => format!("  unclassified: {at} ({context})\n"),
                Impact::Compatible => format!("  compatible  {at} ({context})\n"),
                Impact::AllClients => format!("  BREAKING    {at} ({context})\n"),
                Impact::GeneratedCrate => {
                    format!("  BREAKING    {at} ({context}); {}\n", change.rule)
                }
            };
            out.push_str(&line);
        }
    }
    let count = |impact: Impact| changes.iter().filter(|c| c.impact == impact).count();
    let generated = count(Impact::GeneratedCrate);
    let breaking = count(Impact::AllClients) + generated;
    let unclassified = count(Impact::Unclassified);
    out.push_str(&format!(
        "\n{} change(s), {breaking} breaking",
        changes.len()
    ));
    if generated > 0 {
        out.push_str(&format!(
            " ({generated} only for direct users of the generated crate)"
        ));
    }
    out.push_str(&format!(", {unclassified} unclassified.\n"));
    if unclassified > 0 {
        out.push_str(
            "Unclassified changes fail the run like breaking ones: read them and decide.\n",
        );
    }
    out
}

/// One side of the comparison: a name for it and the spec's text.
fn read_side(root: &Path, arg: Option<&str>) -> Result<(String, String), String> {
    let Some(arg) = arg else {
        let path = root.join(SPEC_PATH);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        return Ok((format!("{SPEC_PATH} in the working tree"), text));
    };
    if Path::new(arg).is_file() {
        let text = std::fs::read_to_string(arg).map_err(|e| format!("cannot read {arg}: {e}"))?;
        return Ok((format!("the file {arg}"), text));
    }
    Ok((format!("{arg}:{SPEC_PATH}"), git_show(root, arg)?))
}

/// Entry point of `cargo xtask diff [--base REV|FILE] [--head REV|FILE] [--json]`. The base
/// (old side) defaults to `HEAD`, the head (new side) to the spec in the working tree; both
/// must be OpenAPI 3.0.x. Returns the exit code: 1 when something breaks existing clients or is
/// unclassified, 2 when the comparison could not be made.
pub fn main(base: Option<&str>, head: Option<&str>, json: bool) -> i32 {
    let root = match crate::spec::workspace_root() {
        Ok(root) => root,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let sides = read_side(&root, Some(base.unwrap_or("HEAD"))).and_then(|(base, old)| {
        let (head, new) = read_side(&root, head)?;
        let old = read_tree(&old).map_err(|e| format!("the base ({base}) does not parse: {e}"))?;
        let new = read_tree(&new).map_err(|e| format!("the head ({head}) does not parse: {e}"))?;
        // The rules read OpenAPI 3.0 (`nullable`, boolean `exclusiveMinimum`): a 3.1 document
        // or one that is no spec at all would pass as "No changes." where they differ.
        check_openapi_version(&old).map_err(|e| format!("the base ({base}): {e}"))?;
        check_openapi_version(&new).map_err(|e| format!("the head ({head}): {e}"))?;
        Ok(((base, old), (head, new)))
    });
    let ((base, old), (head, new)) = match sides {
        Ok(sides) => sides,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let changes = diff(&old, &new);
    let breaking = changes.iter().any(|c| c.breaking);
    let unclassified = changes.iter().any(|c| c.impact == Impact::Unclassified);
    let code = exit_code(&changes);
    if json {
        let doc = serde_json::json!({
            "base": base,
            "head": head,
            "breaking": breaking,
            "unclassified": unclassified,
            "changes": changes,
        });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        println!("base (old): {base}");
        println!("head (new): {head}");
        println!(
            "Verdicts are for clients built against the base, talking to a server that follows the head.\n"
        );
        print!("{}", render(&changes));
    }
    code
}

/// The exit code for these changes: 1 when one breaks existing clients or is unclassified,
/// else 0.
pub fn exit_code(changes: &[Change]) -> i32 {
    i32::from(
        changes
            .iter()
            .any(|c| c.breaking || c.impact == Impact::Unclassified),
    )
}

/// The spec at a git revision. The revision goes after `--end-of-options`, so that one that
/// starts with `-` is never read as an option.
fn git_show(root: &Path, rev: &str) -> Result<String, String> {
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["show", "--end-of-options"])
        .arg(format!("{rev}:{SPEC_PATH}"))
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`{rev}` is neither a file nor a git revision that has {SPEC_PATH}: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    String::from_utf8(output.stdout).map_err(|_| format!("{rev}:{SPEC_PATH} is not UTF-8"))
}

#[cfg(test)]
mod tests;
