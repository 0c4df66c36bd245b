//! Runs a parsed command line: one function per subcommand, each returning the exit code.

use std::process::ExitCode;

use crate::cli::{Cli, Command, Common, LogsArgs};
use crate::logs::{self, EventRow, LogOptions, RunRow};
use crate::output::{OutputOptions, TableWriter, check_writable};
use crate::scan::{self, Progress};

/// Exit code 1: finished, but some inputs could not be processed.
pub const EXIT_PARTIAL: u8 = 1;
/// Exit code 2: usage error or nothing could be done.
pub const EXIT_USAGE: u8 = 2;

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Command::Logs(args) => run_logs(args, &cli.common),
    }
}

fn output_options(common: &Common, format: crate::output::Format) -> OutputOptions {
    OutputOptions {
        format,
        no_bom: common.no_bom,
        raw_cells: common.raw_cells,
        force: common.force,
    }
}

fn run_logs(args: &LogsArgs, common: &Common) -> anyhow::Result<ExitCode> {
    let options = output_options(common, args.format);
    // Refuse before any work rather than after a long scan.
    for path in args.output.iter().chain(&args.events) {
        check_writable(path, common.force)?;
    }
    let mut runs_out = TableWriter::create::<RunRow>(args.output.as_deref(), options)?;
    let mut events_out = match &args.events {
        Some(path) => Some(TableWriter::create::<EventRow>(Some(path), options)?),
        None => None,
    };
    let log_options = LogOptions {
        codepage: args.codepage,
        tz: args.tz.clone(),
        host_from: args.host_from,
        events: args.events.is_some(),
    };
    let inputs = scan::collect_inputs(&args.paths, ".log files", |p| {
        scan::has_extension(p, &["log"])
    });
    let pool = scan::thread_pool(common.threads)?;
    let total_bytes = inputs.iter().map(|i| i.size).sum();
    let progress = Progress::new(common.progress, total_bytes, inputs.len(), "logs");
    let mut unreadable = 0usize;
    let mut run_count = 0usize;
    scan::map_ordered(
        &pool,
        &inputs,
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
            if is_unreadable {
                unreadable += 1;
                let reason = rows
                    .first()
                    .map(|r| r.warnings.join("; "))
                    .unwrap_or_default();
                progress.println(&format!("kbaudit: {}: {reason}", input.path.display()));
            }
            run_count += rows.iter().filter(|r| r.run_index.is_some()).count();
            for row in &rows {
                runs_out.write(row)?;
            }
            if let Some(out) = events_out.as_mut() {
                for event in &events {
                    out.write(event)?;
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
    if common.progress != scan::ProgressMode::Never
        && std::io::IsTerminal::is_terminal(&std::io::stderr())
    {
        eprintln!(
            "kbaudit: {} log files, {run_count} runs, {unreadable} unreadable",
            inputs.len()
        );
    }
    Ok(exit_code(unreadable > 0))
}

fn exit_code(some_failed: bool) -> ExitCode {
    if some_failed {
        ExitCode::from(EXIT_PARTIAL)
    } else {
        ExitCode::SUCCESS
    }
}

/// A closed stdout pipe (`kbaudit logs ... | head`) is a normal way to stop, not an error.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        let io = cause.downcast_ref::<std::io::Error>().or_else(|| {
            cause
                .downcast_ref::<csv::Error>()
                .and_then(|e| match e.kind() {
                    csv::ErrorKind::Io(io) => Some(io),
                    _ => None,
                })
        });
        io.is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
