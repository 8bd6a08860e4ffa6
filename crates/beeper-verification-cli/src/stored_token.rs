//! The access token kept for the commands that follow: `$XDG_CONFIG_HOME/beeper-verify/token`,
//! else `$HOME/.config/beeper-verify/token` (macOS too); on Windows
//! `%APPDATA%\beeper-verify\token`.
//!
//! Every command that talks to Beeper Desktop reads it when neither `--token`, `--token-file`
//! nor `BEEPER_ACCESS_TOKEN` gives a token. [`store_token`] writes it (for `setup`), and
//! `forget-token` deletes it. It is written mode 0600 by create-and-rename, never through a
//! symlink, in a directory created mode 0700. A stored file that other users of the machine may
//! read or change is refused (as ssh refuses such a private key), with what to do about it: the
//! token gives whoever holds it the account's messages. The token is never printed.
//!
//! The directory is found here rather than with the `dirs` crate: it is two environment
//! variables, and `dirs` puts it in `~/Library/Application Support` on macOS, where nobody looks
//! for a command-line tool's files, ignoring `XDG_CONFIG_HOME` there.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use beeper_verification::AccessToken;
use secrecy::{ExposeSecret, SecretString};

use crate::args::{Secret, read_secret_from};
use crate::private_file::write_private;

/// The folder of this program's files, inside the user's configuration folder.
const APP_DIR: &str = "beeper-verify";
/// The token's file in it.
const FILE_NAME: &str = "token";

/// Where the token is kept, from the environment; `None` when the environment names no
/// configuration folder (neither `XDG_CONFIG_HOME` nor `HOME` is an absolute path).
pub(crate) fn path() -> Option<PathBuf> {
    path_from(|name| std::env::var_os(name))
}

/// [`path`], with the environment as `var`. A relative or empty value is ignored, as the XDG
/// specification says.
fn path_from(var: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let absolute = |name: &str| {
        var(name)
            .map(PathBuf::from)
            .filter(|path| path.is_absolute())
    };
    #[cfg(windows)]
    let base = absolute("APPDATA");
    #[cfg(not(windows))]
    let base = absolute("XDG_CONFIG_HOME").or_else(|| absolute("HOME").map(|h| h.join(".config")));
    Some(base?.join(APP_DIR).join(FILE_NAME))
}

/// Stores `token` for the commands that follow, replacing the one stored before, and returns
/// where. The file is readable by this user only.
pub(crate) fn store_token(token: &AccessToken) -> Result<PathBuf, String> {
    let path = path().ok_or_else(|| {
        "there is no place to store the access token: neither XDG_CONFIG_HOME nor HOME is set"
            .to_owned()
    })?;
    store_at(&path, token)?;
    Ok(path)
}

/// Writes `token` and a line break to `path`, creating its folder (mode 0700) when missing.
fn store_at(path: &Path, token: &AccessToken) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(dir)
            .map_err(|e| format!("cannot create the folder {}: {e}", dir.display()))?;
    }
    // Zeroed when dropped, as the token is.
    let line = SecretString::from(format!("{}\n", token.expose_secret()));
    write_private(path, line.expose_secret().as_bytes())
}

/// The stored token and where it is, when there is one. A stored file that cannot be read, is
/// empty, holds more than one line, or that other users may read or change, is an error (a
/// usage error to report) that never shows what the file holds.
pub(crate) fn read() -> Result<Option<(SecretString, PathBuf)>, String> {
    let Some(path) = path() else {
        return Ok(None);
    };
    Ok(read_at(&path)?.map(|token| (token, path)))
}

/// The most a stored token file may hold, in bytes: far more than a token, and little enough
/// that a wrong file there is refused without reading it.
const MAX_STORED_BYTES: u64 = 16 * 1024;

