//! `kbaudit order` on the corpus hosts that exercise the removal rule.

use assert_cmd::Command;

fn order(args: &[&str]) -> (Vec<Vec<String>>, i32) {
    let out = Command::cargo_bin("kbaudit")
        .unwrap()
        .arg("order")
        .args(args)
        .output()
        .unwrap();
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    (rows, out.status.code().unwrap())
}

#[test]
fn whole_corpus_order_is_pinned() {
    let out = Command::cargo_bin("kbaudit")
        .unwrap()
        .args(["order", "corpus/logs"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "the binary log is unreadable");
    insta::assert_snapshot!("order_corpus", String::from_utf8(out.stdout).unwrap());
}

#[test]
fn three_updates_on_one_file_come_off_newest_first() {
    // The seed's example: install A, then B, then C → remove C, then B, then A.
    let (rows, code) = order(&["--host", "ORDER-ABC", "corpus/logs"]);
    assert_eq!(code, 0);
    let summary: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| (r[1].as_str(), r[3].as_str(), r[4].as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("KB908519", "1", ""),
            ("KB905414", "2", "KB908519"),
            ("KB901017", "3", "KB908519 KB905414")
        ]
    );
}

#[test]
fn independent_updates_need_nothing_first() {
    let (rows, _) = order(&["--host", "ORDER-INDEP", "corpus/logs"]);
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r[4].is_empty() && r[5].is_empty()));
}

#[test]
fn remove_answers_for_one_update() {
    let (rows, _) = order(&["--host", "ORDER-ABC", "--remove", "901017", "corpus/logs"]);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][4], "KB908519 KB905414");
    assert!(rows[0][5].contains("ntdll.dll"));
}

#[test]
fn out_of_order_uninstall_and_blocked_install_are_findings() {
    let (rows, _) = order(&[
        "--host",
        "ORDER-OOO",
        "--host",
        "ORDER-BLOCKED",
        "corpus/logs",
    ]);
    let find = |kb: &str| rows.iter().find(|r| r[1] == kb).unwrap().clone();
    assert!(find("KB901214")[7].contains("removal order broken"));
    assert_eq!(
        find("KB911897")[6],
        "true",
        "installed with /hotpatch:enable: reboot to remove"
    );
    assert!(find("KB890046")[7].contains("blocked the install of KB908531"));
}

#[test]
fn a_host_split_by_a_subfolder_in_the_walk_is_still_one_history() {
    // Walked in sorted order: H/KB901017.log, H/sub/…, H/KB908519.log — host H is not contiguous.
    let dir = tempfile::tempdir().unwrap();
    let host = dir.path().join("H");
    std::fs::create_dir_all(host.join("m-sub")).unwrap();
    std::fs::copy(
        "corpus/logs/ORDER-ABC/KB901017.log",
        host.join("KB901017.log"),
    )
    .unwrap();
    std::fs::copy(
        "corpus/logs/ORDER-INDEP/KB896422.log",
        host.join("m-sub/KB896422.log"),
    )
    .unwrap();
    std::fs::copy(
        "corpus/logs/ORDER-ABC/KB908519.log",
        host.join("z-KB908519.log"),
    )
    .unwrap();
    let (rows, _) = order(&[dir.path().to_str().unwrap()]);
    let of_h: Vec<(&str, &str)> = rows
        .iter()
        .filter(|r| r[0] == "H")
        .map(|r| (r[1].as_str(), r[4].as_str()))
        .collect();
    assert_eq!(of_h, [("KB908519", ""), ("KB901017", "KB908519")]);
}
