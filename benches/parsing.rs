//! Criterion benchmarks of the hot paths: log decoding, the line grammar, run splitting and
//! classification, CSV writing, each stage of `kbaudit logs` over a generated share, and MSZIP /
//! LZX folder decompression.

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use encoding_rs::WINDOWS_1252;
use kbaudit::cab::decompress::read_files;
use kbaudit::cab::parse_cabinet;
use kbaudit::logs::{self, LogOptions, decode, line, run};
use kbaudit::output::{Format, OutputOptions, TableWriter};

/// About 1 MB of log text: the committed corpus's installer logs, repeated.
fn sample_log() -> String {
    let mut text = String::new();
    for host in [
        "SRV-WEB01/KB896358.log",
        "SRV-DB01/KB899588.log",
        "SRV-WEB02/KB899589.log",
        "SRV-DB02/KB908531.log",
    ] {
        let bytes = std::fs::read(Path::new("corpus/logs").join(host)).unwrap();
        text.push_str(&decode::decode(&bytes, None).text);
    }
    text.repeat((1 << 20) / text.len() + 1)
}

fn logs(c: &mut Criterion) {
    let text = sample_log();
    let mut group = c.benchmark_group("logs");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("decode windows-1252 bytes", |b| {
        // "é " is not UTF-8 nor Shift_JIS: the detector falls through to windows-1252.
        let mut bytes = b"\xe9 ".to_vec();
        bytes.extend_from_slice(text.as_bytes());
        b.iter(|| black_box(decode::decode(black_box(&bytes), None).text.len()))
    });
    let utf16: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    group.bench_function("decode utf-16le", |b| {
        b.iter(|| black_box(decode::decode(black_box(&utf16), None).text.len()))
    });
    let lines: Vec<&str> = text.lines().collect();
    group.bench_function("line grammar (prefix + classify)", |b| {
        b.iter(|| {
            let mut kinds = 0usize;
            for l in &lines {
                if let Some((_, message)) = line::elapsed_prefix(l) {
                    kinds += line::classify(message).kind().len();
                }
            }
            black_box(kinds)
        })
    });
    group.bench_function("split and classify runs", |b| {
        b.iter(|| {
            let runs = run::split_runs(black_box(&text), false, &mut run::FileNotes::default());
            black_box(
                runs.iter()
                    .map(|r| r.verdict().outcome as usize)
                    .sum::<usize>(),
            )
        })
    });
    group.finish();

    let file = logs::analyze_bytes(
        Path::new("H/KB1.log"),
        text.as_bytes(),
        &LogOptions::default(),
    );
    let rows = file.run_rows(None);
    let mut group = c.benchmark_group("csv");
    group.throughput(Throughput::Elements(rows.len() as u64));
    let dir = tempfile::tempdir().unwrap();
    group.bench_function("write run rows", |b| {
        b.iter(|| {
            let options = OutputOptions {
                format: Format::Csv,
                force: true,
                ..OutputOptions::default()
            };
            let mut out =
                TableWriter::create::<logs::RunRow>(Some(&dir.path().join("runs.csv")), options)
                    .unwrap();
            for row in &rows {
                out.write(row).unwrap();
            }
            out.finish().unwrap();
        })
    });
    group.finish();
}

fn cabinets(c: &mut Criterion) {
    let files: Vec<(String, Vec<u8>)> = (0..8)
        .map(|i| {
            (
                format!("SP1QFE\\f{i}.dll"),
                common::realistic_bytes(2 << 20, i),
            )
        })
        .collect();
    let total: usize = files.iter().map(|(_, d)| d.len()).sum();
    let mszip = common::cab_crate_cabinet(&[(cab::CompressionType::MsZip, files)]);
    let mut group = c.benchmark_group("cab");
    group.throughput(Throughput::Bytes(total as u64));
    group.sample_size(20);
    group.bench_function("MSZIP folder, 16 MiB out", |b| {
        let cabinet = parse_cabinet(&mszip, WINDOWS_1252).unwrap();
        b.iter(|| black_box(read_files(&mszip, &cabinet, false, u64::MAX).0.len()))
    });
    // No LZX writer exists in Rust: use makecab's LZX:21 cabinet from the conformance suite.
    let lzx = Path::new("../shared/conformance/cabs/cabextract-cabs/large-files-cab.cab");
    match std::fs::read(lzx) {
        Ok(bytes) => {
            let cabinet = parse_cabinet(&bytes, WINDOWS_1252).unwrap();
            let out: u64 = cabinet.files.iter().map(|f| u64::from(f.size)).sum();
            group.throughput(Throughput::Bytes(out));
            group.bench_function("LZX:21 folder (makecab), 14 MiB out", |b| {
                b.iter(|| black_box(read_files(&bytes, &cabinet, false, u64::MAX).0.len()))
            });
        }
        Err(_) => eprintln!("SKIPPED LZX benchmark: {} is absent", lzx.display()),
    }
    group.finish();
}

