//! `cargo xtask generate [--check]`: the spec → lint → pre-pass → progenitor → prettyplease
//! pipeline that writes the generated client crate.

use std::path::{Path, PathBuf};
use std::time::Instant;

use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use quote::quote;

use crate::spec::{self, SPEC_PATH};

/// The client crate the generator writes into, relative to the workspace root.
pub const CLIENT_CRATE: &str = "crates/beeper-verification-client";

/// One file the generator owns.
#[derive(Debug)]
pub struct GeneratedFile {
    /// Relative to the workspace root, with `/` separators on every platform.
    pub path: String,
    pub contents: String,
}

/// Produces every generated file from the spec at `spec_path`, in memory.
///
/// Deterministic: the same spec gives the same bytes on every run and every machine (progenitor
/// and typify keep ordered maps, and prettyplease has no configuration to vary).
pub fn render(spec_path: &Path, spec_label: &str) -> Result<Vec<GeneratedFile>, String> {
    let mut spec = spec::load(spec_path)?;

    let problems = crate::lint::lint(&spec);
    if !problems.is_empty() {
        return Err(format!("the spec fails lint:\n  {}", problems.join("\n  ")));
    }
    crate::prepass::run(&mut spec.api).map_err(|problems| {
        format!(
            "progenitor cannot generate from this spec:\n  {}",
            problems.join("\n  ")
        )
    })?;

    let operations = format_tokens(operations_table(&spec.api)?)?;
    let client = Generator::new(&settings())
        .generate_tokens(&spec.api)
        .map_err(|e| format!("progenitor failed: {e}"))?;
    let client = format_tokens(client)?;
    check_calls(&spec.api, &client)?;
    // A fresh generator: each one accumulates the types it has seen.
    let mock = sealed_mock_trait(&format_tokens(
        Generator::new(&settings())
            .httpmock(&spec.api, "crate")
            .map_err(|e| format!("progenitor failed on the httpmock helpers: {e}"))?,
    )?)?;

    Ok(vec![
        GeneratedFile {
            path: format!("{CLIENT_CRATE}/src/generated.rs"),
            contents: with_header(
                spec_label,
                "the client: types and one method per operation",
                &client,
            ),
        },
        GeneratedFile {
            path: format!("{CLIENT_CRATE}/src/generated_mock.rs"),
            contents: with_header(
                spec_label,
                "typed httpmock helpers (the `mock` feature)",
                &mock,
            ),
        },
        GeneratedFile {
            path: format!("{CLIENT_CRATE}/src/generated_operations.rs"),
            contents: with_header(
                spec_label,
                "every operation's id, method and path, as data",
                &operations,
            ),
        },
    ])
}

