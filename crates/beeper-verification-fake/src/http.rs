//! The API as `openapi/beeper-verification.yaml` describes it, served by axum, with bearer
//! authentication, request recording and faults on demand.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use beeper_verification_client::types as wire;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::faults::{self, FaultKind};
use crate::record::{RecordedRequest, recorded_body, recorded_header};
use crate::shared::Shared;
// Compares a presented token with the real one in time that does not depend on where they
// first differ, so that the token cannot be guessed a character at a time.
use crate::signin::{self, Finished, same_secret};
use crate::state::{FakePurpose, NewVerification, Refusal, World};
use crate::{FakeSessionState, Operation};

/// The largest request body the fake reads.
const MAX_BODY: usize = 64 * 1024;

/// The longest `userID` a new verification may name: a Matrix user ID has at most 255 bytes
/// (the Matrix specification's limit). Kept for every verification, so it is bounded.
const MAX_USER_ID_BYTES: usize = 255;

/// An error response with the API's error body `{message, code, details}`.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    details: Option<Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: None,
        }
    }

    fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = wire::ApiError {
            code: self.code.to_owned(),
            message: self.message,
            details: self.details,
        };
        (self.status, Json(body)).into_response()
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match &refusal {
            Refusal::NotFound(_) => {
                Self::new(StatusCode::NOT_FOUND, "NOT_FOUND", refusal.to_string())
            }
            Refusal::NotAvailable { state, allowed, .. } => {
                let details = json!({ "state": state, "availableActions": allowed });
                Self::new(
                    StatusCode::CONFLICT,
                    "ACTION_NOT_AVAILABLE",
                    refusal.to_string(),
                )
                .with_details(details)
            }
            Refusal::PeerMoveRefused { state, .. } => Self::new(
                StatusCode::CONFLICT,
                "PEER_MOVE_NOT_POSSIBLE",
                refusal.to_string(),
            )
            .with_details(json!({ "state": state })),
            Refusal::UnknownQr => Self::new(
                StatusCode::BAD_REQUEST,
                "INVALID_QR_CODE",
                refusal.to_string(),
            ),
            // The API documents no limit; 507 ("the server is unable to store ...", RFC 4918)
            // is the fake's own choice: not 429, which clients retry, as waiting does not help
            // unless something ends or the faults are cleared.
            Refusal::TooManyVerifications { max } => Self::new(
                StatusCode::INSUFFICIENT_STORAGE,
                "TOO_MANY_VERIFICATIONS",
                refusal.to_string(),
            )
            .with_details(json!({ "max": max })),
            Refusal::TooManyFaults { max } => Self::new(
                StatusCode::INSUFFICIENT_STORAGE,
                "TOO_MANY_FAULTS",
                refusal.to_string(),
            )
            .with_details(json!({ "max": max })),
            // The API documents no status or code for the recovery key's refusals: these three
            // are the fake's own choice (see the README).
            Refusal::InvalidRecoveryKey => Self::new(
                StatusCode::BAD_REQUEST,
                "INVALID_RECOVERY_KEY",
                refusal.to_string(),
            ),
            Refusal::SessionStateConflict { state, .. } => Self::new(
                StatusCode::CONFLICT,
                "SESSION_STATE_CONFLICT",
                refusal.to_string(),
            )
            .with_details(json!({ "state": state })),
            Refusal::NoPendingReset => Self::new(
                StatusCode::CONFLICT,
                "NO_PENDING_RESET",
                refusal.to_string(),
            ),
            // Sign-in: the API documents no error status or code; these are the fake's own
            // choice (see the README).
            Refusal::AlreadySignedIn { state } => Self::new(
                StatusCode::CONFLICT,
                "ALREADY_SIGNED_IN",
                refusal.to_string(),
            )
            .with_details(json!({ "state": state })),
            Refusal::SetupRequestNotFound => Self::new(
                StatusCode::NOT_FOUND,
                "SETUP_REQUEST_NOT_FOUND",
                refusal.to_string(),
            ),
            Refusal::NoSignInCodeSent => Self::new(
                StatusCode::CONFLICT,
                "NO_SIGN_IN_CODE_SENT",
                refusal.to_string(),
            ),
            Refusal::InvalidSignInCode { tries_left } => Self::new(
                StatusCode::BAD_REQUEST,
                "INVALID_SIGN_IN_CODE",
                refusal.to_string(),
            )
            .with_details(json!({ "triesLeft": tries_left })),
            Refusal::SignInCodeUsed => Self::new(
                StatusCode::CONFLICT,
                "SIGN_IN_CODE_USED",
                refusal.to_string(),
            ),
            Refusal::InvalidLeadToken => Self::new(
                StatusCode::BAD_REQUEST,
                "INVALID_LEAD_TOKEN",
                refusal.to_string(),
            ),
            Refusal::UsernameTaken { .. } => {
                Self::new(StatusCode::CONFLICT, "USERNAME_TAKEN", refusal.to_string())
            }
            Refusal::TooManySetupRequests { max } => Self::new(
                StatusCode::INSUFFICIENT_STORAGE,
                "TOO_MANY_SETUP_REQUESTS",
                refusal.to_string(),
            )
            .with_details(json!({ "max": max })),
            Refusal::TooManyAccounts { max } => Self::new(
                StatusCode::INSUFFICIENT_STORAGE,
                "TOO_MANY_ACCOUNTS",
                refusal.to_string(),
            )
            .with_details(json!({ "max": max })),
        }
    }
}

