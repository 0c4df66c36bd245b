//! `kbaudit state`: the fleet's state per host and update, on the corpus plus its inventory and
//! baseline, on synthetic shares made here, and as a property (input order does not matter).

mod common;

use common::kbaudit;

use std::collections::BTreeMap;
use std::path::Path;

use predicates::prelude::*;
use proptest::prelude::*;

fn fleet_args() -> Vec<&'static str> {
    vec![
        "state",
        "corpus/logs",
        "--hosts",
        "corpus/fleet/hosts.txt",
        "--baseline",
        "corpus/fleet/baseline.txt",
    ]
}

/// Rows of a CSV table as maps from column to value.
fn table(bytes: &[u8]) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_reader(bytes);
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .map(str::to_string)
                .zip(r.iter().map(str::to_string))
                .collect()
        })
        .collect()
}

fn find<'a>(
    rows: &'a [BTreeMap<String, String>],
    host: &str,
    kb: &str,
) -> &'a BTreeMap<String, String> {
    rows.iter()
        .find(|r| r["host"].eq_ignore_ascii_case(host) && r["kb"] == kb)
        .unwrap_or_else(|| panic!("no row for {host} {kb}"))
}

#[test]
fn corpus_state_and_matrix_are_pinned() {
    let dir = tempfile::tempdir().unwrap();
    let matrix = dir.path().join("matrix.csv");
    let out = kbaudit()
        .args(fleet_args())
        .arg("--matrix")
        .arg(&matrix)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "the binary log is unreadable");
    insta::assert_snapshot!("state_corpus", String::from_utf8(out.stdout).unwrap());
    let matrix = std::fs::read_to_string(&matrix).unwrap();
    assert!(matrix.starts_with('\u{feff}'), "a file gets a BOM");
    insta::assert_snapshot!("state_matrix_corpus", matrix.trim_start_matches('\u{feff}'));
}

#[test]
fn every_state_is_reached_with_its_reason() {
    let out = kbaudit().args(fleet_args()).output().unwrap();
    let rows = table(&out.stdout);
    let state = |host, kb| find(&rows, host, kb)["state"].clone();
    // Failures followed by a success: installed, with the failures counted.
    let web01 = find(&rows, "SRV-WEB01", "KB901214");
    assert_eq!(web01["state"], "installed");
    assert_eq!(
        (
            web01["attempts"].as_str(),
            web01["failed_attempts"].as_str()
        ),
        ("2", "1")
    );
    assert!(web01["findings"].contains("failed 1 time(s) before succeeding"));
    // A success followed by a failed reinstall: still installed, and said.
    let app02 = find(&rows, "SRV-APP02", "KB896358");
    assert_eq!(app02["state"], "installed");
    assert!(app02["findings"].contains("failed after an earlier success (still installed)"));
    assert_eq!(app02["last_outcome"], "failed");
    assert_eq!(app02["last_extended_code"], "0xf0f4");
    // Failed twice, never succeeded.
    let never = find(&rows, "SRV-APP02", "KB904706");
    assert_eq!(
        (never["state"].as_str(), never["failed_attempts"].as_str()),
        ("failed", "2")
    );
    // Pending reboot, removal, cancellation, a cut-off run.
    assert_eq!(state("JP-FS01", "KB899591"), "installed_pending_reboot");
    assert_eq!(state("SRV-DB01", "KB899588"), "removed");
    assert_eq!(state("SRV-DB02", "KB913446"), "incomplete");
    assert_eq!(state("SRV-OLD01", ""), "cancelled");
    // The inventory's extra host, and the KB nobody installed.
    assert_eq!(state("SRV-NEW01", "KB917953"), "no_logs");
    assert!(
        rows.iter()
            .filter(|r| r["kb"] == "KB917953")
            .all(|r| r["state"] == "missing" || r["state"] == "no_logs")
    );
    // An unreadable file named for a KB keeps that KB in the table.
    assert_eq!(state("BINARY", "KB900001"), "no_runs");
    // The deciding line is named as file:line, and it is the line the logs table names.
    let logs = table(
        &kbaudit()
            .args(["logs", "corpus/logs/SRV-WEB01"])
            .output()
            .unwrap()
            .stdout,
    );
    let success = logs
        .iter()
        .find(|r| r["kb"] == "KB901214" && r["outcome"] == "success")
        .unwrap();
    assert_eq!(
        web01["evidence"],
        format!("{}:{}", success["source_file"], success["evidence_line"])
    );
}

#[test]
fn hosts_differing_in_case_are_one_host_and_the_inventory_spelling_wins() {
    let out = kbaudit().args(fleet_args()).output().unwrap();
    let rows = table(&out.stdout);
    let db01: Vec<_> = rows
        .iter()
        .filter(|r| r["host"].eq_ignore_ascii_case("srv-db01"))
        .collect();
    assert!(db01.iter().all(|r| r["host"] == "srv-db01"));
    assert!(
        db01.iter()
            .all(|r| !r["findings"].contains("not in the host inventory"))
    );
    // Hosts on the share but not in the inventory are said to be so.
    assert!(find(&rows, "ORDER-ABC", "KB901017")["findings"].contains("not in the host inventory"));

    let share = tempfile::tempdir().unwrap();
    for (dir, kb) in [("SRV-X", "KB896358"), ("srv-x", "KB901214")] {
        let d = share.path().join(dir);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::copy(
            format!("corpus/logs/SRV-WEB01/{kb}.log"),
            d.join(format!("{kb}.log")),
        )
        .unwrap();
    }
    let rows = table(
        &kbaudit()
            .arg("state")
            .arg(share.path())
            .output()
            .unwrap()
            .stdout,
    );
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter().all(|r| r["host"] == rows[0]["host"]),
        "{rows:?}"
    );
}

