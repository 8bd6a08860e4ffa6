//! Converting OpenAPI 3.1 to 3.0.3.

use serde_json::{Map, Value, json};

use crate::spec::METHODS;

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
    // type: [X, "null"] → type: X, nullable: true. Only a string names a type: an entry
    // that is anything else goes. Written as the `type` (or in an `anyOf` member), a list in
    // the list was a 3.1 type list again, which the next import converted once more.
    if let Some(Value::Array(types)) = schema.get("type").cloned() {
        let names: Vec<&str> = types.iter().filter_map(Value::as_str).collect();
        let non_null: Vec<Value> = names
            .iter()
            .filter(|&&t| t != "null")
            .map(|&t| json!(t))
            .collect();
        if non_null.len() < names.len() {
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
    unwrap_described_reference(schema);
    crate::spec::collapse_unconstrained_alternatives(schema);
}

/// Whether a keyword only documents: never changes what a schema allows.
pub(super) fn is_annotation(key: &str) -> bool {
    [
        "description",
        "summary",
        "title",
        "example",
        "examples",
        "externalDocs",
        "deprecated",
    ]
    .contains(&key)
        || key.starts_with("x-")
}

/// Whether a schema says nothing but annotations (`{}` included).
pub(super) fn only_annotations(schema: &Value) -> bool {
    schema
        .as_object()
        .is_some_and(|map| map.keys().all(|k| is_annotation(k)))
}

/// `allOf: [{$ref: X}, {description: ...}]`, how a document describes a reference in its
/// place, is `$ref: X`: a member that only annotates allows everything, and 3.0 reads no
/// sibling of a `$ref` (the target has its own description). Members that only annotate go;
/// an `allOf` left with one `$ref`, beside nothing but annotations, becomes that `$ref`.
fn unwrap_described_reference(schema: &mut Map<String, Value>) {
    let Some(Value::Array(all)) = schema.get_mut("allOf") else {
        return;
    };
    if all.iter().any(|m| !only_annotations(m)) {
        all.retain(|m| !only_annotations(m));
    }
    let lone_reference = match all.as_slice() {
        [one] if one.get("$ref").is_some() && one.as_object().is_some_and(|o| o.len() == 1) => {
            Some(one.clone())
        }
        _ => None,
    };
    let beside_only_annotations = schema.keys().all(|k| k == "allOf" || is_annotation(k));
    if let (Some(Value::Object(reference)), true) = (lone_reference, beside_only_annotations) {
        *schema = reference;
    }
}
