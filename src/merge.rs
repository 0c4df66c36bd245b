//! `kbaudit merge`: joins the tables that shards of one command wrote (`--shard K/N`) into exactly
//! what one run over everything would have written, byte for byte.
//!
//! Every table is written in a canonical order: by the file's path, component by component (runs,
//! events, packages, payloads, versions), or by host name in lower case (state, order, matrix).
//! A key never spans two shards, so a k-way merge of the shards' rows, each kept as written,
//! rebuilds the one run's table. Only the matrix is re-laid: its KB columns are the union of the
//! shards' columns, and `installed n of N` counts against the new N when there is no baseline.

use std::collections::{BTreeSet, BinaryHeap};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use crate::output::Row;

/// The text formats a table can be merged in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Jsonl,
}

/// Which table a file holds, recognised by its columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Runs,
    Events,
    State,
    Order,
    Packages,
    Payloads,
    Versions,
    Sigcheck,
    Matrix,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Runs => "logs runs",
            Kind::Events => "logs --events",
            Kind::State => "state",
            Kind::Order => "order",
            Kind::Packages => "packages",
            Kind::Payloads => "packages --files",
            Kind::Versions => "versions",
            Kind::Sigcheck => "versions --profile sigcheck",
            Kind::Matrix => "state --matrix",
        }
    }

    /// The column that orders the table, and whether it is a path (else a host name).
    fn key_column(self) -> (&'static str, bool) {
        match self {
            Kind::Runs | Kind::Events => ("source_file", true),
            Kind::Packages | Kind::Payloads => ("package", true),
            Kind::Versions => ("path", true),
            Kind::Sigcheck => ("Path", true),
            Kind::State | Kind::Order | Kind::Matrix => ("host", false),
        }
    }

    fn of_columns(columns: &[String]) -> Option<Kind> {
        let is = |c: &[&str]| columns.iter().map(String::as_str).eq(c.iter().copied());
        let kinds = [
            (crate::logs::RunRow::COLUMNS, Kind::Runs),
            (crate::logs::EventRow::COLUMNS, Kind::Events),
            (crate::state::StateRow::COLUMNS, Kind::State),
            (crate::order::OrderRow::COLUMNS, Kind::Order),
            (crate::package::PackageRow::COLUMNS, Kind::Packages),
            (crate::package::FileRow::COLUMNS, Kind::Payloads),
            (crate::versions::VersionRow::COLUMNS, Kind::Versions),
            (crate::versions::SigcheckRow::COLUMNS, Kind::Sigcheck),
        ];
        if let Some((_, kind)) = kinds.iter().find(|(c, _)| is(c)) {
            return Some(*kind);
        }
        let matrix = columns.len() >= 2
            && columns[0] == "host"
            && matches!(
                columns[columns.len() - 1].as_str(),
                "installed" | "installed_of_baseline"
            )
            && columns[1..columns.len() - 1]
                .iter()
                .all(|c| crate::filter::parse_kb(c).is_some());
        matrix.then_some(Kind::Matrix)
    }
}

/// One input table, read row by row.
struct Source {
    path: PathBuf,
    format: Format,
    columns: Vec<String>,
    lines: std::io::Lines<BufReader<Box<dyn Read>>>,
    line: usize,
}

/// A row as read: its bytes for CSV fields or its JSON object, and the line it came from.
struct Record {
    fields: Vec<String>,
    json: Option<(String, serde_json::Map<String, serde_json::Value>)>,
    line: usize,
}

