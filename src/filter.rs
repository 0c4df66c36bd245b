//! The filters `logs`, `state` and `order` share: `--host GLOB`, `--kb LIST`, `--since DATE`,
//! `--until DATE` (and `--outcome LIST` for `logs`). Each filter counts what it let through, so a
//! filter that matched nothing can say so instead of leaving an empty table.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use globset::{GlobSet, GlobSetBuilder};
use jiff::civil::{Date, DateTime};

/// Parsed filters. An absent filter lets everything through.
#[derive(Debug, Default)]
pub struct Filters {
    hosts: Option<(GlobSet, Vec<String>)>,
    kbs: Option<BTreeSet<u32>>,
    since: Option<DateTime>,
    until: Option<DateTime>,
    outcomes: Option<BTreeSet<String>>,
    host_hits: AtomicUsize,
    kb_hits: AtomicUsize,
    time_hits: AtomicUsize,
    outcome_hits: AtomicUsize,
}

impl Filters {
    /// Builds the filters from their command-line spellings.
    pub fn new(
        hosts: &[String],
        kbs: &[String],
        since: Option<DateTime>,
        until: Option<DateTime>,
        outcomes: &[String],
    ) -> anyhow::Result<Self> {
        let hosts = if hosts.is_empty() {
            None
        } else {
            let mut set = GlobSetBuilder::new();
            for pattern in hosts {
                let glob = globset::GlobBuilder::new(pattern)
                    .case_insensitive(true)
                    .literal_separator(false)
                    .build()
                    .map_err(|e| anyhow::anyhow!("--host {pattern:?}: {e}"))?;
                set.add(glob);
            }
            Some((set.build()?, hosts.to_vec()))
        };
        let kbs = if kbs.is_empty() {
            None
        } else {
            let parsed = kbs
                .iter()
                .map(|k| {
                    parse_kb(k).ok_or_else(|| {
                        anyhow::anyhow!("--kb {k:?}: not a KB number (KB123456 or 123456)")
                    })
                })
                .collect::<anyhow::Result<BTreeSet<u32>>>()?;
            Some(parsed)
        };
        if let (Some(s), Some(u)) = (since, until)
            && s > u
        {
            anyhow::bail!("--since {s} is after --until {u}: nothing could match");
        }
        let outcomes = (!outcomes.is_empty()).then(|| {
            outcomes
                .iter()
                .map(|o| o.trim().to_ascii_lowercase())
                .collect()
        });
        Ok(Filters {
            hosts,
            kbs,
            since,
            until,
            outcomes,
            ..Filters::default()
        })
    }

    /// Whether any filter narrows runs (KB, time or outcome), as opposed to hosts only.
    pub fn narrows_runs(&self) -> bool {
        self.kbs.is_some()
            || self.since.is_some()
            || self.until.is_some()
            || self.outcomes.is_some()
    }

    pub fn host(&self, host: &str) -> bool {
        let ok = self
            .hosts
            .as_ref()
            .is_none_or(|(set, _)| set.is_match(host));
        if ok {
            self.host_hits.fetch_add(1, Relaxed);
        }
        ok
    }

    /// A known KB must be in the list; an unknown one (a file that could not be read) passes, so
    /// that an unreadable input is never hidden by a KB filter.
    pub fn kb(&self, kb: Option<u32>) -> bool {
        let ok = match (&self.kbs, kb) {
            (None, _) => true,
            (Some(set), Some(kb)) => set.contains(&kb),
            (Some(_), None) => true,
        };
        if ok && kb.is_some() {
            self.kb_hits.fetch_add(1, Relaxed);
        }
        ok
    }

    /// Whether the KB list (if any) names this KB; unlike [`Filters::kb`] an unknown KB fails.
    pub fn names_kb(&self, kb: u32) -> bool {
        self.kbs.as_ref().is_none_or(|set| set.contains(&kb))
    }

