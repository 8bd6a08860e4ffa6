//! Maintainer tasks for this workspace, run as `cargo xtask <command>`.
//!
//! This file parses arguments only; each command lives in its own module. A usage error (an
//! unknown command or flag, a missing argument) exits 2 before anything runs.

mod diff;
mod generate;
mod import;
mod lint;
mod prepass;
#[cfg(test)]
mod properties;
mod spec;

use clap::{Parser, Subcommand};

/// Maintainer tasks: lint the OpenAPI spec, regenerate the client crate from it, import it from
/// upstream, and say what changed in it.
#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    arg_required_else_help = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Lint the spec, then regenerate the client crate from it.
    Generate {
        /// Write nothing; fail (with a diff) when the committed generated code is stale.
        #[arg(long)]
        check: bool,
    },
    /// Check the spec: operationIds, summaries, tags, one 2xx response, property descriptions,
    /// $refs, path parameters with minLength 1.
    Lint,
    /// Rewrite the spec from Beeper's full published OpenAPI document (JSON or YAML, 3.1 or 3.0):
    /// our operations and what they reach, converted to 3.0.3.
    Import {
        /// The upstream document, a path on disk.
        file: String,
    },
    /// What changed in the spec from the base (old) to the head (new), and whether it breaks
    /// clients built against the base; exits 1 when something breaks or cannot be classified.
    Diff {
        /// The base, the old spec: a git revision (default HEAD) or a file. Same as --base.
        #[arg(value_name = "BASE", conflicts_with = "base")]
        base_positional: Option<String>,
        /// The base, the old spec: a git revision (default HEAD) or a file.
        #[arg(long, value_name = "REV|FILE")]
        base: Option<String>,
        /// The head, the new spec: a git revision or a file (default: the working tree's spec).
        #[arg(long, value_name = "REV|FILE")]
        head: Option<String>,
        /// Print JSON, for tools.
        #[arg(long)]
        json: bool,
    },
}

fn main() {
    let code = match Cli::parse().command {
        Command::Generate { check } => generate::main(check),
        Command::Lint => lint::main(),
        Command::Import { file } => import::main(&file),
        Command::Diff {
            base_positional,
            base,
            head,
            json,
        } => diff::main(base.or(base_positional).as_deref(), head.as_deref(), json),
    };
    std::process::exit(code);
}
