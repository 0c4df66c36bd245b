//! Runs a parsed command line: one module per subcommand, each returning the exit code. The
//! wiring only connects inputs, the library's analysis and the output tables.

mod extract;
mod fleet;
mod logs;
mod merge;
mod order;
mod outputs;
mod packages;
mod report;
mod state;
mod versions;

use std::process::ExitCode;

use crate::cli::{Cli, Command, Common};
use crate::output::OutputOptions;

/// Exit code 1: finished, but some inputs could not be processed.
pub const EXIT_PARTIAL: u8 = 1;
/// Exit code 2: usage error or nothing could be done.
pub const EXIT_USAGE: u8 = 2;

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    crate::scan::set_progress_mode(cli.common.progress_mode());
    match &cli.command {
        Command::Logs(args) => logs::run(args, &cli.common),
        Command::Extract(args) => extract::run(args, &cli.common),
        Command::Versions(args) => versions::run(args, &cli.common),
        Command::Order(args) => order::run(args, &cli.common),
        Command::Packages(args) => packages::run(args, &cli.common),
        Command::State(args) => state::run(args, &cli.common),
        Command::Merge(args) => merge::run(args, &cli.common),
        Command::Report(args) => report::run(args, &cli.common),
    }
}

fn output_options(common: &Common, format: crate::output::Format) -> OutputOptions {
    OutputOptions {
        format,
        bom: common.bom_mode(),
        raw_cells: common.raw_cells,
        force: common.force,
    }
}

fn exit_code(some_failed: bool) -> ExitCode {
    if some_failed {
        ExitCode::from(EXIT_PARTIAL)
    } else {
        ExitCode::SUCCESS
    }
}

/// The exit code after a run over `inputs`: 2 when none could be used at all (every path missing,
/// empty of matching files, or not a regular file), else 1 when some failed, else 0.
fn exit_code_for(inputs: &[crate::scan::Input], some_failed: bool) -> ExitCode {
    let problems = inputs.iter().filter(|i| i.problem.is_some()).count();
    exit_code_for_counts(inputs.len(), problems, some_failed)
}

/// [`exit_code_for`] from counts: `problems` of `total` inputs could not be used at all.
fn exit_code_for_counts(total: usize, problems: usize, some_failed: bool) -> ExitCode {
    if total > 0 && problems == total {
        ExitCode::from(EXIT_USAGE)
    } else {
        exit_code(some_failed)
    }
}

/// The identities of the outputs that exist already (that `--force` would overwrite).
fn output_ids(outputs: &[Option<&std::path::Path>]) -> Vec<crate::scan::FileId> {
    outputs
        .iter()
        .flatten()
        .filter(|p| p.as_os_str() != "-")
        .filter_map(|p| {
            let metadata = std::fs::metadata(p).ok()?;
            crate::scan::file_id(p, &metadata)
        })
        .collect()
}

/// Refuses, before any output is opened, two outputs with the same path and an output that is
/// one of the inputs (`--force` would otherwise overwrite the log being read).
fn guard_outputs(
    outputs: &[Option<&std::path::Path>],
    inputs: &[crate::scan::Input],
) -> anyhow::Result<()> {
    use std::path::{Path, PathBuf};
    // Where a path will be: its folder made absolute (it exists, or the output fails anyway).
    let resolved = |p: &Path| -> PathBuf {
        let parent = p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::canonicalize(parent)
            .unwrap_or_else(|_| parent.to_path_buf())
            .join(p.file_name().unwrap_or_default())
    };
    let files: Vec<&Path> = outputs
        .iter()
        .flatten()
        .copied()
        .filter(|p| p.as_os_str() != "-")
        .collect();
    for (i, a) in files.iter().enumerate() {
        if files[..i].iter().any(|b| resolved(a) == resolved(b)) {
            anyhow::bail!(
                "{}: named as two outputs; give each table its own file",
                a.display()
            );
        }
        if let Ok(metadata) = std::fs::metadata(a)
            && let Some(id) = crate::scan::file_id(a, &metadata)
            && inputs.iter().any(|input| input.id.as_ref() == Some(&id))
        {
            anyhow::bail!(
                "{}: this output is also an input; refusing to overwrite it",
                a.display()
            );
        }
    }
    Ok(())
}

/// The input paths: the PATH arguments, then the lines of `--files-from` (`-` is stdin; NUL-
/// separated with `-0`). A path listed there that does not exist becomes an error row like any
/// other. Neither given is a usage error.
fn input_paths(
    paths: &[std::path::PathBuf],
    common: &Common,
) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let mut all = paths.to_vec();
    if let Some(list) = &common.files_from {
        let bytes = if list.as_os_str() == "-" {
            let mut buffer = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut buffer)?;
            buffer
        } else {
            std::fs::read(list)
                .map_err(|e| anyhow::anyhow!("{}: cannot read --files-from: {e}", list.display()))?
        };
        let separator = if common.null { b'\0' } else { b'\n' };
        for line in bytes.split(|&b| b == separator) {
            let line = if common.null {
                line
            } else {
                line.strip_suffix(b"\r").unwrap_or(line)
            };
            if line.is_empty() {
                continue;
            }
            all.push(path_from_bytes(line));
        }
    }
    if all.is_empty() {
        anyhow::bail!("no input: give one or more PATHs, or --files-from FILE");
    }
    Ok(all)
}

#[cfg(unix)]
fn path_from_bytes(bytes: &[u8]) -> std::path::PathBuf {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::OsStr::from_bytes(bytes).into()
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: &[u8]) -> std::path::PathBuf {
    String::from_utf8_lossy(bytes).into_owned().into()
}

/// Whether the closing one-line summary is wanted: on a terminal, unless progress is off.
fn wants_summary(common: &Common) -> bool {
    common.progress_mode() != crate::scan::ProgressMode::Never
        && std::io::IsTerminal::is_terminal(&std::io::stderr())
}

/// Says on stderr which filters matched nothing (unless `--quiet`).
fn report_unmatched(filters: &crate::filter::Filters, common: &Common) {
    if common.quiet {
        return;
    }
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
