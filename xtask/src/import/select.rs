//! Choosing the operations: ours, and every component they reach.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::spec::{METHODS, component_containing, pointer_escape};

/// The operations this workspace wraps: (method, path). Import keeps these and nothing else,
/// and fails when upstream lacks one; to wrap one more operation, add its line here.
pub const OUR_OPERATIONS: [(&str, &str); 17] = [
    ("get", "/v1/app/setup"),
    ("post", "/v1/app/setup/start"),
    ("post", "/v1/app/setup/email"),
    ("post", "/v1/app/setup/response"),
    ("post", "/v1/app/setup/register"),
    ("get", "/v1/app/setup/verifications"),
    ("post", "/v1/app/setup/verifications"),
    ("get", "/v1/app/setup/verifications/{verificationID}"),
    (
        "post",
        "/v1/app/setup/verifications/{verificationID}/accept",
    ),
    (
        "post",
        "/v1/app/setup/verifications/{verificationID}/cancel",
    ),
    ("post", "/v1/app/setup/verifications/qr/scan"),
    (
        "post",
        "/v1/app/setup/verifications/{verificationID}/qr/confirm-scanned",
    ),
    (
        "post",
        "/v1/app/setup/verifications/{verificationID}/sas/start",
    ),
    (
        "post",
        "/v1/app/setup/verifications/{verificationID}/sas/confirm",
    ),
    ("post", "/v1/app/setup/verification/recovery-key"),
    ("post", "/v1/app/setup/verification/recovery-key/reset"),
    (
        "post",
        "/v1/app/setup/verification/recovery-key/reset/confirm",
    ),
];

/// Whether an operation is one of ours: one of [`OUR_OPERATIONS`], so that what import keeps
/// and what it requires are one list. (A rule of its own, such as "every path under
/// `/v1/app/setup/verifications`, with all its methods", kept operations nobody wraps, and
/// missed ours outside it.)
pub(super) fn is_ours(method: &str, path: &str) -> bool {
    OUR_OPERATIONS
        .iter()
        .any(|&(m, p)| m == method && p == path)
}

/// Our paths and every component they reach; fails naming each operation upstream lacks.
pub(super) fn subset(upstream: &Value) -> Result<Value, String> {
    let paths = upstream
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("the upstream document has no paths")?;
    let missing: Vec<String> = OUR_OPERATIONS
        .iter()
        .filter(|(method, path)| {
            paths
                .get(*path)
                .and_then(|item| item.get(*method))
                .is_none()
        })
        .map(|(method, path)| format!("{} {path}", method.to_uppercase()))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "the upstream document lacks operations this SDK relies on:\n  {}",
            missing.join("\n  ")
        ));
    }
    // Our operations, in path items that keep what they share (parameters, summary...) but no
    // other operation.
    let kept_paths: Map<String, Value> = paths
        .iter()
        .filter(|(p, _)| METHODS.iter().any(|m| is_ours(m, p)))
        .map(|(p, item)| {
            let mut item = item.clone();
            if let Value::Object(map) = &mut item {
                map.retain(|key, _| !METHODS.contains(&key.as_str()) || is_ours(key, p));
            }
            (p.clone(), item)
        })
        .collect();

    // Everything reachable from the kept paths and the security they use.
    let mut reached: BTreeSet<(String, String)> = BTreeSet::new();
    let mut queue: Vec<Value> = vec![Value::Object(kept_paths.clone())];
    let mut security_schemes: BTreeSet<String> = BTreeSet::new();
    collect_security(upstream.get("security"), &mut security_schemes);
    for item in kept_paths.values() {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                collect_security(op.get("security"), &mut security_schemes);
            }
        }
    }
    while let Some(value) = queue.pop() {
        let mut refs = Vec::new();
        collect_refs(&value, &mut refs);
        for reference in refs {
            // A reference into a component (`#/components/schemas/A/properties/b`) keeps all of
            // it.
            let Some((kind, name)) = component_containing(&reference) else {
                continue;
            };
            let at = format!("/components/{kind}/{}", pointer_escape(&name));
            if reached.insert((kind.to_owned(), name))
                && let Some(target) = upstream.pointer(&at)
            {
                queue.push(target.clone());
            }
        }
    }
    let mut components = Map::new();
    for (kind, name) in &reached {
        if let Some(target) =
            upstream.pointer(&format!("/components/{kind}/{}", pointer_escape(name)))
        {
            let entry = components.entry(kind.clone()).or_insert_with(|| json!({}));
            if let Value::Object(map) = entry {
                map.insert(name.clone(), target.clone());
            }
        }
    }
    for scheme in &security_schemes {
        if let Some(target) = upstream.pointer(&format!(
            "/components/securitySchemes/{}",
            pointer_escape(scheme)
        )) {
            let entry = components
                .entry("securitySchemes".to_owned())
                .or_insert_with(|| json!({}));
            if let Value::Object(map) = entry {
                map.insert(scheme.clone(), target.clone());
            }
        }
    }

    let mut spec = Map::new();
    for key in [
        "openapi",
        "info",
        "servers",
        "security",
        "tags",
        "externalDocs",
    ] {
        if let Some(value) = upstream.get(key) {
            spec.insert(key.into(), value.clone());
        }
    }
    spec.insert("paths".into(), Value::Object(kept_paths));
    if !components.is_empty() {
        spec.insert("components".into(), Value::Object(components));
    }
    Ok(Value::Object(spec))
}

/// Keeps the top-level tags that an operation uses, wherever they came from (upstream or our
/// spec); drops the list when none is left.
pub(super) fn keep_used_tags(spec: &mut Value) {
    let used: BTreeSet<String> = spec
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|paths| paths.values())
        .flat_map(|item| METHODS.iter().filter_map(|m| item.get(*m)))
        .filter_map(|op| op.get("tags").and_then(Value::as_array))
        .flatten()
        .filter_map(|t| t.as_str().map(str::to_owned))
        .collect();
    let Value::Object(map) = spec else { return };
    let tags: Vec<Value> = match map.get("tags") {
        Some(Value::Array(tags)) => tags
            .iter()
            .filter(|t| {
                t.get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| used.contains(n))
            })
            .cloned()
            .collect(),
        _ => Vec::new(),
    };
    if tags.is_empty() {
        map.remove("tags");
    } else {
        map.insert("tags".into(), Value::Array(tags));
    }
}

fn collect_security(security: Option<&Value>, out: &mut BTreeSet<String>) {
    for requirement in security.and_then(Value::as_array).into_iter().flatten() {
        if let Value::Object(map) = requirement {
            out.extend(map.keys().cloned());
        }
    }
}

pub(super) fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                out.push(reference.clone());
            }
            map.values().for_each(|v| collect_refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}
