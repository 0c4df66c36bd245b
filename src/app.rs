//! Runs a parsed command line: one function per subcommand, each returning the exit code.

use std::process::ExitCode;

use crate::cab;
use crate::cli::{
    Cli, Command, Common, ExtractArgs, LogsArgs, OrderArgs, PackagesArgs, Profile, VersionsArgs,
};
use crate::logs::{self, EventRow, LogOptions, RunRow};
use crate::output::{OutputOptions, Row, TableWriter};
use crate::scan::{self, Progress};

/// Exit code 1: finished, but some inputs could not be processed.
pub const EXIT_PARTIAL: u8 = 1;
/// Exit code 2: usage error or nothing could be done.
pub const EXIT_USAGE: u8 = 2;

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Command::Logs(args) => run_logs(args, &cli.common),
        Command::Extract(args) => run_extract(args, &cli.common),
        Command::Versions(args) => run_versions(args, &cli.common),
        Command::Order(args) => run_order(args, &cli.common),
        Command::Packages(args) => run_packages(args, &cli.common),
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

fn run_logs(args: &LogsArgs, common: &Common) -> anyhow::Result<ExitCode> {
    let options = output_options(common, args.table.format);
    let mut runs_out = TableWriter::create::<RunRow>(args.table.output.as_deref(), options)?;
    let mut events_out = optional_table::<EventRow>(args.events.as_deref(), options)?;
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

fn run_extract(args: &ExtractArgs, common: &Common) -> anyhow::Result<ExitCode> {
    let names = args.name_encoding.unwrap_or(encoding_rs::WINDOWS_1252);
    let package = &args.package;
    let bytes = std::fs::read(package)
        .map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", package.display()))?;
    let search = cab::locate::locate(&bytes, names);
    if search.cabinets.is_empty() {
        let why = search
            .errors
            .iter()
            .map(|(at, e)| format!("at offset {at}: {e}"))
            .collect::<Vec<_>>()
            .join("; ");
        let why = if why.is_empty() {
            "no cabinet found".to_string()
        } else {
            format!("no readable cabinet ({why})")
        };
        anyhow::bail!("{}: {why}", package.display());
    }
    std::fs::create_dir_all(&args.dir)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.dir.display()))?;
    let options = cab::extract::ExtractOptions {
        dir: args.dir.clone(),
        max_bytes: args.max_bytes,
        force: common.force,
        strict: args.strict,
    };
    let total: u64 = search
        .cabinets
        .iter()
        .flat_map(|c| &c.cabinet.files)
        .map(|f| u64::from(f.size))
        .sum();
    let file_count = search.cabinets.iter().map(|c| c.cabinet.files.len()).sum();
    let progress = Progress::new(common.progress, total, file_count, "files");
    let pool = scan::thread_pool(common.threads)?;
    let several = search.cabinets.len() > 1;
    let (mut written, mut written_bytes, mut refused) = (0usize, 0u64, 0usize);
    for located in &search.cabinets {
        let prefix = if several {
            std::path::PathBuf::from(format!("@{}", located.offset))
        } else {
            Default::default()
        };
        let on_bytes = |n: u64| progress.add_bytes(n);
        let report = pool.install(|| {
            cab::extract::extract_cabinet(
                located.bytes(&bytes),
                &located.cabinet,
                &prefix,
                &options,
                written_bytes,
                &on_bytes,
            )
        });
        let cabinet = &located.cabinet;
        progress.println(&format!(
            "kbaudit: cabinet at offset {} ({}): {} folder(s) [{}], {} file(s)",
            located.offset,
            located.via.label(),
            cabinet.folders.len(),
            cabinet
                .folders
                .iter()
                .map(|f| f.method.label())
                .collect::<Vec<_>>()
                .join(", "),
            cabinet.files.len()
        ));
        if cabinet.prev.is_some() || cabinet.next.is_some() {
            let name = |l: &Option<cab::header::SetLink>| {
                l.as_ref().map_or("-".to_string(), |l| l.cabinet.clone())
            };
            progress.println(&format!(
                "kbaudit:   member {} of cabinet set {} (previous: {}, next: {})",
                cabinet.set_index,
                cabinet.set_id,
                name(&cabinet.prev),
                name(&cabinet.next)
            ));
        }
        for finding in &report.findings {
            progress.println(&format!("kbaudit:   finding: {finding}"));
        }
        for (name, outcome, changes) in &report.files {
            match outcome {
                cab::extract::Outcome::Written { path, bytes } => {
                    written += 1;
                    written_bytes += bytes;
                    if !changes.is_empty() {
                        progress.println(&format!(
                            "kbaudit:   renamed {name:?} -> {} ({})",
                            path.display(),
                            changes.join(", ")
                        ));
                    }
                }
                cab::extract::Outcome::Refused(why) => {
                    refused += 1;
                    progress.println(&format!("kbaudit:   refused {name:?}: {why}"));
                }
            }
        }
    }
    progress.finish();
    eprintln!(
        "kbaudit: {}: wrote {written} file(s), {written_bytes} bytes, to {}; refused {refused}",
        package.display(),
        args.dir.display()
    );
    Ok(exit_code(refused > 0))
}

