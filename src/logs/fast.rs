//! The fast reading of a well-formed log: the same runs as [`run::split_runs`], without
//! classifying the lines that cannot decide anything.
//!
//! Almost every line of a real log is a probe (`In Function TestVolatileFlag, ...`) or another line
//! that no rule of docs/formats.md §2.2 looks at. For those a run needs only the line number, the
//! elapsed time (for the duration and the backwards-time split) and, while the run has no KB yet,
//! a KB number. So this reading:
//!
//! - parses each line's `<elapsed>: ` prefix by hand;
//! - classifies a line in full only when its first byte can start a line that matters (a
//!   separator, a date, anything not ASCII) or when the keyword search (`aho-corasick`, with its
//!   SIMD Teddy prefilter) finds a keyword of a line that matters in it; that search is then not
//!   repeated by the classification. Probes are known by their first words and not searched;
//! - hands everything to the same [`RunSplitter`] as the careful reading.
//!
//! It gives up, and the caller reads the file the careful way, at the first sign of damage the
//! careful reading repairs: an unprefixed line that is not a `[KB…log]` name line (a wrapped
//! line or a stripped prefix), a candidate glued record (` <digits>.<3 digits>: ` inside a line),
//! or a line longer than [`run::MAX_LINE_BYTES`]. Giving up is always safe: the triggers are a
//! superset of what the careful reading treats specially.

use super::line::{self, Line};
use super::run::{self, Record, Run, RunSplitter};

/// Splits `text` into runs, or `None` when the file needs the careful reading.
pub fn split_runs(text: &str) -> Option<Vec<Run>> {
    let bytes = text.as_bytes();
    if has_glued_candidate(bytes) {
        return None;
    }
    let mut splitter = RunSplitter::new(false);
    for (number, raw) in run::physical_lines(text) {
        if raw.len() > run::MAX_LINE_BYTES {
            return None;
        }
        // Trailing white space is not part of a record (only look when there may be some).
        let line = match raw.as_bytes().last() {
            Some(&b) if b > b' ' && b < 0x80 => raw,
            _ => raw.trim_end(),
        };
        let Some((elapsed, offset)) = line::prefix_len(line.as_bytes()) else {
            let segment = line.trim();
            if segment.is_empty() {
                continue;
            }
            if !run::is_name_line(segment) {
                return None;
            }
            splitter.record(&Record::on_line(number, None, segment, true), &Line::Other);
            continue;
        };
        let message = &line[offset..];
        let decisive = match first_words(message) {
            FirstWords::Decide => Some(line::classify(message)),
            FirstWords::Probe => None,
            FirstWords::Search => {
                let keywords = line::Keywords::scan(message);
                keywords
                    .decide()
                    .then(|| line::classify_scanned(message, keywords))
            }
        };
        if let Some(classified) = decisive {
            let record = Record::on_line(number, Some(elapsed), message, false);
            splitter.record(&record, &classified);
        } else {
            splitter.plain(number, elapsed, message, || {
                line::classify(message) != Line::Other
            });
        }
    }
    Some(splitter.finish())
}

/// What a message's first words say about it.
enum FirstWords {
    /// It may be a line that matters whatever its keywords: a separator, a date, or anything
    /// unusual (white space classify would trim, a non-ASCII character). Classify it.
    Decide,
    /// A probe, as `classify` knows probes: by their first words, whatever follows.
    Probe,
    /// Anything else: it matters only if it holds a keyword of a line that can change a run.
    Search,
}

fn first_words(message: &str) -> FirstWords {
    let m = message.trim_start_matches([' ', '\t']);
    let probe = match m.as_bytes().first() {
        None => return FirstWords::Decide,
        Some(b'=' | b'0'..=b'9') => return FirstWords::Decide,
        Some(&b) if b <= b' ' || b >= 0x80 => return FirstWords::Decide,
        Some(b'I') => m.starts_with("In Function"),
        Some(b'G') => m.starts_with("GetCatVersion"),
        Some(b'L') => m.starts_with("LoadFileQueues"),
        Some(b'A') => m.starts_with("AnalyzePhase"),
        Some(_) => false,
    };
    if probe {
        FirstWords::Probe
    } else {
        FirstWords::Search
    }
}

/// Whether a ` <digits>[.,]<3 digits>:` that [`line::glued_record_starts`] could take for a
/// glued record occurs anywhere (a superset of its rule, over the whole text at once).
fn has_glued_candidate(bytes: &[u8]) -> bool {
    memchr::memchr_iter(b':', bytes).any(|colon| line::glued_start(bytes, colon, true).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn careful(text: &str) -> Vec<Run> {
        run::split_runs(text, false, &mut run::FileNotes::default())
    }

    #[test]
    fn same_runs_as_the_careful_reading() {
        let sep = "=".repeat(62);
        let text = format!(
            "[KB123456.log]\r\n0.172: {sep}\r\n0.172: 2005/06/17 12:33:45.123 (local)\r\n\
             0.172: c:\\x\\update\\update.exe (version 6.1.22.4)\r\n\
             0.180: Hotfix started with following command line: /quiet\r\n\
             0.200: In Function TestVolatileFlag, line 1, RegOpenKeyExW failed\r\n\
             0.300: DoInstallation: nothing\r\n\r\n\
             1.000: Copied file:  C:\\WINDOWS\\system32\\a.dll\r\n\
             2.000: You must restart your computer\r\n\
             3.000: Update.exe extended error code = 0xbc2\r\n\
             0.100: In Function TestVolatileFlag, line 2\r\n"
        );
        let fast = split_runs(&text).expect("well-formed");
        assert_eq!(fast, careful(&text));
        assert_eq!(fast.len(), 2, "elapsed time going backwards starts a run");
    }

    #[test]
    fn gives_up_on_damage() {
        assert!(split_runs("0.1: a\n0.200: Copied file: x\nwrapped tail\n").is_none());
        assert!(split_runs("0.100: A 0.300: B\n").is_none());
        let long = format!("0.100: {}\n", "x".repeat(run::MAX_LINE_BYTES));
        assert!(split_runs(&long).is_none());
        assert!(
            split_runs("0.100: a\r0.200: b\r").is_some(),
            "lone CRs are line breaks"
        );
    }

    #[test]
    fn glued_candidates() {
        assert!(has_glued_candidate(b"0.100: x 12.345: y"));
        assert!(has_glued_candidate(b"0.100: x 12.345:"));
        assert!(!has_glued_candidate(b"0.100: at 11:15:14.123 (local)"));
        assert!(!has_glued_candidate(b"0.100: C:\\x"));
    }
}
