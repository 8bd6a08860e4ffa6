//! Keeping what our spec adds to upstream's: operationIds, tags, summaries, descriptions and
//! the schemas of error `details`.

use serde_json::Value;

use super::select::collect_refs;
use crate::spec::{METHODS, component_containing, pointer_escape};

/// Copies what we added to the spec (operationIds, tags, summaries, descriptions) wherever
/// upstream has none, and our operationIds wherever upstream has another: they are the
/// generated crate's API (its method names and `ops::` constants), which the wrapper and the
/// fake use. Returns a note for each operationId of upstream's not taken.
pub(super) fn keep_our_additions(spec: &mut Value, ours: &Value) -> Vec<String> {
    let mut notes = Vec::new();
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
                if let (Some(Value::String(theirs)), Some(Value::String(id))) =
                    (op.get("operationId"), our_op.get("operationId"))
                    && theirs != id
                {
                    notes.push(format!(
                        "{} {path}: upstream renamed operationId `{id}` to `{theirs}`; kept \
                         `{id}` (renaming it renames the generated crate's method and \
                         constant, which the wrapper and the fake use)",
                        method.to_uppercase()
                    ));
                    op.insert("operationId".into(), Value::String(id.clone()));
                }
                // Upstream never says whether a request body is required: ours does.
                if let (Some(Value::Object(body)), Some(required)) = (
                    op.get_mut("requestBody"),
                    our_op.get("requestBody").and_then(|b| b.get("required")),
                ) && !body.contains_key("required")
                    && !body.contains_key("$ref")
                {
                    body.insert("required".into(), required.clone());
                }
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
    // Nor whether the version header is: ours does.
    if let (Some(Value::Object(headers)), Some(Value::Object(our_headers))) = (
        spec.pointer_mut("/components/headers"),
        ours.pointer("/components/headers"),
    ) {
        for (name, header) in headers.iter_mut() {
            if let (Value::Object(header), Some(required)) = (
                header,
                our_headers.get(name).and_then(|h| h.get("required")),
            ) && !header.contains_key("required")
            {
                header.insert("required".into(), required.clone());
            }
        }
    }
    keep_our_error_details(spec, ours);
    notes
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
