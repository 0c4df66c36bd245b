//! The tables a command writes: separate CSV/JSONL files (or stdout), or, with `--format xlsx`,
//! sheets of one workbook at `-o`. Commands open their tables here and never branch on format.

use std::path::Path;

use crate::cli::Common;
use crate::output::xlsx::Book;
use crate::output::{Format, OutputOptions, Row, TableWriter};

pub(super) struct Outputs {
    options: OutputOptions,
    /// The workbook, with `--format xlsx`.
    book: Option<Book>,
    main: Option<std::path::PathBuf>,
    quiet: bool,
}

impl Outputs {
    /// Opens the outputs of a command whose main table goes to `main` (`None`: stdout).
    pub fn open(main: Option<&Path>, format: Format, common: &Common) -> anyhow::Result<Self> {
        let options = super::output_options(common, format);
        let book = (format == Format::Xlsx)
            .then(|| Book::create(main, common.force))
            .transpose()?;
        Ok(Outputs {
            options,
            book,
            main: main.map(Path::to_path_buf),
            quiet: common.quiet,
        })
    }

    pub fn is_xlsx(&self) -> bool {
        self.book.is_some()
    }

    /// The paths to check before any work (two outputs with one path, an output that is an
    /// input): with xlsx only the workbook, since the extra tables are its sheets.
    pub fn paths<'a>(
        &self,
        main: Option<&'a Path>,
        extras: &[Option<&'a Path>],
    ) -> Vec<Option<&'a Path>> {
        let mut all = vec![main];
        if !self.is_xlsx() {
            all.extend_from_slice(extras);
        }
        all
    }

    /// The main table (or sheet `sheet`).
    pub fn table<R: Row>(&self, sheet: &str) -> anyhow::Result<TableWriter> {
        let columns = R::COLUMNS.iter().map(|c| c.to_string()).collect();
        self.table_with_columns(self.main.as_deref(), sheet, columns, false)
    }

    /// A table whose columns are known at run time; `raw` turns the formula guard off.
    pub fn table_with_columns(
        &self,
        path: Option<&Path>,
        sheet: &str,
        columns: Vec<String>,
        raw: bool,
    ) -> anyhow::Result<TableWriter> {
        match &self.book {
            Some(book) => TableWriter::sheet(book, sheet, columns),
            None => {
                let options = OutputOptions {
                    raw_cells: self.options.raw_cells || raw,
                    ..self.options
                };
                TableWriter::with_columns(path, options, columns)
            }
        }
    }

    /// An extra table asked for by `flag FILE` (`--events`, `--files`, `--matrix`): a file of its
    /// own, or a sheet of the workbook (the FILE then is not written, and that is said).
    pub fn extra<R: Row>(
        &self,
        flag: &str,
        path: Option<&Path>,
        sheet: &str,
    ) -> anyhow::Result<Option<TableWriter>> {
        let columns = R::COLUMNS.iter().map(|c| c.to_string()).collect();
        self.extra_with_columns(flag, path, sheet, columns)
    }

    pub fn extra_with_columns(
        &self,
        flag: &str,
        path: Option<&Path>,
        sheet: &str,
        columns: Vec<String>,
    ) -> anyhow::Result<Option<TableWriter>> {
        let Some(path) = path else { return Ok(None) };
        if self.is_xlsx() && Some(path) != self.main.as_deref() && !self.quiet {
            eprintln!(
                "kbaudit: {flag}: with --format xlsx this table is the sheet \"{sheet}\" of the workbook; {} is not written",
                path.display()
            );
        }
        self.table_with_columns(Some(path), sheet, columns, false)
            .map(Some)
    }

    /// Saves the workbook, if any (every table must be finished first).
    pub fn finish(self) -> anyhow::Result<()> {
        if let Some(book) = self.book {
            let cut = book.finish()?;
            if cut > 0 && !self.quiet {
                eprintln!(
                    "kbaudit: {cut} cell(s) longer than Excel's 32,767 characters were cut in the workbook"
                );
            }
        }
        Ok(())
    }
}
