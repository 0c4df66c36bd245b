//! `kbaudit order`: per host, in which order installed updates must be removed (docs/formats.md §2.5).
//!
//! When several updates replaced the same file, they must be removed newest first: removing an
//! older one first leaves the newer ones broken. The facts come from the logs: successful install
//! runs in time order with the files each replaced (`Copied file:` lines and pending-rename
//! destinations), uninstall runs, and runs blocked by another package's newer files.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::DateTime;

use crate::filter::Filters;
use crate::logs::LogFile;
use crate::logs::run::{Hotpatch, Outcome, Run};
use crate::output::{Cell, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct OrderRow {
    pub host: String,
    pub kb: String,
    pub installed_local: Option<DateTime>,
    pub remove_position: Option<usize>,
    pub must_remove_first: Vec<String>,
    pub shared_files: Vec<String>,
    pub reboot_to_remove: Option<bool>,
    pub findings: Vec<String>,
}

impl Row for OrderRow {
    const COLUMNS: &'static [&'static str] = &[
        "host",
        "kb",
        "installed_local",
        "remove_position",
        "must_remove_first",
        "shared_files",
        "reboot_to_remove",
        "findings",
    ];

    fn cells(&self) -> Vec<Cell<'_>> {
        vec![
            Cell::text(self.host.as_str()),
            Cell::text(self.kb.as_str()),
            Cell::opt(self.installed_local, Cell::Local),
            Cell::opt(self.remove_position, |n| Cell::Int(n as i64)),
            Cell::joined(&self.must_remove_first, " "),
            Cell::joined(&self.shared_files, "; "),
            Cell::opt(self.reboot_to_remove, Cell::Bool),
            Cell::joined(&self.findings, "; "),
        ]
    }
}

/// Where a run sits in time: its start, or (when it has no date line) its place in the files.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct When {
    /// Undated runs sort after dated ones; among themselves by file and run index.
    undated: bool,
    time: Option<DateTime>,
    source: String,
    run: u32,
}

/// A file that blocked an install: (blocking KB, file, branch).
type Blocker = (String, String, String);

#[derive(Debug, Clone)]
enum Event {
    Install {
        files: BTreeSet<String>,
        hotpatch: Hotpatch,
    },
    Uninstall {
        outcome: Outcome,
    },
    Blocked {
        by: Vec<(String, String, String)>,
    },
}

/// Everything one host's logs say, gathered before the order is derived.
#[derive(Debug, Default)]
pub struct HostHistory {
    events: Vec<(When, String, Event, Vec<String>)>,
}

fn kb_label(kb: Option<u32>) -> String {
    kb.map_or_else(|| "(unknown KB)".to_string(), |k| format!("KB{k}"))
}

/// Paths compare case-insensitively (Windows); `\` and `/` are the same separator.
fn normalize(path: &str) -> String {
    path.trim().replace('/', "\\").to_lowercase()
}

/// An update still installed at the end of the replay.
struct Installed {
    kb: String,
    when: When,
    files: BTreeSet<String>,
    hotpatch: Hotpatch,
    findings: Vec<String>,
}

/// The host's history replayed in time order.
struct Replay {
    /// Updates installed at the end, oldest first.
    installed: Vec<Installed>,
    /// Findings per KB (about removals, for the removed update and the newer ones it broke).
    findings: BTreeMap<String, Vec<String>>,
    /// Findings about uninstall attempts, per uninstalled KB (a subset of `findings`).
    uninstall_findings: BTreeMap<String, Vec<String>>,
    blocked: Vec<(String, When, Vec<Blocker>)>,
}

/// Findings per KB.
type Findings = BTreeMap<String, Vec<String>>;

/// Findings about an uninstall of `kb`: on its order row and among its uninstall findings.
fn note_uninstall(
    findings: &mut Findings,
    uninstall: &mut Findings,
    kb: String,
    said: Vec<String>,
) {
    findings.entry(kb.clone()).or_default().extend(said.clone());
    uninstall.entry(kb).or_default().extend(said);
}

impl HostHistory {
    /// Adds the runs of one log file of this host.
    pub fn add(&mut self, file: &LogFile) {
        self.add_filtered(file, &Filters::default());
    }

