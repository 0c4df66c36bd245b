//! Past one machine: `--shard K/N` runs merged with `kbaudit merge` equal one run byte for byte,
//! `--files-from` equals the PATH arguments, and `state --from-runs` equals `state` on the logs.

mod common;

use common::{FLEET, kbaudit};

use std::path::{Path, PathBuf};

use predicates::prelude::*;

/// Runs `args` writing its table to `out` (and a matrix beside it for state).
fn run_to(args: &[&str], extra: &[&str], out: &Path) -> Option<PathBuf> {
    let matrix = (args[0] == "state").then(|| out.with_extension("matrix.csv"));
    let mut command = kbaudit();
    command.args(args).args(extra).arg("-o").arg(out);
    if let Some(m) = &matrix {
        command.arg("--matrix").arg(m);
    }
    let status = command.output().unwrap().status.code();
    assert!(
        matches!(status, Some(0 | 1)),
        "{args:?} {extra:?}: exit {status:?}"
    );
    matrix
}

fn merge(tables: &[PathBuf], out: &Path) {
    kbaudit()
        .arg("merge")
        .args(tables)
        .arg("-o")
        .arg(out)
        .assert()
        .success();
}

#[test]
fn shards_merged_equal_one_run_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let commands: Vec<(Vec<&str>, &str)> = vec![
        (vec!["logs", "corpus/logs"], "csv"),
        (vec!["logs", "corpus/logs", "--format", "jsonl"], "jsonl"),
        (
            [vec!["state", "corpus/logs"], FLEET.to_vec()].concat(),
            "csv",
        ),
        (vec!["state", "corpus/logs", "--format", "jsonl"], "jsonl"),
        (vec!["order", "corpus/logs"], "csv"),
        (vec!["versions", "corpus/binaries"], "csv"),
        (vec!["packages", "corpus/packages"], "jsonl"),
    ];
    for (c, (args, ext)) in commands.iter().enumerate() {
        let one = dir.path().join(format!("one-{c}.{ext}"));
        let one_matrix = run_to(args, &[], &one);
        for n in [1, 2, 3, 7] {
            let mut tables = Vec::new();
            let mut matrices = Vec::new();
            for k in 1..=n {
                let out = dir.path().join(format!("s{c}-{k}of{n}.{ext}"));
                let shard = format!("{k}/{n}");
                matrices.extend(run_to(args, &["--shard", &shard], &out));
                tables.push(out);
            }
            let merged = dir.path().join(format!("m{c}-{n}.{ext}"));
            merge(&tables, &merged);
            assert_eq!(
                std::fs::read(&merged).unwrap(),
                std::fs::read(&one).unwrap(),
                "{args:?} in {n} shards"
            );
            if let Some(one_matrix) = &one_matrix {
                let merged_matrix = dir.path().join(format!("mm{c}-{n}.csv"));
                merge(&matrices, &merged_matrix);
                assert_eq!(
                    std::fs::read_to_string(&merged_matrix).unwrap(),
                    std::fs::read_to_string(one_matrix).unwrap(),
                    "{args:?} matrix in {n} shards"
                );
            }
        }
    }
}

#[test]
fn shards_are_disjoint_and_cover_every_row() {
    let one = kbaudit()
        .args(["logs", "corpus/logs"])
        .output()
        .unwrap()
        .stdout;
    let one_rows = String::from_utf8(one).unwrap().lines().count() - 1;
    let mut total = 0;
    for k in 1..=3 {
        let out = kbaudit()
            .args(["logs", "corpus/logs", "--shard", &format!("{k}/3")])
            .output()
            .unwrap();
        total += String::from_utf8(out.stdout).unwrap().lines().count() - 1;
    }
    assert_eq!(total, one_rows);
}

#[test]
fn files_from_gives_the_same_output_as_paths() {
    let mut listing = Vec::new();
    for entry in walkdir::WalkDir::new("corpus/logs")
        .into_iter()
        .filter_map(Result::ok)
    {
        if entry.file_type().is_file() {
            listing.push(entry.path().to_string_lossy().into_owned());
        }
    }
    let by_paths = kbaudit().args(["logs", "corpus/logs"]).output().unwrap();
    let by_list = kbaudit()
        .args(["logs", "--files-from", "-"])
        .write_stdin(listing.join("\n") + "\n")
        .output()
        .unwrap();
    assert_eq!(by_list.stdout, by_paths.stdout);
    let by_nul = kbaudit()
        .args(["logs", "-0", "--files-from", "-"])
        .write_stdin(listing.join("\0"))
        .output()
        .unwrap();
    assert_eq!(by_nul.stdout, by_paths.stdout);
    // A listed path that does not exist is an error row like any missing path.
    let missing = kbaudit()
        .args(["logs", "--files-from", "-"])
        .write_stdin("corpus/logs/SRV-WEB01/KB896358.log\nno/such/KB1.log\n")
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    let text = String::from_utf8(missing.stdout).unwrap();
    assert!(
        text.contains("no/such/KB1.log") && text.contains("cannot open"),
        "{text}"
    );
}