type AppState = State<Arc<Shared>>;
type ApiResult<T> = Result<Json<T>, ApiError>;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    // Every route is the spec's path for its operation (the generated client's table), so a
    // path renamed in the spec is served at its new place once the client is regenerated.
    let path = |operation: Operation| operation.spec().path;
    let api = Router::new()
        .route(path(Operation::GetSetup), get(get_setup))
        .route(path(Operation::ListVerifications), get(list))
        .route(path(Operation::CreateVerification), post(create))
        .route(path(Operation::ScanVerificationQr), post(scan_qr))
        .route(path(Operation::GetVerification), get(retrieve))
        .route(path(Operation::AcceptVerification), post(accept))
        .route(path(Operation::CancelVerification), post(cancel))
        .route(
            path(Operation::ConfirmVerificationQrScanned),
            post(confirm_qr_scanned),
        )
        .route(path(Operation::StartVerificationSas), post(start_sas))
        .route(path(Operation::ConfirmVerificationSas), post(confirm_sas))
        .route(
            path(Operation::VerifyRecoveryKey),
            post(verify_recovery_key),
        )
        .route(path(Operation::ResetRecoveryKey), post(reset_recovery_key))
        .route(
            path(Operation::ConfirmRecoveryKeyReset),
            post(confirm_recovery_key_reset),
        )
        .route_layer(middleware::from_fn_with_state(
            Arc::clone(&shared),
            authenticate,
        ));
    // Sign-in is public (`security: []`): no token is needed, and one sent anyway is ignored.
    let public = Router::new()
        .route(path(Operation::StartSetup), post(start_setup))
        .route(path(Operation::SendSetupEmail), post(send_setup_email))
        .route(
            path(Operation::FinishSetupSignIn),
            post(finish_setup_sign_in),
        )
        .route(
            path(Operation::RegisterSetupAccount),
            post(register_setup_account),
        );
    Router::new()
        .merge(api)
        .merge(public)
        .nest("/_fake", crate::control::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            Arc::clone(&shared),
            apply_faults,
        ))
        .layer(middleware::from_fn_with_state(Arc::clone(&shared), record))
        .layer(middleware::from_fn(crate::guard::loopback_host))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&shared),
            desktop_version,
        ))
        .with_state(shared)
}

// --- Middleware -----------------------------------------------------------------------------

/// The header Beeper Desktop sends with every response, refusals and faults included.
async fn desktop_version(State(shared): AppState, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    response.headers_mut().insert(
        HeaderName::from_static("x-beeper-desktop-version"),
        shared.desktop_version.clone(),
    );
    response
}

async fn record(State(shared): AppState, request: Request, next: Next) -> Response {
    shared
        .received
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    // Read the body here even when nothing is recorded, so that one limit holds for all.
    // The body must arrive within the read timeout, as the head did (see serve.rs).
    let (parts, body) = request.into_parts();
    let read = tokio::time::timeout(shared.read_timeout, axum::body::to_bytes(body, MAX_BODY));
    let bytes = match read.await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(_)) => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "BODY_TOO_LARGE",
                "the request body is too large",
            )
            .into_response();
        }
        Err(_) => {
            let mut response = ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "REQUEST_TIMEOUT",
                "the request body did not arrive in time",
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            return response;
        }
    };
    if !shared.requests().is_on() {
        return next
            .run(Request::from_parts(parts, Body::from(bytes)))
            .await;
    }
    let path = parts.uri.path().to_owned();
    let operation = Operation::of(parts.method.as_str(), &path);
    let recorded = RecordedRequest {
        method: parts.method.to_string(),
        operation,
        path,
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| recorded_header(n.as_str(), v.as_bytes()))
            .collect(),
        body: recorded_body(operation, &bytes),
        at: shared.started.elapsed(),
    };
    shared.requests().push(recorded);
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Whether the request may come without a token now: `GET /v1/app/setup` while signed out.
fn public_now(shared: &Shared, request: &Request) -> bool {
    Operation::of(request.method().as_str(), request.uri().path()) == Some(Operation::GetSetup)
        && shared.world().session_state == FakeSessionState::NeedsLogin
}

