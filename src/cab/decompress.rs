//! Folder streams (docs/formats.md §3.1): a folder's CFDATA blocks are decompressed once, front to back,
//! and each file gets its slice of the output as it goes by.

use flate2::{Decompress, FlushDecompress};
use lzxd::{Lzxd, WindowSize};

use super::{CabError, Cabinet, Method};

/// Uncompressed size of every block but a folder's last.
pub const BLOCK_LEN: usize = 32 * 1024;
/// The most compressed data a block may hold.
const MAX_COMPRESSED: usize = BLOCK_LEN + 6144;
/// MSZIP keeps the previous block's output as the deflate dictionary.
const MSZIP_WINDOW: usize = 32 * 1024;

/// The CFDATA checksum: XOR of little-endian u32 words, a 1-3 byte tail packed big-end-first,
/// then the word `cbData | cbUncomp << 16` folded in the same way. Reserve bytes are excluded.
pub fn checksum(data: &[u8], seed: u32) -> u32 {
    let mut sum = seed;
    let words = data.chunks_exact(4);
    let tail = words.remainder();
    for w in words {
        sum ^= u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
    }
    sum ^ match *tail {
        [a, b, c] => u32::from(a) << 16 | u32::from(b) << 8 | u32::from(c),
        [a, b] => u32::from(a) << 8 | u32::from(b),
        [a] => u32::from(a),
        _ => 0,
    }
}

fn block_checksum(data: &[u8], header_tail: [u8; 4]) -> u32 {
    checksum(&header_tail, checksum(data, 0))
}

enum Codec {
    Store,
    MsZip {
        inflater: Box<Decompress>,
        window: Vec<u8>,
    },
    Lzx(Box<Lzxd>),
}

/// One folder's uncompressed stream, produced block by block.
pub struct FolderStream<'a> {
    cab: &'a [u8],
    next_block_at: usize,
    blocks_left: u16,
    block_index: u32,
    data_reserve: usize,
    codec: Codec,
    block: Vec<u8>,
    strict: bool,
    /// Checksum mismatches seen so far ("block N: ...").
    pub findings: Vec<String>,
}

impl<'a> FolderStream<'a> {
    /// `cab` is the cabinet's bytes from its first byte.
    pub fn new(
        cab: &'a [u8],
        cabinet: &Cabinet,
        folder: usize,
        strict: bool,
    ) -> Result<Self, CabError> {
        let f = &cabinet.folders[folder];
        let codec = match f.method {
            Method::None => Codec::Store,
            Method::MsZip => Codec::MsZip {
                inflater: Box::new(Decompress::new(false)),
                window: Vec::with_capacity(MSZIP_WINDOW),
            },
            Method::Lzx { window_bits } => {
                Codec::Lzx(Box::new(Lzxd::new(lzx_window(window_bits)?)))
            }
            Method::Quantum { .. } => {
                return Err(CabError::Unsupported(format!(
                    "folder {folder} is {}-compressed (never seen in update packages)",
                    f.method.label()
                )));
            }
            Method::Unknown(t) => {
                return Err(CabError::Invalid(format!(
                    "folder {folder}: unknown compression type 0x{t:04x}"
                )));
            }
        };
        Ok(FolderStream {
            cab,
            next_block_at: f.data_offset as usize,
            blocks_left: f.block_count,
            block_index: 0,
            data_reserve: usize::from(cabinet.data_reserve),
            codec,
            block: Vec::with_capacity(BLOCK_LEN),
            strict,
            findings: Vec::new(),
        })
    }