/// The stages of `kbaudit logs`, one at a time, over a generated share (clean and mixed
/// profiles, 300 hosts each) in the page cache: walk, read, decode, split (the fast reading and
/// the careful one it falls back to), rows, CSV, and all of them for one file at a time.
fn stages(c: &mut Criterion) {
    use common::share::{Profile, write_share};
    use kbaudit::scan;
    for (name, profile) in [("clean", Profile::Clean), ("mixed", Profile::Mixed)] {
        let dir = tempfile::tempdir().unwrap();
        let (files, bytes) = write_share(dir.path(), 300, 7, profile);
        let root = vec![dir.path().to_path_buf()];
        let inputs = scan::collect_unsized(&root, "logs", |p| scan::has_extension(p, &["log"]));
        assert_eq!(inputs.len() as u64, files);
        let raw: Vec<Vec<u8>> = inputs
            .iter()
            .map(|i| std::fs::read(&i.path).unwrap())
            .collect();
        let texts: Vec<String> = raw
            .iter()
            .map(|b| decode::decode(b, None).text.into_owned())
            .collect();
        let options = LogOptions::default();
        let analysed: Vec<logs::LogFile> = inputs
            .iter()
            .zip(&raw)
            .map(|(i, b)| logs::analyze_bytes(&i.path, b, &options))
            .collect();
        let rows: Vec<logs::RunRow> = analysed.iter().flat_map(|f| f.run_rows(None)).collect();

        let mut group = c.benchmark_group(format!("stages ({name} share)"));
        group.throughput(Throughput::Bytes(bytes));
        group.sample_size(10);
        group.bench_function("walk", |b| {
            b.iter(|| {
                scan::collect_unsized(&root, "logs", |p| scan::has_extension(p, &["log"])).len()
            })
        });
        group.bench_function("read", |b| {
            let mut buffer = Vec::new();
            b.iter(|| {
                let mut total = 0;
                for input in &inputs {
                    use std::io::Read;
                    buffer.clear();
                    let mut file = std::fs::File::open(&input.path).unwrap();
                    total += file.read_to_end(&mut buffer).unwrap();
                }
                black_box(total)
            })
        });
        group.bench_function("decode", |b| {
            b.iter(|| {
                raw.iter()
                    .map(|b| decode::decode(black_box(b), None).text.len())
                    .sum::<usize>()
            })
        });
        group.bench_function("split, fast reading", |b| {
            b.iter(|| {
                texts
                    .iter()
                    .map(|t| match logs::fast::split_runs(black_box(t)) {
                        Some(runs) => runs.len(),
                        None => run::split_runs(t, false, &mut run::FileNotes::default()).len(),
                    })
                    .sum::<usize>()
            })
        });
        group.bench_function("split, careful reading only", |b| {
            b.iter(|| {
                texts
                    .iter()
                    .map(|t| {
                        run::split_runs(black_box(t), false, &mut run::FileNotes::default()).len()
                    })
                    .sum::<usize>()
            })
        });
        group.bench_function("rows", |b| {
            b.iter(|| {
                analysed
                    .iter()
                    .map(|f| f.run_rows(None).len())
                    .sum::<usize>()
            })
        });
        let out = tempfile::tempdir().unwrap();
        group.bench_function("csv", |b| {
            b.iter(|| {
                let options = OutputOptions {
                    format: Format::Csv,
                    force: true,
                    ..OutputOptions::default()
                };
                let path = out.path().join("runs.csv");
                let mut table = TableWriter::create::<logs::RunRow>(Some(&path), options).unwrap();
                for row in &rows {
                    table.write(row).unwrap();
                }
                table.finish().unwrap();
            })
        });
        group.bench_function("all stages, file by file", |b| {
            b.iter(|| {
                inputs
                    .iter()
                    .map(|i| logs::read_log(i, &options).run_rows(None).len())
                    .sum::<usize>()
            })
        });
        group.finish();
    }
}

criterion_group!(benches, logs, stages, cabinets);
criterion_main!(benches);
