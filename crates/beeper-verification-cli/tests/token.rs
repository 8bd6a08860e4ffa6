//! The stored access token: read by every command when no other token is given, after
//! `--token`/`--token-file` and `BEEPER_ACCESS_TOKEN`; refused when others may read it;
//! forgotten with `forget-token`; never printed. Each test has a configuration folder of its
//! own (`XDG_CONFIG_HOME`, or `HOME`).

mod common;

use std::path::{Path, PathBuf};

use beeper_verification_fake::FakeServer;
use common::{Run, TempDir, TempFile, fake, finish};

/// Where the program keeps the token under the configuration folder `config`.
fn token_path(config: &Path) -> PathBuf {
    config.join("beeper-verify").join("token")
}

/// Stores `token` as the program would: its own folder, mode 0600.
fn store(config: &Path, token: &str) -> PathBuf {
    let path = token_path(config);
    std::fs::create_dir_all(path.parent().expect("a folder")).expect("created");
    std::fs::write(&path, format!("{token}\n")).expect("written");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        let folder = path.parent().expect("a folder");
        std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    }
    path
}

/// `args` against `server` (when given) with `config` as the configuration folder, the token
/// in the environment when `env_token` is given.
async fn run_in(
    config: &Path,
    server: Option<&FakeServer>,
    env_token: Option<&str>,
    args: &[&str],
) -> Run {
    let mut command = common::command(args);
    command.env("XDG_CONFIG_HOME", config);
    if let Some(server) = server {
        command.env("BEEPER_BASE_URL", server.base_url());
    }
    if let Some(token) = env_token {
        command.env("BEEPER_ACCESS_TOKEN", token);
    }
    finish(command, "").await
}

