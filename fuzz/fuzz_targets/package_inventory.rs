//! The package inventory (container, certificate table, cabinets, update.inf, payload checks).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kbaudit::package::inventory(std::path::Path::new("WindowsServer2003-KB123456-x86-ENU.exe"), data, 16 << 20);
});
