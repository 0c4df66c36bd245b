//! The two tables of `kbaudit logs`: one row per run (docs/formats.md §2.3) and, with `--events`, one row
//! per log line.

use jiff::{Timestamp, civil::DateTime, tz::TimeZone};

use super::codes;
use super::run::{Outcome, Run};
use super::{LogFile, Problem};
use crate::output::{Cell, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    pub host: String,
    pub kb: Option<u32>,
    pub action: Option<&'static str>,
    pub started_local: Option<DateTime>,
    pub started_utc: Option<Timestamp>,
    pub duration_ms: Option<u64>,
    pub outcome: &'static str,
    pub exit_code: Option<u32>,
    pub extended_code: Option<u32>,
    pub extended_meaning: Option<&'static str>,
    pub reboot_required: Option<bool>,
    pub hotpatch: Option<&'static str>,
    pub installer_version: Option<String>,
    pub command_line: Option<String>,
    pub files_copied: Option<usize>,
    pub pending_renames: Option<usize>,
    /// Files the run replaced: copied files and pending-rename destinations, as logged, without
    /// the `dllcache` twins (what `order` and `state` reason with).
    pub replaced_files: Vec<String>,
    pub message: Option<String>,
    pub evidence_line: Option<u32>,
    pub evidence: Option<String>,
    pub source_file: String,
    pub run_index: Option<u32>,
    pub first_line: Option<u32>,
    pub last_line: Option<u32>,
    pub encoding: Option<&'static str>,
    pub warnings: Vec<String>,
}

impl Row for RunRow {
    const COLUMNS: &'static [&'static str] = &[
        "host",
        "kb",
        "action",
        "started_local",
        "started_utc",
        "duration_s",
        "outcome",
        "exit_code",
        "extended_code",
        "extended_meaning",
        "reboot_required",
        "hotpatch",
        "installer_version",
        "command_line",
        "files_copied",
        "pending_renames",
        "replaced_files",
        "message",
        "evidence_line",
        "evidence",
        "source_file",
        "run_index",
        "first_line",
        "last_line",
        "encoding",
        "warnings",
    ];

    fn cells(&self) -> Vec<Cell<'_>> {
        let count = |n: Option<usize>| Cell::opt(n, |n| Cell::Int(n as i64));
        let number = |n: Option<u32>| Cell::opt(n, |n| Cell::Int(i64::from(n)));
        vec![
            Cell::text(self.host.as_str()),
            Cell::opt(self.kb, |kb| Cell::text(format!("KB{kb}"))),
            Cell::opt(self.action, Cell::Word),
            Cell::opt(self.started_local, Cell::Local),
            Cell::opt(self.started_utc, Cell::Utc),
            Cell::opt(self.duration_ms, Cell::Millis),
            Cell::Word(self.outcome),
            number(self.exit_code),
            Cell::opt(self.extended_code, Cell::Hex),
            Cell::opt(self.extended_meaning, Cell::Word),
            Cell::opt(self.reboot_required, Cell::Bool),
            Cell::opt(self.hotpatch, Cell::Word),
            Cell::opt_text(self.installer_version.as_deref()),
            Cell::opt_text(self.command_line.as_deref()),
            count(self.files_copied),
            count(self.pending_renames),
            Cell::joined(&self.replaced_files, "; "),
            Cell::opt_text(self.message.as_deref()),
            number(self.evidence_line),
            Cell::opt_text(self.evidence.as_deref()),
            Cell::text(self.source_file.as_str()),
            number(self.run_index),
            number(self.first_line),
            number(self.last_line),
            Cell::opt(self.encoding, Cell::Word),
            Cell::joined(&self.warnings, "; "),
        ]
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub source_file: String,
    pub run_index: Option<u32>,
    pub line: u32,
    pub elapsed_ms: Option<u64>,
    pub time_local: Option<DateTime>,
    pub kind: &'static str,
    pub code: Option<u32>,
    pub path: Option<String>,
    pub version: Option<String>,
    pub text: String,
}

impl Row for EventRow {
    const COLUMNS: &'static [&'static str] = &[
        "source_file",
        "run_index",
        "line",
        "elapsed",
        "time_local",
        "kind",
        "code",
        "path",
        "version",
        "text",
    ];

    fn cells(&self) -> Vec<Cell<'_>> {
        vec![
            Cell::text(self.source_file.as_str()),
            Cell::opt(self.run_index, |n| Cell::Int(i64::from(n))),
            Cell::Int(i64::from(self.line)),
            Cell::opt(self.elapsed_ms, Cell::Millis),
            Cell::opt(self.time_local, Cell::Local),
            Cell::Word(self.kind),
            Cell::opt(self.code, Cell::Hex),
            Cell::opt_text(self.path.as_deref()),
            Cell::opt_text(self.version.as_deref()),
            Cell::text(self.text.as_str()),
        ]
    }
}

