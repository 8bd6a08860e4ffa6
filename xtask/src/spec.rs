//! Loading an OpenAPI document from disk, shared by every xtask command.

use std::path::{Path, PathBuf};

use openapiv3::{OpenAPI, Operation, PathItem, ReferenceOr};

/// The maintained spec, relative to the workspace root.
pub const SPEC_PATH: &str = "openapi/beeper-verification.yaml";

/// A parsed spec: the raw JSON tree (for `$ref` resolution and version checks) and the typed model.
#[derive(Debug)]
pub struct Spec {
    pub raw: serde_json::Value,
    pub api: OpenAPI,
}

/// The workspace root: the folder above this crate.
pub fn workspace_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().unwrap_or(here).to_path_buf()
}

/// Reads and parses a spec file (YAML or JSON; JSON is a subset of YAML).
pub fn load(path: &Path) -> Result<Spec, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parses spec text. Rejects anything but OpenAPI 3.0.x before the typed parse, so that a 3.1
/// document gets a clear message instead of a confusing type error.
pub fn parse(text: &str) -> Result<Spec, String> {
    let raw: serde_json::Value =
        serde_yaml::from_str(text).map_err(|e| format!("not valid YAML or JSON: {e}"))?;
    crate::prepass::check_openapi_version(&raw)?;
    let api: OpenAPI = serde_json::from_value(raw.clone())
        .map_err(|e| format!("not a valid OpenAPI 3.0 document: {e}"))?;
    Ok(Spec { raw, api })
}

/// The HTTP methods of a path item with their operations, in a fixed order.
pub fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = (&'static str, &mut Operation)> {
    [
        ("get", &mut item.get),
        ("put", &mut item.put),
        ("post", &mut item.post),
        ("delete", &mut item.delete),
        ("options", &mut item.options),
        ("head", &mut item.head),
        ("patch", &mut item.patch),
        ("trace", &mut item.trace),
    ]
    .into_iter()
    .filter_map(|(method, op)| op.as_mut().map(|op| (method, op)))
}

/// How an operation is named in messages: its operationId, or its method and path.
pub fn operation_label(method: &str, path: &str, op: &Operation) -> String {
    match &op.operation_id {
        Some(id) => format!("operation `{id}` ({} {path})", method.to_uppercase()),
        None => format!("operation {} {path}", method.to_uppercase()),
    }
}

/// Follows a local `#/components/<kind>/<name>` reference in the typed model.
pub fn component_name<'a>(reference: &'a str, kind: &str) -> Option<&'a str> {
    reference
        .strip_prefix("#/components/")?
        .strip_prefix(kind)?
        .strip_prefix('/')
}

/// Resolves a `ReferenceOr<T>` against a component map of the same kind.
pub fn resolve<'a, T>(
    item: &'a ReferenceOr<T>,
    kind: &str,
    map: Option<&'a indexmap::IndexMap<String, ReferenceOr<T>>>,
) -> Option<&'a T> {
    let mut current = item;
    // Bounded so that a reference cycle cannot loop forever.
    for _ in 0..16 {
        match current {
            ReferenceOr::Item(t) => return Some(t),
            ReferenceOr::Reference { reference } => {
                current = map?.get(component_name(reference, kind)?)?;
            }
        }
    }
    None
}

/// A small OpenAPI 3.0 document around the given `paths` and `components/schemas` YAML, for the
/// unit tests of each check.
#[cfg(test)]
pub fn test_doc(paths: &str, schemas: &str) -> String {
    fn indent(text: &str, by: usize) -> String {
        let pad = " ".repeat(by);
        text.lines().map(|l| format!("{pad}{l}\n")).collect()
    }
    format!(
        "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n{}components:\n  schemas:\n{}",
        indent(paths, 2),
        indent(if schemas.is_empty() { "{}" } else { schemas }, 4),
    )
}