fn run_versions(args: &VersionsArgs, common: &Common) -> anyhow::Result<ExitCode> {
    use crate::versions::{self, SigcheckRow, VersionRow};
    let options = output_options(common, args.table.format);
    let output = args.table.output.as_deref();
    let mut native = None;
    let mut sigcheck = None;
    match args.profile {
        Profile::Native => native = Some(TableWriter::create::<VersionRow>(output, options)?),
        Profile::Sigcheck => {
            sigcheck = Some(TableWriter::create::<SigcheckRow<'_>>(output, options)?)
        }
    }
    let named: std::collections::HashSet<&std::path::Path> = args
        .paths
        .iter()
        .filter(|p| p.is_file())
        .map(|p| p.as_path())
        .collect();
    let inputs = scan::collect_inputs(&args.paths, "files", |_| true);
    let pool = scan::thread_pool(common.threads)?;
    let total_bytes = inputs.iter().map(|i| i.size).sum();
    let progress = Progress::new(common.progress, total_bytes, inputs.len(), "files");
    let mut failed = 0usize;
    scan::map_ordered(
        &pool,
        &inputs,
        &progress,
        |input| {
            let path = input.path.display().to_string();
            if let Some(problem) = &input.problem {
                return Some(VersionRow {
                    path,
                    status: "unreadable",
                    error: Some(problem.clone()),
                    ..Default::default()
                });
            }
            match std::fs::read(&input.path) {
                // Walked files that are not PE images are not the user's question: skip them.
                Ok(bytes) if !versions::is_pe(&bytes) && !named.contains(input.path.as_path()) => {
                    None
                }
                Ok(bytes) => Some(versions::analyze(&path, &bytes)),
                Err(e) => Some(VersionRow {
                    path,
                    status: "unreadable",
                    error: Some(format!("cannot read: {e}")),
                    ..Default::default()
                }),
            }
        },
        |_, row| {
            let Some(row) = row else { return Ok(()) };
            if matches!(row.status, "unreadable" | "not_pe") {
                failed += 1;
                progress.println(&format!(
                    "kbaudit: {}: {}",
                    row.path,
                    row.error.as_deref().unwrap_or("")
                ));
            }
            if let Some(out) = native.as_mut() {
                out.write(&row)?;
            }
            if let Some(out) = sigcheck.as_mut() {
                out.write(&SigcheckRow(&row))?;
            }
            Ok(())
        },
    )?;
    progress.finish();
    if let Some(out) = native {
        out.finish()?;
    }
    if let Some(out) = sigcheck {
        out.finish()?;
    }
    Ok(exit_code(failed > 0))
}

fn run_order(args: &OrderArgs, common: &Common) -> anyhow::Result<ExitCode> {
    use crate::order::{HostHistory, OrderRow};
    let options = output_options(common, args.table.format);
    let mut out = TableWriter::create::<OrderRow>(args.table.output.as_deref(), options)?;
    let log_options = LogOptions {
        codepage: args.codepage,
        host_from: args.host_from,
        ..LogOptions::default()
    };
    let wanted_kb: Vec<String> = args
        .remove
        .iter()
        .map(|k| {
            format!(
                "KB{}",
                k.trim()
                    .trim_start_matches(['K', 'k'])
                    .trim_start_matches(['B', 'b'])
            )
        })
        .collect();
    let keep_host =
        |host: &str| args.host.is_empty() || args.host.iter().any(|h| h.eq_ignore_ascii_case(host));
    let mut inputs: Vec<(String, scan::Input)> =
        scan::collect_inputs(&args.paths, ".log files", |p| {
            scan::has_extension(p, &["log"])
        })
        .into_iter()
        .map(|i| (logs::host_of(&i.path, args.host_from), i))
        .filter(|(host, _)| keep_host(host))
        .collect();
    // A sorted walk can visit a subfolder between a folder's own files, so a host's logs are not
    // always contiguous: group them (stable, keeping file order within a host).
    inputs.sort_by(|a, b| a.0.cmp(&b.0));
    let inputs: Vec<scan::Input> = inputs.into_iter().map(|(_, i)| i).collect();
    let pool = scan::thread_pool(common.threads)?;
    let progress = Progress::new(
        common.progress,
        inputs.iter().map(|i| i.size).sum(),
        inputs.len(),
        "logs",
    );
    let mut unreadable = 0usize;
    // Grouped by host above: each host is finished, written and dropped when the next one
    // starts, so memory holds one host at a time.
    let mut current: Option<(String, HostHistory)> = None;
    let flush = |done: Option<(String, HostHistory)>,
                 out: &mut TableWriter|
     -> anyhow::Result<()> {
        if let Some((host, history)) = done {
            for row in history.rows(&host) {
                if wanted_kb.is_empty() || wanted_kb.iter().any(|k| k.eq_ignore_ascii_case(&row.kb))
                {
                    out.write(&row)?;
                }
            }
        }
        Ok(())
    };
    scan::map_ordered(
        &pool,
        &inputs,
        &progress,
        |input| logs::read_log(input, &log_options),
        |input, file| {
            if file.is_unreadable() {
                unreadable += 1;
                progress.println(&format!(
                    "kbaudit: {}: {:?}",
                    input.path.display(),
                    file.problem
                ));
            }
            if current.as_ref().is_none_or(|(host, _)| *host != file.host) {
                flush(
                    current.replace((file.host.clone(), HostHistory::default())),
                    &mut out,
                )?;
            }
            if let Some((_, history)) = current.as_mut() {
                history.add(&file);
            }
            Ok(())
        },
    )?;
    flush(current.take(), &mut out)?;
    progress.finish();
    out.finish()?;
    Ok(exit_code(unreadable > 0))
}

fn run_packages(args: &PackagesArgs, common: &Common) -> anyhow::Result<ExitCode> {
    use crate::package::{self, FileRow, PackageRow};
    let options = output_options(common, args.table.format);
    let mut packages_out =
        TableWriter::create::<PackageRow>(args.table.output.as_deref(), options)?;
    let mut files_out = optional_table::<FileRow>(args.files.as_deref(), options)?;
    let inputs = scan::collect_inputs(&args.paths, "packages (.exe, .cab)", |p| {
        scan::has_extension(p, &["exe", "cab"])
    });
    let pool = scan::thread_pool(common.threads)?;
    let progress = Progress::new(
        common.progress,
        inputs.iter().map(|i| i.size).sum(),
        inputs.len(),
        "packages",
    );
    let mut failed = 0usize;
    scan::map_ordered(
        &pool,
        &inputs,
        &progress,
        |input| {
            let unreadable = |why: String| package::Inventory {
                package: PackageRow {
                    package: input.path.display().to_string(),
                    status: "error",
                    error: Some(why),
                    ..Default::default()
                },
                files: Vec::new(),
            };
            if let Some(problem) = &input.problem {
                return unreadable(problem.clone());
            }
            match std::fs::read(&input.path) {
                Ok(bytes) => package::inventory(&input.path, &bytes, args.max_bytes),
                Err(e) => unreadable(format!("cannot read: {e}")),
            }
        },
        |_, inventory| {
            if inventory.failed() {
                failed += 1;
                let row = &inventory.package;
                progress.println(&format!(
                    "kbaudit: {}: {}",
                    row.package,
                    row.error.as_deref().unwrap_or(row.status)
                ));
            }
            packages_out.write(&inventory.package)?;
            if let Some(out) = files_out.as_mut() {
                for file in &inventory.files {
                    out.write(file)?;
                }
            }
            Ok(())
        },
    )?;
    progress.finish();
    packages_out.finish()?;
    if let Some(out) = files_out {
        out.finish()?;
    }
    Ok(exit_code(failed > 0))
}
