//! The check can fail: an unknown enum value, a body that is not JSON, a renamed field in a copy
//! of the spec, hand-made bodies outside the contract, the fake's own guards.

use axum::http::{HeaderMap, HeaderValue, header};
use beeper_verification_fake::{Fault, Operation};
use serde_json::{Value, json};

use crate::check::check;
use crate::proxy::Exchange;
use crate::schema::{Contract, SPEC};
use crate::{create, fake, raw_client, setup};

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
        "../../../crates/beeper-verification/tests/fixtures/verification-response.json"
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
