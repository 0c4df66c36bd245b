//! `kbaudit extract` as a user runs it on self-extracting packages and plain cabinets.

mod common;

use common::kbaudit;

use cab::CompressionType;
use predicates::prelude::*;

fn package(dir: &std::path::Path) -> (std::path::PathBuf, Vec<(String, Vec<u8>)>) {
    let files = vec![
        (
            "update\\update.inf".to_string(),
            b"[Version]\r\nSignature=\"$Windows NT$\"\r\n".to_vec(),
        ),
        (
            "SP1GDR\\authz.dll".to_string(),
            common::realistic_bytes(90_000, 1),
        ),
        (
            "SP1QFE\\authz.dll".to_string(),
            common::realistic_bytes(91_000, 2),
        ),
    ];
    let cab = common::cab_crate_cabinet(&[(CompressionType::MsZip, files.clone())]);
    let path = dir.join("WindowsServer2003-KB123456-x86-ENU.exe");
    std::fs::write(&path, common::sfx_package(&cab)).unwrap();
    (path, files)
}

#[test]
fn extracts_a_self_extracting_package_from_its_overlay() {
    let dir = tempfile::tempdir().unwrap();
    let (pkg, files) = package(dir.path());
    let out = dir.path().join("out");
    kbaudit()
        .arg("extract")
        .arg(&pkg)
        .arg("-d")
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("(PE overlay)"))
        .stderr(predicate::str::contains("wrote 3 file(s)"));
    for (name, content) in &files {
        let path = out.join(name.replace('\\', "/"));
        assert_eq!(&std::fs::read(&path).unwrap(), content, "{name}");
    }
    // Again: nothing is overwritten without --force, and that is exit code 1.
    std::fs::write(out.join("SP1GDR/authz.dll"), b"mine").unwrap();
    kbaudit()
        .arg("extract")
        .arg(&pkg)
        .arg("-d")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "exists (use --force to overwrite)",
        ));
    assert_eq!(
        std::fs::read(out.join("SP1GDR/authz.dll")).unwrap(),
        b"mine"
    );
    kbaudit()
        .arg("extract")
        .arg(&pkg)
        .arg("-d")
        .arg(&out)
        .arg("--force")
        .assert()
        .success();
    assert_eq!(
        std::fs::read(out.join("SP1GDR/authz.dll")).unwrap(),
        files[1].1
    );
}

#[test]
fn max_bytes_stops_extraction_and_leaves_no_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let (pkg, _) = package(dir.path());
    let out = dir.path().join("out");
    kbaudit()
        .arg("extract")
        .arg(&pkg)
        .args(["--max-bytes", "100K", "-d"])
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--max-bytes 102400 reached"));
    let written: u64 = walkdir::WalkDir::new(&out)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.metadata().unwrap().len())
        .sum();
    assert!(written <= 100 * 1024, "{written} bytes written");
    assert!(
        !out.join("SP1QFE/authz.dll").exists(),
        "the file cut by the limit is removed"
    );
}

#[test]
fn links_planted_in_the_output_directory_are_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let (pkg, _) = package(dir.path());
    let out = dir.path().join("out");
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, out.join("SP1GDR")).unwrap();
    kbaudit()
        .arg("extract")
        .arg(&pkg)
        .arg("-d")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is a symbolic link; not followed"));
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
}

#[test]
fn a_file_without_a_cabinet_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.exe");
    std::fs::write(&path, common::tiny_pe(0x14c, &[])).unwrap();
    kbaudit()
        .arg("extract")
        .arg(&path)
        .arg("-d")
        .arg(dir.path().join("out"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("notes.exe: no cabinet found"));
    let truncated = dir.path().join("cut.cab");
    let (pkg, _) = package(dir.path());
    let bytes = std::fs::read(pkg).unwrap();
    let at = bytes.windows(4).position(|w| w == b"MSCF").unwrap();
    std::fs::write(&truncated, &bytes[at..at + 80]).unwrap();
    kbaudit()
        .arg("extract")
        .arg(&truncated)
        .arg("-d")
        .arg(dir.path().join("out2"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("truncated"));
}
