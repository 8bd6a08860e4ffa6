//! The forward-compatible enums: values the server adds later decode and are kept, and the spec
//! never has a value the wrapper's enums do not know (the drift test).

mod common;

use beeper_verification::{Action, Direction, Method, Purpose, SessionState, VerificationState};
use common::{client, fixture_about};
use httpmock::Method::GET;
use httpmock::MockServer;
use openapiv3::{OpenAPI, ReferenceOr, SchemaKind, Type};
use serde_json::json;

#[tokio::test]
async fn every_enum_keeps_a_value_it_has_never_seen() {
    let server = MockServer::start_async().await;
    let mut body = fixture_about("v1");
    body["session"]["state"] = json!("needs-coffee");
    body["verification"]["state"] = json!("expired");
    body["verification"]["availableActions"] = json!(["sas.regenerate", "cancel"]);
    body["verification"]["direction"] = json!("sideways");
    body["verification"]["methods"] = json!(["nfc", "sas"]);
    body["verification"]["purpose"] = json!("recovery");
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup/verifications/v1");
            then.status(200).json_body(body.clone());
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/app/setup");
            then.status(200).json_body(body["session"].clone());
        })
        .await;
    let session = client(&server).session().await.expect("decodes");
    assert!(session.state.is_unknown() && session.state.as_str() == "needs-coffee");
    let v = &client(&server)
        .verification("v1")
        .get()
        .await
        .expect("decodes");
    assert!(v.state.is_unknown() && v.state.as_str() == "expired");
    assert!(
        !v.is_terminal(),
        "an unknown state is not taken for the end"
    );
    assert_eq!(v.available_actions[0].as_str(), "sas.regenerate");
    assert_eq!(v.available_actions[1], Action::Cancel);
    assert_eq!(v.direction.as_str(), "sideways");
    assert_eq!(
        (v.methods[0].as_str(), &v.methods[1]),
        ("nfc", &Method::Sas)
    );
    assert_eq!(v.purpose.to_string(), "recovery");
    // Nothing is lost: the models serialize back to what the server sent.
    assert_eq!(
        serde_json::to_value(v).ok().as_ref(),
        Some(&body["verification"])
    );
    let mut wire = serde_json::to_value(&session).expect("serializes");
    wire["e2ee"]["recoveryKeyGeneratedAt"] = json!(0);
    assert_eq!(wire, body["session"]);
}

/// The known wire values of each of the wrapper's enums, by the spec schema it mirrors.
fn wrapper_enums() -> Vec<(&'static str, &'static [&'static str])> {
    vec![
        ("SessionState", SessionState::KNOWN),
        ("VerificationState", VerificationState::KNOWN),
        ("VerificationAction", Action::KNOWN),
        ("VerificationDirection", Direction::KNOWN),
        ("VerificationMethod", Method::KNOWN),
        ("VerificationPurpose", Purpose::KNOWN),
    ]
}

/// The string enums of the spec's component schemas, by name.
fn spec_enums() -> Vec<(String, Vec<String>)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        // The maintained spec (a link to it, which a package holds as a copy).
        "/tests/fixtures/openapi.yaml"
    );
    let text = std::fs::read_to_string(path).expect("the spec is readable");
    let spec: OpenAPI = serde_yaml::from_str(&text).expect("the spec parses");
    let schemas = spec.components.map(|c| c.schemas).unwrap_or_default();
    schemas
        .into_iter()
        .filter_map(|(name, schema)| match schema {
            ReferenceOr::Item(s) => match s.schema_kind {
                SchemaKind::Type(Type::String(t)) if !t.enumeration.is_empty() => {
                    Some((name, t.enumeration.into_iter().flatten().collect()))
                }
                _ => None,
            },
            ReferenceOr::Reference { .. } => None,
        })
        .collect()
}

#[test]
fn the_spec_has_no_enum_value_the_wrapper_does_not_know() {
    let ours = wrapper_enums();
    let mut drift = Vec::new();
    for (schema, values) in spec_enums() {
        match ours.iter().find(|(name, _)| *name == schema) {
            None => drift.push(format!(
                "spec enum `{schema}` has no typed enum in the wrapper"
            )),
            Some((_, known)) => {
                for value in values.iter().filter(|v| !known.contains(&v.as_str())) {
                    drift.push(format!(
                        "`{schema}` value `{value}` is missing from the wrapper's enum"
                    ));
                }
            }
        }
    }
    assert!(
        drift.is_empty(),
        "the typed layer is behind the spec:\n{}",
        drift.join("\n")
    );
}

#[test]
fn the_wrapper_knows_no_value_the_spec_dropped() {
    let spec = spec_enums();
    for (schema, known) in wrapper_enums() {
        let values = spec
            .iter()
            .find(|(name, _)| name == schema)
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        assert_eq!(known, values, "`{schema}` differs from the spec");
    }
}
