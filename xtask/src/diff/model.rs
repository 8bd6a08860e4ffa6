//! What the comparison reads from one spec: its operations with their security, parameters,
//! bodies and responses, each schema flattened into fields.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::spec::{METHODS, component_of, follow, unresolved_refs};

/// Keywords that document and never change what goes over the wire; never compared.
const ANNOTATIONS: [&str; 9] = [
    "description",
    "summary",
    "title",
    "example",
    "examples",
    "externalDocs",
    "deprecated",
    "tags",
    "xml",
];

/// The schema keywords that restrict which values a schema allows, compared by
/// `compare::effect`.
pub(super) const CONSTRAINTS: [&str; 14] = [
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "multipleOf",
    "uniqueItems",
];

/// The schema keywords the field comparison reads itself (besides [`CONSTRAINTS`]).
const SCHEMA_KEYWORDS: [&str; 7] = [
    "type",
    "properties",
    "required",
    "items",
    "enum",
    "nullable",
    "$ref",
];

/// The schema keywords that decide what kind of schema the generator reads (its parser,
/// `openapiv3`, makes a schema a pure `oneOf`, `anyOf`... only when it has no other of these).
const KIND_KEYWORDS: [&str; 24] = [
    "type",
    "pattern",
    "multipleOf",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minimum",
    "maximum",
    "properties",
    "required",
    "additionalProperties",
    "minProperties",
    "maxProperties",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "enum",
    "format",
    "minLength",
    "maxLength",
    "oneOf",
    "allOf",
    "anyOf",
    "not",
];

/// The keywords whose members are read one by one ([`Member`]), where their value is a list of
/// schemas; compared whole otherwise.
pub(super) const UNIONS: [&str; 2] = ["oneOf", "anyOf"];

/// How deep into nested schemas, and into references in a row, the comparison goes. A schema
/// that refers to itself stops earlier, where it does.
const MAX_DEPTH: usize = 12;

/// Whether a keyword only documents.
pub(super) fn is_annotation(key: &str) -> bool {
    ANNOTATIONS.contains(&key) || key.starts_with("x-")
}

/// Whether a schema says nothing but annotations (`{}` included): it allows every value.
pub(super) fn only_annotations(schema: &Value) -> bool {
    schema
        .as_object()
        .is_some_and(|map| map.keys().all(|k| is_annotation(k)))
}

/// One schema node as the comparison sees it: a body's top, a field inside it, a parameter or
/// a header.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Field {
    /// The location of the object or array that holds it; `None` at the top.
    pub(super) parent: Option<String>,
    pub(super) ty: String,
    pub(super) required: bool,
    pub(super) nullable: bool,
    pub(super) enum_values: BTreeSet<String>,
    /// The [`CONSTRAINTS`] it has, by keyword.
    pub(super) constraints: BTreeMap<&'static str, Value>,
    /// What no rule reads (`additionalProperties`, `not`, a parameter's `style`...), with
    /// `$ref`s inlined and annotations left out; compared whole.
    pub(super) other: BTreeMap<String, Value>,
    /// The members of its `oneOf` and `anyOf` ([`UNIONS`]), by keyword, in the document's
    /// order; compared member by member.
    pub(super) unions: BTreeMap<&'static str, Vec<Member>>,
}

/// One member of a `oneOf` or `anyOf`.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Member {
    /// The component it refers to, if it is a `$ref` to one.
    pub(super) component: Option<String>,
    /// Its fields by location, as a body's are: its top is at "".
    pub(super) fields: BTreeMap<String, Field>,
}

/// A request or response body.
#[derive(Debug, Default)]
pub(super) struct Body {
    /// Whether a request must send it (always true for a response).
    pub(super) required: bool,
    /// The component its JSON schema names, for the one-line summary of a swap.
    pub(super) schema: String,
    /// Its JSON schema's fields by location; the top is at "".
    pub(super) fields: BTreeMap<String, Field>,
    /// Other media types and what else the body says, inlined; compared whole.
    pub(super) other: BTreeMap<String, Value>,
}

