//! `kbaudit report`: one self-contained HTML file for people who read rather than filter.
//!
//! The report aggregates; it does not embed every row. Hosts stream through [`Report::add_host`]
//! with their run rows and state rows (the same ones `kbaudit state` writes). Only counts, a
//! compact hosts × KBs grid, and bounded lists of examples (each naming its evidence, `file:line`)
//! are kept, so memory and the file's size stay small however large the share.

mod html;
mod svg;

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::DateTime;

use crate::logs::RunRow;
use crate::state::{State, StateRow, Tally};

pub use html::render;

/// Longest list shown in a section; the rest is counted.
const LIST_LIMIT: usize = 200;
/// Hosts shown in the heatmap (those with the most problems).
pub const HEATMAP_HOSTS: usize = 60;

/// One failure code's story across the fleet.
#[derive(Debug, Default, Clone)]
pub struct Failure {
    pub meaning: Option<&'static str>,
    pub hosts: BTreeSet<String>,
    pub runs: usize,
    pub first: Option<DateTime>,
    pub last: Option<DateTime>,
    /// One run that shows it: `file:line`.
    pub example: String,
}

/// A bounded list: the first items, and how many there were.
#[derive(Debug, Default, Clone)]
pub struct Listed<T> {
    pub items: Vec<T>,
    pub total: usize,
}

impl<T> Listed<T> {
    fn push(&mut self, item: T) {
        self.total += 1;
        if self.items.len() < LIST_LIMIT {
            self.items.push(item);
        }
    }
}

/// A host's row in the heatmap: its state per KB and how many problems it has.
#[derive(Debug, Clone)]
pub struct HeatRow {
    pub host: String,
    pub cells: BTreeMap<u32, State>,
    pub problems: usize,
}

/// Everything the report shows, gathered host by host.
#[derive(Debug, Default)]
pub struct Report {
    pub title: String,
    pub inputs: usize,
    pub runs: usize,
    pub first_run: Option<DateTime>,
    pub last_run: Option<DateTime>,
    pub tally: Tally,
    /// Per KB, rows per state.
    pub per_kb: BTreeMap<u32, BTreeMap<State, usize>>,
    pub heat: Vec<HeatRow>,
    /// Successful installs per month (year, month).
    pub installs_by_month: BTreeMap<(i16, i8), usize>,
    pub failures: BTreeMap<u32, Failure>,
    /// Failed runs without an extended code (a failure line, or a masked code).
    pub failures_without_code: usize,
    /// (host, KB, since, evidence)
    pub pending_reboot: Listed<(String, u32, Option<DateTime>, String)>,
    pub no_logs: Listed<String>,
    /// (host, KB, evidence) of runs cut off.
    pub incomplete: Listed<(String, Option<u32>, String)>,
    /// (file, reason)
    pub unreadable: Listed<(String, String)>,
}

fn is_problem(state: State) -> bool {
    !matches!(state, State::Installed | State::Removed)
}

impl Report {
    pub fn new(title: &str) -> Self {
        Report {
            title: title.to_string(),
            ..Report::default()
        }
    }

    /// Folds in one host: its run rows (as `logs` writes them, filtered) and its state rows.
    pub fn add_host(&mut self, host: &str, runs: &[RunRow], states: &[StateRow]) {
        let files: BTreeSet<&str> = runs.iter().map(|r| r.source_file.as_str()).collect();
        self.inputs += files.len();
        self.tally.add_host(states);
        for run in runs {
            let Some(_) = run.run_index else {
                if run.outcome == "unreadable" {
                    let why = run.warnings.first().cloned().unwrap_or_default();
                    self.unreadable.push((run.source_file.clone(), why));
                }
                continue;
            };
            self.runs += 1;
            if let Some(t) = run.started_local {
                self.first_run = Some(self.first_run.map_or(t, |f| f.min(t)));
                self.last_run = Some(self.last_run.map_or(t, |l| l.max(t)));
            }
            let evidence = format!(
                "{}:{}",
                run.source_file,
                run.evidence_line.or(run.last_line).unwrap_or(0)
            );
            let ok = matches!(run.outcome, "success" | "reboot_required");
            if ok
                && run.action == Some("install")
                && let Some(t) = run.started_local
            {
                *self
                    .installs_by_month
                    .entry((t.year(), t.month()))
                    .or_default() += 1;
            }
            if run.outcome == "failed" {
                match run.extended_code {
                    Some(code) => {
                        let f = self.failures.entry(code).or_default();
                        f.meaning = run.extended_meaning;
                        f.hosts.insert(host.to_lowercase());
                        f.runs += 1;
                        if let Some(t) = run.started_local {
                            f.first = Some(f.first.map_or(t, |x| x.min(t)));
                            f.last = Some(f.last.map_or(t, |x| x.max(t)));
                        }
                        if f.example.is_empty() {
                            f.example = evidence.clone();
                        }
                    }
                    None => self.failures_without_code += 1,
                }
            }
            if run.outcome == "incomplete" {
                self.incomplete.push((host.to_string(), run.kb, evidence));
            }
        }
        let mut cells = BTreeMap::new();
        for row in states {
            if let Some(kb) = row.kb {
                *self
                    .per_kb
                    .entry(kb)
                    .or_default()
                    .entry(row.state)
                    .or_default() += 1;
                cells.insert(kb, row.state);
            }
            if row.state == State::InstalledPendingReboot {
                self.pending_reboot.push((
                    host.to_string(),
                    row.kb.unwrap_or(0),
                    row.last_success_local,
                    row.evidence.clone().unwrap_or_default(),
                ));
            }
        }
        if states.iter().any(|r| r.state == State::NoLogs) {
            self.no_logs.push(host.to_string());
        }
        let problems = states.iter().filter(|r| is_problem(r.state)).count();
        self.heat.push(HeatRow {
            host: host.to_string(),
            cells,
            problems,
        });
        // Keep only the hosts the heatmap can show (most problems first, then by name).
        if self.heat.len() > HEATMAP_HOSTS * 4 {
            self.trim_heat();
        }
    }

    fn trim_heat(&mut self) {
        self.heat.sort_by(|a, b| {
            b.problems
                .cmp(&a.problems)
                .then_with(|| a.host.to_lowercase().cmp(&b.host.to_lowercase()))
        });
        self.heat.truncate(HEATMAP_HOSTS);
    }

    /// The heatmap's hosts (at most [`HEATMAP_HOSTS`], most problems first) and how many hosts
    /// are not shown.
    pub fn heatmap(&mut self) -> (&[HeatRow], usize) {
        self.trim_heat();
        let hidden = self.tally.hosts.saturating_sub(self.heat.len());
        (&self.heat, hidden)
    }
}