fn open(path: &Path) -> anyhow::Result<(Source, Option<Record>)> {
    let mut file = std::fs::File::open(path)
        .map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", path.display()))?;
    // A table ends with a line end: a cut last line (an interrupted copy) is refused.
    let len = file.metadata()?.len();
    if len > 0 {
        use std::io::Seek;
        file.seek(std::io::SeekFrom::End(-1))?;
        let mut last = [0u8];
        file.read_exact(&mut last)?;
        file.seek(std::io::SeekFrom::Start(0))?;
        if last[0] != b'\n' {
            let lines = BufReader::new(&file).lines().count();
            anyhow::bail!(
                "{}:{lines}: the last line is cut (no line end): a truncated table",
                path.display()
            );
        }
    }
    let mut reader = BufReader::new(Box::new(file) as Box<dyn Read>);
    // Skip a BOM.
    if reader.fill_buf()?.starts_with("\u{feff}".as_bytes()) {
        reader.consume(3);
    }
    let format = if reader.fill_buf()?.first() == Some(&b'{') || reader.fill_buf()?.is_empty() {
        Format::Jsonl
    } else {
        Format::Csv
    };
    let mut source = Source {
        path: path.to_path_buf(),
        format,
        columns: Vec::new(),
        lines: reader.lines(),
        line: 0,
    };
    if format == Format::Csv {
        let header = source
            .next_line()?
            .ok_or_else(|| anyhow::anyhow!("{}: empty file", path.display()))?;
        source.columns = csv_fields(&header, path, 1)?;
    }
    let first = source.next_record()?;
    if format == Format::Jsonl
        && let Some(Record {
            json: Some((_, object)),
            ..
        }) = &first
    {
        source.columns = object.keys().cloned().collect();
    }
    Ok((source, first))
}

fn csv_fields(line: &str, path: &Path, number: usize) -> anyhow::Result<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(line.as_bytes());
    let record = reader
        .records()
        .next()
        .transpose()
        .map_err(|e| anyhow::anyhow!("{}:{number}: not a CSV row: {e}", path.display()))?
        .unwrap_or_default();
    Ok(record.iter().map(str::to_string).collect())
}

impl Source {
    fn next_line(&mut self) -> anyhow::Result<Option<String>> {
        self.line += 1;
        match self.lines.next() {
            None => Ok(None),
            Some(line) => {
                let line = line
                    .map_err(|e| anyhow::anyhow!("{}:{}: {e}", self.path.display(), self.line))?;
                Ok(Some(
                    line.strip_suffix('\r').map(str::to_string).unwrap_or(line),
                ))
            }
        }
    }

    /// The next row. A CSV row may span lines (a quoted field with a line break).
    fn next_record(&mut self) -> anyhow::Result<Option<Record>> {
        let Some(mut text) = self.next_line()? else {
            return Ok(None);
        };
        let line = self.line;
        match self.format {
            Format::Jsonl => {
                let object: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_str(&text).map_err(|e| {
                        anyhow::anyhow!("{}:{line}: not a JSON object: {e}", self.path.display())
                    })?;
                Ok(Some(Record {
                    fields: Vec::new(),
                    json: Some((text, object)),
                    line,
                }))
            }
            Format::Csv => {
                while text.bytes().filter(|&b| b == b'"').count() % 2 == 1 {
                    let more = self.next_line()?.ok_or_else(|| {
                        anyhow::anyhow!(
                            "{}:{line}: a quoted field never ends: a truncated table",
                            self.path.display()
                        )
                    })?;
                    text.push_str("\r\n");
                    text.push_str(&more);
                }
                let fields = csv_fields(&text, &self.path, line)?;
                if fields.len() != self.columns.len() {
                    anyhow::bail!(
                        "{}:{line}: {} fields where the header has {}",
                        self.path.display(),
                        fields.len(),
                        self.columns.len()
                    );
                }
                Ok(Some(Record {
                    fields,
                    json: None,
                    line,
                }))
            }
        }
    }
}

/// The sort key of a value of the key column: a path's components, or a host in lower case.
fn sort_key(value: &str, is_path: bool) -> Vec<String> {
    // A cell guarded against formulas carries a leading ': the key is the value itself.
    let value = match value.strip_prefix('\'') {
        Some(rest) if crate::output::needs_guard(rest) => rest,
        _ => value,
    };
    if is_path {
        Path::new(value)
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect()
    } else {
        vec![value.to_lowercase(), value.to_string()]
    }
}

/// One row's values in column order; `None` for an empty cell.
pub type RowValues = Vec<Option<String>>;

