//! PE headers, the resource walk and VS_VERSIONINFO, as `kbaudit versions` reads a file.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kbaudit::versions::analyze("fuzz.dll", data);
});