    /// The next block's uncompressed bytes; `None` after the folder's last block.
    pub fn next_block(&mut self) -> Result<Option<&[u8]>, CabError> {
        if self.blocks_left == 0 {
            return Ok(None);
        }
        let n = self.block_index;
        let at = self.next_block_at;
        let header = self.cab.get(at..at + 8).ok_or_else(|| {
            CabError::Truncated(format!(
                "data block {n} at offset {at} is past the end of the data"
            ))
        })?;
        let csum = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
        let packed = usize::from(u16::from_le_bytes([header[4], header[5]]));
        let unpacked = usize::from(u16::from_le_bytes([header[6], header[7]]));
        let header_tail = [header[4], header[5], header[6], header[7]];
        let start = at + 8 + self.data_reserve;
        let data = self.cab.get(start..start + packed).ok_or_else(|| {
            CabError::Truncated(format!(
                "data block {n} ({packed} bytes at offset {start}) cut off"
            ))
        })?;
        if unpacked == 0 {
            return Err(CabError::Set(format!(
                "data block {n} continues in the next cabinet of the set"
            )));
        }
        if unpacked > BLOCK_LEN || packed > MAX_COMPRESSED {
            return Err(CabError::Invalid(format!(
                "data block {n}: {packed} -> {unpacked} bytes exceeds the block limits"
            )));
        }
        if csum != 0 {
            let actual = block_checksum(data, header_tail);
            if actual != csum {
                let finding = format!(
                    "data block {n}: checksum 0x{csum:08x} stored, 0x{actual:08x} computed"
                );
                if self.strict {
                    return Err(CabError::Data(finding));
                }
                self.findings.push(finding);
            }
        }
        self.next_block_at = start + packed;
        self.blocks_left -= 1;
        self.block_index += 1;
        self.block.clear();
        match &mut self.codec {
            Codec::Store => {
                if packed != unpacked {
                    return Err(CabError::Data(format!(
                        "stored block {n}: {packed} bytes stored, {unpacked} declared"
                    )));
                }
                self.block.extend_from_slice(data);
            }
            Codec::MsZip { inflater, window } => {
                inflate_block(inflater, window, data, unpacked, &mut self.block)
                    .map_err(|e| CabError::Data(format!("MSZIP block {n}: {e}")))?;
            }
            Codec::Lzx(lzx) => {
                // lzxd is third-party code fed hostile input: contain a panic as a data error.
                let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    lzx.decompress_next(data, unpacked).map(<[u8]>::to_vec)
                }));
                match out {
                    Ok(Ok(bytes)) if bytes.len() == unpacked => {
                        self.block.extend_from_slice(&bytes)
                    }
                    Ok(Ok(bytes)) => {
                        return Err(CabError::Data(format!(
                            "LZX block {n}: {} bytes out, {unpacked} declared",
                            bytes.len()
                        )));
                    }
                    Ok(Err(e)) => return Err(CabError::Data(format!("LZX block {n}: {e}"))),
                    Err(_) => {
                        return Err(CabError::Data(format!(
                            "LZX block {n}: decoder failed on malformed data"
                        )));
                    }
                }
            }
        }
        Ok(Some(&self.block))
    }
}

fn lzx_window(bits: u8) -> Result<WindowSize, CabError> {
    Ok(match bits {
        15 => WindowSize::KB32,
        16 => WindowSize::KB64,
        17 => WindowSize::KB128,
        18 => WindowSize::KB256,
        19 => WindowSize::KB512,
        20 => WindowSize::MB1,
        21 => WindowSize::MB2,
        other => {
            return Err(CabError::Invalid(format!(
                "LZX window of {other} bits (15-21 allowed)"
            )));
        }
    })
}

/// One MSZIP block: `CK` and a raw deflate stream whose dictionary is the previous block's output.
fn inflate_block(
    inflater: &mut Decompress,
    window: &mut Vec<u8>,
    data: &[u8],
    expected: usize,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    let stream = data.strip_prefix(b"CK").ok_or("missing CK signature")?;
    inflater.reset(false);
    if !window.is_empty() {
        inflater.set_dictionary(window).map_err(|e| e.to_string())?;
    }
    // One spare byte so a block that inflates to more than it declares is caught.
    out.resize(expected + 1, 0);
    let before_out = inflater.total_out();
    inflater
        .decompress(stream, out, FlushDecompress::Finish)
        .map_err(|e| e.to_string())?;
    let produced = (inflater.total_out() - before_out) as usize;
    out.truncate(produced);
    if produced != expected {
        return Err(format!("inflated to {produced} bytes, {expected} declared"));
    }
    if out.len() >= MSZIP_WINDOW {
        window.clear();
        window.extend_from_slice(&out[out.len() - MSZIP_WINDOW..]);
    } else {
        window.extend_from_slice(out);
        let excess = window.len().saturating_sub(MSZIP_WINDOW);
        window.drain(..excess);
    }
    Ok(())
}

/// Receives the files of a folder as they are decompressed.
pub trait FileSink {
    /// Bytes of file `index` (in order, possibly in several calls).
    fn data(&mut self, index: usize, bytes: &[u8]) -> Result<(), CabError>;
    /// File `index` is complete, or failed with the error.
    fn end(&mut self, index: usize, result: Result<(), CabError>) -> Result<(), CabError>;
}

