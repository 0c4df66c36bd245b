//! `update.inf` / `update_<BRANCH>.inf` `[SourceFileInfo]`: what each payload should be.
//! `<branch>\<file>=<MD5 hex>,<file version as 16 hex digits>,<size>,<BRANCH>`

use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub md5: String,
    pub version: Option<[u16; 4]>,
    pub size: Option<u64>,
    pub branch: String,
}

/// Entries keyed by lower-case relative path with `\` separators.
pub fn source_file_info(text: &str) -> HashMap<String, Expected> {
    let mut entries = HashMap::new();
    let mut in_section = false;
    for line in text.lines() {
        let line = line.split(';').next().unwrap_or("").trim();
        if line.starts_with('[') {
            in_section = line.eq_ignore_ascii_case("[SourceFileInfo]");
            continue;
        }
        if !in_section {
            continue;
        }
        let Some((path, values)) = line.split_once('=') else {
            continue;
        };
        let fields: Vec<&str> = values.split(',').map(str::trim).collect();
        let Some(md5) = fields
            .first()
            .filter(|m| m.len() == 32 && m.bytes().all(|b| b.is_ascii_hexdigit()))
        else {
            continue;
        };
        entries.insert(
            path.trim().replace('/', "\\").to_ascii_lowercase(),
            Expected {
                md5: md5.to_ascii_lowercase(),
                version: fields.get(1).and_then(|v| hex_version(v)),
                size: fields.get(2).and_then(|s| s.parse().ok()),
                branch: fields.get(3).unwrap_or(&"").to_string(),
            },
        );
    }
    entries
}

/// `000600060A28062C` → 6.6.2600.1580
pub fn hex_version(hex: &str) -> Option<[u16; 4]> {
    // Byte slicing below needs ASCII: multi-byte text of 16 bytes is not a version.
    if hex.len() != 16 || !hex.is_ascii() {
        return None;
    }
    let part = |i: usize| u16::from_str_radix(&hex[i * 4..i * 4 + 4], 16).ok();
    Some([part(0)?, part(1)?, part(2)?, part(3)?])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_field_of_multibyte_text_is_not_a_version() {
        // Fuzzing found this slicing panic: 16 bytes, but not 16 characters.
        assert_eq!(hex_version("aaaéaaaaaaaaaaa"), None);
        assert_eq!(hex_version("000600060A28062C"), Some([6, 6, 2600, 1580]));
    }

    #[test]
    fn parses_source_file_info() {
        let inf = "[Version]\r\nx=1\r\n[SourceFileInfo]\r\nsp1gdr\\authz.dll=0123456789ABCDEF0123456789abcdef,000500020ECE0995,90000,SP1GDR\r\nbad=line\r\n[Other]\r\ny=z=1";
        let e = source_file_info(inf);
        assert_eq!(e.len(), 1);
        let a = &e["sp1gdr\\authz.dll"];
        assert_eq!(a.md5, "0123456789abcdef0123456789abcdef");
        assert_eq!(a.version, Some([5, 2, 3790, 2453]));
        assert_eq!((a.size, a.branch.as_str()), (Some(90000), "SP1GDR"));
        assert_eq!(hex_version("000600060A28062C"), Some([6, 6, 2600, 1580]));
    }
}
