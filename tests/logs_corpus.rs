//! The committed log corpus: every file's rows pinned by snapshots, and the repair of logs that
//! were pasted from web pages checked against the same logs as written on disk.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use kbaudit::logs::{self, LogOptions};

fn corpus_logs() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new("corpus/logs")
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(files.len() >= 15, "corpus/logs went missing");
    files
}

fn kbaudit(args: &[&str]) -> (String, i32) {
    let out = Command::cargo_bin("kbaudit")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        out.status.code().unwrap(),
    )
}

fn snapshot_name(path: &Path) -> String {
    path.strip_prefix("corpus/logs")
        .unwrap()
        .display()
        .to_string()
        .replace(['/', '\\', '.'], "_")
}

#[test]
fn every_corpus_log_has_pinned_rows() {
    for path in corpus_logs() {
        let (csv, _) = kbaudit(&["logs", "--tz", "Asia/Tokyo", path.to_str().unwrap()]);
        insta::assert_snapshot!(format!("runs_{}", snapshot_name(&path)), csv);
    }
}

#[test]
fn events_of_a_two_run_log_are_pinned() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.csv");
    let (_, code) = kbaudit(&[
        "logs",
        "--no-bom",
        "corpus/logs/SRV-DB01/KB899588.log",
        "--events",
        events.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    insta::assert_snapshot!(
        "events_SRV-DB01_KB899588",
        std::fs::read_to_string(events).unwrap()
    );
}

#[test]
fn whole_corpus_timeline_exits_1_for_the_binary_file() {
    let (csv, code) = kbaudit(&["logs", "corpus/logs"]);
    assert_eq!(code, 1, "the binary file is unreadable");
    let rows = csv.lines().count() - 1;
    assert_eq!(
        rows,
        corpus_logs().len() + 6,
        "one row per file plus the extra runs of the 6 two-run files"
    );
}

/// The fields that say what happened in a run.
fn outcomes(file: &logs::LogFile) -> Vec<String> {
    file.run_rows(None)
        .iter()
        .map(|r| {
            format!(
                "{:?} {} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
                r.kb,
                r.outcome,
                r.exit_code,
                r.extended_code,
                r.started_local,
                r.files_copied,
                r.pending_renames,
                r.hotpatch,
                r.action
            )
        })
        .collect()
}

#[test]
fn pasted_log_reads_like_the_log_on_disk() {
    let options = LogOptions::default();
    let read = |p: &str| logs::analyze_bytes(Path::new(p), &std::fs::read(p).unwrap(), &options);
    let disk = read("corpus/logs/SRV-WEB02/KB899589.log");
    let pasted = read("corpus/logs/PASTED-TICKET/KB899589.log");
    assert_eq!(outcomes(&disk), outcomes(&pasted));
    assert_eq!(outcomes(&disk).len(), 1);
}

/// What a web page and a copy-paste do to a log: prefixes stripped from some lines, records glued
/// onto the previous line, lines wrapped at 72 columns, LF line ends.
fn damage(text: &str) -> String {
    let mut glued: Vec<String> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let prefixed = logs::line::elapsed_prefix(line);
        match prefixed {
            Some(_) if i % 5 == 2 && !glued.is_empty() => {
                let last = glued.last_mut().unwrap();
                last.push(' ');
                last.push_str(line);
            }
            Some((_, message))
                if i % 7 == 3 && logs::line::classify(message) != logs::line::Line::Other =>
            {
                glued.push(message.to_string());
            }
            _ => glued.push(line.to_string()),
        }
    }
    let mut out = String::new();
    for line in glued {
        let mut rest: Vec<char> = line.chars().collect();
        while rest.len() > 72 {
            let cut = rest[..=72]
                .iter()
                .rposition(|&c| c == ' ')
                .filter(|&c| c > 0);
            let (head, tail_start) = match cut {
                Some(space) => (space, space + 1),
                None => (72, 72),
            };
            out.extend(&rest[..head]);
            out.push('\n');
            rest.drain(..tail_start);
        }
        out.extend(&rest);
        out.push('\n');
    }
    out
}

#[test]
fn every_corpus_log_survives_web_damage() {
    let options = LogOptions::default();
    let mut checked = 0;
    for path in corpus_logs() {
        let disk = logs::analyze_bytes(&path, &std::fs::read(&path).unwrap(), &options);
        if disk.problem.is_some() {
            continue;
        }
        let text = logs::decode::decode(&std::fs::read(&path).unwrap(), None)
            .text
            .into_owned();
        let damaged = damage(&text);
        assert_ne!(damaged, text);
        let pasted = logs::analyze_bytes(&path, damaged.as_bytes(), &options);
        assert_eq!(
            outcomes(&disk),
            outcomes(&pasted),
            "{} after web damage:\n{damaged}",
            path.display()
        );
        checked += 1;
    }
    assert!(checked >= 12);
}
