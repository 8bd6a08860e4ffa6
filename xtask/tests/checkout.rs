//! `cargo xtask` acts on the checkout it is run in, found from the current directory: never on
//! the one its binary was compiled in (with a shared `CARGO_TARGET_DIR`, one binary serves
//! several checkouts).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SPEC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../openapi/beeper-verification.yaml"
);

/// A scratch checkout: a workspace manifest, an `xtask` crate manifest and a spec; removed when
/// dropped.
struct Checkout(PathBuf);

impl Checkout {
    fn new(name: &str, spec: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("xtask-checkout-{}-{name}", std::process::id()));
        std::fs::create_dir_all(dir.join("xtask")).expect("create the scratch checkout");
        std::fs::create_dir_all(dir.join("openapi")).expect("create its openapi folder");
        std::fs::write(
            dir.join("Cargo.toml"),
            "[workspace]\nmembers = [\"xtask\"]\n",
        )
        .expect("write its workspace manifest");
        std::fs::write(
            dir.join("xtask/Cargo.toml"),
            "[package]\nname = \"xtask\"\n",
        )
        .expect("write its xtask manifest");
        std::fs::write(dir.join("openapi/beeper-verification.yaml"), spec).expect("write its spec");
        Self(dir)
    }

    fn spec(&self) -> PathBuf {
        self.0.join("openapi/beeper-verification.yaml")
    }
}

impl Drop for Checkout {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn xtask(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run xtask")
}

fn maintained() -> String {
    std::fs::read_to_string(SPEC).expect("read the maintained spec")
}

/// The maintained spec without one of its operations: a spec that differs on the wire.
fn another_spec() -> String {
    let mut spec: serde_json::Value =
        serde_yaml::from_str(&maintained()).expect("the maintained spec parses");
    if let Some(serde_json::Value::Object(paths)) = spec.get_mut("paths") {
        paths.remove("/v1/app/setup/verifications/qr/scan");
    }
    serde_yaml::to_string(&spec).expect("YAML")
}

#[test]
fn diff_reads_the_spec_of_the_checkout_it_runs_in() {
    // The scratch checkout's spec lacks an operation the compiled-in checkout's has. Compared
    // with itself, it is "No changes."; compared with the compiled-in one, a removal.
    let checkout = Checkout::new("diff", &another_spec());
    let base = checkout.spec();
    let base = base.to_str().expect("a UTF-8 temporary path");
    let output = xtask(&["diff", "--base", base], &checkout.0);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("No changes."), "{stdout}");
}

#[test]
fn import_writes_the_spec_of_the_checkout_it_runs_in() {
    let before = maintained();
    let checkout = Checkout::new("import", "");
    let upstream = checkout.0.join("upstream.yaml");
    std::fs::write(&upstream, &before).expect("write the upstream document");
    let upstream = upstream.to_str().expect("a UTF-8 temporary path");
    let output = xtask(&["import", upstream], &checkout.0);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let written = std::fs::read_to_string(checkout.spec()).expect("the scratch spec");
    assert!(written.contains("/v1/app/setup/verifications"), "{written}");
    assert_eq!(
        maintained(),
        before,
        "the compiled-in checkout's spec is untouched"
    );
}

#[test]
fn outside_a_checkout_nothing_runs() {
    let dir = std::env::temp_dir().join(format!("xtask-nowhere-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create a scratch folder");
    let output = xtask(&["lint"], &dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not inside this workspace"), "{stderr}");
}
