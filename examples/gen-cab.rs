//! Writes a large multi-file MSZIP cabinet for extraction benchmarks (written by the `cab` crate,
//! with compressible, binary-like content). Deterministic.
//!
//!     cargo run --release --example gen-cab -- --mib 256 --out /tmp/big.cab

#[path = "../tests/common/mod.rs"]
mod common;

/// Writes a large multi-file MSZIP cabinet for extraction benchmarks, deterministic.
#[derive(clap::Parser)]
struct Args {
    /// Size of the content in MiB
    #[arg(long, default_value_t = 64)]
    mib: usize,
    /// The cabinet file to write
    #[arg(long, default_value = "big.cab")]
    out: std::path::PathBuf,
}

fn main() {
    let Args { mib, out } = clap::Parser::parse();
    // Files of 64 KiB to 8 MiB, like the payloads of a service pack, in 4 folders.
    let mut folders = Vec::new();
    let (mut total, mut seed) = (0usize, 1u64);
    for folder in 0..4 {
        let mut files = Vec::new();
        while total < mib << 20 >> 2 << 2 && total < (folder + 1) * (mib << 20) / 4 {
            let len = (64 << 10) << (seed % 8);
            files.push((
                format!("SP1QFE\\file{seed:05}.dll"),
                common::realistic_bytes(len, seed),
            ));
            total += len;
            seed += 1;
        }
        folders.push((cab::CompressionType::MsZip, files));
    }
    let bytes = common::cab_crate_cabinet(&folders);
    std::fs::write(&out, &bytes).unwrap();
    eprintln!(
        "wrote {} ({} bytes, {} MiB of files in {} files)",
        out.display(),
        bytes.len(),
        total >> 20,
        seed - 1
    );
}
