//! VS_VERSIONINFO (docs/formats.md §4): nodes of `wLength`, `wValueLength`, `wType`, a UTF-16 key, padding
//! to 4 bytes, a value and children. Lengths are claims: a node is clamped to the bytes present
//! and each repair is noted as a finding, never a crash.

use nom::{
    IResult, Parser,
    number::complete::{le_u16, le_u32},
};

/// VS_FIXEDFILEINFO's signature.
const FIXED_SIGNATURE: u32 = 0xfeef_04bd;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionInfo {
    /// `a.b.c.d` from VS_FIXEDFILEINFO.
    pub file_version: Option<[u16; 4]>,
    pub product_version: Option<[u16; 4]>,
    /// String tables: (key like `040904B0`, [(name, value)]).
    pub tables: Vec<(String, Vec<(String, String)>)>,
    /// `VarFileInfo\Translation` pairs (language, code page).
    pub translations: Vec<(u16, u16)>,
    pub findings: Vec<String>,
}

impl VersionInfo {
    /// A string value: from the table the Translation names first, else from any table.
    pub fn string(&self, name: &str) -> Option<&str> {
        fn lookup<'t>(table: &'t (String, Vec<(String, String)>), name: &str) -> Option<&'t str> {
            table
                .1
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        }
        let lookup = |table| lookup(table, name);
        let preferred = self
            .translations
            .first()
            .map(|(l, c)| format!("{l:04X}{c:04X}"));
        let first = preferred
            .and_then(|p| self.tables.iter().find(|(k, _)| k.eq_ignore_ascii_case(&p)))
            .and_then(lookup);
        first
            .or_else(|| self.tables.iter().find_map(lookup))
            .filter(|v| !v.is_empty())
    }
}

pub fn dotted(v: [u16; 4]) -> String {
    format!("{}.{}.{}.{}", v[0], v[1], v[2], v[3])
}

struct Node<'a> {
    key: String,
    value: &'a [u8],
    children: &'a [u8],
    /// Offset of the children within the node (for 4-byte alignment of child nodes).
    children_at: usize,
}

fn header(i: &[u8]) -> IResult<&[u8], (u16, u16, u16)> {
    (le_u16, le_u16, le_u16).parse(i)
}

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

/// Parses the node at `blob[at..]`; returns it and the offset after it.
fn node<'a>(blob: &'a [u8], at: usize, findings: &mut Vec<String>) -> Option<(Node<'a>, usize)> {
    let input = blob.get(at..)?;
    let (_, (length, value_length, kind)) = header(input).ok()?;
    let mut length = usize::from(length);
    if length < 6 {
        return None;
    }
    if length > input.len() {
        findings.push(format!(
            "node at {at} claims {length} bytes, {} present",
            input.len()
        ));
        length = input.len();
    }
    let node = &input[..length];
    let key_units: Vec<u16> = node[6..]
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|&u| u != 0)
        .collect();
    let key = String::from_utf16_lossy(&key_units);
    let value_at = align4(at + 6 + (key_units.len() + 1) * 2) - at;
    let is_text = kind == 1;
    let value_bytes = if is_text {
        usize::from(value_length) * 2
    } else {
        usize::from(value_length)
    };
    let value_end = (value_at + value_bytes).min(length);
    let value = node.get(value_at.min(length)..value_end).unwrap_or(&[]);
    let children_at = align4(at + value_end) - at;
    let children = node.get(children_at.min(length)..).unwrap_or(&[]);
    Some((
        Node {
            key,
            value,
            children,
            children_at: at + children_at,
        },
        at + align4(length),
    ))
}

/// Child nodes of a node whose children start at `blob[start..start + len]`.
fn children<'a>(
    blob: &'a [u8],
    start: usize,
    len: usize,
    findings: &mut Vec<String>,
) -> Vec<Node<'a>> {
    let end = (start + len).min(blob.len());
    let window = &blob[..end];
    let mut out = Vec::new();
    let mut at = start;
    while at + 6 <= end && out.len() < 4096 {
        match node(window, at, findings) {
            Some((n, next)) if next > at => {
                out.push(n);
                at = next;
            }
            _ => break,
        }
    }
    out
}

fn utf16_text(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|&u| u != 0)
        .collect();
    String::from_utf16_lossy(&units).trim().to_string()
}

fn fixed_info(value: &[u8]) -> Option<([u16; 4], [u16; 4])> {
    let mut words = [0u32; 6];
    let filled: IResult<&[u8], ()> = nom::multi::fill(le_u32, &mut words).parse(value);
    filled.ok()?;
    let [signature, _, file_ms, file_ls, product_ms, product_ls] = words;
    let split = |ms: u32, ls: u32| [(ms >> 16) as u16, ms as u16, (ls >> 16) as u16, ls as u16];
    (signature == FIXED_SIGNATURE).then(|| (split(file_ms, file_ls), split(product_ms, product_ls)))
}

/// Parses one version resource.
pub fn parse_version_info(blob: &[u8]) -> Option<VersionInfo> {
    let mut info = VersionInfo::default();
    let (root, _) = node(blob, 0, &mut info.findings)?;
    if root.key != "VS_VERSION_INFO" {
        info.findings
            .push(format!("root key is {:?}, not VS_VERSION_INFO", root.key));
    }
    match fixed_info(root.value) {
        Some((file, product)) => {
            (info.file_version, info.product_version) = (Some(file), Some(product))
        }
        None => info.findings.push("no valid VS_FIXEDFILEINFO".into()),
    }
    let mut findings = Vec::new();
    for child in children(blob, root.children_at, root.children.len(), &mut findings) {
        match child.key.as_str() {
            "StringFileInfo" => {
                for table in children(blob, child.children_at, child.children.len(), &mut findings)
                {
                    let strings =
                        children(blob, table.children_at, table.children.len(), &mut findings)
                            .into_iter()
                            .map(|s| {
                                // Some linkers leave wValueLength at 0: the text then fills the node.
                                let bytes = if s.value.is_empty() {
                                    s.children
                                } else {
                                    s.value
                                };
                                (s.key, utf16_text(bytes))
                            })
                            .collect();
                    info.tables.push((table.key, strings));
                }
            }
            "VarFileInfo" => {
                for var in children(blob, child.children_at, child.children.len(), &mut findings) {
                    if var.key == "Translation" {
                        info.translations.extend(var.value.chunks_exact(4).map(|c| {
                            (
                                u16::from_le_bytes([c[0], c[1]]),
                                u16::from_le_bytes([c[2], c[3]]),
                            )
                        }));
                    }
                }
            }
            other => findings.push(format!("unknown child {other:?} of VS_VERSION_INFO")),
        }
    }
    info.findings.extend(findings);
    Some(info)
}
