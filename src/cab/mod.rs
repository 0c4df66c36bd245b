//! Our own Microsoft Cabinet reader (docs/formats.md §3.1–3.2): headers parsed with nom from a byte slice at
//! any offset, folders decompressed once front to back (none, MSZIP via flate2, LZX via lzxd),
//! cabinets located inside self-extracting executables, and safe extraction.

pub mod decompress;
pub mod extract;
pub mod header;
pub mod locate;

pub use header::{CabFile, Cabinet, Folder, Method, parse_cabinet};

/// Everything that can go wrong reading a cabinet. Messages name the structure and the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CabError {
    #[error("not a cabinet: no MSCF signature")]
    Signature,
    #[error("truncated: {0}")]
    Truncated(String),
    #[error("invalid cabinet: {0}")]
    Invalid(String),
    #[error("corrupt data: {0}")]
    Data(String),
    #[error("unsupported: {0}")]
    Unsupported(String),
    #[error("cabinet set: {0}")]
    Set(String),
    #[error("limit: {0}")]
    Limit(String),
    #[error("{0}")]
    Io(String),
}

impl From<std::io::Error> for CabError {
    fn from(e: std::io::Error) -> Self {
        CabError::Io(e.to_string())
    }
}
