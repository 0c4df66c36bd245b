//! Test helpers shared by the integration tests and benchmarks: cabinets built by the `cab` crate
//! (clean, as makecab would) and hand-assembled ones (any method, any block bytes).
#![allow(dead_code)]

pub mod share;

/// The `kbaudit` binary of this build, for a command-line test.
pub fn kbaudit() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("kbaudit").unwrap()
}

/// The corpus fleet's inventory and baseline, as `state` and `report` take them.
pub const FLEET: [&str; 4] = [
    "--hosts",
    "corpus/fleet/hosts.txt",
    "--baseline",
    "corpus/fleet/baseline.txt",
];

use std::io::{Cursor, Write};

/// Files to put in a cabinet: (name, content).
pub type Files = Vec<(String, Vec<u8>)>;

/// A cabinet written by the `cab` crate: one folder per `(compression, files)` group.
pub fn cab_crate_cabinet(folders: &[(cab::CompressionType, Files)]) -> Vec<u8> {
    let mut builder = cab::CabinetBuilder::new();
    for (compression, files) in folders {
        let folder = builder.add_folder(*compression);
        for (name, _) in files {
            folder.add_file(name.clone());
        }
    }
    let mut writer = builder.build(Cursor::new(Vec::new())).unwrap();
    let mut contents = folders
        .iter()
        .flat_map(|(_, files)| files.iter().map(|(_, d)| d));
    while let Some(mut file) = writer.next_file().unwrap() {
        file.write_all(contents.next().unwrap()).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// Bytes that compress like real files: runs, text and noise mixed, from a seed.
pub fn realistic_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut out = Vec::with_capacity(len);
    let words: [&[u8]; 6] = [
        b"kernel32.dll ",
        b"\x00\x00\x00\x00",
        b"MZ\x90\x00",
        b"GetProcAddress ",
        b"\xff\xff",
        b"srv03_sp1_gdr ",
    ];
    while out.len() < len {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let pick = (state >> 33) as usize;
        if pick.is_multiple_of(4) {
            out.push((pick >> 8) as u8);
        } else {
            out.extend_from_slice(words[pick % words.len()]);
        }
    }
    out.truncate(len);
    out
}

/// `n` MSZIP blocks of 32 KiB of zeros each (a few dozen bytes apiece): gigabytes of output
/// from a small cabinet, for decompression bombs and memory tests.
pub fn zero_mszip_blocks(n: usize) -> Vec<(Vec<u8>, u16)> {
    use std::io::Write;
    let mut deflated = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    deflated.write_all(&[0u8; 32768]).unwrap();
    let mut block = b"CK".to_vec();
    block.extend(deflated.finish().unwrap());
    (0..n).map(|_| (block.clone(), 32768)).collect()
}

/// A hand-assembled cabinet: one folder of `type_compress` holding `blocks` (data, uncompressed
/// size), and `files` (name, size, offset in folder). Checksums are left at 0.
pub fn raw_cabinet(
    type_compress: u16,
    blocks: &[(Vec<u8>, u16)],
    files: &[(&str, u32, u32)],
) -> Vec<u8> {
    let header_len = 36 + 8;
    let files_len: usize = files.iter().map(|(n, ..)| 16 + n.len() + 1).sum();
    let data_at = header_len + files_len;
    let data_len: usize = blocks.iter().map(|(d, _)| 8 + d.len()).sum();
    let total = (data_at + data_len) as u32;
    let mut out = Vec::new();
    out.extend_from_slice(b"MSCF");
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&total.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&(header_len as u32).to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&[3, 1]);
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&(files.len() as u16).to_le_bytes());
    out.extend_from_slice(&[0; 6]);
    out.extend_from_slice(&(data_at as u32).to_le_bytes());
    out.extend_from_slice(&(blocks.len() as u16).to_le_bytes());
    out.extend_from_slice(&type_compress.to_le_bytes());
    for (name, size, offset) in files {
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&offset.to_le_bytes());
        out.extend_from_slice(&[0, 0, 0x21, 0x2c, 0, 0x60, 0x20, 0]);
        out.extend_from_slice(name.as_bytes());
        out.push(0);
    }
    for (data, uncompressed) in blocks {
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&(data.len() as u16).to_le_bytes());
        out.extend_from_slice(&uncompressed.to_le_bytes());
        out.extend_from_slice(data);
    }
    out
}

