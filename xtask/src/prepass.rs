//! The pre-pass between the spec and progenitor.
//!
//! progenitor 0.15.1 panics (`assert!`, `todo!`, `unwrap`) on several shapes of OpenAPI document
//! instead of returning an error, and turns string enums into closed Rust enums that fail a whole
//! response when the server sends a value we have never seen. This pass runs first:
//!
//! 1. [`check`] rejects every shape progenitor would panic on, with a message that names the
//!    operation, so a maintainer gets a sentence instead of a backtrace;
//! 2. [`plain_string_enums`] hands progenitor plain strings where the spec has string enums. The
//!    spec keeps its enums as documentation (the known values move into the description) and for
//!    the wrapper's enum-drift test; the wrapper owns the typed, forward-compatible enums.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{
    AdditionalProperties, MediaType, OpenAPI, Parameter, ParameterSchemaOrContent, PathStyle,
    ReferenceOr, RequestBody, Response, Schema, SchemaKind, StatusCode, Type,
};

use crate::spec::{operation_label, resolve};

/// Rejects anything that is not OpenAPI 3.0.x: progenitor reads 3.0 only.
pub fn check_openapi_version(raw: &serde_json::Value) -> Result<(), String> {
    match raw.get("openapi").and_then(|v| v.as_str()) {
        Some(v) if v.trim().starts_with("3.0.") => Ok(()),
        Some(v) => Err(format!(
            "OpenAPI {v} is not supported: the generator reads OpenAPI 3.0.x only \
             (convert 3.1 documents with `cargo xtask import`)"
        )),
        None => Err("no `openapi: 3.0.x` version field: is this an OpenAPI document?".into()),
    }
}

/// Runs the checks, then the transformation. Returns every problem found, not just the first.
pub fn run(api: &mut OpenAPI) -> Result<(), Vec<String>> {
    let problems = check(api);
    if !problems.is_empty() {
        return Err(problems);
    }
    plain_string_enums(api);
    plain_string_formats(api);
    untyped_open_alternatives(api);
    Ok(())
}

/// Makes every `anyOf` or `oneOf` with a member that allows every value an untyped value
/// (`serde_json::Value`), as [`crate::spec::collapse_unconstrained_alternatives`] says. typify
/// made upstream's error `details` (`anyOf` of an object, a map, `{}` and `{nullable: true}`)
/// a struct of flattened options, and a `details` that is a string, an array or a number then
/// failed to decode.
pub fn untyped_open_alternatives(api: &mut OpenAPI) {
    visit_all_schemas(api, &mut |schema| {
        let members = match &schema.schema_kind {
            SchemaKind::AnyOf { any_of } => any_of,
            SchemaKind::OneOf { one_of } => one_of,
            _ => return,
        };
        let allows_anything = |member: &ReferenceOr<Schema>| match member {
            ReferenceOr::Item(s) => {
                serde_json::to_value(s).is_ok_and(|v| crate::spec::allows_anything(&v))
            }
            ReferenceOr::Reference { .. } => false,
        };
        if !members.iter().any(allows_anything) {
            return;
        }
        let nullable = members.iter().any(|m| match m {
            ReferenceOr::Item(s) => s.schema_data.nullable,
            ReferenceOr::Reference { .. } => false,
        });
        schema.schema_kind = SchemaKind::Any(openapiv3::AnySchema::default());
        schema.schema_data.nullable |= nullable;
    });
}

/// String formats the generator would turn into a type of a crate the client does not depend
/// on (`chrono::DateTime`, `chrono::NaiveDate`, `uuid::Uuid`): the pre-pass hands them over as
/// plain strings, and the wrapper parses what it needs. The diff's `generated_type` reads this
/// list too.
pub const FORMATS_KEPT_AS_STRINGS: [&str; 4] = ["date", "date-time", "time", "uuid"];

/// Drops a [`FORMATS_KEPT_AS_STRINGS`] format from every string schema, naming it in the
/// description instead, so the generated docs still say what the string holds.
pub fn plain_string_formats(api: &mut OpenAPI) {
    use openapiv3::{StringFormat, VariantOrUnknownOrEmpty};
    visit_all_schemas(api, &mut |schema| {
        let format = match &mut schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => {
                let name = match &s.format {
                    VariantOrUnknownOrEmpty::Item(StringFormat::Date) => "date".to_owned(),
                    VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => "date-time".to_owned(),
                    VariantOrUnknownOrEmpty::Unknown(other) => other.clone(),
                    _ => return,
                };
                if !FORMATS_KEPT_AS_STRINGS.contains(&name.as_str()) {
                    return;
                }
                s.format = VariantOrUnknownOrEmpty::Empty;
                name
            }
            SchemaKind::Any(any)
                if any
                    .format
                    .as_deref()
                    .is_some_and(|f| FORMATS_KEPT_AS_STRINGS.contains(&f)) =>
            {
                any.format.take().unwrap_or_default()
            }
            _ => return,
        };
        let note = format!("Format: `{format}`, sent as a string.");
        schema.schema_data.description = Some(match schema.schema_data.description.take() {
            Some(d) if !d.trim().is_empty() => format!("{}\n\n{note}", d.trim_end()),
            _ => note,
        });
    });
}

