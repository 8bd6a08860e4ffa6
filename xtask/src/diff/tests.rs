//! The rules of `cargo xtask diff`, each shown on a small spec edit.
use super::*;
use serde_json::{Value, json};

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
fn a_response_field_that_became_optional_breaks_and_required_breaks_the_generated_crate() {
    let change = only_change(set(base(), &format!("{RESP}/required"), json!(["id"])));
    assert_eq!(
        (change.kind, change.location.as_str(), change.impact),
        (
            Kind::FieldBecameOptional {
                side: Side::Response,
                generated_type_changes: true,
            },
            "state",
            Impact::AllClients
        )
    );
    // The wire takes it; the generated crate's `Option<String>` becomes a `String`.
    let change = only_change(set(
        base(),
        &format!("{RESP}/required"),
        json!(["id", "state", "note"]),
    ));
    assert_eq!(
        (change.kind, change.impact),
        (
            Kind::FieldBecameRequired {
                side: Side::Response,
                generated_type_changes: true,
            },
            Impact::GeneratedCrate
        )
    );
}

#[test]
fn a_request_field_that_became_required_breaks_and_optional_breaks_the_generated_crate() {
    let change = only_change(set(base(), &format!("{REQ}/required"), json!(["purpose"])));
    assert_eq!(
        (change.kind, change.impact),
        (
            Kind::FieldBecameRequired {
                side: Side::Request,
                generated_type_changes: true,
            },
            Impact::AllClients
        )
    );
    // The wire takes it; the generated crate's `String` becomes an `Option<String>`.
    let old = set(base(), &format!("{REQ}/required"), json!(["purpose"]));
    let changes = diff(&old, &base());
    assert_eq!(
        (changes[0].kind.clone(), changes[0].impact),
        (
            Kind::FieldBecameOptional {
                side: Side::Request,
                generated_type_changes: true,
            },
            Impact::GeneratedCrate
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

// The rules, one case per kind of change: a small edit of `rich()` and the line it must give.

/// A spec with two operations and one of each thing the diff reads: security, path, query and
/// header parameters, a request body, a response header, success and error bodies, enums,
/// nullable fields and constraints.
fn rich() -> Value {
    json!({
        "openapi": "3.0.3",
        "info": { "title": "t", "version": "1" },
        "servers": [{ "url": "http://localhost:23373" }],
        "security": [{ "bearerAuth": [] }],
        "paths": {
            "/v1/things/{thingID}": {
                "parameters": [{ "$ref": "#/components/parameters/ThingID" }],
                "post": {
                    "operationId": "updateThing",
                    "summary": "Update a thing",
                    "parameters": [
                        { "name": "mode", "in": "query",
                          "schema": { "type": "string", "enum": ["fast", "slow"] } },
                        { "name": "X-Trace", "in": "header", "required": true,
                          "schema": { "type": "string", "maxLength": 64 } }
                    ],
                    "requestBody": { "required": false, "content": { "application/json": {
                        "schema": { "$ref": "#/components/schemas/ThingUpdate" } } } },
                    "responses": {
                        "200": {
                            "description": "ok",
                            "headers": { "X-Version": { "required": true, "schema": { "type": "string" } } },
                            "content": { "application/json": {
                                "schema": { "$ref": "#/components/schemas/Thing" } } }
                        },
                        "404": { "$ref": "#/components/responses/Error" },
                        "409": { "$ref": "#/components/responses/Error" }
                    }
                }
            },
            "/v1/things": { "get": {
                "operationId": "listThings",
                "responses": {
                    "200": { "description": "ok", "content": { "application/json": { "schema": {
                        "type": "object", "required": ["items"], "properties": {
                            "items": { "type": "array", "items": { "type": "string" } } } } } } },
                    "404": { "$ref": "#/components/responses/Error" }
                }
            } }
        },
        "components": {
            "securitySchemes": { "bearerAuth": { "type": "http", "scheme": "bearer" } },
            "parameters": { "ThingID": { "name": "thingID", "in": "path", "required": true,
                "schema": { "type": "string", "minLength": 1 } } },
            "responses": { "Error": { "description": "error", "content": { "application/json": {
                "schema": { "$ref": "#/components/schemas/ApiError" } } } } },
            "schemas": {
                "ApiError": { "type": "object", "required": ["message", "code"], "properties": {
                    "message": { "type": "string" }, "code": { "type": "string" } } },
                "ThingUpdate": { "type": "object", "properties": {
                    "name": { "type": "string", "maxLength": 100 },
                    "size": { "type": "integer", "minimum": 0 },
                    "color": { "$ref": "#/components/schemas/Color" },
                    "label": { "type": "string", "nullable": true } } },
                "Color": { "type": "string", "enum": ["red", "blue"] },
                "Thing": { "type": "object", "required": ["id", "state", "owner"], "properties": {
                    "id": { "type": "string", "pattern": "^t_" },
                    "state": { "$ref": "#/components/schemas/State" },
                    "owner": { "$ref": "#/components/schemas/Owner" },
                    "note": { "type": "string", "maxLength": 200 },
                    "count": { "type": "integer", "minimum": 0, "maximum": 10 },
                    "created": { "type": "string", "format": "date-time" } } },
                "Owner": { "type": "object", "required": ["userID"], "properties": {
                    "userID": { "type": "string" }, "name": { "type": "string" } } },
                "State": { "type": "string", "enum": ["open", "done"] }
            }
        }
    })
}

/// One edit of `rich()`: set the value at a JSON pointer (its parent must exist), or remove
/// what is there. `$U`, `$L` and `$S` stand for the two operations and the schemas.
#[derive(Debug)]
enum Edit {
    Set(&'static str, Value),
    Remove(&'static str),
}

use Edit::{Remove, Set};

fn expand(pointer: &str) -> String {
    pointer
        .replace("$U", "/paths/~1v1~1things~1{thingID}/post")
        .replace("$L", "/paths/~1v1~1things/get")
        .replace("$S", "/components/schemas")
}

fn apply(mut doc: Value, edit: &Edit) -> Value {
    let pointer = match edit {
        Set(pointer, _) | Remove(pointer) => expand(pointer),
    };
    let (parent, key) = pointer.rsplit_once('/').expect("a JSON pointer");
    let key = crate::spec::pointer_unescape(key);
    match (doc.pointer_mut(parent), edit) {
        (Some(Value::Object(map)), Set(_, value)) => {
            map.insert(key, value.clone());
        }
        (Some(Value::Object(map)), Remove(_)) => {
            assert!(map.remove(&key).is_some(), "nothing to remove at {pointer}");
        }
        (Some(Value::Array(items)), Remove(_)) => {
            items.remove(key.parse::<usize>().expect("an index"));
        }
        _ => panic!("no object at {parent}"),
    }
    doc
}

/// A kind of change: the edit, whether it is applied to the base (or reversed: to the head,
/// the base being `rich()` after the edit), whom it breaks and the line it gives.
struct Case {
    name: &'static str,
    edits: Vec<Edit>,
    reversed: bool,
    impact: Impact,
    line: &'static str,
}

fn case(name: &'static str, edits: Vec<Edit>, impact: Impact, line: &'static str) -> Case {
    Case {
        name,
        edits,
        reversed: false,
        impact,
        line,
    }
}

fn reversed(name: &'static str, edits: Vec<Edit>, impact: Impact, line: &'static str) -> Case {
    Case {
        reversed: true,
        ..case(name, edits, impact, line)
    }
}

#[rustfmt::skip]
fn cases() -> Vec<Case> {
    use Impact::{AllClients, Compatible, GeneratedCrate, Unclassified};
    // The `details` of an error with code GONE, as `x-error-details` describes them.
    let error_details = || Set("/components/responses/Error/x-error-details",
        json!([{ "code": "GONE", "schema": { "$ref": "#/components/schemas/Owner" } }]));
    let api_key = || Set("/components/securitySchemes/apiKey",
        json!({ "type": "apiKey", "in": "header", "name": "X-API-Key" }));
    vec![
        // Operations
        case("an operation added", vec![Set("/paths/~1v1~1other", json!({ "get": {
                "operationId": "getOther", "responses": { "200": { "description": "ok" } } } }))],
            Compatible, "compatible  GET /v1/other: operation added (getOther)"),
        case("an operation removed", vec![Remove("/paths/~1v1~1things")],
            AllClients, "BREAKING    GET /v1/things: operation removed (listThings)"),
        case("an operationId renamed", vec![Set("$L/operationId", json!("findThings"))],
            AllClients, "BREAKING    GET /v1/things: operationId renamed from listThings to findThings (findThings)"),
        // Security
        case("the scheme replaced by an API key", vec![api_key(), Set("/security", json!([{ "apiKey": [] }]))],
            AllClients, "BREAKING    security: required security changed from bearerAuth to apiKey (listThings, updateThing)"),
        case("the scheme redefined in place", vec![Set("/components/securitySchemes/bearerAuth",
                json!({ "type": "apiKey", "in": "header", "name": "X-API-Key" }))],
            AllClients, "BREAKING    security scheme bearerAuth: changed from HTTP bearer to an API key in header X-API-Key (listThings, updateThing)"),
        case("a second way to authenticate", vec![api_key(), Set("/security", json!([{ "bearerAuth": [] }, { "apiKey": [] }]))],
            Compatible, "compatible  security: required security changed from bearerAuth to bearerAuth or apiKey (listThings, updateThing)"),
        case("security dropped", vec![Set("$L/security", json!([]))],
            Compatible, "compatible  security: required security changed from bearerAuth to no authentication (listThings)"),
        // Parameters
        case("a required query parameter added", vec![Set("$L/parameters", json!([
                { "name": "limit", "in": "query", "required": true, "schema": { "type": "integer" } }]))],
            AllClients, "BREAKING    query parameter limit: required parameter added (listThings)"),
        case("an optional query parameter added", vec![Set("$L/parameters", json!([
                { "name": "limit", "in": "query", "schema": { "type": "integer" } }]))],
            Compatible, "compatible  query parameter limit: optional parameter added (listThings)"),
        case("a parameter removed", vec![Remove("$U/parameters/0")],
            AllClients, "BREAKING    query parameter mode: optional parameter removed (updateThing)"),
        case("a parameter became required", vec![Set("$U/parameters/0/required", json!(true))],
            AllClients, "BREAKING    query parameter mode: parameter became required (updateThing)"),
        case("a parameter became optional", vec![Set("$U/parameters/1/required", json!(false))],
            Compatible, "compatible  header parameter x-trace: parameter became optional (updateThing)"),
        case("a parameter retyped", vec![Set("$U/parameters/0/schema/type", json!("integer"))],
            AllClients, "BREAKING    query parameter mode: parameter retyped from string to integer (updateThing)"),
        case("a path parameter's minLength raised", vec![Set("/components/parameters/ThingID/schema/minLength", json!(8))],
            AllClients, "BREAKING    path parameter thingID: `minLength` 1 -> 8: the server accepts fewer values (updateThing)"),
        case("a header parameter's maxLength raised", vec![Set("$U/parameters/1/schema/maxLength", json!(128))],
            Compatible, "compatible  header parameter x-trace: `maxLength` 64 -> 128: the server accepts more values (updateThing)"),
        case("a pattern added to a parameter", vec![Set("/components/parameters/ThingID/schema/pattern", json!("^t_"))],
            AllClients, "BREAKING    path parameter thingID: `pattern` none -> ^t_: the server accepts fewer values (updateThing)"),
        case("a parameter's enum value removed", vec![Set("$U/parameters/0/schema/enum", json!(["fast"]))],
            AllClients, "BREAKING    query parameter mode: request enum value `slow` removed (updateThing)"),
        // Request bodies and their fields
        case("the request body became required", vec![Set("$U/requestBody/required", json!(true))],
            AllClients, "BREAKING    request body: body became required (updateThing)"),
        reversed("the request body became optional", vec![Set("$U/requestBody/required", json!(true))],
            Compatible, "compatible  request body: body became optional (updateThing)"),
        case("an optional request body added", vec![Set("$L/requestBody", json!({
                "content": { "application/json": { "schema": { "type": "object" } } } }))],
            Compatible, "compatible  request body: optional body added (listThings)"),
        case("a required request body added", vec![Set("$L/requestBody", json!({ "required": true,
                "content": { "application/json": { "schema": { "type": "object" } } } }))],
            AllClients, "BREAKING    request body: required body added (listThings)"),
        case("the request body removed", vec![Remove("$U/requestBody")],
            AllClients, "BREAKING    request body: body removed (updateThing)"),
        case("an optional request field added", vec![Set("$S/ThingUpdate/properties/tag", json!({ "type": "string" }))],
            Compatible, "compatible  tag: optional field added (updateThing)"),
        case("a required request field added", vec![Set("$S/ThingUpdate/properties/tag", json!({ "type": "string" })),
                Set("$S/ThingUpdate/required", json!(["tag"]))],
            AllClients, "BREAKING    tag: required field added (updateThing)"),
        case("a required request field added by name only", vec![Set("$S/ThingUpdate/required", json!(["reason"]))],
            AllClients, "BREAKING    reason: required field added (updateThing)"),
        case("a request field removed", vec![Remove("$S/ThingUpdate/properties/size")],
            AllClients, "BREAKING    size: optional field removed (updateThing)"),
        case("a request field became required", vec![Set("$S/ThingUpdate/required", json!(["name"]))],
            AllClients, "BREAKING    name: field became required (updateThing)"),
        case("a request field no longer nullable", vec![Remove("$S/ThingUpdate/properties/label/nullable")],
            AllClients, "BREAKING    label: field is no longer nullable (updateThing)"),
        case("a request field became nullable", vec![Set("$S/ThingUpdate/properties/name/nullable", json!(true))],
            Compatible, "compatible  name: optional field became nullable (updateThing)"),
        case("a request maxLength lowered", vec![Set("$S/ThingUpdate/properties/name/maxLength", json!(50))],
            AllClients, "BREAKING    name: `maxLength` 100 -> 50: the server accepts fewer values (updateThing)"),
        case("a request minimum lowered", vec![Set("$S/ThingUpdate/properties/size/minimum", json!(-1))],
            GeneratedCrate, "BREAKING    size: `minimum` 0 -> -1: the server accepts more values (updateThing); breaks direct users of the generated crate only"),
        case("a request format added", vec![Set("$S/ThingUpdate/properties/name/format", json!("email"))],
            AllClients, "BREAKING    name: `format` none -> email: the server accepts fewer values (updateThing)"),
        case("a request enum value added", vec![Set("$S/Color/enum", json!(["red", "blue", "green"]))],
            Compatible, "compatible  color: request enum value `green` added (updateThing)"),
        case("a request enum value removed", vec![Set("$S/Color/enum", json!(["red"]))],
            AllClients, "BREAKING    color: request enum value `blue` removed (updateThing)"),
        // Response bodies and their fields
        case("an optional response field added", vec![Set("$S/Thing/properties/extra", json!({ "type": "boolean" }))],
            Compatible, "compatible  extra: optional field added (updateThing)"),
        case("a required response field removed", vec![Remove("$S/Thing/properties/id"),
                Set("$S/Thing/required", json!(["state", "owner"]))],
            AllClients, "BREAKING    id: required field removed (updateThing)"),
        case("an optional response field removed", vec![Remove("$S/Thing/properties/note")],
            AllClients, "BREAKING    note: optional field removed (updateThing)"),
        case("a response field retyped", vec![Set("$S/Thing/properties/count/type", json!("string"))],
            AllClients, "BREAKING    count: field retyped from integer to string (updateThing)"),
        case("a response field became optional", vec![Set("$S/Thing/required", json!(["id", "state"]))],
            AllClients, "BREAKING    owner: field became optional (updateThing)"),
        case("a response field became required", vec![Set("$S/Thing/required", json!(["id", "state", "owner", "note"]))],
            GeneratedCrate, "BREAKING    note: field became required (updateThing); breaks direct users of the generated crate only"),
        reversed("a response header became required", vec![Set("$U/responses/200/headers/X-Version/required", json!(false))],
            Compatible, "compatible  header x-version: header became required (200 response of updateThing)"),
        case("a required response field became nullable", vec![Set("$S/Owner/properties/userID/nullable", json!(true))],
            AllClients, "BREAKING    owner.userID: required field became nullable (updateThing)"),
        case("an optional response field became nullable", vec![Set("$S/Owner/properties/name/nullable", json!(true))],
            Compatible, "compatible  owner.name: optional field became nullable (updateThing)"),
        reversed("a response field no longer nullable", vec![Set("$S/Owner/properties/name/nullable", json!(true))],
            Compatible, "compatible  owner.name: field is no longer nullable (updateThing)"),
        case("a response maxLength removed", vec![Remove("$S/Thing/properties/note/maxLength")],
            AllClients, "BREAKING    note: `maxLength` 200 -> none: the server may send more values (updateThing)"),
        case("a response maximum lowered", vec![Set("$S/Thing/properties/count/maximum", json!(5))],
            Compatible, "compatible  count: `maximum` 10 -> 5: the server sends fewer values (updateThing)"),
        case("a response pattern replaced", vec![Set("$S/Thing/properties/id/pattern", json!("^thing_"))],
            AllClients, "BREAKING    id: `pattern` ^t_ -> ^thing_: neither narrower nor wider (updateThing)"),
        case("a response format replaced", vec![Set("$S/Thing/properties/created/format", json!("date"))],
            AllClients, "BREAKING    created: `format` date-time -> date: neither narrower nor wider (updateThing)"),
        case("a response format that picks a Rust type added", vec![Set("$S/Owner/properties/userID/format", json!("ipv4"))],
            GeneratedCrate, "BREAKING    owner.userID: `format` none -> ipv4: the server sends fewer values (updateThing); breaks direct users of the generated crate only"),
        case("a response format kept as a string added", vec![Set("$S/Owner/properties/userID/format", json!("date-time"))],
            Compatible, "compatible  owner.userID: `format` none -> date-time: the server sends fewer values (updateThing)"),
        case("a length that is no number", vec![Set("$S/Thing/properties/note/maxLength", json!(false))],
            AllClients, "BREAKING    note: `maxLength` 200 -> false: neither narrower nor wider (updateThing)"),
        case("a response format added", vec![Set("$S/Thing/properties/note/format", json!("uri"))],
            Compatible, "compatible  note: `format` none -> uri: the server sends fewer values (updateThing)"),
        case("a response enum value added", vec![Set("$S/State/enum", json!(["open", "done", "archived"]))],
            Compatible, "compatible  state: response enum value `archived` added (updateThing)"),
        case("a response enum value removed", vec![Set("$S/State/enum", json!(["open"]))],
            AllClients, "BREAKING    state: response enum value `done` removed (updateThing)"),
        case("a field removed from the error body", vec![Remove("$S/ApiError/properties/code"),
                Set("$S/ApiError/required", json!(["message"]))],
            AllClients, "BREAKING    code: required field removed (404, 409 responses of listThings, updateThing)"),
        case("error details given a schema", vec![error_details()],
            Compatible, "compatible  details (code GONE): required field added (404, 409 responses of listThings, updateThing)"),
        reversed("error details' schema taken away", vec![error_details()],
            AllClients, "BREAKING    details (code GONE): required field removed (404, 409 responses of listThings, updateThing)"),
        case("a response body swapped", vec![Set("$U/responses/200/content/application~1json/schema",
                json!({ "$ref": "#/components/schemas/Owner" }))],
            AllClients, "BREAKING    200 response: body changed from Thing to Owner (8 field change(s), 6 breaking) (updateThing)"),
        case("a response body removed", vec![Remove("$U/responses/200/content")],
            AllClients, "BREAKING    200 response: body removed (updateThing)"),
        case("a response body's top became nullable", vec![Set("$S/Thing/nullable", json!(true))],
            AllClients, "BREAKING    200 response body: required field became nullable (updateThing)"),
        // Response headers and statuses
        case("a response header removed", vec![Remove("$U/responses/200/headers/X-Version")],
            AllClients, "BREAKING    header x-version: required header removed (200 response of updateThing)"),
        case("a response header added", vec![Set("$U/responses/200/headers/X-Extra", json!({ "schema": { "type": "string" } }))],
            Compatible, "compatible  header x-extra: optional header added (200 response of updateThing)"),
        case("200 became 201", vec![Remove("$L/responses/200"), Set("$L/responses/201", json!({ "description": "ok",
                "content": { "application/json": { "schema": { "type": "object", "required": ["items"], "properties": {
                    "items": { "type": "array", "items": { "type": "string" } } } } } } }))],
            GeneratedCrate, "BREAKING    response status: success status changed from 200 to 201 (listThings); breaks direct users of the generated crate only: it treats an undocumented status as an unexpected response; the wrapper accepts an undocumented 2xx whose body decodes"),
        case("the only success status removed", vec![Remove("$L/responses/200")],
            AllClients, "BREAKING    response status: 200 removed (listThings)"),
        case("an error status added", vec![Set("$L/responses/409", json!({ "$ref": "#/components/responses/Error" }))],
            Compatible, "compatible  response status: 409 added (listThings)"),
        case("a success status added with the same body", vec![Set("$U/responses/202", json!({
                "description": "accepted", "content": { "application/json": {
                    "schema": { "$ref": "#/components/schemas/Thing" } } } }))],
            GeneratedCrate, "BREAKING    response status: success status 202 added, with the same body (updateThing); breaks direct users of the generated crate only"),
        case("a success status added without a body", vec![Set("$U/responses/202", json!({ "description": "accepted" }))],
            AllClients, "BREAKING    response status: success status 202 added, with another body or none (updateThing)"),
        case("an error status removed", vec![Remove("$L/responses/404")],
            Compatible, "compatible  response status: 404 removed (listThings)"),
        // What no rule covers
        case("a schema keyword no rule reads", vec![Set("$S/Owner/additionalProperties", json!(false))],
            Unclassified, "unclassified: owner: `additionalProperties` added; no rule covers it (updateThing)"),
        case("a parameter's serialisation changed", vec![Set("$U/parameters/0/style", json!("spaceDelimited"))],
            Unclassified, "unclassified: query parameter mode: `style` added; no rule covers it (updateThing)"),
        case("an allOf that says something else than its wrapper", vec![Set("$S/Thing/properties/note/allOf", json!([{ "type": "integer" }]))],
            Unclassified, "unclassified: note: `allOf` added; no rule covers it (updateThing)"),
        case("the servers changed", vec![Set("/servers", json!([{ "url": "http://localhost:9999" }]))],
            Unclassified, "unclassified: `servers` changed; no rule covers it"),
        case("a server's description changed", vec![Set("/servers/0/description", json!("Beeper Desktop")),
                Set("/servers/0/x-stainless-default", json!(true))],
            Compatible, "compatible  annotations of `servers` changed (descriptions, examples, `x-` extensions) (the whole spec)"),
        case("a $ref that resolves to nothing", vec![Set("$S/Broken", json!({ "$ref": "#/components/schemas/Missing" }))],
            Unclassified, "unclassified: #/components/schemas/Broken: `$ref` #/components/schemas/Missing does not resolve in the head (the whole spec)"),
        // What is not compared
        case("descriptions and summaries only", vec![Set("$S/Thing/description", json!("Another text.")),
                Set("$U/summary", json!("Change a thing")), Set("/info/version", json!("2"))],
            Compatible, "No changes."),
    ]
}

#[test]
fn every_kind_of_change_gets_its_verdict() {
    let mut failures = Vec::new();
    for case in cases() {
        let edited = case.edits.iter().fold(rich(), apply);
        let (base, head) = if case.reversed {
            (edited, rich())
        } else {
            (rich(), edited)
        };
        let changes = diff(&base, &head);
        let text = render(&changes);
        let worst = changes.iter().map(|c| c.impact).max();
        let expected_count = usize::from(case.line != "No changes.");
        if changes.len() != expected_count
            || worst.unwrap_or(Impact::Compatible) != case.impact
            || !text.contains(case.line)
        {
            failures.push(format!(
                "{}: want {:?} `{}`, got:\n{text}",
                case.name, case.impact, case.line
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn a_field_removed_from_error_details_breaks_clients_that_read_it() {
    let details = json!([{ "code": "GONE", "schema": { "$ref": "#/components/schemas/Gone" } }]);
    let gone = json!({ "type": "object", "required": ["since"], "properties": {
        "since": { "type": "string" }, "by": { "type": "string" } } });
    let with = |gone: Value| {
        let doc = apply(
            rich(),
            &Set(
                "/components/responses/Error/x-error-details",
                details.clone(),
            ),
        );
        apply(doc, &Set("$S/Gone", gone))
    };
    let mut narrower = gone.clone();
    narrower["properties"]
        .as_object_mut()
        .expect("properties")
        .remove("since");
    narrower["required"] = json!([]);
    let text = render(&diff(&with(gone.clone()), &with(narrower)));
    assert!(
        text.contains("BREAKING    details (code GONE).since: required field removed"),
        "{text}"
    );
    assert_eq!(diff(&with(gone.clone()), &with(gone)).len(), 0);
}

/// A spec whose one operation answers a `Node`, defined by `node`.
fn recursive(node: Value) -> Value {
    json!({
        "openapi": "3.0.3",
        "paths": { "/n": { "get": { "operationId": "getN", "responses": { "200": {
            "description": "ok",
            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Node" } } }
        } } } } },
        "components": { "schemas": { "Node": node } }
    })
}

/// The response body of `getN` as the comparison reads it.
fn node_body(doc: &Value) -> model::Body {
    let mut model = model::Model::read(doc);
    let mut operation = model.operations.remove("GET /n").expect("the operation");
    let mut response = operation.responses.remove("200").expect("the response");
    response.body.take().expect("a body")
}

#[test]
fn a_schema_that_refers_to_itself_is_read_once() {
    // Read to a depth of 12, two self-references made 2^12 copies of Node's fields, and three
    // made the run hang.
    let node = json!({ "type": "object", "properties": {
        "left": { "$ref": "#/components/schemas/Node" },
        "right": { "$ref": "#/components/schemas/Node" },
        "value": { "type": "string" },
    } });
    let base = recursive(node.clone());
    let body = node_body(&base);
    let fields: Vec<&str> = body.fields.keys().map(String::as_str).collect();
    assert_eq!(fields, ["", "left", "right", "value"]);
    assert_eq!(
        body.fields["left"].other.get("$ref"),
        Some(&json!("#/components/schemas/Node"))
    );
    // A change inside Node is seen, once.
    let mut changed = node;
    changed["properties"]["value"] = json!({ "type": "integer" });
    let changes = diff(&base, &recursive(changed));
    let found: Vec<(&str, bool)> = changes
        .iter()
        .map(|c| (c.location.as_str(), c.breaking))
        .collect();
    assert_eq!(found, [("value", true)]);
}

#[test]
fn a_union_that_refers_to_its_own_schema_is_read_once() {
    // Inlined to a depth of 12, a `oneOf` of two self-references made 2^12 copies of Node. Read
    // member by member, each member is Node again: listed with its `$ref`, not expanded.
    let node = json!({ "type": "object", "properties": {
        "either": { "oneOf": [
            { "$ref": "#/components/schemas/Node" },
            { "$ref": "#/components/schemas/Node" },
            { "$ref": "#/components/schemas/Node" },
        ] },
        "value": { "type": "string" },
    } });
    let base = recursive(node.clone());
    let body = node_body(&base);
    let fields: Vec<&str> = body.fields.keys().map(String::as_str).collect();
    assert_eq!(fields, ["", "either", "value"]);
    let members = &body.fields["either"].unions["oneOf"];
    assert_eq!(members.len(), 3);
    for member in members {
        let fields: Vec<&str> = member.fields.keys().map(String::as_str).collect();
        assert_eq!(fields, [""]);
        assert_eq!(
            member.fields[""].other.get("$ref"),
            Some(&json!("#/components/schemas/Node"))
        );
        assert_eq!(member.component.as_deref(), Some("Node"));
    }
    // A change inside Node is seen once, where Node's fields are listed.
    let mut changed = node;
    changed["properties"]["value"] = json!({ "type": "integer" });
    let changes = diff(&base, &recursive(changed));
    let found: Vec<(&str, bool)> = changes
        .iter()
        .map(|c| (c.location.as_str(), c.breaking))
        .collect();
    assert_eq!(found, [("value", true)]);
}

#[test]
fn a_property_named_empty_at_the_top_is_a_field_of_its_own() {
    // At the top's own location, it replaced the top and was its own parent: the next change
    // beside it made the comparison go round for ever. Every member of a union has a top.
    let with = |note: &str| {
        let doc = set(
            base(),
            &format!("{RESP}/properties/"),
            json!({ "type": "integer" }),
        );
        set(
            doc,
            &format!("{RESP}/properties/note"),
            json!({ "type": note }),
        )
    };
    let changes = diff(&base(), &with("string"));
    let found: Vec<(&str, &Kind)> = changes
        .iter()
        .map(|c| (c.location.as_str(), &c.kind))
        .collect();
    let added = Kind::FieldAdded {
        side: Side::Response,
        required: false,
    };
    assert_eq!(found, [("\"\"", &added)]);
    let changes = diff(&with("string"), &with("number"));
    let found: Vec<&str> = changes.iter().map(|c| c.location.as_str()).collect();
    assert_eq!(found, ["note"]);
}

#[test]
fn a_reference_broken_on_one_side_only_is_unclassified() {
    let broken = set(
        base(),
        "/components/schemas/Broken",
        json!({ "$ref": "#/components/schemas/Missing" }),
    );
    // The same broken reference on both sides: nothing changed.
    let same = diff(&broken, &broken);
    assert!(same.is_empty(), "{same:#?}");
    assert_eq!(exit_code(&same), 0);
    for (old, new, side) in [(&base(), &broken, "head"), (&broken, &base(), "base")] {
        let change = {
            let changes = diff(old, new);
            assert_eq!(changes.len(), 1, "{changes:#?}");
            changes.into_iter().next().expect("one change")
        };
        assert_eq!(change.location, "#/components/schemas/Broken");
        assert_eq!(
            change.kind,
            Kind::Unclassified {
                what: format!("`$ref` #/components/schemas/Missing does not resolve in the {side}")
            }
        );
    }
}

#[test]
fn values_of_another_json_type_are_told_apart() {
    // An enum value 1 that became "1", and a (3.1-style) list of types, passed as no change.
    let with = |state: Value, note: Value| {
        let doc = set(base(), "/components/schemas/State/enum", state);
        set(doc, &format!("{RESP}/properties/note/type"), note)
    };
    let old = with(json!(["a", 1]), json!(["string", "null"]));
    let new = with(json!(["a", "1"]), json!(["integer", "null"]));
    let lines: Vec<String> = diff(&old, &new)
        .iter()
        .map(|c| format!("{}: {}", c.location, c.kind.describe("field")))
        .collect();
    assert_eq!(
        lines,
        [
            r#"note: field retyped from ["string","null"] to ["integer","null"]"#,
            "state: response enum value `1` added",
            "state: response enum value `number 1` removed",
        ]
    );
}

#[test]
fn generated_type_tells_apart_the_types_progenitor_generates() {
    // Each (type, constraints) becomes a required property of one schema; progenitor generates
    // the struct, and two properties must get the same Rust type exactly when
    // `compare::generated_type` says they do. This catches a progenitor upgrade that picks
    // types another way.
    let cases = [
        ("string", json!({})),
        ("string", json!({ "format": "uri" })),
        ("string", json!({ "maxLength": 5 })),
        ("string", json!({ "pattern": "^a" })),
        ("string", json!({ "format": "uuid" })),
        ("string", json!({ "format": "date-time", "maxLength": 40 })),
        ("string", json!({ "format": "date" })),
        ("integer", json!({})),
        ("integer", json!({ "minimum": 0, "maximum": 10 })),
        ("integer", json!({ "minimum": 0 })),
        ("integer", json!({ "minimum": 0, "maximum": 255 })),
        ("integer", json!({ "minimum": 1 })),
        ("integer", json!({ "minimum": 0, "exclusiveMinimum": true })),
        ("integer", json!({ "minimum": -128, "maximum": 127 })),
        ("integer", json!({ "format": "int32" })),
        ("integer", json!({ "format": "int32", "multipleOf": 2 })),
        ("integer", json!({ "format": "uint8", "maximum": 300 })),
        ("number", json!({})),
        ("number", json!({ "minimum": 0, "maximum": 1 })),
        ("number", json!({ "format": "float" })),
        ("array", json!({})),
        ("array", json!({ "maxItems": 3 })),
        ("array", json!({ "uniqueItems": true })),
        ("array", json!({ "minItems": 2, "maxItems": 2 })),
    ];
    let mut properties = serde_json::Map::new();
    let mut predicted = Vec::new();
    for (i, (ty, constraints)) in cases.iter().enumerate() {
        let mut schema = constraints.clone();
        schema["type"] = json!(ty);
        if *ty == "array" {
            schema["items"] = json!({ "type": "string" });
        }
        properties.insert(format!("p{i}"), schema);
        let constraints = model::CONSTRAINTS
            .iter()
            .filter_map(|&k| constraints.get(k).map(|v| (k, v.clone())))
            .collect();
        predicted.push(compare::generated_type(ty, &constraints));
    }
    let names: Vec<String> = properties.keys().cloned().collect();
    let doc = json!({
        "openapi": "3.0.3",
        "info": { "title": "t", "version": "1" },
        "paths": {},
        "components": { "schemas": { "S": {
            "type": "object", "required": names, "properties": properties } } }
    });
    let mut api: openapiv3::OpenAPI = serde_json::from_value(doc).expect("a 3.0 document");
    // What `generate` hands progenitor: the pre-pass keeps some formats as strings.
    crate::prepass::plain_string_formats(&mut api);
    let tokens = progenitor::Generator::new(&progenitor::GenerationSettings::default())
        .generate_tokens(&api)
        .expect("progenitor generates the types");
    let code = prettyplease::unparse(&syn::parse2(tokens).expect("generated code parses"));
    let generated: Vec<String> = (0..cases.len())
        .map(|i| {
            let field = format!("pub p{i}: ");
            let start = code.find(&field).expect("a field per property") + field.len();
            let ty = &code[start..];
            let ty = &ty[..ty.find(",\n").expect("the field's end")];
            // A checked string is a newtype named after its property.
            if ty == format!("Sp{i}") || ty == format!("SP{i}") {
                "a newtype".to_owned()
            } else {
                ty.to_owned()
            }
        })
        .collect();
    let mut disagreements = Vec::new();
    for i in 0..cases.len() {
        for j in i + 1..cases.len() {
            if (predicted[i] == predicted[j]) != (generated[i] == generated[j]) {
                disagreements.push(format!(
                    "{:?} and {:?}: predicted {} and {}, generated {} and {}",
                    cases[i], cases[j], predicted[i], predicted[j], generated[i], generated[j]
                ));
            }
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

// Upstream's spelling of the same wire: components renamed, references described in their
// place (`allOf: [{$ref}, {description}]`).

/// Three operations: two answer a response envelope that holds a `Verification`, one answers
/// a `Verification` by a plain `$ref`. `upstream` spells the same wire upstream's way.
fn verification_doc(upstream: bool) -> Value {
    let (envelope, described) = if upstream {
        ("VerificationResponse", true)
    } else {
        ("VerificationSessionResponse", false)
    };
    let refer = |name: &str| {
        let reference = json!({ "$ref": format!("#/components/schemas/{name}") });
        if described {
            json!({ "allOf": [reference, { "description": format!("The {name}.") }] })
        } else {
            reference
        }
    };
    let answer = |schema: &str, id: &str| {
        json!({ "get": { "operationId": id, "responses": { "200": { "description": "ok",
            "content": { "application/json": { "schema": {
                "$ref": format!("#/components/schemas/{schema}") } } } } } } })
    };
    json!({
        "openapi": "3.0.3",
        "info": { "title": "t", "version": "1" },
        "paths": {
            "/v1/a": answer(envelope, "getA"),
            "/v1/b": answer(envelope, "getB"),
            "/v1/c": answer("Verification", "getC"),
        },
        "components": { "schemas": {
            envelope: { "type": "object", "required": ["session"], "properties": {
                "session": refer("Snapshot"), "verification": refer("Verification") } },
            "Snapshot": { "type": "object", "properties": { "state": { "type": "string" } } },
            "Verification": { "type": "object", "required": ["id", "state"], "properties": {
                "id": { "type": "string" }, "state": { "type": "string" } } },
        } }
    })
}

#[test]
fn error_details_widened_to_any_value_by_an_any_of_is_no_false_alarm() {
    // Our `details` allows any value; upstream's is an `anyOf` with an unconstrained member,
    // which allows any value too. It was an unclassified change (exit 1).
    let mut head = rich();
    head["components"]["schemas"]["ApiError"]["properties"]["details"] = json!({ "anyOf": [
        { "type": "object", "properties": { "issues": { "type": "array" } } },
        { "type": "object", "additionalProperties": true }, {}, { "nullable": true } ] });
    let mut base = rich();
    base["components"]["schemas"]["ApiError"]["properties"]["details"] =
        json!({ "nullable": true });
    let changes = diff(&base, &head);
    assert_eq!(render(&changes), "No changes.\n");
}

#[test]
fn the_same_wire_spelled_upstreams_way_is_no_change() {
    // It was "body changed from VerificationSessionResponse to VerificationResponse" and
    // "field retyped from object to any", both false.
    let changes = diff(&verification_doc(false), &verification_doc(true));
    assert_eq!(render(&changes), "No changes.\n");
}

#[test]
fn a_new_optional_field_behind_a_described_reference_is_compatible() {
    let mut head = verification_doc(true);
    head["components"]["schemas"]["Verification"]["properties"]["note"] =
        json!({ "type": "string" });
    let changes = diff(&verification_doc(false), &head);
    let text = render(&changes);
    assert_eq!(exit_code(&changes), 0, "{text}");
    assert!(
        text.contains("compatible  verification.note: optional field added (getA, getB)"),
        "{text}"
    );
}

#[test]
fn a_required_field_removed_breaks_every_operation_that_returns_it() {
    let mut head = verification_doc(true);
    let verification = &mut head["components"]["schemas"]["Verification"];
    verification["required"] = json!(["state"]);
    if let Some(Value::Object(props)) = verification.get_mut("properties") {
        props.remove("id");
    }
    let changes = diff(&verification_doc(false), &head);
    let text = render(&changes);
    assert_eq!(exit_code(&changes), 1, "{text}");
    let ops: std::collections::BTreeSet<&str> = changes
        .iter()
        .filter(|c| c.breaking && c.location.ends_with("id"))
        .flat_map(|c| c.operations.iter().map(String::as_str))
        .collect();
    assert_eq!(
        ops,
        std::collections::BTreeSet::from(["getA", "getB", "getC"]),
        "{text}"
    );
}

#[test]
fn a_one_of_with_an_unconstrained_member_beside_a_type_is_not_silent() {
    // Only a schema that is nothing but the alternatives becomes an untyped value in the
    // generated crate; beside `type: object` and `properties`, a `oneOf: [{}]` is read another
    // way by the generator. It was "No changes.": the diff dropped the `oneOf` unseen.
    let head = set(base(), &format!("{RESP}/oneOf"), json!([{}]));
    let change = only_change(head);
    assert!(
        matches!(&change.kind, Kind::Unclassified { what } if what.contains("`oneOf` added")),
        "{change:#?}"
    );
}

// `oneOf` and `anyOf`, member by member.

/// A spec whose one operation takes a `PetInput` (a field `pet` that is a `oneOf` of `Cat` and
/// `Dog`, and a field `tag` that is an `anyOf` of a string and an integer) and answers a `Pet`
/// (a `oneOf` of `Cat` and `Dog`). Both pets have an `owner`.
fn pets() -> Value {
    let pet = || {
        json!({ "oneOf": [
        { "$ref": "#/components/schemas/Cat" }, { "$ref": "#/components/schemas/Dog" } ] })
    };
    let animal = |required: &[&str]| {
        json!({ "type": "object", "required": required, "properties": {
            "name": { "type": "string" }, "owner": { "$ref": "#/components/schemas/Owner" } } })
    };
    json!({
        "openapi": "3.0.3",
        "info": { "title": "t", "version": "1" },
        "paths": { "/pets": { "post": {
            "operationId": "addPet",
            "requestBody": { "required": true, "content": { "application/json": {
                "schema": { "$ref": "#/components/schemas/PetInput" } } } },
            "responses": { "200": { "description": "ok", "content": { "application/json": {
                "schema": { "$ref": "#/components/schemas/Pet" } } } } }
        } } },
        "components": { "schemas": {
            "Pet": pet(),
            "PetInput": { "type": "object", "required": ["pet"], "properties": {
                "pet": pet(),
                "tag": { "anyOf": [{ "type": "string" }, { "type": "integer" }] } } },
            "Cat": animal(&["name", "owner"]),
            "Dog": animal(&["name"]),
            "Bird": { "type": "object", "required": ["wings"], "properties": {
                "wings": { "type": "integer" } } },
            "Owner": { "type": "object", "required": ["id"], "properties": {
                "id": { "type": "string" } } },
        } }
    })
}

/// `pets()` with `edit` applied.
fn pets_with(edit: impl FnOnce(&mut Value)) -> Value {
    let mut doc = pets();
    edit(&mut doc["components"]["schemas"]);
    doc
}

/// The lines of `render` for the changes from `base` to `head`, without the summary.
fn lines(base: &Value, head: &Value) -> Vec<String> {
    render(&diff(base, head))
        .lines()
        .filter(|l| l.starts_with("  "))
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_field_added_inside_a_union_member_is_compatible_and_says_which_member() {
    // It was "unclassified: 200 response body: `oneOf` changed; no rule covers it".
    let head = pets_with(|s| s["Owner"]["properties"]["since"] = json!({ "type": "string" }));
    let changes = diff(&pets(), &head);
    assert_eq!(exit_code(&changes), 0, "{}", render(&changes));
    assert_eq!(
        lines(&pets(), &head),
        [
            "  compatible  pet.oneOf[Cat].owner.since: optional field added (addPet)",
            "  compatible  pet.oneOf[Dog].owner.since: optional field added (addPet)",
            "  compatible  oneOf[Cat].owner.since: optional field added (addPet)",
            "  compatible  oneOf[Dog].owner.since: optional field added (addPet)",
        ]
    );
    // The same rules as elsewhere, by side: a required field added inside a member breaks a
    // request, not a response.
    let head = pets_with(|s| {
        s["Owner"]["properties"]["since"] = json!({ "type": "string" });
        s["Owner"]["required"] = json!(["id", "since"]);
    });
    let verdicts: Vec<(String, bool)> = diff(&pets(), &head)
        .into_iter()
        .map(|c| (c.location, c.breaking))
        .collect();
    assert_eq!(
        verdicts,
        [
            ("pet.oneOf[Cat].owner.since".to_owned(), true),
            ("pet.oneOf[Dog].owner.since".to_owned(), true),
            ("oneOf[Cat].owner.since".to_owned(), false),
            ("oneOf[Dog].owner.since".to_owned(), false),
        ]
    );
}

#[test]
fn a_member_added_to_a_response_union_breaks_and_to_a_request_union_is_compatible() {
    let bird = json!({ "$ref": "#/components/schemas/Bird" });
    let response = pets_with(|s| {
        s["Pet"]["oneOf"]
            .as_array_mut()
            .expect("members")
            .push(bird.clone())
    });
    let changes = diff(&pets(), &response);
    assert_eq!(
        lines(&pets(), &response),
        ["  BREAKING    oneOf[Bird]: member added to a response `oneOf` (addPet)"]
    );
    assert_eq!(changes[0].impact, Impact::AllClients);
    let request = pets_with(|s| {
        s["PetInput"]["properties"]["pet"]["oneOf"]
            .as_array_mut()
            .expect("members")
            .push(bird.clone());
    });
    assert_eq!(
        lines(&pets(), &request),
        ["  compatible  pet.oneOf[Bird]: member added to a request `oneOf` (addPet)"]
    );
    assert_eq!(exit_code(&diff(&pets(), &request)), 0);
}

#[test]
fn a_member_removed_breaks_a_request_and_only_the_generated_crate_for_a_response() {
    let without_dog = |members: &mut Value| {
        members.as_array_mut().expect("members").remove(1);
    };
    let request = pets_with(|s| without_dog(&mut s["PetInput"]["properties"]["pet"]["oneOf"]));
    let changes = diff(&pets(), &request);
    assert_eq!(
        lines(&pets(), &request),
        ["  BREAKING    pet.oneOf[Dog]: member removed from a request `oneOf` (addPet)"]
    );
    assert_eq!(changes[0].impact, Impact::AllClients);
    // The wire takes it (the server sends a subset); the generated enum loses a variant.
    let response = pets_with(|s| without_dog(&mut s["Pet"]["oneOf"]));
    let changes = diff(&pets(), &response);
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(
        (changes[0].location.as_str(), changes[0].impact),
        ("oneOf[Dog]", Impact::GeneratedCrate)
    );
    assert_eq!(
        changes[0].kind,
        Kind::MemberRemoved {
            side: Side::Response,
            keyword: "oneOf".into()
        }
    );
}

#[test]
fn a_member_whose_type_changed_breaks() {
    let head = pets_with(|s| {
        s["PetInput"]["properties"]["tag"]["anyOf"][1] = json!({ "type": "boolean" })
    });
    assert_eq!(
        lines(&pets(), &head),
        ["  BREAKING    tag.anyOf[1]: field retyped from integer to boolean (addPet)"]
    );
    // A constraint on a member follows the request rules: a narrower one breaks.
    let head =
        pets_with(|s| s["PetInput"]["properties"]["tag"]["anyOf"][0]["maxLength"] = json!(8));
    let changes = diff(&pets(), &head);
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(
        (changes[0].location.as_str(), changes[0].impact),
        ("tag.anyOf[0]", Impact::AllClients)
    );
}

#[test]
fn a_member_moved_renamed_or_inlined_is_no_change() {
    let moved = pets_with(|s| {
        s["Pet"]["oneOf"] = json!([
            { "$ref": "#/components/schemas/Dog" }, { "$ref": "#/components/schemas/Cat" } ]);
        s["PetInput"]["properties"]["tag"]["anyOf"] =
            json!([{ "type": "integer" }, { "type": "string" }]);
    });
    assert_eq!(render(&diff(&pets(), &moved)), "No changes.\n");
    let renamed = pets_with(|s| {
        let dog = s["Dog"].clone();
        s["Hound"] = dog;
        s.as_object_mut().expect("schemas").remove("Dog");
        s["Pet"]["oneOf"][1] = json!({ "$ref": "#/components/schemas/Hound" });
        s["PetInput"]["properties"]["pet"]["oneOf"][1] =
            json!({ "$ref": "#/components/schemas/Hound" });
    });
    assert_eq!(render(&diff(&pets(), &renamed)), "No changes.\n");
    let inlined = pets_with(|s| s["Pet"]["oneOf"][0] = s["Cat"].clone());
    assert_eq!(render(&diff(&pets(), &inlined)), "No changes.\n");
}

#[test]
fn a_member_renamed_and_changed_goes_by_both_names_whichever_side_is_the_base() {
    let head = pets_with(|s| {
        let mut dog = s["Dog"].clone();
        dog["properties"]["barks"] = json!({ "type": "boolean" });
        s["Hound"] = dog;
        s["Pet"]["oneOf"][1] = json!({ "$ref": "#/components/schemas/Hound" });
    });
    assert_eq!(
        lines(&pets(), &head),
        ["  compatible  oneOf[Dog|Hound].barks: optional field added (addPet)"]
    );
    assert_eq!(
        lines(&head, &pets()),
        ["  BREAKING    oneOf[Dog|Hound].barks: optional field removed (addPet)"]
    );
}

#[test]
fn members_that_cannot_be_paired_are_unclassified() {
    // A member added while another changed in place: which is which is a guess.
    let head = pets_with(|s| {
        s["PetInput"]["properties"]["tag"]["anyOf"] = json!([
            { "type": "string", "maxLength": 8 }, { "type": "boolean" }, { "type": "number" } ]);
    });
    let changes = diff(&pets(), &head);
    assert_eq!(
        lines(&pets(), &head),
        [
            "  unclassified: tag: `anyOf` members added or removed while others changed: they cannot be paired; no rule covers it (addPet)"
        ]
    );
    assert_eq!(exit_code(&changes), 1);
    // A `oneOf` that became an `anyOf` is another kind of schema to the generator.
    let head = pets_with(|s| {
        let members = s["Pet"]["oneOf"].take();
        s["Pet"] = json!({ "anyOf": members });
    });
    assert_eq!(
        lines(&pets(), &head),
        [
            "  unclassified: 200 response body: `anyOf` added; no rule covers it (addPet)",
            "  unclassified: 200 response body: `oneOf` removed; no rule covers it (addPet)",
        ]
    );
}

#[test]
fn a_field_added_to_a_member_of_the_maintained_spec_is_located() {
    // The maintained spec's first `oneOf`: finishSetupSignIn answers SetupCompleteResponse or
    // SetupRegistrationRequiredResponse; the first holds a `session`.
    let path = crate::spec::this_workspace().join(crate::spec::SPEC_PATH);
    let text = std::fs::read_to_string(path).expect("the maintained spec is readable");
    let base = crate::spec::read_tree(&text).expect("the maintained spec parses");
    let mut head = base.clone();
    head["components"]["schemas"]["Verification"]["properties"]["startedAt"] =
        json!({ "type": "string", "format": "date-time", "description": "When it started." });
    let changes = diff(&base, &head);
    let text = render(&changes);
    assert_eq!(exit_code(&changes), 0, "{text}");
    assert!(
        text.contains(
            "  compatible  oneOf[SetupCompleteResponse].session.verification.startedAt: \
             optional field added (finishSetupSignIn)"
        ),
        "{text}"
    );
}
