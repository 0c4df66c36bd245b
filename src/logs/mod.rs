//! `kbaudit logs`: installer logs → one row per installation run (docs/formats.md §2).

pub mod codes;
pub mod decode;
pub mod fast;
pub mod line;
mod report;
pub mod run;
mod stream;
pub mod table;
pub mod timesketch;

use std::path::Path;

use encoding_rs::Encoding;
use jiff::tz::TimeZone;

pub use report::{EventRow, RunRow};
use run::{FileNotes, Run};

use crate::scan::Input;

/// Where the host name comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum HostFrom {
    /// The folder holding the log (`share/HOST/KB123456.log`).
    #[default]
    Parent,
    /// The folder above that (`share/HOST/Windows/KB123456.log`).
    Grandparent,
    /// Leave the host empty.
    None,
}

#[derive(Debug, Clone, Default)]
pub struct LogOptions {
    /// Forced legacy code page; detected per file when `None`.
    pub codepage: Option<&'static Encoding>,
    /// Zone of the hosts' clocks, to fill `started_utc`.
    pub tz: Option<TimeZone>,
    pub host_from: HostFrom,
    /// Keep every line for the `--events` table.
    pub events: bool,
    /// Read every file line by line the careful way, never the fast way ([`fast`]): the
    /// reference the fast reading is tested against. `events` implies it.
    pub careful_only: bool,
}

/// Why a file yields no run rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The file could not be read or is not text; counts as a failed input (exit code 1).
    Unreadable(String),
    /// The file was read but holds no installer run.
    NoRuns(String),
}

/// Everything read from one log file.
#[derive(Debug, Clone)]
pub struct LogFile {
    pub source: String,
    pub host: String,
    /// KB number from the file name.
    pub file_kb: Option<u32>,
    pub encoding: Option<&'static str>,
    /// Installer runs, in file order, numbered from 1.
    pub runs: Vec<Run>,
    /// Records outside any installer run (kept for the events table).
    pub stray: Vec<Run>,
    pub problem: Option<Problem>,
    pub warnings: Vec<String>,
}

impl LogFile {
    pub fn is_unreadable(&self) -> bool {
        matches!(self.problem, Some(Problem::Unreadable(_)))
    }

    /// Why the file could not be read, if it could not.
    pub fn unreadable_reason(&self) -> Option<&str> {
        match &self.problem {
            Some(Problem::Unreadable(reason)) => Some(reason),
            _ => None,
        }
    }

    /// The KB a run belongs to: file name first, then the `[name]` line, then its messages.
    pub fn kb_of(&self, run: &Run) -> Option<u32> {
        self.file_kb.or(run.name_kb).or(run.message_kb)
    }
}

impl LogFile {
    /// A file with nothing read yet; host and KB come from its path.
    fn new(path: &Path, options: &LogOptions) -> Self {
        let (host, host_encoding) = host_name(path, options.host_from, options.codepage);
        LogFile {
            source: path.display().to_string(),
            host,
            file_kb: kb_of_path(path),
            encoding: None,
            runs: Vec::new(),
            stray: Vec::new(),
            problem: None,
            warnings: host_encoding
                .map(|e| format!("host folder name is not UTF-8: decoded as {e}"))
                .into_iter()
                .collect(),
        }
    }
}

/// Reads and analyses one input.
pub fn read_log(input: &Input, options: &LogOptions) -> LogFile {
    if let Some(problem) = &input.problem {
        let mut file = LogFile::new(&input.path, options);
        if input.is_bad_path {
            // A mistyped path names no host.
            file.host.clear();
        }
        file.problem = Some(Problem::Unreadable(problem.clone()));
        return file;
    }
    let unreadable = |why: String| {
        let mut file = LogFile::new(&input.path, options);
        file.problem = Some(Problem::Unreadable(why));
        file
    };
    BUFFER.with_borrow_mut(|buffer| {
        let result = match read_file(&input.path, buffer, options.codepage) {
            Ok(Read::Whole(bytes)) => analyze_bytes(&input.path, bytes, options),
            Ok(Read::Head(head, mut rest)) => {
                stream::analyze(&input.path, head, &mut rest, options)
            }
            Err(why) => unreadable(why),
        };
        // A thread keeps a buffer the size of the logs it reads, not of the odd huge one.
        if buffer.len() > KEEP_BUFFER {
            *buffer = Vec::new();
        }
        result
    })
}

thread_local! {
    /// Each thread reads its files into one buffer: no allocation (and no fresh pages to fault
    /// in) per file.
    static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The largest read buffer a thread keeps between files.
const KEEP_BUFFER: usize = WHOLE_BYTES + 1;

/// A log read into memory: whole, or (too big to hold) its first bytes and the open file.
enum Read<'b> {
    Whole(&'b [u8]),
    Head(&'b [u8], std::fs::File),
}

/// Reads a log into `buffer`: its head first, then the rest up to [`WHOLE_BYTES`], unless the
/// head shows a large file is binary content with no installer line (a disk image, a sparse
/// file).
fn read_file<'b>(
    path: &Path,
    buffer: &'b mut Vec<u8>,
    codepage: Option<&'static Encoding>,
) -> Result<Read<'b>, String> {
    let cannot = |e: std::io::Error| format!("cannot read: {e}");
    let mut file = std::fs::File::open(path).map_err(cannot)?;
    let mut filled = 0usize;
    let mut complete =
        read_up_to(&mut file, buffer, &mut filled, HEAD_BYTES + 1).map_err(cannot)?;
    if !complete && head_is_binary(&buffer[..HEAD_BYTES], codepage) {
        return Err(format!(
            "binary content, not a text log (judged from its first {} MiB)",
            HEAD_BYTES >> 20
        ));
    }
    if !complete {
        complete = read_up_to(&mut file, buffer, &mut filled, WHOLE_BYTES + 1).map_err(cannot)?;
    }
    Ok(if complete {
        Read::Whole(&buffer[..filled])
    } else {
        Read::Head(&buffer[..filled], file)
    })
}

