//! What `state` and `report` share: the run rows of every host (from the logs, or from a run
//! table with `--from-runs`), folded with the inventory and the baseline into state rows, host
//! by host, in host order. The commands differ only in what they do with each host.

use std::collections::BTreeMap;

use super::{input_paths, report_unmatched, wants_summary};
use crate::cli::{Common, FleetArgs};
use crate::filter::{Filters, parse_kb};
use crate::inventory;
use crate::logs::{LogOptions, RunRow};
use crate::order::HostHistory;
use crate::scan;
use crate::share::{HostInputs, display_name};
use crate::state::{self, HostEvidence, StateRow, Tally};

/// One host's run rows, from whichever source.
struct HostRows {
    /// Lower-case host name (the order of the table).
    key: String,
    /// The name as its logs spell it.
    name: String,
    rows: Vec<RunRow>,
    log_files: usize,
}

/// Called once the inputs are known, before any is read: (inputs, the baseline in force).
pub(super) type OnOpen<'a> = dyn FnMut(&[scan::Input], &[u32]) -> anyhow::Result<()> + 'a;

/// What a command does with each host: its name, its run rows (filtered) and its state rows.
pub(super) type OnHost<'a> = dyn FnMut(&str, &[RunRow], &[StateRow]) -> anyhow::Result<()> + 'a;

/// The end of a walk.
pub(super) struct Walked {
    pub inputs: Vec<scan::Input>,
    pub unreadable: usize,
    pub tally: Tally,
}

