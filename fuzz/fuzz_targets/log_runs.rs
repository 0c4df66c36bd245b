//! Log decoding, record assembly, run splitting, verdicts and both tables; and the fast reading
//! against the careful one: whatever the bytes, their rows must be the same.
#![no_main]
use kbaudit::logs::{LogOptions, analyze_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = std::path::Path::new("HOST/KB123456.log");
    let options = LogOptions { events: true, ..Default::default() };
    let file = analyze_bytes(path, data, &options);
    let _ = file.event_rows();
    let careful = LogOptions { careful_only: true, ..Default::default() };
    let fast = analyze_bytes(path, data, &LogOptions::default()).run_rows(None);
    assert_eq!(fast, analyze_bytes(path, data, &careful).run_rows(None));
    assert_eq!(fast, file.run_rows(None), "keeping events changes no run row");
});
