//! Keeping our component names: upstream names the same things otherwise (`Error` for our
//! `ApiError`, `VerificationResponse` for `VerificationSessionResponse`) and writes inline what
//! we name (enums, one-use objects). The wrapper and the fake use our names, through the
//! generated crate's types, so import keeps them where the schema is the same thing: the one
//! found at the same place (the same operation, status, parameter, header and field) in
//! upstream's document and in ours.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::spec::{METHODS, component_of, pointer_escape};

/// The component kinds whose names import keeps.
const KINDS: [&str; 5] = [
    "schemas",
    "responses",
    "parameters",
    "headers",
    "requestBodies",
];

/// What the walk found: upstream's name → ours, by kind; and inline schemas of upstream's
/// that we name, by where they stand in upstream's document.
#[derive(Default)]
struct Found {
    renames: BTreeMap<(String, String), String>,
    inline: BTreeMap<String, String>,
}

/// Renames upstream's components (in `spec`, upstream's document converted and cut down) to
/// ours where they stand where ours do, and names upstream's inline schemas as ours where we
/// name them. Components of upstream's that have no counterpart keep upstream's name (already
/// our convention: PascalCase nouns); one that would clash with ours is left alone. Returns a
/// note for each name kept.
pub(super) fn keep_our_names(spec: &mut Value, ours: &Value) -> Vec<String> {
    let mut found = Found::default();
    let upstream = spec.clone();
    if let (Some(Value::Object(paths)), Some(Value::Object(our_paths))) =
        (upstream.get("paths"), ours.get("paths"))
    {
        for (path, item) in paths {
            let Some(our_item) = our_paths.get(path) else {
                continue;
            };
            let at = format!("/paths/{}", pointer_escape(path));
            for method in METHODS {
                let (Some(op), Some(our_op)) = (item.get(method), our_item.get(method)) else {
                    continue;
                };
                let at = format!("{at}/{method}");
                let mut walk = Walk {
                    upstream: &upstream,
                    ours,
                    found: &mut found,
                    depth: 0,
                };
                walk.operation(&at, (item, op), (our_item, our_op));
            }
        }
    }
    let mut notes = Vec::new();
    // Inline schemas first, the deepest first: a rename moves what holds them.
    let mut inline: Vec<(String, String)> = found.inline.into_iter().collect();
    inline.sort_by_key(|(at, _)| std::cmp::Reverse(at.len()));
    for (at, name) in inline {
        let existing = spec
            .pointer(&format!("/components/schemas/{}", pointer_escape(&name)))
            .map(without_annotations);
        let Some(slot) = spec.pointer_mut(&at) else {
            continue;
        };
        // A component of upstream's by that name that is something else stays; so does this.
        if existing
            .as_ref()
            .is_some_and(|e| *e != without_annotations(slot))
        {
            continue;
        }
        let exists = existing.is_some();
        let schema = std::mem::replace(
            slot,
            serde_json::json!({ "$ref": format!("#/components/schemas/{}", pointer_escape(&name)) }),
        );
        if !exists && let Some(Value::Object(schemas)) = spec.pointer_mut("/components/schemas") {
            schemas.insert(name.clone(), schema);
            notes.push(format!(
                "named upstream's inline schema at {at} `{name}`, as ours"
            ));
        }
    }
    for ((kind, theirs), name) in found.renames {
        if theirs == name {
            continue;
        }
        let Some(Value::Object(components)) = spec.pointer_mut(&format!("/components/{kind}"))
        else {
            continue;
        };
        if components.contains_key(&name) {
            notes.push(format!(
                "kept upstream's {kind} `{theirs}`: our name for it, `{name}`, is taken"
            ));
            continue;
        }
        let Some(component) = components.remove(&theirs) else {
            continue;
        };
        components.insert(name.clone(), component);
        let from = format!("#/components/{kind}/{}", pointer_escape(&theirs));
        let to = format!("#/components/{kind}/{}", pointer_escape(&name));
        rewrite_refs(spec, &from, &to);
        notes.push(format!(
            "kept our name `{name}` for upstream's {kind} `{theirs}`"
        ));
    }
    if let Value::Object(map) = spec
        && let Some(Value::Object(components)) = map.get_mut("components")
    {
        for kind in KINDS {
            if let Some(Value::Object(items)) = components.get_mut(kind) {
                items.sort_keys();
            }
        }
    }
    notes
}