/// One documented response of an operation.
#[derive(Debug, Default)]
pub(super) struct Response {
    pub(super) body: Option<Body>,
    pub(super) headers: BTreeMap<String, Field>,
    pub(super) other: BTreeMap<String, Value>,
}

/// One way to authenticate: the schemes it needs, each with its scopes. Empty: anonymous.
pub(super) type Alternative = BTreeMap<String, BTreeSet<String>>;

/// One operation as the comparison sees it.
#[derive(Debug, Default)]
pub(super) struct Operation {
    pub(super) id: String,
    /// Any one of these authenticates a call; `[{}]` when the operation needs nothing.
    pub(super) security: Vec<Alternative>,
    pub(super) parameters: BTreeMap<String, Field>,
    pub(super) body: Option<Body>,
    pub(super) responses: BTreeMap<String, Response>,
    pub(super) other: BTreeMap<String, Value>,
}

/// What the comparison reads from one document.
#[derive(Debug, Default)]
pub(super) struct Model {
    /// By `METHOD path`.
    pub(super) operations: BTreeMap<String, Operation>,
    /// The security schemes, by name, as clients see them: (in words, what identifies them).
    pub(super) schemes: BTreeMap<String, (String, Value)>,
    /// The names of the schema components.
    pub(super) schemas: BTreeSet<String>,
    /// The top-level `servers`, `null` when absent.
    pub(super) servers: Value,
    /// `$ref`s that point at nothing: (where, the reference).
    pub(super) unresolved: Vec<(String, String)>,
}

/// A schema as the comparison sees it: `$ref`s followed, and a lone `allOf` wrapper merged with
/// its target (the wrapper's own keywords, such as `nullable`, win); with the `$ref`s followed
/// to reach it, the first naming the component it refers to, if any.
fn view(root: &Value, schema: &Value) -> (Map<String, Value>, Vec<String>) {
    let mut merged = Map::new();
    let mut refs = Vec::new();
    let mut current = schema;
    for _ in 0..MAX_DEPTH {
        if let Some(reference) = current.get("$ref").and_then(Value::as_str) {
            refs.push(reference.to_owned());
            let target = follow(root, current);
            if target.get("$ref").is_some() {
                // Unresolved: reported once for the whole document.
                break;
            }
            current = target;
            continue;
        }
        let Some(map) = current.as_object() else {
            break;
        };
        // An `anyOf` with a member that allows everything is an untyped value (the generator
        // makes it one too), where the alternatives are all the schema says: beside a `type`,
        // `properties` or any other keyword of [`KIND_KEYWORDS`] the generator's pre-pass
        // leaves them be (`prepass::untyped_open_alternatives`), so they stay, compared whole.
        let mut collapsed = Map::new();
        let kind_keywords = map
            .keys()
            .filter(|k| KIND_KEYWORDS.contains(&k.as_str()))
            .count();
        if (map.contains_key("anyOf") || map.contains_key("oneOf")) && kind_keywords == 1 && {
            collapsed.clone_from(map);
            crate::spec::collapse_unconstrained_alternatives(&mut collapsed)
        } {
            for (key, value) in collapsed {
                merged.entry(key).or_insert(value);
            }
            break;
        }
        // A member that says nothing but annotations allows every value: `allOf: [{$ref: X},
        // {description: ...}]` is how a document describes a reference in its place.
        let members: Vec<&Value> = match map.get("allOf") {
            Some(Value::Array(all)) => all.iter().filter(|m| !only_annotations(m)).collect(),
            _ => Vec::new(),
        };
        let lone = match members.as_slice() {
            [one] if !map.contains_key("properties") => Some(*one),
            _ => None,
        };
        // A wrapper is merged only where it says nothing against what it wraps: `allOf` is
        // both at once, so a wrapper's `type: string` around a `type: integer` is not the
        // wrapper winning. Otherwise the `allOf` stays, compared whole.
        let lone = lone.filter(|inner| {
            let target = follow(root, inner);
            target.as_object().is_some_and(|target| {
                merged.iter().chain(map.iter()).all(|(key, value)| {
                    key == "allOf"
                        || key == "nullable"
                        || is_annotation(key)
                        || target.get(key).is_none_or(|t| t == value)
                })
            })
        });
        for (key, value) in map {
            if !(key == "allOf" && lone.is_some()) {
                merged.entry(key.clone()).or_insert_with(|| value.clone());
            }
        }
        match lone {
            Some(inner) => current = inner,
            None => break,
        }
    }
    (merged, refs)
}

