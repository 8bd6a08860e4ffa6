//! Property tests of every parser that reads what a server or a user sends: verification IDs
//! and their path segments, base URLs and their redaction, `Retry-After` and `x-should-retry`,
//! the SAS emoji and decimals, and whole response bodies. Each property holds for any input;
//! none may panic.

use std::time::{Duration, SystemTime};

use beeper_verification_client::types as wire;
use proptest::prelude::*;
use reqwest::header::{HeaderMap, HeaderValue};

use crate::{id, retry, sas};

/// Any text, biased towards the characters that matter in URLs and paths.
fn tricky_text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just(".".to_owned()),
        Just("/".to_owned()),
        Just("%".to_owned()),
        Just("%2e".to_owned()),
        Just("%2F".to_owned()),
        Just("\\".to_owned()),
        Just("?".to_owned()),
        Just("#".to_owned()),
        Just("@".to_owned()),
        Just(":".to_owned()),
        Just(" ".to_owned()),
        "[a-z0-9]{1,4}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(pieces, 0..12).prop_map(|p| p.concat())
}

proptest! {
    /// An accepted ID is sent as exactly one path segment, which decodes back to the ID, and
    /// the path a message shows is the path the generated client sends.
    #[test]
    fn every_accepted_id_is_exactly_one_path_segment(raw in tricky_text()) {
        if let Ok(accepted) = id::check(&raw) {
            let segment = id::path_segment(accepted);
            prop_assert_eq!(&segment, &progenitor_client::encode_path(accepted));
            let url = url::Url::parse(&format!(
                "http://localhost:23373/v1/app/setup/verifications/{segment}/accept"
            ))
            .expect("a URL");
            let segments: Vec<&str> = url.path_segments().expect("segments").collect();
            prop_assert_eq!(segments.len(), 6, "{:?} became {:?}", raw, segments);
            prop_assert_eq!(segments[4], segment.as_str());
            let decoded = percent_encoding::percent_decode_str(segments[4]).decode_utf8();
            prop_assert_eq!(decoded.as_deref().ok(), Some(accepted));
        }
    }

    /// IDs are refused exactly when they are empty, too long, a dot segment, or hold a control
    /// character or a backslash.
    #[test]
    fn ids_are_refused_for_the_stated_reasons_only(raw in tricky_text()) {
        let refused = raw.is_empty()
            || raw.len() > id::MAX_ID_BYTES
            || raw == "."
            || raw == ".."
            || raw.chars().any(char::is_control)
            || raw.contains('\\');
        prop_assert_eq!(id::check(&raw).is_err(), refused);
    }

    /// `Retry-After` never panics, and a number of seconds reads as that many seconds.
    #[test]
    fn retry_after_parses_any_header_value(
        value in "[ -~]{0,40}",
        seconds in 0u32..100_000,
        millis in 0u32..10_000_000,
    ) {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut headers = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert("retry-after", v.clone());
            headers.insert("retry-after-ms", v);
            let _ = retry::parse_retry_after(&headers, now);
            let _ = retry::parse_should_retry(&headers);
        }
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from(seconds));
        prop_assert_eq!(
            retry::parse_retry_after(&headers, now),
            Some(Duration::from_secs(seconds.into()))
        );
        headers.insert("retry-after-ms", HeaderValue::from(millis));
        prop_assert_eq!(
            retry::parse_retry_after(&headers, now),
            Some(Duration::from_millis(millis.into()))
        );
    }

    /// Seven emoji from the Matrix table, joined by any separator the parser knows, read back
    /// as the same seven, with their names; any text at all parses without panicking.
    #[test]
    fn sas_emoji_round_trip_through_any_separator(
        picks in prop::array::uniform7(0usize..64),
        separator in prop_oneof![
            Just(" "), Just(""), Just(", "), Just(" | "), Just("\n"), Just("  ")
        ],
        noise in any::<String>(),
    ) {
        let text: Vec<&str> = picks.iter().map(|&i| sas::SAS_EMOJI[i].0).collect();
        let parsed = sas::parse_emojis(&text.join(separator));
        let symbols: Vec<&str> = parsed.iter().map(|e| e.symbol.as_str()).collect();
        prop_assert_eq!(symbols, text);
        prop_assert!(parsed.iter().all(|e| e.description.is_some()));
        let _ = sas::parse_emojis(&noise);
        let _ = sas::parse_decimals(&noise);
    }

    /// Three numbers read back as themselves, whatever separates them.
    #[test]
    fn sas_decimals_round_trip(
        numbers in prop::array::uniform3(1000u16..=9191),
        separator in prop_oneof![Just(" "), Just(", "), Just("-"), Just(" | ")],
    ) {
        let text = numbers.map(|n| n.to_string()).join(separator);
        prop_assert_eq!(sas::parse_decimals(&text), Some(numbers));
    }

    /// A base URL of any text is accepted or refused without panicking, and a refusal never
    /// shows a password or a query.
    #[test]
    fn base_urls_never_panic_and_never_show_secrets(
        raw in tricky_text(),
        secret in "[A-Za-z0-9]{12}",
    ) {
        for url in [
            raw.clone(),
            format!("http://user:{secret}@{raw}"),
            format!("http://{raw}/?token={secret}"),
            format!("{raw}?{secret}"),
        ] {
            let built = crate::Client::builder().base_url(&url).access_token("t").build();
            if let Err(e) = built {
                let shown = format!("{e} {e:?}");
                prop_assert!(
                    !shown.contains(&secret) || raw.contains(&secret),
                    "{} shows {}",
                    url,
                    shown
                );
            }
        }
    }
}

/// Any JSON value at all, nested a few levels.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        ".{0,8}".prop_map(serde_json::Value::from),
        prop_oneof![
            Just("requested"),
            Just("sas_ready"),
            Just("cancel"),
            Just("sas.confirm"),
            Just("incoming"),
            Just("sas"),
            Just("device"),
            Just("ready"),
        ]
        .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        let keys = prop_oneof![
            Just("id".to_owned()),
            Just("state".to_owned()),
            Just("availableActions".to_owned()),
            Just("direction".to_owned()),
            Just("methods".to_owned()),
            Just("purpose".to_owned()),
            Just("sas".to_owned()),
            Just("emojis".to_owned()),
            Just("session".to_owned()),
            Just("verification".to_owned()),
            Just("items".to_owned()),
            ".{0,6}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            prop::collection::btree_map(keys, inner, 0..10)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    /// Whatever JSON a server sends, decoding it and converting it to this crate's models
    /// either works or is an error: never a panic.
    #[test]
    fn any_json_body_decodes_or_fails_without_panicking(value in json_value()) {
        let text = value.to_string();
        if let Ok(w) = serde_json::from_str::<wire::VerificationSessionResponse>(&text) {
            let response: crate::model::VerificationResponse = w.into();
            if let Some(v) = response.verification {
                let _ = v.next_step();
                if let Some(sas) = v.sas {
                    let _ = sas.to_string();
                }
            }
        }
        if let Ok(w) = serde_json::from_str::<wire::VerificationListResponse>(&text) {
            let items: Vec<crate::Verification> = w.items.into_iter().map(Into::into).collect();
            for v in items {
                let _ = (v.is_terminal(), v.state.as_str().len());
            }
        }
        if let Ok(w) = serde_json::from_str::<wire::AppStateSnapshot>(&text) {
            let _: crate::Session = w.into();
        }
        let _ = serde_json::from_str::<wire::ApiError>(&text);
    }
}
