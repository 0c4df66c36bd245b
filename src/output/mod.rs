//! Writers for every table `kbaudit` produces: CSV (RFC 4180, CRLF, BOM for files) and JSON Lines
//! with the same keys. Files are written under a temporary name and renamed when complete.

mod cell;
mod sink;
pub mod xlsx;

pub use cell::{Cell, needs_guard};
pub use sink::{OutputOptions, TableWriter, check_writable};

/// A table row: its column names (fixed per table) and its cells, in the same order.
pub trait Row {
    const COLUMNS: &'static [&'static str];
    fn cells(&self) -> Vec<Cell<'_>>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Csv,
    Jsonl,
    /// An Excel workbook: one sheet per table (needs -o or a redirected stdout).
    Xlsx,
}