/// The component a schema's first `$ref` names, if any.
fn component_name(refs: &[String]) -> Option<String> {
    component_of(refs.first()?).map(|(_, name)| name)
}

/// `value` with every `$ref` replaced by what it names and annotations left out, to compare
/// what no rule reads. A reference inside what it names (a recursive schema) stays a `$ref`,
/// and so does any reference [`MAX_DEPTH`] references deep.
fn inline(root: &Value, value: &Value) -> Value {
    inline_within(root, value, &mut Vec::new())
}

/// [`inline`] inside the references in `within`, the ones being inlined.
fn inline_within(root: &Value, value: &Value, within: &mut Vec<String>) -> Value {
    match value {
        Value::Object(map) if map.contains_key("$ref") => {
            let target = follow(root, value);
            let reference = map.get("$ref").and_then(Value::as_str).unwrap_or_default();
            if target.get("$ref").is_some() {
                target.clone()
            } else if within.iter().any(|r| r == reference) || within.len() >= MAX_DEPTH {
                value.clone()
            } else {
                within.push(reference.to_owned());
                let inlined = inline_within(root, target, within);
                within.pop();
                inlined
            }
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(key, _)| !is_annotation(key))
                .map(|(key, child)| {
                    let child = match (key.as_str(), child) {
                        // Property names are names, not keywords: keep a property `title`.
                        ("properties", Value::Object(props)) => Value::Object(
                            props
                                .iter()
                                .map(|(n, s)| (n.clone(), inline_within(root, s, within)))
                                .collect(),
                        ),
                        _ => inline_within(root, child, within),
                    };
                    (key.clone(), child)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| inline_within(root, v, within))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The keys of `object` that are neither `handled` nor annotations, inlined.
fn other_keys(root: &Value, object: &Value, handled: &[&str]) -> BTreeMap<String, Value> {
    object
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(key, _)| !handled.contains(&key.as_str()) && !is_annotation(key))
        .map(|(key, value)| (key.clone(), inline(root, value)))
        .collect()
}

/// An enum's values in words: a string as it is, anything else as its JSON type and text
/// (`number 1`), so that `1` and `"1"` differ.
fn enum_values(value: Option<&Value>) -> BTreeSet<String> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|v| match v {
            Value::String(s) => s.clone(),
            Value::Null => "null".to_owned(),
            Value::Bool(_) => format!("boolean {v}"),
            Value::Number(_) => format!("number {v}"),
            Value::Array(_) => format!("array {v}"),
            Value::Object(_) => format!("object {v}"),
        })
        .collect()
}

fn strings(value: Option<&Value>) -> BTreeSet<String> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
        .collect()
}

/// Where [`flatten`] is: the location of the schema and its parent's, whether it is required,
/// how deep, and the `$ref`s followed to reach it (to stop where a schema refers to itself).
struct At<'a> {
    at: &'a str,
    parent: Option<&'a str>,
    required: bool,
    depth: usize,
    within: &'a mut Vec<String>,
}

