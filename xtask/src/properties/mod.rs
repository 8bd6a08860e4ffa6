//! Property tests of the xtask's spec reading: loading YAML and JSON, the `$ref` resolver and
//! JSON-pointer escaping (`spec`), `lint`, the pre-pass, `import` and `diff`'s reading of two
//! documents. Each property holds for any input; none may panic or hang.
//!
//! Inputs come in two kinds: arbitrary text and JSON values, which mostly stop at the first
//! check, and *near-valid* specs, the maintained spec with a few random edits (a node removed,
//! replaced, copied elsewhere, turned into a `$ref` to another node or to itself, a keyword set),
//! which reach the code that reads operations, parameters and schemas.

mod diff;
mod import;
mod reading;

use std::sync::OnceLock;

use proptest::prelude::*;
use serde_json::{Value, json};

use crate::spec::pointer_escape;

/// The maintained spec as a JSON tree, read once.
pub(super) fn maintained() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = crate::spec::this_workspace().join(crate::spec::SPEC_PATH);
        let text = std::fs::read_to_string(path).expect("the maintained spec is readable");
        serde_yaml::from_str(&text).expect("the maintained spec parses")
    })
}

/// Words that mean something in an OpenAPI document, and the characters JSON pointers escape.
const WORDS: &[&str] = &[
    "openapi",
    "3.0.3",
    "3.1.0",
    "info",
    "paths",
    "components",
    "schemas",
    "responses",
    "parameters",
    "requestBodies",
    "headers",
    "securitySchemes",
    "security",
    "servers",
    "get",
    "post",
    "delete",
    "operationId",
    "requestBody",
    "content",
    "application/json",
    "text/plain",
    "schema",
    "$ref",
    "type",
    "object",
    "array",
    "string",
    "integer",
    "number",
    "boolean",
    "null",
    "properties",
    "items",
    "required",
    "enum",
    "nullable",
    "allOf",
    "oneOf",
    "anyOf",
    "not",
    "additionalProperties",
    "format",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "exclusiveMinimum",
    "const",
    "examples",
    "example",
    "description",
    "in",
    "name",
    "path",
    "query",
    "header",
    "style",
    "200",
    "201",
    "2XX",
    "404",
    "default",
    "bearerAuth",
    "http",
    "bearer",
    "tags",
    "x-extra",
    "~",
    "/",
    "~0",
    "~1",
    "~2",
    "",
    "{verificationID}",
    "/v1/app/setup",
    "/v1/app/setup/verifications",
    // Characters that YAML treats specially or refuses unescaped.
    "\u{7f}",
    "\u{85}",
    "\u{9f}",
    "\u{a0}",
    "\u{feff}",
    "\u{fffe}",
    "\u{2028}",
    "\t",
    "\r\n",
    "\0",
    "- x",
    ": ",
    " #",
    "'",
    "\"",
    "yes",
    "~",
    "0x1F",
    "1e3",
    ".inf",
    "=",
];

/// Names of components in the maintained spec, so that generated references often resolve.
const NAMES: &[&str] = &[
    "ApiError",
    "AppStateSnapshot",
    "Verification",
    "VerificationState",
    "VerificationSessionResponse",
    "VerificationID",
    "BadRequest",
    "NotFound",
    "bearerAuth",
];

/// A short string: an OpenAPI word most often, else pointer characters or any characters.
pub(super) fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(WORDS).prop_map(str::to_owned),
        2 => "[a-z~/01{}]{0,6}",
        1 => "(?s).{0,8}",
    ]
}

/// A `$ref` string: well-formed and escaped, unescaped, deep, foreign, or odd.
pub(super) fn reference() -> impl Strategy<Value = String> {
    let kind = prop::sample::select(
        &[
            "schemas",
            "responses",
            "parameters",
            "requestBodies",
            "headers",
            "securitySchemes",
        ][..],
    );
    let name = prop_oneof![
        prop::sample::select(NAMES).prop_map(str::to_owned),
        "[A-Za-z~/01]{0,6}",
    ];
    prop_oneof![
        (kind.clone(), name.clone())
            .prop_map(|(k, n)| format!("#/components/{k}/{}", pointer_escape(&n))),
        (kind, name).prop_map(|(k, n)| format!("#/components/{k}/{n}")),
        Just("#".to_owned()),
        Just("other.yaml#/components/schemas/ApiError".to_owned()),
        "#(/[a-zA-Z~01]{0,4}){0,4}",
    ]
}

