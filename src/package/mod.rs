//! `kbaudit packages`: inventory of update packages (docs/formats.md §3.3–3.4): what a package carries,
//! which branches, whether it holds valid `._hp` hotpatch payloads, and whether it is intact.

pub mod hotpatch;
pub mod inf;
pub mod name;
pub mod payload;

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use crate::cab::decompress::{continued, stream_files};
use crate::cab::locate::{Via, locate};
use crate::output::{Cell, Row};
use crate::pe::version::dotted;
use payload::{Payload, PayloadSink};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PackageRow {
    pub package: String,
    pub kb: Option<u32>,
    pub arch: Option<String>,
    pub lang: Option<String>,
    pub container: Option<&'static str>,
    pub cab_offset: Option<u64>,
    pub cab_count: usize,
    pub signed: Option<bool>,
    pub compression: Option<String>,
    pub files: usize,
    pub bytes: u64,
    pub branches: String,
    pub hotpatch_capable: bool,
    pub hotpatch_files: usize,
    pub hotpatch_targets: String,
    pub delta_compressed: bool,
    pub inf_mismatches: usize,
    pub checksum_errors: usize,
    pub anomalies: Vec<String>,
    pub status: &'static str,
    pub error: Option<String>,
}

impl Row for PackageRow {
    const COLUMNS: &'static [&'static str] = &[
        "package",
        "kb",
        "arch",
        "lang",
        "container",
        "cab_offset",
        "cab_count",
        "signed",
        "compression",
        "files",
        "bytes",
        "branches",
        "hotpatch_capable",
        "hotpatch_files",
        "hotpatch_targets",
        "delta_compressed",
        "inf_mismatches",
        "checksum_errors",
        "anomalies",
        "status",
        "error",
    ];

    fn cells(&self) -> Vec<Cell<'_>> {
        let int = |n: usize| Cell::Int(n as i64);
        vec![
            Cell::text(self.package.as_str()),
            Cell::opt(self.kb, |kb| Cell::text(format!("KB{kb}"))),
            Cell::opt_string(&self.arch),
            Cell::opt_string(&self.lang),
            Cell::opt(self.container, Cell::Word),
            Cell::opt(self.cab_offset, |o| Cell::Int(o as i64)),
            int(self.cab_count),
            Cell::opt(self.signed, Cell::Bool),
            Cell::opt_string(&self.compression),
            int(self.files),
            Cell::Int(self.bytes as i64),
            Cell::text(self.branches.as_str()),
            Cell::Bool(self.hotpatch_capable),
            int(self.hotpatch_files),
            Cell::text(self.hotpatch_targets.as_str()),
            Cell::Bool(self.delta_compressed),
            int(self.inf_mismatches),
            int(self.checksum_errors),
            Cell::joined(&self.anomalies, "; "),
            Cell::Word(self.status),
            Cell::opt_string(&self.error),
        ]
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileRow {
    pub package: String,
    pub path: String,
    pub branch_folder: String,
    pub size: u64,
    pub compressed_as: String,
    pub attributes: String,
    pub modified: Option<jiff::civil::DateTime>,
    pub md5: Option<String>,
    pub sha256: Option<String>,
    pub file_version: Option<String>,
    pub lab_tag: Option<String>,
    pub branch_class: Option<String>,
    pub is_hotpatch: bool,
    pub hotpatch_target: Option<String>,
    pub inf_md5: Option<String>,
    pub inf_version: Option<String>,
    pub inf_match: String,
}

impl Row for FileRow {
    const COLUMNS: &'static [&'static str] = &[
        "package",
        "path",
        "branch_folder",
        "size",
        "compressed_as",
        "attributes",
        "modified",
        "md5",
        "sha256",
        "file_version",
        "lab_tag",
        "branch_class",
        "is_hotpatch",
        "hotpatch_target",
        "inf_md5",
        "inf_version",
        "inf_match",
    ];

    fn cells(&self) -> Vec<Cell<'_>> {
        vec![
            Cell::text(self.package.as_str()),
            Cell::text(self.path.as_str()),
            Cell::text(self.branch_folder.as_str()),
            Cell::Int(self.size as i64),
            Cell::text(self.compressed_as.as_str()),
            Cell::text(self.attributes.as_str()),
            Cell::opt(self.modified, Cell::Local),
            Cell::opt_string(&self.md5),
            Cell::opt_string(&self.sha256),
            Cell::opt_string(&self.file_version),
            Cell::opt_string(&self.lab_tag),
            Cell::opt_string(&self.branch_class),
            Cell::Bool(self.is_hotpatch),
            Cell::opt_string(&self.hotpatch_target),
            Cell::opt_string(&self.inf_md5),
            Cell::opt_string(&self.inf_version),
            Cell::text(self.inf_match.as_str()),
        ]
    }
}