/// Every row of a table kbaudit wrote (CSV or JSONL), as (column, value) maps with empty cells
/// as `None` and guarded CSV cells unguarded: what `--from-runs` reads back.
pub fn read_rows(path: &Path) -> anyhow::Result<(Vec<String>, Vec<RowValues>)> {
    let (mut source, mut next) = open(path)?;
    let mut rows = Vec::new();
    while let Some(record) = next {
        let values = match &record.json {
            Some((_, object)) => source
                .columns
                .iter()
                .map(|c| match object.get(c) {
                    None | Some(serde_json::Value::Null) => None,
                    Some(serde_json::Value::String(s)) => Some(s.clone()),
                    Some(other) => Some(other.to_string()),
                })
                .collect(),
            None => record
                .fields
                .iter()
                .map(|f| {
                    let f = match f.strip_prefix('\'') {
                        Some(rest) if crate::output::needs_guard(rest) => rest,
                        _ => f.as_str(),
                    };
                    (!f.is_empty()).then(|| f.to_string())
                })
                .collect(),
        };
        rows.push(values);
        next = source.next_record()?;
    }
    Ok((source.columns, rows))
}

/// Options of a merge.
pub struct MergeOptions {
    pub bom: bool,
}

/// Merges `inputs` into `out`. Returns the table kind and the number of rows written.
pub fn merge(
    inputs: &[PathBuf],
    out: &mut dyn Write,
    options: &MergeOptions,
) -> anyhow::Result<(&'static str, usize)> {
    let mut sources = Vec::new();
    let mut heads = Vec::new();
    for path in inputs {
        let (source, first) = open(path)?;
        sources.push(source);
        heads.push(first);
    }
    // All inputs: one format, one kind, the same columns (the matrix: its KB columns may differ).
    let format = sources[0].format;
    if let Some(other) = sources.iter().find(|s| s.format != format) {
        anyhow::bail!(
            "{}: {:?} and {}: {:?}: cannot merge tables of different formats",
            sources[0].path.display(),
            format,
            other.path.display(),
            other.format
        );
    }
    let known: Vec<(usize, Kind)> = sources
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.columns.is_empty())
        .map(|(i, s)| {
            Kind::of_columns(&s.columns).map(|k| (i, k)).ok_or_else(|| {
                anyhow::anyhow!(
                    "{}: not a table kbaudit writes (columns {})",
                    s.path.display(),
                    s.columns.join(",")
                )
            })
        })
        .collect::<anyhow::Result<_>>()?;
    let Some(&(first, kind)) = known.first() else {
        return Ok(("empty", 0));
    };
    for &(i, k) in &known {
        if k != kind {
            anyhow::bail!(
                "{} holds a {} table and {} a {} table: cannot merge different commands",
                sources[first].path.display(),
                kind.name(),
                sources[i].path.display(),
                k.name()
            );
        }
        if kind != Kind::Matrix && sources[i].columns != sources[first].columns {
            anyhow::bail!(
                "{}: its columns differ from {}'s",
                sources[i].path.display(),
                sources[first].path.display()
            );
        }
    }
    let columns = if kind == Kind::Matrix {
        let last = sources[first].columns.last().cloned().unwrap_or_default();
        if let Some((i, _)) = known
            .iter()
            .find(|(i, _)| sources[*i].columns.last() != Some(&last))
        {
            anyhow::bail!(
                "{}: its matrix was made with a different baseline setting than {}'s",
                sources[*i].path.display(),
                sources[first].path.display()
            );
        }
        let kbs: BTreeSet<u32> = known
            .iter()
            .flat_map(|(i, _)| sources[*i].columns[1..sources[*i].columns.len() - 1].iter())
            .filter_map(|c| crate::filter::parse_kb(c))
            .collect();
        std::iter::once("host".to_string())
            .chain(kbs.iter().map(|k| format!("KB{k}")))
            .chain(std::iter::once(last))
            .collect()
    } else {
        sources[first].columns.clone()
    };
    let (key_column, is_path) = kind.key_column();
    if options.bom && format == Format::Csv {
        out.write_all("\u{feff}".as_bytes())?;
    }
    let mut sink = match format {
        Format::Csv => {
            let mut csv = csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .from_writer(out);
            csv.write_record(&columns)?;
            Sink::Csv(Box::new(csv))
        }
        Format::Jsonl => Sink::Jsonl(out),
    };
    let key_of = |source: &Source, record: &Record| -> anyhow::Result<Vec<String>> {
        let value = match &record.json {
            Some((_, object)) => object
                .get(key_column)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string(),
            None => {
                let at = source
                    .columns
                    .iter()
                    .position(|c| c == key_column)
                    .expect("kind has its key column");
                record.fields[at].clone()
            }
        };
        Ok(sort_key(&value, is_path))
    };
    // Heap of (key, source, line) with the smallest key on top; ties keep source order.
    let mut heap = BinaryHeap::new();
    for (i, head) in heads.iter().enumerate() {
        if let Some(record) = head {
            heap.push(std::cmp::Reverse((key_of(&sources[i], record)?, i)));
        }
    }
    let kb_count = columns.len() - 2;
    let recount = kind == Kind::Matrix && columns.last().map(String::as_str) == Some("installed");
    let mut written = 0;
    while let Some(std::cmp::Reverse((key, i))) = heap.pop() {
        let record = heads[i].take().expect("a head for each heap entry");
        write_record(
            &sources[i],
            &record,
            &columns,
            kind,
            recount,
            kb_count,
            &mut sink,
        )?;
        written += 1;
        heads[i] = sources[i].next_record()?;
        if let Some(next) = &heads[i] {
            let next_key = key_of(&sources[i], next)?;
            if next_key < key {
                anyhow::bail!(
                    "{}:{}: rows are not in kbaudit's order (was the table edited or sorted?)",
                    sources[i].path.display(),
                    next.line
                );
            }
            heap.push(std::cmp::Reverse((next_key, i)));
        }
    }
    if let Sink::Csv(csv) = &mut sink {
        csv.flush()?;
    }
    Ok((kind.name(), written))
}