/// Every shape progenitor 0.15.1 would panic on, or silently get wrong, as one message each.
pub fn check(api: &OpenAPI) -> Vec<String> {
    let mut problems = Vec::new();
    let components = api.components.as_ref();
    let mut operation_ids: BTreeMap<&str, String> = BTreeMap::new();

    for (path, item) in api.paths.iter() {
        let item = match item {
            ReferenceOr::Item(item) => item,
            ReferenceOr::Reference { reference } => {
                problems.push(format!(
                    "path {path}: a path item that is a $ref ({reference}) is not supported; \
                     inline it"
                ));
                continue;
            }
        };
        for (method, op) in item.iter() {
            let label = operation_label(method, path, op);
            match &op.operation_id {
                None => problems.push(format!("{label}: has no operationId")),
                Some(id) => {
                    if let Some(first) = operation_ids.insert(id, label.clone()) {
                        problems.push(format!(
                            "{label}: operationId `{id}` is also used by {first}"
                        ));
                    }
                }
            }

            // Path parameters: required, simple style, and named in the path template.
            let template: BTreeSet<&str> = path_template_names(path);
            let mut declared = BTreeSet::new();
            for param in item.parameters.iter().chain(op.parameters.iter()) {
                let Some(param) = resolve(param, "parameters", components.map(|c| &c.parameters))
                else {
                    problems.push(format!("{label}: a parameter $ref does not resolve"));
                    continue;
                };
                match param {
                    Parameter::Path {
                        parameter_data,
                        style,
                    } => {
                        declared.insert(parameter_data.name.as_str());
                        if !parameter_data.required {
                            problems.push(format!(
                                "{label}: path parameter `{}` must be `required: true`",
                                parameter_data.name
                            ));
                        }
                        if !matches!(style, PathStyle::Simple) {
                            problems.push(format!(
                                "{label}: path parameter `{}` must use the simple style",
                                parameter_data.name
                            ));
                        }
                        if !template.contains(parameter_data.name.as_str()) {
                            problems.push(format!(
                                "{label}: path parameter `{}` does not appear in the path",
                                parameter_data.name
                            ));
                        }
                        if matches!(parameter_data.format, ParameterSchemaOrContent::Content(_)) {
                            problems.push(format!(
                                "{label}: path parameter `{}` must have a schema, not content",
                                parameter_data.name
                            ));
                        }
                    }
                    Parameter::Query { parameter_data, .. } => {
                        if matches!(parameter_data.format, ParameterSchemaOrContent::Content(_)) {
                            problems.push(format!(
                                "{label}: query parameter `{}` must have a schema, not content",
                                parameter_data.name
                            ));
                        }
                    }
                    Parameter::Header { parameter_data, .. }
                    | Parameter::Cookie { parameter_data, .. } => problems.push(format!(
                        "{label}: header and cookie parameters (`{}`) are not supported",
                        parameter_data.name
                    )),
                }
            }
            for name in template.difference(&declared) {
                problems.push(format!(
                    "{label}: `{{{name}}}` in the path has no parameter"
                ));
            }

            // Request body: at most one media type, JSON, with a schema and no encoding.
            if let Some(body) = &op.request_body {
                match resolve(
                    body,
                    "request_bodies",
                    components.map(|c| &c.request_bodies),
                ) {
                    None => {
                        problems.push(format!("{label}: the requestBody $ref does not resolve"))
                    }
                    Some(body) => check_request_body(&label, body, &mut problems),
                }
            }

            // Responses: one success body type, one error body type, JSON only.
            let mut success = BTreeSet::new();
            let mut errors = BTreeSet::new();
            let all = op
                .responses
                .responses
                .iter()
                .map(|(status, r)| (Some(status), r))
                .chain(op.responses.default.iter().map(|r| (None, r)));
            for (status, response) in all {
                let name = status.map_or("default".to_string(), |s| s.to_string());
                let Some(response) =
                    resolve(response, "responses", components.map(|c| &c.responses))
                else {
                    problems.push(format!(
                        "{label}: response {name}: its $ref does not resolve"
                    ));
                    continue;
                };
                let body = response_body_key(&label, &name, response, &mut problems);
                // progenitor treats `default` as a success response.
                let is_success = match status {
                    None => true,
                    Some(StatusCode::Code(c)) => (200..300).contains(c),
                    Some(StatusCode::Range(r)) => *r == 2,
                };
                if is_success {
                    success.insert(body);
                } else {
                    errors.insert(body);
                }
            }
            if success.len() > 1 {
                problems.push(format!(
                    "{label}: its success responses have {} different bodies; keep one success \
                     schema per operation",
                    success.len()
                ));
            }
            if errors.len() > 1 {
                problems.push(format!(
                    "{label}: its error responses have {} different bodies; refer every error \
                     status to the one shared error schema",
                    errors.len()
                ));
            }
        }
    }
    problems
}

