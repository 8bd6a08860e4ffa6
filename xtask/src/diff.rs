//! `cargo xtask diff [BASE]`: what changed in the spec since a git revision (default `HEAD`) or
//! another file, grouped and classified for a client: does it break existing users of the
//! wrapper, or does the wrapper absorb it?

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Which side of an exchange a field is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Request,
    Response,
}

/// One kind of change.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Kind {
    OperationAdded,
    OperationRemoved,
    FieldAdded {
        side: Side,
        required: bool,
    },
    FieldRemoved {
        side: Side,
    },
    FieldRetyped {
        side: Side,
        from: String,
        to: String,
    },
    FieldBecameRequired {
        side: Side,
    },
    FieldBecameOptional {
        side: Side,
    },
    EnumValueAdded {
        side: Side,
        value: String,
    },
    EnumValueRemoved {
        side: Side,
        value: String,
    },
    StatusAdded {
        status: String,
    },
    StatusRemoved {
        status: String,
    },
}

impl Kind {
    /// Whether existing clients of the wrapper break.
    pub fn breaking(&self) -> bool {
        match self {
            Self::OperationAdded => false,
            Self::OperationRemoved => true,
            Self::FieldAdded {
                side: Side::Request,
                required,
            } => *required,
            Self::FieldAdded {
                side: Side::Response,
                ..
            } => false,
            Self::FieldRemoved { .. } => true,
            Self::FieldRetyped { .. } => true,
            Self::FieldBecameRequired { side } => *side == Side::Request,
            Self::FieldBecameOptional { side } => *side == Side::Response,
            // The wrapper's enums keep values they do not know.
            Self::EnumValueAdded { .. } => false,
            Self::EnumValueRemoved { .. } => true,
            Self::StatusAdded { .. } => false,
            Self::StatusRemoved { status } => status.starts_with('2'),
        }
    }

    fn group(&self) -> &'static str {
        match self {
            Self::OperationAdded | Self::OperationRemoved => "Operations",
            Self::FieldAdded {
                side: Side::Request,
                ..
            }
            | Self::FieldRemoved {
                side: Side::Request,
            }
            | Self::FieldRetyped {
                side: Side::Request,
                ..
            }
            | Self::FieldBecameRequired {
                side: Side::Request,
            }
            | Self::FieldBecameOptional {
                side: Side::Request,
            } => "Request fields",
            Self::EnumValueAdded { .. } | Self::EnumValueRemoved { .. } => "Enum values",
            Self::StatusAdded { .. } | Self::StatusRemoved { .. } => "Status codes",
            _ => "Response fields",
        }
    }

    fn describe(&self) -> String {
        match self {
            Self::OperationAdded => "operation added".into(),
            Self::OperationRemoved => "operation removed".into(),
            Self::FieldAdded { required: true, .. } => "required field added".into(),
            Self::FieldAdded {
                required: false, ..
            } => "optional field added".into(),
            Self::FieldRemoved { .. } => "field removed".into(),
            Self::FieldRetyped { from, to, .. } => format!("field retyped from {from} to {to}"),
            Self::FieldBecameRequired { .. } => "field became required".into(),
            Self::FieldBecameOptional { .. } => "field became optional".into(),
            Self::EnumValueAdded { value, .. } => format!("enum value `{value}` added"),
            Self::EnumValueRemoved { value, .. } => format!("enum value `{value}` removed"),
            Self::StatusAdded { status } => format!("status {status} added"),
            Self::StatusRemoved { status } => format!("status {status} removed"),
        }
    }
}

/// One change, where it is, and which operations it touches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    #[serde(flatten)]
    pub kind: Kind,
    /// The operation (`METHOD path`) or field (`session.e2ee.verified`) it concerns.
    pub location: String,
    /// The operations (operationIds) it touches.
    pub operations: Vec<String>,
    pub breaking: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Field {
    ty: String,
    required: bool,
    enum_values: BTreeSet<String>,
}

#[derive(Debug, Default)]
struct Operation {
    id: String,
    statuses: BTreeSet<String>,
    request: BTreeMap<String, Field>,
    response: BTreeMap<String, Field>,
}

/// Follows `$ref`s (and a lone `allOf` wrapper) to the schema they name.
fn resolve<'a>(root: &'a Value, mut schema: &'a Value) -> &'a Value {
    for _ in 0..16 {
        schema = crate::spec::follow(root, schema);
        match schema.get("allOf") {
            Some(Value::Array(all))
                if all.len() == 1
                    && schema.get("properties").is_none()
                    && schema.get("$ref").is_none() =>
            {
                schema = &all[0];
            }
            _ => return schema,
        }
    }
    schema
}

fn type_name(root: &Value, schema: &Value) -> String {
    let schema = resolve(root, schema);
    let ty = schema.get("type").and_then(Value::as_str).unwrap_or(
        if schema.get("properties").is_some() {
            "object"
        } else {
            "any"
        },
    );
    match (ty, schema.get("format").and_then(Value::as_str)) {
        ("array", _) => format!(
            "array of {}",
            schema
                .get("items")
                .map_or("any".into(), |i| type_name(root, i))
        ),
        (ty, Some(format)) => format!("{ty} ({format})"),
        (ty, None) => ty.to_owned(),
    }
}

