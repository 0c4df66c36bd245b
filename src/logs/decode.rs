//! Bytes → text for installer logs.
//!
//! The installer is an ANSI program, so most logs are in the host's legacy code page, but logs
//! also arrive as UTF-8 or UTF-16 (re-saved by tools, copied from tickets). Detection order (docs/formats.md
//! §2.1): BOM, UTF-16 by NUL bytes, forced code page, valid UTF-8, Shift_JIS with Japanese text,
//! windows-1252.

use std::borrow::Cow;

use encoding_rs::{Encoding, SHIFT_JIS, UTF_16BE, UTF_16LE, WINDOWS_1252};

/// How many leading bytes are sampled to recognise UTF-16 without a BOM.
const SNIFF_BYTES: usize = 64 * 1024;
/// How many leading characters are sampled to recognise binary content.
const SNIFF_CHARS: usize = 1024;

/// A decoded log: its text and how it was obtained.
#[derive(Debug)]
pub struct Decoded<'a> {
    pub text: Cow<'a, str>,
    /// Lower-case label of the encoding used (`ascii`, `utf-8`, `shift_jis`, `windows-1252`, ...).
    pub encoding: &'static str,
    /// Invalid byte sequences were replaced with U+FFFD.
    pub had_errors: bool,
    /// The content does not look like text at all (NUL bytes, control characters).
    pub looks_binary: bool,
}

/// Decodes a whole log file. `codepage` forces the legacy code page (BOMs and UTF-16 still win,
/// since they are unambiguous).
pub fn decode<'a>(bytes: &'a [u8], codepage: Option<&'static Encoding>) -> Decoded<'a> {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        return decode_with(&bytes[bom_len..], enc);
    }
    if let Some(enc) = sniff_utf16(bytes) {
        return decode_with(bytes, enc);
    }
    if let Some(enc) = codepage {
        return decode_with(bytes, enc);
    }
    // Most logs are plain ASCII: one SIMD pass says so, and the bytes are the text.
    let ascii = Encoding::ascii_valid_up_to(bytes);
    if ascii == bytes.len() {
        // ASCII is valid UTF-8.
        let text = std::str::from_utf8(bytes).unwrap_or_default();
        return finish(Cow::Borrowed(text), "ascii", false);
    }
    if let Some(text) = utf8_allowing_cut_tail(bytes) {
        let encoding = "utf-8";
        let cut = text.len() < bytes.len();
        return finish(Cow::Borrowed(text), encoding, cut);
    }
    if let Some(text) = SHIFT_JIS.decode_without_bom_handling_and_without_replacement(bytes)
        && looks_japanese(&text)
    {
        return finish(text, "shift_jis", false);
    }
    decode_with(bytes, WINDOWS_1252)
}

/// The encoding [`decode`] would choose, judged from the head of a file too big to hold (cut
/// at a line break), and the length of its byte order mark. The only difference: text valid as
/// UTF-8 in its head stays UTF-8 (with U+FFFD for any bad byte further on), where a whole file
/// would fall back to a legacy code page.
pub fn detect(head: &[u8], codepage: Option<&'static Encoding>) -> (&'static Encoding, usize) {
    if let Some((enc, bom_len)) = Encoding::for_bom(head) {
        return (enc, bom_len);
    }
    if let Some(enc) = sniff_utf16(head) {
        return (enc, 0);
    }
    if let Some(enc) = codepage {
        return (enc, 0);
    }
    if utf8_allowing_cut_tail(head).is_some() {
        return (encoding_rs::UTF_8, 0);
    }
    if let Some(text) = SHIFT_JIS.decode_without_bom_handling_and_without_replacement(head)
        && looks_japanese(&text)
    {
        return (SHIFT_JIS, 0);
    }
    (WINDOWS_1252, 0)
}

/// Looks up a code page name as users write it (`shift_jis`, `cp932`, `windows-1251`, `1251`).
pub fn encoding_by_name(name: &str) -> Option<&'static Encoding> {
    let lower = name.trim().to_ascii_lowercase();
    let number = lower.strip_prefix("cp").unwrap_or(&lower);
    let label = match number {
        "932" | "sjis" | "ms932" => "shift_jis".to_string(),
        "936" => "gbk".to_string(),
        "949" => "euc-kr".to_string(),
        "950" => "big5".to_string(),
        n if n.len() == 4 && n.starts_with("125") && n.bytes().all(|b| b.is_ascii_digit()) => {
            format!("windows-{n}")
        }
        _ => lower.clone(),
    };
    Encoding::for_label(label.as_bytes())
}

fn decode_with<'a>(bytes: &'a [u8], enc: &'static Encoding) -> Decoded<'a> {
    let (text, had_errors) = enc.decode_without_bom_handling(bytes);
    finish(text, label(enc), had_errors)
}

fn finish<'a>(text: Cow<'a, str>, encoding: &'static str, had_errors: bool) -> Decoded<'a> {
    let looks_binary = looks_binary(&text);
    Decoded {
        text,
        encoding,
        had_errors,
        looks_binary,
    }
}

