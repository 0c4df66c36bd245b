//! Portable Executable structures kbaudit needs: headers and sections (the overlay where a
//! self-extractor keeps its cabinet, the Authenticode certificate table), the version resource
//! and the lab tag of its FileVersion string.

pub mod headers;
pub mod labtag;
pub mod resource;
pub mod version;

pub use headers::{PeHeaders, Section, parse_headers};
