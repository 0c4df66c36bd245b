//! Test helpers shared by the integration tests and benchmarks: cabinets built by the `cab` crate
//! (clean, as makecab would) and hand-assembled ones (any method, any block bytes).
#![allow(dead_code)]

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
    let mut h = Vec::new();
    h.extend_from_slice(b"PE\0\0");
    h.extend_from_slice(&machine.to_le_bytes());
    h.extend_from_slice(&(sections.len() as u16).to_le_bytes());
    h.extend_from_slice(&[0; 12]);
    h.extend_from_slice(&224u16.to_le_bytes());
    h.extend_from_slice(&0x0102u16.to_le_bytes());
    let mut optional = vec![0u8; 224];
    optional[..2].copy_from_slice(&0x10bu16.to_le_bytes());
    optional[92..96].copy_from_slice(&16u32.to_le_bytes());
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
    let dir4 = 0x40 + 24 + 96 + 4 * 8;
    file[dir4..dir4 + 4].copy_from_slice(&cert_at.to_le_bytes());
    file[dir4 + 4..dir4 + 8].copy_from_slice(&(certificate.len() as u32).to_le_bytes());
    file.extend_from_slice(&certificate);
    file
}
