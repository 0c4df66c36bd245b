//! Hotpatch images (`._hp` payloads, docs/formats.md §3.3): a 32-bit PE with a section named exactly
//! `.hotp1  ` holding the `HOT1` header. Every RVA and count must stay inside the image; a file
//! that fails any check is reported as invalid, never counted as a hotpatch.

use nom::{
    IResult, Parser,
    number::complete::{le_u32, le_u64},
};

use crate::pe::{PeHeaders, parse_headers};

const SECTION_NAME: &[u8; 8] = b".hotp1  ";
const HEADER_LEN: usize = 0x50;
const VALIDATION_LEN: u64 = 12;
const HOOK_LEN: u64 = 16;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HotpatchInfo {
    /// The module it patches (`ntdll.dll`).
    pub target: String,
    /// How the target is identified: 0 none, 1/2 header hashes, 3 PE checksum, 0x10 debug signature.
    pub module_id_method: u32,
    pub hooks: u32,
    pub validations: u32,
    pub fixups: u32,
}

impl HotpatchInfo {
    pub fn method_name(&self) -> &'static str {
        match self.module_id_method {
            0 => "none",
            1 | 2 => "header hash",
            3 => "PE checksum",
            0x10 => "debug signature",
            _ => "unknown",
        }
    }
}

struct Header {
    signature: u32,
    version: u32,
    fixup_count: u32,
    fixup_rva: u32,
    validation_count: u32,
    validation_rva: u32,
    hook_count: u32,
    hook_rva: u32,
    target_name_rva: u32,
    module_id_method: u32,
}

fn header(i: &[u8]) -> IResult<&[u8], Header> {
    let (i, (signature, version, fixup_count, fixup_rva, validation_count, validation_rva)) =
        (le_u32, le_u32, le_u32, le_u32, le_u32, le_u32).parse(i)?;
    let (i, (hook_count, hook_rva, _, _, target_name_rva, module_id_method)) =
        (le_u32, le_u32, le_u64, le_u64, le_u32, le_u32).parse(i)?;
    let header = Header {
        signature,
        version,
        fixup_count,
        fixup_rva,
        validation_count,
        validation_rva,
        hook_count,
        hook_rva,
        target_name_rva,
        module_id_method,
    };
    Ok((i, header))
}

/// The end of the image in memory (highest section end).
fn image_extent(pe: &PeHeaders) -> u64 {
    pe.sections
        .iter()
        .map(|s| u64::from(s.virtual_address) + u64::from(s.virtual_size.max(s.raw_size)))
        .max()
        .unwrap_or(0)
}

/// Validates a hotpatch image. `Err` says what is wrong.
pub fn validate(bytes: &[u8]) -> Result<HotpatchInfo, String> {
    let pe = parse_headers(bytes).ok_or("not a PE image")?;
    if pe.is_pe32_plus || pe.machine != 0x14c {
        return Err(format!("not a 32-bit x86 PE ({})", pe.machine_name()));
    }
    let section = pe
        .sections
        .iter()
        .find(|s| &s.name == SECTION_NAME)
        .ok_or("no section named \".hotp1  \"")?;
    let start = section.raw_offset as usize;
    let data = bytes
        .get(
            start
                ..start
                    .saturating_add(section.raw_size as usize)
                    .min(bytes.len()),
        )
        .filter(|d| d.len() >= HEADER_LEN)
        .ok_or("the .hotp1 section holds fewer than 80 bytes")?;
    let (_, h) = header(data).map_err(|_| "HOT1 header cut off")?;
    if h.signature != u32::from_le_bytes(*b"HOT1") {
        return Err("no HOT1 signature".into());
    }
    if h.version != 0x0001_0000 {
        return Err(format!(
            "HOT1 version 0x{:08x} (expected 0x00010000)",
            h.version
        ));
    }
    if h.hook_count == 0 {
        return Err("no hooks".into());
    }
    let extent = image_extent(&pe);
    let inside = |what: &str, rva: u32, count: u32, entry: u64| -> Result<(), String> {
        let end = u64::from(rva) + u64::from(count) * entry;
        if count > 0 && (rva == 0 || end > extent) {
            return Err(format!(
                "{what} ({count} × {entry} bytes at RVA 0x{rva:x}) leave the image (0x{extent:x} bytes)"
            ));
        }
        Ok(())
    };
    inside(
        "validations",
        h.validation_rva,
        h.validation_count,
        VALIDATION_LEN,
    )?;
    inside("hooks", h.hook_rva, h.hook_count, HOOK_LEN)?;
    inside("fixup region", h.fixup_rva, h.fixup_count.min(1), 1)?;
    // Each hook's new-code RVA (and validation RVA, when set) is inside this image.
    let hooks_at = pe
        .rva_to_offset(h.hook_rva)
        .ok_or("hook array is not backed by file data")?;
    for n in 0..h.hook_count.min(65_536) as usize {
        let at = hooks_at.saturating_add(n * HOOK_LEN as usize);
        let entry = bytes
            .get(at..at.saturating_add(HOOK_LEN as usize))
            .ok_or(format!("hook {n} cut off"))?;
        let word = |o: usize| u32::from_le_bytes(entry[o..o + 4].try_into().unwrap());
        let (new_code, validation) = (word(8), word(12));
        if new_code == 0 || u64::from(new_code) >= extent {
            return Err(format!(
                "hook {n}: new code RVA 0x{new_code:x} is outside the image"
            ));
        }
        if validation != 0 && u64::from(validation) >= extent {
            return Err(format!(
                "hook {n}: validation RVA 0x{validation:x} is outside the image"
            ));
        }
    }
    let name_at = pe
        .rva_to_offset(h.target_name_rva)
        .ok_or("target module name RVA is outside the image")?;
    // The section may claim more raw bytes than the file has: the offset can lie past its end.
    let name_bytes = bytes
        .get(name_at..bytes.len().min(name_at.saturating_add(260)))
        .ok_or("target module name lies past the end of the file")?;
    let end = memchr::memchr(0, name_bytes).ok_or("target module name is not terminated")?;
    let target = &name_bytes[..end];
    if target.is_empty() || !target.iter().all(|b| b.is_ascii_graphic()) {
        return Err("target module name is empty or not printable".into());
    }
    if !matches!(h.module_id_method, 0 | 1 | 2 | 3 | 0x10) {
        return Err(format!(
            "unknown module id method 0x{:x}",
            h.module_id_method
        ));
    }
    Ok(HotpatchInfo {
        target: String::from_utf8_lossy(target).into_owned(),
        module_id_method: h.module_id_method,
        hooks: h.hook_count,
        validations: h.validation_count,
        fixups: h.fixup_count,
    })
}

/// Hotpatch payloads are named `*._hp` (Microsoft's texts also write `.hp`).
pub fn has_hotpatch_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with("._hp") || lower.ends_with(".hp")
}
