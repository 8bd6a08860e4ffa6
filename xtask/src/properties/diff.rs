//! `diff`'s reading of two documents: no panic on any pair, no change between a document and
//! itself, the same changed locations whichever side is the base, and no silence about a
//! schema keyword that changed.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use proptest::prelude::*;
use serde_json::{Value, json};

use super::{compact, edited, edits, json_value, keyword_value, near_valid_compact_spec};
use crate::diff::{Change, diff, exit_code, render};

/// Where a change is: what it is about and its location. The body of a success response is
/// named after its status, which differs by side when the success status moved (`200 response`
/// from one side is `201 response` from the other), so success statuses are left out.
fn locations(changes: &[Change]) -> BTreeSet<(String, String)> {
    changes
        .iter()
        .map(|c| {
            let of = format!("{:?}", c.of);
            let location = match c.location.split_once(' ') {
                Some((status, rest)) if status.starts_with('2') && rest.starts_with("response") => {
                    format!("success {rest}")
                }
                _ => c.location.clone(),
            };
            (of, location)
        })
        .collect()
}

/// The pointers of every schema under `components/schemas` of the compact spec that one of its
/// operations reaches, nested ones (properties, items, union members) included, that is not a
/// `$ref`: 3.0 ignores a `$ref`'s siblings.
fn schema_nodes() -> &'static [String] {
    static NODES: OnceLock<Vec<String>> = OnceLock::new();
    NODES.get_or_init(|| schema_nodes_of(compact()))
}

/// [`schema_nodes`] of any document. A schema component no operation reaches (one only the
/// operations the compact spec leaves out use) is left out: a change there is rightly no change.
fn schema_nodes_of(doc: &Value) -> Vec<String> {
    fn walk(schema: &Value, at: String, out: &mut Vec<String>) {
        let Value::Object(map) = schema else { return };
        if map.contains_key("$ref") {
            return;
        }
        out.push(at.clone());
        if let Some(Value::Object(props)) = map.get("properties") {
            for (name, prop) in props {
                let name = crate::spec::pointer_escape(name);
                walk(prop, format!("{at}/properties/{name}"), out);
            }
        }
        if let Some(items) = map.get("items") {
            walk(items, format!("{at}/items"), out);
        }
        // The members of a union are compared one by one, each like a schema of its own.
        for keyword in ["oneOf", "anyOf"] {
            if let Some(Value::Array(members)) = map.get(keyword) {
                for (i, member) in members.iter().enumerate() {
                    walk(member, format!("{at}/{keyword}/{i}"), out);
                }
            }
        }
    }
    let reached = reached_schemas(doc);
    let mut out = Vec::new();
    if let Some(Value::Object(schemas)) = doc.pointer("/components/schemas") {
        for (name, schema) in schemas.iter().filter(|(n, _)| reached.contains(*n)) {
            let name = crate::spec::pointer_escape(name);
            walk(schema, format!("/components/schemas/{name}"), &mut out);
        }
    }
    out
}

