//! A synthetic log share, `<out>/<HOST>/KB######.log`, deterministic from a seed: for the
//! benchmarks (`examples/gen-corpus.rs`), and for tests that need a share of many hosts.
//!
//! A fleet's mix: mostly successes, some reboot-required, a few failures and truncated runs;
//! mostly windows-1252, some Shift_JIS (Japanese hosts) and UTF-16LE; files from 1 KB to ~1 MB.
//! The `Mixed` profile adds what real shares also hold: probe lines of other families, accented
//! windows-1252 text, hotpatch and restart lines, uninstall runs, and web-damaged files (wrapped
//! and glued lines, stripped prefixes, runs concatenated without a header).

use std::fmt::Write as _;
use std::path::Path;

/// What kind of share to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Clean logs whose probe lines are all `In Function TestVolatileFlag`.
    Clean,
    /// Varied line families, accented text, and damaged files.
    Mixed,
}

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

fn run(
    text: &mut String,
    rng: &mut Rng,
    kb: u32,
    day: u32,
    japanese: bool,
    padding: usize,
    profile: Profile,
) {
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
        let probe = match profile {
            Profile::Clean => 0,
            Profile::Mixed => rng.below(8),
        };
        let text_of = match probe {
            0..=3 => format!(
                "In Function TestVolatileFlag, line {}, RegOpenKeyExW failed with error 0x2",
                11600 + i
            ),
            4 => format!("DoInstallation: ProcessInfSection {i} of SP2QFE"),
            5 => format!("GetCatVersion: Failed to retrieve the catalog version {i}"),
            6 => format!(
                "LoadFileQueues: queueing file {} for copy",
                FILES[i % FILES.len()]
            ),
            _ => format!("BuildCabinetManifest: skipped {i} entries, Détails à suivre"),
        };
        line(text, &mut t, &text_of);
    }
    if profile == Profile::Mixed {
        match rng.below(12) {
            0 => line(
                text,
                &mut t,
                "Hotpatching: using hotpatch for ntdll.dll, installed",
            ),
            1 => line(text, &mut t, "AnalyzeForBranching: branch is SP2QFE"),
            2 => line(text, &mut t, "CheckSystem: product type 3, build 3790"),
            _ => {}
        }
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
    if profile == Profile::Mixed && roll < 16 {
        line(
            text,
            &mut t,
            "Message displayed to the user: You must restart your computer to complete the installation.",
        );
    }
}

/// Damage a web page or a mail client does to a log, applied to its text.
fn damage(text: &str, rng: &mut Rng) -> String {
    let lines: Vec<&str> = text.split("\r\n").collect();
    let mut out = String::with_capacity(text.len() + 64);
    let kind = rng.below(5);
    for (i, l) in lines.iter().enumerate() {
        let roll = rng.below(20);
        match kind {
            // Long lines wrapped at 60 columns.
            0 if l.len() > 60 && roll < 10 => {
                let cut = (0..=60).rev().find(|&c| l.is_char_boundary(c)).unwrap_or(0);
                let _ = write!(out, "{}\r\n{}\r\n", &l[..cut], &l[cut..]);
            }
            // Records glued onto one line.
            1 if roll < 3 && i + 1 < lines.len() => {
                let _ = write!(out, "{l} ");
            }
            // Stripped prefixes.
            2 if roll < 2 => {
                let message = l.split_once(": ").map_or(*l, |(_, m)| m);
                let _ = write!(out, "{message}\r\n");
            }
            // Lone CR line breaks and leading spaces.
            3 => {
                let _ = write!(out, "{}{l}\r", if roll < 2 { "  " } else { "" });
            }
            _ => {
                let _ = write!(out, "{l}\r\n");
            }
        }
    }
    out
}

/// Writes a share of `hosts` hosts under `out`. Returns the number of files and bytes written.
pub fn write_share(out: &Path, hosts: u64, seed: u64, profile: Profile) -> (u64, u64) {
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
            let runs = 1 + rng.below(3);
            // Some files are runs concatenated without their headers (a copy-paste of parts).
            let headless = profile == Profile::Mixed && rng.below(25) == 0;
            for r in 0..runs {
                let mut one = String::new();
                run(
                    &mut one,
                    &mut rng,
                    kb,
                    (h * 3 + r) as u32,
                    japanese,
                    padding,
                    profile,
                );
                if headless && r > 0 {
                    one = one.split("\r\n").skip(3).collect::<Vec<_>>().join("\r\n");
                }
                text.push_str(&one);
            }
            if profile == Profile::Mixed && rng.below(12) == 0 {
                text = damage(&text, &mut rng);
            }
            if profile == Profile::Mixed && !japanese && rng.below(3) == 0 {
                text.push_str("0.999: Notes: Überprüfung abgeschlossen, résumé écrit\r\n");
            }
            let encoded = if japanese {
                encoding_rs::SHIFT_JIS.encode(&text).0.into_owned()
            } else if rng.below(20) == 0 {
                let mut v = vec![0xff, 0xfe];
                v.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
                v
            } else {
                encoding_rs::WINDOWS_1252.encode(&text).0.into_owned()
            };
            bytes += encoded.len() as u64;
            files += 1;
            std::fs::write(dir.join(format!("KB{kb}.log")), encoded).unwrap();
        }
    }
    (files, bytes)
}
