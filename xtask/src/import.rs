//! `cargo xtask import FILE`: take Beeper's full published OpenAPI document (3.1, all of the
//! Desktop API), keep our 10 verification operations and everything they reach through `$ref`,
//! convert what 3.1 has and 3.0.3 lacks, keep our own additions where upstream has none, and
//! write the spec in a stable, diff-friendly order.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::spec::{
    METHODS, component_containing, lookup, pointer_escape, read_tree, unresolved_refs,
};

/// The operations this workspace wraps: (method, path).
pub const OUR_OPERATIONS: [(&str, &str); 10] = [
    ("get", "/v1/app/setup"),
    ("get", "/v1/app/setup/verifications"),
    ("post", "/v1/app/setup/verifications"),
    ("get", "/v1/app/setup/verifications/{verificationID}"),
    (
        "post",
        "/v1/app/setup/verifications/{verificationID}/accept",
    ),
    (
        "post",
        "/v1/app/setup/verifications/{verificationID}/cancel",
    ),
    ("post", "/v1/app/setup/verifications/qr/scan"),
    (
        "post",
        "/v1/app/setup/verifications/{verificationID}/qr/confirm-scanned",
    ),
    (
        "post",
        "/v1/app/setup/verifications/{verificationID}/sas/start",
    ),
    (
        "post",
        "/v1/app/setup/verifications/{verificationID}/sas/confirm",
    ),
];

/// Whether a path is one of ours.
fn is_ours(path: &str) -> bool {
    path == "/v1/app/setup" || path.starts_with("/v1/app/setup/verifications")
}

/// Entry point of `cargo xtask import FILE`: rewrites the maintained spec from the upstream
/// document at `file` and returns the exit code.
pub fn main(file: &str) -> i32 {
    let upstream = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: cannot read {file}: {e}");
            return 1;
        }
    };
    let target = match crate::spec::workspace_root() {
        Ok(root) => root.join(crate::spec::SPEC_PATH),
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let ours = std::fs::read_to_string(&target).ok();
    match import(&upstream, ours.as_deref()) {
        Ok(yaml) => match std::fs::write(&target, yaml) {
            Ok(()) => {
                println!(
                    "wrote {} from {file}; next: `cargo xtask diff`, then `cargo xtask generate`",
                    crate::spec::SPEC_PATH
                );
                0
            }
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", target.display());
                1
            }
        },
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}

/// Imports `upstream` (YAML or JSON text), keeping additions from `ours` (the current spec, if
/// any). Returns the new spec as YAML.
pub fn import(upstream: &str, ours: Option<&str>) -> Result<String, String> {
    let upstream =
        read_tree(upstream).map_err(|e| format!("the upstream document does not parse: {e}"))?;
    let ours: Option<Value> = match ours {
        Some(text) => {
            Some(read_tree(text).map_err(|e| format!("the current spec does not parse: {e}"))?)
        }
        None => None,
    };
    let version = upstream
        .get("openapi")
        .and_then(Value::as_str)
        .unwrap_or("");
    if !version.starts_with("3.") {
        return Err(format!("not an OpenAPI 3 document (openapi: {version:?})"));
    }
    // Convert first, so that what our operations reach is read from what is written: a
    // reference that only a dropped `examples` entry held must not keep a component.
    let mut converted = upstream.clone();
    down_convert(&mut converted);
    let mut spec = subset(&converted)?;
    if let Some(ours) = &ours {
        keep_our_additions(&mut spec, ours);
    }
    keep_used_tags(&mut spec);
    check_references(&upstream, &spec)?;
    to_yaml(&spec)
}

