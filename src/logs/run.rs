//! From text to runs: physical lines are assembled into records (repairing wrapped and glued
//! lines), records are split into installation runs, and each run is classified (docs/formats.md §2.2).

use std::borrow::Cow;

use jiff::civil::DateTime;

use super::codes::{INSTALL_FAILURE, REBOOT_REQUIRED, SUCCESS};
use super::line::{self, Failure, HotpatchNote, Line};

/// A physical line at least this long may have been wrapped by a web page or mail client, so the
/// next unprefixed line may be its tail even when it contains keywords.
const MAY_BE_WRAPPED: usize = 40;

/// Lines longer than this are cut (a 200 MB "line" is junk, not a record); the cut is reported.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// One logical log record: a prefixed line plus any unprefixed lines that continue it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record<'a> {
    /// First and last physical line (1-based).
    pub line: u32,
    pub last_line: u32,
    pub elapsed_ms: Option<u64>,
    pub text: Cow<'a, str>,
    /// A `[KB######.log]` line, which may precede a run header.
    pub is_name: bool,
}

/// Notes about a file as a whole, reported in the `warnings` of each of its rows.
#[derive(Debug, Default)]
pub struct FileNotes {
    pub truncated_lines: Vec<u32>,
}

/// Splits text on CRLF, LF or a lone CR. Yields 1-based line numbers.
pub(crate) fn physical_lines(text: &str) -> impl Iterator<Item = (u32, &str)> {
    let bytes = text.as_bytes();
    let mut start = 0usize;
    let mut number = 0u32;
    std::iter::from_fn(move || {
        if start >= bytes.len() {
            return None;
        }
        number = number.saturating_add(1);
        let (end, next) = match memchr::memchr2(b'\r', b'\n', &bytes[start..]) {
            Some(i) => {
                let end = start + i;
                let crlf = bytes[end] == b'\r' && bytes.get(end + 1) == Some(&b'\n');
                (end, end + if crlf { 2 } else { 1 })
            }
            None => (bytes.len(), bytes.len()),
        };
        let line = &text[start..end];
        start = next;
        Some((number, line))
    })
}

/// Cuts `s` to at most `max` bytes on a character boundary.
fn cut_at_boundary(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

pub(crate) fn is_name_line(s: &str) -> bool {
    s.len() <= 260 && s.starts_with('[') && s.ends_with(']') && s.len() > 2
}

fn all_equals(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b == b'=')
}

/// Assembles records from text and hands them to `sink` in order, without buffering the file.
///
/// Damage repaired here (docs/formats.md §2.1): several records glued on one line are split at each
/// ` <digits>[.,]<3 digits>: `; an unprefixed line continues the previous prefixed record unless
/// it is itself a recognisable record (so a stripped prefix does not hide a marker line); a file
/// without prefixes is read line by line.
pub fn for_each_record<'a>(text: &'a str, notes: &mut FileNotes, mut sink: impl FnMut(Record<'a>)) {
    let mut assembler = Assembler::default();
    assembler.feed(text, notes, &mut sink);
    assembler.finish(&mut sink);
}

/// [`for_each_record`] for text that comes in pieces (a file too big to hold, read block by
/// block): each piece must end at a line break, except the last. The record still being
/// assembled at the end of a piece is kept (owned) for the next.
#[derive(Default)]
pub struct Assembler {
    pending: Option<Record<'static>>,
    previous_len: usize,
    /// Physical lines seen so far.
    lines: u32,
}

