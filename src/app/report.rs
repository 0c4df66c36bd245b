//! `kbaudit report`: the fleet's state and the runs behind it as one HTML file.

use std::io::Write;
use std::process::ExitCode;

use super::{exit_code_for, guard_outputs};
use crate::cleanup;
use crate::cli::{Common, ReportArgs};
use crate::output::check_writable;
use crate::report::{Report, render};

pub(super) fn run(args: &ReportArgs, common: &Common) -> anyhow::Result<ExitCode> {
    let output = args.output.as_deref().filter(|p| p.as_os_str() != "-");
    let mut report = Report::new(&args.title);
    let mut open = |inputs: &[crate::scan::Input], _: &[u32]| -> anyhow::Result<()> {
        guard_outputs(&[output], inputs)?;
        if let Some(path) = output {
            check_writable(path, common.force)?;
        }
        Ok(())
    };
    let mut on_host =
        |host: &str, runs: &[crate::logs::RunRow], rows: &[crate::state::StateRow]| {
            report.add_host(host, runs, rows);
            Ok(())
        };
    let walked = super::fleet::walk(&args.fleet, common, &mut open, &mut on_host)?;
    let source = match &args.fleet.from_runs {
        Some(table) => format!("the run table {}", table.display()),
        None => format!("{} log file(s)", report.inputs),
    };
    let mut generated = format!(
        "Made by kbaudit {} from {source}; times are each host's local clock",
        env!("CARGO_PKG_VERSION")
    );
    if let (Some(tz), Some(first), Some(last)) = (&args.tz, report.first_run, report.last_run) {
        let utc = |t: jiff::civil::DateTime| {
            tz.to_ambiguous_timestamp(t)
                .compatible()
                .map(|ts| ts.strftime("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_default()
        };
        generated.push_str(&format!(
            " ({}); the period in UTC: {} – {}",
            tz.iana_name().unwrap_or("given zone"),
            utc(first),
            utc(last)
        ));
    }
    generated.push('.');
    let html = render(&mut report, &generated);
    match output {
        None => std::io::stdout().write_all(html.as_bytes())?,
        Some(path) => {
            let (mut file, temporary) =
                cleanup::create_temporary(cleanup::temporary_name(path, "")).map_err(|e| {
                    anyhow::anyhow!("{}: cannot create output: {e}", path.display())
                })?;
            file.write_all(html.as_bytes())?;
            drop(file);
            std::fs::rename(temporary.path(), path).map_err(|e| {
                anyhow::anyhow!("{}: cannot move output into place: {e}", path.display())
            })?;
        }
    }
    Ok(exit_code_for(&walked.inputs, walked.unreadable > 0))
}