/// Any JSON value, with keys and strings biased towards OpenAPI words.
pub(super) fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::from)),
        word().prop_map(Value::from),
        reference().prop_map(|r| json!({ "$ref": r })),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::from),
            prop::collection::vec((word(), inner), 0..6)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

/// Values worth setting a schema or OpenAPI keyword to: valid ones, 3.1 ones, wrong ones.
pub(super) fn keyword_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => prop::sample::select(vec![
            json!("string"),
            json!("integer"),
            json!("object"),
            json!(["string", "null"]),
            json!(["integer", "string", "null"]),
            json!(true),
            json!(false),
            json!(0),
            json!(1),
            json!(8),
            json!(-1),
            json!(1.5),
            json!("date-time"),
            json!("^[a-z]+$"),
            json!(["a", "b"]),
            json!(["a", null]),
            json!([1, "1"]),
            json!({ "type": "string" }),
            json!({ "type": "null" }),
            json!([{ "type": "string" }, { "type": "null" }]),
            json!([{ "$ref": "#/components/schemas/Verification" }, { "type": "null" }]),
            json!({ "$ref": "#/components/schemas/Verification" }),
            json!({ "$ref": "#/components/schemas/ApiError", "description": "d", "maxLength": 2 }),
            json!({ "$ref": "#/components/schemas/ApiError", "example": { "$ref": "#/components/schemas/Chat" } }),
            json!({ "$ref": "#/components/schemas/ApiError", "allOf": [{ "required": ["code"] }] }),
            json!(["first", { "$ref": "#/components/schemas/Chat" }]),
            json!({ "$ref": "#/paths/~1v1~1chats/get/responses/200" }),
            json!([{ "$ref": "#/components/schemas/VerificationState" }]),
            json!({ "application/json": { "schema": { "type": "object" } } }),
            json!([{ "name": "limit", "in": "query", "required": true, "schema": { "type": "integer" } }]),
            json!([{ "bearerAuth": [] }]),
            json!([]),
            json!({}),
        ]),
        1 => json_value(),
    ]
}

/// Keys worth setting on a node: schema and OpenAPI keywords, and any word.
fn keyword() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(
            &[
                "type",
                "nullable",
                "required",
                "enum",
                "const",
                "examples",
                "format",
                "minLength",
                "maxLength",
                "pattern",
                "minimum",
                "exclusiveMinimum",
                "uniqueItems",
                "items",
                "properties",
                "additionalProperties",
                "oneOf",
                "anyOf",
                "allOf",
                "$ref",
                "content",
                "parameters",
                "security",
                "in",
                "name",
                "schema",
                "readOnly",
                "description",
            ][..],
        )
        .prop_map(str::to_owned),
        1 => word(),
    ]
}

/// One random edit of a document. Nodes are named by their index in [`nodes`] (modulo its
/// length), so that an edit applies to any document and shrinks well.
#[derive(Clone, Debug)]
pub(super) enum Edit {
    /// Removes the node from its object or array.
    Remove(usize),
    /// Replaces the node with a value.
    Replace(usize, Value),
    /// Replaces the node with a copy of another node of the document.
    Copy { to: usize, from: usize },
    /// Replaces the node with a `$ref` to another node: to itself or an ancestor, a cycle.
    Refer { at: usize, to: usize },
    /// Sets a key of the node, or of the nearest object above it, to a value.
    Set(usize, String, Value),
}

fn edit() -> impl Strategy<Value = Edit> {
    let at = any::<usize>();
    prop_oneof![
        2 => at.prop_map(Edit::Remove),
        1 => (at, keyword_value()).prop_map(|(i, v)| Edit::Replace(i, v)),
        1 => (at, at).prop_map(|(to, from)| Edit::Copy { to, from }),
        2 => (at, at).prop_map(|(at, to)| Edit::Refer { at, to }),
        4 => (at, keyword(), keyword_value()).prop_map(|(i, k, v)| Edit::Set(i, k, v)),
    ]
}

