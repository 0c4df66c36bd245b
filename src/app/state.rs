//! `kbaudit state`: per host and update, where things stand, as a table (plus `--matrix`, and a
//! summary sheet in a workbook).

use std::cell::RefCell;
use std::process::ExitCode;

use super::outputs::Outputs;
use super::{exit_code_for, guard_outputs};
use crate::cli::{Common, StateArgs};
use crate::output::{Cell, TableWriter, check_writable};
use crate::state::{Matrix, StateRow};

pub(super) fn run(args: &StateArgs, common: &Common) -> anyhow::Result<ExitCode> {
    let main = args.table.output.as_deref();
    let outputs = Outputs::open(main, args.table.format, common)?;
    // Opened by `open`, written by `on_host`: the walk calls them one after the other.
    let out: RefCell<Option<TableWriter>> = RefCell::new(None);
    let matrix: RefCell<Option<Matrix>> = RefCell::new(None);
    let mut open = |inputs: &[crate::scan::Input], baseline: &[u32]| -> anyhow::Result<()> {
        guard_outputs(&outputs.paths(main, &[args.matrix.as_deref()]), inputs)?;
        if let Some(path) = &args.matrix
            && !outputs.is_xlsx()
        {
            check_writable(path, common.force)?;
        }
        *out.borrow_mut() = Some(outputs.table::<StateRow>("state")?);
        *matrix.borrow_mut() = args.matrix.is_some().then(|| Matrix::new(baseline));
        Ok(())
    };
    let states = &args.states;
    let mut on_host =
        |host: &str, _: &[crate::logs::RunRow], rows: &[StateRow]| -> anyhow::Result<()> {
            if let Some(m) = matrix.borrow_mut().as_mut() {
                m.add_host(host, rows);
            }
            let mut out = out.borrow_mut();
            let table = out.as_mut().expect("opened before the first host");
            for row in rows
                .iter()
                .filter(|r| states.is_empty() || states.iter().any(|s| s == r.state.label()))
            {
                table.write(row)?;
            }
            Ok(())
        };
    let walked = super::fleet::walk(&args.fleet, common, &mut open, &mut on_host)?;
    if let Some(table) = out.take() {
        table.finish()?;
    }
    if let Some(matrix) = &matrix.take()
        && let Some(mut table) = outputs.extra_with_columns(
            "--matrix",
            args.matrix.as_deref(),
            "matrix",
            matrix.columns(),
        )?
    {
        for row in matrix.rows() {
            table.write_cells(&row.to_cells(matrix.measured_against()))?;
        }
        table.finish()?;
    }
    // A workbook also gets the counts a reader looks for first.
    if outputs.is_xlsx() {
        let columns = vec!["what".to_string(), "count".to_string()];
        let mut summary = outputs.table_with_columns(None, "summary", columns, false)?;
        for (what, count) in walked.tally.counts() {
            summary.write_cells(&[Cell::Word(what), Cell::Int(count as i64)])?;
        }
        summary.finish()?;
    }
    outputs.finish()?;
    Ok(exit_code_for(&walked.inputs, walked.unreadable > 0))
}
