//! `kbaudit extract`: unpack a package safely.

use std::process::ExitCode;

use super::exit_code;
use crate::cab;
use crate::cli::{Common, ExtractArgs};
use crate::scan::{self, Progress};

pub(super) fn run(args: &ExtractArgs, common: &Common) -> anyhow::Result<ExitCode> {
    if common.files_from.is_some() {
        anyhow::bail!(
            "extract takes one PACKAGE; --files-from is for the commands that take PATHs"
        );
    }
    let names = args.name_encoding.unwrap_or(encoding_rs::WINDOWS_1252);
    let package = &args.package;
    if !crate::shard::keeps(common.shard, &package.to_string_lossy()) {
        if !common.quiet {
            eprintln!(
                "kbaudit: {}: in another shard; nothing to do",
                package.display()
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
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
    let progress =
        Progress::new(common.progress_mode(), total, file_count, "files").with_quiet(common.quiet);
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
        let on_file = || progress.item_done();
        let report = pool.install(|| {
            cab::extract::extract_cabinet(
                located.bytes(&bytes),
                &located.cabinet,
                &prefix,
                &options,
                written_bytes,
                &on_bytes,
                &on_file,
            )
        });
        let cabinet = &located.cabinet;
        progress.info(&format!(
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
            progress.info(&format!(
                "kbaudit:   member {} of cabinet set {} (previous: {}, next: {})",
                cabinet.set_index,
                cabinet.set_id,
                name(&cabinet.prev),
                name(&cabinet.next)
            ));
        }
        for finding in &report.findings {
            progress.info(&format!("kbaudit:   finding: {finding}"));
        }
        for (name, outcome, changes) in &report.files {
            match outcome {
                cab::extract::Outcome::Written { path, bytes } => {
                    written += 1;
                    written_bytes += bytes;
                    if !changes.is_empty() {
                        progress.info(&format!(
                            "kbaudit:   renamed {} -> {} ({})",
                            quoted(name),
                            path.display(),
                            changes.join(", ")
                        ));
                    }
                }
                cab::extract::Outcome::Refused(why) => {
                    refused += 1;
                    progress.println(&format!("kbaudit:   refused {}: {why}", quoted(name)));
                }
            }
        }
    }
    progress.finish();
    if !common.quiet {
        eprintln!(
            "kbaudit: {}: wrote {written} file(s), {written_bytes} bytes, to {}; refused {refused}",
            package.display(),
            args.dir.display()
        );
    }
    Ok(exit_code(refused > 0))
}

/// A name from a cabinet as a user reads it: in quotes, backslashes as they are, control
/// characters escaped (they could rewrite the terminal).
fn quoted(name: &str) -> String {
    let shown: String = name
        .chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect();
    format!("\"{shown}\"")
}