impl Assembler {
    /// Assembles the records of one piece of text, handing every finished one to `sink`.
    pub fn feed<'a>(
        &mut self,
        text: &'a str,
        notes: &mut FileNotes,
        sink: &mut impl FnMut(Record<'a>),
    ) {
        let mut pending: Option<Record<'a>> = self.pending.take();
        let mut emit = |pending: &mut Option<Record<'a>>, next: Option<Record<'a>>| {
            if let Some(done) = std::mem::replace(pending, next) {
                sink(done);
            }
        };
        let first = self.lines;
        for (offset, raw) in physical_lines(text) {
            let number = first.saturating_add(offset);
            self.lines = number;
            let raw = if raw.len() > MAX_LINE_BYTES {
                notes.truncated_lines.push(number);
                cut_at_boundary(raw, MAX_LINE_BYTES)
            } else {
                raw
            };
            let line = raw.trim_end();
            if line.trim_start().is_empty() {
                continue;
            }
            let may_continue_wrap = self.previous_len >= MAY_BE_WRAPPED;
            self.previous_len = line.len();
            let mut start = 0;
            let cuts = line::glued_record_starts(line).chain(std::iter::once(line.len() + 1));
            for cut in cuts {
                let segment = &line[start..cut - 1];
                start = cut;
                if let Some((elapsed, message)) = line::elapsed_prefix(segment) {
                    let record = Record::on_line(number, Some(elapsed), message, false);
                    emit(&mut pending, Some(record));
                    continue;
                }
                let segment = segment.trim();
                if segment.is_empty() {
                    continue;
                }
                let is_name = is_name_line(segment);
                // A record grows by joined lines up to the longest line kept, no further.
                if !is_name
                    && let Some(previous) = pending
                        .as_mut()
                        .filter(|p| p.elapsed_ms.is_some())
                        .filter(|p| p.text.len() + segment.len() < MAX_LINE_BYTES)
                    && let Some(joiner) = continuation(previous, segment, may_continue_wrap)
                {
                    let text = previous.text.to_mut();
                    text.push_str(joiner);
                    text.push_str(segment);
                    previous.last_line = number;
                    continue;
                }
                let record = Record::on_line(number, None, segment, is_name);
                emit(&mut pending, Some(record));
            }
        }
        self.pending = pending.map(Record::into_owned);
    }

    /// Hands over the last record.
    pub fn finish<'a>(self, sink: &mut impl FnMut(Record<'a>)) {
        if let Some(last) = self.pending {
            sink(last);
        }
    }
}

impl<'a> Record<'a> {
    /// A record of one physical line: timed by its prefix, or not (a name line, an unprefixed
    /// line).
    pub(crate) fn on_line(
        number: u32,
        elapsed_ms: Option<u64>,
        text: &'a str,
        is_name: bool,
    ) -> Self {
        Record {
            line: number,
            last_line: number,
            elapsed_ms,
            text: Cow::Borrowed(text),
            is_name,
        }
    }

    fn into_owned(self) -> Record<'static> {
        Record {
            text: Cow::Owned(self.text.into_owned()),
            ..self
        }
    }
}

/// Whether an unprefixed segment continues `previous`, and with what joiner. A segment that
/// matches a line family anchored at its start (`Copied file:`, `Update.exe extended error
/// code`, ...) is a record whose prefix was stripped; one that only matches by keyword
/// (hotpatch, restart, ...) is taken as a wrapped tail when the line before may have been wrapped.
fn continuation(
    previous: &Record<'_>,
    segment: &str,
    after_long_line: bool,
) -> Option<&'static str> {
    if previous.text.trim().is_empty() {
        // The prefix was wrapped away from its message.
        return Some("");
    }
    if all_equals(segment) {
        // A separator wrapped at the page width.
        return all_equals(previous.text.trim()).then_some("");
    }
    let line = line::classify(segment);
    (line == Line::Other || (after_long_line && !line.is_anchored())).then_some(" ")
}

/// A line that decided something, kept so an analyst can check the verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub line: u32,
    pub text: String,
}

impl Evidence {
    fn of(record: &Record<'_>) -> Self {
        Evidence {
            line: record.line,
            text: record.text.trim().to_string(),
        }
    }
}

/// A `Package KB…, File …, Version …, Branch …` line of a run blocked by migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockingFile {
    pub kb: String,
    pub file: String,
    pub version: String,
    pub branch: String,
}