/// One package's rows.
pub struct Inventory {
    pub package: PackageRow,
    pub files: Vec<FileRow>,
}

impl Inventory {
    /// Damaged or unreadable: counts as a failed input (exit code 1).
    pub fn failed(&self) -> bool {
        matches!(self.package.status, "error" | "damaged")
    }
}

/// `SP1GDR`, `RTMQFE`, ... as docs/formats.md §3.3 names them; `update`; everything else `other`.
fn branch_folder(path: &str) -> String {
    let Some((top, _)) = path.split_once(['\\', '/']) else {
        return String::new();
    };
    let upper = top.to_ascii_uppercase();
    let level = upper
        .strip_suffix("GDR")
        .or_else(|| upper.strip_suffix("QFE"));
    let is_branch = level.is_some_and(|l| {
        l == "RTM"
            || (l.len() > 2 && l.starts_with("SP") && l[2..].bytes().all(|b| b.is_ascii_digit()))
    });
    if is_branch {
        upper
    } else if upper == "UPDATE" {
        "update".into()
    } else {
        "other".into()
    }
}

fn attributes(a: u16) -> String {
    [
        (0x01, 'R'),
        (0x02, 'H'),
        (0x04, 'S'),
        (0x20, 'A'),
        (0x40, 'X'),
        (0x80, 'U'),
    ]
    .iter()
    .filter(|(bit, _)| a & bit != 0)
    .map(|(_, c)| *c)
    .collect()
}

/// Inventories one package (`bytes` is the whole file). At most `max_bytes` are decompressed.
pub fn inventory(path: &Path, bytes: &[u8], max_bytes: u64) -> Inventory {
    inventory_reporting(path, bytes, max_bytes, &|_| {})
}

/// [`inventory`], telling `progress` how far it is, in bytes of the package: decompressed bytes
/// scaled to the package's size (the cabinets' file tables give the total to expect), so a bar
/// over many packages moves while one large package is read. The reports add up to the
/// package's size.
pub fn inventory_reporting(
    path: &Path,
    bytes: &[u8],
    max_bytes: u64,
    progress: &dyn Fn(u64),
) -> Inventory {
    let package_len = bytes.len() as u64;
    let reported = std::cell::Cell::new(0u64);
    let expected = std::cell::Cell::new(0u64);
    let decompressed = std::cell::Cell::new(0u64);
    let on_bytes = |n: u64| {
        decompressed.set(decompressed.get() + n);
        let total = expected.get().max(decompressed.get()).max(1);
        let due =
            (u128::from(decompressed.get()) * u128::from(package_len) / u128::from(total)) as u64;
        let due = due.min(package_len);
        if due > reported.get() {
            progress(due - reported.get());
            reported.set(due);
        }
    };
    let inventory = inventory_inner(path, bytes, max_bytes, &expected, &on_bytes);
    progress(package_len.saturating_sub(reported.get()));
    inventory
}

