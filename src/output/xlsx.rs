//! Excel workbooks (`--format xlsx`), written with `rust_xlsxwriter` in its constant-memory mode:
//! each sheet streams its rows to a temporary file, so memory stays flat however large the table.
//!
//! A command's tables (the main one, `--events`, `--files`, `--matrix`, `state`'s summary) become
//! sheets of one workbook. Each sheet has a bold frozen header, an autofilter and column widths
//! chosen from the column names. Cells are typed: times are native date-times, counts and
//! durations numbers, booleans booleans; codes, KB numbers, versions and all text from the inputs
//! are strings, never formulas, so no `'` prefix is needed. A sheet that reaches Excel's
//! 1,048,576 rows continues on a new sheet; a cell over 32,767 characters is cut and counted.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

use super::Cell;
use crate::cleanup::{self, Temporary};

/// Rows on one sheet, header included (Excel's limit).
const MAX_ROWS: u32 = 1_048_576;
/// Characters in one cell (Excel's limit).
const MAX_CELL_CHARS: usize = 32_767;

/// One workbook shared by the sheets of a run.
#[derive(Clone)]
pub struct Book {
    inner: Rc<RefCell<Inner>>,
}

struct Inner {
    workbook: Workbook,
    /// Where it goes: a temporary beside the target, or stdout.
    target: Option<(PathBuf, Temporary)>,
    bold: Format,
    time: Format,
    seconds: Format,
    cut_cells: usize,
    sheet_names: Vec<String>,
    rows_per_sheet: u32,
}

fn xlsx_error(e: XlsxError) -> anyhow::Error {
    anyhow::anyhow!("xlsx: {e}")
}

impl Book {
    /// A workbook for `path` (`None` or `-`: stdout, refused when it is a terminal).
    pub fn create(path: Option<&Path>, force: bool) -> anyhow::Result<Self> {
        let path = path.filter(|p| p.as_os_str() != "-");
        let target = match path {
            None => {
                if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
                    anyhow::bail!(
                        "--format xlsx writes a binary workbook: give -o FILE.xlsx (or redirect stdout), not a terminal"
                    );
                }
                None
            }
            Some(path) => {
                super::check_writable(path, force)?;
                let (file, temporary) =
                    cleanup::create_temporary(cleanup::temporary_name(path, "")).map_err(|e| {
                        anyhow::anyhow!("{}: cannot create output: {e}", path.display())
                    })?;
                drop(file);
                Some((path.to_path_buf(), temporary))
            }
        };
        let mut workbook = Workbook::new();
        // Most of a large workbook's time is zip compression of the sheets' XML: level 1 is
        // several times faster than the default 6, for a somewhat larger file (measured in
        // the README).
        workbook.set_zip_compression_level(1);
        // Sheets stream to temporary files next to the output (not to a memory-backed /tmp).
        if let Some((path, _)) = &target
            && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        {
            workbook.set_tempdir(dir).map_err(xlsx_error)?;
        }
        Ok(Book {
            inner: Rc::new(RefCell::new(Inner {
                workbook,
                target,
                bold: Format::new().set_bold(),
                time: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss.000"),
                seconds: Format::new().set_num_format("0.000"),
                cut_cells: 0,
                sheet_names: Vec::new(),
                rows_per_sheet: MAX_ROWS,
            })),
        })
    }

    /// Rows per sheet, header included (Excel's 1,048,576 unless lowered, e.g. to test the
    /// continuation sheets).
    pub fn set_rows_per_sheet(&self, rows: u32) {
        self.inner.borrow_mut().rows_per_sheet = rows.clamp(2, MAX_ROWS);
    }

    /// Adds a sheet named `name` with these columns.
    pub fn sheet(&self, name: &str, columns: &[String]) -> anyhow::Result<Sheet> {
        let mut sheet = Sheet {
            book: self.clone(),
            base: name.to_string(),
            index: 0,
            part: 1,
            row: 0,
            columns: columns.to_vec(),
        };
        sheet.start_part()?;
        Ok(sheet)
    }

    /// Saves the workbook (to its file, renamed into place, or to stdout). Returns how many cells
    /// were cut to Excel's limit.
    pub fn finish(self) -> anyhow::Result<usize> {
        let cell = Rc::try_unwrap(self.inner)
            .map_err(|_| anyhow::anyhow!("xlsx: a sheet is still open"))?;
        let mut inner = cell.into_inner();
        match inner.target.take() {
            Some((path, temporary)) => {
                inner.workbook.save(temporary.path()).map_err(xlsx_error)?;
                std::fs::rename(temporary.path(), &path).map_err(|e| {
                    anyhow::anyhow!("{}: cannot move output into place: {e}", path.display())
                })?;
            }
            None => {
                inner
                    .workbook
                    .save_to_writer(std::io::stdout())
                    .map_err(xlsx_error)?;
            }
        }
        Ok(inner.cut_cells)
    }
}

/// One table in the workbook: a sheet, continued on `name (2)`, ... past Excel's row limit.
pub struct Sheet {
    book: Book,
    base: String,
    index: usize,
    part: u32,
    row: u32,
    columns: Vec<String>,
}

