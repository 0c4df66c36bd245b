//! The HOT1 hotpatch validator on arbitrary images.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kbaudit::package::hotpatch::validate(data);
});
