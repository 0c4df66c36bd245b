//! Writes the synthetic update packages committed under `corpus/packages/` (see
//! corpus/README.md): SFXCAB-style executables (a tiny PE stub, the cabinet as overlay, a fake
//! certificate table) and a plain cabinet.
//!
//!     cargo run --example gen-packages -- corpus/packages

#[path = "../tests/common/mod.rs"]
mod common;

use cab::CompressionType::MsZip;
use common::{VersionSpec, pe_with_versions};

const GDR: [u16; 4] = [5, 2, 3790, 2453];
const QFE: [u16; 4] = [5, 2, 3790, 2479];

fn authz(version: [u16; 4], lab: &str) -> Vec<u8> {
    let text = format!(
        "{}.{}.{}.{} ({lab})",
        version[0], version[1], version[2], version[3]
    );
    pe_with_versions(
        0x14c,
        &[(0x409, VersionSpec::english(version, &text, "authz.dll"))],
    )
}

/// The layout of docs/formats.md §3.3: update\ files, SP1GDR and SP1QFE payloads, optional extras.
fn package(kb: &str, inf_lies: bool, extras: Vec<(String, Vec<u8>)>) -> Vec<u8> {
    let gdr = authz(GDR, "srv03_sp1_gdr.050617-1233");
    let qfe = authz(QFE, "srv03_sp1_qfe.050707-1456");
    let listed_gdr: Vec<u8> = if inf_lies {
        b"something else".to_vec()
    } else {
        gdr.clone()
    };
    let inf = common::update_inf(&[
        ("SP1GDR\\authz.dll", &listed_gdr, GDR, "SP1GDR"),
        ("SP1QFE\\authz.dll", &qfe, QFE, "SP1QFE"),
    ]);
    let update_exe = pe_with_versions(
        0x14c,
        &[(
            0x409,
            VersionSpec::english(
                [6, 1, 22, 4],
                "6.1.22.4 (srv03_sp1_rtm.050324-1447)",
                "update.exe",
            ),
        )],
    );
    let mut files = vec![
        ("update\\update.exe".to_string(), update_exe),
        ("update\\update.inf".to_string(), inf),
        (
            format!("update\\{kb}.cat"),
            b"0\x82\x01\x00 not a real catalog".to_vec(),
        ),
        ("SP1GDR\\authz.dll".to_string(), gdr),
        ("SP1QFE\\authz.dll".to_string(), qfe),
    ];
    files.extend(extras);
    common::cab_crate_cabinet(&[(MsZip, files)])
}

/// Writes the synthetic update packages of corpus/packages (see corpus/README.md).
#[derive(clap::Parser)]
struct Args {
    /// Folder to write into
    #[arg(default_value = "corpus/packages")]
    out: std::path::PathBuf,
}

fn main() {
    let Args { out } = clap::Parser::parse();
    std::fs::create_dir_all(&out).unwrap();
    let write = |name: &str, bytes: Vec<u8>| std::fs::write(out.join(name), bytes).unwrap();
    let hp = (
        "SP1GDR\\authz._hp".to_string(),
        common::hotpatch_image("authz.dll", 2, 3),
    );
    write(
        "WindowsServer2003-KB911897-x86-ENU.exe",
        common::sfx_package(&package("KB911897", false, vec![hp])),
    );
    write(
        "WindowsServer2003-KB912345-x86-JPN.exe",
        common::sfx_package(&package("KB912345", false, vec![])),
    );
    write(
        "WindowsServer2003-KB913333-x86-ENU.exe",
        common::sfx_package(&package("KB913333", true, vec![])),
    );
    let mut bad_hp = common::hotpatch_image("authz.dll", 1, 3);
    let at = bad_hp.windows(4).position(|w| w == b"HOT1").unwrap();
    bad_hp[at..at + 4].copy_from_slice(b"HOT0");
    let extras = vec![
        ("SP1GDR\\authz._hp".to_string(), bad_hp),
        ("SP1GDR\\readme.hp".to_string(), b"not a PE".to_vec()),
    ];
    write(
        "WindowsServer2003-KB914444-x86-ENU.exe",
        common::sfx_package(&package("KB914444", false, extras)),
    );
    let whole = common::sfx_package(&package("KB915555", false, vec![]));
    // Cut inside the compressed data (an interrupted download): headers read, payloads do not.
    write(
        "WindowsServer2003-KB915555-x86-ENU.exe",
        whole[..whole.len() - 300].to_vec(),
    );
    write("KB916666.cab", package("KB916666", false, vec![]));
    write("not-a-package.exe", common::tiny_pe(0x14c, &[]));
}
