//! Loading an OpenAPI document from disk, shared by every xtask command.

use std::path::{Path, PathBuf};

use openapiv3::{OpenAPI, Operation, PathItem, ReferenceOr};
use serde_json::Value;

/// The maintained spec, relative to the workspace root.
pub const SPEC_PATH: &str = "openapi/beeper-verification.yaml";

/// A parsed spec: the raw JSON tree (for `$ref` resolution and version checks) and the typed model.
#[derive(Debug)]
pub struct Spec {
    pub raw: Value,
    pub api: OpenAPI,
}

/// The workspace `cargo xtask` acts on: the one holding the current directory.
///
/// Read at run time, never from the `CARGO_MANIFEST_DIR` compiled into the binary: with a
/// `CARGO_TARGET_DIR` shared by several checkouts, one built binary serves them all, and a
/// compiled-in path would make `cargo xtask import` in one checkout write another's spec.
pub fn workspace_root() -> Result<PathBuf, String> {
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    workspace_root_from(&cwd).ok_or_else(|| {
        format!(
            "{} is not inside this workspace (no folder above it has a Cargo.toml with \
             [workspace] and an xtask crate): run `cargo xtask` from the checkout to act on",
            cwd.display()
        )
    })
}

/// The nearest folder at or above `dir` whose `Cargo.toml` declares a `[workspace]` and that
/// holds the `xtask` crate, as cargo finds the workspace of a package.
pub fn workspace_root_from(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|candidate| {
            let declares_workspace = std::fs::read_to_string(candidate.join("Cargo.toml"))
                .is_ok_and(|text| text.lines().any(|line| line.trim() == "[workspace]"));
            declares_workspace && candidate.join("xtask").join("Cargo.toml").is_file()
        })
        .map(Path::to_path_buf)
}

/// The workspace this crate was compiled in, for tests about its own maintained spec.
#[cfg(test)]
pub fn this_workspace() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().unwrap_or(here).to_path_buf()
}

/// Reads and parses a spec file (YAML or JSON).
pub fn load(path: &Path) -> Result<Spec, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Reads YAML or JSON text into a JSON tree: the one reader of spec text for every command.
///
/// JSON is read as JSON, YAML as YAML: JSON is not quite a subset of YAML. A YAML reader refuses
/// DEL, the C1 controls and U+FFFE in a JSON string, and reads U+0085 (NEL) there as a line
/// break, so as a space. A key given twice in one object is an error (YAML says keys are
/// unique; read into a JSON tree, the last one silently won).
pub fn read_tree(text: &str) -> Result<Value, String> {
    serde_json::from_str::<Tree>(text)
        .or_else(|_| serde_yaml::from_str::<Tree>(text))
        .map(|tree| tree.0)
        .map_err(|e| format!("not valid YAML or JSON: {e}"))
}

/// A JSON tree that refuses a key given twice in one object.
struct Tree(Value);

impl<'de> serde::Deserialize<'de> for Tree {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TreeVisitor).map(Tree)
    }
}

/// Builds a [`Tree`].
struct TreeVisitor;

