//! Workspace-level end-to-end tests live in `tests/tests/`. This library holds no code; it
//! compiles the examples of the crates' READMEs that need more than one crate of the workspace.

/// The fake server's README: a downstream test against the fake, through the wrapper.
#[cfg(doctest)]
#[doc = include_str!("../../crates/beeper-verification-fake/README.md")]
struct FakeReadme;

/// The workspace's README, where a newcomer starts: its Rust examples compile.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct WorkspaceReadme;
