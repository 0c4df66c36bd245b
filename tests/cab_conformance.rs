//! libmspack / cabextract's own cabinet test suite (`../shared/conformance/cabs/`, expectations
//! from its MANIFEST.md). The files are not copied into this repository (their licence differs).
//! Without the folder every test here is reported as ignored (see `build.rs`); under CI
//! (`CI` set) a missing suite is a failure.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use encoding_rs::{Encoding, WINDOWS_1252};
use kbaudit::cab::decompress::read_files;
use kbaudit::cab::extract::{ExtractOptions, Outcome, extract_cabinet};
use kbaudit::cab::locate::{Search, locate};
use kbaudit::cab::{CabError, Cabinet};
use md5::{Digest, Md5};

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/cabs")
}

fn suite() -> Option<PathBuf> {
    let dir = suite_dir();
    assert!(
        dir.is_dir(),
        "{} is absent: cabinet conformance cannot be checked",
        dir.display()
    );
    Some(dir)
}

#[test]
fn the_suite_is_present_under_ci() {
    if std::env::var_os("CI").is_some() {
        assert!(
            suite_dir().is_dir(),
            "CI must check cabinet conformance, but {} is absent",
            suite_dir().display()
        );
    }
}

fn open(path: &Path, names: &'static Encoding) -> (Vec<u8>, Search) {
    let bytes = std::fs::read(path).unwrap();
    let search = locate(&bytes, names);
    (bytes, search)
}

fn md5_hex(data: &[u8]) -> String {
    Md5::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Reads every file of the file's first cabinet: name → md5 or error.
fn read_all(bytes: &[u8], search: &Search) -> Vec<(String, Result<String, CabError>)> {
    let located = &search.cabinets[0];
    let (files, _) = read_files(located.bytes(bytes), &located.cabinet, false, 1 << 32);
    located
        .cabinet
        .files
        .iter()
        .zip(files)
        .map(|(f, r)| (f.name.clone(), r.map(|d| md5_hex(&d))))
        .collect()
}

/// Runs `f` on another thread and fails the test if it takes longer than 20 s (a hang).
fn bounded<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(20))
        .unwrap_or_else(|_| panic!("{what}: no result within 20 s (hang)"))
}

#[test]
#[cfg_attr(
    not(conformance_suite),
    ignore = "../shared/conformance/cabs is absent"
)]
fn reference_cabinets_extract_to_the_expected_md5s() {
    let Some(dir) = suite() else { return };
    for name in [
        "cabd/normal_2files_1folder.cab",
        "cabextract-cabs/simple.cab",
    ] {
        let (bytes, search) = open(&dir.join(name), WINDOWS_1252);
        assert_eq!(search.cabinets.len(), 1, "{name}");
        let cab = &search.cabinets[0].cabinet;
        assert_eq!(cab.set_id, 1570);
        assert_eq!(
            cab.files[0].modified().unwrap().to_string(),
            "1997-03-12T11:13:52"
        );
        assert_eq!(
            cab.files[1].modified().unwrap().to_string(),
            "1997-03-12T11:15:14"
        );
        let files = read_all(&bytes, &search);
        assert_eq!(
            files[0],
            (
                "hello.c".into(),
                Ok("c2535936b8908b1f8a28b7724a2c2045".into())
            )
        );
        assert_eq!(
            files[1],
            (
                "welcome.c".into(),
                Ok("67c981a019c21f3f4bb8f92efe4d95a1".into())
            )
        );
    }
}

#[test]
#[cfg_attr(
    not(conformance_suite),
    ignore = "../shared/conformance/cabs is absent"
)]
fn mszip_and_lzx_decode_and_quantum_is_reported_unsupported() {
    let Some(dir) = suite() else { return };
    for name in ["cabd/mszip_lzx_qtm.cab", "cabextract-cabs/mixed.cab"] {
        let (bytes, search) = open(&dir.join(name), WINDOWS_1252);
        let files = read_all(&bytes, &search);
        assert_eq!(
            files[0],
            (
                "mszip.txt".into(),
                Ok("940cba86658fbceb582faecd2b5975d1".into())
            )
        );
        assert_eq!(
            files[1],
            (
                "lzx.txt".into(),
                Ok("703474293b614e7110b3eb8ac2762b53".into())
            )
        );
        assert!(
            matches!(&files[2].1, Err(CabError::Unsupported(m)) if m.contains("Quantum")),
            "{:?}",
            files[2]
        );
    }
}