fn read_at(path: &Path) -> Result<Option<SecretString>, String> {
    let name = format!("the stored token {}", path.display());
    let forget = || crate::invoked::command("forget-token");
    let file = match open_no_follow(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) if is_symlink_refusal(&e, path) => {
            return Err(format!(
                "{name} is a symbolic link, so it was not used (as ssh refuses such a key):                  remove it with `{}`, and sign in again or give a token another way",
                forget()
            ));
        }
        Err(e) => return Err(format!("cannot read {name}: {e}")),
    };
    // The metadata of the file opened, not of whatever is at the path by now.
    let metadata = file
        .metadata()
        .map_err(|e| format!("cannot read {name}: {e}"))?;
    if !metadata.is_file() {
        return Err(format!(
            "{name} is not a file; remove it with `{}`",
            forget()
        ));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(format!(
                "{name} may be read or changed by other users of this machine (mode {mode:03o}), \
                 so it was not used; make it yours alone with `chmod 600 {}`, or remove it \
                 with `{}`",
                path.display(),
                forget()
            ));
        }
        if let Some(dir) = path.parent() {
            folder_is_private(dir)?;
        }
    }
    if metadata.len() > MAX_STORED_BYTES {
        return Err(format!(
            "{name} holds more than {MAX_STORED_BYTES} bytes, far more than a token, so it was \
             not used; remove it with `{}`",
            forget()
        ));
    }
    read_secret_from(file, &name, Secret::Token).map(Some)
}

/// Opens `path` for reading, refusing a symlink at it (`O_NOFOLLOW` on Unix).
fn open_no_follow(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(nix::fcntl::OFlag::O_NOFOLLOW.bits());
    }
    #[cfg(not(unix))]
    if std::fs::symlink_metadata(path)?.file_type().is_symlink() {
        return Err(std::io::Error::other("a symbolic link"));
    }
    options.open(path)
}

/// Whether an open failed because the path is a symlink (`ELOOP` with `O_NOFOLLOW`).
fn is_symlink_refusal(error: &std::io::Error, path: &Path) -> bool {
    #[cfg(unix)]
    if error.raw_os_error() == Some(nix::errno::Errno::ELOOP as i32) {
        return true;
    }
    let _ = error;
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// The token's folder must be this user's, and writable by nobody else: whoever may write in
/// it may put a token of theirs (or a symlink) in place of this user's.
#[cfg(unix)]
fn folder_is_private(dir: &Path) -> Result<(), String> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    // A folder linked to elsewhere is checked where it is.
    let metadata = std::fs::metadata(dir)
        .map_err(|e| format!("cannot check the folder {}: {e}", dir.display()))?;
    let me = nix::unistd::geteuid().as_raw();
    if metadata.uid() != me {
        return Err(format!(
            "the folder of the stored token {} belongs to another user (uid {}), so the token \
             was not used; remove it, or make it yours with `chown`",
            dir.display(),
            metadata.uid()
        ));
    }
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o022 != 0 {
        return Err(format!(
            "the folder of the stored token {} may be changed by other users of this machine \
             (mode {mode:03o}), so the token was not used; make it yours alone with \
             `chmod 700 {}`",
            dir.display(),
            dir.display()
        ));
    }
    Ok(())
}

/// What `forget-token` did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Forgotten {
    /// The file at this path was deleted.
    Removed(PathBuf),
    /// No token was stored; it would have been at this path, when the environment names one.
    NoneStored(Option<PathBuf>),
}

/// Deletes the stored token. A symlink there is deleted, not what it points to.
pub(crate) fn forget() -> Result<Forgotten, String> {
    let Some(path) = path() else {
        return Ok(Forgotten::NoneStored(None));
    };
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(Forgotten::Removed(path)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Forgotten::NoneStored(Some(path))),
        Err(e) => Err(format!(
            "cannot remove the stored token {}: {e}",
            path.display()
        )),
    }
}