impl LogFile {
    /// One row per run, or one row saying why there is none.
    pub fn run_rows(&self, tz: Option<&TimeZone>) -> Vec<RunRow> {
        if let Some(problem) = &self.problem {
            let (outcome, reason) = match problem {
                Problem::Unreadable(r) => ("unreadable", r),
                Problem::NoRuns(r) => ("no_runs", r),
            };
            let mut warnings = vec![reason.clone()];
            warnings.extend(self.warnings.iter().cloned());
            return vec![RunRow {
                outcome,
                warnings,
                ..self.empty_row()
            }];
        }
        self.runs.iter().map(|run| self.run_row(run, tz)).collect()
    }

    fn empty_row(&self) -> RunRow {
        RunRow {
            host: self.host.clone(),
            kb: self.file_kb,
            source_file: self.source.clone(),
            encoding: self.encoding,
            ..RunRow::empty()
        }
    }
}

impl RunRow {
    /// A row with nothing known.
    pub fn empty() -> Self {
        RunRow {
            host: String::new(),
            kb: None,
            action: None,
            started_local: None,
            started_utc: None,
            duration_ms: None,
            outcome: "",
            exit_code: None,
            extended_code: None,
            extended_meaning: None,
            reboot_required: None,
            hotpatch: None,
            installer_version: None,
            command_line: None,
            files_copied: None,
            pending_renames: None,
            replaced_files: Vec::new(),
            message: None,
            evidence_line: None,
            evidence: None,
            source_file: String::new(),
            run_index: None,
            first_line: None,
            last_line: None,
            encoding: None,
            warnings: Vec::new(),
        }
    }
}

impl LogFile {
    fn run_row(&self, run: &Run, tz: Option<&TimeZone>) -> RunRow {
        let verdict = run.verdict();
        let mut warnings = self.warnings.clone();
        warnings.extend(run.warnings.iter().cloned());
        let started_utc = match (tz, run.started) {
            (Some(tz), Some(local)) => {
                let ambiguous = tz.to_ambiguous_timestamp(local);
                if ambiguous.is_ambiguous() {
                    warnings.push("local start time is ambiguous or skipped in this zone (DST change); converted with the 'compatible' rule (as RFC 5545)".into());
                }
                ambiguous.compatible().ok()
            }
            _ => None,
        };
        let inferred = [run.first_copy.as_ref(), run.restore_point.as_ref()];
        if verdict.outcome == Outcome::Success && inferred.contains(&verdict.evidence.as_ref()) {
            warnings.push("no closing line: success inferred from install work only".into());
        }
        let extended_code = run.extended_code.as_ref().map(|(c, _)| *c);
        let failed = matches!(verdict.outcome, Outcome::Failed | Outcome::Cancelled);
        let message = run
            .user_message
            .clone()
            .or_else(|| run.setup_error.clone().filter(|s| !s.is_empty()))
            .or_else(|| {
                failed
                    .then(|| run.failure.as_ref().map(|e| e.text.clone()))
                    .flatten()
            });
        RunRow {
            kb: self.kb_of(run),
            action: Some(if run.is_uninstall() {
                "uninstall"
            } else {
                "install"
            }),
            started_local: run.started,
            started_utc,
            duration_ms: run.duration_ms(),
            outcome: verdict.outcome.label(),
            exit_code: verdict.exit_code,
            extended_code,
            extended_meaning: extended_code.and_then(codes::extended_meaning),
            reboot_required: (verdict.outcome != Outcome::Incomplete)
                .then_some(verdict.outcome == Outcome::RebootRequired),
            hotpatch: run.hotpatch().label(),
            installer_version: run.installer_version.clone(),
            command_line: run.command_line.clone(),
            files_copied: Some(run.copied.len()),
            pending_renames: Some(run.pending_renames.len()),
            replaced_files: crate::order::replaced_files_as_logged(run),
            message,
            evidence_line: verdict.evidence.as_ref().map(|e| e.line),
            evidence: verdict.evidence.map(|e| e.text),
            run_index: Some(run.index),
            first_line: Some(run.first_line),
            last_line: Some(run.last_line),
            warnings,
            ..self.empty_row()
        }
    }

    /// One row per log record, in file order.
    pub fn event_rows(&self) -> Vec<EventRow> {
        let mut all: Vec<&Run> = self.runs.iter().chain(&self.stray).collect();
        all.sort_by_key(|r| r.first_line);
        all.iter()
            .flat_map(|run| {
                run.events.iter().map(move |event| EventRow {
                    source_file: self.source.clone(),
                    run_index: (run.index > 0).then_some(run.index),
                    line: event.line,
                    elapsed_ms: event.elapsed_ms,
                    time_local: event.elapsed_ms.and_then(|ms| run.time_of(ms)),
                    kind: event.kind,
                    code: event.code,
                    path: event.path.clone(),
                    version: event.version.clone(),
                    text: event.text.clone(),
                })
            })
            .collect()
    }
}
