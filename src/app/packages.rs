//! `kbaudit packages`: inventory of update packages.

use std::process::ExitCode;

use super::outputs::Outputs;
use super::{exit_code_for, guard_outputs, input_paths};
use crate::cli::{Common, PackagesArgs};
use crate::scan::{self, Progress};

/// The largest package read (whole: cabinets are parsed from a byte slice). Service packs are a
/// few hundred MB.
const MAX_PACKAGE_BYTES: u64 = 2 << 30;

pub(super) fn run(args: &PackagesArgs, common: &Common) -> anyhow::Result<ExitCode> {
    use crate::package::{self, FileRow, PackageRow};
    let inputs = scan::collect_inputs(
        &input_paths(&args.paths, common)?,
        "packages (.exe, .cab)",
        |p| scan::has_extension(p, &["exe", "cab"]),
    );
    let inputs = scan::in_shard(inputs, common.shard);
    let main = args.table.output.as_deref();
    let outputs = Outputs::open(main, args.table.format, common)?;
    guard_outputs(&outputs.paths(main, &[args.files.as_deref()]), &inputs)?;
    let mut packages_out = outputs.table::<PackageRow>("packages")?;
    let mut files_out = outputs.extra::<FileRow>("--files", args.files.as_deref(), "files")?;
    let pool = scan::thread_pool(common.threads)?;
    // Each package reports its bytes as they are decompressed, so the rate and ETA hold on a
    // large one.
    let progress = Progress::new(
        common.progress_mode(),
        inputs.iter().map(|i| i.size).sum(),
        inputs.len(),
        "packages",
    )
    .reported_by_work();
    let mut failed = 0usize;
    let (mut by_status, mut capable) = (std::collections::BTreeMap::new(), 0usize);
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
            // Whatever happens below, the package's bytes are done once.
            let done = std::cell::Cell::new(0u64);
            let report = |n: u64| {
                done.set(done.get() + n);
                progress.add_bytes(n);
            };
            let finish = || progress.add_bytes(input.size.saturating_sub(done.get()));
            let head = match scan::HeadFirst::open(&input.path, 64) {
                Ok(head) => head,
                Err(e) => {
                    finish();
                    return unreadable(format!("cannot read: {e}"));
                }
            };
            // A package is a PE (self-extractor) or a cabinet: anything else is refused from its
            // head, not read whole.
            if !(head.bytes.starts_with(b"MZ") || head.bytes.starts_with(b"MSCF")) {
                finish();
                return unreadable(
                    "neither a PE file nor a cabinet (no MZ or MSCF at its start)".into(),
                );
            }
            let inventory = match head.read_rest(MAX_PACKAGE_BYTES) {
                Ok(bytes) => {
                    package::inventory_reporting(&input.path, &bytes, args.max_bytes, &report)
                }
                Err(e) => unreadable(format!("cannot read: {e}")),
            };
            finish();
            inventory
        },
        |_, inventory| {
            *by_status.entry(inventory.package.status).or_insert(0usize) += 1;
            capable += usize::from(inventory.package.hotpatch_capable);
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
    outputs.finish()?;
    if super::wants_summary(common) {
        let statuses: Vec<String> = by_status.iter().map(|(s, n)| format!("{n} {s}")).collect();
        eprintln!(
            "kbaudit: {} packages ({}), {capable} hotpatch-capable",
            inputs.len(),
            statuses.join(", ")
        );
    }
    Ok(exit_code_for(&inputs, failed > 0))
}