/// One line of the `--events` table, before times are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub line: u32,
    pub elapsed_ms: Option<u64>,
    pub kind: &'static str,
    pub code: Option<u32>,
    pub path: Option<String>,
    pub version: Option<String>,
    pub text: String,
}

/// What the log says about hotpatching in one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Hotpatch {
    #[default]
    Unmentioned,
    Requested,
    Enabled,
    Disabled,
    Failed,
}

impl Hotpatch {
    pub fn label(self) -> Option<&'static str> {
        match self {
            Hotpatch::Unmentioned => None,
            Hotpatch::Requested => Some("requested"),
            Hotpatch::Enabled => Some("enabled"),
            Hotpatch::Disabled => Some("disabled"),
            Hotpatch::Failed => Some("failed"),
        }
    }
}

/// One installation run, as read from the log (facts only; see [`Run::verdict`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Run {
    /// 1-based position of the run in its file.
    pub index: u32,
    pub first_line: u32,
    pub last_line: u32,
    /// KB named by the `[KB######.log]` line or, failing that, by the run's messages.
    pub name_kb: Option<u32>,
    pub message_kb: Option<u32>,
    pub started: Option<DateTime>,
    pub date_elapsed_ms: Option<u64>,
    pub first_elapsed_ms: Option<u64>,
    pub last_elapsed_ms: Option<u64>,
    pub installer_path: Option<String>,
    pub installer_version: Option<String>,
    pub command_line: Option<String>,
    pub copied: Vec<String>,
    /// Destinations (or sources of pending deletes) listed in this run's `New Information` block.
    pub pending_renames: Vec<String>,
    pub pending_already_before: bool,
    pub blocking: Vec<BlockingFile>,
    pub extended_code: Option<(u32, Evidence)>,
    pub masked_code: Option<(u32, Evidence)>,
    pub failure: Option<Evidence>,
    pub setup_canceled: Option<Evidence>,
    pub restart: Option<Evidence>,
    pub registered_ok: Option<Evidence>,
    pub first_copy: Option<Evidence>,
    pub restore_point: Option<Evidence>,
    pub first_rename: Option<Evidence>,
    pub user_message: Option<String>,
    pub setup_error: Option<String>,
    pub hotpatch_notes: Vec<HotpatchNote>,
    /// Why the run started where it did, when it was not at a header.
    pub warnings: Vec<String>,
    pub events: Vec<Event>,
    /// The run holds a record of a known line family (anything but `Other`): a run without any
    /// is not an installer run (a preamble pasted above a log, or a file of another program).
    pub has_known_record: bool,
    // Split-state, not reported.
    content_records: u32,
    rename_block_new: Option<bool>,
    old_renames: Vec<String>,
}

/// The classification of a run (docs/formats.md §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    RebootRequired,
    Failed,
    Cancelled,
    Incomplete,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::RebootRequired => "reboot_required",
            Outcome::Failed => "failed",
            Outcome::Cancelled => "cancelled",
            Outcome::Incomplete => "incomplete",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub outcome: Outcome,
    pub evidence: Option<Evidence>,
    /// Process exit code, observed or implied; `None` for an incomplete run.
    pub exit_code: Option<u32>,
}

impl Run {
    pub fn is_uninstall(&self) -> bool {
        let in_path = self.installer_path.as_deref().is_some_and(|p| {
            let lower = p.to_ascii_lowercase();
            lower.ends_with("spuninst.exe") || lower.contains("$ntuninstall")
        });
        in_path || self.has_switch(&["/uninstall", "-uninstall"])
    }

    /// Whether the command line holds one of `switches` (case-insensitive, whole words).
    pub fn has_switch(&self, switches: &[&str]) -> bool {
        self.command_line.as_deref().is_some_and(|cmd| {
            cmd.split_whitespace()
                .any(|word| switches.iter().any(|s| word.eq_ignore_ascii_case(s)))
        })
    }

