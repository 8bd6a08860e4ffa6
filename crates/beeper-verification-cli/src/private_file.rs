//! Files that hold a secret (this device's QR code, the stored access token): written for this
//! user only, never through a symlink.

use std::path::Path;

/// Writes `bytes` to `path` for this user only (mode 0600 on Unix), without following a symlink
/// at `path`: the bytes go to a new file beside it (created, never opened if it exists), which
/// is then renamed over `path`. A rename replaces a symlink rather than writing through it, so
/// a link planted at `path` cannot make this overwrite its target.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let shown = path.display();
    let name = path
        .file_name()
        .ok_or_else(|| format!("cannot write {shown}: it names no file"))?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    // A fresh name; a file of that name (left over, or planted) is skipped, never opened.
    let mut attempt = 0u32;
    let (temp, mut file) = loop {
        let mut temp_name = std::ffi::OsString::from(".");
        temp_name.push(name);
        temp_name.push(format!(".{}.{attempt}.tmp", std::process::id()));
        let temp = dir.join(temp_name);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&temp) {
            Ok(file) => break (temp, file),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(e) => return Err(format!("cannot create a file beside {shown}: {e}")),
        }
    };
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write {shown}: {e}"))
        .and_then(|()| {
            std::fs::rename(&temp, path).map_err(|e| format!("cannot write {shown}: {e}"))
        });
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}
