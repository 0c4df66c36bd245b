//! Reading a run table back (`kbaudit logs` output, CSV or JSONL) into [`RunRow`]s, for the
//! commands that can work from one instead of the logs (`state --from-runs`).

use std::path::Path;

use jiff::civil::DateTime;

use super::RunRow;
use super::codes;
use crate::output::Row;

/// Reads a run table. Fields `state` does not use are left empty.
pub fn read_runs(path: &Path) -> anyhow::Result<Vec<RunRow>> {
    let (columns, rows) = crate::merge::read_rows(path)?;
    if !columns.is_empty()
        && !columns
            .iter()
            .map(String::as_str)
            .eq(RunRow::COLUMNS.iter().copied())
    {
        anyhow::bail!(
            "{}: not a run table of `kbaudit logs` (its columns differ)",
            path.display()
        );
    }
    let at = |name: &str| {
        RunRow::COLUMNS
            .iter()
            .position(|c| *c == name)
            .expect("a run column")
    };
    let label = |value: Option<&String>, labels: &[&'static str]| -> Option<&'static str> {
        value.and_then(|v| labels.iter().find(|l| **l == v.as_str()).copied())
    };
    rows.into_iter()
        .enumerate()
        .map(|(n, row)| {
            let get = |name: &str| row[at(name)].as_ref();
            let number = |name: &str| get(name).and_then(|v| v.parse::<u32>().ok());
            let list = |name: &str| {
                get(name).map_or_else(Vec::new, |v| v.split("; ").map(str::to_string).collect())
            };
            let outcome = label(
                get("outcome"),
                &[
                    "success",
                    "reboot_required",
                    "failed",
                    "cancelled",
                    "incomplete",
                    "unreadable",
                    "no_runs",
                ],
            )
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "{}: row {}: unknown outcome {:?}",
                    path.display(),
                    n + 1,
                    get("outcome")
                )
            })?;
            let extended_code = get("extended_code")
                .and_then(|v| u32::from_str_radix(v.trim_start_matches("0x"), 16).ok());
            Ok(RunRow {
                host: get("host").cloned().unwrap_or_default(),
                kb: get("kb").and_then(|v| crate::filter::parse_kb(v)),
                action: label(get("action"), &["install", "uninstall"]),
                started_local: get("started_local").and_then(|v| parse_local(v)),
                outcome,
                extended_code,
                extended_meaning: extended_code.and_then(codes::extended_meaning),
                hotpatch: label(
                    get("hotpatch"),
                    &["enabled", "disabled", "requested", "failed"],
                ),
                replaced_files: list("replaced_files"),
                evidence_line: number("evidence_line"),
                source_file: get("source_file").cloned().unwrap_or_default(),
                run_index: number("run_index"),
                last_line: number("last_line"),
                warnings: list("warnings"),
                ..RunRow::empty()
            })
        })
        .collect()
}

/// `2005-06-17 12:33:45.123` (CSV) or `2005-06-17T12:33:45.123` (JSONL).
fn parse_local(text: &str) -> Option<DateTime> {
    text.replacen(' ', "T", 1).parse().ok()
}