/// Adds the schema at `at` and every field under it (`a.b` for properties, `a[]` for array
/// elements) to `out`; the members of its `oneOf` and `anyOf` go to the field's
/// [`Field::unions`], each with fields of its own. A field whose schema is a `$ref` already
/// followed on the way to it (a recursive schema) is listed with that `$ref` and not expanded
/// again: the fields under it are those listed where the reference was first followed.
fn flatten(root: &Value, schema: &Value, at: At<'_>, out: &mut BTreeMap<String, Field>) {
    let (schema, refs) = view(root, schema);
    let recursive = refs.iter().find(|r| at.within.contains(r)).cloned();
    let followed = refs.len();
    at.within.extend(refs);
    let ty = match schema.get("type") {
        Some(Value::String(ty)) => ty.clone(),
        // Not 3.0 (a 3.1 list, say), but not to be read as no type: compared as written.
        Some(other) => other.to_string(),
        None if schema.contains_key("properties") => "object".to_owned(),
        None if schema.contains_key("items") => "array".to_owned(),
        None => "any".to_owned(),
    };
    let expand = recursive.is_none() && at.depth < MAX_DEPTH;
    // A `oneOf` or `anyOf` that lists schemas is read member by member, each like a body, where
    // the schema is read further; a recursive one stays a `$ref`, compared whole with the rest.
    let read_members = |key: &str| {
        expand
            && UNIONS.contains(&key)
            && matches!(schema.get(key), Some(Value::Array(members))
                if members.iter().all(Value::is_object))
    };
    let mut field = Field {
        parent: at.parent.map(str::to_owned),
        ty,
        required: at.required,
        nullable: schema.get("nullable") == Some(&Value::Bool(true)),
        enum_values: enum_values(schema.get("enum")),
        constraints: CONSTRAINTS
            .iter()
            .filter_map(|&k| schema.get(k).map(|v| (k, v.clone())))
            // A `false` flag says the same as no flag (a `false` length is another matter).
            .filter(|(k, v)| {
                !(["uniqueItems", "exclusiveMinimum", "exclusiveMaximum"].contains(k)
                    && *v == Value::Bool(false))
            })
            .collect(),
        other: schema
            .iter()
            .filter(|(key, _)| {
                !SCHEMA_KEYWORDS.contains(&key.as_str())
                    && !CONSTRAINTS.contains(&key.as_str())
                    && !is_annotation(key)
                    && !read_members(key)
            })
            .map(|(key, value)| (key.clone(), inline_within(root, value, at.within)))
            .collect(),
        unions: BTreeMap::new(),
    };
    for keyword in UNIONS.into_iter().filter(|k| read_members(k)) {
        let Some(Value::Array(members)) = schema.get(keyword) else {
            continue;
        };
        let mut read = Vec::with_capacity(members.len());
        for member in members {
            let mut fields = BTreeMap::new();
            let top = At {
                at: "",
                parent: None,
                required: true,
                depth: at.depth + 1,
                within: &mut *at.within,
            };
            flatten(root, member, top, &mut fields);
            let component = component_name(&view(root, member).1);
            read.push(Member { component, fields });
        }
        field.unions.insert(keyword, read);
    }
    if let Some(reference) = recursive {
        field
            .other
            .insert("$ref".to_owned(), Value::String(reference));
    }
    out.insert(at.at.to_owned(), field);
    if expand && let Some(items) = schema.get("items") {
        let path = format!("{}[]", at.at);
        let child = At {
            at: &path,
            parent: Some(at.at),
            required: true,
            depth: at.depth + 1,
            within: &mut *at.within,
        };
        flatten(root, items, child, out);
    }
    if expand {
        let empty = Map::new();
        let props = match schema.get("properties") {
            Some(Value::Object(props)) => props,
            _ => &empty,
        };
        let required = strings(schema.get("required"));
        // A required name with no schema of its own is a field all the same: one the server
        // requires, of any type.
        let undeclared = json!({});
        let fields = props.iter().chain(
            required
                .iter()
                .filter(|name| !props.contains_key(*name))
                .map(|name| (name, &undeclared)),
        );
        for (name, prop) in fields {
            // A property named "" at the top would be at the top's own location: it would
            // replace the top, and be its own parent.
            let path = match (at.at, name.as_str()) {
                ("", "") => "\"\"".to_owned(),
                ("", name) => name.to_owned(),
                (at, name) => format!("{at}.{name}"),
            };
            let child = At {
                at: &path,
                parent: Some(at.at),
                required: required.contains(name),
                depth: at.depth + 1,
                within: &mut *at.within,
            };
            flatten(root, prop, child, out);
        }
    }
    at.within.truncate(at.within.len() - followed);
}

/// [`flatten`] from the top of a schema at `at`.
fn flatten_top(
    root: &Value,
    schema: &Value,
    at: &str,
    required: bool,
    out: &mut BTreeMap<String, Field>,
) {
    let top = At {
        at,
        parent: None,
        required,
        depth: 0,
        within: &mut Vec::new(),
    };
    flatten(root, schema, top, out);
}