#[test]
fn reference_lists_bad_input() {
    kbaudit()
        .args(["state", "corpus/logs", "--hosts", "no/such/hosts.txt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no/such/hosts.txt: cannot read"));
    kbaudit()
        .args(["state", "corpus/logs", "--baseline", "corpus/logs"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a regular file"));
    // A malformed line is a warning naming file:line; the rest is used.
    kbaudit()
        .args(fleet_args())
        .assert()
        .stderr(predicate::str::contains("corpus/fleet/hosts.txt:13:"));
    // A CSV export works as an inventory.
    let out = kbaudit()
        .args([
            "state",
            "corpus/logs/SRV-WEB01",
            "--hosts",
            "corpus/fleet/hosts.csv",
        ])
        .output()
        .unwrap();
    let rows = table(&out.stdout);
    assert_eq!(find(&rows, "SRV-NEW01", "")["state"], "no_logs");
}

#[test]
fn filters_narrow_and_say_when_nothing_matched() {
    let out = kbaudit()
        .args([
            "state",
            "corpus/logs",
            "--host",
            "srv-web*",
            "--kb",
            "901214",
        ])
        .output()
        .unwrap();
    let rows = table(&out.stdout);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        (rows[0]["host"].as_str(), rows[0]["kb"].as_str()),
        ("SRV-WEB01", "KB901214")
    );
    // --until: the state as it stood then (before the successful second run).
    let out = kbaudit()
        .args([
            "state",
            "corpus/logs/SRV-WEB01",
            "--kb",
            "KB901214",
            "--until",
            "2005-08-09",
        ])
        .output()
        .unwrap();
    assert_eq!(table(&out.stdout)[0]["state"], "failed");
    // --state answers one question: who still needs a reboot.
    let out = kbaudit()
        .args([
            "state",
            "corpus/logs",
            "--state",
            "installed_pending_reboot",
        ])
        .output()
        .unwrap();
    let rows = table(&out.stdout);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["host"], "JP-FS01");
    for command in ["state", "order", "logs"] {
        kbaudit()
            .args([command, "corpus/logs", "--host", "NOPE"])
            .assert()
            .stderr(predicate::str::contains("--host NOPE: no host matched"));
    }
    kbaudit()
        .args(["logs", "corpus/logs/SRV-WEB01", "--outcome", "cancelled"])
        .assert()
        .stderr(predicate::str::contains(
            "--outcome cancelled: no run had that outcome",
        ));
}

#[test]
fn the_same_file_reached_twice_is_read_once() {
    let once = kbaudit().args(["state", "corpus/logs"]).output().unwrap();
    let twice = kbaudit()
        .args([
            "state",
            "corpus/logs",
            "corpus/logs/ORDER-ABC",
            "corpus/logs/SRV-WEB01/KB901214.log",
        ])
        .output()
        .unwrap();
    assert_eq!(once.stdout, twice.stdout);
    let order = kbaudit()
        .args(["order", "corpus/logs/ORDER-ABC", "corpus/logs/ORDER-ABC"])
        .output()
        .unwrap();
    let text = String::from_utf8(order.stdout).unwrap();
    assert!(
        text.contains("KB908519") && !text.contains("installed again"),
        "{text}"
    );
    #[cfg(unix)]
    {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("linked");
        std::os::unix::fs::symlink(
            std::fs::canonicalize("corpus/logs/ORDER-ABC").unwrap(),
            &link,
        )
        .unwrap();
        let logs = |extra: &[&Path]| {
            kbaudit()
                .arg("logs")
                .arg("corpus/logs/ORDER-ABC")
                .args(extra)
                .output()
                .unwrap()
                .stdout
        };
        assert_eq!(logs(&[]), logs(&[link.as_path()]));
    }
}

#[test]
fn output_does_not_depend_on_threads() {
    let run = |j: &str| {
        kbaudit()
            .args(fleet_args())
            .args(["-j", j])
            .output()
            .unwrap()
            .stdout
    };
    let one = run("1");
    assert!(!one.is_empty());
    assert_eq!(one, run("2"));
    assert_eq!(one, run("7"));
}

/// Run rows of every corpus log, grouped by host.
fn corpus_rows() -> BTreeMap<String, Vec<kbaudit::logs::RunRow>> {
    let mut by_host: BTreeMap<String, Vec<kbaudit::logs::RunRow>> = BTreeMap::new();
    for entry in walk("corpus/logs") {
        let bytes = std::fs::read(&entry).unwrap();
        let file = kbaudit::logs::analyze_bytes(&entry, &bytes, &Default::default());
        by_host
            .entry(file.host.clone())
            .or_default()
            .extend(file.run_rows(None));
    }
    by_host
}

fn walk(dir: &str) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![std::path::PathBuf::from(dir)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "log") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// The state table is a function of the set of runs, not of the order they arrive in.
    #[test]
    fn state_does_not_depend_on_input_order(keys in prop::collection::vec(any::<u64>(), 64)) {
        let baseline = [896358, 917953];
        for (host, rows) in corpus_rows() {
            let expected = kbaudit::state::host_states(&host, &kbaudit::state::HostEvidence { rows: rows.clone(), ..Default::default() }, &baseline);
            let mut shuffled: Vec<(u64, kbaudit::logs::RunRow)> =
                rows.into_iter().enumerate().map(|(i, r)| (keys[i % keys.len()].wrapping_mul(i as u64 + 1), r)).collect();
            shuffled.sort_by_key(|(k, _)| *k);
            let rows = shuffled.into_iter().map(|(_, r)| r).collect();
            let got = kbaudit::state::host_states(&host, &kbaudit::state::HostEvidence { rows, ..Default::default() }, &baseline);
            prop_assert_eq!(expected, got);
        }
    }
}