#[test]
fn state_from_a_run_table_equals_state_from_the_logs() {
    let dir = tempfile::tempdir().unwrap();
    let from_logs = kbaudit()
        .args(["state", "corpus/logs"])
        .args(FLEET)
        .output()
        .unwrap();
    for format in ["csv", "jsonl"] {
        let runs = dir.path().join(format!("runs.{format}"));
        kbaudit()
            .args(["logs", "corpus/logs", "--format", format, "-o"])
            .arg(&runs)
            .assert()
            .code(1);
        let from_runs = kbaudit()
            .args(["state", "--from-runs"])
            .arg(&runs)
            .args(FLEET)
            .output()
            .unwrap();
        assert_eq!(from_runs.status.code(), from_logs.status.code());
        assert_eq!(
            String::from_utf8(from_runs.stdout).unwrap(),
            String::from_utf8(from_logs.stdout.clone()).unwrap(),
            "from a {format} run table"
        );
    }
}

#[test]
fn bad_shard_specs_and_tables_are_refused() {
    for spec in ["0/3", "4/3", "x", "1/0"] {
        kbaudit()
            .args(["logs", "corpus/logs", "--shard", spec])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("is not a shard"));
    }
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("runs.csv");
    let state = dir.path().join("state.csv");
    let jsonl = dir.path().join("runs.jsonl");
    kbaudit()
        .args(["logs", "corpus/logs/SRV-WEB01", "-o"])
        .arg(&runs)
        .assert()
        .success();
    kbaudit()
        .args(["state", "corpus/logs/SRV-WEB01", "-o"])
        .arg(&state)
        .assert()
        .success();
    kbaudit()
        .args(["logs", "corpus/logs/SRV-WEB01", "--format", "jsonl", "-o"])
        .arg(&jsonl)
        .assert()
        .success();
    kbaudit()
        .arg("merge")
        .arg(&runs)
        .arg(&state)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("different commands"));
    kbaudit()
        .arg("merge")
        .arg(&runs)
        .arg(&jsonl)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("different formats"));
    // A table cut in its last line (an interrupted copy) is refused with the file and line.
    let bytes = std::fs::read(&runs).unwrap();
    let cut = dir.path().join("cut.csv");
    std::fs::write(&cut, &bytes[..bytes.len() - 10]).unwrap();
    kbaudit()
        .arg("merge")
        .arg(&runs)
        .arg(&cut)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cut.csv:").and(predicate::str::contains("truncated")));
    // Rows out of order (a table sorted by hand) are refused rather than merged wrongly.
    let text = String::from_utf8(bytes).unwrap();
    let mut lines: Vec<&str> = text.split_inclusive("\r\n").collect();
    lines[1..].reverse();
    let shuffled = dir.path().join("shuffled.csv");
    std::fs::write(&shuffled, lines.concat()).unwrap();
    kbaudit()
        .arg("merge")
        .arg(&shuffled)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not in kbaudit's order"));
}

#[test]
fn extract_follows_its_shard_and_refuses_a_list() {
    let package = "corpus/packages/WindowsServer2003-KB911897-x86-ENU.exe";
    let mut wrote = 0;
    for k in 1..=3 {
        let dir = tempfile::tempdir().unwrap();
        kbaudit()
            .args(["extract", package, "--shard", &format!("{k}/3"), "-d"])
            .arg(dir.path())
            .assert()
            .success();
        wrote += usize::from(dir.path().join("SP1GDR").exists());
    }
    assert_eq!(wrote, 1, "exactly one shard extracts the package");
    kbaudit()
        .args(["extract", package, "-d", "x", "--files-from", "-"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("takes one PACKAGE"));
    kbaudit()
        .args(["merge", "Cargo.toml", "--shard", "1/2"])
        .assert()
        .code(2);
}
