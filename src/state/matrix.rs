//! `--matrix`: hosts × updates, one short state word per cell, each host's row ending with
//! `installed n of N`. The KB columns are only known at the end, so the matrix is kept in memory
//! in a compact form (a state byte per known cell) and written last.

use std::collections::{BTreeMap, BTreeSet};

use super::{State, StateRow};
use crate::output::Cell;

/// The matrix as it is gathered, host by host.
#[derive(Debug, Default)]
pub struct Matrix {
    /// (host, cells by KB); hosts arrive in key order.
    hosts: Vec<(String, BTreeMap<u32, State>)>,
    kbs: BTreeSet<u32>,
    /// What `installed n of N` counts against; every column when empty.
    baseline: BTreeSet<u32>,
}

/// One written line of the matrix: a host, a word per KB column, and the count.
pub struct MatrixRow<'a> {
    pub host: &'a str,
    pub cells: Vec<Option<State>>,
    pub installed: usize,
}

impl Matrix {
    pub fn new(baseline: &[u32]) -> Self {
        Matrix {
            baseline: baseline.iter().copied().collect(),
            ..Matrix::default()
        }
    }

    pub fn add_host(&mut self, host: &str, rows: &[StateRow]) {
        let cells: BTreeMap<u32, State> =
            rows.iter().filter_map(|r| Some((r.kb?, r.state))).collect();
        self.kbs.extend(cells.keys());
        self.hosts.push((host.to_string(), cells));
    }

    /// `host`, one `KB…` column per update (by number), then `installed` (counted against every
    /// column) or `installed_of_baseline` (counted against the baseline).
    pub fn columns(&self) -> Vec<String> {
        let last = if self.baseline.is_empty() {
            "installed"
        } else {
            "installed_of_baseline"
        };
        std::iter::once("host".to_string())
            .chain(self.kbs.iter().map(|k| format!("KB{k}")))
            .chain(std::iter::once(last.to_string()))
            .collect()
    }

    /// The rows, hosts sorted by name (case-insensitively).
    pub fn rows(&self) -> Vec<MatrixRow<'_>> {
        let mut hosts: Vec<&(String, BTreeMap<u32, State>)> = self.hosts.iter().collect();
        hosts.sort_by_cached_key(|(h, _)| (h.to_lowercase(), h.clone()));
        hosts
            .into_iter()
            .map(|(host, cells)| {
                let cells: Vec<Option<State>> =
                    self.kbs.iter().map(|k| cells.get(k).copied()).collect();
                let installed = cells.iter().flatten().filter(|s| s.is_installed()).count();
                MatrixRow {
                    host,
                    cells,
                    installed,
                }
            })
            .collect()
    }

    /// N in `installed n of N`.
    pub fn measured_against(&self) -> usize {
        if self.baseline.is_empty() {
            self.kbs.len()
        } else {
            self.baseline.len()
        }
    }
}

impl MatrixRow<'_> {
    pub fn to_cells(&self, of: usize) -> Vec<Cell<'_>> {
        std::iter::once(Cell::text(self.host))
            .chain(
                self.cells
                    .iter()
                    .map(|s| s.map_or(Cell::Empty, |s| Cell::Word(s.short()))),
            )
            .chain(std::iter::once(Cell::text(format!(
                "installed {} of {of}",
                self.installed
            ))))
            .collect()
    }
}
