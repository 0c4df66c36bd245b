//! `kbaudit packages` on the committed synthetic packages (snapshots), the hotpatch validator,
//! and property tests: arbitrary bytes never panic the inventory or the validator.

mod common;

use common::kbaudit;

use std::path::Path;

use kbaudit::package::{self, hotpatch};
use proptest::prelude::*;

#[test]
fn corpus_packages_rows_are_pinned() {
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("files.csv");
    let out = kbaudit()
        .args(["packages", "--no-bom", "corpus/packages", "--files"])
        .arg(&files)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "the truncated package and the stub without a cabinet fail"
    );
    insta::assert_snapshot!("packages_corpus", String::from_utf8(out.stdout).unwrap());
    insta::assert_snapshot!(
        "packages_corpus_files",
        std::fs::read_to_string(files).unwrap()
    );
}

#[test]
fn verdicts_of_the_admins_precheck() {
    let out = kbaudit()
        .args(["packages", "--format", "jsonl", "corpus/packages"])
        .output()
        .unwrap();
    let rows: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let row = |name: &str| {
        rows.iter()
            .find(|r| r["package"].as_str().unwrap().ends_with(name))
            .unwrap()
    };
    let capable = row("KB911897-x86-ENU.exe");
    assert_eq!(
        (
            capable["hotpatch_capable"].as_bool(),
            capable["hotpatch_targets"].as_str()
        ),
        (Some(true), Some("authz.dll"))
    );
    assert_eq!(capable["container"], "sfx-exe");
    assert_eq!(capable["signed"], true);
    assert_eq!(capable["branches"], "SP1GDR SP1QFE");
    assert_eq!(row("KB912345-x86-JPN.exe")["lang"], "JPN");
    assert_eq!(row("KB913333-x86-ENU.exe")["inf_mismatches"], 1);
    let invalid = row("KB914444-x86-ENU.exe");
    assert_eq!(invalid["hotpatch_capable"], false);
    assert!(
        invalid["anomalies"]
            .as_str()
            .unwrap()
            .contains("authz._hp: invalid hotpatch image: no HOT1 signature")
    );
    assert_eq!(row("KB915555-x86-ENU.exe")["status"], "damaged");
    assert_eq!(row("KB916666.cab")["container"], "cab");
    assert_eq!(row("not-a-package.exe")["error"], "no cabinet found");
}

#[test]
fn hotpatch_validator_checks_every_field() {
    let good = common::hotpatch_image("ntdll.dll", 3, 0x10);
    let info = hotpatch::validate(&good).unwrap();
    assert_eq!(
        (
            info.target.as_str(),
            info.hooks,
            info.validations,
            info.method_name()
        ),
        ("ntdll.dll", 3, 2, "debug signature")
    );
    let find = |image: &[u8]| image.windows(4).position(|w| w == b"HOT1").unwrap();
    let patched = |offset: usize, value: u32| {
        let mut image = good.clone();
        let at = find(&image) + offset;
        image[at..at + 4].copy_from_slice(&value.to_le_bytes());
        hotpatch::validate(&image).unwrap_err()
    };
    assert!(patched(0x04, 0x0002_0000).contains("version"));
    assert!(patched(0x18, 0).contains("no hooks"));
    assert!(patched(0x18, 0x0100_0000).contains("leave the image"));
    assert!(patched(0x14, 0x00ff_0000).contains("leave the image"));
    assert!(patched(0x30, 0x0fff_0000).contains("target module name"));
    assert!(patched(0x34, 7).contains("module id method"));
    let mut renamed = good.clone();
    let at = renamed.windows(8).position(|w| w == b".hotp1  ").unwrap();
    renamed[at + 6] = b'x';
    assert!(
        hotpatch::validate(&renamed)
            .unwrap_err()
            .contains("no section")
    );
    assert!(
        hotpatch::validate(&common::tiny_pe(0x8664, &[]))
            .unwrap_err()
            .contains("32-bit")
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic_the_validator(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = hotpatch::validate(&bytes);
    }

    #[test]
    fn damaged_hotpatch_images_never_panic(flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..10)) {
        let mut image = common::hotpatch_image("authz.dll", 2, 3);
        for (at, value) in flips {
            let i = at.index(image.len());
            image[i] ^= value | 1;
        }
        let _ = hotpatch::validate(&image);
    }

    #[test]
    fn damaged_packages_never_panic(flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..10), cut in 0usize..3000) {
        let mut bytes = std::fs::read("corpus/packages/WindowsServer2003-KB911897-x86-ENU.exe").unwrap();
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] ^= value | 1;
        }
        bytes.truncate(cut.max(1));
        let inventory = package::inventory(Path::new("x.exe"), &bytes, 1 << 26);
        prop_assert!(!inventory.package.status.is_empty());
    }
}

#[test]
fn a_cabinet_after_padding_behind_the_stub_is_still_a_self_extractor() {
    let cab = std::fs::read("corpus/packages/KB916666.cab").unwrap();
    let mut padded = vec![0u8; 16];
    padded.extend_from_slice(&cab);
    let bytes = common::sfx_package(&padded);
    let inventory = package::inventory(
        Path::new("WindowsServer2003-KB916666-x86-ENU.exe"),
        &bytes,
        1 << 26,
    );
    let row = &inventory.package;
    assert_eq!(row.container, Some("sfx-exe"), "{row:?}");
    assert_eq!(
        row.cab_offset,
        Some(0x600 + 16),
        "the offset is reported as it is"
    );
    assert_eq!(row.signed, Some(true));
}

/// A package's progress reports add up to its size, and come in more than one piece while its
/// payload is decompressed (so a bar over one large package moves).
#[test]
fn progress_reports_add_up_to_the_package_size() {
    for name in [
        "corpus/packages/WindowsServer2003-KB911897-x86-ENU.exe",
        "corpus/packages/KB916666.cab",
        "corpus/packages/not-a-package.exe",
    ] {
        let bytes = std::fs::read(name).unwrap();
        let reports = std::cell::RefCell::new(Vec::new());
        let report = |n: u64| reports.borrow_mut().push(n);
        let inventory = package::inventory_reporting(Path::new(name), &bytes, 1 << 26, &report);
        let reports = reports.into_inner();
        assert_eq!(reports.iter().sum::<u64>(), bytes.len() as u64, "{name}");
        if inventory.package.status != "error" {
            assert!(reports.len() > 1, "{name}: {reports:?}");
        }
    }
}
