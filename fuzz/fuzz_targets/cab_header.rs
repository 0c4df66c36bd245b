//! The cabinet header parser (CFHEADER, CFFOLDER, CFFILE) on arbitrary bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kbaudit::cab::parse_cabinet(data, encoding_rs::WINDOWS_1252);
});
