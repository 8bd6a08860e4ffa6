//! Reading a spec: `spec` (loading, the `$ref` resolver, JSON-pointer escaping), `lint` and the
//! pre-pass.

use openapiv3::ReferenceOr;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{Value, json};

use super::{json_value, near_valid_spec, nodes, spec_text};
use crate::spec::{
    component_of, follow, lookup, parse, pointer_escape, pointer_unescape, read_tree, resolve,
    unresolved_refs,
};

/// The nodes of `value` that are objects with a string `$ref`: (pointer, reference).
fn refs_in(value: &Value) -> Vec<(String, String)> {
    nodes(value)
        .into_iter()
        .filter_map(|at| {
            let reference = value.pointer(&at)?.get("$ref")?.as_str()?.to_owned();
            Some((at, reference))
        })
        .collect()
}

/// `value` with each floating-point number written to 12 significant digits.
fn rounded(value: &Value) -> Value {
    match value {
        Value::Number(n) if n.is_f64() => {
            Value::String(format!("{:.11e}", n.as_f64().unwrap_or_default()))
        }
        Value::Array(items) => items.iter().map(rounded).collect(),
        Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), rounded(v))).collect(),
        other => other.clone(),
    }
}

/// Whether `text` is a location lint reports, a pointer after `#` that leads somewhere.
fn leads_somewhere(root: &Value, text: &str) -> bool {
    text.starts_with('#') && lookup(root, text).is_some()
}

/// A parameter component's name, or a reference, for [`both_resolvers_agree`]: few characters,
/// `/` and `~` among them, so that names collide with unescaped and deep references.
fn small_name() -> impl Strategy<Value = String> {
    "[ab~/]{1,3}"
}

