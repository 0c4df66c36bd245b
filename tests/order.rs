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

/// One install run of `kb` replacing `file` on `date` (YYYY/MM/DD), as the installer logs it.
fn install_log(kb: &str, date: &str, file: &str) -> String {
    [
        format!("[{kb}.log]"),
        format!("0.000: {}", "=".repeat(80)),
        format!("0.000: {date} 03:00:00.000 (local)"),
        r"0.000: c:\1a2b3c\update\update.exe (version 6.1.22.4)".into(),
        "0.016: Hotfix started with following command line: /quiet".into(),
        format!(r"0.500: Copied file:  C:\WINDOWS\system32\{file}"),
        format!("0.700: Registering Uninstall Program for -> {kb}, {kb} , 0x0"),
        "0.800: Update.exe extended error code = 0x0".into(),
    ]
    .join("\r\n")
        + "\r\n"
}

/// An uninstall run of `kb` on `date` that ends with `code`.
fn uninstall_log(kb: &str, date: &str, code: &str) -> String {
    [
        format!("[{kb}.log]"),
        format!("0.000: {}", "=".repeat(80)),
        format!("0.000: {date} 09:00:00.000 (local)"),
        format!(r"0.000: c:\windows\$NtUninstall{kb}$\spuninst\spuninst.exe (version 6.1.22.4)"),
        "0.016: Hotfix started with following command line: /quiet".into(),
        format!("0.078: Update.exe extended error code = {code}"),
    ]
    .join("\r\n")
        + "\r\n"
}

#[test]
fn many_updates_on_one_file_stay_linear_in_shared_files() {
    // 300 updates each replacing ntdll.dll: each row names only the next one in shared_files
    // (the whole transitive set is in must_remove_first), so the table grows linearly there.
    let share = tempfile::tempdir().unwrap();
    let host = share.path().join("MANY");
    std::fs::create_dir(&host).unwrap();
    let n = 300;
    for i in 0..n {
        let kb = format!("KB{}", 900000 + i);
        let date = format!(
            "{}/{:02}/{:02}",
            2000 + i / 300,
            1 + (i / 28) % 12,
            1 + i % 28
        );
        std::fs::write(
            host.join(format!("{kb}.log")),
            install_log(&kb, &date, "ntdll.dll"),
        )
        .unwrap();
    }
    let out = Command::cargo_bin("kbaudit")
        .unwrap()
        .arg("order")
        .arg(&host)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), n);
    for row in &rows {
        let position: usize = row[3].parse().unwrap();
        let must = row[4].split_whitespace().count();
        assert_eq!(must, position - 1, "everything newer comes off first");
        assert!(
            row[5].matches("KB").count() <= 1,
            "only the direct successor: {}",
            &row[5]
        );
    }
}

#[test]
fn a_failed_uninstall_attempt_under_a_newer_update_is_a_finding() {
    let share = tempfile::tempdir().unwrap();
    let host = share.path().join("ATTEMPT");
    std::fs::create_dir(&host).unwrap();
    let older = install_log("KB901017", "2005/08/10", "ntdll.dll")
        + &uninstall_log("KB901017", "2006/01/05", "0xf0f4");
    std::fs::write(host.join("KB901017.log"), older).unwrap();
    std::fs::write(
        host.join("KB905414.log"),
        install_log("KB905414", "2005/10/12", "ntdll.dll"),
    )
    .unwrap();
    let (rows, code) = order(&[host.to_str().unwrap()]);
    assert_eq!(code, 0);
    let older = rows.iter().find(|r| r[1] == "KB901017").unwrap();
    assert_eq!(
        older[3], "2",
        "a failed uninstall is not a removal: still in the order"
    );
    assert!(older[7].contains("uninstall attempted on 2006-01-05 09:00 while newer updates sharing its files were installed: KB905414"), "{}", older[7]);
    assert!(
        older[7].contains("and failed: still installed"),
        "{}",
        older[7]
    );
    // state says the same on the update's row, and counts it as still installed.
    let out = Command::cargo_bin("kbaudit")
        .unwrap()
        .arg("state")
        .arg(&host)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text.lines().find(|l| l.contains("KB901017")).unwrap();
    assert!(
        line.contains(",installed,failed,") && line.contains("uninstall attempted"),
        "{line}"
    );
}
