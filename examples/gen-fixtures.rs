//! Writes the synthetic PE fixtures committed under `corpus/binaries/` (see corpus/README.md).
//!
//!     cargo run --example gen-fixtures -- corpus/binaries

#[path = "../tests/common/mod.rs"]
mod common;

use common::{VersionSpec, pe_with_versions, tiny_pe};

const X86: u16 = 0x14c;
const X64: u16 = 0x8664;

/// Writes the synthetic PE fixtures of corpus/binaries (see corpus/README.md).
#[derive(clap::Parser)]
struct Args {
    /// Folder to write into
    #[arg(default_value = "corpus/binaries")]
    out: std::path::PathBuf,
}

fn main() {
    let Args { out } = clap::Parser::parse();
    std::fs::create_dir_all(&out).unwrap();
    let write = |name: &str, bytes: Vec<u8>| std::fs::write(out.join(name), bytes).unwrap();
    let en = VersionSpec::english;
    write(
        "authz_sp1_rtm.dll",
        pe_with_versions(
            X86,
            &[(
                0x409,
                en(
                    [5, 2, 3790, 1830],
                    "5.2.3790.1830 (srv03_sp1_rtm.050324-1447)",
                    "authz.dll",
                ),
            )],
        ),
    );
    write(
        "authz_sp1_gdr.dll",
        pe_with_versions(
            X86,
            &[(
                0x409,
                en(
                    [5, 2, 3790, 2453],
                    "5.2.3790.2453 (srv03_sp1_gdr.050617-1233)",
                    "authz.dll",
                ),
            )],
        ),
    );
    write(
        "authz_sp1_qfe.dll",
        pe_with_versions(
            X86,
            &[(
                0x409,
                en(
                    [5, 2, 3790, 2479],
                    "5.2.3790.2479 (srv03_sp1_qfe.050707-1456)",
                    "authz.dll",
                ),
            )],
        ),
    );
    write(
        "kernel32_rtm.dll",
        pe_with_versions(
            X86,
            &[(
                0x409,
                en(
                    [5, 2, 3790, 0],
                    "5.2.3790.0 (srv03_rtm.030324-2048)",
                    "kernel32",
                ),
            )],
        ),
    );
    write(
        "msvcrt_qfe_base.dll",
        pe_with_versions(
            X86,
            &[(
                0x409,
                en(
                    [7, 0, 3790, 2451],
                    "7.0.3790.2451 (srv03_qfe.050525-1503)",
                    "msvcrt.dll",
                ),
            )],
        ),
    );
    write(
        "ntdll_x64.dll",
        pe_with_versions(
            X64,
            &[(
                0x409,
                en(
                    [5, 2, 3790, 1830],
                    "5.2.3790.1830 (srv03_sp1_rtm.050324-1447)",
                    "ntdll.dll",
                ),
            )],
        ),
    );
    write(
        "shell32_xp.dll",
        pe_with_versions(
            X86,
            &[(
                0x409,
                en(
                    [6, 0, 2900, 5512],
                    "6.00.2900.5512 (xpsp.080413-2105)",
                    "SHELL32.DLL",
                ),
            )],
        ),
    );
    let mut japanese = en(
        [5, 2, 3790, 2453],
        "5.2.3790.2453 (srv03_sp1_gdr.050617-1233)",
        "ntdll.dll",
    );
    japanese.tables[0].0 = "041104B0".into();
    japanese.tables[0].1[1].1 = "NT レイヤー DLL".into();
    japanese.translations = vec![(0x0411, 0x04b0)];
    write(
        "ntdll_jpn.dll",
        pe_with_versions(X86, &[(0x411, japanese.clone())]),
    );
    // Two languages; the Translation names Japanese first, so its strings win.
    let mut english = en(
        [5, 2, 3790, 2453],
        "5.2.3790.2453 (srv03_sp1_gdr.050617-1233)",
        "ntdll.dll",
    );
    english.translations = vec![(0x0411, 0x04b0), (0x0409, 0x04b0)];
    english.tables.push(japanese.tables[0].clone());
    write(
        "ntdll_multilang.dll",
        pe_with_versions(X86, &[(0x409, english), (0x411, japanese)]),
    );
    let mut numbers = en(
        [7, 2, 3790, 1830],
        "7.02.3790.1830 (srv03_sp1_rtm.050324-1447)",
        "mfc42.dll",
    );
    numbers.fixed = [7, 2, 3790, 1830];
    write(
        "mfc42_padded_numbers.dll",
        pe_with_versions(X86, &[(0x409, numbers)]),
    );
    let mut bare = en([5, 2, 3790, 1830], "", "x");
    bare.tables.clear();
    write("fixed_only.dll", pe_with_versions(X86, &[(0x409, bare)]));
    let mut lying = en(
        [5, 2, 3790, 2453],
        "5.2.3790.2453 (srv03_sp1_gdr.050617-1233)",
        "lying.dll",
    );
    lying.lie_about_length = true;
    write("lying_length.dll", pe_with_versions(X86, &[(0x409, lying)]));
    write("no_resources.exe", tiny_pe(X86, &[]));
    write(
        "readme.txt",
        b"Not a PE file: skipped when a folder is walked, an error row when named.\\r\\n".to_vec(),
    );
}
