//! Tests of `cargo xtask import`, on small upstream documents.

use serde_json::{Value, json};

use super::select::{OUR_OPERATIONS, collect_refs, is_ours};
use super::*;

/// The operations import keeps are exactly the maintained spec's: a path renamed or an
/// operation added in the spec fails this test, naming it, until `OUR_OPERATIONS` follows.
#[test]
fn the_operations_kept_are_the_maintained_specs() {
    let spec = crate::spec::load(&crate::spec::this_workspace().join(crate::spec::SPEC_PATH))
        .expect("the maintained spec reads");
    let mut in_spec: Vec<(String, String)> = Vec::new();
    for (path, item) in &spec.api.paths.paths {
        if let Some(item) = item.as_item() {
            for (method, _) in item.iter() {
                in_spec.push((method.to_owned(), path.clone()));
            }
        }
    }
    let mut kept: Vec<(String, String)> = OUR_OPERATIONS
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    in_spec.sort();
    kept.sort();
    assert_eq!(kept, in_spec, "OUR_OPERATIONS against the maintained spec");
}

/// A small 3.1 upstream document: our operations (most as stubs), one more operation and
/// schemas only it reaches, and one of each 3.1 construct.
fn upstream() -> String {
    let mut paths = serde_json::Map::new();
    for (method, path) in OUR_OPERATIONS {
        let op = json!({ "responses": { "200": { "description": "ok", "content": { "application/json": {
            "schema": { "$ref": "#/components/schemas/Envelope" } } } } } });
        let item = paths.entry(path.to_owned()).or_insert_with(|| json!({}));
        if let Value::Object(item) = item {
            item.insert(method.to_owned(), op);
        }
    }
    paths.insert(
        "/v1/chats".into(),
        json!({ "get": { "operationId": "listChats", "responses": { "200": { "description": "ok", "content": {
            "application/json": { "schema": { "$ref": "#/components/schemas/Chat" } } } } } } }),
    );
    let doc = json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": { "title": "Beeper Desktop API", "version": "9.9.9", "license": { "name": "MIT", "identifier": "MIT" } },
        "security": [{ "bearerAuth": [] }],
        "paths": paths,
        "components": {
            "securitySchemes": { "bearerAuth": { "type": "http", "scheme": "bearer" }, "unused": { "type": "apiKey", "in": "header", "name": "x" } },
            "schemas": {
                "Envelope": { "type": "object", "required": ["session"], "properties": {
                    "session": { "$ref": "#/components/schemas/Session", "description": "sibling description" },
                    "count": { "type": ["integer", "null"], "exclusiveMinimum": 0 },
                    "kind": { "const": "verification" },
                    "note": { "type": "string", "examples": ["first", "second"] },
                    "other": { "anyOf": [{ "$ref": "#/components/schemas/Nested" }, { "type": "null" }] },
                    "limited": { "$ref": "#/components/schemas/Nested", "maxProperties": 3 },
                    "both": { "$ref": "#/components/schemas/Nested", "allOf": [{ "required": ["deep"] }] }
                } },
                "Session": { "type": "object", "properties": { "state": { "type": "string" } } },
                "Nested": { "type": "object", "properties": { "deep": { "$ref": "#/components/schemas/Deep" } } },
                "Deep": { "type": "string", "enum": ["a", "b", null] },
                "Chat": { "type": "object", "properties": { "id": { "type": "string" } } },
                "Unused": { "type": "string" }
            }
        }
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

fn imported() -> Value {
    let yaml = import(&upstream(), None).expect("imports");
    serde_yaml::from_str(&yaml).expect("YAML")
}

#[test]
fn keeps_exactly_the_reachable_components() {
    let spec = imported();
    let schemas: Vec<&String> = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    assert_eq!(schemas, ["Deep", "Envelope", "Nested", "Session"]);
    let schemes: Vec<&String> = spec
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    assert_eq!(schemes, ["bearerAuth"]);
    let paths = spec.get("paths").and_then(Value::as_object).expect("paths");
    assert!(!paths.contains_key("/v1/chats"));
    assert_eq!(
        paths
            .values()
            .map(|i| i.as_object().map_or(0, |m| m.len()))
            .sum::<usize>(),
        OUR_OPERATIONS.len()
    );
}

#[test]
fn importing_twice_gives_the_same_file() {
    let once = import(&upstream(), None).expect("imports");
    let twice = import(&once, Some(&once)).expect("imports again");
    assert_eq!(once, twice);
}

#[test]
fn every_3_1_construct_is_converted() {
    let spec = imported();
    let envelope = spec
        .pointer("/components/schemas/Envelope/properties")
        .expect("properties");
    assert_eq!(spec["openapi"], "3.0.3");
    assert!(
        spec.get("jsonSchemaDialect").is_none()
            && spec.pointer("/info/license/identifier").is_none()
    );
    assert_eq!(
        envelope["count"],
        json!({ "type": "integer", "nullable": true, "minimum": 0, "exclusiveMinimum": true })
    );
    assert_eq!(envelope["kind"], json!({ "enum": ["verification"] }));
    assert_eq!(
        envelope["note"],
        json!({ "type": "string", "example": "first" })
    );
    assert_eq!(
        envelope["other"],
        json!({ "nullable": true, "allOf": [{ "$ref": "#/components/schemas/Nested" }] })
    );
    assert_eq!(
        envelope["session"],
        json!({ "$ref": "#/components/schemas/Session" }),
        "annotation siblings go"
    );
    assert_eq!(
        envelope["limited"],
        json!({ "allOf": [{ "$ref": "#/components/schemas/Nested" }], "maxProperties": 3 })
    );
    assert_eq!(
        envelope["both"],
        json!({ "allOf": [{ "$ref": "#/components/schemas/Nested" }, { "required": ["deep"] }] }),
        "an allOf beside the $ref stays"
    );
    assert_eq!(
        spec.pointer("/components/schemas/Deep"),
        Some(&json!({ "type": "string", "enum": ["a", "b"], "nullable": true }))
    );
    // And the result is a document openapiv3 reads as 3.0.
    let text = to_yaml(&spec).expect("yaml");
    assert!(crate::spec::parse(&text).is_ok());
}

#[test]
fn our_additions_are_kept_where_upstream_has_none() {
    let ours = "paths:\n  /v1/app/setup:\n    get:\n      operationId: getSetup\n      tags: [setup]\n      summary: Ours\ncomponents:\n  schemas:\n    Session:\n      description: Our session.\n      properties:\n        state: {description: Our state.}\n";
    let spec: Value =
        serde_yaml::from_str(&import(&upstream(), Some(ours)).expect("imports")).expect("yaml");
    let op = spec.pointer("/paths/~1v1~1app~1setup/get").expect("op");
    assert_eq!(
        (op["operationId"].as_str(), op["summary"].as_str()),
        (Some("getSetup"), Some("Ours"))
    );
    assert_eq!(
        spec.pointer("/components/schemas/Session/description"),
        Some(&json!("Our session."))
    );
    assert_eq!(
        spec.pointer("/components/schemas/Session/properties/state/description"),
        Some(&json!("Our state."))
    );
}

#[test]
fn a_reference_into_a_component_keeps_the_component() {
    let mut doc: Value = serde_json::from_str(&upstream()).expect("json");
    if let Some(Value::Object(schemas)) = doc.pointer_mut("/components/schemas") {
        schemas.insert(
            "Holder".into(),
            json!({ "type": "object", "properties": { "inner": { "type": "string" } } }),
        );
        if let Some(Value::Object(props)) = schemas
            .get_mut("Session")
            .and_then(|s| s.get_mut("properties"))
        {
            props.insert(
                "alias".into(),
                json!({ "$ref": "#/components/schemas/Holder/properties/inner" }),
            );
        }
    }
    let yaml = import(&doc.to_string(), None).expect("imports");
    let spec: Value = serde_yaml::from_str(&yaml).expect("YAML");
    assert!(spec.pointer("/components/schemas/Holder").is_some());
    assert_eq!(crate::spec::unresolved_refs(&spec), vec![]);
}

/// The small upstream document after `edit`, as JSON text.
fn upstream_with(edit: impl FnOnce(&mut Value)) -> String {
    let mut doc: Value = serde_json::from_str(&upstream()).expect("json");
    edit(&mut doc);
    doc.to_string()
}

#[test]
fn what_conversion_drops_keeps_no_component() {
    // `Chat` is reached only from an `examples` entry after the first and from an example
    // beside a `$ref`, both dropped by the conversion: it was kept the first time and
    // dropped the second, so importing twice gave another file.
    let text = upstream_with(|doc| {
        let props = doc
            .pointer_mut("/components/schemas/Envelope/properties")
            .expect("properties");
        props["note"]["examples"] = json!(["first", { "$ref": "#/components/schemas/Chat" }]);
        props["session"]["example"] = json!({ "$ref": "#/components/schemas/Chat" });
    });
    let once = import(&text, None).expect("imports");
    let spec: Value = serde_yaml::from_str(&once).expect("YAML");
    assert!(spec.pointer("/components/schemas/Chat").is_none());
    assert_eq!(import(&once, Some(&once)).expect("imports again"), once);
}

/// Every `type` in `value` that is not a single type name, with where it stands.
fn types_not_a_name(value: &Value, at: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if map.get("type").is_some_and(|t| !t.is_string()) {
                out.push(format!("{at}/type: {}", map["type"]));
            }
            for (key, child) in map {
                types_not_a_name(child, &format!("{at}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                types_not_a_name(child, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn a_type_list_entry_that_is_not_a_type_name_converts_once() {
    // proptest's case: `type: [[]]`. Its one entry was written as the `type` (`type: []`),
    // which the next import read as a 3.1 type list naming nothing and dropped, so importing
    // the output gave another file. A list inside the list did the same through `anyOf`.
    for (entries, expected) in [
        (json!([[]]), json!({})),
        (json!([["string", "null"]]), json!({})),
        (json!([["string"], "null"]), json!({ "nullable": true })),
        (
            json!([["string", "null"], "integer", "boolean"]),
            json!({ "anyOf": [{ "type": "integer" }, { "type": "boolean" }] }),
        ),
        (json!([{}, "integer"]), json!({ "type": "integer" })),
    ] {
        let text = upstream_with(|doc| {
            doc["components"]["schemas"]["Session"]["properties"]["state"]["type"] =
                entries.clone();
        });
        let once = import(&text, None).expect("imports");
        let spec: Value = serde_yaml::from_str(&once).expect("YAML");
        assert_eq!(
            spec.pointer("/components/schemas/Session/properties/state"),
            Some(&expected),
            "type: {entries}"
        );
        let mut not_names = Vec::new();
        types_not_a_name(&spec, "", &mut not_names);
        assert_eq!(not_names, Vec::<String>::new(), "type: {entries}");
        let twice = import(&once, Some(&once)).expect("imports again");
        assert!(
            twice == once,
            "type: {entries}: importing the output changed it"
        );
    }
}

#[test]
fn only_tags_an_operation_uses_are_kept_wherever_they_come_from() {
    // Upstream has no tags; ours has one no operation uses. It was kept the first time and
    // dropped the second.
    let text = upstream_with(|doc| {
        if let Some(Value::Object(op)) = doc.pointer_mut("/paths/~1v1~1app~1setup/get") {
            op.insert("tags".into(), json!(["setup"]));
        }
    });
    let ours = "tags:\n  - {name: setup, description: Setup.}\n  - {name: unused}\n";
    let once = import(&text, Some(ours)).expect("imports");
    let spec: Value = serde_yaml::from_str(&once).expect("YAML");
    assert_eq!(
        spec["tags"],
        json!([{ "name": "setup", "description": "Setup." }])
    );
    assert_eq!(import(&once, Some(&once)).expect("imports again"), once);
}

#[test]
fn a_reference_into_a_dropped_path_fails_naming_it() {
    let text = upstream_with(|doc| {
        if let Some(Value::Object(props)) =
            doc.pointer_mut("/components/schemas/Session/properties")
        {
            props.insert(
                "chat".into(),
                json!({ "$ref": "#/paths/~1v1~1chats/get/responses/200" }),
            );
        }
    });
    let err = import(&text, None).expect_err("a reference into a path import drops");
    assert!(
        err.contains(
            "#/components/schemas/Session/properties/chat: #/paths/~1v1~1chats/get/responses/200"
        ),
        "{err}"
    );
}

#[test]
fn a_reference_into_what_conversion_changes_fails_naming_it() {
    let text = upstream_with(|doc| {
        if let Some(Value::Object(props)) =
            doc.pointer_mut("/components/schemas/Session/properties")
        {
            // `count` has `type: [integer, null]`, which becomes `type: integer`.
            props.insert(
                "kind".into(),
                json!({ "$ref": "#/components/schemas/Envelope/properties/count/type/0" }),
            );
        }
    });
    let err = import(&text, None).expect_err("a reference into a converted list");
    assert!(
        err.contains("#/components/schemas/Session/properties/kind: #/components/schemas/Envelope/properties/count/type/0"),
        "{err}"
    );
}

#[test]
fn a_missing_operation_fails_naming_its_path() {
    let mut doc: Value = serde_json::from_str(&upstream()).expect("json");
    if let Some(Value::Object(paths)) = doc.get_mut("paths") {
        paths.remove("/v1/app/setup/verifications/qr/scan");
    }
    let err = import(&doc.to_string(), None).expect_err("incomplete");
    assert!(
        err.contains("POST /v1/app/setup/verifications/qr/scan"),
        "{err}"
    );
}

#[test]
fn our_error_details_and_their_schemas_survive_an_upstream_without_them() {
    let path = crate::spec::this_workspace().join(crate::spec::SPEC_PATH);
    let text = std::fs::read_to_string(path).expect("readable");
    let ours: Value = serde_yaml::from_str(&text).expect("yaml");
    let mut upstream = ours.clone();
    let mut dropped = Vec::new();
    for response in upstream["components"]["responses"]
        .as_object_mut()
        .expect("responses")
        .values_mut()
    {
        if let Some(details) = response
            .as_object_mut()
            .and_then(|r| r.remove("x-error-details"))
        {
            collect_refs(&details, &mut dropped);
        }
    }
    assert!(
        !dropped.is_empty(),
        "the maintained spec has x-error-details"
    );
    let schemas = upstream["components"]["schemas"]
        .as_object_mut()
        .expect("schemas");
    for name in [
        "ActionNotAvailableDetails",
        "ValidationErrorDetails",
        "ValidationIssue",
    ] {
        assert!(schemas.remove(name).is_some(), "{name}");
    }
    let upstream = serde_json::to_string(&upstream).expect("json");
    let imported = import(&upstream, Some(&text)).expect("imports");
    let after: Value = serde_yaml::from_str(&imported).expect("yaml");
    assert_eq!(ours, after);
}

#[test]
fn the_maintained_spec_round_trips_unchanged_in_meaning() {
    let path = crate::spec::this_workspace().join(crate::spec::SPEC_PATH);
    let text = std::fs::read_to_string(path).expect("readable");
    let imported = import(&text, Some(&text)).expect("imports");
    let before: Value = serde_yaml::from_str(&text).expect("yaml");
    let after: Value = serde_yaml::from_str(&imported).expect("yaml");
    assert_eq!(before, after);
}

#[test]
fn what_import_keeps_is_exactly_our_operations() {
    // Upstream adds an operation beside ours on one of our paths, one on a path under ours,
    // one on a path that merely starts like ours, and one on our setup path: none is wrapped,
    // so none is kept (they were, and then named in the spec with no wrapper for them).
    let text = upstream_with(|doc| {
        let stub =
            json!({ "operationId": "extra", "responses": { "200": { "description": "ok" } } });
        let paths = doc["paths"].as_object_mut().expect("paths");
        paths["/v1/app/setup/verifications/{verificationID}"]["delete"] = stub.clone();
        paths["/v1/app/setup"]["post"] = stub.clone();
        paths.insert(
            "/v1/app/setup/verifications/{verificationID}/reciprocate".into(),
            json!({ "post": stub.clone() }),
        );
        paths.insert(
            "/v1/app/setup/verificationsettings".into(),
            json!({ "get": stub }),
        );
    });
    let spec: Value = serde_yaml::from_str(&import(&text, None).expect("imports")).expect("yaml");
    let mut kept: Vec<(String, String)> = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for method in crate::spec::METHODS {
            if item.get(method).is_some() {
                kept.push((method.to_owned(), path.clone()));
            }
        }
    }
    let mut ours: Vec<(String, String)> = OUR_OPERATIONS
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    kept.sort();
    ours.sort();
    assert_eq!(kept, ours);
}

#[test]
fn is_ours_and_our_operations_agree() {
    for (method, path) in OUR_OPERATIONS {
        assert!(is_ours(method, path), "{method} {path}");
        for other in crate::spec::METHODS.iter().filter(|m| **m != method) {
            assert_eq!(
                is_ours(other, path),
                OUR_OPERATIONS.contains(&(other, path)),
                "{other} {path}"
            );
        }
    }
    assert!(!is_ours("get", "/v1/app/setup/verificationsettings"));
    assert!(!is_ours(
        "delete",
        "/v1/app/setup/verifications/{verificationID}"
    ));
}

#[test]
fn a_reference_described_in_its_place_becomes_the_reference() {
    // `allOf: [{$ref}, {description}]` stayed as written, and lint then refused the property
    // ("has no description"), so `generate` failed after every import.
    let text = upstream_with(|doc| {
        let schemas = doc["components"]["schemas"]
            .as_object_mut()
            .expect("schemas");
        schemas["Session"]["description"] = json!("A session.");
        schemas["Envelope"]["properties"]["wrapped"] = json!({ "allOf": [
            { "$ref": "#/components/schemas/Session" },
            { "description": "The session, described in its place." } ] });
        schemas["Envelope"]["properties"]["maybe"] = json!({ "nullable": true, "allOf": [
            { "$ref": "#/components/schemas/Session" },
            { "description": "Nullable, so not a plain reference." } ] });
    });
    let yaml = import(&text, None).expect("imports");
    let spec: Value = serde_yaml::from_str(&yaml).expect("yaml");
    let props = &spec["components"]["schemas"]["Envelope"]["properties"];
    assert_eq!(
        props["wrapped"],
        json!({ "$ref": "#/components/schemas/Session" })
    );
    assert_eq!(
        props["maybe"],
        json!({ "nullable": true, "allOf": [{ "$ref": "#/components/schemas/Session" }] })
    );
    let parsed = crate::spec::parse(&yaml).expect("3.0");
    let undescribed: Vec<String> = crate::lint::lint(&parsed)
        .into_iter()
        .filter(|p| p.contains("`wrapped`") || p.contains("`maybe`"))
        .collect();
    assert_eq!(undescribed, Vec::<String>::new());
}

#[test]
fn our_operation_ids_are_kept_where_upstream_renames_them() {
    // Upstream renamed an operationId; it was adopted silently, and the wrapper and the fake
    // stopped compiling (`ops::CONFIRM_VERIFICATION_SAS` not found).
    let ours = crate::spec::this_workspace().join(crate::spec::SPEC_PATH);
    let ours = std::fs::read_to_string(ours).expect("the maintained spec");
    let mut doc: Value = serde_yaml::from_str(&ours).expect("yaml");
    let confirm = "/paths/~1v1~1app~1setup~1verifications~1{verificationID}~1sas~1confirm/post";
    doc.pointer_mut(confirm).expect("confirm")["operationId"] = json!("confirmSas");
    let imported = import_noting(&doc.to_string(), Some(&ours)).expect("imports");
    let spec: Value = serde_yaml::from_str(&imported.yaml).expect("yaml");
    assert_eq!(
        spec.pointer(&format!("{confirm}/operationId")),
        Some(&json!("confirmVerificationSas"))
    );
    assert!(
        imported.notes.iter().any(|n| n.contains(
            "POST /v1/app/setup/verifications/{verificationID}/sas/confirm: upstream renamed \
             operationId `confirmVerificationSas` to `confirmSas`; kept `confirmVerificationSas`"
        )),
        "{:?}",
        imported.notes
    );
}

/// Upstream's error `details`: a validation object, an object map, an unconstrained value and
/// `{nullable: true}`.
fn upstream_details() -> Value {
    json!({ "description": "Additional error details.", "anyOf": [
        { "type": "object", "required": ["issues"], "properties": {
            "issues": { "type": "array", "items": { "type": "object" } } } },
        { "type": "object", "additionalProperties": true },
        {},
        { "nullable": true } ] })
}

#[test]
fn an_any_of_with_an_unconstrained_member_is_an_untyped_value() {
    let text = upstream_with(|doc| {
        doc["components"]["schemas"]["Session"]["properties"]["details"] = upstream_details();
    });
    let spec: Value = serde_yaml::from_str(&import(&text, None).expect("imports")).expect("yaml");
    assert_eq!(
        spec["components"]["schemas"]["Session"]["properties"]["details"],
        json!({ "description": "Additional error details.", "nullable": true })
    );
}

/// Our maintained spec, written the way Beeper's document writes everything: 3.1.0 with 3.0
/// idioms, components renamed (`Error`, `VerificationResponse`, `AppStateSnapshotE2ee`,
/// `UnauthorizedError`...), enums inline, references described in their place, request bodies
/// and the version header not marked required, error `details` an `anyOf`, no
/// `x-error-details`, one operationId renamed, and a path of its own. The same wire.
fn ours_in_upstreams_style() -> (String, Value) {
    let text = std::fs::read_to_string(crate::spec::this_workspace().join(crate::spec::SPEC_PATH))
        .expect("the maintained spec");
    let mut doc: Value = serde_yaml::from_str(&text).expect("yaml");
    doc["openapi"] = json!("3.1.0");
    let schemas = doc["components"]["schemas"].clone();
    let schemas = schemas.as_object().expect("schemas");
    // Only x-error-details reaches these.
    let unreached = [
        "ActionNotAvailableDetails",
        "ValidationErrorDetails",
        "ValidationIssue",
        "ValidationPathSegment",
    ];
    let enums: Vec<&String> = schemas
        .iter()
        .filter(|(_, s)| s.get("enum").is_some())
        .map(|(n, _)| n)
        .collect();
    fn rewrite(value: &mut Value, schemas: &serde_json::Map<String, Value>, enums: &[&String]) {
        match value {
            Value::Object(map) => {
                if let Some(Value::Object(props)) = map.get_mut("properties") {
                    for prop in props.values_mut() {
                        let name = prop
                            .get("$ref")
                            .and_then(Value::as_str)
                            .and_then(|r| r.strip_prefix("#/components/schemas/"))
                            .map(str::to_owned);
                        match name {
                            Some(n) if enums.iter().any(|e| **e == n) => {
                                *prop = schemas[&n].clone();
                            }
                            Some(_) => {
                                let reference = prop.clone();
                                *prop = json!({ "allOf": [reference, { "description": "Described here." }] });
                            }
                            None => {}
                        }
                    }
                }
                if let Some(Value::String(r)) = map.get_mut("$ref") {
                    if let Some(n) = r.strip_prefix("#/components/schemas/")
                        && enums.iter().any(|e| *e == n)
                    {
                        let inline = schemas[n].clone();
                        *value = inline;
                        return;
                    }
                    for (from, to) in [
                        ("schemas/ApiError", "schemas/Error"),
                        (
                            "schemas/VerificationSessionResponse",
                            "schemas/VerificationResponse",
                        ),
                        ("schemas/E2ee", "schemas/AppStateSnapshotE2ee"),
                    ] {
                        if *r == format!("#/components/{from}") {
                            *r = format!("#/components/{to}");
                        }
                    }
                    if let Some(n) = r.strip_prefix("#/components/responses/") {
                        *r = format!("#/components/responses/{n}Error");
                    }
                }
                map.remove("x-error-details");
                for v in map.values_mut() {
                    rewrite(v, schemas, enums);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| rewrite(v, schemas, enums)),
            _ => {}
        }
    }
    rewrite(&mut doc, schemas, &enums);
    let components = doc["components"].as_object_mut().expect("components");
    let schemas = components["schemas"].as_object_mut().expect("schemas");
    for name in unreached
        .iter()
        .copied()
        .chain(enums.iter().map(|s| s.as_str()))
    {
        schemas.remove(name);
    }
    for (from, to) in [
        ("ApiError", "Error"),
        ("VerificationSessionResponse", "VerificationResponse"),
        ("E2ee", "AppStateSnapshotE2ee"),
    ] {
        let schema = schemas.remove(from).expect("a component");
        schemas.insert(to.into(), schema);
    }
    schemas["Error"]["properties"]["details"] = upstream_details();
    let responses = std::mem::take(components["responses"].as_object_mut().expect("responses"));
    components["responses"] = Value::Object(
        responses
            .into_iter()
            .map(|(n, r)| (format!("{n}Error"), r))
            .collect(),
    );
    if let Some(Value::Object(header)) =
        doc.pointer_mut("/components/headers/XBeeperDesktopVersion")
    {
        header.remove("required");
    }
    for item in doc["paths"].as_object_mut().expect("paths").values_mut() {
        for op in item.as_object_mut().expect("item").values_mut() {
            if let Some(Value::Object(body)) = op.get_mut("requestBody") {
                body.remove("required");
            }
        }
    }
    let confirm = "/paths/~1v1~1app~1setup~1verifications~1{verificationID}~1sas~1confirm/post";
    doc.pointer_mut(confirm).expect("confirm")["operationId"] = json!("confirmSas");
    doc["paths"]["/v1/chats"] = json!({ "get": { "operationId": "listChats", "responses": {
        "200": { "description": "ok" } } } });
    (text, doc)
}

#[test]
fn an_upstream_identical_on_the_wire_leaves_our_spec_unchanged() {
    // It replaced our names with upstream's (ApiError → Error, VerificationSessionResponse →
    // VerificationResponse, E2ee → AppStateSnapshotE2ee, enums inline), and the wrapper and
    // the fake then failed to compile.
    let (ours, upstream) = ours_in_upstreams_style();
    let imported = import_noting(&upstream.to_string(), Some(&ours)).expect("imports");
    assert!(
        imported.yaml == ours,
        "the spec changed:\n{}",
        imported.yaml
    );
    let again = import(&upstream.to_string(), Some(&imported.yaml)).expect("imports again");
    assert!(again == ours);
}

#[test]
fn where_upstream_changes_our_names_stay() {
    let (ours, mut upstream) = ours_in_upstreams_style();
    upstream["components"]["schemas"]["Verification"]["properties"]["startedAt"] =
        json!({ "type": "string", "format": "date-time", "description": "When it started." });
    let imported = import_noting(&upstream.to_string(), Some(&ours)).expect("imports");
    let spec: Value = serde_yaml::from_str(&imported.yaml).expect("yaml");
    let before: Value = serde_yaml::from_str(&ours).expect("yaml");
    let names = |doc: &Value, kind: &str| -> Vec<String> {
        doc["components"][kind]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    };
    for kind in ["schemas", "responses", "headers", "parameters"] {
        assert_eq!(names(&spec, kind), names(&before, kind), "{kind}");
    }
    let changes = crate::diff::diff(&before, &spec);
    let text = crate::diff::render(&changes);
    assert!(
        changes
            .iter()
            .all(|c| c.location.ends_with("startedAt") && !c.breaking),
        "{text}"
    );
    assert_eq!(crate::diff::exit_code(&changes), 0, "{text}");
    assert!(
        imported
            .notes
            .iter()
            .any(|n| n.contains("kept our name `ApiError` for upstream's schemas `Error`")),
        "{:?}",
        imported.notes
    );
    // And it generates.
    let dir = std::env::temp_dir().join(format!("xtask-import-names-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("spec.yaml");
    std::fs::write(&path, &imported.yaml).expect("write");
    let rendered = crate::generate::render(&path, "spec.yaml");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(rendered.is_ok(), "{:?}", rendered.err());
}
