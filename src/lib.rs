//! `kbaudit`: a forensic analyzer for Windows Server 2003 / XP security-update installer logs,
//! update packages and installed binaries. See `DESIGN.md` in the shared folder for the contract.

pub mod app;
pub mod cab;
pub mod cli;
pub mod logs;
pub mod order;
pub mod output;
pub mod package;
pub mod pe;
pub mod scan;
pub mod versions;