/// Lets a request through with the right bearer token. `GET /v1/app/setup` is public while
/// signed out (`needs-login`), so that apps can discover that sign-in is needed: then it may come
/// without a token. A token that is sent is always checked. A fake started signed out accepts
/// its token only once signed in (`token_live`); before that, only where none is needed.
async fn authenticate(State(shared): AppState, request: Request, next: Next) -> Response {
    let mut given = request.headers().get_all(header::AUTHORIZATION).iter();
    let refused = match (given.next(), given.next()) {
        (None, _) => {
            if public_now(&shared, &request) {
                return next.run(request).await;
            }
            "Access token is missing: send Authorization: Bearer <token>"
        }
        (Some(value), None) => match value.to_str().ok().and_then(bearer_token) {
            Some(token) if same_secret(token, &shared.token) => {
                if shared.token_live() || public_now(&shared, &request) {
                    return next.run(request).await;
                }
                "Access token is not accepted yet: the fake started signed out, and accepts its \
                 token once signed in (startSetup, sendSetupEmail, finishSetupSignIn)"
            }
            Some(_) => "Access token is invalid",
            None => "The Authorization header is not `Bearer <token>`",
        },
        (Some(_), Some(_)) => "Send one Authorization header, not several",
    };
    ApiError::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", refused).into_response()
}

/// The token of an `Authorization: Bearer <token>` value. The scheme is case-insensitive and
/// followed by one or more spaces (RFC 9110, section 11.4); the token itself is one word.
fn bearer_token(authorization: &str) -> Option<&str> {
    let (scheme, rest) = authorization.split_once(' ')?;
    let token = rest.trim_start_matches(' ');
    let one_word = !token.is_empty() && !token.contains([' ', '\t', ',']);
    (scheme.eq_ignore_ascii_case("bearer") && one_word).then_some(token)
}

async fn apply_faults(State(shared): AppState, request: Request, next: Next) -> Response {
    let operation = Operation::of(request.method().as_str(), request.uri().path());
    if request.uri().path().starts_with("/_fake") {
        return next.run(request).await;
    }
    let verdict = faults::take(&mut shared.faults(), operation);
    if !verdict.delay.is_zero() {
        tokio::time::sleep(verdict.delay).await;
    }
    match verdict.fault {
        None => next.run(request).await,
        Some(FaultKind::Status {
            status,
            retry_after,
        }) => {
            let (status, message) = match StatusCode::from_u16(status) {
                Ok(s) if s.is_client_error() || s.is_server_error() => {
                    (s, format!("fault injected: {s}"))
                }
                _ => (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("fault injected: 500 ({status} is not an error status)"),
                ),
            };
            let mut response = ApiError::new(status, "FAULT_INJECTED", message).into_response();
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            response
        }
        Some(FaultKind::DropConnection) => {
            let broken = futures_util::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::other(
                    "fault injected: connection dropped",
                ))
            });
            let mut response = Response::new(Body::from_stream(broken));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
        Some(FaultKind::MalformedJson) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"session": {"e2ee": {"crossSigning": tru"#,
        )
            .into_response(),
        Some(FaultKind::UnknownEnum) => {
            let (parts, body) = next.run(request).await.into_parts();
            let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            };
            let patched = match serde_json::from_slice::<Value>(&bytes) {
                Ok(mut value) => {
                    expire_states(&mut value);
                    Body::from(value.to_string())
                }
                Err(_) => Body::from(bytes),
            };
            let mut response = Response::from_parts(parts, patched);
            response.headers_mut().remove(header::CONTENT_LENGTH);
            response
        }
        Some(FaultKind::Latency { .. }) => next.run(request).await,
    }
}