/// Blocks kept behind the current position so that files overlapping earlier ones (never in
/// makecab output, but a cabinet can claim it) are served without decompressing again.
const RETAINED_BYTES: usize = 16 << 20;

/// Streams the files `wanted` (indices into `cabinet.files`, all in `folder`) to `sink`,
/// decompressing the folder once. A file reaching past a failed block or the folder's end fails;
/// files before it are complete. Errors returned by the sink stop the folder.
///
/// Files that overlap are served from the last [`RETAINED_BYTES`] of output; one that starts
/// further back makes the folder start again, and every byte decompressed a second time counts
/// against `max_work`, so overlapping files cannot multiply the work without bound.
/// Returns the checksum findings of the folder.
pub fn extract_folder(
    cab: &[u8],
    cabinet: &Cabinet,
    folder: usize,
    wanted: &[usize],
    strict: bool,
    max_work: u64,
    sink: &mut dyn FileSink,
) -> Result<Vec<String>, CabError> {
    let mut order: Vec<usize> = wanted.to_vec();
    order.sort_by_key(|&i| (cabinet.files[i].folder_offset, i));
    let mut stream = match FolderStream::new(cab, cabinet, folder, strict) {
        Ok(s) => s,
        Err(e) => {
            for &i in &order {
                sink.end(i, Err(e.clone()))?;
            }
            return Ok(Vec::new());
        }
    };
    // Decompressed blocks still kept, oldest first, as (position in the folder's output, bytes).
    let mut kept: std::collections::VecDeque<(u64, Vec<u8>)> = Default::default();
    let mut kept_bytes = 0usize;
    // Position where the stream's next block starts.
    let mut produced: u64 = 0;
    // The furthest the folder was ever decompressed, and how much was decompressed again.
    let mut high_water: u64 = 0;
    let mut rework: u64 = 0;
    let mut failure: Option<CabError> = None;
    let mut findings = Vec::new();
    for &index in &order {
        let file = &cabinet.files[index];
        let start = u64::from(file.folder_offset);
        let end = start + u64::from(file.size);
        // Later files start here or after: older blocks are no longer needed.
        while kept
            .front()
            .is_some_and(|(at, b)| at + b.len() as u64 <= start)
        {
            let (_, b) = kept.pop_front().expect("front exists");
            kept_bytes -= b.len();
        }
        let first_kept = kept.front().map_or(produced, |(at, _)| *at);
        if start < first_kept {
            // Further back than what is kept: start the folder again.
            findings.append(&mut stream.findings);
            stream = FolderStream::new(cab, cabinet, folder, strict)?;
            (produced, failure, kept_bytes) = (0, None, 0);
            kept.clear();
        }
        let mut at = start;
        let result = 'file: loop {
            for (block_at, block) in &kept {
                let block_end = block_at + block.len() as u64;
                if at >= *block_at && at < block_end {
                    let from = (at - block_at) as usize;
                    let to = (end.min(block_end) - block_at) as usize;
                    sink.data(index, &block[from..to])?;
                    at = block_at + to as u64;
                }
            }
            if at >= end {
                break 'file Ok(());
            }
            if let Some(e) = &failure {
                break 'file Err(e.clone());
            }
            match stream.next_block() {
                Ok(Some(bytes)) => {
                    let block_at = produced;
                    produced += bytes.len() as u64;
                    rework += produced.min(high_water).saturating_sub(block_at);
                    high_water = high_water.max(produced);
                    if rework > max_work {
                        return Err(CabError::Limit(format!(
                            "folder {folder}: files overlapping earlier ones made it decompress more than {max_work} bytes again; stopped"
                        )));
                    }
                    kept_bytes += bytes.len();
                    kept.push_back((block_at, bytes.to_vec()));
                    // Keep at most RETAINED_BYTES behind, but never the block being served.
                    while kept_bytes > RETAINED_BYTES && kept.len() > 1 {
                        let (_, b) = kept.pop_front().expect("front exists");
                        kept_bytes -= b.len();
                    }
                }
                Ok(None) => {
                    failure = Some(CabError::Data(format!(
                        "{}: reaches byte {end} of folder {folder}, which holds only {produced}",
                        file.name
                    )));
                }
                Err(e) => failure = Some(e),
            }
        };
        sink.end(index, result)?;
    }
    findings.append(&mut stream.findings);
    Ok(findings)
}

