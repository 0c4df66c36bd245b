//! Our reader against the `cab` crate on clean cabinets the `cab` crate writes, and property
//! tests: arbitrary bytes never panic the header parser, the locator or the decompressors.

mod common;

use cab::CompressionType;
use encoding_rs::WINDOWS_1252;
use kbaudit::cab::decompress::read_files;
use kbaudit::cab::locate::locate;
use kbaudit::cab::parse_cabinet;
use proptest::prelude::*;
use std::io::Read;

fn files_strategy() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    prop::collection::vec(
        ("[a-z]{1,8}\\.(dll|exe|inf)", 0usize..120_000, any::<u64>()),
        1..6,
    )
    .prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(i, (name, len, seed))| {
                (format!("{i}\\{name}"), common::realistic_bytes(len, seed))
            })
            .collect()
    })
}

fn compression() -> impl Strategy<Value = CompressionType> {
    prop_oneof![Just(CompressionType::None), Just(CompressionType::MsZip)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn our_reader_agrees_with_the_cab_crate(
        first in files_strategy(), second in files_strategy(), c1 in compression(), c2 in compression()
    ) {
        let bytes = common::cab_crate_cabinet(&[(c1, first.clone()), (c2, second.clone())]);
        let ours = parse_cabinet(&bytes, WINDOWS_1252).unwrap();
        prop_assert!(ours.findings.is_empty(), "{:?}", ours.findings);
        let (data, findings) = read_files(&bytes, &ours, true, u64::MAX);
        prop_assert!(findings.is_empty());
        let mut theirs = cab::Cabinet::new(std::io::Cursor::new(&bytes)).unwrap();
        let expected: Vec<&(String, Vec<u8>)> = first.iter().chain(&second).collect();
        prop_assert_eq!(ours.files.len(), expected.len());
        for ((file, read), (name, content)) in ours.files.iter().zip(&data).zip(expected) {
            prop_assert_eq!(&file.name, name);
            prop_assert_eq!(file.size as usize, content.len());
            prop_assert_eq!(read.as_ref().unwrap(), content);
            let mut other = Vec::new();
            theirs.read_file(name).unwrap().read_to_end(&mut other).unwrap();
            prop_assert_eq!(&other, content, "the cab crate reads the same bytes");
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_parser_or_locator(bytes in prop::collection::vec(any::<u8>(), 0..1024)) {
        let mut with_signature = b"MSCF".to_vec();
        with_signature.extend_from_slice(&bytes);
        for input in [&bytes, &with_signature] {
            if let Ok(cab) = parse_cabinet(input, WINDOWS_1252) {
                let _ = read_files(input, &cab, false, 1 << 24);
            }
            let search = locate(input, WINDOWS_1252);
            for c in &search.cabinets {
                prop_assert!(c.offset < input.len());
            }
        }
    }

    #[test]
    fn arbitrary_blocks_never_panic_the_decompressors(
        method in prop_oneof![Just(0u16), Just(1), Just(0x0f03), Just(0x1503), Just(0x1203)],
        blocks in prop::collection::vec((prop::collection::vec(any::<u8>(), 0..600), 1u16..=32768), 1..4),
        prefix_ck in any::<bool>(),
    ) {
        let blocks: Vec<(Vec<u8>, u16)> = blocks
            .into_iter()
            .map(|(mut data, n)| {
                if prefix_ck && method == 1 {
                    data.splice(0..0, *b"CK");
                }
                (data, n)
            })
            .collect();
        let total: u32 = blocks.iter().map(|(_, n)| u32::from(*n)).sum();
        let bytes = common::raw_cabinet(method, &blocks, &[("a.bin", total / 2, 0), ("b.bin", total - total / 2, total / 2)]);
        let cab = parse_cabinet(&bytes, WINDOWS_1252).unwrap();
        let (files, _) = read_files(&bytes, &cab, false, 1 << 24);
        for (file, result) in cab.files.iter().zip(files) {
            if let Ok(data) = result {
                prop_assert_eq!(data.len(), file.size as usize);
            }
        }
    }

    #[test]
    fn damaged_clean_cabinets_fail_cleanly(files in files_strategy(), flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let mut bytes = common::cab_crate_cabinet(&[(CompressionType::MsZip, files)]);
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] ^= value | 1;
        }
        if let Ok(cab) = parse_cabinet(&bytes, WINDOWS_1252) {
            let _ = read_files(&bytes, &cab, false, 1 << 26);
        }
    }
}

#[test]
fn a_stored_cabinet_round_trips_through_the_hand_assembler() {
    let data = b"hello, cabinet".to_vec();
    let bytes = common::raw_cabinet(
        0,
        &[(data.clone(), data.len() as u16)],
        &[("x.txt", 5, 0), ("y.txt", 9, 5)],
    );
    let cab = parse_cabinet(&bytes, WINDOWS_1252).unwrap();
    let (files, _) = read_files(&bytes, &cab, false, u64::MAX);
    assert_eq!(files[0].as_deref().unwrap(), b"hello");
    assert_eq!(files[1].as_deref().unwrap(), b", cabinet");
}

#[test]
fn byte_budget_stops_a_bomb() {
    // 64 blocks of 32 KiB stored zeroes = 2 MiB claimed; a 1 MiB budget stops it.
    let block = vec![0u8; 32768];
    let blocks: Vec<(Vec<u8>, u16)> = (0..64).map(|_| (block.clone(), 32768)).collect();
    let bytes = common::raw_cabinet(0, &blocks, &[("bomb.bin", 64 * 32768, 0)]);
    let cab = parse_cabinet(&bytes, WINDOWS_1252).unwrap();
    let (files, _) = read_files(&bytes, &cab, false, 1 << 20);
    assert!(
        matches!(&files[0], Err(kbaudit::cab::CabError::Limit(_))),
        "{:?}",
        files[0].as_ref().map(Vec::len)
    );
}