    /// Adds the runs of one log file that `filters` lets through by time (a `--until` gives the
    /// history as of that moment).
    pub fn add_filtered(&mut self, file: &LogFile, filters: &Filters) {
        for run in file.runs.iter().filter(|r| filters.time(r.started)) {
            let when = When {
                undated: run.started.is_none(),
                time: run.started,
                source: file.source.clone(),
                run: run.index,
            };
            let kb = kb_label(file.kb_of(run));
            let verdict = run.verdict();
            let mut notes = Vec::new();
            if run.started.is_none() {
                notes.push(format!(
                    "run {} of {} has no date: placed by file position",
                    run.index, file.source
                ));
            }
            if run.warnings.iter().any(|w| w.contains("went backwards")) {
                notes.push(format!("run {} of {} starts where the elapsed time jumped back (clock jump or missing header)", run.index, file.source));
            }
            let worked = matches!(verdict.outcome, Outcome::Success | Outcome::RebootRequired);
            let event = if !run.blocking.is_empty() {
                let by = run
                    .blocking
                    .iter()
                    .filter(|b| !normalize(&b.file).contains("\\dllcache\\"))
                    .map(|b| (b.kb.clone(), b.file.clone(), b.branch.clone()))
                    .collect();
                Event::Blocked { by }
            } else if run.is_uninstall() {
                Event::Uninstall {
                    outcome: verdict.outcome,
                }
            } else if worked {
                Event::Install {
                    files: replaced_files(run),
                    hotpatch: run.hotpatch(),
                }
            } else {
                continue;
            };
            self.events.push((when, kb, event, notes));
        }
    }

    /// Adds one row of the run table (as `kbaudit logs` writes it, or as read back from one):
    /// installs and uninstalls with the files they replaced. What `state` uses, so that it gives
    /// the same answer from the logs and from a run table (`--from-runs`).
    pub fn add_run_row(&mut self, row: &crate::logs::RunRow) {
        let Some(run) = row.run_index else { return };
        let when = When {
            undated: row.started_local.is_none(),
            time: row.started_local,
            source: row.source_file.clone(),
            run,
        };
        let worked = matches!(row.outcome, "success" | "reboot_required");
        let event = if row.action == Some("uninstall") {
            let outcome = match row.outcome {
                "success" => Outcome::Success,
                "reboot_required" => Outcome::RebootRequired,
                "cancelled" => Outcome::Cancelled,
                "incomplete" => Outcome::Incomplete,
                _ => Outcome::Failed,
            };
            Event::Uninstall { outcome }
        } else if worked {
            Event::Install {
                files: row.replaced_files.iter().map(|p| normalize(p)).collect(),
                hotpatch: match row.hotpatch {
                    Some("enabled") => Hotpatch::Enabled,
                    Some("requested") => Hotpatch::Requested,
                    Some("disabled") => Hotpatch::Disabled,
                    Some("failed") => Hotpatch::Failed,
                    _ => Hotpatch::Unmentioned,
                },
            }
        } else {
            return;
        };
        self.events
            .push((when, kb_label(row.kb), event, Vec::new()));
    }

