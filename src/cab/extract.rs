//! Writing a cabinet's files under a directory, safely (docs/formats.md §3.4): names never lead outside the
//! directory, nothing is overwritten without `force`, a byte budget stops decompression bombs, and
//! a partial file is removed rather than left looking whole.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::cleanup::{self, Temporary};

use super::decompress::{FileSink, extract_folder};
use super::{CabError, Cabinet};

/// A cabinet file name made safe to join under the output directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafePath {
    pub relative: PathBuf,
    /// What was changed, for the report (empty when the name was already safe).
    pub changes: Vec<&'static str>,
}

/// Splits on `\` and `/`, drops empty and `.` parts, turns `..` into `__`, and replaces control
/// characters and `:` (drive letters, NTFS streams) with `_`.
pub fn safe_path(name: &str) -> SafePath {
    let mut changes = Vec::new();
    let mut relative = PathBuf::new();
    for part in name.split(['\\', '/']) {
        match part {
            "" | "." => {
                if !changes.contains(&"empty, '.' or leading separator parts dropped") {
                    changes.push("empty, '.' or leading separator parts dropped");
                }
            }
            ".." => {
                changes.push("'..' replaced with '__'");
                relative.push("__");
            }
            _ => {
                let cleaned: String = part
                    .chars()
                    .map(|c| if c.is_control() || c == ':' { '_' } else { c })
                    .collect();
                if cleaned != part {
                    changes.push("control characters or ':' replaced with '_'");
                }
                relative.push(cleaned);
            }
        }
    }
    if relative.as_os_str().is_empty() {
        changes.push("name had no usable part");
        relative.push("_unnamed");
    }
    debug_assert!(
        relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
    );
    SafePath { relative, changes }
}

#[derive(Debug, Clone)]
pub struct ExtractOptions {
    pub dir: PathBuf,
    /// At most this many bytes are written in all.
    pub max_bytes: u64,
    pub force: bool,
    pub strict: bool,
}

/// What happened to each file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Written { path: PathBuf, bytes: u64 },
    Refused(String),
}

#[derive(Debug, Clone, Default)]
pub struct CabinetReport {
    /// Per file (in cabinet order): name, outcome, and how its name was changed.
    pub files: Vec<(String, Outcome, Vec<&'static str>)>,
    pub findings: Vec<String>,
}

/// What one folder thread reports: each file's outcome, and the folder's checksum findings.
type FolderResult = (Vec<(usize, Outcome)>, Vec<String>);

/// Shared state of one extraction across folder threads.
struct Shared<'a> {
    options: &'a ExtractOptions,
    written: AtomicU64,
    on_bytes: &'a (dyn Fn(u64) + Sync),
    on_file: &'a (dyn Fn() + Sync),
}

