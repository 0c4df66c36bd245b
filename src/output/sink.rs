use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::{Cell, Format, Row};
use crate::cleanup::{self, Temporary};

/// Choices shared by every table a run writes.
#[derive(Debug, Clone, Copy, Default)]
pub struct OutputOptions {
    pub format: Format,
    pub bom: crate::cli::Bom,
    pub raw_cells: bool,
    pub force: bool,
}

/// Refuses to start a run whose output file exists, unless `--force` (checked before any work).
pub fn check_writable(path: &Path, force: bool) -> anyhow::Result<()> {
    if path.exists() && !force {
        anyhow::bail!(
            "{}: output file exists (use --force to overwrite)",
            path.display()
        );
    }
    if path.is_dir() {
        anyhow::bail!("{}: output path is a directory", path.display());
    }
    Ok(())
}

/// Writes one table to stdout or to a file, which appears under its name only when complete.
pub struct TableWriter {
    out: Encoder,
    /// One cell's CSV text, reused from cell to cell.
    scratch: String,
    guard: bool,
    columns: Vec<String>,
    file: Option<PendingFile>,
}

type Sink = Box<dyn Write + Send>;

enum Encoder {
    Csv(Box<csv::Writer<Sink>>),
    Jsonl(BufWriter<Sink>),
    Xlsx(super::xlsx::Sheet),
}

/// The temporary file behind a `-o` output, removed if the run does not finish (an error, or an
/// interrupt: see [`crate::cleanup`]).
struct PendingFile {
    temp: Temporary,
    target: PathBuf,
    done: bool,
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(self.temp.path());
        }
    }
}

impl TableWriter {
    /// Opens the table and writes its header. `path` `None` (or `-`) means stdout.
    pub fn create<R: Row>(path: Option<&Path>, options: OutputOptions) -> anyhow::Result<Self> {
        let columns = R::COLUMNS.iter().map(|c| c.to_string()).collect();
        Self::with_columns(path, options, columns)
    }

    /// Opens a table as a sheet of an xlsx workbook.
    pub fn sheet(
        book: &super::xlsx::Book,
        name: &str,
        columns: Vec<String>,
    ) -> anyhow::Result<Self> {
        Ok(TableWriter {
            out: Encoder::Xlsx(book.sheet(name, &columns)?),
            scratch: String::new(),
            guard: false,
            columns,
            file: None,
        })
    }

    /// Opens a table whose columns are known only at run time (`--matrix`).
    pub fn with_columns(
        path: Option<&Path>,
        options: OutputOptions,
        columns: Vec<String>,
    ) -> anyhow::Result<Self> {
        let path = path.filter(|p| p.as_os_str() != "-");
        let (mut sink, file): (Sink, _) = match path {
            None => (Box::new(io::stdout()), None),
            Some(target) => {
                check_writable(target, options.force)?;
                let (handle, temp) = cleanup::create_temporary(cleanup::temporary_name(target, ""))
                    .map_err(|e| {
                        anyhow::anyhow!("{}: cannot create output: {e}", target.display())
                    })?;
                let pending = PendingFile {
                    temp,
                    target: target.to_path_buf(),
                    done: false,
                };
                (Box::new(handle), Some(pending))
            }
        };
        let out = match options.format {
            Format::Csv => {
                // Excel (Japanese Excel above all) needs the BOM to read UTF-8; pipes do not.
                if options.bom.applies(file.is_some()) {
                    sink.write_all("\u{feff}".as_bytes())?;
                }
                let mut csv = csv::WriterBuilder::new()
                    .terminator(csv::Terminator::CRLF)
                    .buffer_capacity(256 * 1024)
                    .from_writer(sink);
                csv.write_record(&columns)?;
                Encoder::Csv(Box::new(csv))
            }
            Format::Jsonl => Encoder::Jsonl(BufWriter::with_capacity(256 * 1024, sink)),
            Format::Xlsx => anyhow::bail!("internal: an xlsx table is a sheet of a workbook"),
        };
        Ok(TableWriter {
            out,
            scratch: String::new(),
            guard: !options.raw_cells,
            columns,
            file,
        })
    }

    pub fn write<R: Row>(&mut self, row: &R) -> io::Result<()> {
        debug_assert_eq!(R::COLUMNS, self.columns);
        self.write_cells(&row.cells())
    }

    /// Writes one row of cells, in column order.
    pub fn write_cells(&mut self, cells: &[Cell<'_>]) -> io::Result<()> {
        debug_assert_eq!(cells.len(), self.columns.len());
        match &mut self.out {
            Encoder::Csv(csv) => {
                for cell in cells {
                    cell.write_csv(self.guard, &mut self.scratch);
                    csv.write_field(self.scratch.as_bytes())?;
                }
                csv.write_record(None::<&[u8]>)?;
                Ok(())
            }
            Encoder::Jsonl(out) => {
                let mut object = serde_json::Map::with_capacity(cells.len());
                for (name, cell) in self.columns.iter().zip(cells) {
                    object.insert(name.clone(), cell.to_json());
                }
                serde_json::to_writer(&mut *out, &object)?;
                out.write_all(b"\n")
            }
            Encoder::Xlsx(sheet) => sheet.write(cells).map_err(io::Error::other),
        }
    }

    /// Flushes and, for a file, moves it under its final name.
    pub fn finish(mut self) -> anyhow::Result<()> {
        match self.out {
            Encoder::Csv(ref mut csv) => csv.flush()?,
            Encoder::Jsonl(ref mut out) => out.flush()?,
            Encoder::Xlsx(sheet) => return sheet.finish(),
        }
        if let Some(file) = self.file.as_mut() {
            std::fs::rename(file.temp.path(), &file.target).map_err(|e| {
                anyhow::anyhow!(
                    "{}: cannot move output into place: {e}",
                    file.target.display()
                )
            })?;
            file.done = true;
        }
        Ok(())
    }
}