fn check_request_body(label: &str, body: &RequestBody, problems: &mut Vec<String>) {
    if body.content.len() > 1 {
        problems.push(format!(
            "{label}: the request body has {} media types; keep one (application/json)",
            body.content.len()
        ));
    }
    for (media, content) in &body.content {
        if !is_json(media) {
            problems.push(format!(
                "{label}: request body media type `{media}` is not supported; use application/json"
            ));
        }
        check_media(label, "the request body", content, problems);
    }
}

/// What identifies a response body for progenitor: its schema ($ref or inline), or nothing.
fn response_body_key(
    label: &str,
    status: &str,
    response: &Response,
    problems: &mut Vec<String>,
) -> String {
    if response.content.len() > 1 {
        problems.push(format!(
            "{label}: response {status} has {} media types; keep one (application/json)",
            response.content.len()
        ));
    }
    match response.content.iter().next() {
        None => "no body".to_string(),
        Some((media, content)) => {
            if !is_json(media) {
                problems.push(format!(
                    "{label}: response {status} media type `{media}` is not supported; \
                     use application/json"
                ));
            }
            check_media(label, &format!("response {status}"), content, problems);
            match &content.schema {
                Some(ReferenceOr::Reference { reference }) => reference.clone(),
                Some(ReferenceOr::Item(schema)) => {
                    serde_json::to_string(schema).unwrap_or_else(|_| "inline".into())
                }
                None => "no schema".to_string(),
            }
        }
    }
}

fn check_media(label: &str, what: &str, content: &MediaType, problems: &mut Vec<String>) {
    if content.schema.is_none() {
        problems.push(format!("{label}: {what} has a media type without a schema"));
    }
    if !content.encoding.is_empty() {
        problems.push(format!(
            "{label}: {what} uses `encoding`, which is not supported"
        ));
    }
}

fn is_json(media: &str) -> bool {
    media == "application/json" || media.starts_with("application/json;")
}

/// The `{name}` placeholders of a path template.
fn path_template_names(path: &str) -> BTreeSet<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}

/// Replaces every string enum in the document with a plain string, moving its known values into
/// the description so the generated docs still list them.
pub fn plain_string_enums(api: &mut OpenAPI) {
    visit_all_schemas(api, &mut |schema| {
        let values: Vec<String> = match &mut schema.schema_kind {
            SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() => {
                std::mem::take(&mut s.enumeration)
                    .into_iter()
                    .flatten()
                    .collect()
            }
            SchemaKind::Any(any)
                if any.typ.as_deref() == Some("string") && !any.enumeration.is_empty() =>
            {
                std::mem::take(&mut any.enumeration)
                    .into_iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            }
            _ => return,
        };
        let known = values
            .iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let note = format!("Known values: {known}. Other values may appear as the API grows.");
        schema.schema_data.description = Some(match schema.schema_data.description.take() {
            Some(d) if !d.trim().is_empty() => format!("{}\n\n{note}", d.trim_end()),
            _ => note,
        });
    });
}

/// Calls `f` on every schema in the document, inline ones included, parents before children.
fn visit_all_schemas(api: &mut OpenAPI, f: &mut dyn FnMut(&mut Schema)) {
    if let Some(components) = &mut api.components {
        for schema in components.schemas.values_mut() {
            visit_ref(schema, f);
        }
        for response in components.responses.values_mut() {
            if let ReferenceOr::Item(r) = response {
                visit_content(r.content.values_mut(), f);
            }
        }
        for param in components.parameters.values_mut() {
            if let ReferenceOr::Item(p) = param {
                visit_parameter(p, f);
            }
        }
        for body in components.request_bodies.values_mut() {
            if let ReferenceOr::Item(b) = body {
                visit_content(b.content.values_mut(), f);
            }
        }
    }
    for (_, item) in api.paths.paths.iter_mut() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for param in item.parameters.iter_mut() {
            if let ReferenceOr::Item(p) = param {
                visit_parameter(p, f);
            }
        }
        for (_, op) in crate::spec::operations_mut(item) {
            for param in op.parameters.iter_mut() {
                if let ReferenceOr::Item(p) = param {
                    visit_parameter(p, f);
                }
            }
            if let Some(ReferenceOr::Item(body)) = &mut op.request_body {
                visit_content(body.content.values_mut(), f);
            }
            let responses = op
                .responses
                .responses
                .values_mut()
                .chain(op.responses.default.iter_mut());
            for response in responses {
                if let ReferenceOr::Item(r) = response {
                    visit_content(r.content.values_mut(), f);
                }
            }
        }
    }
}

