//! The rules of `cargo xtask diff`, each shown on a small spec edit.
use super::*;
use serde_json::json;

/// A spec with one operation whose request and response have the given properties.
fn spec(request: Value, response: Value, statuses: &[&str]) -> Value {
    let mut responses = serde_json::Map::new();
    for status in statuses {
        responses.insert((*status).to_owned(), json!({ "description": "d" }));
    }
    responses.insert(
        "200".into(),
        json!({ "description": "ok", "content": { "application/json": { "schema": response } } }),
    );
    json!({
        "openapi": "3.0.3",
        "paths": { "/v1/x/{id}": { "post": {
            "operationId": "doX",
            "requestBody": { "content": { "application/json": { "schema": request } } },
            "responses": responses
        } } },
        "components": { "schemas": { "State": { "type": "string", "enum": ["a", "b"] } } }
    })
}

fn object(props: Value, required: &[&str]) -> Value {
    json!({ "type": "object", "properties": props, "required": required })
}

fn base() -> Value {
    spec(
        object(json!({ "purpose": { "type": "string" } }), &[]),
        object(
            json!({ "id": { "type": "string" }, "state": { "$ref": "#/components/schemas/State" }, "note": { "type": "string" } }),
            &["id", "state"],
        ),
        &["404"],
    )
}

/// The single change between `base()` and `changed`.
fn only_change(changed: Value) -> Change {
    let changes = diff(&base(), &changed);
    assert_eq!(changes.len(), 1, "{changes:#?}");
    changes.into_iter().next().expect("one change")
}

/// Sets (or adds) the value at `pointer`; its parent must exist.
fn set(mut doc: Value, pointer: &str, value: Value) -> Value {
    let (parent, key) = pointer.rsplit_once('/').expect("a JSON pointer");
    let key = key.replace("~1", "/").replace("~0", "~");
    match doc.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.insert(key, value);
        }
        _ => panic!("no object at {parent}"),
    }
    doc
}

const REQ: &str = "/paths/~1v1~1x~1{id}/post/requestBody/content/application~1json/schema";
const RESP: &str = "/paths/~1v1~1x~1{id}/post/responses/200/content/application~1json/schema";

#[test]
fn no_change_is_no_change() {
    assert!(diff(&base(), &base()).is_empty());
    assert_eq!(render(&[]), "No changes.\n");
}

#[test]
fn an_added_operation_is_compatible() {
    let mut changed = base();
    changed["paths"]["/v1/y"] = json!({ "get": { "operationId": "getY", "responses": { "200": { "description": "ok" } } } });
    let change = only_change(changed);
    assert_eq!(
        (change.kind, change.location.as_str(), change.breaking),
        (Kind::OperationAdded, "GET /v1/y", false)
    );
}

#[test]
fn a_removed_operation_breaks() {
    let old = {
        let mut doc = base();
        doc["paths"]["/v1/y"] = json!({ "get": { "operationId": "getY", "responses": { "200": { "description": "ok" } } } });
        doc
    };
    let changes = diff(&old, &base());
    assert_eq!(changes.len(), 1);
    assert_eq!(
        (changes[0].kind.clone(), changes[0].breaking),
        (Kind::OperationRemoved, true)
    );
    assert_eq!(changes[0].operations, ["getY"]);
}

#[test]
fn a_new_optional_request_field_is_compatible() {
    let change = only_change(set(
        base(),
        &format!("{REQ}/properties/reason"),
        json!({ "type": "string" }),
    ));
    assert_eq!(
        (change.kind, change.breaking),
        (
            Kind::FieldAdded {
                side: Side::Request,
                required: false
            },
            false
        )
    );
}

#[test]
fn a_new_required_request_field_breaks() {
    let changed = set(
        base(),
        &format!("{REQ}/properties/reason"),
        json!({ "type": "string" }),
    );
    let changed = set(changed, &format!("{REQ}/required"), json!(["reason"]));
    let change = only_change(changed);
    assert_eq!(
        (change.kind, change.location.as_str(), change.breaking),
        (
            Kind::FieldAdded {
                side: Side::Request,
                required: true
            },
            "reason",
            true
        )
    );
}

#[test]
fn a_removed_response_field_breaks() {
    let mut changed = base();
    if let Some(Value::Object(props)) = changed.pointer_mut(&format!("{RESP}/properties")) {
        props.remove("note");
    }
    let change = only_change(changed);
    assert_eq!(
        (change.kind, change.location.as_str(), change.breaking),
        (
            Kind::FieldRemoved {
                side: Side::Response,
                required: false
            },
            "note",
            true
        )
    );
}

#[test]
fn a_new_response_field_is_compatible() {
    let change = only_change(set(
        base(),
        &format!("{RESP}/properties/extra"),
        json!({ "type": "boolean" }),
    ));
    assert_eq!(
        (change.kind, change.breaking),
        (
            Kind::FieldAdded {
                side: Side::Response,
                required: false
            },
            false
        )
    );
}

