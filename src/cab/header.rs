//! CFHEADER / CFFOLDER / CFFILE parsing (docs/formats.md §3.1). All integers are little-endian.
//!
//! Like libmspack, the file table is read right after the folder table; a `coffFiles` that points
//! elsewhere is reported as an anomaly with what it points at (files hidden from one reader and
//! shown by another).

use encoding_rs::Encoding;
use jiff::civil::DateTime;
use nom::{
    IResult, Parser,
    bytes::complete::{tag, take},
    number::complete::{le_u8, le_u16, le_u32},
};

use super::CabError;

const FLAG_PREV: u16 = 0x1;
const FLAG_NEXT: u16 = 0x2;
const FLAG_RESERVE: u16 = 0x4;
/// A file whose data comes from the previous cabinet, goes on in the next one, or both.
pub const CONTINUED_FROM_PREV: u16 = 0xfffd;
pub const CONTINUED_TO_NEXT: u16 = 0xfffe;
pub const CONTINUED_BOTH: u16 = 0xffff;
/// Known CFFILE attribute bits (read-only, hidden, system, archive, exec, UTF-8 name).
const KNOWN_ATTRIBS: u16 = 0x01 | 0x02 | 0x04 | 0x20 | 0x40 | 0x80;
pub const ATTR_NAME_IS_UTF8: u16 = 0x80;

/// Compression method of a folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    None,
    MsZip,
    Quantum { level: u8, window_bits: u8 },
    Lzx { window_bits: u8 },
    Unknown(u16),
}

impl Method {
    fn from_type(type_compress: u16) -> Self {
        let bits = ((type_compress >> 8) & 0x1f) as u8;
        match type_compress & 0xf {
            0 => Method::None,
            1 => Method::MsZip,
            2 => Method::Quantum {
                level: ((type_compress >> 4) & 0xf) as u8,
                window_bits: bits,
            },
            3 => Method::Lzx { window_bits: bits },
            _ => Method::Unknown(type_compress),
        }
    }

    pub fn label(&self) -> String {
        match self {
            Method::None => "none".into(),
            Method::MsZip => "MSZIP".into(),
            Method::Quantum { window_bits, .. } => format!("Quantum:{window_bits}"),
            Method::Lzx { window_bits } => format!("LZX:{window_bits}"),
            Method::Unknown(t) => format!("unknown(0x{t:04x})"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folder {
    /// Offset of the first CFDATA block, from the cabinet's start.
    pub data_offset: u32,
    pub block_count: u16,
    pub method: Method,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CabFile {
    pub size: u32,
    pub folder_offset: u32,
    pub folder: u16,
    pub date: u16,
    pub time: u16,
    pub attribs: u16,
    /// The name as stored; decoded into `name` per attribute 0x80 or the chosen code page.
    pub raw_name: Vec<u8>,
    pub name: String,
}

impl CabFile {
    /// The DOS date and time, if they form a valid date.
    pub fn modified(&self) -> Option<DateTime> {
        let (d, t) = (self.date, self.time);
        DateTime::new(
            1980 + (d >> 9) as i16,
            ((d >> 5) & 0xf) as i8,
            (d & 0x1f) as i8,
            (t >> 11) as i8,
            ((t >> 5) & 0x3f) as i8,
            ((t & 0x1f) * 2) as i8,
            0,
        )
        .ok()
    }

    pub fn is_continued(&self) -> bool {
        self.folder >= CONTINUED_FROM_PREV
    }
}

/// Previous or next member of a cabinet set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetLink {
    pub cabinet: String,
    pub disk: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cabinet {
    /// Size the header claims (`cbCabinet`).
    pub declared_len: u32,
    pub version: (u8, u8),
    pub flags: u16,
    pub set_id: u16,
    pub set_index: u16,
    pub data_reserve: u8,
    pub prev: Option<SetLink>,
    pub next: Option<SetLink>,
    pub folders: Vec<Folder>,
    pub files: Vec<CabFile>,
    /// Anomalies that do not stop reading (docs/formats.md §3.1); `--strict` turns them into errors.
    pub findings: Vec<String>,
}

type Res<'a, T> = IResult<&'a [u8], T>;

struct FixedHeader {
    declared_len: u32,
    coff_files: u32,
    minor: u8,
    major: u8,
    folder_count: u16,
    file_count: u16,
    flags: u16,
    set_id: u16,
    set_index: u16,
}

fn fixed_header(i: &[u8]) -> Res<'_, FixedHeader> {
    let (i, (_, _, declared_len, _, coff_files, _, minor, major)) = (
        tag(&b"MSCF"[..]),
        le_u32,
        le_u32,
        le_u32,
        le_u32,
        le_u32,
        le_u8,
        le_u8,
    )
        .parse(i)?;
    let (i, (folder_count, file_count, flags, set_id, set_index)) =
        (le_u16, le_u16, le_u16, le_u16, le_u16).parse(i)?;
    Ok((
        i,
        FixedHeader {
            declared_len,
            coff_files,
            minor,
            major,
            folder_count,
            file_count,
            flags,
            set_id,
            set_index,
        },
    ))
}

/// A NUL-terminated string of at most 255 bytes (plus the NUL).
fn cstring(i: &[u8]) -> Res<'_, &[u8]> {
    let window = &i[..i.len().min(256)];
    match memchr::memchr(0, window) {
        Some(end) => Ok((&i[end + 1..], &i[..end])),
        None => Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::TakeUntil,
        ))),
    }
}