/// Sets the `state` of every verification object in `value` to `"expired"`.
fn expire_states(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.contains_key("availableActions") {
                map.insert("state".to_owned(), json!("expired"));
            }
            map.values_mut().for_each(expire_states);
        }
        Value::Array(items) => items.iter_mut().for_each(expire_states),
        _ => {}
    }
}

async fn not_found(method: Method, uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        format!("no route for {method} {}", uri.path()),
    )
}

pub(crate) async fn method_not_allowed(method: Method, uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        format!("{method} is not allowed on {}", uri.path()),
    )
}

// --- Request paths and bodies ---------------------------------------------------------------

/// The ID in a request path, or a 400 with the API's error body when it cannot be read (a
/// percent-encoding that does not decode to UTF-8).
#[derive(Debug)]
pub(crate) struct PathId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Path::<String>::from_request_parts(parts, state).await {
            Ok(Path(id)) => Ok(Self(id)),
            Err(e) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                e.body_text(),
            )),
        }
    }
}

/// Parses a JSON body. An empty body reads as `{}`, so an optional body may be left out and a
/// required one left out names its missing fields. A malformed or incomplete body is a 422
/// whose `details.issues` names the field.
pub(crate) fn parse_body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    let text: &[u8] = if bytes.is_empty() { b"{}" } else { bytes };
    let mut deserializer = serde_json::Deserializer::from_slice(text);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        // A value at a secret field (the sign-in code, a lead token) is not repeated: serde
        // quotes a value of the wrong type, such as `integer `123456``.
        let at_secret = e.path().iter().any(|segment| {
            matches!(segment, serde_path_to_error::Segment::Map { key }
                if crate::record::SECRET_FIELDS.contains(&key.as_str()))
        });
        let inner = if at_secret {
            hide_value(&e.inner().to_string())
        } else {
            e.inner().to_string()
        };
        let mut path: Vec<Value> = vec![json!("body")];
        path.extend(e.path().iter().filter_map(|segment| match segment {
            serde_path_to_error::Segment::Map { key } => Some(json!(key)),
            serde_path_to_error::Segment::Seq { index } => Some(json!(index)),
            serde_path_to_error::Segment::Enum { variant } => Some(json!(variant)),
            serde_path_to_error::Segment::Unknown => None,
        }));
        // "missing field `data` at line 1 column 2": the field is the one named.
        let named = |prefix: &str| inner.strip_prefix(prefix)?.split('`').nth(1);
        let code = if let Some(field) = named("missing field ") {
            path.push(json!(field));
            "missing_field"
        } else if let Some(field) = named("unknown field ") {
            path.push(json!(field));
            "unrecognized_keys"
        } else if let Some(field) = named("invalid value for field ") {
            path.push(json!(field));
            "invalid_value"
        } else if inner.starts_with("unknown variant") {
            "invalid_enum_value"
        } else if e.inner().is_data() {
            "invalid_type"
        } else {
            "invalid_json"
        };
        let issue = json!({ "code": code, "message": inner, "path": path });
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_ERROR",
            format!("Invalid request body: {inner}"),
        )
        .with_details(json!({ "issues": [issue] }))
    })
}

/// A serde message about a secret field's value, without the value: what was expected, and
/// where.
fn hide_value(message: &str) -> String {
    let expected = message.find(", expected ").map_or("", |at| &message[at..]);
    format!("invalid value (not shown, as the field is a secret){expected}")
}

/// A 422 whose `details.issues` has one issue at `body.field`.
fn invalid(field: &str, code: &str, message: String) -> ApiError {
    let issue = json!({ "code": code, "message": message, "path": ["body", field] });
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_ERROR",
        format!("Invalid request body: {message}"),
    )
    .with_details(json!({ "issues": [issue] }))
}

fn invalid_field(field: &str, message: String) -> ApiError {
    let issue =
        json!({ "code": "invalid_enum_value", "message": message, "path": ["body", field] });
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_ERROR",
        format!("Invalid request body: {message}"),
    )
    .with_details(json!({ "issues": [issue] }))
}

// --- Handlers -------------------------------------------------------------------------------

async fn get_setup(State(shared): AppState) -> Json<wire::AppStateSnapshot> {
    Json(shared.world().session_wire())
}

async fn list(State(shared): AppState) -> Json<wire::VerificationListResponse> {
    Json(shared.world().list_wire())
}

