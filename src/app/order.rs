//! `kbaudit order`: per host, which updates must come off first.

use std::process::ExitCode;

use super::outputs::Outputs;
use super::{exit_code_for, guard_outputs, input_paths, report_unmatched};
use crate::cli::{Common, OrderArgs};
use crate::logs::LogOptions;
use crate::order::{HostHistory, OrderRow};
use crate::scan;
use crate::share::{HostInputs, display_name};

pub(super) fn run(args: &OrderArgs, common: &Common) -> anyhow::Result<ExitCode> {
    let mut filter_args = args.filters.clone();
    filter_args.kbs.extend(args.remove.iter().cloned());
    let filters = filter_args.build(&[])?;
    let log_options = LogOptions {
        codepage: args.codepage,
        host_from: args.host_from,
        ..LogOptions::default()
    };
    let paths = input_paths(&args.paths, common)?;
    let inputs = HostInputs::collect(&paths, args.host_from, &filters, common.shard);
    let main = args.table.output.as_deref();
    let outputs = Outputs::open(main, args.table.format, common)?;
    guard_outputs(&outputs.paths(main, &[]), inputs.inputs())?;
    let mut out = outputs.table::<OrderRow>("order")?;
    let pool = scan::thread_pool(common.threads)?;
    let progress = inputs.progress(common.progress_mode());
    let mut unreadable = 0usize;
    inputs.for_each_host(&pool, &progress, &log_options, |key, files| {
        let mut history = HostHistory::default();
        for file in &files {
            if let Some(reason) = file.unreadable_reason() {
                unreadable += 1;
                progress.println(&format!("kbaudit: {}: {reason}", file.source));
            }
            history.add_filtered(file, &filters);
        }
        for row in history.rows(&display_name(&files, key)) {
            if filters.kb(crate::filter::parse_kb(&row.kb)) {
                out.write(&row)?;
            }
        }
        Ok(())
    })?;
    progress.finish();
    out.finish()?;
    outputs.finish()?;
    report_unmatched(&filters, common);
    Ok(exit_code_for(inputs.inputs(), unreadable > 0))
}
