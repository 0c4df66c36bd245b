//! `kbaudit state`: per host and update, where things stand.

use std::collections::BTreeMap;
use std::process::ExitCode;

use super::{
    exit_code_for, guard_outputs, input_paths, output_options, report_unmatched, wants_summary,
};
use crate::cli::{Common, StateArgs};
use crate::filter::parse_kb;
use crate::inventory;
use crate::logs::LogOptions;
use crate::order::HostHistory;
use crate::output::{TableWriter, check_writable};
use crate::scan::{self, Progress};
use crate::share::{HostInputs, display_name};
use crate::state::{self, HostEvidence, Matrix, StateRow, Tally};

pub(super) fn run(args: &StateArgs, common: &Common) -> anyhow::Result<ExitCode> {
    let filters = args.filters.build(&[])?;
    let options = output_options(common, args.table.format);
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
    for warning in inventory
        .iter()
        .flat_map(|l| &l.warnings)
        .chain(baseline.iter().flat_map(|l| &l.warnings))
    {
        if !common.quiet {
            eprintln!("kbaudit: {warning}");
        }
    }
    let baseline: Vec<u32> = baseline
        .map(|l| l.items)
        .unwrap_or_default()
        .into_iter()
        .filter(|&kb| filters.names_kb(kb))
        .collect();
    // Inventory hosts by key, in key order, so they merge with the share's hosts.
    let mut pending_inventory: BTreeMap<String, String> = inventory
        .as_ref()
        .map(|l| {
            l.items
                .iter()
                .filter(|h| crate::shard::keeps(common.shard, h) && filters.host(h))
                .map(|h| (h.to_lowercase(), h.clone()))
                .collect()
        })
        .unwrap_or_default();
    let has_inventory = inventory.is_some();
    let log_options = LogOptions {
        codepage: args.codepage,
        host_from: args.host_from,
        ..LogOptions::default()
    };
    let paths = input_paths(&args.paths, common)?;
    let inputs = HostInputs::collect(&paths, args.host_from, &filters, common.shard);
    guard_outputs(
        &[args.table.output.as_deref(), args.matrix.as_deref()],
        inputs.inputs(),
    )?;
    if let Some(path) = &args.matrix {
        check_writable(path, common.force)?;
    }
    let mut out = TableWriter::create::<StateRow>(args.table.output.as_deref(), options)?;
    let pool = scan::thread_pool(common.threads)?;
    let progress = Progress::new(
        common.progress_mode(),
        inputs.total_bytes(),
        inputs.len(),
        "logs",
    );
    let mut unreadable = 0usize;
    let mut tally = Tally::default();
    let mut matrix = Matrix::new(&baseline);
    let mut emit =
        |host: &str, evidence: HostEvidence, out: &mut TableWriter| -> anyhow::Result<()> {
            let rows = state::host_states(host, evidence, &baseline);
            tally.add_host(&rows);
            if args.matrix.is_some() {
                matrix.add_host(host, &rows);
            }
            let wanted = |r: &&StateRow| {
                args.states.is_empty() || args.states.iter().any(|s| s == r.state.label())
            };
            for row in rows.iter().filter(wanted) {
                out.write(row)?;
            }
            Ok(())
        };
    inputs.for_each_host(&pool, &progress, &log_options, |key, files| {
        let mut write = |h: &str, e: HostEvidence| emit(h, e, &mut out);
        flush_inventory(Some(key), &mut pending_inventory, &mut write)?;
        let listed = pending_inventory.remove(key);
        let mut evidence = HostEvidence {
            log_files: files.len(),
            narrowed: filters.narrows_runs(),
            ..HostEvidence::default()
        };
        if has_inventory && listed.is_none() {
            evidence
                .host_findings
                .push("not in the host inventory".into());
        }
        let host = listed.unwrap_or_else(|| display_name(&files, key));
        let mut history = HostHistory::default();
        for file in &files {
            if let Some(reason) = file.unreadable_reason() {
                unreadable += 1;
                progress.println(&format!("kbaudit: {}: {reason}", file.source));
            }
            history.add_filtered(file, &filters);
            evidence
                .rows
                .extend(file.run_rows(None).into_iter().filter(|row| {
                    filters.kb(row.kb)
                        && (row.run_index.is_none() || filters.time(row.started_local))
                }));
        }
        for (kb, findings) in history.uninstall_findings() {
            if let Some(kb) = parse_kb(&kb) {
                evidence.uninstall_findings.insert(kb, findings);
            }
        }
        write(&host, evidence)
    })?;
    {
        let mut write = |h: &str, e: HostEvidence| emit(h, e, &mut out);
        flush_inventory(None, &mut pending_inventory, &mut write)?;
    }
    progress.finish();
    out.finish()?;
    if let Some(path) = &args.matrix {
        let mut table = TableWriter::with_columns(Some(path), options, matrix.columns())?;
        for row in matrix.rows() {
            table.write_cells(&row.to_cells(matrix.measured_against()))?;
        }
        table.finish()?;
    }
    report_unmatched(&filters, common);
    if wants_summary(common) {
        eprintln!("kbaudit: {}", tally.summary());
    }
    Ok(exit_code_for(inputs.inputs(), unreadable > 0))
}

/// Emits the inventory hosts that sort before `up_to` (all of them for `None`): they have no logs.
fn flush_inventory(
    up_to: Option<&str>,
    pending: &mut BTreeMap<String, String>,
    emit: &mut dyn FnMut(&str, HostEvidence) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    while let Some(entry) = pending.first_entry() {
        if up_to.is_some_and(|k| entry.key().as_str() >= k) {
            break;
        }
        let host = entry.remove();
        emit(&host, HostEvidence::default())?;
    }
    Ok(())
}