fn visit_parameter(p: &mut Parameter, f: &mut dyn FnMut(&mut Schema)) {
    let data = match p {
        Parameter::Query { parameter_data, .. }
        | Parameter::Header { parameter_data, .. }
        | Parameter::Path { parameter_data, .. }
        | Parameter::Cookie { parameter_data, .. } => parameter_data,
    };
    match &mut data.format {
        ParameterSchemaOrContent::Schema(s) => visit_ref(s, f),
        ParameterSchemaOrContent::Content(c) => visit_content(c.values_mut(), f),
    }
}

fn visit_content<'a>(
    content: impl Iterator<Item = &'a mut MediaType>,
    f: &mut dyn FnMut(&mut Schema),
) {
    for media in content {
        if let Some(s) = &mut media.schema {
            visit_ref(s, f);
        }
    }
}

fn visit_ref(s: &mut ReferenceOr<Schema>, f: &mut dyn FnMut(&mut Schema)) {
    if let ReferenceOr::Item(schema) = s {
        visit_schema(schema, f);
    }
}

fn visit_boxed(s: &mut ReferenceOr<Box<Schema>>, f: &mut dyn FnMut(&mut Schema)) {
    if let ReferenceOr::Item(schema) = s {
        visit_schema(schema, f);
    }
}