pub(crate) fn label(enc: &'static Encoding) -> &'static str {
    match enc.name() {
        "UTF-8" => "utf-8",
        "UTF-16LE" => "utf-16le",
        "UTF-16BE" => "utf-16be",
        "Shift_JIS" => "shift_jis",
        "windows-1252" => "windows-1252",
        "windows-1251" => "windows-1251",
        "windows-1250" => "windows-1250",
        "EUC-KR" => "euc-kr",
        "GBK" => "gbk",
        "Big5" => "big5",
        other => other,
    }
}

/// Valid UTF-8, or valid UTF-8 whose only flaw is a multi-byte character cut off at the very end
/// (a log copied while it was being written).
fn utf8_allowing_cut_tail(bytes: &[u8]) -> Option<&str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Some(text),
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&bytes[..e.valid_up_to()]).ok(),
        Err(_) => None,
    }
}

/// UTF-16 without a BOM: text in a Latin script has a NUL in every other byte.
fn sniff_utf16(bytes: &[u8]) -> Option<&'static Encoding> {
    let sample = &bytes[..bytes.len().min(SNIFF_BYTES)];
    // No NUL byte at all: not UTF-16 (the common case, answered by one SIMD scan).
    memchr::memchr(0, sample)?;
    let pairs = sample.len() / 2;
    if pairs < 2 {
        return None;
    }
    let (mut even_nul, mut odd_nul) = (0usize, 0usize);
    for pair in sample.chunks_exact(2) {
        even_nul += usize::from(pair[0] == 0);
        odd_nul += usize::from(pair[1] == 0);
    }
    // Mostly-NUL on one side and almost never on the other. Binary files have NULs on both.
    let many = pairs * 2 / 5;
    let few = pairs / 20;
    if odd_nul >= many && even_nul <= few {
        Some(UTF_16LE)
    } else if even_nul >= many && odd_nul <= few {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// Shift_JIS that decoded without errors still has to read as Japanese: Western text with
/// accented letters can decode as scattered kanji, but not as kana or as runs of kanji.
fn looks_japanese(text: &str) -> bool {
    let mut previous_was_kanji = false;
    for c in text.chars() {
        let kanji = ('\u{4e00}'..='\u{9fff}').contains(&c);
        let kana = ('\u{3040}'..='\u{30ff}').contains(&c);
        if kana || (kanji && previous_was_kanji) {
            return true;
        }
        previous_was_kanji = kanji;
    }
    false
}

/// True when the start of the text is mostly control characters or replacement characters.
pub(crate) fn looks_binary(text: &str) -> bool {
    let head = &text.as_bytes()[..text.len().min(SNIFF_CHARS)];
    if head.is_ascii() {
        // The same count over bytes, which are the characters here.
        let odd = head
            .iter()
            .filter(|&&b| {
                (b < 0x20 || b == 0x7f) && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1a)
            })
            .count();
        return odd * 10 > head.len();
    }
    let mut total = 0usize;
    let mut odd = 0usize;
    for c in text.chars().take(SNIFF_CHARS) {
        total += 1;
        let control = (c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c' | '\x1a'))
            || c == '\u{fffd}';
        odd += usize::from(control);
    }
    total > 0 && odd * 10 > total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_bom_and_utf16_without_bom() {
        let utf16: Vec<u8> = "0.172: Copied file"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(decode(&utf16, None).encoding, "utf-16le");
        assert_eq!(decode(&utf16, None).text, "0.172: Copied file");
        let be: Vec<u8> = "0.172: x"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(decode(&be, None).encoding, "utf-16be");
        assert_eq!(decode(b"\xef\xbb\xbfabc", None).text, "abc");
    }

    #[test]
    fn shift_jis_needs_japanese_text() {
        let (sjis, _, _) = SHIFT_JIS.encode("0.5: 再起動してください");
        let d = decode(&sjis, None);
        assert_eq!(d.encoding, "shift_jis");
        assert!(d.text.contains("再起動"));
        // "Détails" is valid Shift_JIS (é+t forms one kanji) but is not Japanese.
        let d = decode(b"D\xe9tails", None);
        assert_eq!(d.encoding, "windows-1252");
        assert_eq!(d.text, "Détails");
    }

    #[test]
    fn utf8_cut_mid_character_is_still_utf8() {
        let mut bytes = "abc 再".as_bytes().to_vec();
        bytes.pop();
        let d = decode(&bytes, None);
        assert_eq!(d.encoding, "utf-8");
        assert!(d.had_errors);
        assert_eq!(d.text, "abc ");
    }

    #[test]
    fn binary_is_flagged() {
        let junk: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
        assert!(decode(&junk, None).looks_binary);
        assert!(!decode(b"0.172: hello\r\n", None).looks_binary);
    }

    proptest::proptest! {
        /// The byte count for ASCII text is the character count it stands for.
        #[test]
        fn binary_sniff_over_bytes_is_exact(text in "[\\x00-\\x7f]{0,1500}") {
            let by_chars = {
                let (mut total, mut odd) = (0usize, 0usize);
                for c in text.chars().take(SNIFF_CHARS) {
                    total += 1;
                    let control = c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c' | '\x1a');
                    odd += usize::from(control);
                }
                total > 0 && odd * 10 > total
            };
            proptest::prop_assert_eq!(looks_binary(&text), by_chars);
        }
    }

    #[test]
    fn code_page_names() {
        assert_eq!(encoding_by_name("cp932"), Some(SHIFT_JIS));
        assert_eq!(encoding_by_name("Shift_JIS"), Some(SHIFT_JIS));
        assert_eq!(
            encoding_by_name("1251").map(|e| e.name()),
            Some("windows-1251")
        );
        assert_eq!(
            encoding_by_name("cp1250").map(|e| e.name()),
            Some("windows-1250")
        );
        assert!(encoding_by_name("klingon").is_none());
    }
}
