//! `--format xlsx`: workbooks read back with calamine — sheet names, headers, typed cells (a time
//! is a date-time, `0xf117` stays text, a hostile `=cmd|...` is a string, never a formula), row
//! counts equal to the CSV's, continuation sheets and cut cells.

mod common;

use common::kbaudit;

use std::collections::BTreeMap;

use calamine::{Data, Reader, open_workbook_auto};
use kbaudit::output::Row;

fn csv_rows(args: &[&str]) -> usize {
    let out = kbaudit().args(args).output().unwrap();
    csv::Reader::from_reader(out.stdout.as_slice())
        .records()
        .count()
}

/// Each sheet's rows as strings by header, plus the raw cells.
fn sheets(path: &std::path::Path) -> BTreeMap<String, calamine::Range<Data>> {
    let mut book = open_workbook_auto(path).unwrap();
    let names = book.sheet_names();
    names
        .into_iter()
        .map(|n| {
            let range = book.worksheet_range(&n).unwrap();
            let formulas = book.worksheet_formula(&n).unwrap();
            assert!(
                formulas.used_cells().all(|(_, _, f)| f.is_empty()),
                "{n}: no formula cells"
            );
            (n, range)
        })
        .collect()
}

fn column(range: &calamine::Range<Data>, name: &str) -> usize {
    range
        .rows()
        .next()
        .unwrap()
        .iter()
        .position(|c| matches!(c, Data::String(s) if s == name))
        .unwrap_or_else(|| panic!("no column {name}"))
}

#[test]
fn logs_workbook_has_typed_cells_and_the_csv_rows() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("timeline.xlsx");
    kbaudit()
        .args([
            "logs",
            "corpus/logs",
            "--format",
            "xlsx",
            "--tz",
            "Asia/Tokyo",
            "--events",
            "ignored.csv",
            "-o",
        ])
        .arg(&book)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("is the sheet \"events\""));
    assert!(!dir.path().join("ignored.csv").exists());
    let sheets = sheets(&book);
    assert_eq!(sheets.keys().collect::<Vec<_>>(), ["events", "runs"]);
    let runs = &sheets["runs"];
    let header: Vec<String> = runs
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(header, kbaudit::logs::RunRow::COLUMNS);
    assert_eq!(runs.height() - 1, csv_rows(&["logs", "corpus/logs"]));
    assert_eq!(sheets["events"].height() - 1, {
        let e = dir.path().join("e.csv");
        kbaudit()
            .args(["logs", "corpus/logs", "--events"])
            .arg(&e)
            .output()
            .unwrap();
        csv::Reader::from_path(&e).unwrap().records().count()
    });
    let (started, utc, exit, code, message, duration, reboot) = (
        column(runs, "started_local"),
        column(runs, "started_utc"),
        column(runs, "exit_code"),
        column(runs, "extended_code"),
        column(runs, "message"),
        column(runs, "duration_s"),
        column(runs, "reboot_required"),
    );
    let body: Vec<&[Data]> = runs.rows().skip(1).collect();
    let f117 = body
        .iter()
        .find(|r| r[code] == Data::String("0xf117".into()))
        .expect("0xf117 stays text");
    assert!(
        matches!(f117[started], Data::DateTime(_)),
        "{:?}",
        f117[started]
    );
    assert!(matches!(f117[utc], Data::DateTime(_)), "{:?}", f117[utc]);
    assert_eq!(f117[exit], Data::Float(1603.0));
    assert!(matches!(f117[duration], Data::Float(_)));
    assert_eq!(f117[reboot], Data::Bool(false));
    // Times keep their milliseconds: 2005-06-17 12:33:45.123 as an Excel serial date.
    let epoch = jiff::civil::date(1899, 12, 30).at(0, 0, 0, 0);
    let expected = jiff::civil::date(2005, 6, 17)
        .at(12, 33, 45, 123_000_000)
        .duration_since(epoch)
        .as_secs_f64()
        / 86_400.0;
    let found = body.iter().any(|r| match &r[started] {
        Data::DateTime(d) => (d.as_f64() - expected).abs() < 0.0005 / 86_400.0,
        _ => false,
    });
    assert!(found, "2005-06-17 12:33:45.123 with its milliseconds");
    // A hostile dialog text is a string cell, without the ' a CSV needs.
    assert!(
        body.iter().any(|r| r[message]
            == Data::String("=HYPERLINK(\"http://example.invalid\",\"click\")".into()))
    );
}