impl<'de> serde::de::Visitor<'de> for TreeVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_i128<E: serde::de::Error>(self, v: i128) -> Result<Value, E> {
        i64::try_from(v)
            .map(Value::from)
            .map_err(|_| E::custom(format!("the integer {v} is out of range")))
    }

    fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<Value, E> {
        u64::try_from(v)
            .map(Value::from)
            .map_err(|_| E::custom(format!("the integer {v} is out of range")))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Tree(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let Tree(value) = map.next_value()?;
            if object.contains_key(&key) {
                return Err(serde::de::Error::custom(format!("duplicate key `{key}`")));
            }
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// Parses spec text. Rejects anything but OpenAPI 3.0.x before the typed parse, so that a 3.1
/// document gets a clear message instead of a confusing type error.
pub fn parse(text: &str) -> Result<Spec, String> {
    let raw = read_tree(text)?;
    crate::prepass::check_openapi_version(&raw)?;
    let api: OpenAPI = serde_json::from_value(raw.clone())
        .map_err(|e| format!("not a valid OpenAPI 3.0 document: {e}"))?;
    Ok(Spec { raw, api })
}

/// Keywords that only document a schema: they never change what it allows.
const ANNOTATION_KEYWORDS: [&str; 8] = [
    "description",
    "summary",
    "title",
    "example",
    "examples",
    "externalDocs",
    "deprecated",
    "xml",
];

/// Whether a schema allows every value: it says nothing but annotations and `nullable` (`{}`,
/// `{nullable: true}`, `{description: ...}`).
pub fn allows_anything(schema: &Value) -> bool {
    schema.as_object().is_some_and(|map| {
        map.iter().all(|(key, value)| {
            ANNOTATION_KEYWORDS.contains(&key.as_str())
                || key.starts_with("x-")
                || (key == "nullable" && value.is_boolean())
        })
    })
}

/// An `anyOf` or `oneOf` with a member that allows every value allows every value (a `oneOf`
/// as read by every generator and client here: the first member that decodes): the schema
/// becomes an untyped value, nullable when a member or the schema was. Returns whether it did.
/// Upstream's error `details` is written so: a validation object, an object map, an
/// unconstrained value and `{nullable: true}`.
pub fn collapse_unconstrained_alternatives(schema: &mut serde_json::Map<String, Value>) -> bool {
    for key in ["anyOf", "oneOf"] {
        let Some(Value::Array(members)) = schema.get(key) else {
            continue;
        };
        if !members.iter().any(allows_anything) {
            continue;
        }
        let nullable = members
            .iter()
            .any(|m| m.get("nullable") == Some(&Value::Bool(true)))
            || schema.get("nullable") == Some(&Value::Bool(true));
        schema.remove(key);
        if nullable {
            schema.insert("nullable".into(), Value::Bool(true));
        }
        return true;
    }
    false
}

/// The HTTP methods a path item may hold an operation for, as its keys, in a fixed order.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The HTTP methods of a path item with their operations, in a fixed order.
pub fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = (&'static str, &mut Operation)> {
    [
        ("get", &mut item.get),
        ("put", &mut item.put),
        ("post", &mut item.post),
        ("delete", &mut item.delete),
        ("options", &mut item.options),
        ("head", &mut item.head),
        ("patch", &mut item.patch),
        ("trace", &mut item.trace),
    ]
    .into_iter()
    .filter_map(|(method, op)| op.as_mut().map(|op| (method, op)))
}

/// How an operation is named in messages: its operationId, or its method and path.
pub fn operation_label(method: &str, path: &str, op: &Operation) -> String {
    match &op.operation_id {
        Some(id) => format!("operation `{id}` ({} {path})", method.to_uppercase()),
        None => format!("operation {} {path}", method.to_uppercase()),
    }
}

/// How many `$ref`s in a row are followed before giving up, so that a cycle cannot loop forever.
const MAX_HOPS: usize = 16;

/// Encodes a key as one JSON-pointer segment (`/` → `~1`, `~` → `~0`), so that locations can be
/// pasted back into a `$ref`.
pub fn pointer_escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Decodes one JSON-pointer segment (`~1` → `/`, `~0` → `~`).
pub fn pointer_unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

// The `$ref` resolver of the xtask. Every command reads references through these functions: the
// raw JSON tree through `lookup` and `follow`, the typed model through `resolve`, and both split
// `#/components/<kind>/<name>` with `component_of`. Only local references (`#/...`) exist for us.

/// The target of a local `$ref` (`#/components/schemas/X`, or any JSON pointer after `#`) in the
/// raw document; `None` when it is not local or points at nothing.
pub fn lookup<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    root.pointer(reference.strip_prefix('#')?)
}

/// Follows `value`'s chain of `$ref`s (at most [`MAX_HOPS`] of them) to what it names. Returns
/// `value` itself when it is no reference, and the last `$ref` object reached when the chain
/// breaks (an unresolvable or cyclic reference), so a caller sees an object that still has
/// `$ref`.
pub fn follow<'a>(root: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..MAX_HOPS {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            return value;
        };
        match lookup(root, reference) {
            Some(target) => value = target,
            None => return value,
        }
    }
    value
}

