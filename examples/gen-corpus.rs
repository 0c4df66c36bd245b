//! Writes a synthetic log share for benchmarks: `<out>/<HOST>/KB######.log`, deterministic from a
//! seed. A fleet's mix: mostly successes, some reboot-required, a few failures and truncated runs;
//! mostly windows-1252, some Shift_JIS (Japanese hosts) and UTF-16LE; files from 1 KB to ~1 MB.
//!
//!     cargo run --release --example gen-corpus -- --hosts 20000 --out /tmp/share [--seed 7]

use std::fmt::Write as _;
use std::path::PathBuf;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*: enough for a reproducible mix, no dependency.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const KBS: [u32; 12] = [
    896358, 896422, 899588, 899589, 899591, 901214, 902400, 904706, 905414, 908531, 911897, 913446,
];
const FILES: [&str; 8] = [
    "ntdll.dll",
    "kernel32.dll",
    "mshtml.dll",
    "msxml3.dll",
    "authz.dll",
    "mswsock.dll",
    "ntoskrnl.exe",
    "msadco.dll",
];

fn run(text: &mut String, rng: &mut Rng, kb: u32, day: u32, japanese: bool, padding: usize) {
    let mut t = rng.below(200) as f64 / 1000.0;
    let line = |text: &mut String, t: &mut f64, msg: &str| {
        // The installer's clock advances in 15.6 ms ticks; vary the step without the RNG.
        *t += ((*t * 1000.0) as u64 % 3) as f64 * 0.0156;
        let _ = write!(text, "{:.3}: {msg}\r\n", *t);
    };
    let _ = write!(text, "[KB{kb}.log]\r\n");
    line(text, &mut t, &"=".repeat(80));
    line(
        text,
        &mut t,
        &format!(
            "2006/{:02}/{:02} {:02}:{:02}:{:02}.{:03} (local)",
            1 + day % 12,
            1 + day % 28,
            day % 24,
            day % 60,
            day * 7 % 60,
            day % 1000
        ),
    );
    line(
        text,
        &mut t,
        &format!(
            "c:\\{:x}\\update\\update.exe (version 6.1.22.4)",
            rng.next() & 0xffff_ffff
        ),
    );
    line(
        text,
        &mut t,
        "Hotfix started with following command line: /quiet /norestart",
    );
    for i in 0..padding {
        line(
            text,
            &mut t,
            &format!(
                "In Function TestVolatileFlag, line {}, RegOpenKeyExW failed with error 0x2",
                11600 + i
            ),
        );
    }
    line(text, &mut t, "Starting AnalyzeComponents");
    line(
        text,
        &mut t,
        "AnalyzeComponents: Hotpatch analysis disabled; skipping.",
    );
    let roll = rng.below(100);
    if roll < 5 {
        return; // cut off
    }
    if roll < 12 {
        line(text, &mut t, "DoInstallation: CheckSystem Failed: 0xf117");
        let msg = if japanese {
            "このコンピュータにインストールされている Windows のバージョンが一致しません。"
        } else {
            "Setup cannot update this version of Windows."
        };
        line(
            text,
            &mut t,
            &format!("Message displayed to the user: {msg}"),
        );
        line(
            text,
            &mut t,
            &format!("KB{kb} installation did not complete."),
        );
        line(text, &mut t, "Update.exe extended error code = 0xf117");
        line(
            text,
            &mut t,
            "Update.exe return code was masked to 0x643 for MSI custom action compliance.",
        );
        return;
    }
    line(text, &mut t, "System Restore Point set.");
    for f in 0..1 + rng.below(4) as usize {
        line(
            text,
            &mut t,
            &format!(
                "Copied file:  C:\\WINDOWS\\system32\\{}",
                FILES[(f + kb as usize) % FILES.len()]
            ),
        );
    }
    if roll < 30 {
        line(text, &mut t, "---- New Information In The Registry ------");
        line(
            text,
            &mut t,
            "Source:C:\\WINDOWS\\system32\\SET3B.tmp (5.2.3790.2453)",
        );
        line(
            text,
            &mut t,
            "Destination:C:\\WINDOWS\\system32\\ntdll.dll (5.2.3790.1830)",
        );
    }
    line(
        text,
        &mut t,
        &format!("Registering Uninstall Program for -> KB{kb}, KB{kb} , 0x0"),
    );
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
}

fn main() {
    let Args { hosts, seed, out } = clap::Parser::parse();
    let mut rng = Rng(seed.max(1));
    let (mut files, mut bytes) = (0u64, 0u64);
    for h in 0..hosts {
        let japanese = rng.below(10) == 0;
        let dir = out.join(format!("{}{h:06}", if japanese { "JP-SRV" } else { "SRV" }));
        std::fs::create_dir_all(&dir).unwrap();
        for k in 0..1 + rng.below(6) {
            let kb = KBS[((h + k * 5) % KBS.len() as u64) as usize];
            // Mostly small files; one in 200 is large (long probe sections).
            let padding = if rng.below(200) == 0 {
                4000 + rng.below(8000) as usize
            } else {
                rng.below(40) as usize
            };
            let mut text = String::new();
            for r in 0..1 + rng.below(3) {
                run(
                    &mut text,
                    &mut rng,
                    kb,
                    (h * 3 + r) as u32,
                    japanese,
                    padding,
                );
            }
            let encoded = if japanese {
                encoding_rs::SHIFT_JIS.encode(&text).0.into_owned()
            } else if rng.below(20) == 0 {
                let mut v = vec![0xff, 0xfe];
                v.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
                v
            } else {
                text.into_bytes()
            };
            bytes += encoded.len() as u64;
            files += 1;
            std::fs::write(dir.join(format!("KB{kb}.log")), encoded).unwrap();
        }
    }
    eprintln!(
        "wrote {files} logs, {bytes} bytes, for {hosts} hosts under {}",
        out.display()
    );
}