#[test]
fn a_retyped_field_breaks() {
    let change = only_change(set(
        base(),
        &format!("{RESP}/properties/note"),
        json!({ "type": "number" }),
    ));
    let expected = Kind::FieldRetyped {
        side: Side::Response,
        from: "string".into(),
        to: "number".into(),
    };
    assert_eq!((change.kind, change.breaking), (expected, true));
}

#[test]
fn a_response_field_that_became_optional_breaks_and_required_does_not() {
    let change = only_change(set(base(), &format!("{RESP}/required"), json!(["id"])));
    assert_eq!(
        (change.kind, change.location.as_str(), change.breaking),
        (
            Kind::FieldBecameOptional {
                side: Side::Response
            },
            "state",
            true
        )
    );
    let change = only_change(set(
        base(),
        &format!("{RESP}/required"),
        json!(["id", "state", "note"]),
    ));
    assert_eq!(
        (change.kind, change.breaking),
        (
            Kind::FieldBecameRequired {
                side: Side::Response
            },
            false
        )
    );
}

#[test]
fn a_request_field_that_became_required_breaks_and_optional_does_not() {
    let change = only_change(set(base(), &format!("{REQ}/required"), json!(["purpose"])));
    assert_eq!(
        (change.kind, change.breaking),
        (
            Kind::FieldBecameRequired {
                side: Side::Request
            },
            true
        )
    );
    let old = set(base(), &format!("{REQ}/required"), json!(["purpose"]));
    let changes = diff(&old, &base());
    assert_eq!(
        (changes[0].kind.clone(), changes[0].breaking),
        (
            Kind::FieldBecameOptional {
                side: Side::Request
            },
            false
        )
    );
}

#[test]
fn an_added_enum_value_is_absorbed_and_a_removed_one_breaks() {
    let change = only_change(set(
        base(),
        "/components/schemas/State/enum",
        json!(["a", "b", "c"]),
    ));
    assert_eq!(
        (change.kind, change.breaking),
        (
            Kind::EnumValueAdded {
                side: Side::Response,
                value: "c".into()
            },
            false
        )
    );
    let change = only_change(set(base(), "/components/schemas/State/enum", json!(["a"])));
    assert_eq!(
        (change.kind, change.breaking),
        (
            Kind::EnumValueRemoved {
                side: Side::Response,
                value: "b".into()
            },
            true
        )
    );
}

#[test]
fn changed_status_codes() {
    let changed = spec(
        object(json!({ "purpose": { "type": "string" } }), &[]),
        base().pointer(RESP).cloned().unwrap_or_default(),
        &["404", "409"],
    );
    let change = only_change(changed);
    assert_eq!(
        (change.kind, change.breaking),
        (
            Kind::StatusAdded {
                status: "409".into()
            },
            false
        )
    );
    let mut no_success = base();
    if let Some(Value::Object(responses)) =
        no_success.pointer_mut("/paths/~1v1~1x~1{id}/post/responses")
    {
        let ok = responses.remove("200");
        if let Some(ok) = ok {
            responses.insert("201".into(), ok);
        }
    }
    // 200 -> 201 breaks direct users of the generated crate only; the wrapper accepts an
    // undocumented 2xx whose body decodes, and the body is the same.
    let change = only_change(no_success);
    assert_eq!(
        (change.kind, change.impact, change.breaking),
        (
            Kind::SuccessStatusChanged {
                from: "200".into(),
                to: "201".into()
            },
            Impact::GeneratedCrate,
            true
        )
    );
    // With no success left at all, every client breaks.
    let mut no_success = base();
    if let Some(Value::Object(responses)) =
        no_success.pointer_mut("/paths/~1v1~1x~1{id}/post/responses")
    {
        responses.remove("200");
    }
    let change = only_change(no_success);
    assert_eq!(
        (change.kind, change.impact),
        (
            Kind::StatusRemoved {
                status: "200".into()
            },
            Impact::AllClients
        )
    );
}

#[test]
fn the_same_change_in_many_operations_is_listed_once() {
    let mut old = base();
    old["paths"]["/v1/z"] = old["paths"]["/v1/x/{id}"].clone();
    old["paths"]["/v1/z"]["post"]["operationId"] = json!("doZ");
    let mut new = old.clone();
    for path in ["/v1/x/{id}", "/v1/z"] {
        if let Some(Value::Object(props)) =
            new["paths"][path]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
                .get_mut("properties")
        {
            props.remove("note");
        }
    }
    let changes = diff(&old, &new);
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0].operations, ["doX", "doZ"]);
    assert!(
        render(&changes).contains("BREAKING    note: optional field removed (doX, doZ)"),
        "{}",
        render(&changes)
    );
}