/// Collects files in memory, up to a byte budget (for inventories, hashing and tests).
struct MemorySink {
    files: Vec<Option<Result<Vec<u8>, CabError>>>,
    budget: u64,
}

impl FileSink for MemorySink {
    fn data(&mut self, index: usize, bytes: &[u8]) -> Result<(), CabError> {
        self.budget = self
            .budget
            .checked_sub(bytes.len() as u64)
            .ok_or_else(|| CabError::Limit("byte budget reached; reading stopped".into()))?;
        let slot = self.files[index].get_or_insert_with(|| Ok(Vec::new()));
        if let Ok(buffer) = slot {
            buffer.extend_from_slice(bytes);
        }
        Ok(())
    }

    fn end(&mut self, index: usize, result: Result<(), CabError>) -> Result<(), CabError> {
        match result {
            Ok(()) => {
                self.files[index].get_or_insert_with(|| Ok(Vec::new()));
            }
            Err(e) => self.files[index] = Some(Err(e)),
        }
        Ok(())
    }
}

/// Streams every file of every folder to `sink`, each folder decompressed once; a folder that
/// stops (a budget, a sink error) ends its remaining files with that error. Files continued
/// from or into another cabinet of a set are never started. Returns the checksum findings.
pub fn stream_files(
    cab: &[u8],
    cabinet: &Cabinet,
    strict: bool,
    max_work: u64,
    sink: &mut dyn FileSink,
) -> Vec<String> {
    struct Tracking<'a> {
        inner: &'a mut dyn FileSink,
        ended: Vec<bool>,
    }
    impl FileSink for Tracking<'_> {
        fn data(&mut self, index: usize, bytes: &[u8]) -> Result<(), CabError> {
            self.inner.data(index, bytes)
        }
        fn end(&mut self, index: usize, result: Result<(), CabError>) -> Result<(), CabError> {
            self.ended[index] = true;
            self.inner.end(index, result)
        }
    }
    let mut tracking = Tracking {
        inner: sink,
        ended: vec![false; cabinet.files.len()],
    };
    let mut findings = Vec::new();
    for folder in 0..cabinet.folders.len() {
        let wanted: Vec<usize> = (0..cabinet.files.len())
            .filter(|&i| usize::from(cabinet.files[i].folder) == folder)
            .collect();
        match extract_folder(
            cab,
            cabinet,
            folder,
            &wanted,
            strict,
            max_work,
            &mut tracking,
        ) {
            Ok(f) => findings.extend(f),
            Err(e) => {
                for &i in &wanted {
                    if !tracking.ended[i] {
                        tracking.ended[i] = true;
                        let _ = tracking.inner.end(i, Err(e.clone()));
                    }
                }
            }
        }
    }
    findings
}

/// Every file's bytes (or why it could not be read), in cabinet order, plus checksum findings.
/// Reading stops once `max_bytes` have been produced; the remaining files report the limit.
pub fn read_files(
    cab: &[u8],
    cabinet: &Cabinet,
    strict: bool,
    max_bytes: u64,
) -> (Vec<Result<Vec<u8>, CabError>>, Vec<String>) {
    let count = cabinet.files.len();
    let mut sink = MemorySink {
        files: vec![None; count],
        budget: max_bytes,
    };
    let findings = stream_files(cab, cabinet, strict, max_bytes, &mut sink);
    let files = sink
        .files
        .into_iter()
        .zip(&cabinet.files)
        .map(|(slot, file)| slot.unwrap_or_else(|| Err(continued(file))))
        .collect();
    (files, findings)
}

/// Why a file that no folder of this cabinet holds was not read.
pub fn continued(file: &super::CabFile) -> CabError {
    CabError::Set(format!(
        "{} is continued from or into another cabinet of the set",
        file.name
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_packs_tail_big_end_first() {
        assert_eq!(checksum(&[1, 0, 0, 0], 0), 1);
        assert_eq!(checksum(&[1, 2, 3], 0), 0x010203);
        assert_eq!(checksum(&[1, 2], 0), 0x0102);
        assert_eq!(checksum(&[1, 0, 0, 0, 7], 5), 1 ^ 7 ^ 5);
    }
}
