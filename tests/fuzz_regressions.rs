//! Inputs that crashed, hung or blew up an earlier version (found by fuzzing and by reading the
//! code), kept so they never come back. Each test failed (panic, hang or runaway) before its fix.

mod common;

/// A PE whose `.rsrc` section holds `rsrc` (at RVA 0x2000), with data directory 2 pointing at it.
fn pe_with_rsrc(rsrc: Vec<u8>) -> Vec<u8> {
    let size = rsrc.len() as u32;
    let mut image = common::tiny_pe(0x14c, &[(b".rsrc\0\0\0", rsrc)]);
    let dir2 = 0x40 + 24 + 96 + 2 * 8;
    image[dir2..dir2 + 4].copy_from_slice(&0x2000u32.to_le_bytes());
    image[dir2 + 4..dir2 + 8].copy_from_slice(&size.to_le_bytes());
    image
}

#[test]
fn a_resource_directory_pointing_at_itself_does_not_hang() {
    // 4096 RT_VERSION entries, each naming the root itself as its subdirectory: 4096³ visits
    // without a visited set.
    let root = common::resource_directory(&vec![(16, 0x8000_0000); 4096]);
    let image = pe_with_rsrc(root);
    let row = kbaudit::versions::analyze("loop.dll", &image);
    assert_eq!(row.status, "no_version", "{row:?}");
}

#[test]
fn a_resource_tree_that_fans_out_stays_bounded() {
    // Root → 1 type dir → 1200 names all → the same languages dir → 1200 data entries:
    // 1.4 million version resources (and, one level deeper, 1.7 billion) claimed in a few KB.
    let fan = 1200u32;
    let names_at = 16 + 8;
    let langs_at = names_at + 16 + 8 * fan;
    let data_at = langs_at + 16 + 8 * fan;
    let mut rsrc = common::resource_directory(&[(16, 0x8000_0000 | names_at)]);
    rsrc.extend(common::resource_directory(&vec![
        (1, 0x8000_0000 | langs_at);
        fan as usize
    ]));
    rsrc.extend(common::resource_directory(&vec![
        (0x409, data_at);
        fan as usize
    ]));
    // One data entry: RVA and size of a small blob inside the section.
    rsrc.extend_from_slice(&(0x2000 + data_at + 16).to_le_bytes());
    rsrc.extend_from_slice(&16u32.to_le_bytes());
    rsrc.extend_from_slice(&[0; 8]);
    rsrc.extend_from_slice(&[0; 16]);
    let image = pe_with_rsrc(rsrc);
    let pe = kbaudit::pe::parse_headers(&image).unwrap();
    let found = kbaudit::pe::resource::version_resources(&image, &pe);
    assert!(found.len() <= 256, "{} version resources kept", found.len());
}

#[test]
fn a_hotpatch_section_claiming_more_bytes_than_the_file_is_invalid_not_a_panic() {
    let mut image = common::hotpatch_image("authz.dll", 2, 3);
    let at = image.windows(8).position(|w| w == b".hotp1  ").unwrap();
    // raw size 0x8400 in a file of a few KB; the target name RVA points past the file's end.
    image[at + 16..at + 20].copy_from_slice(&0x8400u32.to_le_bytes());
    let raw_offset = u32::from_le_bytes(image[at + 20..at + 24].try_into().unwrap()) as usize;
    image[raw_offset + 0x30..raw_offset + 0x34]
        .copy_from_slice(&(0x2000u32 + 0x8000).to_le_bytes());
    let verdict = kbaudit::package::hotpatch::validate(&image);
    assert!(verdict.is_err(), "{verdict:?}");
}

#[test]
fn arbitrary_update_inf_version_fields_never_panic() {
    let inf = "[SourceFileInfo]\r\nsp1gdr\\authz.dll=0123456789abcdef0123456789abcdef,aaaéaaaaaaaaaaa,90000,SP1GDR\r\n";
    let entries = kbaudit::package::inf::source_file_info(inf);
    assert_eq!(entries["sp1gdr\\authz.dll"].version, None);
}

