//! The check: each exchange against what the spec documents for its operation and status.

use std::collections::BTreeSet;

use axum::http::header;
use serde_json::{Value, json};

use crate::proxy::Exchange;
use crate::schema::{Contract, SpecOperation};

/// What the check found in one run.
#[derive(Debug, Default)]
pub(crate) struct Report {
    /// One line per violation, naming the request, the status and what is wrong.
    pub(crate) violations: Vec<String>,
    /// `(operationId, status)` of every exchange checked.
    pub(crate) seen: BTreeSet<(String, u16)>,
}

impl Report {
    pub(crate) fn assert_clean(&self) {
        assert!(
            self.violations.is_empty(),
            "the fake broke the spec's contract:\n{}",
            self.violations.join("\n")
        );
    }
}

/// Checks each exchange against the spec. `requests_too`: also check the request bodies
/// (the wrapper's; the error flow sends invalid ones on purpose).
pub(crate) fn check(contract: &Contract, exchanges: &[Exchange], requests_too: bool) -> Report {
    let mut report = Report::default();
    for exchange in exchanges {
        let what = format!(
            "{} {} -> {}",
            exchange.method, exchange.path, exchange.status
        );
        let Some(operation) = contract.operation_of(&exchange.method, &exchange.path) else {
            report
                .violations
                .push(format!("{what}: no operation of the spec has this path"));
            check_envelope(contract, exchange, &what, &mut report);
            continue;
        };
        report.seen.insert((operation.id.clone(), exchange.status));
        if requests_too && !exchange.request_body.is_empty() {
            check_request(contract, &operation, exchange, &what, &mut report);
        }
        let responses = &operation.object["responses"];
        // The exact status, else its range (`2XX`: a call whose success has no body may
        // answer 200 or 204), else `default`, as OpenAPI orders them.
        let Some(response) = responses
            .get(exchange.status.to_string())
            .or_else(|| responses.get(format!("{}XX", exchange.status / 100)))
            .or_else(|| responses.get("default"))
        else {
            report
                .violations
                .push(format!("{what}: {} documents no such status", operation.id));
            check_envelope(contract, exchange, &what, &mut report);
            continue;
        };
        let response = contract.resolve(response);
        check_headers(contract, response, exchange, &what, &mut report);
        let Some(schema) = response.pointer("/content/application~1json/schema") else {
            if !exchange.body.is_empty() {
                report
                    .violations
                    .push(format!("{what}: a body where the spec documents none"));
            }
            continue;
        };
        let content_type = exchange
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let media_type = content_type.split(';').next().unwrap_or("").trim();
        if !media_type.eq_ignore_ascii_case("application/json") {
            report.violations.push(format!(
                "{what}: content type {content_type:?}, not application/json"
            ));
        }
        let body: Value = match serde_json::from_slice(&exchange.body) {
            Ok(body) => body,
            Err(e) => {
                report
                    .violations
                    .push(format!("{what}: the body is not JSON ({e})"));
                continue;
            }
        };
        validate(&contract.validator(schema), &body, &what, &mut report);
        check_details(contract, response, &body, &what, &mut report);
    }
    report
}

/// An error body's `details` against the schema the response's `x-error-details` names for
/// its `code` (an entry without a `code` holds for every code). A `details` that schema
/// requires may not be left out.
pub(crate) fn check_details(
    contract: &Contract,
    response: &Value,
    body: &Value,
    what: &str,
    report: &mut Report,
) {
    let Some(entries) = response.get("x-error-details").and_then(Value::as_array) else {
        return;
    };
    let code = body.get("code").and_then(Value::as_str);
    for entry in entries {
        let wanted = entry.get("code").and_then(Value::as_str);
        if wanted.is_some() && wanted != code {
            continue;
        }
        let schema = entry
            .get("schema")
            .expect("an x-error-details entry has a schema");
        let details = body.get("details").unwrap_or(&Value::Null);
        validate(
            &contract.validator(schema),
            details,
            &format!("{what} (details)"),
            report,
        );
    }
}

/// An error the spec does not document is still the envelope every failed request returns,
/// as the spec says of `ApiError`.
pub(crate) fn check_envelope(
    contract: &Contract,
    exchange: &Exchange,
    what: &str,
    report: &mut Report,
) {
    if exchange.status < 400 {
        return;
    }
    match serde_json::from_slice::<Value>(&exchange.body) {
        Ok(body) => validate(
            &contract.validator(&json!({ "$ref": "#/components/schemas/ApiError" })),
            &body,
            &format!("{what} (as ApiError)"),
            report,
        ),
        Err(e) => report
            .violations
            .push(format!("{what}: the body is not JSON ({e})")),
    }
}

pub(crate) fn check_request(
    contract: &Contract,
    operation: &SpecOperation,
    exchange: &Exchange,
    what: &str,
    report: &mut Report,
) {
    let Some(request_body) = operation.object.get("requestBody") else {
        report.violations.push(format!(
            "{what}: a request body where the spec documents none"
        ));
        return;
    };
    let request_body = contract.resolve(request_body);
    let Some(schema) = request_body.pointer("/content/application~1json/schema") else {
        return;
    };
    match serde_json::from_slice::<Value>(&exchange.request_body) {
        Ok(body) => validate(
            &contract.validator(schema),
            &body,
            &format!("{what} (request)"),
            report,
        ),
        Err(e) => report
            .violations
            .push(format!("{what}: the request body is not JSON ({e})")),
    }
}

pub(crate) fn check_headers(
    contract: &Contract,
    response: &Value,
    exchange: &Exchange,
    what: &str,
    report: &mut Report,
) {
    let Some(headers) = response.get("headers").and_then(Value::as_object) else {
        return;
    };
    for (name, header) in headers {
        let header = contract.resolve(header);
        let value = exchange.headers.get(name.as_str());
        if header.get("required") == Some(&Value::Bool(true)) && value.is_none() {
            report
                .violations
                .push(format!("{what}: the required header {name} is missing"));
        }
        if let (Some(value), Some(schema)) = (value, header.get("schema")) {
            let text = value.to_str().unwrap_or_default();
            validate(
                &contract.validator(schema),
                &Value::String(text.to_owned()),
                &format!("{what} (header {name})"),
                report,
            );
        }
    }
}

pub(crate) fn validate(
    validator: &jsonschema::Validator,
    body: &Value,
    what: &str,
    report: &mut Report,
) {
    for error in validator.iter_errors(body) {
        report.violations.push(format!(
            "{what}: at {:?}: {error}",
            error.instance_path().to_string()
        ));
    }
}
