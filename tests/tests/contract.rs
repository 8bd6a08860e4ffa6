//! The contract check of the fake server: every response it sends in the SAS, QR and error
//! flows is validated against the spec's JSON schemas by an independent JSON Schema validator,
//! never through the generated client's types (which the fake builds its answers from, so a
//! mistake in the generator would pass every test that decodes with them).
//!
//! The wrapper drives each flow as an app would, through a recording proxy on loopback that
//! keeps every exchange as bytes. Each exchange is then matched to its operation by method and
//! path template, and checked against what the spec documents for that status: the body
//! against the response schema (objects closed: a field the spec does not name is a
//! violation, so a renamed field cannot hide), an error's `details` against the schema the
//! response's `x-error-details` names, the required response headers, and the content type.
//! Requests the wrapper sent are checked against the request body schemas the same way.
//!
//! The last tests show that the check can fail: an unknown enum value, a body that is not JSON,
//! a renamed field in a copy of the spec.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use beeper_verification::{
    CancelVerification, Client, CreateVerification, Error, VerificationState, WaitOptions,
};
use beeper_verification_fake::{FakeServer, Fault, Operation, PeerMethod, SessionState};
use serde_json::{Map, Value, json};

const SPEC: &str = include_str!("../../openapi/beeper-verification.yaml");

// --- The spec, as JSON Schema -----------------------------------------------------------------

/// The spec, with its schemas turned from OpenAPI 3.0 into JSON Schema (draft 7).
struct Contract {
    spec: Value,
    /// `{"components": {"schemas": ...}}` in JSON Schema, the root every validator refers into.
    definitions: Value,
}

/// One operation of the spec: how to recognise its requests, and what it may answer.
#[derive(Clone, Debug)]
struct SpecOperation {
    id: String,
    method: String,
    path: String,
    /// The operation object.
    object: Value,
}

impl Contract {
    fn load() -> Self {
        Self::from_spec(serde_yaml::from_str(SPEC).expect("the maintained spec is YAML"))
    }