/// A reference to a parameter component: escaped, unescaped, deep, or to the map itself.
fn parameter_reference() -> impl Strategy<Value = String> {
    prop_oneof![
        small_name().prop_map(|n| format!("#/components/parameters/{}", pointer_escape(&n))),
        small_name().prop_map(|n| format!("#/components/parameters/{n}")),
        small_name().prop_map(|n| format!("#/components/parameters/{}/schema", pointer_escape(&n))),
        Just("#/components/parameters".to_owned()),
        Just("#/components/schemas/a".to_owned()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any text given as a spec is read or refused with a message; what is read goes through
    /// lint and the pre-pass without a panic.
    #[test]
    fn any_text_is_read_or_refused_cleanly(text in spec_text()) {
        match parse(&text) {
            Ok(mut spec) => {
                let _ = crate::lint::lint(&spec);
                let _ = crate::prepass::run(&mut spec.api);
            }
            Err(message) => prop_assert!(!message.trim().is_empty()),
        }
    }

    /// A near-valid spec is linted and pre-passed without a panic, every location lint reports
    /// leads to what it names, and the pre-pass leaves no string enum, the second time alike.
    #[test]
    fn near_valid_specs_are_linted_and_prepassed(doc in near_valid_spec()) {
        let Ok(spec) = parse(&doc.to_string()) else {
            return Ok(());
        };
        for problem in crate::lint::lint(&spec) {
            if !problem.starts_with('#') {
                continue;
            }
            // The location ends at one of the `: ` in the message.
            let located = problem
                .match_indices(": ")
                .any(|(end, _)| leads_somewhere(&spec.raw, &problem[..end]));
            prop_assert!(located, "{} does not start with a location in the document", problem);
            if let Some((at, rest)) = problem.split_once(": property `") {
                let name = rest.split_once("` has no").map(|(n, _)| n).unwrap_or_default();
                let last = at.rsplit_once('/').map(|(_, s)| s).unwrap_or_default();
                prop_assert_eq!(pointer_unescape(last), name);
            }
        }
        let mut once = spec.api.clone();
        if crate::prepass::run(&mut once).is_ok() {
            let rewritten = serde_json::to_value(&once).expect("a model serializes");
            let string_enums: Vec<String> = nodes(&rewritten)
                .into_iter()
                .filter(|at| {
                    rewritten.pointer(at).is_some_and(|n| {
                        n.get("type") == Some(&json!("string")) && n.get("enum").is_some()
                    })
                })
                .collect();
            prop_assert!(string_enums.is_empty(), "string enums left at {:?}", string_enums);
            let mut twice = once.clone();
            crate::prepass::plain_string_enums(&mut twice);
            prop_assert_eq!(
                serde_json::to_value(&twice).expect("a model serializes"),
                rewritten
            );
        }
    }

    /// Any JSON value reads back as itself from its JSON text and from the YAML `import`
    /// writes; floating-point numbers to 12 digits, since the JSON reader (which also reads
    /// YAML that happens to be JSON, such as a lone number) may be 1 ulp off at extreme
    /// exponents.
    #[test]
    fn any_value_reads_back_from_json_and_yaml(value in json_value()) {
        let read = read_tree(&value.to_string());
        prop_assert_eq!(read.map(|v| rounded(&v)), Ok(rounded(&value)));
        let yaml = crate::import::to_yaml(&value).expect("any value is written as YAML");
        prop_assert_eq!(read_tree(&yaml).map(|v| rounded(&v)), Ok(rounded(&value)));
    }

    /// A key escaped as a JSON-pointer segment holds no `/`, only `~0` and `~1` escapes,
    /// decodes back to the key, and a `$ref` made of it reaches the key and names it.
    #[test]
    fn pointer_escaping_round_trips(key in prop_oneof!["(?s).{0,12}", "[~/01a]{0,12}"]) {
        let segment = pointer_escape(&key);
        prop_assert!(!segment.contains('/'));
        let mut chars = segment.chars();
        while let Some(c) = chars.next() {
            if c == '~' {
                let next = chars.next();
                prop_assert!(matches!(next, Some('0' | '1')), "{:?}", segment);
            }
        }
        prop_assert_eq!(pointer_unescape(&segment), key.clone());
        let root = json!({ "components": { "schemas": { key.clone(): { "marker": true } } } });
        let reference = format!("#/components/schemas/{segment}");
        // Bound first: Rust 1.88 drops a temporary in the macro's arguments too early.
        let marker = json!({ "marker": true });
        prop_assert_eq!(lookup(&root, &reference), Some(&marker));
        prop_assert_eq!(component_of(&reference), Some(("schemas", key)));
    }

    /// A well-formed segment (every `~` escaped) decodes to a key that escapes back to it.
    #[test]
    fn well_formed_segments_round_trip(segment in "([a01 ]|~0|~1){0,12}") {
        prop_assert_eq!(pointer_escape(&pointer_unescape(&segment)), segment);
    }

    /// `unresolved_refs` reports exactly the `$ref`s that point at nothing, each where it
    /// stands; it ends on cyclic documents, as `follow` does.
    #[test]
    fn unresolved_refs_are_exactly_the_broken_ones(
        doc in prop_oneof![near_valid_spec(), json_value()]
    ) {
        let mut expected: Vec<(String, String)> = refs_in(&doc)
            .into_iter()
            .filter(|(_, reference)| lookup(&doc, reference).is_none())
            .map(|(at, reference)| (format!("#{at}"), reference))
            .collect();
        let mut found = unresolved_refs(&doc);
        expected.sort();
        found.sort();
        prop_assert_eq!(&found, &expected);
        for (at, reference) in refs_in(&doc) {
            let here = doc.pointer(&at).expect("a node of the document");
            let end = follow(&doc, here);
            if lookup(&doc, &reference).is_none() {
                prop_assert!(std::ptr::eq(end, here), "{} is broken, so follow stays", at);
            }
        }
    }

    /// The typed resolver (`resolve`) and the raw one (`follow`) find the same parameter for
    /// any reference, through chains and cycles of references, escaped names and deep
    /// pointers, and both end.
    #[test]
    fn both_resolvers_agree(
        entries in prop::collection::vec(
            (small_name(), prop::option::of(parameter_reference())),
            1..10,
        ),
        probe in parameter_reference(),
    ) {
        let mut parameters = serde_json::Map::new();
        for (i, (name, reference)) in entries.into_iter().enumerate() {
            let entry = match reference {
                Some(reference) => json!({ "$ref": reference }),
                None => json!({ "name": format!("p{i}"), "in": "query", "schema": { "type": "string" } }),
            };
            parameters.insert(name, entry);
        }
        let raw = json!({
            "openapi": "3.0.3",
            "info": { "title": "t", "version": "1" },
            "paths": {},
            "components": { "parameters": parameters },
        });
        let spec = parse(&raw.to_string()).expect("a document of parameters parses");
        let typed = spec.api.components.as_ref().map(|c| &c.parameters);
        let by_type = resolve(&ReferenceOr::Reference { reference: probe.clone() }, "parameters", typed)
            .map(|p| p.parameter_data_ref().name.clone());
        let start = json!({ "$ref": probe });
        let end = follow(&raw, &start);
        let by_raw = match end.get("$ref") {
            Some(_) => None,
            None => end.get("name").and_then(Value::as_str).map(str::to_owned),
        };
        prop_assert_eq!(by_type, by_raw);
    }
}

/// The near-valid specs reach deep code: most of them parse, and lint finds something in many.
#[test]
fn near_valid_specs_mostly_parse_and_lint_finds_problems_in_some() {
    let mut runner = TestRunner::deterministic();
    let strategy = near_valid_spec();
    let (mut parsed, mut with_problems) = (0, 0);
    for _ in 0..256 {
        let doc = strategy
            .new_tree(&mut runner)
            .expect("a near-valid spec")
            .current();
        if let Ok(spec) = parse(&doc.to_string()) {
            parsed += 1;
            if !crate::lint::lint(&spec).is_empty() {
                with_problems += 1;
            }
        }
    }
    // 97 and 26 when these bounds were set: they leave room for the spec to change,
    // since each edit of it moves the deterministic sample (64 samples sat at the bound).
    assert!(parsed >= 64, "only {parsed} of 256 parse");
    assert!(
        with_problems >= 16,
        "lint finds problems in {with_problems} of 256"
    );
}
