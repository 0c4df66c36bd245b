//! `kbaudit logs` as a user runs it: exit codes, output files, formats, determinism, bad input.

mod common;

use common::kbaudit;

use std::io::Write;
use std::process::Stdio;

use predicates::prelude::*;

#[test]
fn output_is_identical_whatever_the_thread_count() {
    let one = kbaudit()
        .args(["logs", "-j", "1", "corpus/logs"])
        .output()
        .unwrap();
    let eight = kbaudit()
        .args(["logs", "-j", "8", "corpus/logs"])
        .output()
        .unwrap();
    assert!(!one.stdout.is_empty());
    assert_eq!(one.stdout, eight.stdout);
}

#[test]
fn csv_file_gets_a_bom_and_crlf_and_is_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t.csv");
    kbaudit()
        .args(["logs", "corpus/logs/SRV-WEB01"])
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"\xef\xbb\xbfhost,kb,action,"));
    assert!(bytes.ends_with(b"\r\n"));
    // No overwrite without --force, and the file is left as it was.
    kbaudit()
        .args(["logs", "corpus/logs/SRV-WEB02"])
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("exists (use --force"));
    assert_eq!(std::fs::read(&out).unwrap(), bytes);
    kbaudit()
        .args(["logs", "--force", "--no-bom", "corpus/logs/SRV-WEB02"])
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let replaced = std::fs::read_to_string(&out).unwrap();
    assert!(replaced.starts_with("host,"));
    assert!(replaced.contains("KB899589"));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
}

#[test]
fn stdout_has_no_bom_and_stderr_names_unreadable_files() {
    kbaudit()
        .args(["logs", "corpus/logs/BINARY", "corpus/logs/EMPTY"])
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with("host,"))
        .stdout(predicate::str::contains("unreadable"))
        .stdout(predicate::str::contains("no_runs"))
        .stderr(predicate::str::contains(
            "BINARY/KB900001.log: binary content",
        ));
}

