//! `import`: any input is imported or refused cleanly, and importing its own output changes
//! nothing.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::{edited, edits, maintained, near_valid_spec, spec_text};
use crate::import::import;
use crate::spec::unresolved_refs;

/// The maintained spec as upstream publishes it: 3.1, with a path of its own (`/v1/chats`) and
/// schemas only that path reaches (`Chat`), or nothing else refers to (`Unused`).
fn as_upstream() -> Value {
    let mut doc = maintained().clone();
    doc["openapi"] = json!("3.1.0");
    doc["paths"]["/v1/chats"] = json!({ "get": { "operationId": "listChats", "responses": {
        "200": { "description": "ok", "content": { "application/json": {
            "schema": { "$ref": "#/components/schemas/Chat" } } } } } } });
    doc["components"]["schemas"]["Chat"] =
        json!({ "type": "object", "properties": { "id": { "type": ["string", "null"] } } });
    doc["components"]["schemas"]["Unused"] = json!({ "type": "string" });
    doc
}

/// An upstream document: the maintained spec as upstream publishes it after a few edits,
/// without its tags half of the time (they then come from our spec).
fn upstream() -> impl Strategy<Value = Value> {
    (edits(), any::<bool>()).prop_map(|(edits, tagless)| {
        let mut doc = edited(&as_upstream(), &edits);
        if tagless && let Value::Object(map) = &mut doc {
            map.remove("tags");
        }
        doc
    })
}

/// The current spec `import` keeps our additions from: none, the maintained one with a tag no
/// operation uses, or an edited one.
fn ours() -> impl Strategy<Value = Option<String>> {
    let yaml = |v: &Value| serde_yaml::to_string(v).unwrap_or_default();
    let mut with_unused_tag = maintained().clone();
    if let Some(Value::Array(tags)) = with_unused_tag.get_mut("tags") {
        tags.push(json!({ "name": "unused" }));
    }
    prop_oneof![
        Just(None),
        Just(Some(yaml(&with_unused_tag))),
        near_valid_spec().prop_map(move |doc| Some(yaml(&doc))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Any text as the upstream document or as our spec is imported or refused with a message.
    #[test]
    fn any_text_is_imported_or_refused_cleanly(
        upstream in spec_text(),
        ours in prop::option::of(spec_text()),
    ) {
        if let Err(message) = import(&upstream, ours.as_deref()) {
            prop_assert!(!message.trim().is_empty());
        }
    }

    /// Importing what `import` wrote, with it as our spec, gives the same bytes; what it wrote
    /// reads back as OpenAPI 3.0.3, and every `$ref` in it resolves when every one upstream did.
    #[test]
    fn importing_its_own_output_is_a_fixed_point(upstream in upstream(), ours in ours()) {
        let Ok(once) = import(&upstream.to_string(), ours.as_deref()) else {
            return Ok(());
        };
        let written = crate::spec::read_tree(&once).expect("what import writes reads back");
        // Bound first: Rust 1.88 drops a temporary in the macro's arguments too early.
        let version = json!("3.0.3");
        prop_assert_eq!(written.get("openapi"), Some(&version));
        if unresolved_refs(&upstream).is_empty() {
            prop_assert_eq!(unresolved_refs(&written), vec![]);
        }
        let twice = import(&once, Some(&once));
        prop_assert_eq!(twice.as_deref(), Ok(once.as_str()));
    }
}
