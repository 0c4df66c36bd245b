//! `kbaudit versions`: version strings of PE files and hotpatch eligibility.

use std::process::ExitCode;

use super::outputs::Outputs;
use super::{exit_code_for, guard_outputs, input_paths};
use crate::cli::{Common, Profile, VersionsArgs};
use crate::scan::{self, Progress};

/// Bytes read before deciding whether a file is a PE image.
const PE_HEAD: usize = 64 << 10;
/// The largest PE image analysed (read whole); larger ones get an error row.
const MAX_PE_BYTES: u64 = 512 << 20;

pub(super) fn run(args: &VersionsArgs, common: &Common) -> anyhow::Result<ExitCode> {
    use crate::versions::{self, SigcheckRow, VersionRow};
    let output = args.table.output.as_deref();
    let inputs = scan::in_shard(
        scan::collect_inputs(&input_paths(&args.paths, common)?, "files", |_| true),
        common.shard,
    );
    let outputs = Outputs::open(output, args.table.format, common)?;
    guard_outputs(&outputs.paths(output, &[]), &inputs)?;
    let mut native = None;
    let mut sigcheck = None;
    match args.profile {
        Profile::Native => native = Some(outputs.table::<VersionRow>("versions")?),
        Profile::Sigcheck => sigcheck = Some(outputs.table::<SigcheckRow<'_>>("sigcheck")?),
    }
    let named: std::collections::HashSet<&std::path::Path> = args
        .paths
        .iter()
        .filter(|p| p.is_file())
        .map(|p| p.as_path())
        .collect();
    let pool = scan::thread_pool(common.threads)?;
    let total_bytes = inputs.iter().map(|i| i.size).sum();
    let progress = Progress::new(common.progress_mode(), total_bytes, inputs.len(), "files");
    let mut failed = 0usize;
    let mut tally = std::collections::BTreeMap::new();
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
            let unreadable = |e: std::io::Error| {
                Some(VersionRow {
                    path: path.clone(),
                    status: "unreadable",
                    error: Some(format!("cannot read: {e}")),
                    ..Default::default()
                })
            };
            // The head decides: a file that is not a PE image is not read further (a pagefile
            // or disk image in the tree costs 64 KiB, not its size).
            let head = match scan::HeadFirst::open(&input.path, PE_HEAD) {
                Ok(head) => head,
                Err(e) => return unreadable(e),
            };
            let named = named.contains(input.path.as_path());
            if !versions::may_be_pe(&head.bytes) {
                // Named explicitly: its not_pe row comes from the head alone.
                return named.then(|| versions::analyze(&path, &head.bytes));
            }
            match head.read_rest(MAX_PE_BYTES) {
                // Walked files that are not PE images are not the user's question: skip them.
                Ok(bytes) if !versions::is_pe(&bytes) && !named => None,
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
            let verdict = match row.hotpatch_eligible {
                Some(true) => "eligible",
                Some(false) => "not eligible",
                None => "eligibility unknown",
            };
            let key = if row.status == "ok" {
                verdict
            } else {
                row.status
            };
            *tally.entry(key).or_insert(0usize) += 1;
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
    outputs.finish()?;
    if super::wants_summary(common) {
        let counts: Vec<String> = tally.iter().map(|(s, n)| format!("{n} {s}")).collect();
        let rows: usize = tally.values().sum();
        eprintln!("kbaudit: {rows} files reported: {}", counts.join(", "));
    }
    Ok(exit_code_for(&inputs, failed > 0))
}