/// Our paths and every component they reach; fails naming each operation upstream lacks.
fn subset(upstream: &Value) -> Result<Value, String> {
    let paths = upstream
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("the upstream document has no paths")?;
    let missing: Vec<String> = OUR_OPERATIONS
        .iter()
        .filter(|(method, path)| {
            paths
                .get(*path)
                .and_then(|item| item.get(*method))
                .is_none()
        })
        .map(|(method, path)| format!("{} {path}", method.to_uppercase()))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "the upstream document lacks operations this SDK relies on:\n  {}",
            missing.join("\n  ")
        ));
    }
    let kept_paths: Map<String, Value> = paths
        .iter()
        .filter(|(p, _)| is_ours(p))
        .map(|(p, v)| (p.clone(), v.clone()))
        .collect();

    // Everything reachable from the kept paths and the security they use.
    let mut reached: BTreeSet<(String, String)> = BTreeSet::new();
    let mut queue: Vec<Value> = vec![Value::Object(kept_paths.clone())];
    let mut security_schemes: BTreeSet<String> = BTreeSet::new();
    collect_security(upstream.get("security"), &mut security_schemes);
    for item in kept_paths.values() {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                collect_security(op.get("security"), &mut security_schemes);
            }
        }
    }
    while let Some(value) = queue.pop() {
        let mut refs = Vec::new();
        collect_refs(&value, &mut refs);
        for reference in refs {
            // A reference into a component (`#/components/schemas/A/properties/b`) keeps all of
            // it.
            let Some((kind, name)) = component_containing(&reference) else {
                continue;
            };
            let at = format!("/components/{kind}/{}", pointer_escape(&name));
            if reached.insert((kind.to_owned(), name))
                && let Some(target) = upstream.pointer(&at)
            {
                queue.push(target.clone());
            }
        }
    }
    let mut components = Map::new();
    for (kind, name) in &reached {
        if let Some(target) =
            upstream.pointer(&format!("/components/{kind}/{}", pointer_escape(name)))
        {
            let entry = components.entry(kind.clone()).or_insert_with(|| json!({}));
            if let Value::Object(map) = entry {
                map.insert(name.clone(), target.clone());
            }
        }
    }
    for scheme in &security_schemes {
        if let Some(target) = upstream.pointer(&format!(
            "/components/securitySchemes/{}",
            pointer_escape(scheme)
        )) {
            let entry = components
                .entry("securitySchemes".to_owned())
                .or_insert_with(|| json!({}));
            if let Value::Object(map) = entry {
                map.insert(scheme.clone(), target.clone());
            }
        }
    }

    let mut spec = Map::new();
    for key in [
        "openapi",
        "info",
        "servers",
        "security",
        "tags",
        "externalDocs",
    ] {
        if let Some(value) = upstream.get(key) {
            spec.insert(key.into(), value.clone());
        }
    }
    spec.insert("paths".into(), Value::Object(kept_paths));
    if !components.is_empty() {
        spec.insert("components".into(), Value::Object(components));
    }
    Ok(Value::Object(spec))
}

/// Keeps the top-level tags that an operation uses, wherever they came from (upstream or our
/// spec); drops the list when none is left.
fn keep_used_tags(spec: &mut Value) {
    let used: BTreeSet<String> = spec
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|paths| paths.values())
        .flat_map(|item| METHODS.iter().filter_map(|m| item.get(*m)))
        .filter_map(|op| op.get("tags").and_then(Value::as_array))
        .flatten()
        .filter_map(|t| t.as_str().map(str::to_owned))
        .collect();
    let Value::Object(map) = spec else { return };
    let tags: Vec<Value> = match map.get("tags") {
        Some(Value::Array(tags)) => tags
            .iter()
            .filter(|t| {
                t.get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| used.contains(n))
            })
            .cloned()
            .collect(),
        _ => Vec::new(),
    };
    if tags.is_empty() {
        map.remove("tags");
    } else {
        map.insert("tags".into(), Value::Array(tags));
    }
}

/// Fails when a `$ref` that resolves upstream points at nothing in what import would write: at
/// a part of the upstream document it drops (another path, say) or converts (the second item
/// of a 3.1 `type` list).
fn check_references(upstream: &Value, spec: &Value) -> Result<(), String> {
    let broken: Vec<String> = unresolved_refs(spec)
        .into_iter()
        .filter(|(_, reference)| lookup(upstream, reference).is_some())
        .map(|(at, reference)| format!("{at}: {reference}"))
        .collect();
    if broken.is_empty() {
        return Ok(());
    }
    Err(format!(
        "these references point at parts of the upstream document that import does not keep \
         (only our paths and the components they reach are kept, converted to 3.0.3):\n  {}",
        broken.join("\n  ")
    ))
}