/// Splits a local `#/components/<kind>/<name>` reference into its kind and its (decoded) name.
/// `None` for any other reference, a deeper one (`#/components/schemas/A/properties/b`)
/// included: a `/` separates segments, and a `/` inside a name is written `~1`.
pub fn component_of(reference: &str) -> Option<(&str, String)> {
    let (kind, name) = reference.strip_prefix("#/components/")?.split_once('/')?;
    if name.contains('/') {
        return None;
    }
    Some((kind, pointer_unescape(name)))
}

/// The component a local reference points at or into: its kind and (decoded) name, for
/// `#/components/<kind>/<name>` and any pointer below it.
pub fn component_containing(reference: &str) -> Option<(&str, String)> {
    let (kind, rest) = reference.strip_prefix("#/components/")?.split_once('/')?;
    let name = rest.split('/').next().unwrap_or(rest);
    Some((kind, pointer_unescape(name)))
}

/// Resolves a `ReferenceOr<T>` of the typed model against a component map of the same kind,
/// following at most [`MAX_HOPS`] references, as [`follow`] does in the raw document.
pub fn resolve<'a, T>(
    item: &'a ReferenceOr<T>,
    kind: &str,
    map: Option<&'a indexmap::IndexMap<String, ReferenceOr<T>>>,
) -> Option<&'a T> {
    let mut current = item;
    for _ in 0..MAX_HOPS {
        let ReferenceOr::Reference { reference } = current else {
            break;
        };
        let (of_kind, name) = component_of(reference)?;
        if of_kind != kind {
            return None;
        }
        current = map?.get(&name)?;
    }
    match current {
        ReferenceOr::Item(t) => Some(t),
        ReferenceOr::Reference { .. } => None,
    }
}