#[test]
#[cfg_attr(
    not(conformance_suite),
    ignore = "../shared/conformance/cabs is absent"
)]
fn cabinets_that_must_open_do() {
    let Some(dir) = suite() else { return };
    let must_open = [
        "cabd/normal_2files_2folders.cab",
        "cabd/normal_255c_filename.cab",
        "cabd/reserve_---.cab",
        "cabd/reserve_--D.cab",
        "cabd/reserve_-F-.cab",
        "cabd/reserve_-FD.cab",
        "cabd/reserve_H--.cab",
        "cabd/reserve_H-D.cab",
        "cabd/reserve_HF-.cab",
        "cabd/reserve_HFD.cab",
        "cabextract-cabs/dir.cab",
        "cabextract-cabs/case-ascii.cab",
        "cabextract-cabs/case-utf8.cab",
        "cabextract-cabs/utf8-stresstest.cab",
        "cabextract-cabs/dirwalk-vulns.cab",
    ];
    for name in must_open {
        let (bytes, search) = open(&dir.join(name), WINDOWS_1252);
        assert_eq!(search.cabinets.len(), 1, "{name}: {:?}", search.errors);
        for (file, result) in read_all(&bytes, &search) {
            assert!(result.is_ok(), "{name}: {file}: {result:?}");
        }
    }
    let (_, search) = open(&dir.join("cabd/normal_255c_filename.cab"), WINDOWS_1252);
    assert!(
        search.cabinets[0]
            .cabinet
            .files
            .iter()
            .any(|f| f.raw_name.len() == 255)
    );
    let (bytes, search) = open(&dir.join("cabd/reserve_HFD.cab"), WINDOWS_1252);
    let names: Vec<String> = read_all(&bytes, &search)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(names, ["test1.txt", "test2.txt"]);
}

#[test]
#[cfg_attr(
    not(conformance_suite),
    ignore = "../shared/conformance/cabs is absent"
)]
fn partial_nodata_opens_but_its_files_cannot_be_read() {
    let Some(dir) = suite() else { return };
    let (bytes, search) = open(&dir.join("cabd/partial_nodata.cab"), WINDOWS_1252);
    assert_eq!(search.cabinets.len(), 1);
    assert!(
        read_all(&bytes, &search)
            .iter()
            .all(|(_, r)| matches!(r, Err(CabError::Truncated(_))))
    );
}

#[test]
#[cfg_attr(
    not(conformance_suite),
    ignore = "../shared/conformance/cabs is absent"
)]
fn embedded_cabinets_are_found_at_their_offsets() {
    let Some(dir) = suite() else { return };
    let offsets = |name: &str| -> Vec<usize> {
        open(&dir.join(name), WINDOWS_1252)
            .1
            .cabinets
            .iter()
            .map(|c| c.offset)
            .collect()
    };
    assert_eq!(offsets("cabd/search_basic.cab"), [6, 265]);
    assert_eq!(offsets("cabd/search_tricky1.cab"), [4]);
    let (_, search) = open(&dir.join("cabextract-cabs/search.cab"), WINDOWS_1252);
    let entries: usize = search.cabinets.iter().map(|c| c.cabinet.files.len()).sum();
    assert_eq!(search.cabinets[0].offset, 6);
    assert_eq!(entries, 24, "cabextract lists 24 entries in search.cab");
}