    pub fn hotpatch(&self) -> Hotpatch {
        let noted = |n| self.hotpatch_notes.contains(&n);
        if noted(HotpatchNote::Failed) {
            Hotpatch::Failed
        } else if noted(HotpatchNote::Disabled) {
            Hotpatch::Disabled
        } else if noted(HotpatchNote::Enabled) {
            Hotpatch::Enabled
        } else if self.has_switch(&["/hotpatch:enable", "-hotpatch:enable"]) {
            Hotpatch::Requested
        } else if self.has_switch(&["/hotpatch:disable", "-hotpatch:disable"]) {
            Hotpatch::Disabled
        } else {
            Hotpatch::Unmentioned
        }
    }

    /// Observed span of the run, from its first to its last timed line.
    pub fn duration_ms(&self) -> Option<u64> {
        Some(self.last_elapsed_ms?.saturating_sub(self.first_elapsed_ms?))
    }

    /// Local wall-clock time of a line with the given elapsed value.
    pub fn time_of(&self, elapsed_ms: u64) -> Option<DateTime> {
        let started = self.started?;
        let offset = elapsed_ms as i64 - self.date_elapsed_ms? as i64;
        started
            .checked_add(jiff::SignedDuration::from_millis(offset))
            .ok()
    }

    /// docs/formats.md §2.2, first match wins: failed (or cancelled), reboot_required, success, incomplete.
    pub fn verdict(&self) -> Verdict {
        let is_ok = |code: u32| code == SUCCESS || code == REBOOT_REQUIRED;
        let failing_ext = self.extended_code.as_ref().filter(|(c, _)| !is_ok(*c));
        let failing_mask = self.masked_code.as_ref().filter(|(c, _)| !is_ok(*c));
        let failed_by = failing_ext
            .map(|(_, e)| e)
            .or(self.failure.as_ref())
            .or(failing_mask.map(|(_, e)| e));
        if let Some(evidence) = &self.setup_canceled {
            return self.finish(Outcome::Cancelled, Some(evidence));
        }
        if let Some(evidence) = failed_by {
            return self.finish(Outcome::Failed, Some(evidence));
        }
        let ext = |code: u32| {
            self.extended_code
                .as_ref()
                .filter(move |(c, _)| *c == code)
                .map(|(_, e)| e)
        };
        let masked_reboot = self
            .masked_code
            .as_ref()
            .filter(|(c, _)| *c == REBOOT_REQUIRED);
        let reboot_by = ext(REBOOT_REQUIRED)
            .or(masked_reboot.map(|(_, e)| e))
            .or(self.restart.as_ref())
            .or(self
                .first_rename
                .as_ref()
                .filter(|_| !self.pending_renames.is_empty()));
        if let Some(evidence) = reboot_by {
            return self.finish(Outcome::RebootRequired, Some(evidence));
        }
        let success_by = ext(SUCCESS)
            .or(self.registered_ok.as_ref())
            .or(self.first_copy.as_ref())
            .or(self.restore_point.as_ref());
        if let Some(evidence) = success_by {
            return self.finish(Outcome::Success, Some(evidence));
        }
        self.finish(Outcome::Incomplete, None)
    }

    fn finish(&self, outcome: Outcome, evidence: Option<&Evidence>) -> Verdict {
        Verdict {
            outcome,
            evidence: evidence.cloned(),
            exit_code: self.exit_code(outcome),
        }
    }

    /// The installer masks failing codes to 0x643 unless `/ER` asked for the extended code.
    fn exit_code(&self, outcome: Outcome) -> Option<u32> {
        if let Some((code, _)) = self.masked_code {
            return Some(code);
        }
        if let Some((code, _)) = self.extended_code {
            let keeps_code =
                code == SUCCESS || code == REBOOT_REQUIRED || self.has_switch(&["/er", "-er"]);
            return Some(if keeps_code { code } else { INSTALL_FAILURE });
        }
        match outcome {
            Outcome::Success => Some(SUCCESS),
            Outcome::RebootRequired => Some(REBOOT_REQUIRED),
            Outcome::Failed | Outcome::Cancelled => Some(INSTALL_FAILURE),
            Outcome::Incomplete => None,
        }
    }