/// Where the token of this run came from, for what a refusal of it says to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TokenSource {
    /// `--token`.
    Argument,
    /// `--token-file` (`-` for standard input).
    File(PathBuf),
    /// `BEEPER_ACCESS_TOKEN`.
    Environment,
    /// The stored token, at this path.
    Stored(PathBuf),
}

/// Where the token of this run came from, once it was read.
static SOURCE: OnceLock<TokenSource> = OnceLock::new();

/// Notes where the token of this run came from (once: the first note stays).
pub(crate) fn note_source(source: TokenSource) {
    let _ = SOURCE.set(source);
}

/// Where the token of this run came from, when one was read.
pub(crate) fn source() -> Option<&'static TokenSource> {
    SOURCE.get()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder of this test's own, removed when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> Self {
            let path = std::env::temp_dir().join(format!(
                "beeper-verify-unit-{name}-{}-{:?}",
                std::process::id(),
                std::time::SystemTime::now()
            ));
            std::fs::create_dir_all(&path).expect("created");
            Self(path)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[cfg(not(windows))]
    #[test]
    fn the_path_is_in_the_xdg_config_folder_else_in_home() {
        let both = [("XDG_CONFIG_HOME", "/x/config"), ("HOME", "/home/u")];
        assert_eq!(
            path_from(env(&both)),
            Some(PathBuf::from("/x/config/beeper-verify/token"))
        );
        let home = [("HOME", "/home/u")];
        assert_eq!(
            path_from(env(&home)),
            Some(PathBuf::from("/home/u/.config/beeper-verify/token"))
        );
        // A relative or empty XDG_CONFIG_HOME is ignored, as the specification says.
        for xdg in ["", "relative/config"] {
            let vars = [("XDG_CONFIG_HOME", xdg), ("HOME", "/home/u")];
            assert_eq!(
                path_from(env(&vars)),
                Some(PathBuf::from("/home/u/.config/beeper-verify/token")),
                "{xdg:?}"
            );
        }
        assert_eq!(path_from(env(&[])), None);
        assert_eq!(path_from(env(&[("HOME", "")])), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_stored_token_is_private_and_reads_back() {
        use std::os::unix::fs::PermissionsExt;
        let dir = TempDir::new("store");
        let path = dir.0.join("config").join(APP_DIR).join(FILE_NAME);
        store_at(&path, &AccessToken::from("tok-123")).expect("stored");
        let mode = |p: &Path| {
            std::fs::symlink_metadata(p)
                .expect("exists")
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().expect("a folder")), 0o700);
        let read = read_at(&path).expect("readable").expect("stored");
        assert_eq!(read.expose_secret().trim(), "tok-123");
        // Stored again: replaced.
        store_at(&path, &AccessToken::from("tok-456")).expect("stored");
        let read = read_at(&path).expect("readable").expect("stored");
        assert_eq!(read.expose_secret().trim(), "tok-456");
        // Readable by others: refused, without the token in the message.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let refused = read_at(&path).expect_err("refused");
        assert!(
            refused.contains("mode 644") && refused.contains("chmod 600"),
            "{refused}"
        );
        assert!(!refused.contains("tok-"), "{refused}");
        assert!(matches!(read_at(&dir.0.join("none")), Ok(None)));
    }

    #[cfg(unix)]
    #[test]
    fn storing_replaces_a_symlink_without_following_it() {
        let dir = TempDir::new("symlink");
        let target = dir.0.join("target");
        std::fs::write(&target, "not yours\n").expect("written");
        let path = dir.0.join(FILE_NAME);
        std::os::unix::fs::symlink(&target, &path).expect("linked");
        store_at(&path, &AccessToken::from("tok-123")).expect("stored");
        assert_eq!(
            std::fs::read_to_string(&target).expect("still there"),
            "not yours\n"
        );
        assert!(
            !std::fs::symlink_metadata(&path)
                .expect("exists")
                .file_type()
                .is_symlink()
        );
    }
}