/// A minimal valid PE32 image: DOS header, PE headers, one `.text` section of 0x200 bytes.
/// `extra_sections` adds (name, raw data) sections after it. Returns the image without overlay.
pub fn tiny_pe(machine: u16, extra_sections: &[(&[u8; 8], Vec<u8>)]) -> Vec<u8> {
    let sections: Vec<(&[u8; 8], Vec<u8>)> = std::iter::once((b".text\0\0\0", vec![0xc3u8; 0x200]))
        .chain(extra_sections.iter().cloned())
        .collect();
    let header_len = 0x400usize;
    let mut out = vec![0u8; header_len];
    out[..2].copy_from_slice(b"MZ");
    out[0x3c..0x40].copy_from_slice(&0x40u32.to_le_bytes());
    // x64 images get a PE32+ optional header, everything else PE32.
    let plus = machine == 0x8664;
    let (optional_len, magic, count_at) = if plus {
        (240usize, 0x20bu16, 108)
    } else {
        (224, 0x10b, 92)
    };
    let mut h = Vec::new();
    h.extend_from_slice(b"PE\0\0");
    h.extend_from_slice(&machine.to_le_bytes());
    h.extend_from_slice(&(sections.len() as u16).to_le_bytes());
    h.extend_from_slice(&[0; 12]);
    h.extend_from_slice(&(optional_len as u16).to_le_bytes());
    h.extend_from_slice(&0x0102u16.to_le_bytes());
    let mut optional = vec![0u8; optional_len];
    optional[..2].copy_from_slice(&magic.to_le_bytes());
    optional[count_at..count_at + 4].copy_from_slice(&16u32.to_le_bytes());
    h.extend_from_slice(&optional);
    let mut raw_at = header_len as u32;
    let mut rva = 0x1000u32;
    let mut bodies = Vec::new();
    for (name, data) in &sections {
        let raw_len = (data.len() as u32).div_ceil(0x200) * 0x200;
        h.extend_from_slice(&name[..]);
        h.extend_from_slice(&(data.len() as u32).to_le_bytes());
        h.extend_from_slice(&rva.to_le_bytes());
        h.extend_from_slice(&raw_len.to_le_bytes());
        h.extend_from_slice(&raw_at.to_le_bytes());
        h.extend_from_slice(&[0; 16]);
        let mut body = data.clone();
        body.resize(raw_len as usize, 0);
        bodies.push(body);
        raw_at += raw_len;
        rva += raw_len.div_ceil(0x1000) * 0x1000;
    }
    out[0x40..0x40 + h.len()].copy_from_slice(&h);
    for body in bodies {
        out.extend_from_slice(&body);
    }
    out
}

/// A self-extracting package: a PE stub, the cabinet as overlay, and a fake certificate table.
pub fn sfx_package(cabinet: &[u8]) -> Vec<u8> {
    let mut file = tiny_pe(0x14c, &[]);
    file.extend_from_slice(cabinet);
    let cert_at = file.len() as u32;
    let certificate = b"\x10\x00\x00\x00\x00\x02\x02\x00fake-pkcs7-blob!".to_vec();
    // Data directory 4 (certificates) holds a file offset and size.
    let dir4 = 0x40 + 24 + 96 + 4 * 8; // PE32 data directory 4
    file[dir4..dir4 + 4].copy_from_slice(&cert_at.to_le_bytes());
    file[dir4 + 4..dir4 + 8].copy_from_slice(&(certificate.len() as u32).to_le_bytes());
    file.extend_from_slice(&certificate);
    file
}

/// What a version resource holds, for building fixtures.
#[derive(Clone, Default)]
pub struct VersionSpec {
    pub fixed: [u16; 4],
    /// (table key like `040904B0`, [(name, value)])
    pub tables: Vec<(String, Vec<(String, String)>)>,
    pub translations: Vec<(u16, u16)>,
    /// Make the root node claim more bytes than it has.
    pub lie_about_length: bool,
    pub no_fixed_info: bool,
}

impl VersionSpec {
    /// An English (US) resource with a FileVersion string and the usual companions.
    pub fn english(fixed: [u16; 4], file_version: &str, original: &str) -> Self {
        VersionSpec {
            fixed,
            tables: vec![(
                "040904B0".into(),
                vec![
                    ("CompanyName".into(), "Microsoft Corporation".into()),
                    ("FileDescription".into(), format!("{original} library")),
                    ("FileVersion".into(), file_version.into()),
                    ("OriginalFilename".into(), original.into()),
                    (
                        "ProductName".into(),
                        "Microsoft® Windows® Operating System".into(),
                    ),
                    (
                        "ProductVersion".into(),
                        format!("{}.{}.{}.{}", fixed[0], fixed[1], fixed[2], fixed[3]),
                    ),
                ],
            )],
            translations: vec![(0x0409, 0x04b0)],
            ..Default::default()
        }
    }
}

