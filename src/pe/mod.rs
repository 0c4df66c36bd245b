//! Portable Executable structures kbaudit needs: headers and sections (for the overlay where a
//! self-extractor keeps its cabinet, and the Authenticode certificate table).

pub mod headers;

pub use headers::{PeHeaders, Section, parse_headers};
