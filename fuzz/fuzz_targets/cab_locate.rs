//! Finding cabinets in a file (start, PE overlay, MSCF scan) on arbitrary bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kbaudit::cab::locate::locate(data, encoding_rs::SHIFT_JIS);
});