fn truncated(what: &str) -> impl FnOnce(nom::Err<nom::error::Error<&[u8]>>) -> CabError + '_ {
    move |_| CabError::Truncated(format!("{what} cut off"))
}

/// Parses the cabinet that starts at `cab[0]`. `cab` may run past the cabinet's end.
/// `names` decodes file names without the UTF-8 attribute.
pub fn parse_cabinet(cab: &[u8], names: &'static Encoding) -> Result<Cabinet, CabError> {
    if cab.len() < 4 || &cab[..4] != b"MSCF" {
        return Err(CabError::Signature);
    }
    let (mut rest, h) = fixed_header(cab).map_err(truncated("CFHEADER"))?;
    let mut findings = Vec::new();
    if (h.major, h.minor) != (1, 3) {
        findings.push(format!(
            "cabinet format version {}.{} (expected 1.3)",
            h.major, h.minor
        ));
    }
    if h.folder_count == 0 {
        return Err(CabError::Invalid("header declares no folders".into()));
    }
    if h.file_count == 0 {
        return Err(CabError::Invalid("header declares no files".into()));
    }
    let (mut folder_reserve, mut data_reserve) = (0usize, 0u8);
    if h.flags & FLAG_RESERVE != 0 {
        let (r, (header_reserve, f, d)) = (le_u16, le_u8, le_u8)
            .parse(rest)
            .map_err(truncated("reserve sizes"))?;
        if header_reserve > 60_000 {
            return Err(CabError::Invalid(format!(
                "header reserve of {header_reserve} bytes (max 60000)"
            )));
        }
        let (r, _) = take(header_reserve)
            .parse(r)
            .map_err(truncated("header reserve"))?;
        (rest, folder_reserve, data_reserve) = (r, usize::from(f), d);
    }
    let link = |what: &str, rest: &mut &[u8]| -> Result<SetLink, CabError> {
        let (r, cabinet) = cstring(rest).map_err(truncated(what))?;
        let (r, disk) = cstring(r).map_err(truncated(what))?;
        *rest = r;
        Ok(SetLink {
            cabinet: decode_name(cabinet, names),
            disk: decode_name(disk, names),
        })
    };
    let prev = (h.flags & FLAG_PREV != 0)
        .then(|| link("previous cabinet name", &mut rest))
        .transpose()?;
    let next = (h.flags & FLAG_NEXT != 0)
        .then(|| link("next cabinet name", &mut rest))
        .transpose()?;

    let mut folders = Vec::with_capacity(usize::from(h.folder_count));
    for index in 0..h.folder_count {
        let parsed: Res<'_, (u32, u16, u16, &[u8])> =
            (le_u32, le_u16, le_u16, take(folder_reserve)).parse(rest);
        let (r, (data_offset, block_count, type_compress, _)) =
            parsed.map_err(|_| CabError::Truncated(format!("CFFOLDER {index} cut off")))?;
        rest = r;
        folders.push(Folder {
            data_offset,
            block_count,
            method: Method::from_type(type_compress),
        });
    }
    let table_at = cab.len() - rest.len();
    let files = file_table(rest, h.file_count, h.folder_count, names)?;
    if h.coff_files as usize != table_at {
        findings.push(hidden_table_finding(cab, &h, table_at, &files, names));
    }
    for file in &files {
        if file.attribs & !KNOWN_ATTRIBS != 0 {
            findings.push(format!(
                "{}: unknown attribute bits 0x{:04x}",
                file.name, file.attribs
            ));
        }
    }
    if (cab.len() as u64) < u64::from(h.declared_len) {
        findings.push(format!(
            "cabinet declares {} bytes but only {} are present (truncated?)",
            h.declared_len,
            cab.len()
        ));
    }
    Ok(Cabinet {
        declared_len: h.declared_len,
        version: (h.major, h.minor),
        flags: h.flags,
        set_id: h.set_id,
        set_index: h.set_index,
        data_reserve,
        prev,
        next,
        folders,
        files,
        findings,
    })
}