/// A parameter or header object at `at`: its schema's fields, its own `required`, and what
/// else it says (`style`, `explode`, `content`...) compared whole.
fn parameter_like(
    root: &Value,
    object: &Value,
    at: &str,
    required: bool,
    handled: &[&str],
    out: &mut BTreeMap<String, Field>,
) {
    match object.get("schema") {
        Some(schema) => flatten_top(root, schema, at, required, out),
        None => {
            let field = Field {
                ty: "any".into(),
                required,
                ..Field::default()
            };
            out.insert(at.to_owned(), field);
        }
    }
    let extra = other_keys(root, object, handled);
    if let Some(field) = out.get_mut(at) {
        field.other.extend(extra);
    }
}

/// An operation's parameters, its path item's included (the operation's win), keyed by where
/// they go and their name (header names in lower case: HTTP does not tell case apart).
fn parameters(root: &Value, item: &Value, op: &Value) -> BTreeMap<String, Field> {
    let mut by_place: BTreeMap<String, &Value> = BTreeMap::new();
    for list in [item.get("parameters"), op.get("parameters")] {
        for parameter in list.and_then(Value::as_array).into_iter().flatten() {
            let parameter = follow(root, parameter);
            let place = parameter.get("in").and_then(Value::as_str);
            let name = parameter.get("name").and_then(Value::as_str);
            if let (Some(place), Some(name)) = (place, name) {
                let name = if place == "header" {
                    name.to_ascii_lowercase()
                } else {
                    name.to_owned()
                };
                by_place.insert(format!("{place} parameter {name}"), parameter);
            }
        }
    }
    let mut out = BTreeMap::new();
    for (at, parameter) in by_place {
        let required = at.starts_with("path ") || parameter.get("required") == Some(&true.into());
        let handled = ["name", "in", "required", "schema"];
        parameter_like(root, parameter, &at, required, &handled, &mut out);
    }
    out
}

/// The body in a request body or response object, `None` when it has no `content`.
fn body(root: &Value, holder: &Value, required: bool) -> Option<Body> {
    let content = holder.get("content")?.as_object()?;
    let json = content
        .keys()
        .find(|media| media.starts_with("application/json"));
    let mut body = Body {
        required,
        schema: "no JSON schema".into(),
        ..Body::default()
    };
    for (media, object) in content {
        if Some(media) != json {
            body.other
                .insert(format!("media type {media}"), inline(root, object));
            continue;
        }
        if let Some(schema) = object.get("schema") {
            body.schema =
                component_name(&view(root, schema).1).unwrap_or_else(|| "an inline schema".into());
            flatten_top(root, schema, "", true, &mut body.fields);
        }
        for (key, value) in other_keys(root, object, &["schema"]) {
            body.other.insert(format!("{media} {key}"), value);
        }
    }
    Some(body)
}

/// The schemas a response's `x-error-details` gives its error body's `details` (for every
/// code, or for the one named), read as fields of the body beside the rest: clients that read
/// `details` depend on them as on any response field. Each sits at a location of its own
/// (`details (code ACTION_NOT_AVAILABLE)`), apart from the `details` of the body's schema.
fn error_details(root: &Value, response: &Value, body: &mut Body) {
    let Some(Value::Array(entries)) = response.get("x-error-details") else {
        return;
    };
    for entry in entries {
        let at = match entry.get("code").and_then(Value::as_str) {
            Some(code) => format!("details (code {code})"),
            None => "details (every code)".to_owned(),
        };
        match entry.get("schema") {
            Some(schema) => flatten_top(root, schema, &at, true, &mut body.fields),
            // Not a schema at all: compared whole, so a change is still seen.
            None => {
                body.other.insert(at, entry.clone());
            }
        }
    }
}

/// The security an operation requires: any one of the alternatives; `[{}]` for none.
fn requirement(security: Option<&Value>) -> Vec<Alternative> {
    let alternatives: Vec<Alternative> = security
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .map(|alternative| {
            alternative
                .iter()
                .map(|(scheme, scopes)| (scheme.clone(), strings(Some(scopes))))
                .collect()
        })
        .collect();
    if alternatives.is_empty() {
        vec![Alternative::new()]
    } else {
        alternatives
    }
}

