//! `kbaudit state`: per host and update, where things stand as of the last log (installed,
//! pending reboot, removed, failed and why, missing against a baseline, or no logs at all).
//!
//! The input is the run table of `kbaudit logs` (one [`RunRow`] per run, or per unreadable file),
//! grouped by host; nothing here reads a log. The rules, for one host and one KB, over its runs
//! in time order (undated runs by their place in the files, said in `findings`):
//! - a successful install (`success`, `reboot_required`) not undone by a later successful
//!   uninstall: `installed`, or `installed_pending_reboot` when that install run asked for a reboot;
//! - a successful uninstall after the last successful install: `removed`;
//! - no successful install: the latest attempt's outcome (`failed`, `cancelled`, `incomplete`);
//! - a baseline KB with no log on a known host: `missing`; an inventory host with no log at all:
//!   `no_logs`; a host whose logs hold no readable run (and no baseline to measure): `no_runs`.

mod matrix;
mod row;

use std::collections::BTreeMap;

pub use matrix::{Matrix, MatrixRow};
pub use row::StateRow;

use crate::logs::RunRow;

/// Where one update stands on one host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum State {
    Installed,
    InstalledPendingReboot,
    Removed,
    Failed,
    Cancelled,
    Incomplete,
    Missing,
    NoLogs,
    NoRuns,
}

impl State {
    pub const ALL: [State; 9] = [
        State::Installed,
        State::InstalledPendingReboot,
        State::Removed,
        State::Failed,
        State::Cancelled,
        State::Incomplete,
        State::Missing,
        State::NoLogs,
        State::NoRuns,
    ];

    pub fn label(self) -> &'static str {
        match self {
            State::Installed => "installed",
            State::InstalledPendingReboot => "installed_pending_reboot",
            State::Removed => "removed",
            State::Failed => "failed",
            State::Cancelled => "cancelled",
            State::Incomplete => "incomplete",
            State::Missing => "missing",
            State::NoLogs => "no_logs",
            State::NoRuns => "no_runs",
        }
    }

    /// The word in a `--matrix` cell.
    pub fn short(self) -> &'static str {
        match self {
            State::InstalledPendingReboot => "reboot",
            other => other.label(),
        }
    }

    pub fn is_installed(self) -> bool {
        matches!(self, State::Installed | State::InstalledPendingReboot)
    }
}

/// Everything known about one host, gathered before its rows are derived.
#[derive(Debug, Default)]
pub struct HostEvidence {
    /// Run rows (and unreadable / no-run file rows) of this host, as `logs` writes them.
    pub rows: Vec<RunRow>,
    /// Findings about uninstall attempts, per KB (from the removal-order replay, when the logs
    /// themselves were read; empty when working from a run table).
    pub uninstall_findings: BTreeMap<u32, Vec<String>>,
    /// Said on every row of the host (e.g. "not in the host inventory").
    pub host_findings: Vec<String>,
    /// Log files of this host before any KB or time filter (0: the host sent no logs).
    pub log_files: usize,
    /// A KB or time filter narrowed `rows`: a host left with nothing to say is left out.
    pub narrowed: bool,
}

fn is_ok(outcome: &str) -> bool {
    matches!(outcome, "success" | "reboot_required")
}

fn is_run(row: &RunRow) -> bool {
    row.run_index.is_some()
}

fn run_ref(row: &RunRow) -> String {
    format!("{}#{}", row.source_file, row.run_index.unwrap_or(0))
}

fn when(row: &RunRow) -> String {
    row.started_local.map_or_else(
        || format!("(undated run {})", run_ref(row)),
        |t| format!("on {}", t.strftime("%Y-%m-%d %H:%M")),
    )
}

