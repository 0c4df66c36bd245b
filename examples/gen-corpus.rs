//! Writes a synthetic log share for benchmarks: `<out>/<HOST>/KB######.log`, deterministic from a
//! seed (see `tests/common/share.rs` for the mix each profile holds).
//!
//!     cargo run --release --example gen-corpus -- --hosts 20000 --out /tmp/share [--seed 7] [--profile mixed]

use std::path::PathBuf;

#[path = "../tests/common/share.rs"]
mod share;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Profile {
    /// Clean logs, probes all `In Function TestVolatileFlag`
    Clean,
    /// Varied line families, accented text, damaged files
    Mixed,
}

/// Writes a synthetic log share (`<out>/<HOST>/KB######.log`) for benchmarks, deterministic from
/// the seed.
#[derive(clap::Parser)]
struct Args {
    /// Number of hosts (24000 gives about 1 GB)
    #[arg(long, default_value_t = 1000)]
    hosts: u64,
    /// Seed of the generator
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Folder to write the share into
    #[arg(long, default_value = "share")]
    out: PathBuf,
    /// The mix of lines and damage
    #[arg(long, value_enum, default_value = "clean")]
    profile: Profile,
}

fn main() {
    let Args {
        hosts,
        seed,
        out,
        profile,
    } = clap::Parser::parse();
    let profile = match profile {
        Profile::Clean => share::Profile::Clean,
        Profile::Mixed => share::Profile::Mixed,
    };
    let (files, bytes) = share::write_share(&out, hosts, seed, profile);
    eprintln!(
        "wrote {files} logs, {bytes} bytes, for {hosts} hosts under {}",
        out.display()
    );
}
