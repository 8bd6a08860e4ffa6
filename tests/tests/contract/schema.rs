//! The spec, as JSON Schema: its schemas turned from OpenAPI 3.0 into JSON Schema (draft 7),
//! its operations, and the operation a request addressed.

use serde_json::{Map, Value, json};

pub(crate) const SPEC: &str = include_str!("../../../openapi/beeper-verification.yaml");

/// The spec, with its schemas turned from OpenAPI 3.0 into JSON Schema (draft 7).
pub(crate) struct Contract {
    pub(crate) spec: Value,
    /// `{"components": {"schemas": ...}}` in JSON Schema, the root every validator refers into.
    pub(crate) definitions: Value,
}

/// One operation of the spec: how to recognise its requests, and what it may answer.
#[derive(Clone, Debug)]
pub(crate) struct SpecOperation {
    pub(crate) id: String,
    pub(crate) method: String,
    pub(crate) path: String,
    /// The operation object.
    pub(crate) object: Value,
}

impl Contract {
    pub(crate) fn load() -> Self {
        Self::from_spec(serde_yaml::from_str(SPEC).expect("the maintained spec is YAML"))
    }

    pub(crate) fn from_spec(spec: Value) -> Self {
        let schemas = spec
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .expect("the spec has components.schemas");
        let converted: Map<String, Value> = schemas
            .iter()
            .map(|(name, schema)| (name.clone(), json_schema(schema)))
            .collect();
        Self {
            spec,
            definitions: json!({ "components": { "schemas": converted } }),
        }
    }

    pub(crate) fn operations(&self) -> Vec<SpecOperation> {
        let mut operations = Vec::new();
        let paths = self.spec["paths"].as_object().expect("the spec has paths");
        for (path, item) in paths {
            for (method, object) in item.as_object().expect("a path item is an object") {
                if let Some(id) = object.get("operationId").and_then(Value::as_str) {
                    operations.push(SpecOperation {
                        id: id.to_owned(),
                        method: method.to_uppercase(),
                        path: path.clone(),
                        object: object.clone(),
                    });
                }
            }
        }
        operations
    }

    /// The operation a request addressed: the template with the same method whose segments
    /// match, literal segments winning over parameters (`qr/scan` is not a verification ID).
    pub(crate) fn operation_of(&self, method: &str, path: &str) -> Option<SpecOperation> {
        let segments: Vec<&str> = path.split('/').collect();
        self.operations()
            .into_iter()
            .filter(|op| op.method == method)
            .filter_map(|op| {
                let template: Vec<&str> = op.path.split('/').collect();
                if template.len() != segments.len() {
                    return None;
                }
                let mut literals = 0;
                for (t, s) in template.iter().zip(&segments) {
                    if t.starts_with('{') && t.ends_with('}') {
                        if s.is_empty() {
                            return None;
                        }
                    } else if t == s {
                        literals += 1;
                    } else {
                        return None;
                    }
                }
                Some((literals, op))
            })
            .max_by_key(|(literals, _)| *literals)
            .map(|(_, op)| op)
    }

    /// Follows `$ref`s to components (`#/components/responses/NotFound`).
    pub(crate) fn resolve<'a>(&'a self, mut value: &'a Value) -> &'a Value {
        while let Some(reference) = value.get("$ref").and_then(Value::as_str) {
            let pointer = reference.strip_prefix('#').expect("a local $ref");
            value = self.spec.pointer(pointer).expect("a $ref that resolves");
        }
        value
    }

    /// A validator for an OpenAPI schema object found in the spec (inline or a `$ref`).
    pub(crate) fn validator(&self, schema: &Value) -> jsonschema::Validator {
        let mut root = self.definitions.clone();
        let converted = json_schema(schema);
        let root_object = root.as_object_mut().expect("an object");
        for (key, value) in converted.as_object().expect("a schema object") {
            root_object.insert(key.clone(), value.clone());
        }
        jsonschema::draft7::new(&root).expect("the spec's schemas are valid JSON Schema")
    }
}

/// An OpenAPI 3.0 schema object as JSON Schema: `nullable` becomes a `null` alternative, the
/// keywords only OpenAPI knows go, and an object with `properties` is closed
/// (`additionalProperties: false`) unless it says otherwise.
pub(crate) fn json_schema(schema: &Value) -> Value {
    convert(schema, true)
}

/// [`json_schema`], closing objects or not: the members of an `allOf` stay open, since each
/// names only some of the properties that the whole allows.
pub(crate) fn convert(schema: &Value, close: bool) -> Value {
    match schema {
        Value::Object(object) => {
            if object.contains_key("$ref") {
                // OpenAPI 3.0 ignores a `$ref`'s siblings.
                return json!({ "$ref": object["$ref"] });
            }
            let mut out = Map::new();
            for (key, value) in object {
                let converted = match key.as_str() {
                    "nullable" | "example" | "discriminator" | "xml" | "externalDocs"
                    | "deprecated" => continue,
                    k if k.starts_with("x-") => continue,
                    "properties" => Value::Object(
                        value
                            .as_object()
                            .expect("properties is an object")
                            .iter()
                            .map(|(name, s)| (name.clone(), json_schema(s)))
                            .collect(),
                    ),
                    "items" | "additionalProperties" | "not" => json_schema(value),
                    "allOf" | "anyOf" | "oneOf" => Value::Array(
                        value
                            .as_array()
                            .expect("a list of schemas")
                            .iter()
                            .map(|s| convert(s, key != "allOf"))
                            .collect(),
                    ),
                    _ => value.clone(),
                };
                out.insert(key.clone(), converted);
            }
            if close && out.contains_key("properties") && !out.contains_key("additionalProperties")
            {
                out.insert("additionalProperties".to_owned(), Value::Bool(false));
            }
            let out = Value::Object(out);
            if object.get("nullable") == Some(&Value::Bool(true)) {
                json!({ "anyOf": [out, { "type": "null" }] })
            } else {
                out
            }
        }
        other => other.clone(),
    }
}
