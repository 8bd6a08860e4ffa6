//! `cargo xtask lint`: the checks on the spec that need no code generation.
//!
//! - every operation has an operationId, a summary, a tag and exactly one 2xx response;
//! - every schema property has a description (a `$ref` property takes its target's);
//! - every `$ref` resolves inside the document;
//! - every path parameter is a string with `minLength: 1`, so an empty ID is invalid by contract.

use openapiv3::{Parameter, ParameterSchemaOrContent, ReferenceOr, SchemaKind, StatusCode, Type};
use serde_json::Value;

use crate::spec::{
    Spec, lookup, operation_label, pointer_escape, resolve, unresolved_refs, walk_schemas,
};

/// Entry point of `cargo xtask lint`: lints the maintained spec and returns the exit code (1 when
/// there is a problem).
pub fn main() -> i32 {
    let path = match crate::spec::workspace_root() {
        Ok(root) => root.join(crate::spec::SPEC_PATH),
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let spec = match crate::spec::load(&path) {
        Ok(spec) => spec,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let problems = lint(&spec);
    if problems.is_empty() {
        println!("{}: no problems", crate::spec::SPEC_PATH);
        return 0;
    }
    for p in &problems {
        eprintln!("{}: {p}", crate::spec::SPEC_PATH);
    }
    eprintln!("error: {} problem(s)", problems.len());
    1
}

/// Runs every check; an empty list means the spec is clean.
pub fn lint(spec: &Spec) -> Vec<String> {
    let mut problems = Vec::new();
    check_operations(spec, &mut problems);
    check_refs(&spec.raw, &mut problems);
    check_descriptions(&spec.raw, &mut problems);
    problems
}

fn check_operations(spec: &Spec, problems: &mut Vec<String>) {
    let components = spec.api.components.as_ref();
    for (path, item) in spec.api.paths.iter() {
        let ReferenceOr::Item(item) = item else {
            problems.push(format!("path {path}: is a $ref; inline the path item"));
            continue;
        };
        for (method, op) in item.iter() {
            let label = operation_label(method, path, op);
            if op.operation_id.as_deref().is_none_or(str::is_empty) {
                problems.push(format!("{label}: has no operationId"));
            }
            if op.summary.as_deref().is_none_or(|s| s.trim().is_empty()) {
                problems.push(format!("{label}: has no summary"));
            }
            if op.tags.is_empty() {
                problems.push(format!("{label}: has no tag"));
            }
            let successes = op
                .responses
                .responses
                .keys()
                .filter(|status| match status {
                    StatusCode::Code(c) => (200..300).contains(c),
                    StatusCode::Range(r) => *r == 2,
                })
                .count();
            if successes != 1 {
                problems.push(format!(
                    "{label}: has {successes} 2xx responses; it needs exactly one"
                ));
            }
            for param in item.parameters.iter().chain(op.parameters.iter()) {
                let Some(Parameter::Path { parameter_data, .. }) =
                    resolve(param, "parameters", components.map(|c| &c.parameters))
                else {
                    continue;
                };
                let schema = match &parameter_data.format {
                    ParameterSchemaOrContent::Schema(s) => {
                        resolve(s, "schemas", components.map(|c| &c.schemas))
                    }
                    ParameterSchemaOrContent::Content(_) => None,
                };
                let min_length = match schema.map(|s| &s.schema_kind) {
                    Some(SchemaKind::Type(Type::String(s))) => s.min_length,
                    _ => None,
                };
                if min_length.is_none_or(|n| n < 1) {
                    problems.push(format!(
                        "{label}: path parameter `{}` needs a string schema with `minLength: 1`",
                        parameter_data.name
                    ));
                }
            }
        }
    }
}

/// Every `$ref` anywhere in the document must point at something inside it.
fn check_refs(root: &Value, problems: &mut Vec<String>) {
    for (at, reference) in unresolved_refs(root) {
        problems.push(format!("{at}: $ref `{reference}` does not resolve"));
    }
}

/// Every property of every schema, inline ones included, must say what it is.
fn check_descriptions(root: &Value, problems: &mut Vec<String>) {
    walk_schemas(root, &mut |at, schema| {
        if let Some(Value::Object(properties)) = schema.get("properties") {
            for (name, property) in properties {
                if !has_description(root, property) {
                    problems.push(format!(
                        "{at}/properties/{}: property `{name}` has no description",
                        pointer_escape(name)
                    ));
                }
            }
        }
    });
}

/// A description of its own, or (for a `$ref`) the description of what it points at, or one of
/// its `allOf` members' (`allOf: [{$ref: X}, {description: ...}]` describes a reference in
/// its place).
fn has_description(root: &Value, schema: &Value) -> bool {
    let own = schema
        .get("description")
        .and_then(Value::as_str)
        .is_some_and(|d| !d.trim().is_empty());
    let in_all_of = schema
        .get("allOf")
        .and_then(Value::as_array)
        .is_some_and(|all| all.iter().any(|member| has_description(root, member)));
    own || in_all_of
        || schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|reference| lookup(root, reference))
            .is_some_and(|target| target.get("$ref").is_none() && has_description(root, target))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{parse, test_doc};

    fn problems(paths: &str, schemas: &str) -> Vec<String> {
        lint(&parse(&test_doc(paths, schemas)).expect("parses"))
    }

    fn get(fields: &str) -> String {
        let fields: String = fields.lines().map(|l| format!("    {l}\n")).collect();
        format!("/x:\n  get:\n{fields}")
    }

    const GOOD: &str =
        "operationId: getX\nsummary: Get X\ntags: [x]\nresponses:\n  '200': {description: ok}";

    #[test]
    fn a_complete_operation_passes() {
        assert_eq!(problems(&get(GOOD), ""), Vec::<String>::new());
    }

    #[test]
    fn the_maintained_spec_passes() {
        let path = crate::spec::this_workspace().join(crate::spec::SPEC_PATH);
        let spec = crate::spec::load(&path).expect("the maintained spec loads");
        assert_eq!(lint(&spec), Vec::<String>::new());
    }

    #[test]
    fn a_missing_summary_and_tag_are_reported() {
        let found = problems(
            &get("operationId: getX\nresponses:\n  '200': {description: ok}"),
            "",
        );
        assert_eq!(
            found,
            vec![
                "operation `getX` (GET /x): has no summary".to_string(),
                "operation `getX` (GET /x): has no tag".to_string(),
            ]
        );
    }

    #[test]
    fn a_missing_operation_id_is_reported() {
        let found = problems(&get(&GOOD.replace("operationId: getX\n", "")), "");
        assert_eq!(
            found,
            vec!["operation GET /x: has no operationId".to_string()]
        );
    }

    #[test]
    fn zero_or_two_success_responses_are_reported() {
        let none = GOOD.replace("'200'", "'404'");
        assert_eq!(
            problems(&get(&none), ""),
            vec![
                "operation `getX` (GET /x): has 0 2xx responses; it needs exactly one".to_string()
            ]
        );
        let two = format!("{GOOD}\n  '201': {{description: created}}");
        assert_eq!(
            problems(&get(&two), ""),
            vec![
                "operation `getX` (GET /x): has 2 2xx responses; it needs exactly one".to_string()
            ]
        );
    }

    #[test]
    fn a_property_without_description_is_reported_where_it_is() {
        let schemas = "Thing:\n  type: object\n  properties:\n    name: {type: string, description: The name.}\n    size: {type: integer}\n    kind: {$ref: '#/components/schemas/Kind'}\nKind: {type: string, description: The kind.}";
        let found = problems(&get(GOOD), schemas);
        assert_eq!(
            found,
            vec![
                "#/components/schemas/Thing/properties/size: property `size` has no description"
                    .to_string()
            ]
        );
    }

    #[test]
    fn a_ref_property_whose_target_has_no_description_is_reported() {
        let schemas = "Thing:\n  type: object\n  properties:\n    kind: {$ref: '#/components/schemas/Kind'}\nKind: {type: string}";
        let found = problems(&get(GOOD), schemas);
        assert_eq!(
            found,
            vec![
                "#/components/schemas/Thing/properties/kind: property `kind` has no description"
                    .to_string()
            ]
        );
    }

    #[test]
    fn a_reference_described_in_its_place_has_a_description() {
        // Upstream's idiom: `allOf: [{$ref}, {description}]`, even when the target has none.
        let schemas = "Thing:\n  type: object\n  properties:\n    kind:\n      allOf:\n        - {$ref: '#/components/schemas/Kind'}\n        - {description: The kind.}\nKind: {type: string}";
        assert_eq!(problems(&get(GOOD), schemas), Vec::<String>::new());
    }

    #[test]
    fn inline_response_properties_are_checked_too() {
        let op = GOOD.replace(
            "{description: ok}",
            "{description: ok, content: {application/json: {schema: {type: object, properties: {n: {type: string}}}}}}",
        );
        let found = problems(&get(&op), "");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with(
                "#/paths/~1x/get/responses/200/content/application~1json/schema/properties/n"
            ),
            "{found:?}"
        );
    }

    #[test]
    fn only_operations_are_read_for_descriptions() {
        // An extension of a path item is no operation: its keys are not pointer-escaped
        // methods, and a location built from one led nowhere.
        let op = GOOD.replace(
            "{description: ok}",
            "{description: ok, content: {application/json: {schema: {type: object, properties: {n: {type: string, description: N.}}}}}}",
        );
        let extension = "x-draft/v2:\n  requestBody:\n    content:\n      application/json:\n        schema: {properties: {n: {type: string}}}";
        let paths = format!("{}  {}\n", get(&op), extension.replace('\n', "\n  "));
        assert_eq!(problems(&paths, ""), Vec::<String>::new());
    }

    #[test]
    fn an_unresolved_ref_is_reported() {
        let op = GOOD.replace(
            "{description: ok}",
            "{$ref: '#/components/responses/Missing'}",
        );
        let found = problems(&get(&op), "");
        assert!(found.contains(&"#/paths/~1x/get/responses/200: $ref `#/components/responses/Missing` does not resolve".to_string()), "{found:?}");
    }

    #[test]
    fn a_path_parameter_without_min_length_is_reported() {
        let op = format!(
            "{GOOD}\nparameters: [{{name: id, in: path, required: true, schema: {{type: string}}}}]"
        );
        let paths = get(&op).replace("/x:", "/x/{id}:");
        let found = problems(&paths, "");
        assert_eq!(found, vec!["operation `getX` (GET /x/{id}): path parameter `id` needs a string schema with `minLength: 1`".to_string()]);
        let fixed = paths.replace("{type: string}", "{type: string, minLength: 1}");
        assert_eq!(problems(&fixed, ""), Vec::<String>::new());
    }
}
