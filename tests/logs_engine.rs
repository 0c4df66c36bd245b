//! The fast reading of logs against the careful, line-by-line one it must agree with: on a
//! generated share of a few hundred hosts (clean files, varied line families, accented text,
//! web-damaged files), and on arbitrary mixes of log lines.

mod common;

use std::path::Path;

use common::share::{Profile, write_share};
use kbaudit::logs::{self, LogOptions, decode, fast, run};
use proptest::prelude::*;

#[test]
fn fast_rows_equal_the_careful_reference_on_a_generated_share() {
    let dir = tempfile::tempdir().unwrap();
    let (files, _) = write_share(dir.path(), 300, 11, Profile::Mixed);
    assert!(files > 500, "{files} files");
    let fast_options = LogOptions::default();
    let careful = LogOptions {
        careful_only: true,
        ..LogOptions::default()
    };
    let (mut read_fast, mut fell_back, mut rows) = (0, 0, 0);
    for entry in walkdir::WalkDir::new(dir.path()).sort_by_file_name() {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        let bytes = std::fs::read(entry.path()).unwrap();
        let got = logs::analyze_bytes(entry.path(), &bytes, &fast_options).run_rows(None);
        let want = logs::analyze_bytes(entry.path(), &bytes, &careful).run_rows(None);
        assert_eq!(got, want, "{}", entry.path().display());
        rows += got.len();
        match fast::split_runs(&decode::decode(&bytes, None).text) {
            Some(_) => read_fast += 1,
            None => fell_back += 1,
        }
    }
    // Both readings were exercised: most files the fast way, the damaged ones the careful way.
    assert!(
        read_fast > fell_back * 4,
        "{read_fast} fast, {fell_back} careful"
    );
    assert!(fell_back > 10, "{fell_back} damaged files fell back");
    assert!(rows > files as usize, "{rows} rows");
}

/// A line of a log: the families that decide outcomes, probes, and lines of no family.
fn message() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("=".repeat(62)),
        Just("2005/06/17 12:33:45.123 (local)".to_string()),
        Just(r"c:\3f2e\update\update.exe (version 6.1.22.4)".to_string()),
        Just("Hotfix started with following command line: /quiet /norestart".to_string()),
        Just("In Function TestVolatileFlag, line 11600, RegOpenKeyExW failed".to_string()),
        Just("In Function x: You must restart your computer".to_string()),
        Just("GetCatVersion: Failed".to_string()),
        Just("LoadFileQueues: x".to_string()),
        Just("AnalyzePhase: 1".to_string()),
        Just("Starting AnalyzeComponents".to_string()),
        Just("AnalyzeComponents: Hotpatch analysis disabled; skipping.".to_string()),
        Just("AnalyzeForBranching: QFE".to_string()),
        Just("CheckSystem: product type 3".to_string()),
        Just("DoInstallation: CheckSystem Failed: 0xf117".to_string()),
        Just("Copied file:  C:\\WINDOWS\\system32\\ntdll.dll".to_string()),
        Just("---- Old Information In The Registry ------".to_string()),
        Just("---- New Information In The Registry ------".to_string()),
        Just("Source:C:\\WINDOWS\\system32\\SET3B.tmp (5.2.3790.2453)".to_string()),
        Just("Destination:C:\\WINDOWS\\system32\\ntdll.dll (5.2.3790.1830)".to_string()),
        Just("Message displayed to the user: 再起動してください".to_string()),
        Just("User Input: OK".to_string()),
        Just("Registering Uninstall Program for -> KB1, KB1 , 0x0".to_string()),
        Just("System Restore Point set.".to_string()),
        Just("Package KB890000, File c:\\w\\a.dll, Version 5.2.3790.10, Branch QFE".to_string()),
        Just("Installation was canceled because migration is blocked".to_string()),
        Just("KB123456 installation did not complete.".to_string()),
        Just("KB123456 Setup encountered an error: disk full".to_string()),
        Just("Service Pack 1 Setup canceled.".to_string()),
        Just("Update.exe extended error code = 0xf117".to_string()),
        Just("Update.exe return code was masked to 0x643 for MSI".to_string()),
        Just("Hotpatching enabled for KB234567".to_string()),
        Just("A reboot is required".to_string()),
        Just("Détails: élément".to_string()),
        Just("Queued: KB234567 for later".to_string()),
        Just("  spaced".to_string()),
        Just(String::new()),
        "[ -~]{0,20}",
        "\\PC{0,6}",
    ]
}

/// One physical line: usually a prefixed message, sometimes a name line, an unprefixed or
/// indented one, or a glued pair.
fn physical_line() -> impl Strategy<Value = String> {
    let elapsed = (0u32..3000).prop_map(|ms| format!("{}.{:03}: ", ms / 1000, ms % 1000));
    prop_oneof![
        60 => (elapsed.clone(), message()).prop_map(|(e, m)| format!("{e}{m}")),
        2 => Just("[KB123456.log]".to_string()),
        1 => message(),
        1 => (elapsed.clone(), message(), elapsed, message())
            .prop_map(|(e, m, f, n)| format!("{e}{m} {f}{n}")),
        1 => Just("   ".to_string()),
    ]
}

fn log_text() -> impl Strategy<Value = String> {
    let ending = prop_oneof![6 => Just("\r\n"), 2 => Just("\n"), 1 => Just("\r")];
    prop::collection::vec((physical_line(), ending), 0..40)
        .prop_map(|lines| lines.into_iter().map(|(l, e)| l + e).collect())
}

/// The generated texts reach both readings often, or the properties below would prove little.
#[test]
fn generated_texts_reach_both_readings() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = log_text();
    let taken = (0..1000)
        .filter(|_| {
            let text = strategy.new_tree(&mut runner).unwrap().current();
            fast::split_runs(&text).is_some()
        })
        .count();
    assert!(
        (200..=800).contains(&taken),
        "{taken} of 1000 read the fast way"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Whenever the fast reading takes a file, its runs are exactly the careful reading's.
    #[test]
    fn fast_reading_agrees_or_gives_up(text in log_text()) {
        if let Some(runs) = fast::split_runs(&text) {
            let careful = run::split_runs(&text, false, &mut run::FileNotes::default());
            prop_assert_eq!(runs, careful);
        }
    }

    /// Whole files: the rows never depend on which reading was taken.
    #[test]
    fn rows_never_depend_on_the_reading(text in log_text()) {
        let path = Path::new("HOST/KB123456.log");
        let careful = LogOptions { careful_only: true, ..LogOptions::default() };
        prop_assert_eq!(
            logs::analyze_bytes(path, text.as_bytes(), &LogOptions::default()).run_rows(None),
            logs::analyze_bytes(path, text.as_bytes(), &careful).run_rows(None)
        );
    }
}
