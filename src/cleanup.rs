//! Temporary files that must not survive an interrupted run. Every output is written under a
//! temporary name and renamed when complete; on SIGINT or SIGTERM the temporaries registered here
//! are removed and the process exits with 130, so nothing that looks complete is left behind.

use std::collections::BTreeSet;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

struct Registry {
    paths: BTreeSet<PathBuf>,
    interrupted: bool,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    paths: BTreeSet::new(),
    interrupted: false,
});

/// Exit code after an interrupt (128 + SIGINT), as shells report it.
pub const EXIT_INTERRUPTED: i32 = 130;

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    REGISTRY
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Installs the SIGINT/SIGTERM handler. Call once, at start.
pub fn install_handler() {
    let _ = ctrlc::set_handler(|| {
        // Hold the lock until exit: no temporary can be created after the sweep.
        let mut registry = registry();
        registry.interrupted = true;
        for path in std::mem::take(&mut registry.paths) {
            let _ = std::fs::remove_file(&path);
        }
        eprintln!("kbaudit: interrupted; temporary files removed");
        std::process::exit(EXIT_INTERRUPTED);
    });
}

/// A registered temporary: unregistered when dropped (its owner has renamed or removed it).
#[derive(Debug)]
pub struct Temporary {
    path: PathBuf,
}

impl Temporary {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Temporary {
    fn drop(&mut self) {
        registry().paths.remove(&self.path);
    }
}

/// Creates `path` (which must not exist) and registers it for removal on interrupt, atomically
/// with respect to the handler.
pub fn create_temporary(path: PathBuf) -> io::Result<(File, Temporary)> {
    let mut registry = registry();
    if registry.interrupted {
        return Err(io::Error::new(io::ErrorKind::Interrupted, "interrupted"));
    }
    let file = File::options().write(true).create_new(true).open(&path)?;
    registry.paths.insert(path.clone());
    Ok((file, Temporary { path }))
}

/// The temporary name for `target`: hidden, in the same folder (so a rename is atomic), unique
/// per process and `tag`.
pub fn temporary_name(target: &Path, tag: &str) -> PathBuf {
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    target.with_file_name(format!(".{name}.kbaudit-{}{tag}.tmp", std::process::id()))
}