/// Calls `visit` with every schema object of the raw document and where it stands (a JSON
/// pointer after `#`), parents before their children: the schemas of `components` (`schemas`,
/// and the media types of `responses`, `requestBodies` and `parameters`), those of each
/// operation (its parameters, request body and responses, and its path item's parameters), and
/// under each one every subschema (`properties`, `items`, `additionalProperties`, `not`, the
/// members of `allOf`, `oneOf` and `anyOf`). A `$ref` is visited where it stands and not
/// followed, so each schema of `components` is visited once, as itself.
///
/// The one walk over the raw document's schemas: lint reads descriptions through it.
pub fn walk_schemas<'a>(root: &'a Value, visit: &mut dyn FnMut(&str, &'a Value)) {
    fn schema<'a>(at: String, value: &'a Value, visit: &mut dyn FnMut(&str, &'a Value)) {
        let Value::Object(map) = value else { return };
        visit(&at, value);
        if let Some(Value::Object(properties)) = map.get("properties") {
            for (name, child) in properties {
                schema(
                    format!("{at}/properties/{}", pointer_escape(name)),
                    child,
                    visit,
                );
            }
        }
        for key in ["items", "additionalProperties", "not"] {
            if let Some(child) = map.get(key) {
                schema(format!("{at}/{key}"), child, visit);
            }
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            if let Some(Value::Array(members)) = map.get(key) {
                for (i, child) in members.iter().enumerate() {
                    schema(format!("{at}/{key}/{i}"), child, visit);
                }
            }
        }
    }
    /// The schema of each media type of a `content` map.
    fn content<'a>(at: &str, holder: &'a Value, visit: &mut dyn FnMut(&str, &'a Value)) {
        if let Some(Value::Object(media)) = holder.get("content") {
            for (name, m) in media {
                if let Some(s) = m.get("schema") {
                    let at = format!("{at}/content/{}/schema", pointer_escape(name));
                    schema(at, s, visit);
                }
            }
        }
    }
    /// A parameter's schema, or the schemas of its `content`.
    fn parameter<'a>(at: &str, p: &'a Value, visit: &mut dyn FnMut(&str, &'a Value)) {
        if let Some(s) = p.get("schema") {
            schema(format!("{at}/schema"), s, visit);
        }
        content(at, p, visit);
    }
    fn parameters<'a>(at: &str, holder: &'a Value, visit: &mut dyn FnMut(&str, &'a Value)) {
        if let Some(Value::Array(list)) = holder.get("parameters") {
            for (i, p) in list.iter().enumerate() {
                parameter(&format!("{at}/parameters/{i}"), p, visit);
            }
        }
    }

    let components = root.get("components");
    if let Some(Value::Object(schemas)) = components.and_then(|c| c.get("schemas")) {
        for (name, s) in schemas {
            schema(
                format!("#/components/schemas/{}", pointer_escape(name)),
                s,
                visit,
            );
        }
    }
    for kind in ["responses", "requestBodies", "parameters"] {
        if let Some(Value::Object(map)) = components.and_then(|c| c.get(kind)) {
            for (name, v) in map {
                let at = format!("#/components/{kind}/{}", pointer_escape(name));
                if kind == "parameters" {
                    parameter(&at, v, visit);
                } else {
                    content(&at, v, visit);
                }
            }
        }
    }
    if let Some(Value::Object(paths)) = root.get("paths") {
        for (path, item) in paths {
            let item_at = format!("#/paths/{}", pointer_escape(path));
            parameters(&item_at, item, visit);
            for method in METHODS {
                let Some(op) = item.get(method) else { continue };
                let at = format!("{item_at}/{method}");
                parameters(&at, op, visit);
                if let Some(body) = op.get("requestBody") {
                    content(&format!("{at}/requestBody"), body, visit);
                }
                if let Some(Value::Object(responses)) = op.get("responses") {
                    for (status, r) in responses {
                        let at = format!("{at}/responses/{}", pointer_escape(status));
                        content(&at, r, visit);
                    }
                }
            }
        }
    }
}

