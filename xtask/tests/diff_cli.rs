//! `cargo xtask diff` end to end, on scratch copies of the maintained spec: each edit that used
//! to pass as "No changes." now fails the run with a line that names it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

const SPEC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../openapi/beeper-verification.yaml"
);

/// A folder of its own under the system's temporary folder, removed when dropped: `work`, the
/// folder xtask runs in, inside a scratch checkout (a workspace manifest and an `xtask` crate
/// manifest), since xtask acts on the checkout it runs in.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let checkout =
            std::env::temp_dir().join(format!("xtask-diff-{}-{name}", std::process::id()));
        let dir = checkout.join("work");
        std::fs::create_dir_all(&dir).expect("create a scratch folder");
        std::fs::create_dir_all(checkout.join("xtask")).expect("create a scratch folder");
        std::fs::write(checkout.join("Cargo.toml"), "[workspace]\n").expect("write a manifest");
        std::fs::write(checkout.join("xtask/Cargo.toml"), "[package]\n").expect("write one");
        Self(dir)
    }

    fn checkout(&self) -> &Path {
        self.0.parent().unwrap_or(&self.0)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(self.checkout());
    }
}

fn maintained() -> Value {
    let text = std::fs::read_to_string(SPEC).expect("read the maintained spec");
    serde_yaml::from_str(&text).expect("the maintained spec parses")
}

fn xtask(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run xtask")
}

/// Runs `diff --base <the maintained spec> --head <it after edit>`: (exit code, stdout).
fn diff_after(name: &str, edit: impl FnOnce(&mut Value)) -> (i32, String) {
    let scratch = Scratch::new(name);
    let mut spec = maintained();
    edit(&mut spec);
    let head = scratch.0.join("head.json");
    std::fs::write(&head, spec.to_string()).expect("write the edited spec");
    let head = head.to_str().expect("a UTF-8 temporary path");
    let output = xtask(&["diff", "--base", SPEC, "--head", head], &scratch.0);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    (output.status.code().unwrap_or(-1), stdout)
}

fn at<'a>(spec: &'a mut Value, pointer: &str) -> &'a mut Value {
    spec.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("the maintained spec has nothing at {pointer}"))
}

const SCHEMAS: &str = "/components/schemas";

/// The maintained spec's operations: all of them, and those without a `security` of their own
/// (which follow the document's).
fn operation_counts() -> (usize, usize) {
    let spec = maintained();
    let operations: Vec<&Value> = spec["paths"]
        .as_object()
        .into_iter()
        .flat_map(|paths| paths.values())
        .filter_map(Value::as_object)
        .flat_map(|item| item.iter())
        .filter(|(method, _)| *method != "parameters")
        .map(|(_, op)| op)
        .collect();
    let default_security = operations
        .iter()
        .filter(|op| op.get("security").is_none())
        .count();
    (operations.len(), default_security)
}
const CONFIRM_SAS: &str =
    "/paths/~1v1~1app~1setup~1verifications~1{verificationID}~1sas~1confirm/post";
const VERIFICATIONS: &str = "/paths/~1v1~1app~1setup~1verifications";

#[track_caller]
fn assert_fails_naming(name: &str, edit: impl FnOnce(&mut Value), line: &str) {
    let (code, out) = diff_after(name, edit);
    assert_eq!(code, 1, "{name}: exit code\n{out}");
    assert!(out.contains(line), "{name}: no line with `{line}`:\n{out}");
}

#[test]
fn the_bearer_scheme_replaced_by_an_api_key_header_breaks() {
    assert_fails_naming(
        "security",
        |spec| {
            at(spec, "/components/securitySchemes")["apiKeyAuth"] =
                json!({ "type": "apiKey", "in": "header", "name": "X-API-Key" });
            spec["security"] = json!([{ "apiKeyAuth": [] }]);
        },
        &format!(
            "BREAKING    security: required security changed from bearerAuth to apiKeyAuth ({} operations)",
            operation_counts().1
        ),
    );
}

#[test]
fn a_required_query_parameter_added_breaks() {
    assert_fails_naming(
        "query",
        |spec| {
            at(spec, &format!("{VERIFICATIONS}/get"))["parameters"] = json!([
                { "name": "limit", "in": "query", "required": true, "schema": { "type": "integer" } }
            ]);
        },
        "BREAKING    query parameter limit: required parameter added (listVerifications)",
    );
}

#[test]
fn a_tighter_path_parameter_breaks() {
    assert_fails_naming(
        "path",
        |spec| {
            *at(
                spec,
                "/components/parameters/VerificationID/schema/minLength",
            ) = json!(8)
        },
        "BREAKING    path parameter verificationID: `minLength` 1 -> 8: the server accepts fewer values",
    );
}

