//! `kbaudit versions` on the committed fixtures (snapshots), its CLI behaviour, and property
//! tests: arbitrary bytes never panic the PE or version-resource parsers.

mod common;

use common::kbaudit;

use kbaudit::pe::{parse_headers, resource, version};
use predicates::prelude::*;
use proptest::prelude::*;

#[test]
fn corpus_binaries_rows_are_pinned() {
    let out = kbaudit()
        .args(["versions", "-j", "1", "corpus/binaries"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "readme.txt is skipped quietly when walked"
    );
    insta::assert_snapshot!(
        "versions_corpus_binaries",
        String::from_utf8(out.stdout).unwrap()
    );
    let out = kbaudit()
        .args(["versions", "--profile", "sigcheck", "corpus/binaries"])
        .output()
        .unwrap();
    insta::assert_snapshot!(
        "versions_corpus_binaries_sigcheck",
        String::from_utf8(out.stdout).unwrap()
    );
}

#[test]
fn the_seed_rule_on_three_authz_builds() {
    let out = kbaudit()
        .args(["versions", "--format", "jsonl"])
        .args([
            "corpus/binaries/authz_sp1_rtm.dll",
            "corpus/binaries/authz_sp1_gdr.dll",
            "corpus/binaries/authz_sp1_qfe.dll",
        ])
        .output()
        .unwrap();
    let rows: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Rows come in path order, whatever the order of the arguments.
    let by_name = |name: &str| {
        rows.iter()
            .find(|r| r["path"].as_str().unwrap().ends_with(name))
            .unwrap()
    };
    let paths: Vec<&str> = rows.iter().map(|r| r["path"].as_str().unwrap()).collect();
    assert!(paths.is_sorted(), "{paths:?}");
    assert_eq!(by_name("authz_sp1_rtm.dll")["hotpatch_eligible"], true);
    assert_eq!(by_name("authz_sp1_gdr.dll")["hotpatch_eligible"], true);
    assert_eq!(by_name("authz_sp1_qfe.dll")["hotpatch_eligible"], false);
    assert_eq!(by_name("authz_sp1_qfe.dll")["branch_class"], "qfe");
    assert_eq!(
        by_name("authz_sp1_gdr.dll")["build_stamp"],
        "2005-06-17T12:33:00.000"
    );
}

#[test]
fn the_translation_chooses_the_language() {
    let out = kbaudit()
        .args([
            "versions",
            "--profile",
            "sigcheck",
            "corpus/binaries/ntdll_multilang.dll",
        ])
        .output()
        .unwrap();
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("NT レイヤー DLL")
    );
}

#[test]
fn a_named_file_that_is_not_pe_is_an_error_row() {
    kbaudit()
        .args([
            "versions",
            "corpus/binaries/readme.txt",
            "corpus/binaries/authz_sp1_gdr.dll",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "readme.txt,,,,,,,,,,,,,,,not_pe,not a PE image",
        ))
        .stdout(predicate::str::contains("srv03_sp1_gdr"))
        .stderr(predicate::str::contains("readme.txt: not a PE image"));
}

#[test]
fn an_exact_version_resource_round_trips() {
    let spec = common::VersionSpec::english(
        [5, 2, 3790, 2453],
        "5.2.3790.2453 (srv03_sp1_gdr.050617-1233)",
        "authz.dll",
    );
    let image = common::pe_with_versions(0x14c, &[(0x409, spec)]);
    let pe = parse_headers(&image).unwrap();
    let found = resource::version_resources(&image, &pe);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].language, 0x409);
    let info = version::parse_version_info(found[0].bytes).unwrap();
    assert_eq!(info.file_version, Some([5, 2, 3790, 2453]));
    assert_eq!(info.string("OriginalFilename"), Some("authz.dll"));
    assert_eq!(info.translations, [(0x409, 0x4b0)]);
    assert!(info.findings.is_empty(), "{:?}", info.findings);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic_pe_parsers(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let mut image = b"MZ".to_vec();
        image.extend_from_slice(&bytes);
        for input in [&bytes, &image] {
            if let Some(pe) = parse_headers(input) {
                for r in resource::version_resources(input, &pe) {
                    let _ = version::parse_version_info(r.bytes);
                }
            }
            let _ = version::parse_version_info(input);
            let _ = kbaudit::versions::analyze("x", input);
        }
    }

    #[test]
    fn damaged_fixtures_never_panic(flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..12)) {
        let spec = common::VersionSpec::english([5, 2, 3790, 1830], "5.2.3790.1830 (srv03_sp1_rtm.050324-1447)", "a.dll");
        let mut image = common::pe_with_versions(0x14c, &[(0x409, spec.clone()), (0x411, spec)]);
        for (at, value) in flips {
            let i = at.index(image.len());
            image[i] ^= value | 1;
        }
        let row = kbaudit::versions::analyze("x", &image);
        prop_assert!(!row.status.is_empty());
    }
}
