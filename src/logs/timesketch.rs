//! `kbaudit logs --profile timesketch`: the run table as Timesketch imports it. Its required
//! fields first — `message`, `datetime` (RFC 3339, UTC), `timestamp_desc`, and `timestamp`
//! (integer microseconds since 1970) — then the run table's own columns. Flat: no field holds a
//! line break. Written without the formula guard (Timesketch is not a spreadsheet).

use std::borrow::Cow;

use super::RunRow;
use crate::output::{Cell, Row};

/// A run row with a UTC start, in Timesketch's shape.
pub struct TimesketchRow<'a>(pub &'a RunRow);

/// The columns: Timesketch's four, then the run table's (its `message`, the dialog text, is
/// `user_message` here: Timesketch's `message` is the event's summary).
static COLUMNS: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
    ["message", "datetime", "timestamp_desc", "timestamp"]
        .into_iter()
        .chain(
            RunRow::COLUMNS
                .iter()
                .map(|c| if *c == "message" { "user_message" } else { c }),
        )
        .collect()
});

impl TimesketchRow<'_> {
    pub fn columns() -> &'static [&'static str] {
        &COLUMNS
    }

    /// Whether the row can be placed on Timesketch's timeline (it has a UTC start).
    pub fn is_placed(row: &RunRow) -> bool {
        row.started_utc.is_some()
    }

    fn message(&self) -> String {
        let r = self.0;
        let kb =
            r.kb.map_or_else(|| "an update".to_string(), |k| format!("KB{k}"));
        let action = if r.action == Some("uninstall") {
            "removal"
        } else {
            "installation"
        };
        let code = r
            .extended_code
            .map(|c| {
                let meaning = r
                    .extended_meaning
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default();
                format!(" (0x{c:x}{meaning})")
            })
            .unwrap_or_default();
        format!("{kb} {action} on {}: {}{code}", r.host, r.outcome)
    }

    pub fn cells(&self) -> Vec<Cell<'_>> {
        let r = self.0;
        let utc = r.started_utc.expect("only placed rows are written");
        let desc = if r.action == Some("uninstall") {
            "Update removal started"
        } else {
            "Update installation started"
        };
        let head = [
            Cell::text(flat(Cow::Owned(self.message()))),
            Cell::text(utc.strftime("%Y-%m-%dT%H:%M:%S%.3f+00:00").to_string()),
            Cell::Word(desc),
            Cell::Int(utc.as_microsecond()),
        ];
        head.into_iter()
            .chain(r.cells().into_iter().map(|cell| match cell {
                Cell::Text(text) => Cell::Text(flat(text)),
                other => other,
            }))
            .collect()
    }
}

/// Line breaks (and tabs) become spaces: every field stays on one line.
fn flat(text: Cow<'_, str>) -> Cow<'_, str> {
    if text.contains(['\r', '\n', '\t']) {
        Cow::Owned(text.replace("\r\n", " ").replace(['\r', '\n', '\t'], " "))
    } else {
        text
    }
}