/// Where merged rows go: a CSV writer configured as [`crate::output::TableWriter`]'s (so the
/// fields come out byte for byte as they were read), or JSON lines written as they were.
enum Sink<'a> {
    Csv(Box<csv::Writer<&'a mut dyn Write>>),
    Jsonl(&'a mut dyn Write),
}

#[allow(clippy::too_many_arguments)]
fn write_record(
    source: &Source,
    record: &Record,
    columns: &[String],
    kind: Kind,
    recount: bool,
    kb_count: usize,
    sink: &mut Sink<'_>,
) -> anyhow::Result<()> {
    let installed = |text: &str| -> String {
        match (
            recount,
            text.strip_prefix("installed ")
                .and_then(|t| t.split_once(" of ")),
        ) {
            (true, Some((n, _))) => format!("installed {n} of {kb_count}"),
            _ => text.to_string(),
        }
    };
    match (sink, &record.json) {
        (Sink::Csv(csv), _) => {
            if kind == Kind::Matrix {
                let fields: Vec<String> = columns
                    .iter()
                    .enumerate()
                    .map(|(c, name)| {
                        let value = source
                            .columns
                            .iter()
                            .position(|s| s == name)
                            .map(|at| record.fields[at].clone())
                            .unwrap_or_default();
                        if c == columns.len() - 1 {
                            installed(&value)
                        } else {
                            value
                        }
                    })
                    .collect();
                csv.write_record(&fields)?;
            } else {
                csv.write_record(&record.fields)?;
            }
        }
        (Sink::Jsonl(out), Some((text, object))) => {
            if kind == Kind::Matrix {
                let mut laid = serde_json::Map::with_capacity(columns.len());
                for (c, name) in columns.iter().enumerate() {
                    let value = object.get(name).cloned().unwrap_or(serde_json::Value::Null);
                    let value = match (&value, c == columns.len() - 1) {
                        (serde_json::Value::String(s), true) => {
                            serde_json::Value::String(installed(s))
                        }
                        _ => value,
                    };
                    laid.insert(name.clone(), value);
                }
                serde_json::to_writer(&mut *out, &laid)?;
                out.write_all(b"\n")?;
            } else {
                out.write_all(text.as_bytes())?;
                out.write_all(b"\n")?;
            }
        }
        (Sink::Jsonl(_), None) => unreachable!("JSON output holds JSON records"),
    }
    Ok(())
}