    /// An undated run cannot be placed in a window: with `--since`/`--until` it is left out.
    pub fn time(&self, started: Option<DateTime>) -> bool {
        let ok = match started {
            None => self.since.is_none() && self.until.is_none(),
            Some(t) => self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t <= u),
        };
        if ok {
            self.time_hits.fetch_add(1, Relaxed);
        }
        ok
    }

    pub fn outcome(&self, outcome: &str) -> bool {
        let ok = self
            .outcomes
            .as_ref()
            .is_none_or(|set| set.contains(outcome));
        if ok {
            self.outcome_hits.fetch_add(1, Relaxed);
        }
        ok
    }

    /// One sentence per filter that let nothing through, for stderr.
    pub fn unmatched(&self) -> Vec<String> {
        let mut said = Vec::new();
        if let Some((_, patterns)) = &self.hosts
            && self.host_hits.load(Relaxed) == 0
        {
            said.push(format!("--host {}: no host matched", patterns.join(", ")));
        }
        if let Some(kbs) = &self.kbs
            && self.kb_hits.load(Relaxed) == 0
        {
            let list: Vec<String> = kbs.iter().map(|k| format!("KB{k}")).collect();
            said.push(format!(
                "--kb {}: no run of these updates found",
                list.join(",")
            ));
        }
        if (self.since.is_some() || self.until.is_some()) && self.time_hits.load(Relaxed) == 0 {
            said.push("--since/--until: no run started in that period".to_string());
        }
        if let Some(outcomes) = &self.outcomes
            && self.outcome_hits.load(Relaxed) == 0
        {
            let list: Vec<&str> = outcomes.iter().map(String::as_str).collect();
            said.push(format!(
                "--outcome {}: no run had that outcome",
                list.join(",")
            ));
        }
        said
    }
}

/// `KB123456`, `kb123456` or `123456` (surrounding spaces allowed).
pub fn parse_kb(text: &str) -> Option<u32> {
    let t = text.trim();
    let digits = if t.len() > 2 && t[..2].eq_ignore_ascii_case("kb") {
        &t[2..]
    } else {
        t
    };
    if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// `--since`: a date (from its start) or a date and time.
pub fn parse_since(text: &str) -> Result<DateTime, String> {
    parse_moment(text, false)
}

/// `--until`: a date (through its end) or a date and time.
pub fn parse_until(text: &str) -> Result<DateTime, String> {
    parse_moment(text, true)
}

fn parse_moment(text: &str, end_of_day: bool) -> Result<DateTime, String> {
    let t = text.trim();
    if let Ok(date) = t.parse::<Date>() {
        return Ok(if end_of_day {
            date.at(23, 59, 59, 999_999_999)
        } else {
            date.at(0, 0, 0, 0)
        });
    }
    t.replacen(' ', "T", 1)
        .parse::<DateTime>()
        .map_err(|_| format!("not a date: {text:?} (use YYYY-MM-DD or \"YYYY-MM-DD HH:MM:SS\")"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kb_spellings() {
        assert_eq!(parse_kb("KB899588"), Some(899588));
        assert_eq!(parse_kb(" kb899588 "), Some(899588));
        assert_eq!(parse_kb("899588"), Some(899588));
        assert_eq!(parse_kb("KB"), None);
        assert_eq!(parse_kb("KB89x"), None);
        assert_eq!(parse_kb("12345678901"), None);
    }

    #[test]
    fn dates_cover_whole_days() {
        let since = parse_since("2005-08-10").unwrap();
        let until = parse_until("2005-08-10").unwrap();
        let f = Filters::new(&[], &[], Some(since), Some(until), &[]).unwrap();
        assert!(f.time(Some(DateTime::constant(2005, 8, 10, 23, 0, 0, 0))));
        assert!(!f.time(Some(DateTime::constant(2005, 8, 11, 0, 0, 0, 0))));
        assert!(!f.time(None), "an undated run cannot be in a window");
        assert!(parse_since("2005-08-10 09:15").is_ok());
        assert!(parse_since("yesterday").is_err());
    }

    #[test]
    fn host_globs_ignore_case_and_report_no_match() {
        let f = Filters::new(&["srv-web*".into()], &[], None, None, &[]).unwrap();
        assert!(f.host("SRV-WEB01"));
        assert!(!f.host("JP-FS01"));
        assert!(f.unmatched().is_empty());
        let none = Filters::new(&["NOPE".into()], &["KB1".into()], None, None, &[]).unwrap();
        assert!(!none.host("SRV-WEB01"));
        assert!(!none.kb(Some(2)));
        assert_eq!(none.unmatched().len(), 2);
    }
}
