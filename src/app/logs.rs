//! `kbaudit logs`: one row per installation run.

use std::process::ExitCode;

use super::outputs::Outputs;
use super::{exit_code_for_counts, guard_outputs, input_paths, report_unmatched, wants_summary};
use crate::cli::{Common, LogsArgs, LogsProfile};
use crate::logs::timesketch::TimesketchRow;
use crate::logs::{self, EventRow, LogOptions, RunRow};
use crate::scan::{self, Progress};
use crate::shard;

pub(super) fn run(args: &LogsArgs, common: &Common) -> anyhow::Result<ExitCode> {
    let filters = args.filters.build(&args.outcome)?;
    let log_options = LogOptions {
        codepage: args.codepage,
        tz: args.tz.clone(),
        host_from: args.host_from,
        events: args.events.is_some(),
        careful_only: false,
    };
    let timesketch = args.profile == LogsProfile::Timesketch;
    if timesketch && args.tz.is_none() {
        anyhow::bail!(
            "--profile timesketch needs --tz ZONE: Timesketch places events by UTC time, and the logs hold each host's local time without a zone"
        );
    }
    if timesketch && args.table.format == crate::output::Format::Xlsx {
        anyhow::bail!(
            "--profile timesketch writes what Timesketch imports: CSV or JSONL, not xlsx"
        );
    }
    let paths = input_paths(&args.paths, common)?;
    // Files another filter rules out by their name alone are not read at all.
    let keep = |input: &scan::Input| {
        let host = logs::host_of(&input.path, args.host_from);
        // A path that names no host (a mistyped one) still goes to exactly one shard.
        let host = if input.is_bad_path { "" } else { host.as_str() };
        shard::keeps(common.shard, host)
            && (input.problem.is_some()
                || (filters.host(host)
                    && logs::kb_of_path(&input.path).is_none_or(|kb| filters.names_kb(kb))))
    };
    let is_log = |p: &std::path::Path| scan::has_extension(p, &["log"]);
    let main = args.table.output.as_deref();
    let outputs = Outputs::open(main, args.table.format, common)?;
    let output_paths = outputs.paths(main, &[args.events.as_deref()]);
    // One directory (a share) is walked by a thread of its own while its logs are read, so the
    // list of its files is never held whole; other inputs are listed and sorted first.
    let walk_root = match paths.as_slice() {
        [one] if one.is_dir() => Some(one.clone()),
        _ => None,
    };
    std::thread::scope(|scope| {
        let mut inputs = match walk_root {
            Some(root) => {
                guard_outputs(&output_paths, &[])?;
                scan::stream_unsized(scope, root, ".log files", is_log, keep)
            }
            None => {
                let list: Vec<scan::Input> = scan::collect_unsized(&paths, ".log files", is_log)
                    .into_iter()
                    .filter(keep)
                    .collect();
                guard_outputs(&output_paths, &list)?;
                scan::WalkStream::from_inputs(list)
            }
        };
        // A walked file that is also an output is refused as it is met (before anything is
        // moved into place).
        let output_ids = super::output_ids(&output_paths);
        let mut runs_out = if timesketch {
            // Timesketch is not a spreadsheet: its fields are written raw.
            let columns = TimesketchRow::columns()
                .iter()
                .map(|c| c.to_string())
                .collect();
            outputs.table_with_columns(main, "runs", columns, true)?
        } else {
            outputs.table::<RunRow>("runs")?
        };
        let mut unplaced = 0usize;
        let mut events_out =
            outputs.extra::<EventRow>("--events", args.events.as_deref(), "events")?;
        let pool = scan::thread_pool(common.threads)?;
        let progress = Progress::items(common.progress_mode(), inputs.found(), "logs");
        let mut unreadable = 0usize;
        let mut run_count = 0usize;
        let (mut total, mut problems) = (0usize, 0usize);
        scan::map_streamed(
            &pool,
            &mut inputs,
            &progress,
            |input| {
                let file = logs::read_log(input, &log_options);
                let rows = file.run_rows(log_options.tz.as_ref());
                let events = if log_options.events {
                    file.event_rows()
                } else {
                    Vec::new()
                };
                (rows, events, file.is_unreadable())
            },
            |input, (rows, events, is_unreadable)| {
                if input.id.as_ref().is_some_and(|id| output_ids.contains(id)) {
                    anyhow::bail!(
                        "{}: this output is also an input; refusing to overwrite it",
                        input.path.display()
                    );
                }
                total += 1;
                problems += usize::from(input.problem.is_some());
                if is_unreadable {
                    unreadable += 1;
                    let reason = rows
                        .first()
                        .map(|r| r.warnings.join("; "))
                        .unwrap_or_default();
                    progress.println(&format!("kbaudit: {}: {reason}", input.path.display()));
                }
                let mut kept_runs = Vec::new();
                for row in &rows {
                    let is_run = row.run_index.is_some();
                    if filters.kb(row.kb)
                        && (!is_run || filters.time(row.started_local))
                        && filters.outcome(row.outcome)
                    {
                        if !timesketch {
                            runs_out.write(row)?;
                        } else if TimesketchRow::is_placed(row) {
                            runs_out.write_cells(&TimesketchRow(row).cells())?;
                        } else {
                            unplaced += 1;
                        }
                        kept_runs.extend(row.run_index);
                    }
                }
                run_count += kept_runs.len();
                if let Some(out) = events_out.as_mut() {
                    let narrowed = filters.narrows_runs();
                    for event in &events {
                        // Lines outside any run go with their file unless runs were narrowed.
                        let keep = match event.run_index {
                            Some(i) => kept_runs.contains(&i),
                            None => !narrowed,
                        };
                        if keep {
                            out.write(event)?;
                        }
                    }
                }
                Ok(())
            },
        )?;
        progress.finish();
        runs_out.finish()?;
        if let Some(out) = events_out {
            out.finish()?;
        }
        outputs.finish()?;
        if unplaced > 0 && !common.quiet {
            eprintln!(
                "kbaudit: {unplaced} row(s) without a start time (undated runs, unreadable files) are not in the Timesketch table; the native table has them"
            );
        }
        report_unmatched(&filters, common);
        if wants_summary(common) {
            eprintln!("kbaudit: {total} log files, {run_count} runs, {unreadable} unreadable");
        }
        Ok(exit_code_for_counts(total, problems, unreadable > 0))
    })
}