fn inventory_inner(
    path: &Path,
    bytes: &[u8],
    max_bytes: u64,
    expected: &std::cell::Cell<u64>,
    on_bytes: &dyn Fn(u64),
) -> Inventory {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let id = name::parse(&file_name);
    let package = path.display().to_string();
    let mut row = PackageRow {
        package: package.clone(),
        kb: id.kb,
        arch: id.arch,
        lang: id.lang,
        status: "ok",
        ..Default::default()
    };
    let search = locate(bytes, encoding_rs::WINDOWS_1252);
    row.signed = search
        .pe
        .as_ref()
        .map(|pe| pe.certificate_table().is_some());
    row.cab_count = search.cabinets.len();
    let Some(first) = search.cabinets.first() else {
        row.status = "error";
        let why: Vec<String> = search
            .errors
            .iter()
            .map(|(at, e)| format!("at offset {at}: {e}"))
            .collect();
        row.error = Some(if why.is_empty() {
            "no cabinet found".into()
        } else {
            format!("no readable cabinet: {}", why.join("; "))
        });
        return Inventory {
            package: row,
            files: Vec::new(),
        };
    };
    row.cab_offset = Some(first.offset as u64);
    // A cabinet a little after the overlay start (padding after the stub) is still the package's.
    let overlay = search.pe.as_ref().map(|pe| pe.end_of_sections as usize);
    let near_overlay = overlay.is_some_and(|o| (o..=o + SFX_PADDING).contains(&first.offset));
    let is_sfx = first.via == Via::PeOverlay || (first.via == Via::Scan && near_overlay);
    row.container = Some(match first.via {
        Via::FileStart => "cab",
        _ if is_sfx => "sfx-exe",
        Via::Scan if in_resources(&search, first.offset) => "iexpress",
        _ => "embedded",
    });
    if let (Some(pe), true) = (&search.pe, is_sfx)
        && let Some((cert_at, cert_len)) = pe.certificate_table()
    {
        let cert_end = u64::from(cert_at) + u64::from(cert_len);
        let gap = u64::from(cert_at).saturating_sub(first.end(bytes.len()) as u64);
        if cert_end > bytes.len() as u64 {
            row.anomalies.push(format!(
                    "the certificate table ends at byte {cert_end}, past the end of the file ({} bytes): truncated?",
                    bytes.len()
                ));
        } else if gap > 0 {
            row.anomalies.push(format!(
                "{gap} bytes between the cabinet's end and the signature"
            ));
        }
    }
    if search.cabinets.len() > 1 {
        row.anomalies.push(format!(
            "{} cabinets in one file (offsets {})",
            search.cabinets.len(),
            search
                .cabinets
                .iter()
                .map(|c| c.offset.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    // Known from the file tables alone, before anything is decompressed.
    row.delta_compressed = search
        .cabinets
        .iter()
        .flat_map(|c| &c.cabinet.files)
        .any(|f| f.name.to_ascii_lowercase().ends_with("_sfx_manifest_"));
    let mut methods = BTreeSet::new();
    let mut entries = Vec::new();
    let mut budget = max_bytes;
    expected.set(
        search
            .cabinets
            .iter()
            .flat_map(|c| &c.cabinet.files)
            .map(|f| u64::from(f.size))
            .sum(),
    );
    for located in &search.cabinets {
        let cabinet = &located.cabinet;
        methods.extend(cabinet.folders.iter().map(|f| f.method.label()));
        // Payloads stream through: hashed and analysed as they end, their bytes dropped.
        let mut sink =
            PayloadSink::new(cabinet, row.delta_compressed, budget).with_progress(on_bytes);
        let findings = stream_files(located.bytes(bytes), cabinet, false, max_bytes, &mut sink);
        budget = sink.budget();
        for finding in cabinet.findings.iter().chain(&findings) {
            if finding.contains("checksum") {
                row.checksum_errors += 1;
            } else {
                row.anomalies.push(finding.clone());
            }
        }
        for (file, result) in cabinet.files.iter().zip(sink.done) {
            let result = result.unwrap_or_else(|| Err(continued(file)));
            let method = cabinet
                .folders
                .get(usize::from(file.folder))
                .map_or("continued".into(), |f| f.method.label());
            entries.push((file.clone(), method, result));
        }
    }
    row.compression = Some(methods.into_iter().collect::<Vec<_>>().join(" "));
    // The payload expectations from every update*.inf in the package.
    let mut expected: HashMap<String, inf::Expected> = HashMap::new();
    for (_, _, result) in &entries {
        if let Ok(Payload {
            inf: Some(text), ..
        }) = result
        {
            expected.extend(inf::source_file_info(text));
        }
    }
    let mut branches = BTreeSet::new();
    let mut targets = BTreeSet::new();
    let mut unreadable = Vec::new();
    let mut files = Vec::with_capacity(entries.len());
    for (file, method, result) in entries {
        let branch = branch_folder(&file.name);
        if !matches!(branch.as_str(), "" | "update" | "other") {
            branches.insert(branch.clone());
        }
        let mut out = FileRow {
            package: package.clone(),
            path: file.name.clone(),
            branch_folder: branch,
            size: u64::from(file.size),
            compressed_as: method,
            attributes: attributes(file.attribs),
            modified: file.modified(),
            ..Default::default()
        };
        let payload = match result {
            Ok(payload) => payload,
            Err(e) => {
                unreadable.push((e.to_string(), file.name.clone()));
                out.inf_match = "unreadable".into();
                files.push(out);
                continue;
            }
        };
        row.files += 1;
        row.bytes += payload.size;
        out.md5 = Some(payload.md5.clone());
        out.sha256 = Some(payload.sha256.clone());
        // Version facts of PE payloads (not of delta payloads, which are rebuilt at install).
        let version = match payload.version {
            Some(v) => {
                (out.file_version, out.lab_tag, out.branch_class) =
                    (v.file_version, v.lab_tag, v.branch_class);
                out.file_version.clone()
            }
            None => None,
        };
        if let Some(verdict) = payload.hotpatch {
            match verdict {
                Ok(info) => {
                    out.is_hotpatch = true;
                    out.hotpatch_target = Some(format!(
                        "{} (id: {}; {} hooks, {} validations, {} fixups)",
                        info.target,
                        info.method_name(),
                        info.hooks,
                        info.validations,
                        info.fixups
                    ));
                    row.hotpatch_files += 1;
                    targets.insert(info.target);
                }
                Err(why) => row
                    .anomalies
                    .push(format!("{}: invalid hotpatch image: {why}", file.name)),
            }
        }
        let key = file.name.to_ascii_lowercase().replace('/', "\\");
        out.inf_match = match expected.get(&key) {
            None => "not listed".into(),
            Some(_) if row.delta_compressed => "skipped (delta-compressed payload)".into(),
            Some(e) => {
                out.inf_md5 = Some(e.md5.clone());
                out.inf_version = e.version.map(dotted);
                let mut wrong = Vec::new();
                if out.md5.as_deref() != Some(e.md5.as_str()) {
                    wrong.push("md5");
                }
                if e.size.is_some_and(|s| s != payload.size) {
                    wrong.push("size");
                }
                if let (Some(want), Some(have)) = (&out.inf_version, &version)
                    && want != have
                {
                    wrong.push("version");
                }
                if wrong.is_empty() {
                    "match".into()
                } else {
                    row.inf_mismatches += 1;
                    format!("mismatch: {}", wrong.join(", "))
                }
            }
        };
        files.push(out);
    }
    row.branches = branches.into_iter().collect::<Vec<_>>().join(" ");
    row.hotpatch_capable = row.hotpatch_files > 0;
    row.hotpatch_targets = targets.into_iter().collect::<Vec<_>>().join(" ");
    if row.delta_compressed {
        row.anomalies.push(
            "delta-compressed (_sfx_manifest_): payload hashes and versions not checked".into(),
        );
    }
    if !unreadable.is_empty() {
        row.status = "damaged";
        row.error = Some(grouped_errors(&unreadable));
    } else if row.inf_mismatches > 0 || row.checksum_errors > 0 || !row.anomalies.is_empty() {
        row.status = "findings";
    }
    Inventory {
        package: row,
        files,
    }
}

/// Whether a cabinet found by the scan sits inside the PE's `.rsrc` section (IExpress packages).
/// How far after the PE overlay start a cabinet may begin and still be the self-extractor's own
/// (alignment padding between the stub and the cabinet).
const SFX_PADDING: usize = 4096;

/// `error: a, b (2 files); other error: c`: each distinct error said once, in first-seen order,
/// with the files it hit (a cut download fails every file the same way).
fn grouped_errors(errors: &[(String, String)]) -> String {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for (error, name) in errors {
        match groups.iter_mut().find(|(e, _)| e == error) {
            Some((_, names)) => names.push(name),
            None => groups.push((error, vec![name])),
        }
    }
    groups
        .iter()
        .map(|(error, names)| match names.len() {
            1 => format!("{}: {error}", names[0]),
            n => format!("{error}: {} ({n} files)", names.join(", ")),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn in_resources(search: &crate::cab::locate::Search, offset: usize) -> bool {
    search.pe.as_ref().is_some_and(|pe| {
        pe.sections.iter().any(|s| {
            s.name_str() == ".rsrc"
                && (s.raw_offset as usize..s.raw_offset as usize + s.raw_size as usize)
                    .contains(&offset)
        })
    })
}
