//! Property tests: arbitrary input never panics the decoder, the line grammar or the run
//! splitter, and what they return stays consistent with the input.

use std::path::Path;

use kbaudit::logs::{self, LogOptions, decode, line, run};
use proptest::prelude::*;

/// Text made of log-like pieces, so the splitter's interesting paths are reached often.
fn log_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("0.172: ".to_string()),
        Just("1,297: ".to_string()),
        Just("=".repeat(62)),
        Just("[KB123456.log]".to_string()),
        Just("2005/06/17 12:33:45.123 (local)".to_string()),
        Just("Update.exe extended error code = 0xf0f4".to_string()),
        Just("return code was masked to 0x643".to_string()),
        Just("Copied file:  C:\\x.dll".to_string()),
        Just("---- New Information In The Registry ------".to_string()),
        Just("Destination:C:\\y.dll (1.2)".to_string()),
        Just("Hotpatch".to_string()),
        Just("\r\n".to_string()),
        Just("\n".to_string()),
        Just("\r".to_string()),
        Just(" ".to_string()),
        "[ -~]{0,12}",
        "\\PC{0,4}",
    ];
    prop::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn decoder_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let decoded = decode::decode(&bytes, None);
        prop_assert!(!decoded.encoding.is_empty());
        let forced = decode::decode(&bytes, Some(encoding_rs::SHIFT_JIS));
        prop_assert!(!forced.encoding.is_empty());
    }

    #[test]
    fn line_grammar_never_panics(text in "\\PC{0,80}") {
        let _ = line::classify(&text);
        let _ = line::date_line(&text);
        let _ = line::find_kb(&text);
        let _ = line::first_hex(&text);
        if let Some((_, rest)) = line::elapsed_prefix(&text) {
            prop_assert!(text.ends_with(rest));
        }
        for start in line::glued_record_starts(&text) {
            prop_assert!(line::elapsed_prefix(&text[start..]).is_some());
        }
    }

    #[test]
    fn splitter_covers_lines_in_order(text in log_like()) {
        let runs = run::split_runs(&text, true, &mut run::FileNotes::default());
        let mut last_line = 0;
        for r in &runs {
            // Glued records can put the end of one run and the start of the next on one line.
            prop_assert!(r.first_line >= last_line, "runs are in file order");
            prop_assert!(r.last_line >= r.first_line);
            last_line = r.last_line;
            let _ = r.verdict();
        }
    }

    #[test]
    fn whole_file_analysis_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..4096), log in log_like()) {
        let options = LogOptions { events: true, ..LogOptions::default() };
        for input in [bytes.as_slice(), log.as_bytes()] {
            let file = logs::analyze_bytes(Path::new("H/KB123456.log"), input, &options);
            let rows = file.run_rows(None);
            prop_assert!(!rows.is_empty(), "every file yields at least one row");
            let _ = file.event_rows();
        }
    }
}
