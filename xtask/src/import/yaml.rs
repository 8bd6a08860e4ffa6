//! Writing the spec as YAML in a stable, diff-friendly order.

use serde_json::Value;

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