/// A file must fail: no cabinet found, or a file of it cannot be read.
fn fails_cleanly(path: PathBuf, strict: bool) -> Result<String, String> {
    let name = path.display().to_string();
    bounded(&name.clone(), move || {
        let (bytes, search) = open(&path, WINDOWS_1252);
        let Some(located) = search.cabinets.first() else {
            let why = search
                .errors
                .first()
                .map_or("no cabinet found".to_string(), |(_, e)| e.to_string());
            return Ok(why);
        };
        if strict && !located.cabinet.findings.is_empty() {
            return Ok(located.cabinet.findings.join("; "));
        }
        let (files, _) = read_files(located.bytes(&bytes), &located.cabinet, strict, 1 << 32);
        match files.into_iter().find_map(Result::err) {
            Some(e) => Ok(e.to_string()),
            None => Err(format!("{name}: every file was read")),
        }
    })
}

#[test]
#[cfg_attr(
    not(conformance_suite),
    ignore = "../shared/conformance/cabs is absent"
)]
fn broken_and_hostile_cabinets_fail_with_a_reason_and_never_hang() {
    let Some(dir) = suite() else { return };
    let mut checked = 0;
    for entry in std::fs::read_dir(dir.join("cabd")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let must_fail = [
            "bad_",
            "partial_",
            "cve-",
            "filename-read-violation-",
            "lzx-",
            "hidden-file-",
        ]
        .iter()
        .any(|p| name.starts_with(p))
            && name != "partial_nodata.cab";
        if !must_fail {
            continue;
        }
        let strict = name.starts_with("hidden-file-");
        let reason = fails_cleanly(path, strict).unwrap_or_else(|e| panic!("{e}"));
        assert!(!reason.is_empty(), "{name}");
        checked += 1;
    }
    assert!(checked >= 35, "only {checked} must-fail files seen");
    fails_cleanly(
        dir.join("cabextract-bugs/cve-2010-2801-qtm-flush.cab"),
        false,
    )
    .unwrap();
}

#[test]
#[cfg_attr(
    not(conformance_suite),
    ignore = "../shared/conformance/cabs is absent"
)]
fn the_file_table_follows_the_folders_and_hidden_tables_are_reported() {
    let Some(dir) = suite() else { return };
    let (_, search) = open(&dir.join("cabd/hidden-files.cab"), WINDOWS_1252);
    let cab: &Cabinet = &search.cabinets[0].cabinet;
    let names: Vec<&str> = cab.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["normal1.txt", "normal2.txt"]);
    assert!(
        cab.findings[0].contains("hidden1.txt, hidden2.txt"),
        "{:?}",
        cab.findings
    );
}

#[test]
#[cfg_attr(
    not(conformance_suite),
    ignore = "../shared/conformance/cabs is absent"
)]
fn cabinet_set_members_are_reported_and_partial_files_refused() {
    let Some(dir) = suite() else { return };
    for part in 1..=5 {
        let (bytes, search) = open(
            &dir.join(format!("cabd/multi_basic_pt{part}.cab")),
            WINDOWS_1252,
        );
        let cab = &search.cabinets[0].cabinet;
        assert!(
            cab.prev.is_some() || cab.next.is_some(),
            "part {part} names its neighbours"
        );
        let files = read_all(&bytes, &search);
        assert!(
            files
                .iter()
                .any(|(_, r)| matches!(r, Err(CabError::Set(_)))),
            "part {part}: {files:?}"
        );
    }
    let (bytes, search) = open(&dir.join("cabextract-cabs/split-1.cab"), WINDOWS_1252);
    let cab = &search.cabinets[0].cabinet;
    assert_eq!(
        (cab.set_id, cab.next.as_ref().unwrap().cabinet.as_str()),
        (5988, "Split-2.CAB")
    );
    let files = read_all(&bytes, &search);
    // The one file wholly inside split-1 extracts (checksums with a 10-byte reserve verified).
    assert_eq!(
        files[0],
        (
            "small1.bin".into(),
            Ok("2ad5ba0f497f1e597ab187a2dfaa2e29".into())
        )
    );
    assert!(search.cabinets[0].cabinet.findings.is_empty());
}

/// Names listed in a `.txt` beside a cabinet, as raw bytes (`#` lines are comments).
fn name_list(path: &Path) -> Vec<Vec<u8>> {
    std::fs::read(path)
        .unwrap()
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty() && !l.starts_with(b"#"))
        .map(<[u8]>::to_vec)
        .collect()
}