    /// Adds one record's facts to the run.
    fn absorb(&mut self, record: &Record<'_>, line: &Line<'_>, keep_events: bool) {
        self.last_line = record.last_line;
        if let Some(ms) = record.elapsed_ms {
            self.first_elapsed_ms.get_or_insert(ms);
            self.last_elapsed_ms = Some(ms);
        }
        if record.is_name {
            self.name_kb = self.name_kb.or(line::find_kb(&record.text));
        } else if !matches!(line, Line::Separator) {
            self.content_records += 1;
        }
        if *line != Line::Other {
            self.has_known_record = true;
        }
        let kb_known = self.message_kb.is_some() || self.name_kb.is_some();
        if !kb_known && !matches!(line, Line::BlockedFile { .. }) {
            self.message_kb = line::find_kb(&record.text);
        }
        if !matches!(
            line,
            Line::RenameSource { .. } | Line::RenameDestination { .. } | Line::RenameBlock { .. }
        ) {
            self.rename_block_new = None;
        }
        let evidence = || Evidence::of(record);
        match line {
            Line::Date(dt) if self.started.is_none() => {
                self.started = Some(*dt);
                self.date_elapsed_ms = record.elapsed_ms.or(Some(0));
            }
            Line::Installer { path, version } if self.installer_path.is_none() => {
                self.installer_path = Some(path.to_string());
                self.installer_version = Some(version.to_string());
            }
            Line::CommandLine(switches) if self.command_line.is_none() => {
                self.command_line = Some(switches.to_string());
            }
            Line::Blocked => {
                self.failure.get_or_insert_with(evidence);
            }
            Line::BlockedFile {
                kb,
                file,
                version,
                branch,
            } => self.blocking.push(BlockingFile {
                kb: kb.to_string(),
                file: file.to_string(),
                version: version.to_string(),
                branch: branch.to_string(),
            }),
            Line::RenameBlock { new } => self.rename_block_new = Some(*new),
            Line::RenameSource { path, .. } | Line::RenameDestination { path, .. } => {
                let is_destination = matches!(line, Line::RenameDestination { .. });
                match self.rename_block_new {
                    Some(true) if is_destination => {
                        self.first_rename.get_or_insert_with(evidence);
                        if self.old_renames.iter().any(|old| old == path) {
                            self.pending_already_before = true;
                        }
                        self.pending_renames.push(path.to_string());
                    }
                    Some(false) if is_destination => self.old_renames.push(path.to_string()),
                    _ => {}
                }
            }
            Line::Copy { path } => {
                self.first_copy.get_or_insert_with(evidence);
                self.copied.push(path.to_string());
            }
            Line::Register {
                deregister: false,
                code: Some(0),
            } => {
                self.registered_ok.get_or_insert_with(evidence);
            }
            Line::RestorePoint => {
                self.restore_point.get_or_insert_with(evidence);
            }
            Line::UserMessage(text) => {
                if self.user_message.is_none() && !text.is_empty() {
                    self.user_message = Some(text.to_string());
                }
                if line::mentions_restart(text) {
                    self.restart.get_or_insert_with(evidence);
                }
            }
            Line::Restart => {
                self.restart.get_or_insert_with(evidence);
            }
            Line::ExtendedCode(code) => self.extended_code = Some((*code, evidence())),
            Line::MaskedCode(code) => self.masked_code = Some((*code, evidence())),
            Line::Failure(Failure::SetupCanceled) => {
                self.setup_canceled.get_or_insert_with(evidence);
            }
            Line::Failure(kind) => {
                if *kind == Failure::SetupError && self.setup_error.is_none() {
                    let text = record
                        .text
                        .split_once("error:")
                        .map_or("", |(_, t)| t.trim());
                    self.setup_error = Some(text.to_string());
                }
                self.failure.get_or_insert_with(evidence);
            }
            Line::Hotpatch(note) => self.hotpatch_notes.push(*note),
            _ => {}
        }
        if keep_events {
            self.events.push(Event {
                line: record.line,
                elapsed_ms: record.elapsed_ms,
                kind: if record.is_name {
                    "header"
                } else {
                    line.kind()
                },
                code: match line {
                    Line::ExtendedCode(c) | Line::MaskedCode(c) => Some(*c),
                    _ => line::first_hex(&record.text),
                },
                path: line.path().filter(|p| !p.is_empty()).map(str::to_string),
                version: line.version().filter(|v| !v.is_empty()).map(str::to_string),
                text: record.text.trim().to_string(),
            });
        }
    }