/// The state rows of one host: one per KB its runs name (KB order, unknown KB last), plus the
/// baseline KBs it has no log of.
pub fn host_states(host: &str, evidence: &HostEvidence, baseline: &[u32]) -> Vec<StateRow> {
    let HostEvidence {
        rows,
        uninstall_findings,
        host_findings,
        log_files,
        narrowed,
    } = evidence;
    let (log_files, narrowed) = (*log_files, *narrowed);
    let mut problem_files: Vec<&RunRow> = rows.iter().filter(|r| !is_run(r)).collect();
    problem_files.sort_by(|a, b| a.source_file.cmp(&b.source_file));
    let describe_file = |r: &RunRow| {
        format!(
            "{} ({})",
            r.source_file,
            r.warnings.first().map_or("", String::as_str)
        )
    };
    // Unreadable files whose name gives no KB may hold any update: said on the missing rows.
    let unreadable: Vec<String> = problem_files
        .iter()
        .filter(|r| r.outcome == "unreadable" && r.kb.is_none())
        .map(|r| describe_file(r))
        .collect();
    let mut by_kb: BTreeMap<(bool, Option<u32>), Vec<&RunRow>> = BTreeMap::new();
    for row in rows.iter().filter(|r| is_run(r)) {
        by_kb
            .entry((row.kb.is_none(), row.kb))
            .or_default()
            .push(row);
    }
    let mut out = Vec::new();
    let base_findings = |extra: &mut Vec<String>| {
        let mut all = host_findings.clone();
        all.append(extra);
        all
    };
    for ((_, kb), runs) in by_kb {
        let conflicts = kb
            .and_then(|k| uninstall_findings.get(&k).cloned())
            .unwrap_or_default();
        let mut row = kb_state(host, kb, runs, conflicts);
        row.findings = base_findings(&mut row.findings);
        out.push(row);
    }
    // A file named for a KB that yields no run (unreadable, empty, not a log): that KB's row.
    for file in &problem_files {
        let Some(kb) = file.kb else { continue };
        if out.iter().any(|r| r.kb == Some(kb)) {
            continue;
        }
        let mut said = vec![format!("no installer run in {}", describe_file(file))];
        out.push(StateRow {
            evidence: Some(file.source_file.clone()),
            findings: base_findings(&mut said),
            ..StateRow::empty(host, Some(kb), State::NoRuns)
        });
    }
    out.sort_by_key(|r| (r.kb.is_none(), r.kb));
    let seen: Vec<u32> = out.iter().filter_map(|r| r.kb).collect();
    let has_files = log_files > 0 || !rows.is_empty();
    let missing_state = if has_files {
        State::Missing
    } else {
        State::NoLogs
    };
    let mut gap_findings = Vec::new();
    if !has_files {
        gap_findings.push("no log file of this host was found".to_string());
    } else if !unreadable.is_empty() {
        gap_findings.push(format!(
            "{} unreadable log file(s), which may hold it: {}",
            unreadable.len(),
            unreadable.join("; ")
        ));
    }
    let mut missing: Vec<u32> = baseline
        .iter()
        .copied()
        .filter(|k| !seen.contains(k))
        .collect();
    missing.sort_unstable();
    for kb in missing {
        out.push(StateRow {
            findings: base_findings(&mut gap_findings.clone()),
            ..StateRow::empty(host, Some(kb), missing_state)
        });
    }
    if out.is_empty() && !(narrowed && has_files) {
        // Nothing to measure against: the host still gets a row, saying what its logs were.
        let (state, mut said) = if has_files {
            let files: Vec<String> = problem_files.iter().map(|r| describe_file(r)).collect();
            (
                State::NoRuns,
                vec![format!(
                    "no installer run in its log files: {}",
                    files.join("; ")
                )],
            )
        } else {
            (State::NoLogs, gap_findings)
        };
        out.push(StateRow {
            findings: base_findings(&mut said),
            ..StateRow::empty(host, None, state)
        });
    }
    out.sort_by_key(|r| (r.kb.is_none(), r.kb));
    out
}