/// The names of the schema components the operations of `doc` reach: every `$ref` under
/// `paths`, followed through what it names, transitively.
fn reached_schemas(doc: &Value) -> BTreeSet<String> {
    fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get("$ref") {
                    out.push(reference);
                }
                map.values().for_each(|v| refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut pending = Vec::new();
    if let Some(paths) = doc.get("paths") {
        refs(paths, &mut pending);
    }
    let mut seen = BTreeSet::new();
    while let Some(reference) = pending.pop() {
        if !seen.insert(reference) {
            continue;
        }
        if let Some(target) = crate::spec::lookup(doc, reference) {
            refs(target, &mut pending);
        }
    }
    seen.iter()
        .filter_map(|r| crate::spec::component_of(r))
        .filter(|(kind, _)| *kind == "schemas")
        .map(|(_, name)| name)
        .collect()
}

/// The schema keywords the diff reads or must report as unclassified; annotations are left
/// out.
const KEYWORDS: [&str; 22] = [
    "type",
    "format",
    "nullable",
    "required",
    "enum",
    "properties",
    "items",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "multipleOf",
    "minItems",
    "uniqueItems",
    "additionalProperties",
    "oneOf",
    "allOf",
    "readOnly",
    "default",
    "not",
];

/// Whether setting `key` of `schema` to `new` says what it said: the same value, numbers
/// equal as numbers, the same set of `required` names or `enum` values, `false` for a flag that
/// was absent, the type a schema without one is read as, something the diff reads as absent
/// (a `required` or `enum` that is no list, `properties` that are no map, `nullable` not
/// `true`), or an `allOf` whose members say nothing more.
fn says_the_same(schema: &Value, key: &str, new: &Value) -> bool {
    let old = schema.get(key);
    let as_set = |v: Option<&Value>| -> BTreeSet<String> {
        v.and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(Value::to_string)
            .collect()
    };
    let number = |v: Option<&Value>| v.and_then(Value::as_f64);
    match key {
        _ if old == Some(new) => true,
        _ if number(old).is_some() && number(old) == number(Some(new)) => true,
        "required" | "enum" => as_set(old) == as_set(Some(new)),
        "properties" => {
            let keys = |v: Option<&Value>| v.and_then(Value::as_object).map(|m| m.is_empty());
            keys(old).unwrap_or(true) && keys(Some(new)).unwrap_or(true)
        }
        "nullable" => (old == Some(&json!(true))) == (new == &json!(true)),
        // Members that each say, keyword by keyword, only what the schema says already allow
        // every value the schema allows: so JSON Schema reads `allOf`, and the diff merges a
        // lone such member into the schema as it would read those keywords on the schema
        // itself. `[{"properties": null}]` on a boolean is one: the generator's parser, like
        // the diff, reads `properties: null` as no properties (and a boolean has none).
        "allOf" => {
            old.is_none()
                && new.as_array().is_some_and(|members| {
                    !members.is_empty()
                        && members.iter().all(|member| {
                            member
                                .as_object()
                                .is_some_and(|m| m.iter().all(|(k, v)| says_the_same(schema, k, v)))
                        })
                })
        }
        "uniqueItems" | "exclusiveMinimum" => {
            old.is_none_or(|v| v == &json!(false)) && new == &json!(false)
        }
        "type" => {
            let read_as = if schema.get("properties").is_some() {
                "object"
            } else if schema.get("items").is_some() {
                "array"
            } else {
                "any"
            };
            old.is_none() && new == &json!(read_as)
        }
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// A document compared with itself has no change, prints "No changes." and exits 0.
    #[test]
    fn a_document_against_itself_is_no_change(
        doc in prop_oneof![3 => near_valid_compact_spec(), 1 => json_value()]
    ) {
        let changes = diff(&doc, &doc);
        prop_assert!(changes.is_empty(), "{:#?}", changes);
        prop_assert_eq!(render(&changes), "No changes.\n");
        prop_assert_eq!(exit_code(&changes), 0);
    }

    /// Whichever side is the base, the same locations changed, and the run fails or passes
    /// alike when nothing changed.
    #[test]
    fn both_directions_agree_on_what_changed(
        base in near_valid_compact_spec(),
        edits in edits(),
    ) {
        let head = edited(&base, &edits);
        let forward = diff(&base, &head);
        let backward = diff(&head, &base);
        prop_assert_eq!(locations(&forward), locations(&backward));
        prop_assert_eq!(forward.is_empty(), backward.is_empty());
    }

    /// Any two values compare without a panic.
    #[test]
    fn any_two_values_compare(base in json_value(), head in json_value()) {
        let changes = diff(&base, &head);
        let _ = render(&changes);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A schema keyword set to a value that says something else is never "No changes.":
    /// it is classified, or reported as unclassified.
    #[test]
    fn a_changed_schema_keyword_is_never_silent(
        at in any::<usize>(),
        key in prop::sample::select(&KEYWORDS[..]),
        value in keyword_value(),
    ) {
        let nodes = schema_nodes();
        let pointer = &nodes[at % nodes.len()];
        let base = compact();
        let schema = base.pointer(pointer).expect("a schema of the compact spec");
        prop_assume!(!says_the_same(schema, key, &value));
        let mut head = base.clone();
        if let Some(Value::Object(map)) = head.pointer_mut(pointer) {
            map.insert(key.to_owned(), value.clone());
        }
        let changes = diff(base, &head);
        prop_assert!(
            !changes.is_empty(),
            "{}: `{}` set to {} gave no change", pointer, key, value
        );
    }
}

/// A small document whose bodies are mostly `oneOf` and `anyOf`: members by `$ref` and
/// inline, a union inside a member, one in a request and one in a response, so that random
/// edits land in members, move them, add and remove them.
fn unions_spec() -> Value {
    let refer = |name: &str| json!({ "$ref": format!("#/components/schemas/{name}") });
    let body = |name: &str| json!({ "content": { "application/json": { "schema": refer(name) } } });
    let mut ok = body("Answer");
    ok["description"] = json!("ok");
    json!({
        "openapi": "3.0.3",
        "info": { "title": "t", "version": "1" },
        "paths": { "/a": { "post": {
            "operationId": "postA", "requestBody": body("Ask"), "responses": { "200": ok } } } },
        "components": { "schemas": {
            "Answer": { "oneOf": [refer("Done"), refer("Pending"), { "type": "string" }] },
            "Ask": { "type": "object", "required": ["by"], "properties": {
                "by": { "anyOf": [{ "type": "string" }, { "type": "integer" }, refer("Done")] } } },
            "Done": { "type": "object", "required": ["id"], "properties": {
                "id": { "type": "string" },
                "at": { "oneOf": [{ "type": "string", "maxLength": 9 }, { "type": "number" }] } } },
            "Pending": { "type": "object", "properties": {
                "since": { "type": "string" }, "done": refer("Done") } },
        } }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Members of a union are paired and named the same whichever side is the base.
    #[test]
    fn both_directions_agree_on_what_changed_in_unions(edits in edits()) {
        let base = unions_spec();
        let head = edited(&base, &edits);
        prop_assert!(diff(&base, &base).is_empty());
        let forward = diff(&base, &head);
        let backward = diff(&head, &base);
        prop_assert_eq!(locations(&forward), locations(&backward));
        prop_assert_eq!(forward.is_empty(), backward.is_empty());
    }
}

/// A schema component only operations the compact spec leaves out use is no node: a change
/// there is no change to the compact spec's operations. It was, once the spec had the
/// recovery-key operations, and `RecoveryKeyRequest` changed "gave no change".
#[test]
fn a_schema_no_operation_reaches_is_no_node() {
    let mut doc = compact().clone();
    doc["components"]["schemas"]["Unreached"] =
        json!({ "type": "object", "properties": { "a": { "type": "string" } } });
    let nodes = schema_nodes_of(&doc);
    assert!(
        !nodes
            .iter()
            .any(|n| n.starts_with("/components/schemas/Unreached")),
        "{nodes:#?}"
    );
    assert_eq!(nodes, schema_nodes());
    assert!(nodes.contains(&"/components/schemas/E2ee/properties/crossSigning".to_owned()));
    assert!(nodes.contains(&"/components/schemas/ValidationPathSegment/oneOf/1".to_owned()));
}