    /// Whether `record` begins a new run after this one.
    fn is_ended_by(&self, record: &Record<'_>, line: &Line<'_>) -> bool {
        let has_any = self.first_line != 0;
        match line {
            _ if record.is_name => self.content_records > 0 || self.name_kb.is_some(),
            Line::Separator => self.content_records > 0,
            Line::Date(_) => self.started.is_some(),
            _ => {
                has_any
                    && matches!((record.elapsed_ms, self.last_elapsed_ms), (Some(now), Some(before)) if now < before)
            }
        }
    }
}

/// Splits a file's text into runs. `keep_events` also records every line for `--events`.
///
/// This is the line-by-line reading that repairs every kind of damage; [`super::fast`] reads a
/// well-formed file faster and gives the same runs.
pub fn split_runs(text: &str, keep_events: bool, notes: &mut FileNotes) -> Vec<Run> {
    let mut splitter = RunSplitter::new(keep_events);
    for_each_record(text, notes, |record| {
        let line = if record.is_name {
            Line::Other
        } else {
            line::classify(&record.text)
        };
        splitter.record(&record, &line);
    });
    splitter.finish()
}

/// Assembles classified records into runs, in file order: one state machine for both readings of
/// a file (the careful one above and the fast one).
pub(crate) struct RunSplitter {
    runs: Vec<Run>,
    current: Run,
    keep_events: bool,
}

impl RunSplitter {
    pub(crate) fn new(keep_events: bool) -> Self {
        RunSplitter {
            runs: Vec::new(),
            current: Run::default(),
            keep_events,
        }
    }

    /// Adds one record, starting a new run first when the record begins one.
    pub(crate) fn record(&mut self, record: &Record<'_>, line: &Line<'_>) {
        if self.current.first_line != 0 && self.current.is_ended_by(record, line) {
            let backwards = !record.is_name && !matches!(line, Line::Separator | Line::Date(_));
            self.end_run(record.line, backwards);
        }
        self.start_run(record.line);
        self.current.absorb(record, line, self.keep_events);
    }

    /// Adds a timed record that decides nothing: a probe, a check, or a line of no known family
    /// (what `classify` calls `Other`, `Probe`, `Check`, `Analysis` or `Branch`). Equivalent to
    /// [`RunSplitter::record`] for such a line, without classifying it unless the run has no
    /// known record yet (`is_known` is asked then).
    pub(crate) fn plain(
        &mut self,
        number: u32,
        elapsed_ms: u64,
        message: &str,
        is_known: impl FnOnce() -> bool,
    ) {
        debug_assert!(!self.keep_events, "events need every record classified");
        let run = &mut self.current;
        if run.first_line != 0
            && run
                .last_elapsed_ms
                .is_some_and(|before| elapsed_ms < before)
        {
            self.end_run(number, true);
        }
        self.start_run(number);
        let run = &mut self.current;
        run.last_line = number;
        run.first_elapsed_ms.get_or_insert(elapsed_ms);
        run.last_elapsed_ms = Some(elapsed_ms);
        run.content_records += 1;
        if !run.has_known_record && is_known() {
            run.has_known_record = true;
        }
        if run.message_kb.is_none() && run.name_kb.is_none() {
            run.message_kb = line::find_kb(message);
        }
        run.rename_block_new = None;
    }