/// The state of one KB on one host from its runs.
fn kb_state(
    host: &str,
    kb: Option<u32>,
    mut runs: Vec<&RunRow>,
    conflicts: Vec<String>,
) -> StateRow {
    let mut findings = Vec::new();
    // File order first; then time order when every run has a date.
    runs.sort_by(|a, b| (&a.source_file, a.run_index).cmp(&(&b.source_file, b.run_index)));
    if runs.iter().all(|r| r.started_local.is_some()) {
        runs.sort_by_key(|r| r.started_local);
    } else {
        let undated = runs.iter().filter(|r| r.started_local.is_none()).count();
        findings.push(format!(
            "{undated} undated run(s): runs placed by file position"
        ));
    }
    let mut last_install_ok: Option<&RunRow> = None;
    let mut removal: Option<&RunRow> = None;
    let mut attempts = 0usize;
    let mut failed_attempts = 0usize;
    let mut failures_before_success = None;
    for &run in &runs {
        let ok = is_ok(run.outcome);
        if run.action == Some("uninstall") {
            if ok {
                removal = Some(run);
            }
            continue;
        }
        attempts += 1;
        let still_installed = last_install_ok.is_some() && removal.is_none();
        if ok {
            if still_installed {
                findings.push(format!("installed twice (again {})", when(run)));
            }
            failures_before_success.get_or_insert(failed_attempts);
            last_install_ok = Some(run);
            removal = None;
        } else {
            failed_attempts += 1;
            if still_installed {
                findings.push(format!(
                    "{} after an earlier success (still installed): {}",
                    run.outcome,
                    when(run)
                ));
            }
        }
    }
    if let Some(n) = failures_before_success.filter(|&n| n > 0) {
        findings.push(format!("failed {n} time(s) before succeeding"));
    }
    let last = *runs.last().expect("a KB group has at least one run");
    let (state, decider) = if let Some(r) = removal {
        if last_install_ok.is_none() {
            findings.push("removed, but its install is not in these logs".into());
        }
        (State::Removed, r)
    } else if let Some(r) = last_install_ok {
        let state = if r.outcome == "reboot_required" {
            State::InstalledPendingReboot
        } else {
            State::Installed
        };
        (state, r)
    } else {
        let latest = runs
            .iter()
            .rev()
            .find(|r| r.action != Some("uninstall"))
            .copied()
            .unwrap_or_else(|| {
                findings.push("only uninstall runs in these logs; the install is not".into());
                last
            });
        let state = match latest.outcome {
            "cancelled" => State::Cancelled,
            "incomplete" => State::Incomplete,
            _ => State::Failed,
        };
        (state, latest)
    };
    findings.extend(conflicts);
    let line = decider.evidence_line.or(decider.last_line);
    StateRow {
        last_outcome: Some(last.outcome),
        last_run_local: last.started_local,
        last_success_local: last_install_ok.and_then(|r| r.started_local),
        attempts: Some(attempts),
        failed_attempts: Some(failed_attempts),
        last_extended_code: last.extended_code,
        last_extended_meaning: last.extended_meaning,
        hotpatch: decider.hotpatch,
        evidence: Some(match line {
            Some(n) => format!("{}:{n}", decider.source_file),
            None => decider.source_file.clone(),
        }),
        runs: runs.iter().map(|r| run_ref(r)).collect(),
        findings,
        ..StateRow::empty(host, kb, state)
    }
}

/// Counts per state, for the closing summary and the report.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tally {
    pub hosts: usize,
    pub kbs: std::collections::BTreeSet<u32>,
    pub per_state: BTreeMap<State, usize>,
}

impl Tally {
    pub fn add_host(&mut self, rows: &[StateRow]) {
        self.hosts += 1;
        for row in rows {
            self.kbs.extend(row.kb);
            *self.per_state.entry(row.state).or_default() += 1;
        }
    }

    /// (what, count): hosts, KBs, then rows per state (all states, zeros included).
    pub fn counts(&self) -> Vec<(&'static str, usize)> {
        let mut counts = vec![("hosts", self.hosts), ("KBs", self.kbs.len())];
        counts.extend(
            State::ALL
                .iter()
                .map(|s| (s.label(), self.per_state.get(s).copied().unwrap_or(0))),
        );
        counts
    }

    /// `12 hosts, 20 KBs: 30 installed, 2 installed_pending_reboot, ...`
    pub fn summary(&self) -> String {
        let counts: Vec<String> = State::ALL
            .iter()
            .filter_map(|s| self.per_state.get(s).map(|n| format!("{n} {}", s.label())))
            .collect();
        format!(
            "{} hosts, {} KBs: {}",
            self.hosts,
            self.kbs.len(),
            if counts.is_empty() {
                "no rows".to_string()
            } else {
                counts.join(", ")
            }
        )
    }
}
