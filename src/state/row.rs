//! The state table's row (one per host and update).

use jiff::civil::DateTime;

use super::State;
use crate::output::{Cell, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct StateRow {
    pub host: String,
    pub kb: Option<u32>,
    pub state: State,
    pub last_outcome: Option<&'static str>,
    pub last_run_local: Option<DateTime>,
    pub last_success_local: Option<DateTime>,
    pub attempts: Option<usize>,
    pub failed_attempts: Option<usize>,
    pub last_extended_code: Option<u32>,
    pub last_extended_meaning: Option<&'static str>,
    pub hotpatch: Option<&'static str>,
    /// `source_file:line` of the line that decided the state.
    pub evidence: Option<String>,
    /// The runs read, as `source_file#run_index`.
    pub runs: Vec<String>,
    pub findings: Vec<String>,
}

impl StateRow {
    /// A row with a state and nothing else known.
    pub fn empty(host: &str, kb: Option<u32>, state: State) -> Self {
        StateRow {
            host: host.to_string(),
            kb,
            state,
            last_outcome: None,
            last_run_local: None,
            last_success_local: None,
            attempts: None,
            failed_attempts: None,
            last_extended_code: None,
            last_extended_meaning: None,
            hotpatch: None,
            evidence: None,
            runs: Vec::new(),
            findings: Vec::new(),
        }
    }
}

impl Row for StateRow {
    const COLUMNS: &'static [&'static str] = &[
        "host",
        "kb",
        "state",
        "last_outcome",
        "last_run_local",
        "last_success_local",
        "attempts",
        "failed_attempts",
        "last_extended_code",
        "last_extended_meaning",
        "hotpatch",
        "evidence",
        "runs",
        "findings",
    ];

    fn cells(&self) -> Vec<Cell<'_>> {
        let count = |n: Option<usize>| Cell::opt(n, |n| Cell::Int(n as i64));
        vec![
            Cell::text(self.host.as_str()),
            Cell::opt(self.kb, |kb| Cell::text(format!("KB{kb}"))),
            Cell::Word(self.state.label()),
            Cell::opt(self.last_outcome, Cell::Word),
            Cell::opt(self.last_run_local, Cell::Local),
            Cell::opt(self.last_success_local, Cell::Local),
            count(self.attempts),
            count(self.failed_attempts),
            Cell::opt(self.last_extended_code, Cell::Hex),
            Cell::opt(self.last_extended_meaning, Cell::Word),
            Cell::opt(self.hotpatch, Cell::Word),
            Cell::opt_text(self.evidence.as_deref()),
            Cell::joined(&self.runs, "; "),
            Cell::joined(&self.findings, "; "),
        ]
    }
}
