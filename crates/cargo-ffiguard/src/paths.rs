//! Checks on the paths a command is given, so a mistyped path is reported as such and not as
//! whatever fails first further down.

use std::path::Path;

/// `Err` with "`what` PATH does not exist" when nothing is at `path`.
pub(crate) fn must_exist(path: &Path, what: &str) -> Result<(), String> {
    match std::fs::symlink_metadata(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(format!("{what} {} does not exist", path.display()))
        }
        Err(e) => Err(format!("{what} {}: {e}", path.display())),
    }
}
