//! The resource directory: finds every language's RT_VERSION data. Every offset and count is
//! checked against the resource section; loops and oversized tables cannot run away.

use nom::{
    IResult, Parser,
    number::complete::{le_u16, le_u32},
};

use super::PeHeaders;

const RT_VERSION: u32 = 16;
const MAX_ENTRIES: usize = 4096;
/// Entries read in all, over every directory: a hostile tree that fans out cannot make the walk
/// cost more than this, whatever it claims.
const ENTRY_BUDGET: usize = 65_536;
/// Version resources kept (one per language; real files have one or two).
const MAX_VERSIONS: usize = 256;

/// One version resource: its language id and its bytes (clamped to the file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionData<'a> {
    pub language: u32,
    pub bytes: &'a [u8],
}

type Res<'a, T> = IResult<&'a [u8], T>;

/// Walks directories at most once each, within [`ENTRY_BUDGET`] entries in all.
struct Walk {
    visited: std::collections::HashSet<usize>,
    budget: usize,
}

impl Walk {
    /// The entries of the directory at `at`, or none if it was already walked (a loop, or a
    /// second reference to the same table) or the budget is spent.
    fn entries(&mut self, section: &[u8], at: usize) -> Vec<(u32, u32)> {
        if self.budget == 0 || !self.visited.insert(at) {
            return Vec::new();
        }
        let mut out = entries(section, at);
        out.truncate(self.budget);
        self.budget -= out.len();
        out
    }
}

/// (name or id, offset to data or subdirectory) of each entry of the directory at `at`.
fn entries(section: &[u8], at: usize) -> Vec<(u32, u32)> {
    let Some(dir) = section.get(at..) else {
        return Vec::new();
    };
    let header: Res<'_, (u32, u32, u16, u16, u16, u16)> =
        (le_u32, le_u32, le_u16, le_u16, le_u16, le_u16).parse(dir);
    let Ok((mut rest, (_, _, _, _, named, ids))) = header else {
        return Vec::new();
    };
    let count = (usize::from(named) + usize::from(ids)).min(MAX_ENTRIES);
    let mut out = Vec::with_capacity(count.min(64));
    for _ in 0..count {
        let entry: Res<'_, (u32, u32)> = (le_u32, le_u32).parse(rest);
        let Ok((r, e)) = entry else { break };
        out.push(e);
        rest = r;
    }
    out
}

fn subdirectory(offset: u32) -> Option<usize> {
    (offset & 0x8000_0000 != 0).then_some((offset & 0x7fff_ffff) as usize)
}

/// Every RT_VERSION resource of the image, one per language, in directory order.
pub fn version_resources<'a>(file: &'a [u8], pe: &PeHeaders) -> Vec<VersionData<'a>> {
    let Some(&(rva, size)) = pe.directories.get(2).filter(|(rva, _)| *rva != 0) else {
        return Vec::new();
    };
    let Some(start) = pe.rva_to_offset(rva) else {
        return Vec::new();
    };
    let end = start.saturating_add(size as usize).min(file.len());
    let Some(section) = file.get(start..end.max(start)) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let mut walk = Walk {
        visited: Default::default(),
        budget: ENTRY_BUDGET,
    };
    for (type_id, type_offset) in walk.entries(section, 0) {
        if type_id != RT_VERSION {
            continue;
        }
        let Some(names) = subdirectory(type_offset) else {
            continue;
        };
        for (_, name_offset) in walk.entries(section, names) {
            let Some(languages) = subdirectory(name_offset) else {
                continue;
            };
            for (language, data_offset) in walk.entries(section, languages) {
                if subdirectory(data_offset).is_some() {
                    continue; // a fourth level does not exist: a hostile or broken table
                }
                let entry: Option<Res<'_, (u32, u32)>> = section
                    .get(data_offset as usize..)
                    .map(|d| (le_u32, le_u32).parse(d));
                let Some(Ok((_, (data_rva, data_size)))) = entry else {
                    continue;
                };
                let Some(at) = pe.rva_to_offset(data_rva) else {
                    continue;
                };
                let end = at.saturating_add(data_size as usize).min(file.len());
                if let Some(bytes) = file.get(at..end)
                    && found.len() < MAX_VERSIONS
                {
                    found.push(VersionData { language, bytes });
                }
            }
        }
    }
    found
}