fn utf16z(s: &str) -> Vec<u8> {
    s.encode_utf16()
        .chain([0])
        .flat_map(u16::to_le_bytes)
        .collect()
}

fn pad4(v: &mut Vec<u8>) {
    while !v.len().is_multiple_of(4) {
        v.push(0);
    }
}

fn version_node(
    key: &str,
    value: &[u8],
    text: bool,
    value_len: u16,
    children: &[Vec<u8>],
) -> Vec<u8> {
    let mut out = vec![0u8; 6];
    out.extend(utf16z(key));
    pad4(&mut out);
    out.extend_from_slice(value);
    for child in children {
        pad4(&mut out);
        out.extend_from_slice(child);
    }
    let len = out.len() as u16;
    out[..2].copy_from_slice(&len.to_le_bytes());
    out[2..4].copy_from_slice(&value_len.to_le_bytes());
    out[4..6].copy_from_slice(&u16::from(text).to_le_bytes());
    out
}

/// A VS_VERSIONINFO blob.
pub fn version_blob(spec: &VersionSpec) -> Vec<u8> {
    let mut fixed = Vec::new();
    if !spec.no_fixed_info {
        let f = spec.fixed;
        let ms = (u32::from(f[0]) << 16) | u32::from(f[1]);
        let ls = (u32::from(f[2]) << 16) | u32::from(f[3]);
        for word in [
            0xfeef_04bdu32,
            0x0001_0000,
            ms,
            ls,
            ms,
            ls,
            0x3f,
            0,
            0x40004,
            2,
            0,
            0,
            0,
        ] {
            fixed.extend_from_slice(&word.to_le_bytes());
        }
    }
    let tables: Vec<Vec<u8>> = spec
        .tables
        .iter()
        .map(|(key, strings)| {
            let strings: Vec<Vec<u8>> = strings
                .iter()
                .map(|(k, v)| {
                    version_node(
                        k,
                        &utf16z(v),
                        true,
                        (v.encode_utf16().count() + 1) as u16,
                        &[],
                    )
                })
                .collect();
            version_node(key, &[], true, 0, &strings)
        })
        .collect();
    let mut children = Vec::new();
    if !tables.is_empty() {
        children.push(version_node("StringFileInfo", &[], true, 0, &tables));
    }
    if !spec.translations.is_empty() {
        let pairs: Vec<u8> = spec
            .translations
            .iter()
            .flat_map(|(l, c)| [l.to_le_bytes(), c.to_le_bytes()].concat())
            .collect();
        let var = version_node("Translation", &pairs, false, pairs.len() as u16, &[]);
        children.push(version_node("VarFileInfo", &[], true, 0, &[var]));
    }
    let mut blob = version_node(
        "VS_VERSION_INFO",
        &fixed,
        false,
        fixed.len() as u16,
        &children,
    );
    if spec.lie_about_length {
        let claimed = (blob.len() as u16).saturating_add(4000);
        blob[..2].copy_from_slice(&claimed.to_le_bytes());
    }
    blob
}

/// A resource directory: its header (`ids` id entries) followed by those (id, offset) entries.
pub fn resource_directory(entries: &[(u32, u32)]) -> Vec<u8> {
    let mut d = vec![0u8; 12];
    d.extend_from_slice(&0u16.to_le_bytes());
    d.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (id, offset) in entries {
        d.extend_from_slice(&id.to_le_bytes());
        d.extend_from_slice(&offset.to_le_bytes());
    }
    d
}

