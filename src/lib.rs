//! `kbaudit`: a forensic analyzer for Windows Server 2003 / XP security-update installer logs,
//! update packages and installed binaries. See `docs/formats.md` for the formats and the column contract.

pub mod app;
pub mod cab;
pub mod cleanup;
pub mod cli;
pub mod filter;
pub mod inventory;
pub mod logs;
pub mod merge;
pub mod order;
pub mod output;
pub mod package;
pub mod pe;
pub mod report;
pub mod scan;
pub mod shard;
pub mod share;
pub mod state;
pub mod versions;
