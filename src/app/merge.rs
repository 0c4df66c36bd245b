//! `kbaudit merge`: the shards' tables joined into one.

use std::io::Write;
use std::process::ExitCode;

use super::guard_outputs;
use crate::cleanup;
use crate::cli::{Common, MergeArgs};
use crate::merge::{MergeOptions, merge};
use crate::output::check_writable;
use crate::scan;

pub(super) fn run(args: &MergeArgs, common: &Common) -> anyhow::Result<ExitCode> {
    if common.shard.is_some() || common.files_from.is_some() {
        anyhow::bail!(
            "merge takes the shards' TABLEs; --shard and --files-from are for the runs that write them"
        );
    }
    let inputs = scan::collect_inputs(&args.tables, "tables", |_| true);
    if let Some(bad) = inputs.iter().find(|i| i.problem.is_some()) {
        anyhow::bail!(
            "{}: {}",
            bad.path.display(),
            bad.problem.as_deref().unwrap_or("")
        );
    }
    let tables: Vec<_> = inputs.iter().map(|i| i.path.clone()).collect();
    let output = args.output.as_deref().filter(|p| p.as_os_str() != "-");
    guard_outputs(&[output], &inputs)?;
    let options = MergeOptions {
        bom: common.bom_mode().applies(output.is_some()),
    };
    let (kind, rows) = match output {
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            let done = merge(&tables, &mut out, &options)?;
            out.flush()?;
            done
        }
        Some(path) => {
            check_writable(path, common.force)?;
            let (file, temporary) = cleanup::create_temporary(cleanup::temporary_name(path, ""))
                .map_err(|e| anyhow::anyhow!("{}: cannot create output: {e}", path.display()))?;
            let mut out = std::io::BufWriter::new(file);
            let done = merge(&tables, &mut out, &options).and_then(|done| {
                out.flush()?;
                Ok(done)
            });
            let done = match done {
                Ok(done) => done,
                Err(e) => {
                    let _ = std::fs::remove_file(temporary.path());
                    return Err(e);
                }
            };
            std::fs::rename(temporary.path(), path).map_err(|e| {
                anyhow::anyhow!("{}: cannot move output into place: {e}", path.display())
            })?;
            done
        }
    };
    if !common.quiet && super::wants_summary(common) {
        eprintln!(
            "kbaudit: merged {} {kind} tables, {rows} rows",
            tables.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}
