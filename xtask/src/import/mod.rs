//! `cargo xtask import FILE`: take Beeper's full published OpenAPI document (3.1, all of the
//! Desktop API), keep our verification operations and everything they reach through `$ref`,
//! convert what 3.1 has and 3.0.3 lacks, keep our own additions where upstream has none, and
//! write the spec in a stable, diff-friendly order.
//!
//! One idea per module: [`select`] chooses the operations and what they reach, [`convert`]
//! turns 3.1 into 3.0.3, [`ours`] keeps what our spec adds, [`yaml`] orders the output.

mod convert;
mod names;
mod ours;
mod select;
mod yaml;

use serde_json::Value;

use crate::spec::{lookup, read_tree, unresolved_refs};

pub use convert::down_convert;
pub use yaml::to_yaml;

/// Entry point of `cargo xtask import FILE`: rewrites the maintained spec from the upstream
/// document at `file` and returns the exit code.
pub fn main(file: &str) -> i32 {
    let upstream = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: cannot read {file}: {e}");
            return 1;
        }
    };
    let target = match crate::spec::workspace_root() {
        Ok(root) => root.join(crate::spec::SPEC_PATH),
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let ours = std::fs::read_to_string(&target).ok();
    match import_noting(&upstream, ours.as_deref()) {
        Ok(Imported { yaml, notes }) => match std::fs::write(&target, yaml) {
            Ok(()) => {
                for note in &notes {
                    println!("note: {note}");
                }
                println!(
                    "wrote {} from {file}; next: `cargo xtask diff`, then `cargo xtask generate`",
                    crate::spec::SPEC_PATH
                );
                0
            }
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", target.display());
                1
            }
        },
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}

/// What an import gives: the new spec, and what a maintainer should know about it.
pub struct Imported {
    /// The new spec, as YAML.
    pub yaml: String,
    /// What import kept or mapped in upstream's place, one sentence each.
    pub notes: Vec<String>,
}

/// Imports `upstream` (YAML or JSON text), keeping additions from `ours` (the current spec, if
/// any). Returns the new spec as YAML.
#[cfg(test)]
pub fn import(upstream: &str, ours: Option<&str>) -> Result<String, String> {
    import_noting(upstream, ours).map(|imported| imported.yaml)
}

/// [`import`], with its notes.
pub fn import_noting(upstream: &str, ours: Option<&str>) -> Result<Imported, String> {
    let mut notes = Vec::new();
    let ours_text = ours;
    let upstream =
        read_tree(upstream).map_err(|e| format!("the upstream document does not parse: {e}"))?;
    let ours: Option<Value> = match ours {
        Some(text) => {
            Some(read_tree(text).map_err(|e| format!("the current spec does not parse: {e}"))?)
        }
        None => None,
    };
    let version = upstream
        .get("openapi")
        .and_then(Value::as_str)
        .unwrap_or("");
    if !version.starts_with("3.") {
        return Err(format!("not an OpenAPI 3 document (openapi: {version:?})"));
    }
    // Convert first, so that what our operations reach is read from what is written: a
    // reference that only a dropped `examples` entry held must not keep a component.
    let mut converted = upstream.clone();
    down_convert(&mut converted);
    let mut spec = select::subset(&converted)?;
    if let Some(ours) = &ours {
        notes.extend(names::keep_our_names(&mut spec, ours));
        notes.extend(ours::keep_our_additions(&mut spec, ours));
    }
    select::keep_used_tags(&mut spec);
    check_references(&upstream, &spec)?;
    // An upstream that matches our spec on the wire changes nothing in it, not a byte: what
    // differs is how it is written, and ours is how we write it.
    if let (Some(ours), Some(text)) = (&ours, ours_text)
        && crate::diff::diff(ours, &spec).is_empty()
    {
        notes.push("upstream matches our spec on the wire: the spec is unchanged".into());
        return Ok(Imported {
            yaml: text.to_owned(),
            notes,
        });
    }
    Ok(Imported {
        yaml: to_yaml(&spec)?,
        notes,
    })
}

/// Fails when a `$ref` that resolves upstream points at nothing in what import would write: at
/// a part of the upstream document it drops (another path, say) or converts (the second item
/// of a 3.1 `type` list).
fn check_references(upstream: &Value, spec: &Value) -> Result<(), String> {
    let broken: Vec<String> = unresolved_refs(spec)
        .into_iter()
        .filter(|(_, reference)| lookup(upstream, reference).is_some())
        .map(|(at, reference)| format!("{at}: {reference}"))
        .collect();
    if broken.is_empty() {
        return Ok(());
    }
    Err(format!(
        "these references point at parts of the upstream document that import does not keep \
         (only our paths and the components they reach are kept, converted to 3.0.3):\n  {}",
        broken.join("\n  ")
    ))
}

#[cfg(test)]
mod tests;