    /// Replays installs and uninstalls in time order.
    fn replay(mut self) -> Replay {
        self.events.sort_by(|a, b| a.0.cmp(&b.0));
        let mut replay = Replay {
            installed: Vec::new(),
            findings: BTreeMap::new(),
            uninstall_findings: BTreeMap::new(),
            blocked: Vec::new(),
        };
        let installed = &mut replay.installed;
        for (when, kb, event, notes) in self.events {
            match event {
                Event::Install { files, hotpatch } => {
                    let mut findings = notes;
                    if let Some(pos) = installed.iter().position(|i| i.kb == kb) {
                        let earlier = installed.remove(pos);
                        findings.push(format!(
                            "installed again (earlier install {})",
                            describe(&earlier.when)
                        ));
                        findings.extend(earlier.findings);
                    }
                    if files.is_empty() {
                        findings.push("the logs name no file this update replaced: its order relative to others is unknown".into());
                    }
                    installed.push(Installed {
                        kb,
                        when,
                        files,
                        hotpatch,
                        findings,
                    });
                }
                Event::Uninstall { outcome } => {
                    let worked = matches!(outcome, Outcome::Success | Outcome::RebootRequired);
                    let mut said = Vec::new();
                    if !worked {
                        said.push(match outcome {
                            Outcome::Incomplete => format!(
                                "uninstall run {} was cut off: its outcome cannot be decided, so it is not counted as a removal",
                                describe(&when)
                            ),
                            other => format!(
                                "uninstall attempted {} and {}: still installed",
                                describe(&when),
                                other.label()
                            ),
                        });
                    }
                    let Some(pos) = installed.iter().position(|i| i.kb == kb) else {
                        if worked {
                            said.push(format!(
                                "uninstalled {} but no install run was found",
                                describe(&when)
                            ));
                        }
                        note_uninstall(
                            &mut replay.findings,
                            &mut replay.uninstall_findings,
                            kb,
                            said,
                        );
                        continue;
                    };
                    // Any update installed after it that shares a file was still in place.
                    let gone_files = installed[pos].files.clone();
                    let newer: Vec<&Installed> = installed[pos + 1..]
                        .iter()
                        .filter(|later| !later.files.is_disjoint(&gone_files))
                        .collect();
                    if !newer.is_empty() {
                        let list: Vec<String> = newer
                            .iter()
                            .map(|later| {
                                format!(
                                    "{} ({})",
                                    later.kb,
                                    shared(&gone_files, &later.files).join(", ")
                                )
                            })
                            .collect();
                        let text = if worked {
                            format!(
                                "removed {} while newer updates sharing its files were installed: {}; removal order broken",
                                describe(&when),
                                list.join(", ")
                            )
                        } else {
                            format!(
                                "uninstall attempted {} while newer updates sharing its files were installed: {}",
                                describe(&when),
                                list.join(", ")
                            )
                        };
                        for later in &newer {
                            replay
                                .findings
                                .entry(later.kb.clone())
                                .or_default()
                                .push(format!("{kb} was {text}"));
                        }
                        said.push(text);
                    }
                    note_uninstall(
                        &mut replay.findings,
                        &mut replay.uninstall_findings,
                        kb,
                        said,
                    );
                    if worked {
                        installed.remove(pos);
                    }
                }
                Event::Blocked { by } => replay.blocked.push((kb, when, by)),
            }
        }
        // A blocked run names files its blocker owns: they count as files the blocker replaced.
        for (_, _, by) in &replay.blocked {
            for (blocker, file, _) in by {
                if let Some(item) = replay
                    .installed
                    .iter_mut()
                    .find(|i| i.kb.eq_ignore_ascii_case(blocker))
                {
                    item.files.insert(normalize(file));
                }
            }
        }
        replay.uninstall_findings.retain(|_, v| !v.is_empty());
        replay.findings.retain(|_, v| !v.is_empty());
        replay
    }

    /// Findings about uninstall attempts, per KB: a removal (or an attempt) while a newer update
    /// sharing a file was installed, and attempts that failed or were cut off.
    pub fn uninstall_findings(self) -> BTreeMap<String, Vec<String>> {
        self.replay().uninstall_findings
    }