#[test]
fn overlapping_files_decompress_the_folder_once() {
    // 1024 MSZIP blocks of zeros (32 MiB out of a few tens of KB), and 500 files of 33 KB that
    // overlap near the folder's end: restarting the folder for each one cost 500 × 32 MiB.
    let blocks = common::zero_mszip_blocks(1024);
    let end = 1024 * 32768u32;
    let names: Vec<String> = (0..500).map(|i| format!("f{i:03}")).collect();
    let files: Vec<(&str, u32, u32)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), 33_000, end - 70_000 + i as u32 * 64))
        .collect();
    let cab = common::raw_cabinet(1, &blocks, &files);
    let cabinet = kbaudit::cab::parse_cabinet(&cab, encoding_rs::WINDOWS_1252).unwrap();
    let (read, _) = kbaudit::cab::decompress::read_files(&cab, &cabinet, false, 1 << 30);
    assert_eq!(read.len(), 500);
    for file in read {
        let bytes = file.unwrap();
        assert_eq!(bytes.len(), 33_000);
        assert!(bytes.iter().all(|&b| b == 0));
    }
}

/// Takes every byte, without a budget of its own.
struct Discard;

impl kbaudit::cab::decompress::FileSink for Discard {
    fn data(&mut self, _: usize, _: &[u8]) -> Result<(), kbaudit::cab::CabError> {
        Ok(())
    }
    fn end(
        &mut self,
        _: usize,
        _: Result<(), kbaudit::cab::CabError>,
    ) -> Result<(), kbaudit::cab::CabError> {
        Ok(())
    }
}

#[test]
fn decompressing_again_counts_against_the_work_budget() {
    let blocks = common::zero_mszip_blocks(1024);
    // a: 20 MiB from the start; b: 1 byte at offset 1, behind what is kept after a, so the
    // folder starts again; c: 1 byte at 19 MiB, decompressed a second time to reach it.
    let mib = 1u32 << 20;
    let files = [("a", 20 * mib, 0), ("b", 1, 1), ("c", 1, 19 * mib)];
    let cab = common::raw_cabinet(1, &blocks, &files);
    let cabinet = kbaudit::cab::parse_cabinet(&cab, encoding_rs::WINDOWS_1252).unwrap();
    let run = |max_work| {
        kbaudit::cab::decompress::extract_folder(
            &cab,
            &cabinet,
            0,
            &[0, 1, 2],
            false,
            max_work,
            &mut Discard,
        )
    };
    let error = run(10 << 20).unwrap_err().to_string();
    assert!(
        error.contains("decompress more than 10485760 bytes again"),
        "{error}"
    );
    assert!(
        run(1 << 30).is_ok(),
        "within the budget, every file is served"
    );
}

#[test]
fn back_to_back_fake_cabinet_headers_do_not_make_the_scan_quadratic() {
    // 1 MB of 40-byte fake headers, each plausible to cabextract's check and declaring 65,000
    // folders: each was parsed in full before the scan moved on 4 bytes (8.7 s; 8 MB took 157 s).
    let len = 1 << 20;
    let mut file = Vec::with_capacity(len);
    while file.len() + 40 <= len {
        let remaining = (len - file.len()) as u32;
        let mut h = Vec::new();
        h.extend_from_slice(b"MSCF");
        h.extend_from_slice(&0u32.to_le_bytes());
        h.extend_from_slice(&remaining.to_le_bytes()); // cbCabinet
        h.extend_from_slice(&0u32.to_le_bytes());
        h.extend_from_slice(&(36 + 65_000 * 8u32).to_le_bytes()); // coffFiles
        h.extend_from_slice(&0u32.to_le_bytes());
        h.extend_from_slice(&[3, 1]);
        h.extend_from_slice(&65_000u16.to_le_bytes()); // cFolders
        h.extend_from_slice(&1u16.to_le_bytes()); // cFiles
        h.extend_from_slice(&[0; 6]);
        h.resize(40, 0);
        file.extend(h);
    }
    let search = kbaudit::cab::locate::locate(&file, encoding_rs::WINDOWS_1252);
    assert!(search.cabinets.is_empty());
    let said: Vec<String> = search.errors.iter().map(|(_, e)| e.to_string()).collect();
    assert!(
        said.iter().any(|e| e.contains("scan for cabinets stopped")),
        "{said:?}"
    );
}
