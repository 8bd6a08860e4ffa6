//! The fake's own controls under `/_fake/`, for tests and tools that are not written in Rust.
//! Each one calls the same code as the Rust handles ([`Peer`](crate::Peer) and
//! [`FakeServer`](crate::FakeServer)). They need no token.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::faults::Fault;
use crate::http::{ApiError, PathId, parse_body};
use crate::peer::{Peer, PeerRequest};
use crate::record::RecordedRequest;
use crate::session::FakeSessionState;
use crate::shared::PeerMethod;
use crate::shared::Shared;
use crate::signin::OutboxMessage;
use crate::state::{FakePurpose, Refusal};

type AppState = State<Arc<Shared>>;

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/peer/requests", post(request))
        .route(
            "/peer/{id}/accept",
            post(|s: AppState, PathId(id): PathId| peer_move(s, id, |p, id| p.accept(id))),
        )
        .route(
            "/peer/{id}/sas/start",
            post(|s: AppState, PathId(id): PathId| peer_move(s, id, |p, id| p.start_sas(id))),
        )
        .route(
            "/peer/{id}/sas/confirm",
            post(|s: AppState, PathId(id): PathId| peer_move(s, id, |p, id| p.confirm_sas(id))),
        )
        .route(
            "/peer/{id}/qr/scan",
            post(|s: AppState, PathId(id): PathId| peer_move(s, id, |p, id| p.scan_our_qr(id))),
        )
        .route("/peer/{id}/qr", get(peer_qr))
        .route("/peer/{id}/cancel", post(peer_cancel))
        .route("/peer/{id}/fail", post(peer_fail))
        .route("/faults", post(add_fault).delete(clear_faults))
        .route("/requests", get(requests).delete(clear_requests))
        .route("/session", axum::routing::put(set_session))
        .route("/recovery-key", get(recovery_key))
        .route("/outbox", get(outbox).delete(clear_outbox))
        .method_not_allowed_fallback(crate::http::method_not_allowed)
        .layer(axum::middleware::from_fn(crate::guard::json_controls))
}

fn peer(shared: Arc<Shared>) -> Peer {
    Peer { shared }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestBody {
    purpose: Option<FakePurpose>,
    methods: Option<Vec<PeerMethod>>,
}

async fn request(State(shared): AppState, body: Bytes) -> Result<Json<Value>, ApiError> {
    let body: RequestBody = parse_body(&body)?;
    let mut options = PeerRequest::default();
    if let Some(purpose) = body.purpose {
        options = options.purpose(purpose);
    }
    if let Some(methods) = body.methods {
        options = options.methods(&methods);
    }
    Ok(Json(
        json!({ "id": peer(shared).try_request_with(options)? }),
    ))
}

async fn peer_move(
    State(shared): AppState,
    id: String,
    apply: impl FnOnce(&Peer, &str) -> Result<(), Refusal>,
) -> Result<Json<Value>, ApiError> {
    apply(&peer(shared), &id)?;
    Ok(Json(json!({ "ok": true })))
}

async fn peer_qr(State(shared): AppState, PathId(id): PathId) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({ "data": peer(shared).qr_code(&id)? })))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct EndBody {
    code: Option<String>,
    reason: Option<String>,
}

async fn peer_cancel(
    State(shared): AppState,
    PathId(id): PathId,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body: EndBody = parse_body(&body)?;
    peer(shared).cancel(&id, body.code.as_deref(), body.reason.as_deref())?;
    Ok(Json(json!({ "ok": true })))
}

async fn peer_fail(
    State(shared): AppState,
    PathId(id): PathId,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body: EndBody = parse_body(&body)?;
    let code = body.code.as_deref().unwrap_or("m.unexpected_message");
    let reason = body.reason.as_deref().unwrap_or("The verification failed.");
    peer(shared).fail(&id, code, reason)?;
    Ok(Json(json!({ "ok": true })))
}

async fn add_fault(State(shared): AppState, body: Bytes) -> Result<StatusCode, ApiError> {
    let fault: Fault = parse_body(&body)?;
    shared.add_fault(fault)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn clear_faults(State(shared): AppState) -> StatusCode {
    shared.faults().clear();
    StatusCode::NO_CONTENT
}

async fn requests(State(shared): AppState) -> Json<Vec<RecordedRequest>> {
    Json(shared.requests().iter().cloned().collect())
}

async fn clear_requests(State(shared): AppState) -> StatusCode {
    shared.requests().clear();
    StatusCode::NO_CONTENT
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionBody {
    state: FakeSessionState,
}

async fn set_session(State(shared): AppState, body: Bytes) -> Result<StatusCode, ApiError> {
    let body: SessionBody = parse_body(&body)?;
    shared.set_session_state(body.state);
    Ok(StatusCode::NO_CONTENT)
}

/// The account's recovery key in force, for a test that drives the fake from outside: a page
/// in a browser cannot read it (the fake grants no CORS, and refuses foreign hosts).
async fn recovery_key(State(shared): AppState) -> Json<Value> {
    Json(json!({ "recoveryKey": shared.world().recovery_key }))
}

/// The emailed sign-in codes, oldest first, for a test that drives sign-in from outside (the
/// same guard as every control: a page in a browser cannot read it).
async fn outbox(State(shared): AppState) -> Json<Value> {
    let messages: Vec<OutboxMessage> = shared.world().sign_in.outbox().cloned().collect();
    Json(json!({ "messages": messages }))
}

async fn clear_outbox(State(shared): AppState) -> StatusCode {
    shared.world().sign_in.clear_outbox();
    StatusCode::NO_CONTENT
}