/// The JSON pointer of every node of `doc`, the root (`""`) first, parents before children.
pub(super) fn nodes(doc: &Value) -> Vec<String> {
    fn walk(value: &Value, at: String, out: &mut Vec<String>) {
        out.push(at.clone());
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    walk(child, format!("{at}/{}", pointer_escape(key)), out);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    walk(child, format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(doc, String::new(), &mut out);
    out
}

/// Applies one edit in place.
pub(super) fn apply(doc: &mut Value, edit: &Edit) {
    let all = nodes(doc);
    let node = |i: usize| all[i % all.len()].clone();
    match edit {
        Edit::Remove(i) => {
            let at = node(*i);
            let Some((parent, key)) = at.rsplit_once('/') else {
                return;
            };
            let key = crate::spec::pointer_unescape(key);
            match doc.pointer_mut(parent) {
                Some(Value::Object(map)) => {
                    map.remove(&key);
                }
                Some(Value::Array(items)) => {
                    if let Ok(index) = key.parse::<usize>() {
                        items.remove(index);
                    }
                }
                _ => {}
            }
        }
        Edit::Replace(i, value) => set(doc, &node(*i), value.clone()),
        Edit::Copy { to, from } => {
            let copy = doc.pointer(&node(*from)).cloned().unwrap_or(Value::Null);
            set(doc, &node(*to), copy);
        }
        Edit::Refer { at, to } => {
            let reference = format!("#{}", node(*to));
            set(doc, &node(*at), json!({ "$ref": reference }));
        }
        Edit::Set(i, key, value) => {
            // The node, or the nearest object above it.
            let mut at = node(*i);
            while !doc.pointer(&at).is_some_and(Value::is_object) {
                match at.rsplit_once('/') {
                    Some((parent, _)) => at = parent.to_owned(),
                    None => return,
                }
            }
            if let Some(Value::Object(map)) = doc.pointer_mut(&at) {
                map.insert(key.clone(), value.clone());
            }
        }
    }
}

fn set(doc: &mut Value, at: &str, value: Value) {
    if let Some(node) = doc.pointer_mut(at) {
        *node = value;
    }
}

/// Edits, a few at a time.
pub(super) fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec(edit(), 1..4)
}

/// `doc` after `edits`.
pub(super) fn edited(doc: &Value, edits: &[Edit]) -> Value {
    let mut doc = doc.clone();
    for edit in edits {
        apply(&mut doc, edit);
    }
    doc
}

/// The maintained spec after a few random edits.
pub(super) fn near_valid_spec() -> impl Strategy<Value = Value> {
    edits().prop_map(|edits| edited(maintained(), &edits))
}

/// The maintained spec cut to four of its operations (a GET; POSTs with an optional body, a
/// required one, and a path parameter), every component kept: the same shapes, read in a
/// third of the time, for the properties that compare many documents.
pub(super) fn compact() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let mut doc = maintained().clone();
        if let Some(Value::Object(paths)) = doc.get_mut("paths") {
            paths.retain(|path, _| {
                [
                    "/v1/app/setup/verifications",
                    "/v1/app/setup/verifications/qr/scan",
                    "/v1/app/setup/verifications/{verificationID}/cancel",
                ]
                .contains(&path.as_str())
            });
        }
        doc
    })
}

/// The compact spec after a few random edits.
pub(super) fn near_valid_compact_spec() -> impl Strategy<Value = Value> {
    edits().prop_map(|edits| edited(compact(), &edits))
}

/// Spec text: YAML or JSON of a near-valid spec, that text cut short or with a character
/// inserted, YAML or JSON of any value, or any text at all.
pub(super) fn spec_text() -> impl Strategy<Value = String> {
    let yaml = |v: &Value| serde_yaml::to_string(v).unwrap_or_default();
    let near = near_valid_spec().prop_flat_map(move |doc| {
        let text = yaml(&doc);
        let len = text.len();
        prop_oneof![
            Just(text.clone()),
            Just(doc.to_string()),
            (0..=len).prop_map({
                let text = text.clone();
                move |cut| text.chars().take(cut).collect::<String>()
            }),
            (0..=len, any::<char>()).prop_map(move |(at, c)| {
                let mut chars: Vec<char> = text.chars().collect();
                chars.insert(at.min(chars.len()), c);
                chars.into_iter().collect::<String>()
            }),
        ]
    });
    prop_oneof![
        3 => near,
        1 => json_value().prop_map(move |v| yaml(&v)),
        1 => json_value().prop_map(|v| v.to_string()),
        1 => "(?s).{0,200}",
        1 => prop::collection::vec(
            prop::sample::select(
                &[
                    "openapi: 3.0.3\n", "paths:\n", "  /x:\n", "    get:\n", "- ", "{", "}", "[",
                    "]", ": ", "&a ", "*a ", "!!str ", "<<: ", "'", "\"", "\t", "~", "---\n",
                    "? ", "|\n", "  ", "\n",
                ][..],
            ),
            0..40,
        )
        .prop_map(|pieces| pieces.concat()),
    ]
}