fn assert_never_shown(run: &Run, secret: &str) {
    assert!(
        !run.stdout.contains(secret) && !run.stderr.contains(secret),
        "the token was printed: {run:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stored_token_is_used_when_no_other_is_given() {
    let server = fake().await;
    let config = TempDir::new("config");
    store(config.path(), server.token());
    let status = run_in(config.path(), Some(&server), None, &["status"]).await;
    assert_eq!(status.code, 0, "{status:?}");
    assert_never_shown(&status, server.token());
    // Without XDG_CONFIG_HOME, in HOME's .config.
    let home = TempDir::new("home");
    store(&home.path().join(".config"), server.token());
    let mut command = common::command(&["--json", "status"]);
    command
        .env_remove("XDG_CONFIG_HOME")
        .env("HOME", home.path())
        .env("BEEPER_BASE_URL", server.base_url());
    let status = finish(command, "").await;
    assert_eq!(status.code, 0, "{status:?}");
    assert_eq!(status.json()["state"], "needs-verification");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_option_and_the_environment_come_before_the_stored_token() {
    let server = fake().await;
    let config = TempDir::new("config");
    // A stale stored token: the environment's wins.
    store(config.path(), "stale-stored-token");
    let status = run_in(
        config.path(),
        Some(&server),
        Some(server.token()),
        &["status"],
    )
    .await;
    assert_eq!(status.code, 0, "{status:?}");
    // And --token-file over the environment.
    let file = TempFile::new("token", server.token());
    let status = run_in(
        config.path(),
        Some(&server),
        Some("stale-env-token"),
        &["status", "--token-file", &file.path()],
    )
    .await;
    assert_eq!(status.code, 0, "{status:?}");
    // The good token stored, a stale one in the environment: the environment's is used.
    store(config.path(), server.token());
    let refused = run_in(
        config.path(),
        Some(&server),
        Some("stale-env-token"),
        &["status"],
    )
    .await;
    assert_eq!(refused.code, 1, "{refused:?}");
    assert_never_shown(&refused, "stale-env-token");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_stored_token_says_how_to_forget_it() {
    let server = fake().await;
    let config = TempDir::new("config");
    let path = store(config.path(), "revoked-stored-token");
    let refused = run_in(config.path(), Some(&server), None, &["status"]).await;
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused.stderr.contains("refused the stored token")
            && refused.stderr.contains(&path.display().to_string())
            && refused.stderr.contains("forget-token"),
        "{refused:?}"
    );
    assert_never_shown(&refused, "revoked-stored-token");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_stored_token_others_may_read_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let server = fake().await;
    let config = TempDir::new("config");
    let path = store(config.path(), server.token());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let refused = run_in(config.path(), Some(&server), None, &["status"]).await;
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(
        refused.stderr.contains("other users")
            && refused
                .stderr
                .contains(&format!("chmod 600 {}", path.display())),
        "{refused:?}"
    );
    assert!(server.requests().is_empty(), "nothing was sent");
    assert_never_shown(&refused, server.token());
    // --json: one JSON error.
    let refused = run_in(config.path(), Some(&server), None, &["--json", "status"]).await;
    assert_eq!(refused.json()["error"]["exitCode"], 2, "{refused:?}");
}

/// A symlink at the token's path, a folder others may write in, and a file far larger than a
/// token are each refused (exit code 2), with what to do, and nothing is sent.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_stored_token_through_a_symlink_in_an_open_folder_or_too_large_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let server = fake().await;
    let config = TempDir::new("config");
    let path = store(config.path(), server.token());
    let folder = path.parent().expect("a folder").to_owned();

    // A symlink to a private file of the right mode: still refused.
    let target = folder.join("elsewhere");
    std::fs::rename(&path, &target).expect("moved");
    std::os::unix::fs::symlink(&target, &path).expect("linked");
    let refused = run_in(config.path(), Some(&server), None, &["status"]).await;
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(
        refused.stderr.contains("is a symbolic link") && refused.stderr.contains("forget-token"),
        "{refused:?}"
    );
    assert_never_shown(&refused, server.token());
    std::fs::remove_file(&path).expect("unlinked");
    std::fs::rename(&target, &path).expect("moved back");

    // A folder others may write in.
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let refused = run_in(config.path(), Some(&server), None, &["status"]).await;
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(
        refused.stderr.contains("may be changed by other users")
            && refused
                .stderr
                .contains(&format!("chmod 700 {}", folder.display())),
        "{refused:?}"
    );
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o700)).expect("chmod");

    // Far larger than a token (and under the 64 KiB of a --token-file).
    std::fs::write(&path, format!("{}\n", "t".repeat(20 * 1024))).expect("written");
    let refused = run_in(config.path(), Some(&server), None, &["status"]).await;
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(
        refused.stderr.contains("holds more than 16384 bytes"),
        "{refused:?}"
    );
    assert!(server.requests().is_empty(), "nothing was sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_token_says_where_a_stored_one_would_be() {
    let server = fake().await;
    let config = TempDir::new("config");
    let missing = run_in(config.path(), Some(&server), None, &["list"]).await;
    assert_eq!(missing.code, 2, "{missing:?}");
    assert!(
        missing.stderr.starts_with(&format!(
            "error: no access token: none was given, BEEPER_ACCESS_TOKEN is not set, and none \
             is stored in {}\n",
            token_path(config.path()).display()
        )),
        "{missing:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn forget_token_deletes_the_stored_token_and_says_where_it_was() {
    let server = fake().await;
    let config = TempDir::new("config");
    let path = store(config.path(), server.token());
    let shown = path.display().to_string();
    let forgot = run_in(config.path(), None, None, &["forget-token"]).await;
    assert_eq!(forgot.code, 0, "{forgot:?}");
    assert!(forgot.stdout.contains(&shown), "{forgot:?}");
    assert!(!path.exists());
    assert_never_shown(&forgot, server.token());
    // The next command has no token.
    let status = run_in(config.path(), Some(&server), None, &["status"]).await;
    assert_eq!(status.code, 2, "{status:?}");
    // None stored: it says so, and where it would be, and succeeds.
    let again = run_in(config.path(), None, None, &["forget-token"]).await;
    assert_eq!(again.code, 0, "{again:?}");
    assert!(
        again.stdout.contains("No access token is stored") && again.stdout.contains(&shown),
        "{again:?}"
    );
    let json = run_in(config.path(), None, None, &["--json", "forget-token"]).await;
    assert_eq!(json.code, 0, "{json:?}");
    assert_eq!(json.json()["removed"], false);
    assert_eq!(json.json()["path"], shown.as_str());
    // It takes no connection options.
    let refused = run_in(config.path(), None, None, &["forget-token", "--token", "t"]).await;
    assert_eq!(refused.code, 2, "{refused:?}");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn forget_token_deletes_a_symlink_not_its_target() {
    let config = TempDir::new("config");
    let target = config.path().join("elsewhere");
    std::fs::write(&target, "keep me\n").expect("written");
    let path = token_path(config.path());
    std::fs::create_dir_all(path.parent().expect("a folder")).expect("created");
    std::os::unix::fs::symlink(&target, &path).expect("linked");
    let forgot = run_in(config.path(), None, None, &["forget-token"]).await;
    assert_eq!(forgot.code, 0, "{forgot:?}");
    assert!(
        std::fs::symlink_metadata(&path).is_err(),
        "the link is gone"
    );
    assert_eq!(std::fs::read_to_string(&target).expect("kept"), "keep me\n");
}
