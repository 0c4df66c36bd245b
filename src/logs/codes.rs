//! Meanings of the codes an installer log carries: the installer's own return and extended codes
//! (docs/formats.md §2.1), Setup API codes (`0xe0000000 | n`) and the common Win32 codes seen in messages.

/// Process exit code for success.
pub const SUCCESS: u32 = 0;
/// ERROR_SUCCESS_REBOOT_REQUIRED (3010).
pub const REBOOT_REQUIRED: u32 = 0xbc2;
/// ERROR_INSTALL_FAILURE (1603), the code failures are masked to.
pub const INSTALL_FAILURE: u32 = 0x643;

/// The installer's extended codes live in this range.
const EXTENDED_RANGE: std::ops::RangeInclusive<u32> = 0xf000..=0xf2ff;

/// Windows Update reports an extended code as an HRESULT (`0x8007f0f4`); fold it back.
pub fn unwrap_hresult(code: u32) -> u32 {
    if code & 0xffff_0000 == 0x8007_0000 && EXTENDED_RANGE.contains(&(code & 0xffff)) {
        code & 0xffff
    } else {
        code
    }
}

/// What an `Update.exe extended error code` value means, in words.
pub fn extended_meaning(code: u32) -> Option<&'static str> {
    let code = unwrap_hresult(code);
    let known = match code {
        SUCCESS => "success",
        REBOOT_REQUIRED => "success, reboot required",
        INSTALL_FAILURE => "fatal error during installation",
        0xf00d => "setup cancelled (service pack; after a driver-verification problem)",
        0xf01e => "catalog files could not be installed (cryptographic service / catroot trouble)",
        0xf0da => "cannot install updates (meaning not published)",
        0xf0f1 => {
            "files in the package are incompatible with files on the system (branch / migration)"
        }
        0xf0f4 => "a prerequisite check of the package failed",
        0xf117 => "system check failed (product build type could not be read: wrong OS or SP)",
        0xf201 => "installation did not complete after the patch files were prepared",
        c if EXTENDED_RANGE.contains(&c) => "unknown installer extended code",
        c => return message_code_meaning(c),
    };
    Some(known)
}

/// Meanings of Setup API and Win32 codes that appear inside messages.
pub fn message_code_meaning(code: u32) -> Option<&'static str> {
    let meaning = match code {
        0x2 => "file not found",
        0x5 => "access denied",
        0x57 => "invalid parameter",
        0x490 => "element not found",
        0x8009_2004 => "cryptographic object not found",
        0xc000_0022 => "access denied (NTSTATUS)",
        0xe000_0000 => "Setup API: expected section name",
        0xe000_0001 => "Setup API: bad section name line",
        0xe000_0002 => "Setup API: section name too long",
        0xe000_0003 => "Setup API: general INF syntax error",
        0xe000_0100 => "Setup API: wrong INF style",
        0xe000_0101 => "Setup API: section not found",
        0xe000_0102 => "Setup API: line not found",
        0xe000_0103 => "Setup API: no backup",
        0xe000_020a => "Setup API: no associated INF",
        0xe000_022f => "Setup API: no catalog for OEM INF",
        0xe000_0236 => "Setup API: could not set a system restore point",
        0xe000_024b => "Setup API: file hash not in catalog",
        c if c & 0xffff_f000 == 0xe000_0000 => "Setup API error (see setupapi.h)",
        _ => return None,
    };
    Some(meaning)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extended_codes() {
        assert_eq!(
            extended_meaning(0xf117).unwrap(),
            "system check failed (product build type could not be read: wrong OS or SP)"
        );
        assert_eq!(extended_meaning(0x8007f0f4), extended_meaning(0xf0f4));
        assert_eq!(
            extended_meaning(0xf2aa).unwrap(),
            "unknown installer extended code"
        );
        assert_eq!(
            extended_meaning(0xe000_0102).unwrap(),
            "Setup API: line not found"
        );
        assert_eq!(extended_meaning(0x1234_5678), None);
        assert_eq!(unwrap_hresult(0x8007_0005), 0x8007_0005);
    }
}
