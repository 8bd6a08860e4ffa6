//! Maintainer tasks for this workspace, run as `cargo xtask <command>`.
//!
//! This file parses arguments only; each command lives in its own module.

mod generate;
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
  help              show this message";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let code = match args.as_slice() {
        ["generate"] => generate::main(false),
        ["generate", "--check"] => generate::main(true),
        ["lint"] => lint_main(),
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