async fn create(
    State(shared): AppState,
    body: Bytes,
) -> ApiResult<wire::VerificationSessionResponse> {
    let params: wire::CreateVerificationRequest = parse_body(&body)?;
    let purpose = match params.purpose {
        Some(p) => Some(
            p.0.parse::<FakePurpose>()
                .map_err(|e| invalid_field("purpose", e.to_string()))?,
        ),
        None => None,
    };
    if let Some(user_id) = &params.user_id
        && user_id.len() > MAX_USER_ID_BYTES
    {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_ERROR",
            format!(
                "Invalid request body: userID is {} bytes long; a Matrix user ID has at most \
                 {MAX_USER_ID_BYTES}",
                user_id.len()
            ),
        )
        .with_details(json!({ "issues": [{
            "code": "too_big",
            "message": format!("at most {MAX_USER_ID_BYTES} bytes"),
            "path": ["body", "userID"],
        }] })));
    }
    let options = NewVerification {
        incoming: false,
        purpose,
        user_id: params.user_id,
        methods: None,
    };
    let id = shared.world().create(options, Instant::now())?;
    shared.changed(&id);
    Ok(Json(shared.world().response(&id)))
}

async fn retrieve(
    State(shared): AppState,
    PathId(id): PathId,
) -> ApiResult<wire::VerificationSessionResponse> {
    let world = shared.world();
    world.get(&id)?;
    Ok(Json(world.response(&id)))
}

/// Applies this device's move to `id` and answers with the verification after it.
fn act(
    shared: &Arc<Shared>,
    id: &str,
    change: impl FnOnce(&mut World) -> Result<(), Refusal>,
) -> ApiResult<wire::VerificationSessionResponse> {
    shared.act(id, change)?;
    Ok(Json(shared.world().response(id)))
}

async fn accept(
    State(shared): AppState,
    PathId(id): PathId,
) -> ApiResult<wire::VerificationSessionResponse> {
    act(&shared, &id, |w| w.accept(&id))
}

async fn cancel(
    State(shared): AppState,
    PathId(id): PathId,
    body: Bytes,
) -> ApiResult<wire::VerificationSessionResponse> {
    let params: wire::CancelVerificationRequest = parse_body(&body)?;
    act(&shared, &id, |w| w.cancel(&id, params.code, params.reason))
}

async fn start_sas(
    State(shared): AppState,
    PathId(id): PathId,
) -> ApiResult<wire::VerificationSessionResponse> {
    act(&shared, &id, |w| w.start_sas(&id))
}

async fn confirm_sas(
    State(shared): AppState,
    PathId(id): PathId,
) -> ApiResult<wire::VerificationSessionResponse> {
    act(&shared, &id, |w| w.confirm_sas(&id))
}

async fn confirm_qr_scanned(
    State(shared): AppState,
    PathId(id): PathId,
) -> ApiResult<wire::VerificationSessionResponse> {
    act(&shared, &id, |w| w.confirm_qr_scanned(&id))
}

async fn scan_qr(
    State(shared): AppState,
    body: Bytes,
) -> ApiResult<wire::VerificationSessionResponse> {
    let params: wire::QrScanRequest = parse_body(&body)?;
    let id = shared.world().scan_peer_qr(&params.data)?;
    shared.changed(&id);
    Ok(Json(shared.world().response(&id)))
}

async fn verify_recovery_key(
    State(shared): AppState,
    body: Bytes,
) -> ApiResult<wire::SessionResponse> {
    let params: wire::RecoveryKeyRequest = parse_body(&body)?;
    let mut world = shared.world();
    world.verify_recovery_key(&params.recovery_key, Instant::now())?;
    Ok(Json(wire::SessionResponse {
        session: world.session_wire(),
    }))
}

async fn reset_recovery_key(
    State(shared): AppState,
    body: Bytes,
) -> ApiResult<wire::RecoveryKeyResetResponse> {
    let params: wire::RecoveryKeyResetRequest = parse_body(&body)?;
    let mut world = shared.world();
    let recovery_key = world.reset_recovery_key(params.existing_recovery_key.as_deref())?;
    Ok(Json(wire::RecoveryKeyResetResponse {
        recovery_key,
        session: world.session_wire(),
    }))
}

async fn confirm_recovery_key_reset(
    State(shared): AppState,
    body: Bytes,
) -> ApiResult<wire::SessionResponse> {
    let params: wire::RecoveryKeyRequest = parse_body(&body)?;
    let mut world = shared.world();
    world.confirm_recovery_key_reset(&params.recovery_key, Instant::now())?;
    Ok(Json(wire::SessionResponse {
        session: world.session_wire(),
    }))
}

// --- Sign-in (public) -------------------------------------------------------------------------