fn visit_schema(schema: &mut Schema, f: &mut dyn FnMut(&mut Schema)) {
    f(schema);
    match &mut schema.schema_kind {
        SchemaKind::Type(Type::Object(o)) => {
            o.properties.values_mut().for_each(|p| visit_boxed(p, f));
            if let Some(AdditionalProperties::Schema(s)) = &mut o.additional_properties {
                visit_ref(s, f);
            }
        }
        SchemaKind::Type(Type::Array(a)) => {
            if let Some(items) = &mut a.items {
                visit_boxed(items, f);
            }
        }
        SchemaKind::Type(_) => {}
        SchemaKind::OneOf { one_of: v }
        | SchemaKind::AllOf { all_of: v }
        | SchemaKind::AnyOf { any_of: v } => {
            v.iter_mut().for_each(|s| visit_ref(s, f));
        }
        SchemaKind::Not { not } => visit_ref(not, f),
        SchemaKind::Any(any) => {
            any.properties.values_mut().for_each(|p| visit_boxed(p, f));
            if let Some(AdditionalProperties::Schema(s)) = &mut any.additional_properties {
                visit_ref(s, f);
            }
            if let Some(items) = &mut any.items {
                visit_boxed(items, f);
            }
            for s in any
                .one_of
                .iter_mut()
                .chain(any.all_of.iter_mut())
                .chain(any.any_of.iter_mut())
            {
                visit_ref(s, f);
            }
            if let Some(not) = &mut any.not {
                visit_ref(not, f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{parse, test_doc};

    fn problems(paths: &str, schemas: &str) -> Vec<String> {
        let spec = parse(&test_doc(paths, schemas)).expect("parses");
        check(&spec.api)
    }

    const OK: &str = "responses:\n  '200': {description: ok, content: {application/json: {schema: {type: object}}}}";

    fn op(method: &str, extra: &str) -> String {
        let body = format!("operationId: doIt\n{extra}\n{OK}");
        let body: String = body.lines().map(|l| format!("    {l}\n")).collect();
        format!("/things/{{id}}:\n  {method}:\n{body}")
    }

    const ID: &str = "parameters: [{name: id, in: path, required: true, schema: {type: string}}]";

    #[test]
    fn a_clean_operation_passes() {
        assert_eq!(problems(&op("get", ID), ""), Vec::<String>::new());
    }

    #[test]
    fn openapi_3_1_is_rejected_with_its_version() {
        let err = parse("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n").unwrap_err();
        assert!(err.contains("OpenAPI 3.1.0 is not supported"), "{err}");
    }

    #[test]
    fn a_document_without_version_is_rejected() {
        let err = parse("swagger: '2.0'\n").unwrap_err();
        assert!(err.contains("no `openapi: 3.0.x`"), "{err}");
    }

    #[test]
    fn a_missing_operation_id_names_the_operation() {
        let paths = format!(
            "/things:\n  post:\n    summary: s\n    {}",
            OK.replace('\n', "\n    ")
        );
        let found = problems(&paths, "");
        assert_eq!(
            found,
            vec!["operation POST /things: has no operationId".to_string()]
        );
    }

    #[test]
    fn a_duplicate_operation_id_names_both_operations() {
        let one = OK.replace('\n', "\n    ");
        let paths = format!(
            "/a:\n  get:\n    operationId: same\n    {one}\n/b:\n  get:\n    operationId: same\n    {one}"
        );
        let found = problems(&paths, "");
        assert_eq!(found.len(), 1);
        assert!(
            found[0].contains("`same` (GET /b)") && found[0].contains("GET /a"),
            "{found:?}"
        );
    }

    #[test]
    fn two_success_bodies_are_rejected() {
        let paths = "/x:\n  get:\n    operationId: doIt\n    responses:\n      '200': {description: a, content: {application/json: {schema: {type: object}}}}\n      '201': {description: b, content: {application/json: {schema: {type: string}}}}";
        let found = problems(paths, "");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("operation `doIt` (GET /x)"),
            "{found:?}"
        );
        assert!(
            found[0].contains("2 different bodies; keep one success schema"),
            "{found:?}"
        );
    }

    #[test]
    fn two_error_schemas_are_rejected() {
        let paths = "/x:\n  get:\n    operationId: doIt\n    responses:\n      '200': {description: ok}\n      '400': {description: a, content: {application/json: {schema: {$ref: '#/components/schemas/A'}}}}\n      '500': {description: b, content: {application/json: {schema: {$ref: '#/components/schemas/B'}}}}";
        let found = problems(paths, "A: {type: object}\nB: {type: object}");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains("`doIt`") && found[0].contains("one shared error schema"),
            "{found:?}"
        );
    }

    #[test]
    fn two_request_media_types_are_rejected() {
        let body = "requestBody:\n  content:\n    application/json: {schema: {type: object}}\n    application/x-www-form-urlencoded: {schema: {type: object}}";
        let found = problems(&op("post", &format!("{ID}\n{body}")), "");
        assert!(
            found
                .iter()
                .any(|p| p.contains("`doIt`") && p.contains("2 media types")),
            "{found:?}"
        );
    }

    #[test]
    fn a_path_placeholder_without_parameter_is_rejected() {
        let found = problems(&op("get", ""), "");
        assert_eq!(
            found,
            vec![
                "operation `doIt` (GET /things/{id}): `{id}` in the path has no parameter"
                    .to_string()
            ]
        );
    }

    #[test]
    fn an_optional_path_parameter_is_rejected() {
        let found = problems(
            &op("get", &ID.replace("required: true", "required: false")),
            "",
        );
        assert!(
            found
                .iter()
                .any(|p| p.contains("`id` must be `required: true`")),
            "{found:?}"
        );
    }

    #[test]
    fn a_path_item_ref_is_rejected() {
        let found = problems(
            "/x:\n  $ref: '#/paths/~1y'\n/y:\n  get:\n    operationId: y\n    responses: {'200': {description: ok}}",
            "",
        );
        assert!(
            found
                .iter()
                .any(|p| p.starts_with("path /x: a path item that is a $ref")),
            "{found:?}"
        );
    }

    #[test]
    fn string_enums_become_plain_strings_with_their_values_documented() {
        let schemas = "Color:\n  type: string\n  description: A color.\n  enum: [red, green]\nBox:\n  type: object\n  properties:\n    tags:\n      type: array\n      items: {type: string, enum: [a, b]}";
        let mut spec = parse(&test_doc(&op("get", ID), schemas)).expect("parses");
        plain_string_enums(&mut spec.api);
        let json = serde_json::to_value(&spec.api).expect("serializes");
        let color = &json["components"]["schemas"]["Color"];
        assert!(color.get("enum").is_none(), "{color}");
        assert_eq!(
            color["description"],
            "A color.\n\nKnown values: `red`, `green`. Other values may appear as the API grows."
        );
        let items = &json["components"]["schemas"]["Box"]["properties"]["tags"]["items"];
        assert!(items.get("enum").is_none(), "{items}");
        assert!(
            items["description"]
                .as_str()
                .is_some_and(|d| d.starts_with("Known values: `a`, `b`"))
        );
    }
}