#[test]
fn state_workbook_has_state_matrix_and_summary_sheets() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("fleet.xlsx");
    let fleet = [
        "--hosts",
        "corpus/fleet/hosts.txt",
        "--baseline",
        "corpus/fleet/baseline.txt",
    ];
    kbaudit()
        .args([
            "state",
            "corpus/logs",
            "--format",
            "xlsx",
            "--matrix",
            "m",
            "-q",
            "-o",
        ])
        .arg(&book)
        .args(fleet)
        .assert()
        .code(1);
    let sheets = sheets(&book);
    assert_eq!(
        sheets.keys().collect::<Vec<_>>(),
        ["matrix", "state", "summary"]
    );
    let state_csv = kbaudit()
        .args(["state", "corpus/logs"])
        .args(fleet)
        .output()
        .unwrap()
        .stdout;
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(state_csv.as_slice())
        .records()
        .map(Result::unwrap)
        .collect();
    assert_eq!(sheets["state"].height() - 1, rows.len());
    // The summary's counts are the state table's.
    let summary: BTreeMap<String, f64> = sheets["summary"]
        .rows()
        .skip(1)
        .map(|r| {
            (
                r[0].to_string(),
                match r[1] {
                    Data::Float(f) => f,
                    ref other => panic!("{other:?}"),
                },
            )
        })
        .collect();
    let pending = rows
        .iter()
        .filter(|r| &r[2] == "installed_pending_reboot")
        .count();
    assert_eq!(summary["installed_pending_reboot"], pending as f64);
    assert_eq!(
        summary["missing"],
        rows.iter().filter(|r| &r[2] == "missing").count() as f64
    );
    let matrix = &sheets["matrix"];
    assert_eq!(
        matrix.rows().next().unwrap().last().unwrap().to_string(),
        "installed_of_baseline"
    );
}

#[test]
fn xlsx_to_a_pipe_is_a_workbook_and_timesketch_is_not_xlsx() {
    let out = kbaudit()
        .args(["logs", "corpus/logs/SRV-WEB01", "--format", "xlsx"])
        .output()
        .unwrap();
    assert!(out.stdout.starts_with(b"PK"), "a zip container on the pipe");
    kbaudit()
        .args([
            "logs",
            "corpus/logs",
            "--format",
            "xlsx",
            "--profile",
            "timesketch",
            "--tz",
            "UTC",
            "-o",
            "x.xlsx",
        ])
        .assert()
        .code(2);
}

#[test]
fn long_tables_continue_on_new_sheets_and_long_cells_are_cut() {
    use kbaudit::output::{Cell, TableWriter, xlsx::Book};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.xlsx");
    let book = Book::create(Some(&path), false).unwrap();
    book.set_rows_per_sheet(3);
    let mut table = TableWriter::sheet(&book, "runs", vec!["n".into(), "text".into()]).unwrap();
    let long = "x".repeat(40_000);
    for n in 0..5 {
        let text = if n == 4 { long.as_str() } else { "short" };
        table
            .write_cells(&[Cell::Int(n), Cell::text(text)])
            .unwrap();
    }
    table.finish().unwrap();
    assert_eq!(book.finish().unwrap(), 1, "one cell cut");
    let sheets = sheets(&path);
    assert_eq!(
        sheets.keys().collect::<Vec<_>>(),
        ["runs", "runs (2)", "runs (3)"]
    );
    for range in sheets.values() {
        assert_eq!(
            range.rows().next().unwrap()[0].to_string(),
            "n",
            "every part has the header"
        );
    }
    let last = &sheets["runs (3)"];
    assert_eq!(
        last.rows().nth(1).unwrap()[1].to_string().chars().count(),
        32_767
    );
}
