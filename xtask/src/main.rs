//! Maintainer tasks for this workspace, run as `cargo xtask <command>`.
//!
//! This file parses arguments only; each command lives in its own module.

mod diff;
mod generate;
mod import;
mod lint;
mod prepass;
mod spec;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  generate          lint the spec, then regenerate the client crate from it
  generate --check  fail (with a diff) when the committed generated code is stale
  lint              check the spec: operationIds, summaries, tags, one 2xx response,
                    property descriptions, $refs, path parameters with minLength 1
  import FILE       rewrite the spec from Beeper's full published OpenAPI document (JSON or
                    YAML, 3.1 or 3.0): our operations, what they reach, converted to 3.0.3
  diff [BASE] [--json]
                    what changed in the spec since BASE (a git revision, default HEAD, or a
                    file), and whether it breaks clients; exits 1 when something breaks
  help              show this message";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let code = match args.as_slice() {
        ["generate"] => generate::main(false),
        ["generate", "--check"] => generate::main(true),
        ["lint"] => lint_main(),
        ["import", file] => import_main(file),
        ["diff"] => diff::main(None, false),
        ["diff", "--json"] => diff::main(None, true),
        ["diff", base] => diff::main(Some(base), false),
        ["diff", base, "--json"] | ["diff", "--json", base] => diff::main(Some(base), true),
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            0
        }
        _ => {
            eprintln!("{USAGE}");
            2
        }
    };
    std::process::exit(code);
}

fn lint_main() -> i32 {
    let path = spec::workspace_root().join(spec::SPEC_PATH);
    let spec = match spec::load(&path) {
        Ok(spec) => spec,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let problems = lint::lint(&spec);
    if problems.is_empty() {
        println!("{}: no problems", spec::SPEC_PATH);
        return 0;
    }
    for p in &problems {
        eprintln!("{}: {p}", spec::SPEC_PATH);
    }
    eprintln!("error: {} problem(s)", problems.len());
    1
}

fn import_main(file: &str) -> i32 {
    let upstream = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: cannot read {file}: {e}");
            return 1;
        }
    };
    let target = spec::workspace_root().join(spec::SPEC_PATH);
    let ours = std::fs::read_to_string(&target).ok();
    match import::import(&upstream, ours.as_deref()) {
        Ok(yaml) => match std::fs::write(&target, yaml) {
            Ok(()) => {
                println!(
                    "wrote {} from {file}; next: `cargo xtask diff`, then `cargo xtask generate`",
                    spec::SPEC_PATH
                );
                0
            }
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", target.display());
                1
            }
        },
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}
