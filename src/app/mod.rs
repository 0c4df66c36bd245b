//! Runs a parsed command line: one module per subcommand, each returning the exit code. The
//! wiring only connects inputs, the library's analysis and the output tables.

mod extract;
mod logs;
mod order;
mod packages;
mod state;
mod versions;

use std::process::ExitCode;

use crate::cli::{Cli, Command, Common};
use crate::output::{OutputOptions, Row, TableWriter};

/// Exit code 1: finished, but some inputs could not be processed.
pub const EXIT_PARTIAL: u8 = 1;
/// Exit code 2: usage error or nothing could be done.
pub const EXIT_USAGE: u8 = 2;

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Command::Logs(args) => logs::run(args, &cli.common),
        Command::Extract(args) => extract::run(args, &cli.common),
        Command::Versions(args) => versions::run(args, &cli.common),
        Command::Order(args) => order::run(args, &cli.common),
        Command::Packages(args) => packages::run(args, &cli.common),
        Command::State(args) => state::run(args, &cli.common),
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

/// A second table written only when asked for (`--events`, `--files`). Opened before any work,
/// like the main table, so an existing file is refused at once; if it fails, the main table's
/// temporary file is dropped and removed.
fn optional_table<R: Row>(
    path: Option<&std::path::Path>,
    options: OutputOptions,
) -> anyhow::Result<Option<TableWriter>> {
    path.map(|p| TableWriter::create::<R>(Some(p), options))
        .transpose()
}

fn exit_code(some_failed: bool) -> ExitCode {
    if some_failed {
        ExitCode::from(EXIT_PARTIAL)
    } else {
        ExitCode::SUCCESS
    }
}

/// Whether the closing one-line summary is wanted: on a terminal, unless progress is off.
fn wants_summary(common: &Common) -> bool {
    common.progress != crate::scan::ProgressMode::Never
        && std::io::IsTerminal::is_terminal(&std::io::stderr())
}

/// Says on stderr which filters matched nothing.
fn report_unmatched(filters: &crate::filter::Filters) {
    for line in filters.unmatched() {
        eprintln!("kbaudit: {line}");
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
        io.is_some_and(|e| {
            e.kind() == std::io::ErrorKind::BrokenPipe
                || e.get_ref()
                    .and_then(|inner| inner.downcast_ref::<csv::Error>())
                    .is_some_and(|c| matches!(c.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe))
        })
    })
}