/// A security scheme as clients see it: in words, and what decides how a client sends it.
fn scheme(root: &Value, definition: &Value) -> (String, Value) {
    let definition = follow(root, definition);
    let text = |key: &str| definition.get(key).and_then(Value::as_str).unwrap_or("?");
    let words = match text("type") {
        "http" => format!("HTTP {}", text("scheme").to_ascii_lowercase()),
        "apiKey" => format!("an API key in {} {}", text("in"), text("name")),
        "oauth2" => "OAuth2".into(),
        "openIdConnect" => "OpenID Connect".into(),
        other => other.to_owned(),
    };
    let mut identity = other_keys(root, definition, &["bearerFormat"]);
    if let Some(Value::String(scheme)) = identity.get_mut("scheme") {
        // HTTP auth scheme names are case-insensitive.
        *scheme = scheme.to_ascii_lowercase();
    }
    (words, Value::Object(identity.into_iter().collect()))
}

impl Model {
    /// Reads what the comparison needs from one document.
    pub(super) fn read(root: &Value) -> Self {
        let mut model = Self {
            servers: root.get("servers").cloned().unwrap_or(Value::Null),
            unresolved: unresolved_refs(root),
            schemas: root
                .pointer("/components/schemas")
                .and_then(Value::as_object)
                .map(|schemas| schemas.keys().cloned().collect())
                .unwrap_or_default(),
            ..Self::default()
        };
        if let Some(Value::Object(schemes)) = root.pointer("/components/securitySchemes") {
            for (name, definition) in schemes {
                model.schemes.insert(name.clone(), scheme(root, definition));
            }
        }
        let Some(Value::Object(paths)) = root.get("paths") else {
            return model;
        };
        for (path, item) in paths {
            let mut handled: Vec<&str> = METHODS.to_vec();
            handled.push("parameters");
            let item_other = other_keys(root, item, &handled);
            for method in METHODS {
                let Some(op) = item.get(method) else { continue };
                let key = format!("{} {path}", method.to_uppercase());
                let mut operation = Operation {
                    id: op
                        .get("operationId")
                        .and_then(Value::as_str)
                        .map_or_else(|| key.clone(), str::to_owned),
                    security: requirement(op.get("security").or_else(|| root.get("security"))),
                    parameters: parameters(root, item, op),
                    other: other_keys(
                        root,
                        op,
                        &[
                            "operationId",
                            "parameters",
                            "requestBody",
                            "responses",
                            "security",
                        ],
                    ),
                    ..Operation::default()
                };
                for (k, v) in &item_other {
                    operation.other.insert(format!("path item {k}"), v.clone());
                }
                if let Some(request) = op.get("requestBody") {
                    let request = follow(root, request);
                    let required = request.get("required") == Some(&true.into());
                    operation.body = body(root, request, required);
                    for (k, v) in other_keys(root, request, &["content", "required"]) {
                        operation.other.insert(format!("requestBody {k}"), v);
                    }
                }
                if let Some(Value::Object(responses)) = op.get("responses") {
                    for (status, response) in responses {
                        let response = follow(root, response);
                        let mut headers = BTreeMap::new();
                        if let Some(Value::Object(map)) = response.get("headers") {
                            for (name, header) in map {
                                let header = follow(root, header);
                                let at = format!("header {}", name.to_ascii_lowercase());
                                let required = header.get("required") == Some(&true.into());
                                let handled = ["required", "schema"];
                                parameter_like(root, header, &at, required, &handled, &mut headers);
                            }
                        }
                        let mut body = body(root, response, true);
                        if let Some(body) = &mut body {
                            error_details(root, response, body);
                        }
                        let response = Response {
                            body,
                            headers,
                            other: other_keys(root, response, &["content", "headers"]),
                        };
                        operation.responses.insert(status.clone(), response);
                    }
                }
                model.operations.insert(key, operation);
            }
        }
        model
    }
}