    fn from_spec(spec: Value) -> Self {
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

    fn operations(&self) -> Vec<SpecOperation> {
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
    fn operation_of(&self, method: &str, path: &str) -> Option<SpecOperation> {
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
    fn resolve<'a>(&'a self, mut value: &'a Value) -> &'a Value {
        while let Some(reference) = value.get("$ref").and_then(Value::as_str) {
            let pointer = reference.strip_prefix('#').expect("a local $ref");
            value = self.spec.pointer(pointer).expect("a $ref that resolves");
        }
        value
    }

    /// A validator for an OpenAPI schema object found in the spec (inline or a `$ref`).
    fn validator(&self, schema: &Value) -> jsonschema::Validator {
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
fn json_schema(schema: &Value) -> Value {
    convert(schema, true)
}

/// [`json_schema`], closing objects or not: the members of an `allOf` stay open, since each
/// names only some of the properties that the whole allows.
fn convert(schema: &Value, close: bool) -> Value {
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

// --- The recording proxy ----------------------------------------------------------------------

/// One request and its answer, as bytes on the wire.
#[derive(Clone, Debug)]
struct Exchange {
    method: String,
    path: String,
    request_body: Vec<u8>,
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

#[derive(Clone)]
struct Proxy {
    upstream: String,
    http: reqwest::Client,
    exchanges: Arc<Mutex<Vec<Exchange>>>,
}

impl Proxy {
    /// Starts a proxy on loopback in front of `server`; returns it and its base URL.
    async fn start(server: &FakeServer) -> (Self, String) {
        let proxy = Self {
            upstream: server.base_url().trim_end_matches('/').to_owned(),
            http: reqwest::Client::builder()
                .no_proxy()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("a plain client"),
            exchanges: Arc::default(),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let address = listener.local_addr().expect("an address");
        let app = axum::Router::new()
            .fallback(forward)
            .with_state(proxy.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (proxy, format!("http://{address}"))
    }

    fn take(&self) -> Vec<Exchange> {
        std::mem::take(&mut *self.exchanges.lock().expect("not poisoned"))
    }
}

async fn forward(State(proxy): State<Proxy>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let method = parts.method.to_string();
    let path = parts.uri.path().to_owned();
    let (request_body, answer) = match relay(&proxy, parts, body).await {
        Ok(relayed) => relayed,
        Err((request_body, error)) => {
            // Recorded as the 502 the client gets, which no operation documents: the check
            // reports it, where a panic here would look like a transport error.
            let answer = (
                StatusCode::BAD_GATEWAY,
                HeaderMap::new(),
                error.into_bytes(),
            );
            (request_body, answer)
        }
    };
    let (status, headers, body) = answer;
    proxy
        .exchanges
        .lock()
        .expect("not poisoned")
        .push(Exchange {
            method,
            path,
            request_body,
            status: status.as_u16(),
            headers: headers.clone(),
            body: body.clone(),
        });
    let mut response = (status, Body::from(body)).into_response();
    *response.headers_mut() = headers;
    response
}

type Answer = (StatusCode, HeaderMap, Vec<u8>);

/// Sends the request on to the fake; returns the request body and the fake's answer, or what
/// went wrong.
async fn relay(
    proxy: &Proxy,
    parts: axum::http::request::Parts,
    body: Body,
) -> Result<(Vec<u8>, Answer), (Vec<u8>, String)> {
    let request_body = axum::body::to_bytes(body, 1 << 20)
        .await
        .map_err(|e| (Vec::new(), format!("proxy: the request body: {e}")))?
        .to_vec();
    let failed = |e: reqwest::Error| (request_body.clone(), format!("proxy: the fake: {e}"));
    let path_and_query = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut headers = parts.headers;
    for name in [header::HOST, header::CONTENT_LENGTH, header::CONNECTION] {
        headers.remove(name);
    }
    let answer = proxy
        .http
        .request(parts.method, format!("{}{path_and_query}", proxy.upstream))
        .headers(headers)
        .body(request_body.clone())
        .send()
        .await
        .map_err(failed)?;
    let status = answer.status();
    let mut headers = answer.headers().clone();
    let body = answer.bytes().await.map_err(failed)?.to_vec();
    for name in [
        header::CONTENT_LENGTH,
        header::TRANSFER_ENCODING,
        header::CONNECTION,
    ] {
        headers.remove(name);
    }
    Ok((request_body, (status, headers, body)))
}

// --- The check ----------------------------------------------------------------------------------

/// What the check found in one run.
#[derive(Debug, Default)]
struct Report {
    /// One line per violation, naming the request, the status and what is wrong.
    violations: Vec<String>,
    /// `(operationId, status)` of every exchange checked.
    seen: BTreeSet<(String, u16)>,
}

impl Report {
    fn assert_clean(&self) {
        assert!(
            self.violations.is_empty(),
            "the fake broke the spec's contract:\n{}",
            self.violations.join("\n")
        );
    }
}

/// Checks each exchange against the spec. `requests_too`: also check the request bodies
/// (the wrapper's; the error flow sends invalid ones on purpose).
fn check(contract: &Contract, exchanges: &[Exchange], requests_too: bool) -> Report {
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
        let Some(response) = responses
            .get(exchange.status.to_string())
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
fn check_details(
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
fn check_envelope(contract: &Contract, exchange: &Exchange, what: &str, report: &mut Report) {
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

fn check_request(
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

fn check_headers(
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

fn validate(validator: &jsonschema::Validator, body: &Value, what: &str, report: &mut Report) {
    for error in validator.iter_errors(body) {
        report.violations.push(format!(
            "{what}: at {:?}: {error}",
            error.instance_path().to_string()
        ));
    }
}

// --- The flows ----------------------------------------------------------------------------------

/// A fake, a recording proxy in front of it, the proxy's base URL, and a wrapper client that
/// talks to the proxy.
async fn setup(server: FakeServer) -> (FakeServer, Proxy, String, Client) {
    let (proxy, base_url) = Proxy::start(&server).await;
    let client = client_for(&base_url, server.token());
    (server, proxy, base_url, client)
}

fn client_for(base_url: &str, token: &str) -> Client {
    Client::builder()
        .base_url(base_url)
        .access_token(token)
        .max_retries(0)
        .wait_options(
            WaitOptions::default()
                .min_delay(Duration::from_millis(10))
                .max_delay(Duration::from_millis(50))
                .max_wait(Duration::from_secs(30)),
        )
        .build()
        .expect("a client")
}

/// A verification this device starts.
async fn create(client: &Client) -> beeper_verification::Verification {
    client
        .verifications()
        .create(CreateVerification::default())
        .await
        .expect("created")
}

/// A client for what the wrapper would refuse to send: no proxy, no token of its own.
fn raw_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("a plain client")
}

async fn fake() -> FakeServer {
    FakeServer::start().await.expect("the fake starts")
}

/// The operations and statuses the SAS flow must have produced, to be sure it ran whole.
const SAS_FLOW: &[(&str, u16)] = &[
    ("getSetup", 200),
    ("createVerification", 200),
    ("listVerifications", 200),
    ("getVerification", 200),
    ("startVerificationSas", 200),
    ("confirmVerificationSas", 200),
    ("cancelVerification", 200),
];

const QR_FLOW: &[(&str, u16)] = &[
    ("createVerification", 200),
    ("acceptVerification", 200),
    ("getVerification", 200),
    ("confirmVerificationQrScanned", 200),
    ("scanVerificationQr", 200),
];

const ERROR_FLOW: &[(&str, u16)] = &[
    ("getSetup", 200),
    ("getSetup", 401),
    ("listVerifications", 401),
    ("getVerification", 404),
    ("confirmVerificationSas", 409),
    ("createVerification", 422),
    ("cancelVerification", 422),
    ("scanVerificationQr", 400),
    ("scanVerificationQr", 422),
    ("getVerification", 400),
    ("getVerification", 401),
    ("acceptVerification", 403),
    ("listVerifications", 429),
    ("getVerification", 500),
];

/// The recovery key: verified, reset, the reset confirmed, and each refusal the fake answers.
const RECOVERY_FLOW: &[(&str, u16)] = &[
    ("verifyRecoveryKey", 200),
    ("verifyRecoveryKey", 400),
    ("verifyRecoveryKey", 401),
    ("verifyRecoveryKey", 409),
    ("resetRecoveryKey", 200),
    ("resetRecoveryKey", 400),
    ("resetRecoveryKey", 409),
    ("confirmRecoveryKeyReset", 200),
    ("confirmRecoveryKeyReset", 400),
    ("confirmRecoveryKeyReset", 409),
];

/// Checks what the proxy recorded: no violation, and every `(operation, status)` expected
/// was seen, so a flow that stopped early cannot pass.
fn assert_clean_and_covering(
    contract: &Contract,
    proxy: &Proxy,
    requests_too: bool,
    expected: &[(&str, u16)],
) {
    let report = check(contract, &proxy.take(), requests_too);
    report.assert_clean();
    assert_covers(&report, expected);
}

fn assert_covers(report: &Report, expected: &[(&str, u16)]) {
    for (operation, status) in expected {
        assert!(
            report.seen.contains(&((*operation).to_owned(), *status)),
            "the flow never produced {operation} -> {status}; it saw {:?}",
            report.seen
        );
    }
}

#[tokio::test]
async fn every_response_of_the_sas_flow_matches_the_spec() {
    let contract = Contract::load();
    let (server, proxy, _, client) = setup(fake().await).await;

    client.session().await.expect("the session");
    let started = create(&client).await;
    client.verifications().list().await.expect("listed");
    server.peer().accept(&started.id).expect("the peer accepts");
    let handle = client.verification(&started.id);
    handle
        .wait_until(VerificationState::Ready)
        .await
        .expect("ready");
    let sas = handle.start_sas().await.expect("the emoji");
    assert!(sas.sas.is_some(), "the emoji are there to compare");
    handle.confirm_sas().await.expect("confirmed");
    server
        .peer()
        .confirm_sas(&started.id)
        .expect("the peer confirms");
    handle
        .wait_until(VerificationState::Done)
        .await
        .expect("done");
    client.session().await.expect("the session, verified");

    // A second verification, cancelled by this device.
    let second = create(&client).await;
    client
        .verification(&second.id)
        .cancel(CancelVerification::by_user("Not now."))
        .await
        .expect("cancelled");

    assert_clean_and_covering(&contract, &proxy, true, SAS_FLOW);
}

#[tokio::test]
async fn every_response_of_the_qr_flows_matches_the_spec() {
    let contract = Contract::load();
    let (server, proxy, _, client) = setup(fake().await).await;

    // This device shows its code; the other device scans it.
    let shown = create(&client).await;
    server.peer().accept(&shown.id).expect("the peer accepts");
    let handle = client.verification(&shown.id);
    let ready = handle
        .wait_until(VerificationState::Ready)
        .await
        .expect("ready");
    assert!(ready.qr.is_some(), "a code to show");
    server
        .peer()
        .scan_our_qr(&shown.id)
        .expect("the peer scans");
    handle
        .wait_until(VerificationState::QrScanned)
        .await
        .expect("scanned");
    handle.confirm_qr_scanned().await.expect("confirmed");
    handle
        .wait_until(VerificationState::Done)
        .await
        .expect("done");

    // The other device asks; this device accepts and scans the other device's code.
    let incoming = server.peer().request();
    client
        .verification(incoming.as_str())
        .accept()
        .await
        .expect("accepted");
    let payload = server.peer().qr_code(&incoming).expect("the peer's code");
    client
        .verifications()
        .scan_qr(payload)
        .await
        .expect("scanned");
    client
        .verification(incoming.as_str())
        .get()
        .await
        .expect("read");

    assert_clean_and_covering(&contract, &proxy, true, QR_FLOW);
}

#[tokio::test]
async fn every_error_the_fake_sends_matches_the_spec() {
    let contract = Contract::load();
    let server = FakeServer::builder()
        .session_state(SessionState::NeedsLogin)
        .start()
        .await
        .expect("the fake starts");
    let (server, proxy, base, client) = setup(server).await;
    let raw = raw_client();

    // 200 without a token: getSetup is public while signed out.
    let answer = raw
        .get(format!("{base}/v1/app/setup"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(answer.status(), StatusCode::OK);

    // 401: signed in, a wrong token; getSetup is no longer public.
    server.set_session_state(SessionState::NeedsVerification);
    let stranger = client_for(&base, "not-the-token");
    for refused in [
        stranger.session().await.map(|_| ()),
        stranger.verifications().list().await.map(|_| ()),
    ] {
        assert_eq!(refused.map_err(|e| e.status()), Err(Some(401)));
    }

    // 404: an ID the server does not know.
    assert!(
        client
            .verification("no-such-verification")
            .get()
            .await
            .is_err()
    );

    // 409: an action the state does not allow.
    let started = create(&client).await;
    let refused = client.verification(&started.id).confirm_sas().await;
    assert!(
        matches!(refused, Err(Error::ActionNotAvailable { .. })),
        "{refused:?}"
    );

    // 422: bodies the server cannot take (sent raw; the wrapper would refuse to build them).
    let token = server.token().to_owned();
    for (path, body) in [
        (
            "/v1/app/setup/verifications".to_owned(),
            r#"{"purpose": 7}"#,
        ),
        (
            "/v1/app/setup/verifications".to_owned(),
            r#"{"purpose": "bogus"}"#,
        ),
        (
            format!("/v1/app/setup/verifications/{}/cancel", started.id),
            r#"{"code": "#,
        ),
        ("/v1/app/setup/verifications/qr/scan".to_owned(), "{}"),
    ] {
        let answer = raw
            .post(format!("{base}{path}"))
            .bearer_auth(&token)
            .header(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )
            .body(body)
            .send()
            .await
            .expect("an answer");
        assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY, "{path}");
    }

    // 400: a QR payload that is no code at all, and an ID that is no text (sent raw).
    assert!(client.verifications().scan_qr("not a code").await.is_err());
    let answer = raw
        .get(format!("{base}/v1/app/setup/verifications/%FF"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("an answer");
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);

    // 401 without a token at all, now that getSetup is not public.
    let answer = raw
        .get(format!("{base}/v1/app/setup/verifications/{}", started.id))
        .send()
        .await
        .expect("an answer");
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);

    // 403, 429 and 500 as the fault rules make them (statuses the spec documents).
    server.add_fault(
        Fault::status(403)
            .on(Operation::AcceptVerification)
            .times(1),
    );
    assert_eq!(
        client
            .verification(&started.id)
            .accept()
            .await
            .map_err(|e| e.status())
            .err(),
        Some(Some(403))
    );
    server.add_fault(
        Fault::status(429)
            .retry_after(Duration::from_secs(1))
            .on(Operation::ListVerifications)
            .times(1),
    );
    server.add_fault(Fault::status(500).on(Operation::GetVerification).times(1));
    assert!(client.verifications().list().await.is_err());
    assert!(client.verification(&started.id).get().await.is_err());

    assert_clean_and_covering(&contract, &proxy, false, ERROR_FLOW);
}

#[tokio::test]
async fn every_response_of_the_fakes_other_flows_matches_the_spec() {
    // What the fake's own tests drive besides the flows above: the other device playing its
    // side by itself through a guided flow, a verification that times out, one the other
    // device cancels and one that fails, and every session state.
    let contract = Contract::load();
    let server = FakeServer::builder()
        .auto_peer(PeerMethod::Sas, Duration::from_millis(20))
        .verification_timeout(Duration::from_millis(300))
        .start()
        .await
        .expect("the fake starts");
    let (server, proxy, _, client) = setup(server).await;

    let session = client
        .verify_with_sas(CreateVerification::default(), |_sas| async { true })
        .await
        .expect("verified with the automatic peer");
    assert!(session.is_ready());

    // A request the other device sends and nobody answers: cancelled with m.timeout.
    server.set_session_state(SessionState::NeedsVerification);
    let stale = server.peer().request();
    client
        .verification(stale.as_str())
        .wait_until(VerificationState::Cancelled)
        .await
        .expect("timed out");
    // One the other device cancels, one that fails.
    for end in ["cancel", "fail"] {
        let id = server.peer().request();
        match end {
            "cancel" => server.peer().cancel(&id, Some("m.user"), Some("Not now.")),
            _ => server
                .peer()
                .fail(&id, "m.key_mismatch", "The keys do not match."),
        }
        .expect("ended");
        client.verification(id.as_str()).get().await.expect("read");
    }
    for state in SessionState::ALL {
        server.set_session_state(*state);
        client.session().await.expect("the session");
    }
    client.verifications().list().await.expect("listed");

    let report = check(&contract, &proxy.take(), true);
    report.assert_clean();
    let states: BTreeSet<u16> = report.seen.iter().map(|(_, status)| *status).collect();
    assert_eq!(states, BTreeSet::from([200]), "{:?}", report.seen);
}

/// Posts `body` (none when `None`) to the API with `token` (none when `None`); the status and
/// the JSON answer.
async fn post_raw(
    base: &str,
    token: Option<&str>,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = raw_client().post(format!("{base}{path}"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let answer = request.send().await.expect("an answer");
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn every_response_of_the_recovery_key_flows_matches_the_spec() {
    // Raw requests: the wrapper's recovery-key calls are not the subject here.
    const KEY: &str = "EsTc 9bD2 ZJxL AZ7p 3W5v tuGm PhEN 6qrY cVkX 8s4a Fy1H oLdQ";
    const VERIFY: &str = "/v1/app/setup/verification/recovery-key";
    const RESET: &str = "/v1/app/setup/verification/recovery-key/reset";
    const CONFIRM: &str = "/v1/app/setup/verification/recovery-key/reset/confirm";
    let contract = Contract::load();
    let server = FakeServer::builder()
        .recovery_key(KEY)
        .session_state(SessionState::NeedsSecrets)
        .start()
        .await
        .expect("the fake starts");
    let (server, proxy, base, _) = setup(server).await;
    let token = server.token().to_owned();
    let token = Some(token.as_str());
    let key = |k: &str| Some(json!({ "recoveryKey": k }));

    assert_eq!(post_raw(&base, None, VERIFY, key(KEY)).await.0, 401);
    assert_eq!(
        post_raw(&base, token, VERIFY, key("EsTc nope")).await.0,
        400
    );
    let (status, body) = post_raw(&base, token, VERIFY, key(KEY)).await;
    assert_eq!((status, &body["session"]["state"]), (200, &json!("ready")));
    assert_eq!(post_raw(&base, token, VERIFY, key(KEY)).await.0, 409);

    let wrong_existing = Some(json!({ "existingRecoveryKey": "EsTc nope" }));
    assert_eq!(post_raw(&base, token, RESET, wrong_existing).await.0, 400);
    assert_eq!(post_raw(&base, token, RESET, None).await.0, 200);
    let (status, body) = post_raw(&base, token, RESET, Some(json!({}))).await;
    assert_eq!(status, 200);
    let new_key = body["recoveryKey"].as_str().expect("a new key").to_owned();
    assert_eq!(post_raw(&base, token, CONFIRM, key(KEY)).await.0, 400);
    assert_eq!(post_raw(&base, token, CONFIRM, key(&new_key)).await.0, 200);
    assert_eq!(post_raw(&base, token, CONFIRM, key(&new_key)).await.0, 409);

    server.set_session_state(SessionState::NeedsLogin);
    assert_eq!(post_raw(&base, token, RESET, Some(json!({}))).await.0, 409);

    assert_clean_and_covering(&contract, &proxy, true, RECOVERY_FLOW);
}

#[test]
fn the_flows_reach_every_operation_of_the_spec() {
    let contract = Contract::load();
    let reached: BTreeSet<&str> = [SAS_FLOW, QR_FLOW, ERROR_FLOW, RECOVERY_FLOW]
        .iter()
        .flat_map(|flow| flow.iter())
        .filter(|(_, status)| (200..300).contains(status))
        .map(|(operation, _)| *operation)
        .collect();
    for operation in contract.operations() {
        assert!(
            reached.contains(operation.id.as_str()),
            "no flow of the contract check answers {} ({} {}) with a 2xx: add it to a flow",
            operation.id,
            operation.method,
            operation.path
        );
    }
}

// --- The check can fail -----------------------------------------------------------------------

/// The exchanges of one `getVerification` with a fault rule in place.
async fn get_with_fault(fault: Fault) -> Vec<Exchange> {
    let (server, proxy, _, client) = setup(fake().await).await;
    let started = create(&client).await;
    proxy.take();
    server.add_fault(fault.on(Operation::GetVerification).times(1));
    let _ = client.verification(&started.id).get().await;
    proxy.take()
}

#[tokio::test]
async fn a_state_the_spec_does_not_know_is_a_violation() {
    let exchanges = get_with_fault(Fault::unknown_enum()).await;
    let report = check(&Contract::load(), &exchanges, false);
    assert!(
        report
            .violations
            .iter()
            .any(|v| v.contains("/verification/state") && v.contains("expired")),
        "{:?}",
        report.violations
    );
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_violation() {
    let exchanges = get_with_fault(Fault::malformed_json()).await;
    let report = check(&Contract::load(), &exchanges, false);
    assert!(
        report.violations.iter().any(|v| v.contains("not JSON")),
        "{:?}",
        report.violations
    );
}

#[tokio::test]
async fn a_field_renamed_in_the_spec_is_a_violation_of_the_fake() {
    // The fake still sends `availableActions`; a spec that renamed it must fail the check,
    // both as a missing required field and as a field the spec does not name.
    let mut spec: Value = serde_yaml::from_str(SPEC).expect("YAML");
    let verification = spec
        .pointer_mut("/components/schemas/Verification")
        .and_then(Value::as_object_mut)
        .expect("the Verification schema");
    let properties = verification["properties"]
        .as_object_mut()
        .expect("its properties");
    let field = properties.remove("availableActions").expect("the field");
    properties.insert("allowedActions".to_owned(), field);
    for required in verification["required"]
        .as_array_mut()
        .expect("its required fields")
    {
        if required == "availableActions" {
            *required = Value::from("allowedActions");
        }
    }
    let renamed = Contract::from_spec(spec);

    let (_server, proxy, _, client) = setup(fake().await).await;
    create(&client).await;
    let exchanges = proxy.take();
    let report = check(&renamed, &exchanges, false);
    for expected in [
        "\"allowedActions\" is a required property",
        "availableActions",
    ] {
        assert!(
            report.violations.iter().any(|v| v.contains(expected)),
            "no violation mentions {expected:?}: {:?}",
            report.violations
        );
    }
    check(&Contract::load(), &exchanges, false).assert_clean();
}

#[test]
fn hand_made_bodies_outside_the_contract_are_violations() {
    let contract = Contract::load();
    let exchange = |status: u16, body: Value| Exchange {
        method: "GET".to_owned(),
        path: "/v1/app/setup/verifications".to_owned(),
        request_body: Vec::new(),
        status,
        headers: HeaderMap::from_iter([
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (
                header::HeaderName::from_static("x-beeper-desktop-version"),
                HeaderValue::from_static("4.1.0"),
            ),
        ]),
        body: serde_json::to_vec(&body).expect("JSON"),
    };
    let cases = [
        (exchange(200, json!({ "items": [] })), None),
        (
            exchange(200, json!({ "items": [], "extra": 1 })),
            Some("extra"),
        ),
        (
            exchange(200, json!({})),
            Some("\"items\" is a required property"),
        ),
        (
            exchange(200, json!({ "items": 3 })),
            Some("not of type \"array\""),
        ),
        (
            exchange(401, json!({ "message": "no", "code": "UNAUTHORIZED" })),
            None,
        ),
        (
            exchange(401, json!({ "message": "no" })),
            Some("\"code\" is a required property"),
        ),
        (
            exchange(
                401,
                json!({ "message": "no", "code": "X", "details": null }),
            ),
            None,
        ),
        (
            exchange(418, json!({ "message": "no", "code": "X" })),
            Some("documents no such status"),
        ),
    ];
    for (exchange, expected) in cases {
        let report = check(&contract, std::slice::from_ref(&exchange), false);
        match expected {
            None => report.assert_clean(),
            Some(expected) => assert!(
                report.violations.iter().any(|v| v.contains(expected)),
                "{} {:?}: no violation mentions {expected:?}: {:?}",
                exchange.status,
                String::from_utf8_lossy(&exchange.body),
                report.violations
            ),
        }
    }

    // A missing version header, and a 422 whose details are not a validation failure's.
    let mut bare = exchange(200, json!({ "items": [] }));
    bare.headers.remove("x-beeper-desktop-version");
    let report = check(&contract, &[bare], false);
    assert!(
        report
            .violations
            .iter()
            .any(|v| v.contains("X-Beeper-Desktop-Version"))
    );
    let report = check(
        &contract,
        &[exchange(
            422,
            json!({ "message": "no", "code": "VALIDATION_ERROR", "details": {} }),
        )],
        false,
    );
    assert!(
        report
            .violations
            .iter()
            .any(|v| v.contains("(details)") && v.contains("\"issues\"")),
        "{:?}",
        report.violations
    );

    // Deep in a verification: `null` where the spec allows none, a field it does not name,
    // a path segment that is neither a key nor an index.
    let fixture: Value = serde_json::from_str(include_str!(
        "../../crates/beeper-verification/tests/fixtures/verification-response.json"
    ))
    .expect("the fixture is JSON");
    let get = |body: &Value| Exchange {
        path: "/v1/app/setup/verifications/abc".to_owned(),
        body: serde_json::to_vec(body).expect("JSON"),
        ..exchange(200, json!({}))
    };
    check(&contract, &[get(&fixture)], false).assert_clean();
    let mut edits: Vec<(Value, &str)> = Vec::new();
    let mut null_qr = fixture.clone();
    null_qr["verification"]["qr"] = Value::Null;
    edits.push((null_qr, "/verification/qr"));
    let mut nested_extra = fixture.clone();
    nested_extra["verification"]["otherDevice"]["colour"] = json!("red");
    edits.push((nested_extra, "colour"));
    for (body, expected) in &edits {
        let report = check(&contract, &[get(body)], false);
        assert!(
            report.violations.iter().any(|v| v.contains(expected)),
            "no violation mentions {expected:?}: {:?}",
            report.violations
        );
    }
    let bad_path = exchange(
        422,
        json!({ "message": "no", "code": "VALIDATION_ERROR", "details": { "issues": [
            { "code": "invalid_type", "message": "no", "path": ["body", true] }
        ] } }),
    );
    let report = check(&contract, &[bad_path], false);
    assert!(
        report
            .violations
            .iter()
            .any(|v| v.contains("(details)") && v.contains("/issues/0/path/1")),
        "{:?}",
        report.violations
    );

    // A 409's details are checked for the code the spec names them for, and only for it.
    let refused = |code: &str| {
        exchange(
            409,
            json!({ "message": "no", "code": code, "details": { "state": "bogus" } }),
        )
    };
    let report = check(&contract, &[refused("ACTION_NOT_AVAILABLE")], false);
    assert!(
        report
            .violations
            .iter()
            .any(|v| v.contains("(details)") && v.contains("bogus")),
        "{:?}",
        report.violations
    );
    check(&contract, &[refused("SOMETHING_ELSE")], false).assert_clean();
}

#[tokio::test]
async fn the_fakes_own_guards_answer_with_the_error_envelope_outside_the_spec() {
    // 405, 413 and 421 protect the fake itself and a route the API does not have is a 404:
    // the spec documents none of them, so they are the only violations, and their bodies are
    // still `ApiError`s.
    let contract = Contract::load();
    let (server, proxy, base_url, _) = setup(fake().await).await;
    let raw = raw_client();
    let list = format!("{base_url}/v1/app/setup/verifications");
    let answers = [
        raw.delete(&list).bearer_auth(server.token()).send().await,
        raw.post(&list)
            .bearer_auth(server.token())
            .header(header::CONTENT_TYPE, "application/json")
            .body(vec![b' '; 128 * 1024])
            .send()
            .await,
    ];
    let unknown = raw
        .get(format!("{base_url}/v1/no-such-route"))
        .bearer_auth(server.token())
        .send()
        .await;
    let statuses: Vec<u16> = answers
        .into_iter()
        .chain([unknown])
        .map(|a| a.expect("an answer").status().as_u16())
        .collect();
    assert_eq!(statuses, [405, 413, 404]);
    // 421: the proxy forwards to the fake by its address, so ask the fake directly with
    // another Host, and check what it sent as the proxy would have recorded it.
    let misdirected = raw
        .get(format!(
            "{}/v1/app/setup",
            server.base_url().trim_end_matches('/')
        ))
        .bearer_auth(server.token())
        .header(header::HOST, "evil.example")
        .send()
        .await
        .expect("an answer");
    let mut exchanges = proxy.take();
    exchanges.push(Exchange {
        method: "GET".to_owned(),
        path: "/v1/app/setup".to_owned(),
        request_body: Vec::new(),
        status: misdirected.status().as_u16(),
        headers: misdirected.headers().clone(),
        body: misdirected.bytes().await.expect("a body").to_vec(),
    });
    let report = check(&contract, &exchanges, false);
    assert_eq!(report.violations.len(), 4, "{:?}", report.violations);
    for (violation, status) in report.violations.iter().zip([405, 413, 404, 421]) {
        assert!(
            violation.contains(&format!("-> {status}: ")) && !violation.contains("ApiError"),
            "{violation}"
        );
    }
}