#[test]
#[cfg_attr(
    not(conformance_suite),
    ignore = "../shared/conformance/cabs is absent"
)]
fn file_names_decode_per_attribute_and_code_page() {
    let Some(dir) = suite() else { return };
    let cases: [(&str, &'static Encoding); 5] = [
        ("case-utf8", WINDOWS_1252),
        ("case-ascii", WINDOWS_1252),
        ("encoding-koi8", encoding_rs::KOI8_R),
        ("encoding-latin1", WINDOWS_1252),
        ("encoding-sjis", encoding_rs::SHIFT_JIS),
    ];
    for (stem, names) in cases {
        let (_, search) = open(&dir.join(format!("cabextract-cabs/{stem}.cab")), names);
        let decoded: Vec<String> = search.cabinets[0]
            .cabinet
            .files
            .iter()
            .map(|f| f.name.clone())
            .collect();
        let expected: Vec<String> = name_list(&dir.join(format!("cabextract-cabs/{stem}.txt")))
            .iter()
            .map(|raw| match std::str::from_utf8(raw) {
                Ok(s) => s.to_string(),
                Err(_) => names.decode_without_bom_handling(raw).0.into_owned(),
            })
            .collect();
        assert_eq!(decoded, expected, "{stem}");
    }
    // Malformed UTF-8 names: the raw bytes are kept exactly.
    let (_, search) = open(
        &dir.join("cabextract-cabs/utf8-stresstest.cab"),
        WINDOWS_1252,
    );
    let raw: Vec<Vec<u8>> = search.cabinets[0]
        .cabinet
        .files
        .iter()
        .map(|f| f.raw_name.clone())
        .collect();
    assert_eq!(
        raw,
        name_list(&dir.join("cabextract-cabs/utf8-stresstest.txt"))
    );
}

#[test]
#[cfg_attr(
    not(conformance_suite),
    ignore = "../shared/conformance/cabs is absent"
)]
fn dirwalk_vulns_writes_nothing_outside_the_directory() {
    let Some(dir) = suite() else { return };
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let (bytes, search) = open(&dir.join("cabextract-cabs/dirwalk-vulns.cab"), WINDOWS_1252);
    let options = ExtractOptions {
        dir: out.clone(),
        max_bytes: 1 << 20,
        force: false,
        strict: false,
    };
    let located = &search.cabinets[0];
    let report = extract_cabinet(
        located.bytes(&bytes),
        &located.cabinet,
        Path::new(""),
        &options,
        0,
        &|_| {},
        &|| {},
    );
    let written: Vec<&PathBuf> = report
        .files
        .iter()
        .filter_map(|(_, o, _)| {
            if let Outcome::Written { path, .. } = o {
                Some(path)
            } else {
                None
            }
        })
        .collect();
    assert!(written.len() >= 20);
    let canonical_out = out.canonicalize().unwrap();
    for path in walkdir::WalkDir::new(root.path())
        .into_iter()
        .map(|e| e.unwrap().into_path())
    {
        assert!(
            path.canonicalize()
                .unwrap()
                .starts_with(root.path().canonicalize().unwrap())
        );
        if path.is_file() {
            assert!(
                path.canonicalize().unwrap().starts_with(&canonical_out),
                "{} escaped",
                path.display()
            );
        }
    }
}

#[test]
#[cfg_attr(
    not(conformance_suite),
    ignore = "../shared/conformance/cabs is absent"
)]
fn makecab_large_files_outer_layer_decodes() {
    let Some(dir) = suite() else { return };
    let (bytes, search) = open(
        &dir.join("cabextract-cabs/large-files-cab.cab"),
        WINDOWS_1252,
    );
    let files = read_all(&bytes, &search);
    assert_eq!(files[0].0, "large-files.cab");
    assert_eq!(
        files[0].1.as_deref(),
        Ok("ac923e14971324651015ba44ceb59b36")
    );
}