/// A column width (in characters) from the column's name: text columns wide, others narrow.
fn width(column: &str) -> f64 {
    let wide = [
        "evidence",
        "warnings",
        "findings",
        "message",
        "path",
        "source_file",
        "command_line",
        "runs",
        "replaced_files",
        "anomalies",
        "error",
        "reason",
        "text",
        "package",
        "Path",
        "shared_files",
        "must_remove_first",
    ];
    if wide.iter().any(|w| column == *w || column.ends_with(w)) {
        50.0
    } else if column.ends_with("_local") || column.ends_with("_utc") || column.contains("time") {
        23.0
    } else {
        (column.chars().count() as f64 + 2.0).clamp(9.0, 26.0)
    }
}

impl Sheet {
    fn start_part(&mut self) -> anyhow::Result<()> {
        let mut inner = self.book.inner.borrow_mut();
        let name = if self.part == 1 {
            self.base.clone()
        } else {
            format!("{} ({})", self.base, self.part)
        };
        let name: String = name.chars().take(31).collect();
        let bold = inner.bold.clone();
        let worksheet = inner
            .workbook
            .add_worksheet_with_constant_memory()
            .map_err(xlsx_error)?;
        worksheet.set_name(&name).map_err(xlsx_error)?;
        for (c, column) in self.columns.iter().enumerate() {
            let c = c as u16;
            worksheet
                .write_string_with_format(0, c, column, &bold)
                .map_err(xlsx_error)?;
            worksheet
                .set_column_width(c, width(column))
                .map_err(xlsx_error)?;
        }
        worksheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
        inner.sheet_names.push(name);
        self.index = inner.sheet_names.len() - 1;
        self.row = 1;
        Ok(())
    }

    /// Writes one row of cells, in column order.
    pub fn write(&mut self, cells: &[Cell<'_>]) -> anyhow::Result<()> {
        if self.row >= self.book.inner.borrow().rows_per_sheet {
            self.close_part()?;
            self.part += 1;
            self.start_part()?;
        }
        let row = self.row;
        let mut guard = self.book.inner.borrow_mut();
        let inner = &mut *guard;
        let (time, seconds) = (inner.time.clone(), inner.seconds.clone());
        let mut cut = 0;
        let worksheet = inner
            .workbook
            .worksheet_from_index(self.index)
            .map_err(xlsx_error)?;
        for (c, cell) in cells.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Empty => {}
                Cell::Text(s) => {
                    let s = if s.chars().count() > MAX_CELL_CHARS {
                        cut += 1;
                        s.chars().take(MAX_CELL_CHARS).collect::<String>().into()
                    } else {
                        s.clone()
                    };
                    worksheet
                        .write_string(row, c, s.as_ref())
                        .map_err(xlsx_error)?;
                }
                Cell::Word(s) => {
                    worksheet.write_string(row, c, *s).map_err(xlsx_error)?;
                }
                Cell::Int(n) => {
                    worksheet
                        .write_number(row, c, *n as f64)
                        .map_err(xlsx_error)?;
                }
                Cell::Millis(ms) => {
                    worksheet
                        .write_number_with_format(row, c, *ms as f64 / 1000.0, &seconds)
                        .map_err(xlsx_error)?;
                }
                Cell::Hex(code) => {
                    worksheet
                        .write_string(row, c, format!("{code:#x}"))
                        .map_err(xlsx_error)?;
                }
                Cell::Bool(b) => {
                    worksheet.write_boolean(row, c, *b).map_err(xlsx_error)?;
                }
                Cell::Local(dt) => write_time(worksheet, row, c, *dt, &time)?,
                Cell::Utc(ts) => {
                    let dt = jiff::tz::TimeZone::UTC.to_datetime(*ts);
                    write_time(worksheet, row, c, dt, &time)?;
                }
            }
        }
        inner.cut_cells += cut;
        self.row += 1;
        Ok(())
    }

    fn close_part(&mut self) -> anyhow::Result<()> {
        let mut inner = self.book.inner.borrow_mut();
        let last_column = self.columns.len().saturating_sub(1) as u16;
        let last_row = self.row.saturating_sub(1).max(1);
        let worksheet = inner
            .workbook
            .worksheet_from_index(self.index)
            .map_err(xlsx_error)?;
        worksheet
            .autofilter(0, 0, last_row, last_column)
            .map_err(xlsx_error)?;
        Ok(())
    }

    /// Finishes the sheet (its autofilter covers every row written).
    pub fn finish(mut self) -> anyhow::Result<()> {
        self.close_part()
    }
}

/// A wall-clock time as an Excel date-time (Excel has no zones; milliseconds kept).
fn write_time(
    worksheet: &mut rust_xlsxwriter::Worksheet,
    row: u32,
    col: u16,
    dt: jiff::civil::DateTime,
    format: &Format,
) -> anyhow::Result<()> {
    let excel = u16::try_from(dt.year())
        .ok()
        .and_then(|y| ExcelDateTime::from_ymd(y, dt.month() as u8, dt.day() as u8).ok())
        .and_then(|d| {
            d.and_hms_milli(
                dt.hour() as u16,
                dt.minute() as u8,
                dt.second() as u8,
                (dt.subsec_nanosecond() / 1_000_000) as u16,
            )
            .ok()
        });
    match excel {
        Some(excel) => worksheet.write_datetime_with_format(row, col, &excel, format),
        // Before 1900 (Excel's epoch) or otherwise unrepresentable: written as text.
        None => worksheet.write_string(row, col, dt.strftime("%Y-%m-%d %H:%M:%S%.3f").to_string()),
    }
    .map_err(xlsx_error)?;
    Ok(())
}