fn collect_security(security: Option<&Value>, out: &mut BTreeSet<String>) {
    for requirement in security.and_then(Value::as_array).into_iter().flatten() {
        if let Value::Object(map) = requirement {
            out.extend(map.keys().cloned());
        }
    }
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                out.push(reference.clone());
            }
            map.values().for_each(|v| collect_refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// Converts what OpenAPI 3.1 (JSON Schema 2020-12) has and 3.0.3 lacks, in place.
pub fn down_convert(spec: &mut Value) {
    if let Some(Value::String(version)) = spec.get_mut("openapi") {
        *version = "3.0.3".to_owned();
    }
    if let Value::Object(map) = spec {
        map.remove("jsonSchemaDialect");
        map.remove("webhooks");
        if let Some(Value::Object(info)) = map.get_mut("info") {
            if let Some(Value::Object(license)) = info.get_mut("license") {
                license.remove("identifier");
            }
            info.remove("summary");
        }
        if let Some(Value::Object(components)) = map.get_mut("components") {
            components.remove("pathItems");
        }
    }
    for_each_schema(spec, &mut convert_schema);
}

/// Calls `f` on every schema object in the document (bottom-up), wherever schemas may stand.
fn for_each_schema(spec: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>)) {
    fn walk_schema(schema: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>)) {
        let Value::Object(map) = schema else { return };
        if let Some(Value::Object(props)) = map.get_mut("properties") {
            props.values_mut().for_each(|p| walk_schema(p, f));
        }
        for key in ["items", "additionalProperties", "not"] {
            if let Some(child) = map.get_mut(key) {
                walk_schema(child, f);
            }
        }
        for key in ["allOf", "oneOf", "anyOf", "prefixItems"] {
            if let Some(Value::Array(children)) = map.get_mut(key) {
                children.iter_mut().for_each(|c| walk_schema(c, f));
            }
        }
        f(map);
    }
    fn walk_content(content: Option<&mut Value>, f: &mut dyn FnMut(&mut Map<String, Value>)) {
        if let Some(Value::Object(media)) = content {
            for m in media.values_mut() {
                if let Some(schema) = m.get_mut("schema") {
                    walk_schema(schema, f);
                }
            }
        }
    }
    fn walk_parameter(p: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>)) {
        if let Some(schema) = p.get_mut("schema") {
            walk_schema(schema, f);
        }
        walk_content(p.get_mut("content"), f);
    }
    if let Some(Value::Object(components)) = spec.get_mut("components") {
        if let Some(Value::Object(schemas)) = components.get_mut("schemas") {
            schemas.values_mut().for_each(|s| walk_schema(s, f));
        }
        for kind in ["responses", "requestBodies"] {
            if let Some(Value::Object(items)) = components.get_mut(kind) {
                items
                    .values_mut()
                    .for_each(|i| walk_content(i.get_mut("content"), f));
            }
        }
        if let Some(Value::Object(params)) = components.get_mut("parameters") {
            params.values_mut().for_each(|p| walk_parameter(p, f));
        }
        if let Some(Value::Object(headers)) = components.get_mut("headers") {
            headers.values_mut().for_each(|h| walk_parameter(h, f));
        }
    }
    if let Some(Value::Object(paths)) = spec.get_mut("paths") {
        for item in paths.values_mut() {
            let Value::Object(item) = item else { continue };
            if let Some(Value::Array(params)) = item.get_mut("parameters") {
                params.iter_mut().for_each(|p| walk_parameter(p, f));
            }
            for method in METHODS {
                let Some(op) = item.get_mut(method) else {
                    continue;
                };
                if let Some(Value::Array(params)) = op.get_mut("parameters") {
                    params.iter_mut().for_each(|p| walk_parameter(p, f));
                }
                if let Some(body) = op.get_mut("requestBody") {
                    walk_content(body.get_mut("content"), f);
                }
                if let Some(Value::Object(responses)) = op.get_mut("responses") {
                    for r in responses.values_mut() {
                        walk_content(r.get_mut("content"), f);
                        if let Some(Value::Object(headers)) = r.get_mut("headers") {
                            headers.values_mut().for_each(|h| walk_parameter(h, f));
                        }
                    }
                }
            }
        }
    }
}

