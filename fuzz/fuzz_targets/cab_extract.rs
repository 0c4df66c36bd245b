//! Folder decompression and extraction into a temporary directory: nothing may be written
//! outside it, and the byte budget holds.
#![no_main]
use libfuzzer_sys::fuzz_target;

const BUDGET: u64 = 8 << 20;

fuzz_target!(|data: &[u8]| {
    let Ok(cabinet) = kbaudit::cab::parse_cabinet(data, encoding_rs::WINDOWS_1252) else {
        return;
    };
    let outer = tempfile::tempdir().unwrap();
    let dir = outer.path().join("out");
    std::fs::create_dir(&dir).unwrap();
    let options = kbaudit::cab::extract::ExtractOptions {
        dir: dir.clone(),
        max_bytes: BUDGET,
        force: false,
        strict: false,
    };
    let _ = kbaudit::cab::extract::extract_cabinet(data, &cabinet, std::path::Path::new(""), &options, 0, &|_| {}, &|| {});
    // Only `out` may exist in the outer folder, and `out` holds at most the budget.
    let names: Vec<_> = std::fs::read_dir(outer.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["out"], "something was written outside the output directory");
    let written: u64 = walkdir::WalkDir::new(&dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
        .sum();
    assert!(written <= BUDGET, "{written} bytes written over a budget of {BUDGET}");
});