/// Reads from `file` into `buffer[filled..]` until the end of the file (true) or until `limit`
/// bytes are in (false). The buffer only grows, and is never cleared: its old bytes are
/// overwritten.
fn read_up_to(
    file: &mut std::fs::File,
    buffer: &mut Vec<u8>,
    filled: &mut usize,
    limit: usize,
) -> std::io::Result<bool> {
    use std::io::Read;
    loop {
        if *filled >= limit {
            return Ok(false);
        }
        if *filled == buffer.len() {
            let grown = (buffer.len() * 2).clamp(256 << 10, limit);
            buffer.resize(grown, 0);
        }
        let end = buffer.len().min(limit);
        match file.read(&mut buffer[*filled..end]) {
            Ok(0) => return Ok(true),
            Ok(n) => *filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Bytes read before deciding whether a large file is a log at all.
const HEAD_BYTES: usize = 1 << 20;
/// The largest log read whole; a larger one is read block by block ([`stream`]). Installer logs
/// are KBs to a few MB.
pub const WHOLE_BYTES: usize = 8 << 20;

/// Whether a file's head is binary content without any line of an installer log.
fn head_is_binary(head: &[u8], codepage: Option<&'static Encoding>) -> bool {
    let decoded = decode::decode(head, codepage);
    decoded.looks_binary
        && ![
            "update.exe",
            "extended error code",
            "Hotfix started",
            "(local)",
        ]
        .iter()
        .any(|marker| decoded.text.contains(marker))
}

/// Analyses the bytes of a log that lives (or lived) at `path`.
pub fn analyze_bytes(path: &Path, bytes: &[u8], options: &LogOptions) -> LogFile {
    let mut file = LogFile::new(path, options);
    fill(&mut file, bytes, options);
    file
}

fn fill(file: &mut LogFile, bytes: &[u8], options: &LogOptions) {
    if bytes.is_empty() {
        file.problem = Some(Problem::NoRuns("empty file".into()));
        return;
    }
    let decoded = decode::decode(bytes, options.codepage);
    file.encoding = Some(decoded.encoding);
    if decoded.had_errors {
        file.warnings.push(format!(
            "invalid bytes for {} replaced with U+FFFD (try --codepage)",
            decoded.encoding
        ));
    }
    let mut notes = FileNotes::default();
    // The fast reading cannot keep events, and gives up on a damaged file.
    let fast = (!options.events && !options.careful_only)
        .then(|| fast::split_runs(&decoded.text))
        .flatten();
    let all = fast.unwrap_or_else(|| run::split_runs(&decoded.text, options.events, &mut notes));
    settle(file, all, &notes, decoded.looks_binary);
}

/// Sorts a file's runs from the records outside any run, and says what the file is when it
/// holds no run.
fn settle(file: &mut LogFile, all: Vec<Run>, notes: &FileNotes, looks_binary: bool) {
    if let Some(&first) = notes.truncated_lines.first() {
        file.warnings.push(format!(
            "{} line(s) longer than {} bytes cut (first at line {first})",
            notes.truncated_lines.len(),
            run::MAX_LINE_BYTES
        ));
    }
    for mut candidate in all {
        if !candidate.has_known_record {
            candidate.index = 0;
            file.stray.push(candidate);
        } else {
            candidate.index = file.runs.len() as u32 + 1;
            file.runs.push(candidate);
        }
    }
    if file.runs.is_empty() {
        file.problem = Some(if looks_binary {
            Problem::Unreadable("binary content, not a text log".into())
        } else if file.stray.is_empty() {
            Problem::NoRuns("no log lines (only blank lines)".into())
        } else {
            Problem::NoRuns("no installer log lines found (not a Package Installer log?)".into())
        });
    } else {
        // Lines outside any run are worth a word only next to runs (else the file is `no_runs`).
        for stray in &file.stray {
            file.warnings.push(format!(
                "lines {}-{} are not part of an installer run",
                stray.first_line, stray.last_line
            ));
        }
        if looks_binary {
            file.warnings.push("file is mostly binary content".into());
        }
    }
}

/// The KB number a log's file name gives (`KB899588.log`), if any.
pub fn kb_of_path(path: &Path) -> Option<u32> {
    path.file_name()
        .and_then(|n| line::find_kb(&n.to_string_lossy()))
}

/// The host name a log path implies.
pub fn host_of(path: &Path, from: HostFrom) -> String {
    host_name(path, from, None).0
}

/// The host name a log path implies, and the encoding it was decoded from when the folder name
/// is not UTF-8 (a Shift_JIS folder copied from a Japanese file server): decoded like a log,
/// with `codepage` or the same detection, instead of becoming U+FFFD.
pub fn host_name(
    path: &Path,
    from: HostFrom,
    codepage: Option<&'static Encoding>,
) -> (String, Option<&'static str>) {
    let levels = match from {
        HostFrom::Parent => 1,
        HostFrom::Grandparent => 2,
        HostFrom::None => return (String::new(), None),
    };
    let Some(name) = path.ancestors().nth(levels).and_then(|p| p.file_name()) else {
        return (String::new(), None);
    };
    if let Some(text) = name.to_str() {
        return (text.to_string(), None);
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let decoded = decode::decode(name.as_bytes(), codepage);
        (decoded.text.into_owned(), Some(decoded.encoding))
    }
    #[cfg(not(unix))]
    {
        let _ = codepage;
        (name.to_string_lossy().into_owned(), None)
    }
}