/// Every `$ref` in the raw document that points at nothing inside it, as (where it stands, as a
/// JSON pointer after `#`; the reference).
pub fn unresolved_refs(root: &Value) -> Vec<(String, String)> {
    fn walk(root: &Value, value: &Value, at: &str, out: &mut Vec<(String, String)>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get("$ref")
                    && lookup(root, reference).is_none()
                {
                    out.push((at.to_owned(), reference.clone()));
                }
                for (key, child) in map {
                    walk(root, child, &format!("{at}/{}", pointer_escape(key)), out);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    walk(root, child, &format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(root, root, "#", &mut out);
    out
}

/// A small OpenAPI 3.0 document around the given `paths` and `components/schemas` YAML, for the
/// unit tests of each check.
#[cfg(test)]
pub fn test_doc(paths: &str, schemas: &str) -> String {
    fn indent(text: &str, by: usize) -> String {
        let pad = " ".repeat(by);
        text.lines().map(|l| format!("{pad}{l}\n")).collect()
    }
    format!(
        "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n{}components:\n  schemas:\n{}",
        indent(paths, 2),
        indent(if schemas.is_empty() { "{}" } else { schemas }, 4),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn follow_walks_a_chain_and_stops_at_a_broken_or_cyclic_one() {
        let root = json!({ "components": { "schemas": {
            "A": { "$ref": "#/components/schemas/B" },
            "B": { "type": "string" },
            "Loop": { "$ref": "#/components/schemas/Loop" },
            "Broken": { "$ref": "#/components/schemas/Missing" },
        } } });
        let a = json!({ "$ref": "#/components/schemas/A" });
        assert_eq!(follow(&root, &a), &json!({ "type": "string" }));
        let inline = json!({ "type": "integer" });
        assert_eq!(follow(&root, &inline), &inline);
        let broken = json!({ "$ref": "#/components/schemas/Broken" });
        assert_eq!(
            follow(&root, &broken),
            &json!({ "$ref": "#/components/schemas/Missing" })
        );
        let cycle = json!({ "$ref": "#/components/schemas/Loop" });
        assert!(follow(&root, &cycle).get("$ref").is_some());
        assert_eq!(lookup(&root, "other.yaml#/x"), None);
    }

    #[test]
    fn component_names_are_decoded_the_same_way_everywhere() {
        assert_eq!(
            component_of("#/components/schemas/a~1b~0c"),
            Some(("schemas", "a/b~c".to_owned()))
        );
        assert_eq!(component_of("#/paths/~1x"), None);
        assert_eq!(pointer_unescape(&pointer_escape("a/b~c")), "a/b~c");
    }

    /// A document of parameter components, for the resolvers to read.
    fn parameters(components: serde_json::Value) -> (serde_json::Value, Spec) {
        let raw = json!({
            "openapi": "3.0.3",
            "info": { "title": "t", "version": "1" },
            "paths": {},
            "components": { "parameters": components },
        });
        let spec = parse(&raw.to_string()).expect("parses");
        (raw, spec)
    }

    /// What both resolvers find for `reference`: the parameter's name, or nothing.
    fn resolved_both_ways(raw: &Value, spec: &Spec, reference: &str) -> [Option<String>; 2] {
        let typed = spec.api.components.as_ref().map(|c| &c.parameters);
        let item = ReferenceOr::Reference {
            reference: reference.to_owned(),
        };
        let by_type =
            resolve(&item, "parameters", typed).map(|p| p.parameter_data_ref().name.clone());
        let start = json!({ "$ref": reference });
        let end = follow(raw, &start);
        let by_raw = match end.get("$ref") {
            Some(_) => None,
            None => end.get("name").and_then(Value::as_str).map(str::to_owned),
        };
        [by_type, by_raw]
    }

    #[test]
    fn an_unescaped_slash_in_a_reference_separates_segments_for_both_resolvers() {
        let (raw, spec) = parameters(json!({
            "a/b": { "name": "slashed", "in": "query", "schema": { "type": "string" } },
        }));
        assert_eq!(
            resolved_both_ways(&raw, &spec, "#/components/parameters/a/b"),
            [None, None]
        );
        assert_eq!(
            resolved_both_ways(&raw, &spec, "#/components/parameters/a~1b"),
            [Some("slashed".to_owned()), Some("slashed".to_owned())]
        );
        assert_eq!(component_of("#/components/schemas/A/properties/b"), None);
        assert_eq!(
            component_containing("#/components/schemas/A~1B/properties/b"),
            Some(("schemas", "A/B".to_owned()))
        );
    }

    #[test]
    fn both_resolvers_follow_the_same_number_of_references() {
        // p0 -> p1 -> ... -> p{n-1} -> the parameter: n references in a row.
        for n in [MAX_HOPS - 1, MAX_HOPS, MAX_HOPS + 1] {
            let mut components = serde_json::Map::new();
            for i in 0..n - 1 {
                components.insert(
                    format!("p{i}"),
                    json!({ "$ref": format!("#/components/parameters/p{}", i + 1) }),
                );
            }
            components.insert(
                format!("p{}", n - 1),
                json!({ "name": "end", "in": "query", "schema": { "type": "string" } }),
            );
            let (raw, spec) = parameters(Value::Object(components));
            let [by_type, by_raw] = resolved_both_ways(&raw, &spec, "#/components/parameters/p0");
            assert_eq!(by_type, by_raw, "a chain of {n} references");
            assert_eq!(
                by_type.is_some(),
                n <= MAX_HOPS,
                "a chain of {n} references"
            );
        }
    }

    #[test]
    fn json_is_read_as_json() {
        // DEL, a C1 control and U+FFFE are allowed unescaped in a JSON string, not in YAML; a
        // YAML reader turned NEL into a space.
        for text in [
            "{\"a\": \"x\u{85}y\"}",
            "{\"a\u{7f}\": 1}",
            "{\"a\": \"\u{85}\u{9f}\"}",
            "[\"\u{fffe}\"]",
        ] {
            let expected: Value = serde_json::from_str(text).expect("valid JSON");
            assert_eq!(read_tree(text), Ok(expected), "{text:?}");
        }
        assert_eq!(
            read_tree("a: ~\nb: [null, 1.5, -2, x]\n"),
            Ok(json!({ "a": null, "b": [null, 1.5, -2, "x"] }))
        );
    }

    #[test]
    fn a_key_given_twice_is_refused() {
        // A second `'200'` response hid the first one from lint and diff.
        let twice = "paths:\n  /x:\n    get:\n      responses:\n        '200': {description: a}\n        '200': {description: b}\n";
        for text in [
            twice,
            "{a: 1, a: 2}",
            "{\"a\": 1, \"a\": 2}",
            "{\"a\u{7f}\": 1, \"a\u{7f}\": 2}",
        ] {
            let err = read_tree(text).expect_err("a duplicate key");
            assert!(err.starts_with("not valid YAML or JSON: "), "{err}");
        }
    }

    #[test]
    fn unresolved_refs_are_found_where_they_stand() {
        let root = json!({ "paths": { "/x": { "get": { "responses": {
            "200": { "$ref": "#/components/responses/Missing" },
            "404": { "$ref": "#/paths/~1x" },
        } } } } });
        assert_eq!(
            unresolved_refs(&root),
            vec![(
                "#/paths/~1x/get/responses/200".to_owned(),
                "#/components/responses/Missing".to_owned()
            )]
        );
    }

    #[test]
    fn the_schema_walk_reaches_every_schema_once_parents_first() {
        let root = json!({
            "paths": { "/a/{id}": {
                "parameters": [{ "name": "id", "in": "path", "schema": { "type": "string" } }],
                "post": {
                    "requestBody": { "content": { "application/json": {
                        "schema": { "$ref": "#/components/schemas/A" } } } },
                    "responses": { "200": { "content": { "application/json": { "schema": {
                        "type": "array",
                        "items": { "allOf": [{ "$ref": "#/components/schemas/A" }] },
                    } } } } },
                },
            } },
            "components": {
                "schemas": { "A": { "properties": {
                    "b": { "additionalProperties": { "not": { "type": "null" } } },
                } } },
                "responses": { "E": { "content": { "application/json": {
                    "schema": { "anyOf": [{ "type": "string" }] } } } } },
            },
        });
        let mut seen = Vec::new();
        walk_schemas(&root, &mut |at, _| seen.push(at.to_owned()));
        assert_eq!(
            seen,
            [
                "#/components/schemas/A",
                "#/components/schemas/A/properties/b",
                "#/components/schemas/A/properties/b/additionalProperties",
                "#/components/schemas/A/properties/b/additionalProperties/not",
                "#/components/responses/E/content/application~1json/schema",
                "#/components/responses/E/content/application~1json/schema/anyOf/0",
                "#/paths/~1a~1{id}/parameters/0/schema",
                "#/paths/~1a~1{id}/post/requestBody/content/application~1json/schema",
                "#/paths/~1a~1{id}/post/responses/200/content/application~1json/schema",
                "#/paths/~1a~1{id}/post/responses/200/content/application~1json/schema/items",
                "#/paths/~1a~1{id}/post/responses/200/content/application~1json/schema/items/allOf/0",
            ]
        );
    }
}