/// A `.rsrc` section (at `base_rva`) holding RT_VERSION id 1 in each `(language, blob)`.
pub fn version_rsrc(base_rva: u32, languages: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let dir = resource_directory;
    let n = languages.len() as u32;
    let (type_at, name_at, lang_at) = (0u32, 24u32, 48u32);
    let data_entries_at = lang_at + 16 + 8 * n;
    let mut blobs_at = data_entries_at + 16 * n;
    let mut out = dir(&[(16, 0x8000_0000 | name_at)]);
    out.extend(dir(&[(1, 0x8000_0000 | lang_at)]));
    let lang_entries: Vec<(u32, u32)> = languages
        .iter()
        .enumerate()
        .map(|(i, (l, _))| (u32::from(*l), data_entries_at + 16 * i as u32))
        .collect();
    out.extend(dir(&lang_entries));
    assert_eq!(out.len() as u32, data_entries_at);
    let mut blobs = Vec::new();
    for (_, blob) in languages {
        out.extend_from_slice(&(base_rva + blobs_at).to_le_bytes());
        out.extend_from_slice(&(blob.len() as u32).to_le_bytes());
        out.extend_from_slice(&[0; 8]);
        let mut padded = blob.clone();
        pad4(&mut padded);
        blobs_at += padded.len() as u32;
        blobs.extend(padded);
    }
    let _ = type_at;
    out.extend(blobs);
    out
}

/// A PE image with a `.rsrc` section holding the given version resources (one per language).
pub fn pe_with_versions(machine: u16, languages: &[(u16, VersionSpec)]) -> Vec<u8> {
    let blobs: Vec<(u16, Vec<u8>)> = languages
        .iter()
        .map(|(l, s)| (*l, version_blob(s)))
        .collect();
    let rsrc = version_rsrc(0x2000, &blobs);
    let size = rsrc.len() as u32;
    let mut image = tiny_pe(machine, &[(b".rsrc\0\0\0", rsrc)]);
    let plus = machine == 0x8664;
    let dir2 = 0x40 + 24 + if plus { 112 } else { 96 } + 2 * 8;
    image[dir2..dir2 + 4].copy_from_slice(&0x2000u32.to_le_bytes());
    image[dir2 + 4..dir2 + 8].copy_from_slice(&size.to_le_bytes());
    image
}

/// A 32-bit hotpatch image: a `.hotp1  ` section (at RVA 0x2000) with a HOT1 header, `hooks`
/// hook entries pointing into `.text`, two validation entries and the target module name.
pub fn hotpatch_image(target: &str, hooks: u32, module_id_method: u32) -> Vec<u8> {
    let base = 0x2000u32;
    let validations_at = base + 0x50;
    let hooks_at = validations_at + 2 * 12;
    let name_at = hooks_at + hooks * 16;
    let mut section = Vec::new();
    let mut put = |v: u32| section.extend_from_slice(&v.to_le_bytes());
    put(u32::from_le_bytes(*b"HOT1"));
    put(0x0001_0000);
    put(0);
    put(0);
    put(2);
    put(validations_at);
    put(hooks);
    put(hooks_at);
    for half in [0x7100_0000u32, 0, 0x7c80_0000, 0] {
        put(half); // original hotpatch base, original target base (u64 each)
    }
    put(name_at);
    put(module_id_method);
    section.extend_from_slice(&[0xab; 24]);
    for v in 0..2u32 {
        section.extend_from_slice(&(0x1000 + v * 4).to_le_bytes());
        section.extend_from_slice(&(0x1_2000 + v * 4).to_le_bytes());
        section.extend_from_slice(&[4, 0, 0, 0]);
    }
    for h in 0..hooks {
        section.extend_from_slice(&[1, 0, 0, 0]);
        section.extend_from_slice(&(0x1_2345 + h * 16).to_le_bytes());
        section.extend_from_slice(&(0x1000 + h * 16).to_le_bytes());
        section.extend_from_slice(&validations_at.to_le_bytes());
    }
    section.extend_from_slice(target.as_bytes());
    section.push(0);
    tiny_pe(0x14c, &[(b".hotp1  ", section)])
}

/// The hex form of a version in update.inf: 000500020ECE0995 for 5.2.3790.2453.
pub fn inf_version(v: [u16; 4]) -> String {
    format!("{:04X}{:04X}{:04X}{:04X}", v[0], v[1], v[2], v[3])
}

/// An `update.inf` whose `[SourceFileInfo]` describes `payloads` (path, content, version, branch).
pub fn update_inf(payloads: &[(&str, &[u8], [u16; 4], &str)]) -> Vec<u8> {
    use md5::Digest;
    let mut inf =
        String::from("[Version]\r\nSignature=\"$Windows NT$\"\r\n\r\n[SourceFileInfo]\r\n");
    for (path, content, version, branch) in payloads {
        let md5: String = md5::Md5::digest(content)
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        inf.push_str(&format!(
            "{path}={md5},{},{},{branch}\r\n",
            inf_version(*version),
            content.len()
        ));
    }
    inf.into_bytes()
}