/// Extracts every file of `cabinet` (whose bytes start at `cab[0]`) under `options.dir/prefix`.
/// `on_bytes` hears of every chunk written, `on_file` of every file completed (for progress).
pub fn extract_cabinet(
    cab: &[u8],
    cabinet: &Cabinet,
    prefix: &Path,
    options: &ExtractOptions,
    written_so_far: u64,
    on_bytes: &(dyn Fn(u64) + Sync),
    on_file: &(dyn Fn() + Sync),
) -> CabinetReport {
    let mut report = CabinetReport {
        findings: cabinet.findings.clone(),
        ..Default::default()
    };
    let mut outcomes: Vec<Option<Outcome>> = vec![None; cabinet.files.len()];
    let mut targets: Vec<PathBuf> = Vec::with_capacity(cabinet.files.len());
    let mut claimed: HashMap<PathBuf, usize> = HashMap::new();
    let mut changes = Vec::with_capacity(cabinet.files.len());
    for (index, file) in cabinet.files.iter().enumerate() {
        let safe = safe_path(&file.name);
        let target = prefix.join(&safe.relative);
        changes.push(safe.changes);
        if options.strict && !cabinet.findings.is_empty() {
            outcomes[index] = Some(Outcome::Refused(format!(
                "--strict: {}",
                cabinet.findings.join("; ")
            )));
        } else if file.is_continued() {
            outcomes[index] = Some(Outcome::Refused(format!(
                "continued from or into another cabinet of set {} (this is part {}); sets are not merged",
                cabinet.set_id, cabinet.set_index
            )));
        } else if let Some(&first) = claimed.get(&target) {
            outcomes[index] = Some(Outcome::Refused(format!(
                "same output path as {}",
                cabinet.files[first].name
            )));
        } else if !options.force && options.dir.join(&target).symlink_metadata().is_ok() {
            outcomes[index] = Some(Outcome::Refused("exists (use --force to overwrite)".into()));
        }
        claimed.entry(target.clone()).or_insert(index);
        targets.push(target);
    }
    let shared = Shared {
        options,
        written: AtomicU64::new(written_so_far),
        on_bytes,
        on_file,
    };
    let by_folder: Vec<(usize, Vec<usize>)> = (0..cabinet.folders.len())
        .map(|folder| {
            let wanted = (0..cabinet.files.len())
                .filter(|&i| {
                    outcomes[i].is_none() && usize::from(cabinet.files[i].folder) == folder
                })
                .collect();
            (folder, wanted)
        })
        .filter(|(_, wanted): &(usize, Vec<usize>)| !wanted.is_empty())
        .collect();
    let results: Vec<FolderResult> = by_folder
        .par_iter()
        .map(|(folder, wanted)| {
            let mut sink = DiskSink {
                shared: &shared,
                cabinet,
                targets: &targets,
                open: None,
                failed: None,
                done: Vec::new(),
            };
            let findings = extract_folder(
                cab,
                cabinet,
                *folder,
                wanted,
                options.strict,
                options.max_bytes,
                &mut sink,
            );
            let mut done = std::mem::take(&mut sink.done);
            sink.abandon();
            let findings = match findings {
                Ok(f) => f,
                Err(e) => {
                    // The sink stopped the folder (byte budget, disk error): the rest is refused.
                    for &i in wanted {
                        if !done.iter().any(|(d, _)| *d == i) {
                            done.push((i, Outcome::Refused(e.to_string())));
                        }
                    }
                    Vec::new()
                }
            };
            (done, findings)
        })
        .collect();
    for (done, findings) in results {
        for (index, outcome) in done {
            outcomes[index] = Some(outcome);
        }
        report.findings.extend(findings);
    }
    for ((file, outcome), changes) in cabinet.files.iter().zip(outcomes).zip(changes) {
        let outcome = outcome.unwrap_or_else(|| Outcome::Refused("not reached".into()));
        report.files.push((file.name.clone(), outcome, changes));
    }
    report
}

/// Writes a folder's files to disk as they are decompressed.
struct DiskSink<'a> {
    shared: &'a Shared<'a>,
    cabinet: &'a Cabinet,
    targets: &'a [PathBuf],
    /// The file being written: (index, final path, its temporary, writer, bytes so far).
    open: Option<(usize, PathBuf, Temporary, BufWriter<File>, u64)>,
    /// A file that could not be created: its data is skipped and its end reports the error.
    failed: Option<(usize, CabError)>,
    done: Vec<(usize, Outcome)>,
}

impl DiskSink<'_> {
    /// Opens the temporary file that becomes file `index` when complete (see [`DiskSink::end`]).
    fn create(&self, index: usize) -> Result<(PathBuf, Temporary, BufWriter<File>), CabError> {
        let dir = &self.shared.options.dir;
        let relative = &self.targets[index];
        let path = dir.join(relative);
        // Create parents one by one, refusing to go through a link someone left in the tree.
        let mut at = dir.clone();
        if let Some(parent) = relative.parent() {
            for part in parent.components() {
                at.push(part);
                match at.symlink_metadata() {
                    Ok(m) if m.file_type().is_symlink() => {
                        return Err(CabError::Io(format!(
                            "{} is a symbolic link; not followed",
                            at.display()
                        )));
                    }
                    Ok(m) if m.is_dir() => {}
                    Ok(_) => {
                        return Err(CabError::Io(format!(
                            "{} exists and is not a directory",
                            at.display()
                        )));
                    }
                    Err(_) => match fs::create_dir(&at) {
                        Ok(()) => {}
                        // Another folder's thread made it first: fine if it is a real directory.
                        Err(e)
                            if e.kind() == std::io::ErrorKind::AlreadyExists
                                && at.symlink_metadata().is_ok_and(|m| m.is_dir()) => {}
                        Err(e) => return Err(CabError::Io(format!("{}: {e}", at.display()))),
                    },
                }
            }
        }
        match path.symlink_metadata() {
            Ok(m) if m.is_dir() => {
                return Err(CabError::Io(format!("{}: is a directory", path.display())));
            }
            Ok(_) if !self.shared.options.force => {
                return Err(CabError::Io(format!(
                    "{}: File exists (use --force to overwrite)",
                    path.display()
                )));
            }
            _ => {}
        }
        // Written under a temporary name and renamed when complete: an interrupted run never
        // leaves a cut file under its real name.
        let temp = cleanup::temporary_name(&path, &format!("-{index}"));
        let (file, temporary) = cleanup::create_temporary(temp)
            .map_err(|e| CabError::Io(format!("{}: {e}", path.display())))?;
        Ok((path, temporary, BufWriter::with_capacity(256 * 1024, file)))
    }

    /// Removes a file left half-written when the folder stopped.
    fn abandon(&mut self) {
        if let Some((_, _, temporary, writer, _)) = self.open.take() {
            drop(writer);
            let _ = fs::remove_file(temporary.path());
        }
    }
}

