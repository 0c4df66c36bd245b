//! `kbaudit versions`: one row per PE file with its version strings, lab tag and whether a hotpatch
//! can update it (docs/formats.md §4).

use sha2::{Digest, Sha256};

use crate::output::{Cell, Row};
use crate::pe::labtag::{self, FileVersionString};
use crate::pe::version::{VersionInfo, dotted, parse_version_info};
use crate::pe::{self, resource};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct VersionRow {
    pub path: String,
    pub file_version: Option<String>,
    pub file_version_string: Option<String>,
    pub product_version: Option<String>,
    pub lab_tag: Option<String>,
    pub product: Option<String>,
    pub service_pack: Option<String>,
    pub branch_class: Option<String>,
    pub build_stamp: Option<jiff::civil::DateTime>,
    pub hotpatch_eligible: Option<bool>,
    pub reason: Option<String>,
    pub original_filename: Option<String>,
    pub company: Option<String>,
    pub description: Option<String>,
    pub product_name: Option<String>,
    pub machine: Option<&'static str>,
    pub signed: bool,
    pub sha256: Option<String>,
    pub status: &'static str,
    pub error: Option<String>,
}

impl Row for VersionRow {
    const COLUMNS: &'static [&'static str] = &[
        "path",
        "file_version",
        "file_version_string",
        "product_version",
        "lab_tag",
        "product",
        "service_pack",
        "branch_class",
        "build_stamp",
        "hotpatch_eligible",
        "reason",
        "original_filename",
        "company",
        "machine",
        "sha256",
        "status",
        "error",
    ];

    fn cells(&self) -> Vec<Cell<'_>> {
        let t = Cell::opt_string;
        vec![
            Cell::text(self.path.as_str()),
            t(&self.file_version),
            t(&self.file_version_string),
            t(&self.product_version),
            t(&self.lab_tag),
            t(&self.product),
            t(&self.service_pack),
            t(&self.branch_class),
            Cell::opt(self.build_stamp, Cell::Local),
            Cell::opt(self.hotpatch_eligible, Cell::Bool),
            t(&self.reason),
            t(&self.original_filename),
            t(&self.company),
            Cell::opt(self.machine, Cell::Word),
            t(&self.sha256),
            Cell::Word(self.status),
            t(&self.error),
        ]
    }
}

/// The same facts in the columns of Sysinternals `sigcheck -c`, for viewers that read those.
pub struct SigcheckRow<'a>(pub &'a VersionRow);

impl Row for SigcheckRow<'_> {
    const COLUMNS: &'static [&'static str] = &[
        "Path",
        "Verified",
        "Date",
        "Publisher",
        "Company",
        "Description",
        "Product",
        "Product Version",
        "File Version",
        "Machine Type",
    ];

    fn cells(&self) -> Vec<Cell<'_>> {
        let r = self.0;
        let t = Cell::opt_string;
        let bits = match r.machine {
            Some("x86" | "arm") => Cell::Word("32-bit"),
            Some(_) => Cell::Word("64-bit"),
            None => Cell::Empty,
        };
        vec![
            Cell::text(r.path.as_str()),
            // kbaudit does not verify Authenticode: it only says whether a signature is present.
            Cell::Word(if r.signed {
                "Signed (not verified)"
            } else {
                "Unsigned"
            }),
            Cell::opt(r.build_stamp, Cell::Local),
            Cell::Empty,
            t(&r.company),
            t(&r.description),
            t(&r.product_name),
            t(&r.product_version),
            t(&r.file_version_string),
            bits,
        ]
    }
}

/// Whether bytes look like a PE image at all (used to skip other files quietly).
pub fn is_pe(bytes: &[u8]) -> bool {
    bytes.starts_with(b"MZ") && pe::parse_headers(bytes).is_some()
}

/// Whether the head of a file may be a PE image: `MZ`, and `PE\0\0` at `e_lfanew` when the head
/// reaches it (a header beyond the head cannot be ruled out from it).
pub fn may_be_pe(head: &[u8]) -> bool {
    if head.len() < 0x40 || !head.starts_with(b"MZ") {
        return false;
    }
    let e_lfanew = u32::from_le_bytes(head[0x3c..0x40].try_into().expect("4 bytes")) as usize;
    match head.get(e_lfanew..e_lfanew.saturating_add(4)) {
        Some(signature) => signature == b"PE\0\0",
        None => e_lfanew >= head.len(),
    }
}

/// Analyses one file's bytes.
pub fn analyze(path: &str, bytes: &[u8]) -> VersionRow {
    let mut row = VersionRow {
        path: path.to_string(),
        status: "ok",
        ..VersionRow::default()
    };
    let Some(headers) = pe::parse_headers(bytes) else {
        row.status = "not_pe";
        row.error = Some("not a PE image (no MZ/PE headers)".into());
        return row;
    };
    row.machine = Some(headers.machine_name());
    row.signed = headers.certificate_table().is_some();
    row.sha256 = Some(
        Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    );
    let resources = resource::version_resources(bytes, &headers);
    let infos: Vec<VersionInfo> = resources
        .iter()
        .filter_map(|r| parse_version_info(r.bytes))
        .collect();
    let Some(info) = infos.first() else {
        row.status = "no_version";
        row.hotpatch_eligible = None;
        row.reason = Some("no version resource".into());
        return row;
    };
    // Strings may sit in another language's resource: look through all of them.
    let string = |name: &str| {
        infos
            .iter()
            .find_map(|i| i.string(name))
            .map(str::to_string)
    };
    row.file_version = info.file_version.map(dotted);
    row.product_version = string("ProductVersion").or(info.product_version.map(dotted));
    row.file_version_string = string("FileVersion");
    row.original_filename = string("OriginalFilename");
    row.company = string("CompanyName");
    row.description = string("FileDescription");
    row.product_name = string("ProductName");
    let parsed: Option<FileVersionString> = row
        .file_version_string
        .as_deref()
        .and_then(labtag::parse_file_version_string);
    let lab = parsed.as_ref().and_then(|p| p.lab.as_ref());
    if let Some(lab) = lab {
        row.lab_tag = Some(lab.tag.clone());
        row.product = Some(lab.product.clone());
        row.service_pack = lab.service_pack.clone();
        row.branch_class = Some(lab.branch_class.clone()).filter(|b| !b.is_empty());
        row.build_stamp = lab.build_stamp;
    }
    let (eligible, reason) = match &row.file_version_string {
        None if headers.machine_name() == "x86" => {
            (None, "no FileVersion string (no string table)".to_string())
        }
        _ => labtag::hotpatch_eligibility(headers.machine_name(), lab),
    };
    row.hotpatch_eligible = eligible;
    let mut notes = vec![reason];
    if let (Some(p), Some(fixed)) = (&parsed, info.file_version) {
        let fixed: Vec<u32> = fixed.iter().map(|&n| u32::from(n)).collect();
        if p.numbers != fixed {
            notes.push(format!(
                "string version {} differs from the fixed version {}",
                p.numbers
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join("."),
                dotted(info.file_version.unwrap())
            ));
        }
    }
    notes.extend(infos.iter().flat_map(|i| i.findings.iter().cloned()));
    row.reason = Some(notes.join("; "));
    row
}
