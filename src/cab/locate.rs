//! Finding cabinets inside a file (docs/formats.md §3.2): a `.cab` at offset 0, the overlay of a
//! self-extracting PE, then a scan for `MSCF` the way cabextract does it.

use encoding_rs::Encoding;

use super::{CabError, Cabinet, parse_cabinet};
use crate::pe::{PeHeaders, parse_headers};

/// Bytes a cabinet may claim past the end of the file before the scan rejects it.
const LENGTH_SLACK: u64 = 32;

/// How a cabinet was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    FileStart,
    PeOverlay,
    Scan,
}

impl Via {
    pub fn label(self) -> &'static str {
        match self {
            Via::FileStart => "file start",
            Via::PeOverlay => "PE overlay",
            Via::Scan => "scan",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Located {
    pub offset: usize,
    pub via: Via,
    pub cabinet: Cabinet,
}

impl Located {
    /// The cabinet's bytes, from its first byte to the end of the file.
    pub fn bytes<'a>(&self, file: &'a [u8]) -> &'a [u8] {
        &file[self.offset..]
    }

    /// Where the cabinet ends according to its header (clamped to the file).
    pub fn end(&self, file_len: usize) -> usize {
        (self.offset as u64 + u64::from(self.cabinet.declared_len)).min(file_len as u64) as usize
    }
}

#[derive(Debug, Clone, Default)]
pub struct Search {
    pub cabinets: Vec<Located>,
    pub pe: Option<PeHeaders>,
    /// Why an `MSCF` at the file start or overlay could not be read (the scan's rejects are
    /// not kept: stray `MSCF` bytes are normal inside an extractor stub).
    pub errors: Vec<(usize, CabError)>,
}

/// Finds every cabinet in `file`.
pub fn locate(file: &[u8], names: &'static Encoding) -> Search {
    let mut search = Search {
        pe: parse_headers(file),
        ..Search::default()
    };
    let direct = |offset: usize, via: Via, search: &mut Search| {
        if file.get(offset..offset + 4) != Some(b"MSCF") {
            return;
        }
        match parse_cabinet(&file[offset..], names) {
            Ok(cabinet) => search.cabinets.push(Located {
                offset,
                via,
                cabinet,
            }),
            Err(e) => search.errors.push((offset, e)),
        }
    };
    direct(0, Via::FileStart, &mut search);
    if let Some(overlay) = search.pe.as_ref().map(|pe| pe.end_of_sections as usize) {
        direct(overlay, Via::PeOverlay, &mut search);
    }
    scan(file, names, &mut search);
    search.cabinets.sort_by_key(|c| c.offset);
    search
}

/// Table bytes (folders and files, as declared) that rejected scan candidates may cost in all: a
/// file of back-to-back fake headers cannot make the scan quadratic.
const SCAN_BUDGET: u64 = 256 << 20;

fn scan(file: &[u8], names: &'static Encoding, search: &mut Search) {
    let mut spent = 0u64;
    let claimed: Vec<(usize, usize)> = search
        .cabinets
        .iter()
        .map(|c| (c.offset, c.end(file.len()).max(c.offset + 4)))
        .collect();
    let mut from = 0;
    while let Some(found) = memchr::memmem::find(&file[from..], b"MSCF") {
        let offset = from + found;
        if let Some(&(_, end)) = claimed
            .iter()
            .find(|(start, end)| (*start..*end).contains(&offset))
        {
            from = end;
            continue;
        }
        let Some(cost) = plausible(file, offset) else {
            from = offset + 4;
            continue;
        };
        spent += cost;
        if spent > SCAN_BUDGET {
            search.errors.push((
                offset,
                CabError::Limit(format!(
                    "scan for cabinets stopped at offset {offset}: too many cabinet-like headers rejected"
                )),
            ));
            return;
        }
        match parse_cabinet(&file[offset..], names) {
            Ok(cabinet) => {
                let located = Located {
                    offset,
                    via: Via::Scan,
                    cabinet,
                };
                from = located.end(file.len()).max(offset + 4);
                search.cabinets.push(located);
            }
            _ => from = offset + 4,
        }
    }
}

/// cabextract's sanity check: `coffFiles < cbCabinet`, both within the file (plus slack); and
/// the declared folder and file tables fit in the declared length. Returns what parsing the
/// candidate may cost (its tables' bytes), or `None` for an implausible one.
fn plausible(file: &[u8], offset: usize) -> Option<u64> {
    let word = |at: usize| {
        file.get(offset + at..offset + at + 4)
            .map(|b| u32::from_le_bytes(b.try_into().unwrap()))
    };
    let half = |at: usize| {
        file.get(offset + at..offset + at + 2)
            .map(|b| u64::from(u16::from_le_bytes(b.try_into().unwrap())))
    };
    let (length, coff_files) = (u64::from(word(8)?), u64::from(word(16)?));
    let (folders, files) = (half(26)?, half(28)?);
    let room = (file.len() - offset) as u64 + LENGTH_SLACK;
    let tables = 36 + folders * 8 + files * 16;
    (coff_files < length && length <= room && coff_files <= room && tables <= length)
        .then_some(tables)
}
