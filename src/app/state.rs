//! `kbaudit state`: per host and update, where things stand. The run rows come from the logs, or
//! from a run table `kbaudit logs` wrote (`--from-runs`); both go through the same per-host code.

use std::collections::BTreeMap;
use std::process::ExitCode;

use super::outputs::Outputs;
use super::{exit_code_for, guard_outputs, input_paths, report_unmatched, wants_summary};
use crate::cli::{Common, StateArgs};
use crate::filter::{Filters, parse_kb};
use crate::inventory;
use crate::logs::{LogOptions, RunRow};
use crate::order::HostHistory;
use crate::output::{Cell, TableWriter, check_writable};
use crate::scan::{self, Progress};
use crate::share::{HostInputs, display_name};
use crate::state::{self, HostEvidence, Matrix, StateRow, Tally};

/// One host's run rows, from whichever source.
struct HostRows {
    /// Lower-case host name (the order of the table).
    key: String,
    /// The name as its logs spell it.
    name: String,
    /// Every run row of the host (unfiltered) and its log file count.
    rows: Vec<RunRow>,
    log_files: usize,
}

pub(super) fn run(args: &StateArgs, common: &Common) -> anyhow::Result<ExitCode> {
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
        args,
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
        matrix: Matrix::new(&baseline),
        unreadable: 0,
        out: None,
    };
    let main = args.table.output.as_deref();
    let outputs = Outputs::open(main, args.table.format, common)?;
    let open = |inputs: &[scan::Input]| -> anyhow::Result<TableWriter> {
        guard_outputs(&outputs.paths(main, &[args.matrix.as_deref()]), inputs)?;
        if let Some(path) = &args.matrix
            && !outputs.is_xlsx()
        {
            check_writable(path, common.force)?;
        }
        outputs.table::<StateRow>("state")
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
            fleet.out = Some(open(&inputs)?);
            for host in hosts_of_table(rows, &filters, common.shard) {
                fleet.host(host, &|_| {})?;
            }
            inputs
        }
        None => {
            let paths = input_paths(&args.paths, common)?;
            let inputs = HostInputs::collect(&paths, args.host_from, &filters, common.shard);
            fleet.out = Some(open(inputs.inputs())?);
            let log_options = LogOptions {
                codepage: args.codepage,
                host_from: args.host_from,
                ..LogOptions::default()
            };
            let pool = scan::thread_pool(common.threads)?;
            let progress = Progress::new(
                common.progress_mode(),
                inputs.total_bytes(),
                inputs.len(),
                "logs",
            );
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
    fleet.finish(&outputs)?;
    outputs.finish()?;
    report_unmatched(&filters, common);
    if wants_summary(common) {
        eprintln!("kbaudit: {}", fleet.tally.summary());
    }
    Ok(exit_code_for(&inputs, fleet.unreadable > 0))
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
        if !crate::shard::keeps(shard, &key)
            || !(row.run_index.is_none() && row.host.is_empty() || filters.host(&row.host))
        {
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

/// The state table as it is built, host by host.
struct Fleet<'a> {
    args: &'a StateArgs,
    filters: &'a Filters,
    baseline: &'a [u32],
    pending_inventory: BTreeMap<String, String>,
    has_inventory: bool,
    tally: Tally,
    matrix: Matrix,
    unreadable: usize,
    out: Option<TableWriter>,
}

impl Fleet<'_> {
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
        let rows = state::host_states(host, evidence, self.baseline);
        self.tally.add_host(&rows);
        if self.args.matrix.is_some() {
            self.matrix.add_host(host, &rows);
        }
        let states = &self.args.states;
        let out = self.out.as_mut().expect("the table is open");
        for row in rows
            .iter()
            .filter(|r| states.is_empty() || states.iter().any(|s| s == r.state.label()))
        {
            out.write(row)?;
        }
        Ok(())
    }

    fn finish(&mut self, outputs: &Outputs) -> anyhow::Result<()> {
        self.flush_inventory(None)?;
        if let Some(out) = self.out.take() {
            out.finish()?;
        }
        let matrix = self.args.matrix.as_deref();
        if let Some(mut table) =
            outputs.extra_with_columns("--matrix", matrix, "matrix", self.matrix.columns())?
        {
            for row in self.matrix.rows() {
                table.write_cells(&row.to_cells(self.matrix.measured_against()))?;
            }
            table.finish()?;
        }
        // A workbook also gets the counts a reader looks for first.
        if outputs.is_xlsx() {
            let columns = vec!["what".to_string(), "count".to_string()];
            let mut summary = outputs.table_with_columns(None, "summary", columns, false)?;
            for (what, count) in self.tally.counts() {
                summary.write_cells(&[Cell::Word(what), Cell::Int(count as i64)])?;
            }
            summary.finish()?;
        }
        Ok(())
    }
}