/// Every field under `schema`, by dotted path (`items[]` for array elements).
fn flatten(
    root: &Value,
    schema: &Value,
    prefix: &str,
    depth: usize,
    out: &mut BTreeMap<String, Field>,
) {
    if depth > 12 {
        return;
    }
    let schema = resolve(root, schema);
    if let Some(items) = schema.get("items") {
        flatten(root, items, &format!("{prefix}[]"), depth + 1, out);
    }
    let Some(Value::Object(props)) = schema.get("properties") else {
        return;
    };
    let required: BTreeSet<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    for (name, prop) in props {
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        let resolved = resolve(root, prop);
        let enum_values = resolved
            .get("enum")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect();
        let enum_items: BTreeSet<String> = resolved
            .get("items")
            .map(|i| resolve(root, i))
            .and_then(|i| i.get("enum"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect();
        let field = Field {
            ty: type_name(root, prop),
            required: required.contains(name.as_str()),
            enum_values: if enum_items.is_empty() {
                enum_values
            } else {
                enum_items
            },
        };
        out.insert(path.clone(), field);
        flatten(root, prop, &path, depth + 1, out);
    }
}

fn body_schema<'a>(root: &'a Value, holder: &'a Value) -> Option<&'a Value> {
    let holder = resolve(root, holder);
    let content = holder.get("content")?.as_object()?;
    content
        .iter()
        .find(|(media, _)| media.starts_with("application/json"))
        .and_then(|(_, m)| m.get("schema"))
}

fn operations(root: &Value) -> BTreeMap<String, Operation> {
    let mut out = BTreeMap::new();
    let Some(Value::Object(paths)) = root.get("paths") else {
        return out;
    };
    for (path, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let mut operation = Operation {
                id: op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
                ..Operation::default()
            };
            if let Some(schema) = op.get("requestBody").and_then(|b| body_schema(root, b)) {
                flatten(root, schema, "", 0, &mut operation.request);
            }
            if let Some(Value::Object(responses)) = op.get("responses") {
                for (status, response) in responses {
                    operation.statuses.insert(status.clone());
                    if status.starts_with('2')
                        && let Some(schema) = body_schema(root, response)
                    {
                        flatten(root, schema, "", 0, &mut operation.response);
                    }
                }
            }
            if operation.id.is_empty() {
                operation.id = format!("{} {path}", method.to_uppercase());
            }
            out.insert(format!("{} {path}", method.to_uppercase()), operation);
        }
    }
    out
}

fn compare_fields(
    side: Side,
    old: &BTreeMap<String, Field>,
    new: &BTreeMap<String, Field>,
    found: &mut Vec<(Kind, String)>,
) {
    for (path, before) in old {
        match new.get(path) {
            None => found.push((Kind::FieldRemoved { side }, path.clone())),
            Some(after) => {
                if before.ty != after.ty {
                    found.push((
                        Kind::FieldRetyped {
                            side,
                            from: before.ty.clone(),
                            to: after.ty.clone(),
                        },
                        path.clone(),
                    ));
                }
                match (before.required, after.required) {
                    (false, true) => found.push((Kind::FieldBecameRequired { side }, path.clone())),
                    (true, false) => found.push((Kind::FieldBecameOptional { side }, path.clone())),
                    _ => {}
                }
                for value in after.enum_values.difference(&before.enum_values) {
                    found.push((
                        Kind::EnumValueAdded {
                            side,
                            value: value.clone(),
                        },
                        path.clone(),
                    ));
                }
                for value in before.enum_values.difference(&after.enum_values) {
                    found.push((
                        Kind::EnumValueRemoved {
                            side,
                            value: value.clone(),
                        },
                        path.clone(),
                    ));
                }
            }
        }
    }
    for (path, after) in new {
        if !old.contains_key(path) {
            found.push((
                Kind::FieldAdded {
                    side,
                    required: after.required,
                },
                path.clone(),
            ));
        }
    }
}

/// Every change from `old` to `new`, merged across the operations it touches.
pub fn diff(old: &Value, new: &Value) -> Vec<Change> {
    let (before, after) = (operations(old), operations(new));
    let mut merged: BTreeMap<(Kind, String), BTreeSet<String>> = BTreeMap::new();
    for (key, op) in &after {
        if !before.contains_key(key) {
            merged
                .entry((Kind::OperationAdded, key.clone()))
                .or_default()
                .insert(op.id.clone());
        }
    }
    for (key, old_op) in &before {
        let Some(new_op) = after.get(key) else {
            merged
                .entry((Kind::OperationRemoved, key.clone()))
                .or_default()
                .insert(old_op.id.clone());
            continue;
        };
        let mut found = Vec::new();
        compare_fields(Side::Request, &old_op.request, &new_op.request, &mut found);
        compare_fields(
            Side::Response,
            &old_op.response,
            &new_op.response,
            &mut found,
        );
        for status in new_op.statuses.difference(&old_op.statuses) {
            found.push((
                Kind::StatusAdded {
                    status: status.clone(),
                },
                key.clone(),
            ));
        }
        for status in old_op.statuses.difference(&new_op.statuses) {
            found.push((
                Kind::StatusRemoved {
                    status: status.clone(),
                },
                key.clone(),
            ));
        }
        for change in found {
            merged.entry(change).or_default().insert(new_op.id.clone());
        }
    }
    merged
        .into_iter()
        .map(|((kind, location), operations)| Change {
            breaking: kind.breaking(),
            kind,
            location,
            operations: operations.into_iter().collect(),
        })
        .collect()
}

/// The changes as text, grouped.
pub fn render(changes: &[Change]) -> String {
    if changes.is_empty() {
        return "No changes.\n".to_owned();
    }
    let mut out = String::new();
    for group in [
        "Operations",
        "Request fields",
        "Response fields",
        "Enum values",
        "Status codes",
    ] {
        let in_group: Vec<&Change> = changes.iter().filter(|c| c.kind.group() == group).collect();
        if in_group.is_empty() {
            continue;
        }
        out.push_str(&format!("{group}\n"));
        for change in in_group {
            let verdict = if change.breaking {
                "BREAKING"
            } else {
                "compatible"
            };
            let ops = if change.operations.len() > 3 {
                format!("{} operations", change.operations.len())
            } else {
                change.operations.join(", ")
            };
            out.push_str(&format!(
                "  {verdict:<10}  {}: {} ({ops})\n",
                change.location,
                change.kind.describe()
            ));
        }
    }
    let breaking = changes.iter().filter(|c| c.breaking).count();
    out.push_str(&format!(
        "\n{} change(s), {breaking} breaking.\n",
        changes.len()
    ));
    out
}

/// Entry point of `cargo xtask diff [BASE] [--json]`. Returns the process exit code: 1 when
/// something breaks existing clients, 2 when the comparison could not be made.
pub fn main(base: Option<&str>, json: bool) -> i32 {
    let root = crate::spec::workspace_root();
    let spec_path = root.join(crate::spec::SPEC_PATH);
    let base = base.unwrap_or("HEAD");
    let old_text = if std::path::Path::new(base).is_file() {
        std::fs::read_to_string(base).map_err(|e| format!("cannot read {base}: {e}"))
    } else {
        git_show(&root, base)
    };
    let texts = old_text.and_then(|old| {
        let new = std::fs::read_to_string(&spec_path)
            .map_err(|e| format!("cannot read {}: {e}", spec_path.display()))?;
        Ok((old, new))
    });
    let (old, new) = match texts.and_then(|(old, new)| {
        let old: Value =
            serde_yaml::from_str(&old).map_err(|e| format!("the base spec does not parse: {e}"))?;
        let new: Value =
            serde_yaml::from_str(&new).map_err(|e| format!("the spec does not parse: {e}"))?;
        Ok((old, new))
    }) {
        Ok(pair) => pair,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let changes = diff(&old, &new);
    let breaking = changes.iter().any(|c| c.breaking);
    if json {
        let doc = serde_json::json!({ "base": base, "breaking": breaking, "changes": changes });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        println!("Changes in {} since {base}:\n", crate::spec::SPEC_PATH);
        print!("{}", render(&changes));
    }
    i32::from(breaking)
}

fn git_show(root: &std::path::Path, rev: &str) -> Result<String, String> {
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .arg("show")
        .arg(format!("{rev}:{}", crate::spec::SPEC_PATH))
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`{rev}` is neither a file nor a git revision that has {}: {}",
            crate::spec::SPEC_PATH,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    String::from_utf8(output.stdout).map_err(|_| "the base spec is not UTF-8".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A spec with one operation whose request and response have the given properties.
    fn spec(request: Value, response: Value, statuses: &[&str]) -> Value {
        let mut responses = serde_json::Map::new();
        for status in statuses {
            responses.insert((*status).to_owned(), json!({ "description": "d" }));
        }
        responses.insert("200".into(), json!({ "description": "ok", "content": { "application/json": { "schema": response } } }));
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
                    side: Side::Response
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
        let changes = diff(&base(), &no_success);
        let removed = changes
            .iter()
            .find(|c| {
                c.kind
                    == Kind::StatusRemoved {
                        status: "200".into(),
                    }
            })
            .expect("200 removed");
        assert!(removed.breaking);
    }

    #[test]
    fn the_same_change_in_many_operations_is_listed_once() {
        let mut old = base();
        old["paths"]["/v1/z"] = old["paths"]["/v1/x/{id}"].clone();
        old["paths"]["/v1/z"]["post"]["operationId"] = json!("doZ");
        let mut new = old.clone();
        for path in ["/v1/x/{id}", "/v1/z"] {
            if let Some(Value::Object(props)) = new["paths"][path]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
                .get_mut("properties")
            {
                props.remove("note");
            }
        }
        let changes = diff(&old, &new);
        assert_eq!(changes.len(), 1, "{changes:#?}");
        assert_eq!(changes[0].operations, ["doX", "doZ"]);
        assert!(
            render(&changes).contains("BREAKING    note: field removed (doX, doZ)"),
            "{}",
            render(&changes)
        );
    }
}