    /// The rows of this host: one per update still installed (or with something to report).
    pub fn rows(self, host: &str) -> Vec<OrderRow> {
        let Replay {
            installed,
            mut findings,
            blocked,
            ..
        } = self.replay();
        let count = installed.len();
        // For each installed update and file, the next later install replacing that file: the
        // direct "must come off first" edges. Linear in the number of (update, file) pairs.
        let mut last_owner: BTreeMap<&str, usize> = BTreeMap::new();
        let mut next: Vec<BTreeMap<usize, Vec<&str>>> = vec![BTreeMap::new(); count];
        for (index, item) in installed.iter().enumerate() {
            for file in &item.files {
                if let Some(previous) = last_owner.insert(file.as_str(), index) {
                    next[previous].entry(index).or_default().push(file.as_str());
                }
            }
        }
        let mut rows = Vec::with_capacity(count);
        // Transitive successors by a depth-first walk over the direct edges; `seen` is stamped
        // per row, so no set is built or cleared per row.
        let mut seen = vec![usize::MAX; count];
        for (index, item) in installed.iter().enumerate() {
            let mut must = Vec::new();
            let mut stack = vec![index];
            while let Some(i) = stack.pop() {
                for &j in next[i].keys() {
                    if seen[j] != index {
                        seen[j] = index;
                        must.push(j);
                        stack.push(j);
                    }
                }
            }
            must.sort_unstable_by(|a, b| b.cmp(a));
            let shared_files = next[index]
                .iter()
                .map(|(&j, files)| format!("{}: {}", installed[j].kb, files.join(", ")))
                .collect();
            let mut row_findings = item.findings.clone();
            if item.hotpatch == Hotpatch::Requested {
                row_findings.push(
                    "hotpatch requested on the command line; the log does not confirm it was used"
                        .into(),
                );
            }
            row_findings.extend(findings.remove(&item.kb).unwrap_or_default());
            for (blocked_kb, when, by) in &blocked {
                for (_, file, branch) in
                    by.iter().filter(|(b, ..)| b.eq_ignore_ascii_case(&item.kb))
                {
                    row_findings.push(format!(
                        "its {branch} file {file} blocked the install of {blocked_kb} {}",
                        describe(when)
                    ));
                }
            }
            rows.push(OrderRow {
                host: host.to_string(),
                kb: item.kb.clone(),
                installed_local: item.when.time,
                remove_position: Some(count - index),
                must_remove_first: must.iter().map(|&j| installed[j].kb.clone()).collect(),
                shared_files,
                reboot_to_remove: Some(matches!(
                    item.hotpatch,
                    Hotpatch::Enabled | Hotpatch::Requested
                )),
                findings: row_findings,
            });
        }
        // Updates no longer installed that still have something to say (a broken removal).
        for (kb, findings) in findings {
            rows.push(OrderRow {
                host: host.to_string(),
                kb,
                installed_local: None,
                remove_position: None,
                must_remove_first: Vec::new(),
                shared_files: Vec::new(),
                reboot_to_remove: None,
                findings,
            });
        }
        // Blocked installs whose blocker is not in these logs.
        for (blocked_kb, when, by) in blocked {
            let known = by
                .iter()
                .any(|(b, ..)| installed.iter().any(|i| i.kb.eq_ignore_ascii_case(b)));
            if !known {
                let blockers: Vec<String> = by
                    .iter()
                    .map(|(b, f, br)| format!("{b} ({br} {f})"))
                    .collect();
                rows.push(OrderRow {
                    host: host.to_string(),
                    kb: blocked_kb,
                    installed_local: None,
                    remove_position: None,
                    must_remove_first: Vec::new(),
                    shared_files: Vec::new(),
                    reboot_to_remove: None,
                    findings: vec![format!(
                        "install {} blocked by newer files of {}",
                        describe(&when),
                        blockers.join(", ")
                    )],
                });
            }
        }
        rows.sort_by_key(|r| (r.remove_position.is_none(), r.remove_position));
        rows
    }
}

fn describe(when: &When) -> String {
    match when.time {
        Some(t) => format!("on {}", t.strftime("%Y-%m-%d %H:%M")),
        None => format!("(undated, run {} of {})", when.run, when.source),
    }
}

fn shared(a: &BTreeSet<String>, b: &BTreeSet<String>) -> Vec<String> {
    a.intersection(b).cloned().collect()
}

/// Files a run replaced, as logged (first spelling, log order): copied files and pending-rename
/// destinations. The `dllcache` copy is the same binary as its system32 twin, so it is left out
/// to keep the lists short. This is the `replaced_files` column of the run table.
pub fn replaced_files_as_logged(run: &Run) -> Vec<String> {
    let mut seen = BTreeSet::new();
    run.copied
        .iter()
        .chain(&run.pending_renames)
        .map(|p| p.trim())
        .filter(|p| {
            let key = normalize(p);
            !key.is_empty() && !key.contains("\\dllcache\\") && seen.insert(key)
        })
        .map(str::to_string)
        .collect()
}

/// The same files, normalized for comparison.
fn replaced_files(run: &Run) -> BTreeSet<String> {
    replaced_files_as_logged(run)
        .iter()
        .map(|p| normalize(p))
        .collect()
}