/// The 3.1 → 3.0.3 conversions of one schema object.
fn convert_schema(schema: &mut Map<String, Value>) {
    // type: [X, "null"] → type: X, nullable: true
    if let Some(Value::Array(types)) = schema.get("type").cloned() {
        let non_null: Vec<Value> = types
            .iter()
            .filter(|t| t.as_str() != Some("null"))
            .cloned()
            .collect();
        if non_null.len() < types.len() {
            schema.insert("nullable".into(), json!(true));
        }
        match non_null.as_slice() {
            [one] => {
                schema.insert("type".into(), one.clone());
            }
            [] => {
                schema.remove("type");
            }
            many => {
                schema.remove("type");
                let alternatives: Vec<Value> = many.iter().map(|t| json!({ "type": t })).collect();
                schema.insert("anyOf".into(), Value::Array(alternatives));
            }
        }
    }
    // oneOf/anyOf: [X, {type: null}] → X with nullable: true
    for key in ["oneOf", "anyOf"] {
        if let Some(Value::Array(options)) = schema.get(key).cloned() {
            let is_null = |v: &Value| v.get("type").and_then(Value::as_str) == Some("null");
            if options.len() == 2 && options.iter().any(is_null) {
                schema.remove(key);
                schema.insert("nullable".into(), json!(true));
                if let Some(other) = options.into_iter().find(|v| !is_null(v)) {
                    match other {
                        Value::Object(o) if o.contains_key("$ref") => {
                            schema.insert("allOf".into(), json!([o]));
                        }
                        Value::Object(o) => {
                            for (k, v) in o {
                                schema.entry(k).or_insert(v);
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    // enum: [..., null] → nullable: true
    if let Some(Value::Array(values)) = schema.get("enum").cloned()
        && values.iter().any(Value::is_null)
    {
        let kept: Vec<Value> = values.into_iter().filter(|v| !v.is_null()).collect();
        schema.insert("enum".into(), Value::Array(kept));
        schema.insert("nullable".into(), json!(true));
    }
    // examples: [a, ...] → example: a
    if let Some(Value::Array(examples)) = schema.get("examples").cloned() {
        schema.remove("examples");
        if let Some(first) = examples.into_iter().next() {
            schema.entry("example").or_insert(first);
        }
    }
    // const: v → enum: [v]
    if let Some(value) = schema.remove("const") {
        schema.insert("enum".into(), json!([value]));
    }
    // exclusiveMinimum: n → minimum: n, exclusiveMinimum: true (and the same for maximum)
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(number @ Value::Number(_)) = schema.get(exclusive).cloned() {
            schema.insert(bound.into(), number);
            schema.insert(exclusive.into(), json!(true));
        }
    }
    // $ref with siblings: 3.0 ignores the siblings. Annotations go (the target has its own);
    // anything that constrains moves beside an allOf of the reference.
    if schema.contains_key("$ref") && schema.len() > 1 {
        const ANNOTATIONS: [&str; 6] = [
            "description",
            "summary",
            "title",
            "example",
            "deprecated",
            "readOnly",
        ];
        let reference = schema.remove("$ref").unwrap_or(Value::Null);
        let constraining = schema.keys().any(|k| !ANNOTATIONS.contains(&k.as_str()));
        if constraining {
            // Beside an `allOf` already there, not in its place.
            let all_of = schema.entry("allOf").or_insert_with(|| json!([]));
            match all_of {
                Value::Array(all) => all.insert(0, json!({ "$ref": reference })),
                other => *other = json!([{ "$ref": reference }]),
            }
        } else {
            schema.clear();
            schema.insert("$ref".into(), reference);
        }
    }
    schema.remove("$schema");
    schema.remove("$id");
}

/// Copies what we added to the spec (operationIds, tags, summaries, descriptions) wherever
/// upstream has none.
fn keep_our_additions(spec: &mut Value, ours: &Value) {
    if let (Some(Value::Object(paths)), Some(our_paths)) =
        (spec.get_mut("paths"), ours.get("paths"))
    {
        for (path, item) in paths.iter_mut() {
            for method in METHODS {
                let (Some(Value::Object(op)), Some(Value::Object(our_op))) = (
                    item.get_mut(method),
                    our_paths.get(path).and_then(|i| i.get(method)),
                ) else {
                    continue;
                };
                for key in ["operationId", "tags", "summary", "description"] {
                    if !op.contains_key(key)
                        && let Some(value) = our_op.get(key)
                    {
                        op.insert(key.to_owned(), value.clone());
                    }
                }
            }
        }
    }
    if spec.get("tags").is_none()
        && let (Value::Object(map), Some(tags)) = (&mut *spec, ours.get("tags"))
    {
        map.insert("tags".into(), tags.clone());
    }
    if let (Some(Value::Object(schemas)), Some(Value::Object(our_schemas))) = (
        spec.pointer_mut("/components/schemas"),
        ours.pointer("/components/schemas"),
    ) {
        for (name, schema) in schemas.iter_mut() {
            if let Some(ours) = our_schemas.get(name) {
                copy_descriptions(schema, ours);
            }
        }
    }
    keep_our_error_details(spec, ours);
}

/// Copies our `x-error-details` (the schemas of error `details`, which upstream describes
/// only in prose) onto the responses upstream gives none, with the schemas they reach that
/// upstream lacks.
fn keep_our_error_details(spec: &mut Value, ours: &Value) {
    const KEY: &str = "x-error-details";
    let Some(Value::Object(responses)) = spec.pointer_mut("/components/responses") else {
        return;
    };
    let mut wanted = Vec::new();
    for (name, response) in responses.iter_mut() {
        let (Value::Object(response), Some(details)) = (
            response,
            ours.pointer(&format!(
                "/components/responses/{}/{KEY}",
                pointer_escape(name)
            )),
        ) else {
            continue;
        };
        if !response.contains_key(KEY) {
            collect_refs(details, &mut wanted);
            response.insert(KEY.to_owned(), details.clone());
        }
    }
    while let Some(reference) = wanted.pop() {
        let Some(("schemas", name)) = component_containing(&reference) else {
            continue;
        };
        let (Some(Value::Object(schemas)), Some(our_schema)) = (
            spec.pointer_mut("/components/schemas"),
            ours.pointer(&format!("/components/schemas/{}", pointer_escape(&name))),
        ) else {
            continue;
        };
        if !schemas.contains_key(&name) {
            collect_refs(our_schema, &mut wanted);
            schemas.insert(name, our_schema.clone());
        }
    }
}

/// Copies descriptions from `ours` into `schema` where it has none, property by property.
fn copy_descriptions(schema: &mut Value, ours: &Value) {
    let Value::Object(map) = schema else { return };
    if !map.contains_key("description")
        && !map.contains_key("$ref")
        && let Some(d) = ours.get("description")
    {
        map.insert("description".into(), d.clone());
    }
    if let (Some(Value::Object(props)), Some(Value::Object(our_props))) =
        (map.get_mut("properties"), ours.get("properties"))
    {
        for (name, prop) in props.iter_mut() {
            if let Some(our_prop) = our_props.get(name) {
                copy_descriptions(prop, our_prop);
            }
        }
    }
}

/// Keys that come first, in this order; the rest follow alphabetically.
const KEY_ORDER: [&str; 28] = [
    "openapi",
    "info",
    "servers",
    "security",
    "tags",
    "paths",
    "components",
    "name",
    "in",
    "title",
    "summary",
    "operationId",
    "description",
    "version",
    "type",
    "format",
    "nullable",
    "enum",
    "required",
    "properties",
    "items",
    "parameters",
    "requestBody",
    "responses",
    "content",
    "schema",
    "$ref",
    "allOf",
];

/// Writes `value` as YAML with keys in a stable, diff-friendly order.
pub fn to_yaml(value: &Value) -> Result<String, String> {
    fn order(value: &Value) -> serde_yaml::Value {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort_by_key(|k| {
                    (
                        KEY_ORDER
                            .iter()
                            .position(|o| o == k)
                            .unwrap_or(KEY_ORDER.len()),
                        k.as_str(),
                    )
                });
                let mut out = serde_yaml::Mapping::new();
                for key in keys {
                    out.insert(
                        serde_yaml::Value::String(key.clone()),
                        order(&map[key.as_str()]),
                    );
                }
                serde_yaml::Value::Mapping(out)
            }
            Value::Array(items) => serde_yaml::Value::Sequence(items.iter().map(order).collect()),
            other => serde_yaml::to_value(other).unwrap_or(serde_yaml::Value::Null),
        }
    }
    serde_yaml::to_string(&order(value)).map_err(|e| format!("cannot write YAML: {e}"))
}

#[cfg(test)]
mod tests {
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

    /// A small 3.1 upstream document: our 10 operations (most as stubs), one more operation and
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
            10
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
}