/// `value` without annotations, to tell whether two schemas are the same thing.
fn without_annotations(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !super::convert::is_annotation(k))
                .map(|(k, v)| (k.clone(), without_annotations(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_annotations).collect()),
        other => other.clone(),
    }
}

/// Replaces `from` (a component's reference, or the start of a reference into it) by `to` in
/// every `$ref`.
fn rewrite_refs(value: &mut Value, from: &str, to: &str) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get_mut("$ref")
                && (reference == from || reference.starts_with(&format!("{from}/")))
            {
                *reference = format!("{to}{}", &reference[from.len()..]);
            }
            map.values_mut().for_each(|v| rewrite_refs(v, from, to));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_refs(v, from, to)),
        _ => {}
    }
}

/// The walk of upstream's document and ours side by side.
struct Walk<'a> {
    upstream: &'a Value,
    ours: &'a Value,
    found: &'a mut Found,
    depth: usize,
}

/// How deep into nested schemas the walk goes.
const MAX_DEPTH: usize = 24;

impl Walk<'_> {
    fn operation(&mut self, at: &str, (item, op): (&Value, &Value), ours: (&Value, &Value)) {
        let (our_item, our_op) = ours;
        // Parameters, by where they go and their name.
        let params = |item: &Value, op: &Value, root: &Value| -> BTreeMap<String, Value> {
            let mut out = BTreeMap::new();
            for list in [item.get("parameters"), op.get("parameters")] {
                for p in list.and_then(Value::as_array).into_iter().flatten() {
                    let target = crate::spec::follow(root, p);
                    if let (Some(place), Some(name)) = (
                        target.get("in").and_then(Value::as_str),
                        target.get("name").and_then(Value::as_str),
                    ) {
                        out.insert(format!("{place} {name}"), p.clone());
                    }
                }
            }
            out
        };
        let ours_params = params(our_item, our_op, self.ours);
        for (key, p) in params(item, op, self.upstream) {
            if let Some(our_p) = ours_params.get(&key) {
                self.holder(&format!("{at}/parameters"), &p, our_p, "parameters");
            }
        }
        if let (Some(body), Some(our_body)) = (op.get("requestBody"), our_op.get("requestBody")) {
            self.holder(
                &format!("{at}/requestBody"),
                body,
                our_body,
                "requestBodies",
            );
        }
        if let (Some(Value::Object(responses)), Some(Value::Object(our_responses))) =
            (op.get("responses"), our_op.get("responses"))
        {
            for (status, response) in responses {
                if let Some(our_response) = our_responses.get(status) {
                    let at = format!("{at}/responses/{}", pointer_escape(status));
                    self.holder(&at, response, our_response, "responses");
                }
            }
        }
    }

    /// A parameter, request body, response or header at `at` (or a reference to one of
    /// `kind`), and ours.
    fn holder(&mut self, at: &str, value: &Value, ours: &Value, kind: &str) {
        let (at, value) = match self.reference(value, ours, kind) {
            Some((theirs, _)) => (
                format!("/components/{kind}/{}", pointer_escape(&theirs)),
                crate::spec::follow(self.upstream, value),
            ),
            None => (at.to_owned(), value),
        };
        let ours = crate::spec::follow(self.ours, ours);
        if let Some(schema) = value.get("schema")
            && let Some(our_schema) = ours.get("schema")
        {
            self.schema(&format!("{at}/schema"), schema, our_schema);
        }
        if let (Some(Value::Object(content)), Some(Value::Object(our_content))) =
            (value.get("content"), ours.get("content"))
        {
            for (media, m) in content {
                if let (Some(schema), Some(our_schema)) = (
                    m.get("schema"),
                    our_content.get(media).and_then(|o| o.get("schema")),
                ) {
                    let at = format!("{at}/content/{}/schema", pointer_escape(media));
                    self.schema(&at, schema, our_schema);
                }
            }
        }
        if let (Some(Value::Object(headers)), Some(Value::Object(our_headers))) =
            (value.get("headers"), ours.get("headers"))
        {
            for (name, header) in headers {
                let ours = our_headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map(|(_, h)| h);
                if let Some(our_header) = ours {
                    let at = format!("{at}/headers/{}", pointer_escape(name));
                    self.holder(&at, header, our_header, "headers");
                }
            }
        }
    }

    /// When both are references to components of `kind`: records upstream's name → ours the
    /// first time, and returns (upstream's name, whether it was new).
    fn reference(&mut self, value: &Value, ours: &Value, kind: &str) -> Option<(String, bool)> {
        let name = |v: &Value| -> Option<String> {
            let reference = v.get("$ref")?.as_str()?;
            match component_of(reference)? {
                (k, name) if k == kind => Some(name),
                _ => None,
            }
        };
        let (theirs, our_name) = (name(value)?, name(ours)?);
        let key = (kind.to_owned(), theirs.clone());
        let new = !self.found.renames.contains_key(&key);
        if new {
            self.found.renames.insert(key, our_name);
        }
        Some((theirs, new))
    }

    /// A schema of upstream's at `at` and ours, side by side.
    fn schema(&mut self, at: &str, schema: &Value, ours: &Value) {
        if self.depth >= MAX_DEPTH {
            return;
        }
        self.depth += 1;
        self.schema_inner(at, schema, ours);
        self.depth -= 1;
    }

    fn schema_inner(&mut self, at: &str, schema: &Value, ours: &Value) {
        let our_target = crate::spec::follow(self.ours, ours);
        if schema.get("$ref").is_some() {
            if ours.get("$ref").is_some() {
                // Walked already (or a reference into a component): stop there.
                if let Some((theirs, true)) = self.reference(schema, ours, "schemas") {
                    let at = format!("/components/schemas/{}", pointer_escape(&theirs));
                    let target = crate::spec::follow(self.upstream, schema);
                    self.schema(&at, target, our_target);
                }
                return;
            }
            // Ours is inline where upstream names it: upstream's name stays.
            if let Some((_, theirs)) = schema
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(component_of)
            {
                let at = format!("/components/schemas/{}", pointer_escape(&theirs));
                let key = ("schemas".to_owned(), theirs);
                if !self.found.renames.contains_key(&key) {
                    self.found.renames.insert(key.clone(), key.1.clone());
                    let target = crate::spec::follow(self.upstream, schema);
                    self.schema(&at, target, ours);
                }
            }
            return;
        }
        // Upstream inline where ours names a schema: name it as ours (an enum or a one-use
        // object of upstream's).
        if let Some((_, our_name)) = ours
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(component_of)
            && schema.is_object()
            && self.found.inline.iter().all(|(other, n)| {
                *n != our_name
                    || self
                        .upstream
                        .pointer(other)
                        .is_some_and(|o| without_annotations(o) == without_annotations(schema))
            })
        {
            self.found.inline.insert(at.to_owned(), our_name);
        }
        let Value::Object(map) = schema else { return };
        let empty = Map::new();
        let our_map = our_target.as_object().unwrap_or(&empty);
        if let (Some(Value::Object(props)), Some(Value::Object(our_props))) =
            (map.get("properties"), our_map.get("properties"))
        {
            for (name, prop) in props {
                if let Some(our_prop) = our_props.get(name) {
                    let at = format!("{at}/properties/{}", pointer_escape(name));
                    self.schema(&at, prop, our_prop);
                }
            }
        }
        for key in ["items", "additionalProperties"] {
            if let (Some(child), Some(our_child)) = (map.get(key), our_map.get(key))
                && child.is_object()
            {
                self.schema(&format!("{at}/{key}"), child, our_child);
            }
        }
        // `{nullable: true, allOf: [{$ref}]}` on both sides.
        if let (Some(Value::Array(all)), Some(Value::Array(our_all))) =
            (map.get("allOf"), our_map.get("allOf"))
            && all.len() == 1
            && our_all.len() == 1
        {
            self.schema(&format!("{at}/allOf/0"), &all[0], &our_all[0]);
        }
    }
}
