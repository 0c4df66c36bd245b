//! `kbaudit order`: per host, in which order installed updates must be removed (DESIGN 6).
//!
//! When several updates replaced the same file, they must be removed newest first: removing an
//! older one first leaves the newer ones broken. The facts come from the logs: successful install
//! runs in time order with the files each replaced (`Copied file:` lines and pending-rename
//! destinations), uninstall runs, and runs blocked by another package's newer files.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::DateTime;

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
            Cell::text(self.must_remove_first.join(" ")),
            Cell::text(self.shared_files.join("; ")),
            Cell::opt(self.reboot_to_remove, Cell::Bool),
            Cell::text(self.findings.join("; ")),
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
    Uninstall,
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

impl HostHistory {
    /// Adds the runs of one log file of this host.
    pub fn add(&mut self, file: &LogFile) {
        for run in &file.runs {
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
            } else if run.is_uninstall() && worked {
                Event::Uninstall
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

    /// The rows of this host: one per update still installed (or with something to report).
    pub fn rows(mut self, host: &str) -> Vec<OrderRow> {
        self.events.sort_by(|a, b| a.0.cmp(&b.0));
        struct Installed {
            when: When,
            files: BTreeSet<String>,
            hotpatch: Hotpatch,
            findings: Vec<String>,
        }
        // Replay the history: installs in time order, uninstalls removing them.
        let mut installed: Vec<(String, Installed)> = Vec::new();
        let mut removed_findings: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut blocked: Vec<(String, When, Vec<Blocker>)> = Vec::new();
        for (when, kb, event, notes) in self.events {
            match event {
                Event::Install { files, hotpatch } => {
                    let mut findings = notes;
                    if let Some(pos) = installed.iter().position(|(k, _)| *k == kb) {
                        let (_, earlier) = installed.remove(pos);
                        findings.push(format!(
                            "installed again (earlier install {})",
                            describe(&earlier.when)
                        ));
                        findings.extend(earlier.findings);
                    }
                    if files.is_empty() {
                        findings.push("the logs name no file this update replaced: its order relative to others is unknown".into());
                    }
                    installed.push((
                        kb,
                        Installed {
                            when,
                            files,
                            hotpatch,
                            findings,
                        },
                    ));
                }
                Event::Uninstall => {
                    let Some(pos) = installed.iter().position(|(k, _)| *k == kb) else {
                        removed_findings.entry(kb).or_default().push(format!(
                            "uninstalled {} but no install run was found",
                            describe(&when)
                        ));
                        continue;
                    };
                    let (_, gone) = installed.remove(pos);
                    // Any update installed after it that shares a file was still in place.
                    let broken: Vec<String> = installed[pos..]
                        .iter()
                        .filter(|(_, later)| !later.files.is_disjoint(&gone.files))
                        .map(|(k, later)| {
                            format!("{k} ({})", shared(&gone.files, &later.files).join(", "))
                        })
                        .collect();
                    if !broken.is_empty() {
                        let text = format!(
                            "removed {} while newer updates sharing its files were installed: {}; removal order broken",
                            describe(&when),
                            broken.join(", ")
                        );
                        for (k, _) in installed[pos..]
                            .iter()
                            .filter(|(_, l)| !l.files.is_disjoint(&gone.files))
                        {
                            removed_findings
                                .entry(k.clone())
                                .or_default()
                                .push(format!("{kb} was {text}"));
                        }
                        removed_findings.entry(kb).or_default().push(text);
                    }
                }
                Event::Blocked { by } => blocked.push((kb, when, by)),
            }
        }
        // A blocked run names files its blocker owns: they count as files the blocker replaced.
        for (_, _, by) in &blocked {
            for (blocker, file, _) in by {
                if let Some((_, item)) = installed
                    .iter_mut()
                    .find(|(k, _)| k.eq_ignore_ascii_case(blocker))
                {
                    item.files.insert(normalize(file));
                }
            }
        }
        let count = installed.len();
        let mut rows = Vec::with_capacity(count);
        for (index, (kb, item)) in installed.iter().enumerate() {
            // Later installs sharing a file, transitively: they must come off first.
            let mut must: BTreeSet<usize> = BTreeSet::new();
            let mut frontier = vec![index];
            while let Some(i) = frontier.pop() {
                for j in i + 1..count {
                    if !must.contains(&j)
                        && !installed[i].1.files.is_disjoint(&installed[j].1.files)
                    {
                        must.insert(j);
                        frontier.push(j);
                    }
                }
            }
            let shared_files = installed[index + 1..]
                .iter()
                .filter(|(_, later)| !later.files.is_disjoint(&item.files))
                .map(|(k, later)| format!("{k}: {}", shared(&item.files, &later.files).join(", ")))
                .collect();
            let mut findings = item.findings.clone();
            if item.hotpatch == Hotpatch::Requested {
                findings.push(
                    "hotpatch requested on the command line; the log does not confirm it was used"
                        .into(),
                );
            }
            findings.extend(removed_findings.remove(kb).unwrap_or_default());
            for (blocked_kb, when, by) in &blocked {
                for (_, file, branch) in by.iter().filter(|(b, ..)| b.eq_ignore_ascii_case(kb)) {
                    findings.push(format!(
                        "its {branch} file {file} blocked the install of {blocked_kb} {}",
                        describe(when)
                    ));
                }
            }
            rows.push(OrderRow {
                host: host.to_string(),
                kb: kb.clone(),
                installed_local: item.when.time,
                remove_position: Some(count - index),
                must_remove_first: must.iter().rev().map(|&j| installed[j].0.clone()).collect(),
                shared_files,
                reboot_to_remove: Some(matches!(
                    item.hotpatch,
                    Hotpatch::Enabled | Hotpatch::Requested
                )),
                findings,
            });
        }
        // Updates no longer installed that still have something to say (a broken removal).
        for (kb, findings) in removed_findings {
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
                .any(|(b, ..)| installed.iter().any(|(k, _)| k.eq_ignore_ascii_case(b)));
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

/// Files a run replaced: copied files and pending-rename destinations. The `dllcache` copy is the
/// same binary as its system32 twin, so it is left out to keep the shared-file lists short.
fn replaced_files(run: &Run) -> BTreeSet<String> {
    run.copied
        .iter()
        .chain(&run.pending_renames)
        .map(|p| normalize(p))
        .filter(|p| !p.is_empty() && !p.contains("\\dllcache\\"))
        .collect()
}