/// Walks the fleet. `open` runs once the inputs are known and before any is read (to check and
/// open outputs); `on_host` gets every host, inventory hosts without logs included.
pub(super) fn walk(
    args: &FleetArgs,
    common: &Common,
    open: &mut OnOpen<'_>,
    on_host: &mut OnHost<'_>,
) -> anyhow::Result<Walked> {
    let filters = args.filters.build(&[])?;
    // Reference lists first: a missing one is a usage error before any work.
    let inventory = args
        .inventory
        .as_deref()
        .map(inventory::read_hosts)
        .transpose()?;
    let baseline = args
        .baseline
        .as_deref()
        .map(inventory::read_baseline)
        .transpose()?;
    if !common.quiet {
        for warning in inventory
            .iter()
            .flat_map(|l| &l.warnings)
            .chain(baseline.iter().flat_map(|l| &l.warnings))
        {
            eprintln!("kbaudit: {warning}");
        }
    }
    let baseline: Vec<u32> = baseline
        .map(|l| l.items)
        .unwrap_or_default()
        .into_iter()
        .filter(|&kb| filters.names_kb(kb))
        .collect();
    let mut fleet = Fleet {
        filters: &filters,
        baseline: &baseline,
        // Inventory hosts by key, in key order, so they merge with the share's hosts.
        pending_inventory: inventory
            .as_ref()
            .map(|l| {
                l.items
                    .iter()
                    .filter(|h| crate::shard::keeps(common.shard, h) && filters.host(h))
                    .map(|h| (h.to_lowercase(), h.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        has_inventory: inventory.is_some(),
        tally: Tally::default(),
        unreadable: 0,
        on_host,
    };
    let inputs = match &args.from_runs {
        Some(table) => {
            let inputs = scan::collect_inputs(std::slice::from_ref(table), "tables", |_| true);
            if let Some(bad) = inputs.iter().find(|i| i.problem.is_some()) {
                anyhow::bail!(
                    "{}: {}",
                    bad.path.display(),
                    bad.problem.as_deref().unwrap_or("")
                );
            }
            let rows = crate::logs::table::read_runs(table)?;
            open(&inputs, &baseline)?;
            for host in hosts_of_table(rows, &filters, common.shard) {
                fleet.host(host, &|_| {})?;
            }
            inputs
        }
        None => {
            let paths = input_paths(&args.paths, common)?;
            let inputs = HostInputs::collect(&paths, args.host_from, &filters, common.shard);
            open(inputs.inputs(), &baseline)?;
            let log_options = LogOptions {
                codepage: args.codepage,
                host_from: args.host_from,
                ..LogOptions::default()
            };
            let pool = scan::thread_pool(common.threads)?;
            let progress = inputs.progress(common.progress_mode());
            inputs.for_each_host(&pool, &progress, &log_options, |key, files| {
                let host = HostRows {
                    key: key.to_string(),
                    name: display_name(&files, key),
                    rows: files.iter().flat_map(|f| f.run_rows(None)).collect(),
                    log_files: files.len(),
                };
                fleet.host(host, &|line| progress.println(line))
            })?;
            progress.finish();
            inputs.inputs().to_vec()
        }
    };
    fleet.flush_inventory(None)?;
    let (unreadable, tally) = (fleet.unreadable, fleet.tally);
    report_unmatched(&filters, common);
    if wants_summary(common) {
        eprintln!("kbaudit: {}", tally.summary());
    }
    Ok(Walked {
        inputs,
        unreadable,
        tally,
    })
}

/// A run table's rows grouped by host, in host order (rows keep the table's order).
fn hosts_of_table(
    rows: Vec<RunRow>,
    filters: &Filters,
    shard: Option<crate::shard::Shard>,
) -> Vec<HostRows> {
    let mut hosts: BTreeMap<String, HostRows> = BTreeMap::new();
    for row in rows {
        let key = row.host.to_lowercase();
        let named_nothing = row.run_index.is_none() && row.host.is_empty();
        if !crate::shard::keeps(shard, &key) || !(named_nothing || filters.host(&row.host)) {
            continue;
        }
        let host = hosts.entry(key.clone()).or_insert_with(|| HostRows {
            key,
            name: row.host.clone(),
            rows: Vec::new(),
            log_files: 0,
        });
        if host
            .rows
            .last()
            .is_none_or(|r| r.source_file != row.source_file)
        {
            host.log_files += 1;
        }
        host.rows.push(row);
    }
    hosts.into_values().collect()
}

/// The walk's state, host by host.
struct Fleet<'a, 'b> {
    filters: &'a Filters,
    baseline: &'a [u32],
    pending_inventory: BTreeMap<String, String>,
    has_inventory: bool,
    tally: Tally,
    unreadable: usize,
    on_host: &'a mut OnHost<'b>,
}

impl Fleet<'_, '_> {
    /// One host of the share: its rows, after the inventory hosts that sort before it.
    fn host(&mut self, host: HostRows, say: &dyn Fn(&str)) -> anyhow::Result<()> {
        self.flush_inventory(Some(&host.key))?;
        let listed = self.pending_inventory.remove(&host.key);
        let mut evidence = HostEvidence {
            log_files: host.log_files,
            narrowed: self.filters.narrows_runs(),
            ..HostEvidence::default()
        };
        if self.has_inventory && listed.is_none() {
            evidence
                .host_findings
                .push("not in the host inventory".into());
        }
        let mut history = HostHistory::default();
        for row in host.rows {
            if row.outcome == "unreadable" {
                self.unreadable += 1;
                say(&format!(
                    "kbaudit: {}: {}",
                    row.source_file,
                    row.warnings.join("; ")
                ));
            }
            if row.run_index.is_some() && !self.filters.time(row.started_local) {
                continue;
            }
            // Every update's runs feed the history (a conflict involves another update); the
            // table keeps the KBs asked for.
            history.add_run_row(&row);
            if self.filters.kb(row.kb) {
                evidence.rows.push(row);
            }
        }
        for (kb, findings) in history.uninstall_findings() {
            if let Some(kb) = parse_kb(&kb) {
                evidence.uninstall_findings.insert(kb, findings);
            }
        }
        self.emit(&listed.unwrap_or(host.name), evidence)
    }

    /// Inventory hosts that sort before `up_to` (all, for `None`) have no logs.
    fn flush_inventory(&mut self, up_to: Option<&str>) -> anyhow::Result<()> {
        while let Some(entry) = self.pending_inventory.first_entry() {
            if up_to.is_some_and(|k| entry.key().as_str() >= k) {
                break;
            }
            let host = entry.remove();
            self.emit(&host, HostEvidence::default())?;
        }
        Ok(())
    }

    fn emit(&mut self, host: &str, evidence: HostEvidence) -> anyhow::Result<()> {
        let rows = state::host_states(host, &evidence, self.baseline);
        self.tally.add_host(&rows);
        (self.on_host)(host, &evidence.rows, &rows)
    }
}
