//! Payloads as they stream out of a package's cabinet: each file is hashed on the fly (MD5 and
//! SHA-256) and analysed when it ends, and only its facts are kept. Bytes are held only while a
//! check needs them (a PE image for its version resource, a hotpatch payload, `update*.inf`) and
//! only up to [`KEEP_LIMIT`], so a package that expands to gigabytes costs one file's worth of
//! memory at most, not its whole content.

use md5::{Digest, Md5};
use sha2::Sha256;

use super::hotpatch::{self, HotpatchInfo};
use crate::cab::decompress::FileSink;
use crate::cab::{CabError, Cabinet};
use crate::versions::VersionRow;

/// The most bytes of one payload kept for analysis; a larger one is hashed but not analysed.
pub const KEEP_LIMIT: u64 = 64 << 20;

/// What one payload turned out to be.
#[derive(Debug, Clone)]
pub struct Payload {
    pub size: u64,
    pub md5: String,
    pub sha256: String,
    /// Version facts of a PE payload (not of a delta payload, which is rebuilt at install).
    pub version: Option<VersionRow>,
    /// For a file named like a hotpatch: valid (what it patches), or why not.
    pub hotpatch: Option<Result<HotpatchInfo, String>>,
    /// The text of an `update*.inf`.
    pub inf: Option<String>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether a payload's name makes it an `update*.inf`.
pub fn is_update_inf(name: &str) -> bool {
    let lower = name.to_ascii_lowercase().replace('/', "\\");
    lower.starts_with("update\\update") && lower.ends_with(".inf")
}

/// A file being read.
struct Pending {
    md5: Md5,
    /// Streamed unless the whole file is kept (then `analyze` hashes it, once).
    sha256: Option<Sha256>,
    kept: Option<Vec<u8>>,
    size: u64,
}

/// Collects [`Payload`]s, within a byte budget for the whole package.
pub struct PayloadSink<'a> {
    cabinet: &'a Cabinet,
    delta: bool,
    budget: u64,
    pending: Vec<Option<Pending>>,
    pub done: Vec<Option<Result<Payload, CabError>>>,
    /// Told the size of each piece of output as it is decompressed (for a progress bar).
    on_bytes: Option<&'a dyn Fn(u64)>,
}

impl<'a> PayloadSink<'a> {
    /// Reports each decompressed piece's size to `on_bytes`.
    pub fn with_progress(mut self, on_bytes: &'a dyn Fn(u64)) -> Self {
        self.on_bytes = Some(on_bytes);
        self
    }

    pub fn new(cabinet: &'a Cabinet, delta: bool, budget: u64) -> Self {
        let n = cabinet.files.len();
        PayloadSink {
            cabinet,
            delta,
            budget,
            pending: (0..n).map(|_| None).collect(),
            on_bytes: None,
            done: (0..n).map(|_| None).collect(),
        }
    }

    /// What is left of the byte budget.
    pub fn budget(&self) -> u64 {
        self.budget
    }

    fn start(&self, index: usize, first: &[u8]) -> Pending {
        let file = &self.cabinet.files[index];
        let name = &file.name;
        let small = u64::from(file.size) <= KEEP_LIMIT;
        let pe = first.starts_with(b"MZ") && !self.delta;
        let keep = small && (pe || hotpatch::has_hotpatch_name(name) || is_update_inf(name));
        Pending {
            md5: Md5::new(),
            sha256: (!keep).then(Sha256::new),
            kept: keep.then(|| Vec::with_capacity(file.size as usize)),
            size: 0,
        }
    }

    fn finish(&self, index: usize, pending: Pending) -> Payload {
        let name = &self.cabinet.files[index].name;
        let md5 = hex(&pending.md5.finalize());
        let kept = pending.kept;
        let version = kept
            .as_deref()
            .filter(|_| !self.delta)
            .map(|data| crate::versions::analyze(name, data))
            .filter(|v| v.status != "not_pe");
        let sha256 = match (&version, pending.sha256, &kept) {
            (Some(v), ..) => v.sha256.clone().unwrap_or_default(),
            (None, Some(sha), _) => hex(&sha.finalize()),
            (None, None, Some(data)) => hex(&Sha256::digest(data)),
            (None, None, None) => String::new(),
        };
        let hotpatch = hotpatch::has_hotpatch_name(name).then(|| match &kept {
            Some(data) => hotpatch::validate(data),
            None => Err(format!("{} bytes is too large to validate", pending.size)),
        });
        let inf = kept
            .as_deref()
            .filter(|_| is_update_inf(name))
            .map(|data| crate::logs::decode::decode(data, None).text.into_owned());
        Payload {
            size: pending.size,
            md5,
            sha256,
            version,
            hotpatch,
            inf,
        }
    }
}

impl FileSink for PayloadSink<'_> {
    fn data(&mut self, index: usize, bytes: &[u8]) -> Result<(), CabError> {
        if let Some(on_bytes) = self.on_bytes {
            on_bytes(bytes.len() as u64);
        }
        self.budget = self
            .budget
            .checked_sub(bytes.len() as u64)
            .ok_or_else(|| CabError::Limit("byte budget reached; reading stopped".into()))?;
        if self.pending[index].is_none() {
            self.pending[index] = Some(self.start(index, bytes));
        }
        let pending = self.pending[index].as_mut().expect("started above");
        pending.md5.update(bytes);
        if let Some(sha) = pending.sha256.as_mut() {
            sha.update(bytes);
        }
        if let Some(kept) = pending.kept.as_mut() {
            kept.extend_from_slice(bytes);
        }
        pending.size += bytes.len() as u64;
        Ok(())
    }

    fn end(&mut self, index: usize, result: Result<(), CabError>) -> Result<(), CabError> {
        let pending = self.pending[index].take();
        self.done[index] = Some(match result {
            Err(e) => Err(e),
            // An empty file never received data.
            Ok(()) => Ok(self.finish(index, pending.unwrap_or_else(|| self.start(index, &[])))),
        });
        Ok(())
    }
}
