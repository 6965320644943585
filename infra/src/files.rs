//! Files that hold secrets (the request-identity private key, the SQLite database with its
//! password hashes, stored mail, the CLI's tokens) are readable by their owner only: files
//! 0600, folders 0700. A process that writes such files sets a private umask once, so files
//! made by libraries and child processes (SQLite's -wal/-shm, maildev's messages) follow.

use std::fs;
use std::io;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// From now on this process (and the children it starts) creates files 0600 and folders 0700.
pub fn private_umask() {
    use nix::sys::stat::{Mode, umask};
    umask(Mode::from_bits_truncate(0o077));
}

/// The error of `what` on `path`, naming both (io errors alone do not say which file).
fn at(path: &Path, what: &str) -> impl FnOnce(io::Error) -> io::Error {
    let msg = format!("{what} {}", path.display());
    move |e| io::Error::new(e.kind(), format!("{msg}: {e}"))
}

/// Creates `dir` (and missing parents) and makes it 0700.
pub fn private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir).map_err(at(dir, "cannot create"))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
        .map_err(at(dir, "cannot make private"))
}

/// Writes `bytes` to `path` as a 0600 file in a 0700 folder (also when the file existed with
/// wider permissions).
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        private_dir(dir)?;
    }
    use std::io::Write;
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(at(path, "cannot write"))?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
    f.write_all(bytes).map_err(at(path, "cannot write"))
}

/// Makes the files directly inside `dir` 0600 (what an older version left readable).
pub fn make_files_private(dir: &Path) -> io::Result<()> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    for e in entries.flatten() {
        if e.file_type().is_ok_and(|t| t.is_file()) {
            fs::set_permissions(e.path(), fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_private_file_is_0600_in_a_0700_folder_even_when_it_existed() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a/b/secret");
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, "old").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&p, b"new").unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "new");
        assert_eq!(mode(&p), 0o600);
        assert_eq!(mode(p.parent().unwrap()), 0o700);
    }
}