impl FileSink for DiskSink<'_> {
    fn data(&mut self, index: usize, bytes: &[u8]) -> Result<(), CabError> {
        let budget = self.shared.options.max_bytes;
        let total = self
            .shared
            .written
            .fetch_add(bytes.len() as u64, Ordering::Relaxed)
            + bytes.len() as u64;
        if total > budget {
            return Err(CabError::Limit(format!(
                "--max-bytes {budget} reached; extraction stopped"
            )));
        }
        if self.failed.as_ref().is_some_and(|(i, _)| *i == index) {
            return Ok(());
        }
        if self.open.as_ref().is_none_or(|(i, ..)| *i != index) {
            self.abandon();
            match self.create(index) {
                Ok((path, temporary, writer)) => {
                    self.open = Some((index, path, temporary, writer, 0))
                }
                Err(e) => {
                    self.failed = Some((index, e));
                    return Ok(());
                }
            }
        }
        let (_, _, _, writer, count) = self.open.as_mut().expect("opened above");
        writer.write_all(bytes)?;
        *count += bytes.len() as u64;
        (self.shared.on_bytes)(bytes.len() as u64);
        Ok(())
    }

    fn end(&mut self, index: usize, result: Result<(), CabError>) -> Result<(), CabError> {
        let creation = self.failed.take_if(|(i, _)| *i == index).map(|(_, e)| e);
        if let Some(e) = creation.or(result.err()) {
            self.abandon();
            self.done.push((index, Outcome::Refused(e.to_string())));
            return Ok(());
        }
        let (path, temporary, writer, bytes) = match self.open.take() {
            Some((i, path, temporary, writer, bytes)) if i == index => {
                (path, temporary, writer, bytes)
            }
            other => {
                self.open = other;
                // An empty file never received data.
                match self.create(index) {
                    Ok((path, temporary, writer)) => (path, temporary, writer, 0),
                    Err(e) => {
                        self.done.push((index, Outcome::Refused(e.to_string())));
                        return Ok(());
                    }
                }
            }
        };
        let file = writer
            .into_inner()
            .map_err(|e| CabError::Io(e.to_string()))?;
        // DOS times have no zone: they are written as if UTC, as cabextract does.
        let modified = self.cabinet.files[index].modified();
        if let Some(ts) = modified.and_then(|dt| {
            jiff::tz::TimeZone::UTC
                .to_ambiguous_timestamp(dt)
                .compatible()
                .ok()
        }) {
            let when = std::time::UNIX_EPOCH
                + std::time::Duration::from_secs(ts.as_second().max(0) as u64);
            let _ = file.set_modified(when);
        }
        drop(file);
        if let Err(e) = fs::rename(temporary.path(), &path) {
            let _ = fs::remove_file(temporary.path());
            self.done
                .push((index, Outcome::Refused(format!("{}: {e}", path.display()))));
            return Ok(());
        }
        (self.shared.on_file)();
        self.done.push((index, Outcome::Written { path, bytes }));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_stay_inside() {
        let cases = [
            ("/absolute/path", "absolute/path"),
            (
                "..\\..\\windows\\system32\\x.dll",
                "__/__/windows/system32/x.dll",
            ),
            ("C:\\boot.ini", "C_/boot.ini"),
            ("a/./b//c", "a/b/c"),
            ("nul\u{0}byte\u{7}", "nul_byte_"),
            ("..", "__"),
            ("\\\\", "_unnamed"),
        ];
        for (name, expected) in cases {
            let safe = safe_path(name);
            assert_eq!(safe.relative, PathBuf::from(expected), "{name}");
            assert!(
                safe.relative
                    .components()
                    .all(|c| matches!(c, Component::Normal(_)))
            );
        }
        assert!(safe_path("update\\update.exe").changes.is_empty());
    }
}
