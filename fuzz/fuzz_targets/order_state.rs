//! `order` and `state` over the runs of arbitrary logs: the input is split on NUL into up to
//! eight log files of one host, so runs of several updates interleave.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = kbaudit::logs::LogOptions::default();
    let mut history = kbaudit::order::HostHistory::default();
    let mut rows = Vec::new();
    let mut second = kbaudit::order::HostHistory::default();
    for (i, part) in data.split(|&b| b == 0).take(8).enumerate() {
        let path = format!("HOST/KB{}.log", 900000 + i);
        let file = kbaudit::logs::analyze_bytes(std::path::Path::new(&path), part, &options);
        history.add(&file);
        second.add(&file);
        rows.extend(file.run_rows(None));
    }
    let _ = history.rows("HOST");
    let evidence = kbaudit::state::HostEvidence {
        rows,
        log_files: 8,
        ..Default::default()
    };
    let _ = kbaudit::state::host_states("HOST", &evidence, &[900000, 900001]);
    let _ = second.uninstall_findings();
});