/// The operations of the spec as data: a constant per operation (its operationId, method and
/// path template, named after the operationId) and `ALL`, in the order of their paths. The wrapper, the
/// fake and the tests take names and paths from here, so a renamed path or operation changes
/// them all at the next `generate`, and whatever still names the old one stops compiling.
fn operations_table(api: &openapiv3::OpenAPI) -> Result<proc_macro2::TokenStream, String> {
    let mut constants = Vec::new();
    let mut names = Vec::new();
    let mut entries = Vec::new();
    let mut securities = Vec::new();
    for (path, item) in &api.paths.paths {
        let item = item
            .as_item()
            .ok_or_else(|| format!("path {path}: is a $ref; inline the path item"))?;
        for (method, operation) in item.iter() {
            let id = operation
                .operation_id
                .as_deref()
                .ok_or_else(|| format!("{} {path}: has no operationId", method.to_uppercase()))?;
            let name = quote::format_ident!("{}", screaming_snake(id));
            let doc = format!(
                "`{id}`: `{} {path}`.{}",
                method.to_uppercase(),
                operation
                    .summary
                    .as_deref()
                    .map(|s| format!(" {s}."))
                    .unwrap_or_default()
            );
            let method = method.to_uppercase();
            let call = snake(id);
            constants.push(quote! {
                #[doc = #doc]
                pub const #name: OperationSpec = OperationSpec {
                    id: #id,
                    method: #method,
                    path: #path,
                    call: #call,
                };
            });
            let security = match security_of(api, operation) {
                Security::None => quote! { Security::None },
                Security::Optional => quote! { Security::Optional },
                Security::Bearer => quote! { Security::Bearer },
            };
            securities.push(quote! { #id => #security, });
            let variant = quote::format_ident!("{}", pascal(id));
            let variant_doc = format!("`{method} {path}`");
            entries.push(quote! { #variant = #id, #name, #variant_doc; });
            names.push(name);
        }
    }
    let count = proc_macro2::Literal::usize_unsuffixed(names.len());
    Ok(quote! {
        /// One operation of the API, as the spec names it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct OperationSpec {
            /// The spec's operationId, such as `getVerification`.
            pub id: &'static str,
            /// The HTTP method, in capitals.
            pub method: &'static str,
            /// The path template, with parameters in braces, such as
            /// `/v1/app/setup/verifications/{verificationID}`.
            pub path: &'static str,
            /// The generated client's method for it, such as `get_verification`: also the
            /// `operation_id` of the `OperationInfo` that the method hands its hooks, which is
            /// how [`RequestHooks::expect_operation`](crate::RequestHooks::expect_operation)
            /// tells which operation a call really sends.
            pub call: &'static str,
        }

        /// Whether an operation needs the bearer token, from its `security` in the spec.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Security {
            /// Public (`security: []`): no token is needed, and none should be sent.
            None,
            /// With or without the token (`security: [{}, bearerAuth: []]`), such as the app
            /// state, which is public while signed out.
            Optional,
            /// The bearer token is required.
            Bearer,
        }

        impl OperationSpec {
            /// Whether this operation needs the bearer token, as the spec says.
            ///
            /// ```
            /// use beeper_verification_client::operations::{Security, START_SETUP, GET_SETUP};
            /// assert_eq!(START_SETUP.security(), Security::None);
            /// assert_eq!(GET_SETUP.security(), Security::Optional);
            /// ```
            pub fn security(&self) -> Security {
                match self.id {
                    #(#securities)*
                    _ => Security::Bearer,
                }
            }
        }

        #(#constants)*

        /// Every operation of the spec, in the order of their paths.
        pub const ALL: [OperationSpec; #count] = [#(#names),*];

        /// Hands every operation of the spec to the macro `$callback`, in the order of
        /// [`operations::ALL`](crate::operations::ALL),
        /// so that code elsewhere (the fake's `Operation` enum) is built from this table and
        /// gains a new operation of the spec without a hand edit. For each operation it passes
        /// `Variant = "operationId", CONSTANT, "doc";`: a variant name in `UpperCamelCase`,
        /// the operationId, the name of its constant in this module, and a line of doc.
        ///
        /// ```
        /// macro_rules! names {
        ///     ($($variant:ident = $id:literal, $constant:ident, $doc:literal;)*) => {
        ///         [$($id),*]
        ///     };
        /// }
        /// let names = beeper_verification_client::for_each_operation!(names);
        /// assert_eq!(names[0], beeper_verification_client::operations::ALL[0].id);
        /// ```
        #[macro_export]
        macro_rules! for_each_operation {
            ($callback:ident) => {
                $callback! { #(#entries)* }
            };
        }
    })
}

/// Seals the mock's `MockServerExt`: it has one method per operation and no defaults, so
/// without a seal every new operation of the spec would break a downstream implementation of
/// it (and the API check says so). Only `httpmock::MockServer` implements it.
fn sealed_mock_trait(mock: &str) -> Result<String, String> {
    const TRAIT: &str = "pub trait MockServerExt {";
    if mock.matches(TRAIT).count() != 1 {
        return Err(format!(
            "the httpmock helpers no longer declare `{TRAIT}` once; update sealed_mock_trait"
        ));
    }
    let seal = "\n/// The seal of [`MockServerExt`]: only `httpmock::MockServer` implements it.\n\
                mod sealed {\n    pub trait Sealed {}\n    impl Sealed for ::httpmock::MockServer {}\n}\n";
    Ok(mock.replacen(TRAIT, "pub trait MockServerExt: sealed::Sealed {", 1) + seal)
}

/// How an operation is authorised; mirrors the generated `operations::Security`.
enum Security {
    None,
    Optional,
    Bearer,
}

/// An operation's `security`, or the document's when it has none: an empty list is public, a
/// list with an empty requirement (`{}`) makes the token optional.
fn security_of(api: &openapiv3::OpenAPI, operation: &openapiv3::Operation) -> Security {
    let requirements = operation.security.as_ref().or(api.security.as_ref());
    match requirements {
        None => Security::None,
        Some(list) if list.is_empty() => Security::None,
        Some(list) if list.iter().any(|r| r.is_empty()) => Security::Optional,
        Some(_) => Security::Bearer,
    }
}

/// Each operation's `call` is the name the generated client gives its method and reports to the
/// hooks (`OperationInfo { operation_id }`): a spec whose operationId progenitor spells
/// otherwise (an acronym, a digit) fails here instead of in every call at run time.
fn check_calls(api: &openapiv3::OpenAPI, client: &str) -> Result<(), String> {
    let mut missing = Vec::new();
    for (path, item) in &api.paths.paths {
        let Some(item) = item.as_item() else { continue };
        for (method, operation) in item.iter() {
            let Some(id) = operation.operation_id.as_deref() else {
                continue;
            };
            let call = snake(id);
            if !client.contains(&format!("operation_id: \"{call}\",")) {
                missing.push(format!(
                    "{} {path} (`{id}`): the generated client does not name it `{call}`",
                    method.to_uppercase()
                ));
            }
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the operations table would not match the generated client:\n  {}",
            missing.join("\n  ")
        ))
    }
}

/// `getVerificationSas` → `get_verification_sas`.
fn snake(id: &str) -> String {
    screaming_snake(id).to_ascii_lowercase()
}

/// `getVerificationSas` → `GetVerificationSas`.
fn pascal(id: &str) -> String {
    let mut chars = id.chars();
    chars
        .next()
        .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// `getVerificationSas` → `GET_VERIFICATION_SAS`.
fn screaming_snake(id: &str) -> String {
    let mut out = String::with_capacity(id.len() + 4);
    for (i, c) in id.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

fn settings() -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Positional)
        .with_tag(TagStyle::Merged)
        // The hooks are handwritten, in the client crate's `src/hooks.rs`: the `inner` value of
        // every generated `Client`, called before sending and after the response head arrives,
        // and an `impl ClientHooks` of our own (so no default impl is generated) that caps
        // response bodies.
        .with_hooks(HooksMode::Expected)
        .with_inner_type(quote!(crate::hooks::RequestHooks))
        .with_pre_hook(quote!(crate::hooks::RequestHooks::before_send))
        .with_post_hook(quote!(crate::hooks::RequestHooks::after_response));
    settings
}

fn format_tokens(tokens: proc_macro2::TokenStream) -> Result<String, String> {
    let file: syn::File = syn::parse2(tokens)
        .map_err(|e| format!("progenitor produced code that does not parse: {e}"))?;
    Ok(prettyplease::unparse(&file))
}

fn with_header(spec_label: &str, what: &str, body: &str) -> String {
    format!(
        "// @generated by `cargo xtask generate` from {spec_label}: {what}.\n\
         // Do not edit by hand: change the spec and run `cargo xtask generate`.\n\
         // CI fails when this file differs from what the spec produces (`cargo xtask generate --check`).\n\
         \n{body}"
    )
}

/// The outcome of comparing generated files with the ones on disk.
#[derive(Debug, Default)]
pub struct Staleness {
    /// (path, unified diff from the file on disk to what the spec produces)
    pub stale: Vec<(String, String)>,
}

/// Compares the rendered files with the ones under `root`.
pub fn compare(root: &Path, files: &[GeneratedFile]) -> Staleness {
    let mut out = Staleness::default();
    for file in files {
        let on_disk = std::fs::read_to_string(root.join(&file.path)).unwrap_or_default();
        if on_disk != file.contents {
            out.stale.push((
                file.path.clone(),
                unified_diff(&file.path, &on_disk, &file.contents),
            ));
        }
    }
    out
}

/// A unified diff, cut after `MAX_DIFF_LINES` lines so a wholesale change stays readable.
fn unified_diff(path: &str, old: &str, new: &str) -> String {
    const MAX_DIFF_LINES: usize = 300;
    let diff = similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("a/{path} (committed)"),
            &format!("b/{path} (from the spec)"),
        )
        .to_string();
    let total = diff.lines().count();
    if total <= MAX_DIFF_LINES {
        return diff;
    }
    let mut cut: String = diff
        .lines()
        .take(MAX_DIFF_LINES)
        .flat_map(|l| [l, "\n"])
        .collect();
    cut.push_str(&format!(
        "... ({} more diff lines)\n",
        total - MAX_DIFF_LINES
    ));
    cut
}

/// Entry point of `cargo xtask generate [--check]`. Returns the process exit code.
pub fn main(check: bool) -> i32 {
    let started = Instant::now();
    let root = match spec::workspace_root() {
        Ok(root) => root,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let files = match render(&root.join(SPEC_PATH), SPEC_PATH) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let lines: usize = files.iter().map(|f| f.contents.lines().count()).sum();
    let staleness = compare(&root, &files);
    let elapsed = started.elapsed();

    if check {
        if staleness.stale.is_empty() {
            println!(
                "generated code is fresh: {} files, {lines} lines checked against {SPEC_PATH} in {} ms",
                files.len(),
                elapsed.as_millis()
            );
            return 0;
        }
        for (path, diff) in &staleness.stale {
            eprintln!("stale: {path} differs from what {SPEC_PATH} produces");
            eprintln!("{diff}");
        }
        eprintln!(
            "error: {} generated file(s) are stale; run `cargo xtask generate` and commit the result",
            staleness.stale.len()
        );
        return 1;
    }

    for file in &files {
        let is_stale = staleness.stale.iter().any(|(p, _)| p == &file.path);
        if !is_stale {
            println!("unchanged: {}", file.path);
            continue;
        }
        let target: PathBuf = root.join(&file.path);
        if let Err(e) = std::fs::write(&target, &file.contents) {
            eprintln!("error: cannot write {}: {e}", target.display());
            return 1;
        }
        println!(
            "wrote: {} ({} lines)",
            file.path,
            file.contents.lines().count()
        );
    }
    println!(
        "generated {} files, {lines} lines from {SPEC_PATH} in {} ms",
        files.len(),
        elapsed.as_millis()
    );
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render_maintained() -> Vec<GeneratedFile> {
        let root = spec::this_workspace();
        render(&root.join(SPEC_PATH), SPEC_PATH).expect("the maintained spec generates")
    }

    #[test]
    fn output_is_byte_identical_across_runs() {
        let first = render_maintained();
        let second = render_maintained();
        assert_eq!(first.len(), 3);
        for (a, b) in first.iter().zip(&second) {
            assert_eq!(a.path, b.path);
            assert!(
                a.contents == b.contents,
                "{} differs between two runs",
                a.path
            );
        }
    }

    #[test]
    fn every_file_says_it_is_generated_in_its_first_line() {
        for file in render_maintained() {
            let first = file.contents.lines().next().unwrap_or_default();
            assert!(
                first.starts_with("// @generated by `cargo xtask generate` from openapi/"),
                "{first}"
            );
        }
    }

    #[test]
    fn the_operations_table_names_every_operation_of_the_spec() {
        let files = render_maintained();
        let table = &files[2].contents;
        assert!(
            table.contains("pub const GET_VERIFICATION: OperationSpec"),
            "{table}"
        );
        assert!(
            table.contains("path: \"/v1/app/setup/verifications/{verificationID}/sas/confirm\"")
        );
        // One constant per operation, and ALL holds each.
        let count = table.matches(": OperationSpec = OperationSpec {").count();
        assert!(count >= 10, "{table}");
        assert!(
            table.contains(&format!("pub const ALL: [OperationSpec; {count}]")),
            "{table}"
        );
        assert_eq!(
            screaming_snake("confirmVerificationQrScanned"),
            "CONFIRM_VERIFICATION_QR_SCANNED"
        );
        assert!(table.contains("call: \"confirm_verification_qr_scanned\","));
        // Security comes from each operation's own list, else the document's.
        let flat_table = table.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat_table.contains("\"startSetup\" => Security::None,"),
            "{table}"
        );
        assert!(
            flat_table.contains("\"getSetup\" => Security::Optional,"),
            "{table}"
        );
        assert!(
            flat_table.contains("\"getVerification\" => Security::Bearer,"),
            "{table}"
        );
        // The fake's enum is built from the table: one entry per operation.
        let flat = table.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat.contains("GetVerification = \"getVerification\", GET_VERIFICATION"),
            "{table}"
        );
        assert_eq!(
            flat.matches(", \"`").count(),
            count,
            "one macro entry per operation: {table}"
        );
    }

    #[test]
    fn the_mock_trait_is_sealed_so_a_new_operation_breaks_no_one() {
        let files = render_maintained();
        let mock = &files[1].contents;
        assert!(
            mock.contains("pub trait MockServerExt: sealed::Sealed {"),
            "{mock}"
        );
        assert!(mock.contains("impl Sealed for ::httpmock::MockServer {}"));
        assert!(sealed_mock_trait("pub struct Nothing;").is_err());
    }

    #[test]
    fn a_call_name_the_client_does_not_use_fails_the_generation() {
        let spec = spec::parse(&spec::test_doc(
            "/qr:\n  get:\n    operationId: getQRCode\n    responses: {'200': {description: ok}}",
            "",
        ))
        .expect("parses");
        // progenitor spells the acronym as one word; the table's rule would not.
        let err =
            check_calls(&spec.api, "operation_id: \"get_qr_code\",").expect_err("the names differ");
        assert!(err.contains("`get_q_r_code`"), "{err}");
        assert_eq!(
            check_calls(&spec.api, "operation_id: \"get_q_r_code\","),
            Ok(())
        );
    }

    #[test]
    fn spec_enums_reach_the_client_as_plain_strings() {
        let files = render_maintained();
        let client = &files[0].contents;
        assert!(client.contains("pub struct VerificationState(pub ::std::string::String);"));
        assert!(!client.contains("pub enum VerificationState"));
    }

    #[test]
    fn date_time_and_uuid_fields_reach_the_client_as_strings() {
        // The generated field was `chrono::DateTime`, which the client crate does not depend
        // on: `generate` then `cargo check` failed after importing a date-time field.
        let text = std::fs::read_to_string(spec::this_workspace().join(SPEC_PATH))
            .expect("the maintained spec");
        let mut doc: serde_json::Value = serde_yaml::from_str(&text).expect("yaml");
        let props = doc
            .pointer_mut("/components/schemas/Verification/properties")
            .and_then(serde_json::Value::as_object_mut)
            .expect("Verification's properties");
        for (name, format) in [("createdAt", "date-time"), ("day", "date"), ("uid", "uuid")] {
            props.insert(
                name.into(),
                serde_json::json!({ "type": "string", "format": format, "description": "d" }),
            );
        }
        let dir = std::env::temp_dir().join(format!("xtask-formats-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("spec.json");
        std::fs::write(&path, doc.to_string()).expect("write");
        let files = render(&path, "spec.json");
        let _ = std::fs::remove_dir_all(&dir);
        let client = &files.expect("generates")[0].contents;
        for crate_name in ["::chrono::", "::uuid::"] {
            assert!(
                !client.contains(crate_name),
                "{crate_name} in the generated client"
            );
        }
        assert!(
            client.contains("pub created_at: ::std::option::Option<::std::string::String>,"),
            "createdAt is no string"
        );
        assert!(client.contains("Format: `date-time`, sent as a string."));
    }

    #[test]
    fn error_details_that_allow_any_value_decode_any_value() {
        // Upstream's `details` is an `anyOf` with an unconstrained member; typify made it a
        // struct of flattened options, and a `details` that is a string failed to decode.
        let text = std::fs::read_to_string(spec::this_workspace().join(SPEC_PATH))
            .expect("the maintained spec");
        let mut doc: serde_json::Value = serde_yaml::from_str(&text).expect("yaml");
        doc["components"]["schemas"]["ApiError"]["properties"]["details"] = serde_json::json!({
            "description": "Additional error details.", "anyOf": [
                { "type": "object", "required": ["issues"], "properties": {
                    "issues": { "type": "array", "description": "d",
                        "items": { "type": "object" } } } },
                { "type": "object", "additionalProperties": true },
                {},
                { "nullable": true } ] });
        let dir = std::env::temp_dir().join(format!("xtask-details-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("spec.json");
        std::fs::write(&path, doc.to_string()).expect("write");
        let files = render(&path, "spec.json");
        let _ = std::fs::remove_dir_all(&dir);
        let client = &files.expect("generates")[0].contents;
        assert!(
            client.contains("pub details: ::std::option::Option<::serde_json::Value>,"),
            "details is no untyped value"
        );
        assert!(!client.contains("ApiErrorDetails"));
    }

    #[test]
    fn compare_reports_a_changed_file_with_a_diff() {
        let dir = std::env::temp_dir().join(format!("xtask-compare-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("src")).expect("temp dir");
        std::fs::write(dir.join("src/a.rs"), "one\ntwo\n").expect("write");
        let files = vec![
            GeneratedFile {
                path: "src/a.rs".into(),
                contents: "one\nTWO\n".into(),
            },
            GeneratedFile {
                path: "src/missing.rs".into(),
                contents: "x\n".into(),
            },
        ];
        let staleness = compare(&dir, &files);
        let _ = std::fs::remove_dir_all(&dir);
        let paths: Vec<&str> = staleness.stale.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, ["src/a.rs", "src/missing.rs"]);
        assert!(
            staleness.stale[0].1.contains("-two\n+TWO\n"),
            "{}",
            staleness.stale[0].1
        );
    }

    #[test]
    fn a_spec_that_fails_lint_is_not_generated() {
        let dir = std::env::temp_dir().join(format!("xtask-lint-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("spec.yaml");
        let doc = spec::test_doc(
            "/x:\n  get:\n    operationId: x\n    responses: {'200': {description: ok}}",
            "",
        );
        std::fs::write(&path, doc).expect("write");
        let err = render(&path, "spec.yaml").expect_err("fails lint");
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            err.contains("fails lint") && err.contains("has no summary"),
            "{err}"
        );
    }
}
