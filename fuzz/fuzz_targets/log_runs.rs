//! Log decoding, record assembly, run splitting, verdicts and both tables.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = kbaudit::logs::LogOptions { events: true, ..Default::default() };
    let file = kbaudit::logs::analyze_bytes(std::path::Path::new("HOST/KB123456.log"), data, &options);
    let _ = file.run_rows(None);
    let _ = file.event_rows();
});