async fn start_setup(State(shared): AppState) -> ApiResult<wire::SetupStartResponse> {
    let mut world = shared.world();
    let state = world.session_state;
    let (setup_request_id, sign_in_methods) = world.sign_in.start(state)?;
    Ok(Json(wire::SetupStartResponse {
        setup_request_id,
        sign_in_methods,
    }))
}

async fn send_setup_email(State(shared): AppState, body: Bytes) -> Result<StatusCode, ApiError> {
    let params: wire::SetupEmailRequest = parse_body(&body)?;
    if !signin::is_email(&params.email) {
        return Err(invalid(
            "email",
            "invalid_string",
            format!(
                "email is not an address such as jane@example.com (at most {} bytes, no spaces)",
                signin::MAX_EMAIL_BYTES
            ),
        ));
    }
    let mut world = shared.world();
    let state = world.session_state;
    world
        .sign_in
        .send_email(state, &params.setup_request_id, &params.email)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in answer: the account with the fake's token, and the session after sign-in.
/// Called with the world locked, right after the session left `needs-login`.
fn complete(shared: &Shared, world: &mut World, user_id: String) -> wire::SetupCompleteResponse {
    world.signed_in(user_id);
    shared.accept_token();
    let session = world.session_wire();
    // Never the default: the state after sign-in is not `needs-login`, so it has an account.
    let account = session
        .matrix
        .clone()
        .unwrap_or_else(|| wire::MatrixAccount {
            device_id: String::new(),
            homeserver: String::new(),
            user_id: String::new(),
        });
    wire::SetupCompleteResponse {
        matrix: wire::MatrixCredentials {
            access_token: shared.token.clone(),
            device_id: account.device_id,
            homeserver: account.homeserver,
            user_id: account.user_id,
        },
        session,
    }
}

async fn finish_setup_sign_in(
    State(shared): AppState,
    body: Bytes,
) -> ApiResult<wire::SetupResponseOutput> {
    let params: wire::SetupResponseRequest = parse_body(&body)?;
    let mut world = shared.world();
    let state = world.session_state;
    let finished = world
        .sign_in
        .finish(state, &params.setup_request_id, &params.response)?;
    Ok(Json(match finished {
        Finished::SignedIn { user_id } => complete(&shared, &mut world, user_id).into(),
        Finished::RegistrationRequired {
            lead_token,
            suggestions,
        } => wire::SetupRegistrationRequiredResponse {
            copy: wire::RegistrationCopy {
                submit: signin::COPY_SUBMIT.to_owned(),
                terms: signin::COPY_TERMS.to_owned(),
                title: signin::COPY_TITLE.to_owned(),
                username_placeholder: signin::COPY_USERNAME_PLACEHOLDER.to_owned(),
            },
            lead_token,
            registration_required: true,
            setup_request_id: params.setup_request_id,
            username_suggestions: suggestions,
        }
        .into(),
    }))
}

async fn register_setup_account(
    State(shared): AppState,
    body: Bytes,
) -> ApiResult<wire::SetupCompleteResponse> {
    let params: wire::SetupRegisterRequest = parse_body(&body)?;
    if !params.accept_terms {
        return Err(invalid(
            "acceptTerms",
            "invalid_literal",
            "acceptTerms must be true: the user must accept the terms to create an account"
                .to_owned(),
        ));
    }
    if !signin::is_username(&params.username) {
        return Err(invalid(
            "username",
            "invalid_string",
            format!(
                "username must be 1 to {} letters, digits, '.', '_', '=' or '-'",
                signin::MAX_USERNAME_BYTES
            ),
        ));
    }
    let mut world = shared.world();
    let state = world.session_state;
    let user_id = world.sign_in.register(
        state,
        &params.setup_request_id,
        &params.lead_token,
        &params.username,
    )?;
    Ok(Json(complete(&shared, &mut world, user_id)))
}

#[cfg(test)]
mod tests {
    use super::{bearer_token, same_secret};

    #[test]
    fn the_bearer_scheme_is_any_case_and_the_token_one_word() {
        assert_eq!(bearer_token("bearer abc"), Some("abc"));
        assert_eq!(bearer_token("BEARER  abc"), Some("abc"));
        for value in [
            "Bearer",
            "Bearer ",
            "Basic abc",
            "Bearerabc",
            "Bearer a b",
            "Bearer a,b",
        ] {
            assert_eq!(bearer_token(value), None, "{value:?}");
        }
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abd", "abc") && !same_secret("ab", "abc"));
    }
}