#[test]
fn empty_file_alone_exits_0() {
    kbaudit()
        .args(["logs", "corpus/logs/EMPTY"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("empty file"));
}

#[test]
fn jsonl_has_the_same_keys_raw_values_and_rfc3339_times() {
    let out = kbaudit()
        .args([
            "logs",
            "--format",
            "jsonl",
            "--tz",
            "Asia/Tokyo",
            "corpus/logs/HOSTILE",
        ])
        .output()
        .unwrap();
    let line = String::from_utf8(out.stdout).unwrap();
    let row: serde_json::Value = serde_json::from_str(line.lines().next().unwrap()).unwrap();
    assert_eq!(
        row["message"], "=HYPERLINK(\"http://example.invalid\",\"click\")",
        "raw, no ' prefix"
    );
    assert_eq!(row["started_local"], "2006-01-01T00:00:00.000");
    assert_eq!(row["started_utc"], "2005-12-31T15:00:00.000Z");
    assert_eq!(row["extended_code"], "0xf0f4");
    assert_eq!(row["exit_code"], 1603);
    assert_eq!(row.as_object().unwrap().len(), 26);
    assert!(
        row["warnings"].is_null(),
        "an empty cell is null, like every missing value"
    );
}

#[test]
fn raw_cells_turns_the_formula_guard_off() {
    let guarded = kbaudit()
        .args(["logs", "corpus/logs/HOSTILE"])
        .output()
        .unwrap();
    let raw = kbaudit()
        .args(["logs", "--raw-cells", "corpus/logs/HOSTILE"])
        .output()
        .unwrap();
    let guarded = String::from_utf8(guarded.stdout).unwrap();
    let raw = String::from_utf8(raw.stdout).unwrap();
    assert!(guarded.contains(",\"'=HYPERLINK("));
    assert!(raw.contains(",\"=HYPERLINK("));
}

#[test]
fn missing_path_and_folder_without_logs_get_rows() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a log").unwrap();
    let out = kbaudit()
        .args(["logs", "no/such/path"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "nothing could be done");
    let csv = String::from_utf8(out.stdout).unwrap();
    assert_eq!(csv.lines().count(), 3);
    assert!(csv.contains("cannot open"));
    assert!(csv.contains("no .log files found under this directory"));
}

#[test]
fn hostile_sizes_and_bytes_do_not_stop_the_batch() {
    let dir = tempfile::tempdir().unwrap();
    // A 20 MB single line, invalid UTF-8 mixed with a valid run, and a file named explicitly.
    let mut long = std::fs::File::create(dir.path().join("KB100001.log")).unwrap();
    long.write_all(b"0.000: ").unwrap();
    long.write_all(&vec![b'A'; 20 << 20]).unwrap();
    let mut mixed =
        b"0.000: ========================\r\n0.000: 2005/06/17 12:33:45.123 (local)\r\n".to_vec();
    mixed.extend_from_slice(b"0.100: Copied file:  C:\\\xff\xfe\x81x.dll\r\n0.200: Update.exe extended error code = 0x0\r\n");
    std::fs::write(dir.path().join("KB100002.log"), mixed).unwrap();
    let out = kbaudit().arg("logs").arg(dir.path()).output().unwrap();
    let csv = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{csv}");
    assert!(csv.contains("line(s) longer than 65536 bytes cut"));
    assert!(csv.contains("KB100002,install,2005-06-17 12:33:45.123"));
    assert!(csv.contains(",success,0,0x0,"));
}

#[test]
fn bad_options_are_usage_errors() {
    kbaudit()
        .args(["logs", "--tz", "Mars/Olympus", "corpus/logs"])
        .assert()
        .code(2);
    kbaudit()
        .args(["logs", "--codepage", "klingon", "corpus/logs"])
        .assert()
        .code(2);
    kbaudit().args(["logs"]).assert().code(2);
}

#[test]
fn codepage_option_forces_the_legacy_encoding() {
    let out = kbaudit()
        .args(["logs", "--codepage", "cp1251", "corpus/logs/DE-APP01"])
        .output()
        .unwrap();
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(csv.contains(",windows-1251,"));
}

#[test]
fn closed_pipe_exits_0() {
    // The reading end is closed before kbaudit writes: its write fails with EPIPE, which is a
    // normal way to stop (`kbaudit logs share | head`), not an error.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("kbaudit"))
        .args([
            "logs",
            "-j",
            "1",
            "corpus/logs/SRV-WEB01",
            "corpus/logs/SRV-WEB02",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty());
}

#[test]
fn help_shows_examples() {
    kbaudit()
        .args(["logs", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Examples:"));
}

#[test]
fn timesketch_profile_has_the_required_fields_flat_and_consistent() {
    kbaudit()
        .args(["logs", "corpus/logs", "--profile", "timesketch"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("needs --tz"));
    for format in ["csv", "jsonl"] {
        let out = kbaudit()
            .args([
                "logs",
                "corpus/logs",
                "--profile",
                "timesketch",
                "--tz",
                "Asia/Tokyo",
                "--format",
                format,
            ])
            .output()
            .unwrap();
        assert!(String::from_utf8_lossy(&out.stderr).contains("without a start time"));
        let rows: Vec<serde_json::Map<String, serde_json::Value>> = if format == "jsonl" {
            String::from_utf8(out.stdout)
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect()
        } else {
            let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
            let headers = reader.headers().unwrap().clone();
            assert_eq!(
                &headers.iter().take(4).collect::<Vec<_>>(),
                &["message", "datetime", "timestamp_desc", "timestamp"]
            );
            assert_eq!(
                headers.len(),
                headers
                    .iter()
                    .collect::<std::collections::HashSet<_>>()
                    .len(),
                "unique columns"
            );
            reader
                .records()
                .map(|r| {
                    let r = r.unwrap();
                    for field in r.iter() {
                        assert!(!field.contains(['\n', '\r']), "a line break in {field:?}");
                        assert!(!field.starts_with("'="), "no formula guard: {field:?}");
                    }
                    headers
                        .iter()
                        .zip(r.iter())
                        .map(|(h, v)| (h.to_string(), serde_json::Value::String(v.to_string())))
                        .collect()
                })
                .collect()
        };
        assert!(rows.len() > 20, "{format}: {} rows", rows.len());
        for row in &rows {
            let datetime = row["datetime"].as_str().unwrap();
            let parsed: jiff::Timestamp = datetime.parse().unwrap();
            let micros = match &row["timestamp"] {
                serde_json::Value::Number(n) => n.as_i64().unwrap(),
                serde_json::Value::String(s) => s.parse().unwrap(),
                other => panic!("{other:?}"),
            };
            assert_eq!(
                parsed.as_microsecond(),
                micros,
                "datetime agrees with timestamp"
            );
            assert!(
                row["timestamp_desc"]
                    .as_str()
                    .unwrap()
                    .starts_with("Update ")
            );
            assert!(!row["message"].as_str().unwrap().is_empty());
        }
        // A hostile dialog text arrives raw (Timesketch is not a spreadsheet).
        assert!(rows.iter().any(|r| {
            r["user_message"]
                .as_str()
                .is_some_and(|m| m.starts_with("=HYPERLINK"))
        }));
    }
}

#[test]
fn bom_always_reaches_a_redirected_stdout() {
    let out = kbaudit()
        .args(["logs", "corpus/logs/SRV-WEB01", "--bom", "always"])
        .output()
        .unwrap();
    assert!(out.stdout.starts_with(b"\xef\xbb\xbfhost,"));
    let out = kbaudit()
        .args(["logs", "corpus/logs/SRV-WEB01"])
        .output()
        .unwrap();
    assert!(out.stdout.starts_with(b"host,"), "auto: none on a pipe");
}