fn file_table(
    mut rest: &[u8],
    count: u16,
    folder_count: u16,
    names: &'static Encoding,
) -> Result<Vec<CabFile>, CabError> {
    let mut files = Vec::with_capacity(usize::from(count));
    for index in 0..count {
        let parsed: Res<'_, (u32, u32, u16, u16, u16, u16)> =
            (le_u32, le_u32, le_u16, le_u16, le_u16, le_u16).parse(rest);
        let (r, (size, folder_offset, folder, date, time, attribs)) =
            parsed.map_err(|_| CabError::Truncated(format!("CFFILE {index} cut off")))?;
        if r.is_empty() {
            return Err(CabError::Truncated(format!("CFFILE {index} name cut off")));
        }
        let (r, raw) = cstring(r).map_err(|_| {
            CabError::Invalid(format!(
                "CFFILE {index}: name not terminated within 256 bytes"
            ))
        })?;
        if raw.is_empty() {
            return Err(CabError::Invalid(format!(
                "CFFILE {index}: empty file name"
            )));
        }
        let name = if attribs & ATTR_NAME_IS_UTF8 != 0 {
            String::from_utf8_lossy(raw).into_owned()
        } else {
            decode_name(raw, names)
        };
        if folder >= folder_count && folder < CONTINUED_FROM_PREV {
            return Err(CabError::Invalid(format!(
                "{name}: folder index {folder} but the cabinet has {folder_count} folder(s)"
            )));
        }
        rest = r;
        files.push(CabFile {
            size,
            folder_offset,
            folder,
            date,
            time,
            attribs,
            raw_name: raw.to_vec(),
            name,
        });
    }
    Ok(files)
}

/// Describes what `coffFiles` points at when it is not the end of the folder table.
fn hidden_table_finding(
    cab: &[u8],
    h: &FixedHeader,
    table_at: usize,
    listed: &[CabFile],
    names: &'static Encoding,
) -> String {
    let at = h.coff_files as usize;
    let other = cab
        .get(at..)
        .map(|r| file_table(r, h.file_count, h.folder_count, names));
    let other_names = match other {
        Some(Ok(files)) => {
            let hidden: Vec<&str> = files
                .iter()
                .filter(|f| !listed.iter().any(|l| l.raw_name == f.raw_name))
                .map(|f| f.name.as_str())
                .collect();
            format!(
                "a table there lists {}",
                if hidden.is_empty() {
                    "the same files".into()
                } else {
                    hidden.join(", ")
                }
            )
        }
        Some(Err(e)) => format!("no valid file table there ({e})"),
        None => "that is past the end of the data".into(),
    };
    format!(
        "coffFiles points at offset {at}, but the file table follows the folder table at {table_at}; {other_names}"
    )
}

fn decode_name(raw: &[u8], names: &'static Encoding) -> String {
    names.decode_without_bom_handling(raw).0.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_from_type_compress() {
        assert_eq!(Method::from_type(0x1503), Method::Lzx { window_bits: 21 });
        assert_eq!(Method::from_type(0x0001), Method::MsZip);
        assert_eq!(Method::from_type(0x000f), Method::Unknown(0xf));
        assert_eq!(Method::from_type(0x1203).label(), "LZX:18");
    }

    #[test]
    fn short_input_is_truncated_not_a_panic() {
        assert_eq!(
            parse_cabinet(b"MSC", encoding_rs::WINDOWS_1252),
            Err(CabError::Signature)
        );
        assert!(matches!(
            parse_cabinet(b"MSCF\0\0", encoding_rs::WINDOWS_1252),
            Err(CabError::Truncated(_))
        ));
    }
}
