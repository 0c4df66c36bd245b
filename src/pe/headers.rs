//! PE32 / PE32+ headers, read with nom and checked against the file's length: every offset a
//! header claims is a claim, not a fact.

use nom::{
    IResult, Parser,
    bytes::complete::{tag, take},
    number::complete::{le_u16, le_u32},
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub name: [u8; 8],
    pub virtual_size: u32,
    pub virtual_address: u32,
    pub raw_size: u32,
    pub raw_offset: u32,
}

impl Section {
    pub fn name_str(&self) -> String {
        let end = self.name.iter().position(|&b| b == 0).unwrap_or(8);
        String::from_utf8_lossy(&self.name[..end]).into_owned()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeHeaders {
    pub machine: u16,
    pub is_pe32_plus: bool,
    pub sections: Vec<Section>,
    /// Data directories (RVA, size); index 2 resources, 4 certificates (a file offset).
    pub directories: Vec<(u32, u32)>,
    /// End of the last section's raw data: where an overlay starts.
    pub end_of_sections: u64,
}

impl PeHeaders {
    /// The Authenticode certificate table as (file offset, size), when present.
    pub fn certificate_table(&self) -> Option<(u32, u32)> {
        self.directories
            .get(4)
            .copied()
            .filter(|&(at, size)| at != 0 && size != 0)
    }

    pub fn machine_name(&self) -> &'static str {
        match self.machine {
            0x14c => "x86",
            0x8664 => "x64",
            0x200 => "ia64",
            0x1c0 | 0x1c4 => "arm",
            0xaa64 => "arm64",
            _ => "unknown",
        }
    }

    /// Maps an RVA to a file offset through the section table.
    pub fn rva_to_offset(&self, rva: u32) -> Option<usize> {
        self.sections.iter().find_map(|s| {
            let size = s.virtual_size.max(s.raw_size);
            let inside = rva >= s.virtual_address && rva - s.virtual_address < size;
            let delta = rva.checked_sub(s.virtual_address)?;
            (inside && delta < s.raw_size).then(|| s.raw_offset as usize + delta as usize)
        })
    }
}

type Res<'a, T> = IResult<&'a [u8], T>;

fn section(i: &[u8]) -> Res<'_, Section> {
    let (i, (name, virtual_size, virtual_address, raw_size, raw_offset, _)) =
        (take(8usize), le_u32, le_u32, le_u32, le_u32, take(16usize)).parse(i)?;
    let mut fixed = [0u8; 8];
    fixed.copy_from_slice(name);
    Ok((
        i,
        Section {
            name: fixed,
            virtual_size,
            virtual_address,
            raw_size,
            raw_offset,
        },
    ))
}

/// Parses the DOS stub pointer, COFF header, optional header directories and section table.
/// Returns `None` for anything that is not a PE image.
pub fn parse_headers(file: &[u8]) -> Option<PeHeaders> {
    if file.len() < 0x40 || &file[..2] != b"MZ" {
        return None;
    }
    let e_lfanew = u32::from_le_bytes(file[0x3c..0x40].try_into().ok()?) as usize;
    let pe = file.get(e_lfanew..)?;
    let parsed: Res<'_, _> = (
        tag(&b"PE\0\0"[..]),
        le_u16,
        le_u16,
        take(12usize),
        le_u16,
        le_u16,
    )
        .parse(pe);
    let (after_coff, (_, machine, section_count, _, optional_len, _)) = parsed.ok()?;
    let optional = after_coff.get(..usize::from(optional_len))?;
    let magic = u16::from_le_bytes(optional.get(..2)?.try_into().ok()?);
    let (is_pe32_plus, dirs_at) = match magic {
        0x10b => (false, 96),
        0x20b => (true, 112),
        _ => return None,
    };
    let count_at = dirs_at - 4;
    let declared = optional
        .get(count_at..count_at + 4)
        .map(|b| u32::from_le_bytes(b.try_into().unwrap()));
    let dir_bytes = optional.get(dirs_at..).unwrap_or(&[]);
    let dir_count = (declared.unwrap_or(0) as usize)
        .min(16)
        .min(dir_bytes.len() / 8);
    let directories = (0..dir_count)
        .map(|d| {
            let b = &dir_bytes[d * 8..d * 8 + 8];
            (
                u32::from_le_bytes(b[..4].try_into().unwrap()),
                u32::from_le_bytes(b[4..].try_into().unwrap()),
            )
        })
        .collect();
    let mut table = after_coff.get(usize::from(optional_len)..)?;
    let mut sections = Vec::with_capacity(usize::from(section_count).min(96));
    for _ in 0..section_count.min(96) {
        let (rest, s) = section(table).ok()?;
        sections.push(s);
        table = rest;
    }
    let end_of_sections = sections
        .iter()
        .filter(|s| s.raw_size > 0)
        .map(|s| u64::from(s.raw_offset) + u64::from(s.raw_size))
        .max()
        .unwrap_or(0);
    Some(PeHeaders {
        machine,
        is_pe32_plus,
        sections,
        directories,
        end_of_sections,
    })
}