#[test]
fn a_required_response_field_turned_nullable_breaks() {
    assert_fails_naming(
        "nullable",
        |spec| {
            at(
                spec,
                &format!("{SCHEMAS}/MatrixAccount/properties/deviceID"),
            )["nullable"] = json!(true);
        },
        "BREAKING    session.matrix.deviceID: required field became nullable",
    );
}

#[test]
fn a_field_removed_from_the_error_body_breaks() {
    assert_fails_naming(
        "error-body",
        |spec| {
            let api_error = at(spec, &format!("{SCHEMAS}/ApiError"));
            api_error["properties"]
                .as_object_mut()
                .expect("properties")
                .remove("code");
            api_error["required"] = json!(["message"]);
        },
        &format!(
            "BREAKING    code: required field removed (8 error responses of {} operations)",
            operation_counts().0
        ),
    );
}

#[test]
fn a_swapped_response_body_is_one_line() {
    let (code, out) = diff_after("swap", |spec| {
        at(
            spec,
            &format!("{CONFIRM_SAS}/responses/200/content/application~1json"),
        )["schema"] = json!({ "$ref": "#/components/schemas/AppStateSnapshot" });
    });
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("BREAKING    200 response: body changed from VerificationSessionResponse to AppStateSnapshot"),
        "{out}"
    );
    assert!(out.contains("(confirmVerificationSas)"), "{out}");
    assert!(out.contains("1 change(s), 1 breaking"), "{out}");
}

#[test]
fn status_200_to_201_says_whom_it_breaks() {
    let (code, out) = diff_after("201", |spec| {
        let responses = at(spec, &format!("{CONFIRM_SAS}/responses"))
            .as_object_mut()
            .expect("responses");
        let ok = responses.remove("200").expect("a 200 response");
        responses.insert("201".into(), ok);
    });
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("success status changed from 200 to 201 (confirmVerificationSas); breaks direct users of the generated crate only"),
        "{out}"
    );
}

#[test]
fn an_optional_request_field_added_passes() {
    let (code, out) = diff_after("optional", |spec| {
        at(
            spec,
            &format!("{SCHEMAS}/CreateVerificationRequest/properties"),
        )["note"] = json!({ "type": "string", "description": "A note." });
    });
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("compatible  note: optional field added (createVerification)"),
        "{out}"
    );
}

#[test]
fn the_output_names_the_sides() {
    let (code, out) = diff_after("same", |_| {});
    assert_eq!(code, 0, "{out}");
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some(format!("base (old): the file {SPEC}").as_str())
    );
    assert!(
        lines
            .next()
            .is_some_and(|l| l.starts_with("head (new): the file "))
    );
    assert!(out.ends_with("No changes.\n"), "{out}");
}

#[test]
fn an_unknown_flag_is_a_usage_error_and_writes_nothing() {
    let scratch = Scratch::new("flag");
    let output = xtask(&["diff", "--output=x"], &scratch.0);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--output"));
    let written: Vec<_> = std::fs::read_dir(&scratch.0)
        .expect("read the scratch folder")
        .collect();
    assert!(written.is_empty(), "{written:?}");
}

#[test]
fn a_revision_that_looks_like_an_option_reaches_git_as_a_revision() {
    let scratch = Scratch::new("rev");
    let output = xtask(&["diff", "--", "--output=x"], &scratch.0);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("`--output=x` is neither a file nor a git revision"),
        "{stderr}"
    );
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for dir in [&scratch.0, scratch.checkout(), &workspace] {
        assert!(
            !dir.join("x").exists(),
            "git wrote {}",
            dir.join("x").display()
        );
    }
}

#[test]
fn a_side_that_is_not_openapi_3_0_is_refused() {
    // Read by 3.0 rules, a 3.1 `type: [string, "null"]` changed to `[integer, "null"]` passed as
    // "No changes.", and so did two files that are no spec at all.
    let scratch = Scratch::new("version");
    let mut base = maintained();
    base["openapi"] = json!("3.1.0");
    let mut head = base.clone();
    head["components"]["schemas"]["MatrixAccount"]["properties"]["deviceID"]["type"] =
        json!(["integer", "null"]);
    let write = |name: &str, doc: &Value| {
        let path = scratch.0.join(name);
        std::fs::write(&path, doc.to_string()).expect("write a scratch spec");
        path.to_str().expect("a UTF-8 temporary path").to_owned()
    };
    let (base, head) = (write("base.json", &base), write("head.json", &head));
    let other = write("other.json", &json!({ "a": 1 }));
    for (args, side) in [
        (
            ["diff", "--base", SPEC, "--head", head.as_str()],
            "the head",
        ),
        (
            ["diff", "--base", base.as_str(), "--head", SPEC],
            "the base",
        ),
        (
            ["diff", "--base", other.as_str(), "--head", other.as_str()],
            "the base",
        ),
    ] {
        let output = xtask(&args, &scratch.0);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.starts_with(&format!("error: {side} (the file ")),
            "{stderr}"
        );
    }
}
