//! A log share read host by host, for the commands that reason per host (`order`, `state`).
//!
//! The inputs are walked as for `logs`, filtered by host, and grouped by host name (compared
//! case-insensitively: Windows host names are). Each host's logs are read in parallel with the
//! others' and handed over together, in host order, so memory holds a chunk of hosts at a time.

use std::path::PathBuf;

use crate::filter::Filters;
use crate::logs::{self, HostFrom, LogFile, LogOptions};
use crate::scan::{self, Input, Progress};
use crate::shard::{self, Shard};

/// The log inputs of a share, grouped by host (sorted by host key, file order kept within one).
pub struct HostInputs {
    /// Host key (the lower-case name) of each input.
    keys: Vec<String>,
    inputs: Vec<Input>,
    /// Inputs that did not pass `--host` (not read).
    pub filtered_out: usize,
}

impl HostInputs {
    /// Walks `paths` for `.log` files and keeps those whose host passes `filters`. A named path
    /// that cannot be used is kept as an input with its problem, whatever the host filter.
    pub fn collect(
        paths: &[PathBuf],
        host_from: HostFrom,
        filters: &Filters,
        shard: Option<Shard>,
    ) -> Self {
        let mut filtered_out = 0;
        let mut inputs: Vec<(String, Input)> =
            scan::collect_unsized(paths, ".log files", |p| scan::has_extension(p, &["log"]))
                .into_iter()
                .filter_map(|input| {
                    let mut host = logs::host_of(&input.path, host_from);
                    if input.is_bad_path {
                        host.clear();
                    }
                    if !shard::keeps(shard, &host) {
                        return None;
                    }
                    if input.problem.is_some() || filters.host(&host) {
                        Some((host.to_lowercase(), input))
                    } else {
                        filtered_out += 1;
                        None
                    }
                })
                .collect();
        // A sorted walk can visit a subfolder between a folder's own files, so a host's logs are
        // not always contiguous: group them (stable, keeping file order within a host).
        inputs.sort_by(|a, b| a.0.cmp(&b.0));
        let (keys, inputs) = inputs.into_iter().unzip();
        HostInputs {
            keys,
            inputs,
            filtered_out,
        }
    }

    pub fn inputs(&self) -> &[Input] {
        &self.inputs
    }

    pub fn len(&self) -> usize {
        self.inputs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.inputs.is_empty()
    }

    /// A progress bar over these inputs.
    pub fn progress(&self, mode: scan::ProgressMode) -> Progress {
        Progress::items(mode, self.len(), "logs")
    }

    /// Reads every log and hands each host's files to `emit`, host by host in key order.
    pub fn for_each_host(
        &self,
        pool: &rayon::ThreadPool,
        progress: &Progress,
        options: &LogOptions,
        mut emit: impl FnMut(&str, Vec<LogFile>) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let mut keys = self.keys.iter().map(String::as_str);
        let mut current: Option<(&str, Vec<LogFile>)> = None;
        scan::map_ordered(
            pool,
            &self.inputs,
            progress,
            |input| logs::read_log(input, options),
            |_, file| {
                let key = keys.next().unwrap_or_default();
                match current.as_mut() {
                    Some((k, files)) if *k == key => files.push(file),
                    _ => {
                        if let Some((k, files)) = current.replace((key, vec![file])) {
                            emit(k, files)?;
                        }
                    }
                }
                Ok(())
            },
        )?;
        if let Some((k, files)) = current.take() {
            emit(k, files)?;
        }
        Ok(())
    }
}

/// The name to show for a host: the spelling of its first log's path.
pub fn display_name(files: &[LogFile], key: &str) -> String {
    files
        .first()
        .map(|f| f.host.clone())
        .unwrap_or_else(|| key.to_string())
}