    fn end_run(&mut self, at_line: u32, backwards: bool) {
        let finished = std::mem::take(&mut self.current);
        self.runs.push(finished);
        if backwards {
            self.current.warnings.push(format!(
                "run starts without a header: elapsed time went backwards at line {at_line}"
            ));
        }
    }

    fn start_run(&mut self, at_line: u32) {
        if self.current.first_line == 0 {
            self.current.index = self.runs.len() as u32 + 1;
            self.current.first_line = at_line;
        }
    }

    /// The runs, with the warnings only the end of a run can tell.
    pub(crate) fn finish(mut self) -> Vec<Run> {
        if self.current.first_line != 0 {
            self.runs.push(self.current);
        }
        for run in &mut self.runs {
            if run.started.is_none() {
                run.warnings
                    .push("no date line: start time unknown".to_string());
            }
            if run.pending_already_before {
                run.warnings
                    .push("some pending renames were already pending before this run".to_string());
            }
        }
        self.runs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &str) -> Vec<Record<'_>> {
        let mut out = Vec::new();
        for_each_record(text, &mut FileNotes::default(), |r| out.push(r));
        out
    }

    #[test]
    fn wrapped_and_glued_lines_are_repaired() {
        let text = "0.100: Message displayed to the user: a long\r\nwrapped text\r\n0.200: A 0.300: B\nC:\\x";
        let r = records(text);
        assert_eq!(r.len(), 3);
        assert_eq!(
            r[0].text,
            "Message displayed to the user: a long wrapped text"
        );
        assert_eq!((r[0].line, r[0].last_line), (1, 2));
        assert_eq!(r[1].text, "A");
        assert_eq!(r[2].text, "B C:\\x");
        assert_eq!(r[2].elapsed_ms, Some(300));
    }

    #[test]
    fn stripped_marker_lines_stay_records() {
        let r = records("0.1: a\n0.100: Copied file:  x\nUpdate.exe extended error code = 0x0\n");
        assert_eq!(
            r.len(),
            3,
            "0.1 is not a prefix: that line is a record of its own"
        );
        assert_eq!(r[0].elapsed_ms, None);
        let r = records("0.100: Copied file:  x\nUpdate.exe extended error code = 0x0\n");
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].elapsed_ms, None);
    }

    #[test]
    fn wrapped_separator_is_joined() {
        let sep = "=".repeat(62);
        let text = format!(
            "0.172: {}\n{}\n0.172: 2005/06/17 12:33:45.123 (local)\n",
            &sep[..50],
            &sep[50..]
        );
        let r = records(&text);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].text, sep);
        let wrapped = format!("0.172:\n{}\n{}\n", &sep[..50], &sep[50..]);
        let r = records(&wrapped);
        assert_eq!(r.len(), 1, "a bare prefix takes the wrapped message");
        assert_eq!(r[0].text, sep);
    }

    #[test]
    fn runs_split_at_separators_dates_and_backwards_time() {
        let sep = "=".repeat(62);
        let text = format!(
            "[KB123456.log]\n0.172: {sep}\n0.172: 2005/06/17 12:33:45.123 (local)\n5.000: Copied file:  a\n\
             [KB123456.log]\n0.172: {sep}\n0.172: 2005/06/18 12:33:45.123 (local)\n3.000: y\n1.000: z\n"
        );
        let runs = split_runs(&text, false, &mut FileNotes::default());
        assert_eq!(runs.len(), 3);
        assert_eq!(runs[0].first_line, 1);
        assert_eq!(runs[0].name_kb, Some(123_456));
        assert_eq!(runs[0].copied, ["a"]);
        assert_eq!(runs[1].first_line, 5);
        assert_eq!(runs[1].started.unwrap().day(), 18);
        assert_eq!(runs[2].first_line, 9);
        assert!(runs[2].warnings[0].contains("went backwards at line 9"));
    }
}
