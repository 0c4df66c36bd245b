//! The report as one HTML file: inline CSS, inline SVG, no script, no network. A UTF-8 charset
//! and a font stack with Japanese fonts, so host names and dialog texts in Japanese render.

use std::fmt::Write as _;

use super::{Report, svg};
use crate::state::State;

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root { color-scheme: light; }
body { font-family: "Segoe UI", "Yu Gothic UI", "Yu Gothic", Meiryo, "Hiragino Sans", "Noto Sans CJK JP", "IPAGothic", "IPAPGothic", sans-serif; margin: 2em auto; max-width: 1100px; color: #212121; line-height: 1.45; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; border-bottom: 2px solid #e0e0e0; padding-bottom: 0.2em; margin-top: 2em; }
p.meta { color: #616161; margin-top: 0; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.92em; }
th, td { border: 1px solid #e0e0e0; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f5f5f5; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
td.evidence, span.evidence { font-family: Consolas, "MS Gothic", "IPAGothic", monospace; font-size: 0.9em; color: #455a64; word-break: break-all; }
.chart text.label { font-size: 11px; }
.chart text.value, .chart text.legend { font-size: 10px; fill: #424242; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; margin-right: 0.3em; vertical-align: -0.05em; }
.cards { display: flex; flex-wrap: wrap; gap: 0.6em; }
.card { border: 1px solid #e0e0e0; border-radius: 4px; padding: 0.4em 0.8em; min-width: 8em; }
.card b { display: block; font-size: 1.5em; }
p.more { color: #616161; font-style: italic; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } table, svg { break-inside: avoid; } }
"#;

fn when(t: Option<jiff::civil::DateTime>) -> String {
    t.map_or_else(String::new, |t| t.strftime("%Y-%m-%d %H:%M").to_string())
}

fn more(out: &mut String, shown: usize, total: usize) {
    if total > shown {
        let _ = write!(
            out,
            r#"<p class="more">… and {} more not shown.</p>"#,
            total - shown
        );
    }
}

/// The whole report as HTML. `generated` says when and from what it was made.
pub fn render(report: &mut Report, generated: &str) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title><style>{STYLE}</style></head><body>"#,
        title = escape(&report.title)
    );
    let _ = write!(
        out,
        r#"<h1>{}</h1><p class="meta">{}</p>"#,
        escape(&report.title),
        escape(generated)
    );
    overview(&mut out, report);
    state_counts(&mut out, report);
    per_kb(&mut out, report);
    heatmap(&mut out, report);
    over_time(&mut out, report);
    failures(&mut out, report);
    pending(&mut out, report);
    gaps(&mut out, report);
    out.push_str("</body></html>\n");
    out
}

fn overview(out: &mut String, r: &Report) {
    out.push_str(r#"<section id="overview"><h2>Overview</h2><div class="cards">"#);
    let period = match (r.first_run, r.last_run) {
        (Some(a), Some(b)) => format!("{} – {}", a.strftime("%Y-%m-%d"), b.strftime("%Y-%m-%d")),
        _ => "—".into(),
    };
    let cards = [
        ("log files", r.inputs.to_string()),
        ("hosts", r.tally.hosts.to_string()),
        ("updates", r.tally.kbs.len().to_string()),
        ("installation runs", r.runs.to_string()),
        ("period", period),
        ("unreadable inputs", r.unreadable.total.to_string()),
    ];
    for (what, value) in cards {
        let _ = write!(
            out,
            r#"<div class="card" data-item="{what}"><b>{}</b>{what}</div>"#,
            escape(&value)
        );
    }
    out.push_str("</div></section>");
}

fn state_counts(out: &mut String, r: &Report) {
    out.push_str(r#"<section id="states"><h2>State of every update on every host</h2>"#);
    out.push_str("<p>One row of <code>kbaudit state</code> per host and update, as of each host's last log.</p>");
    out.push_str(r#"<table id="state-counts"><tr><th>state</th><th>rows</th></tr>"#);
    for state in State::ALL {
        let n = r.tally.per_state.get(&state).copied().unwrap_or(0);
        let _ = write!(
            out,
            r#"<tr data-state="{s}"><td><span class="swatch" style="background:{c}"></span>{s}</td><td class="n">{n}</td></tr>"#,
            s = state.label(),
            c = svg::colour(state)
        );
    }
    out.push_str("</table></section>");
}

fn per_kb(out: &mut String, r: &Report) {
    out.push_str(r#"<section id="per-kb"><h2>Per update</h2>"#);
    let bars: Vec<(String, Vec<(State, usize)>)> = r
        .per_kb
        .iter()
        .map(|(kb, counts)| {
            let segments = State::ALL
                .iter()
                .map(|s| (*s, counts.get(s).copied().unwrap_or(0)))
                .collect();
            (format!("KB{kb}"), segments)
        })
        .collect();
    if bars.is_empty() {
        out.push_str("<p>No update named in these logs.</p>");
    } else {
        out.push_str(&svg::stacked_bars(&bars));
    }
    out.push_str("</section>");
}

fn heatmap(out: &mut String, r: &mut Report) {
    out.push_str(r#"<section id="heatmap"><h2>Hosts × updates</h2>"#);
    let kbs: Vec<u32> = r.per_kb.keys().copied().collect();
    let columns: Vec<String> = kbs.iter().map(|k| format!("KB{k}")).collect();
    let (rows, hidden) = r.heatmap();
    let grid: Vec<(String, Vec<Option<State>>)> = rows
        .iter()
        .map(|h| {
            (
                h.host.clone(),
                kbs.iter().map(|k| h.cells.get(k).copied()).collect(),
            )
        })
        .collect();
    if hidden > 0 {
        let _ = write!(
            out,
            "<p>The {} hosts with the most problems (failed, pending reboot, missing, no logs); {hidden} other hosts are not shown.</p>",
            grid.len()
        );
    }
    if grid.is_empty() {
        out.push_str("<p>No host.</p>");
    } else {
        out.push_str(&svg::heatmap(&columns, &grid));
    }
    out.push_str("</section>");
}

fn over_time(out: &mut String, r: &Report) {
    out.push_str(r#"<section id="over-time"><h2>Successful installs per month</h2>"#);
    let points = months(&r.installs_by_month);
    if points.is_empty() {
        out.push_str("<p>No dated successful install.</p>");
    } else {
        out.push_str(&svg::columns(&points));
    }
    out.push_str("</section>");
}

/// Every month from the first to the last, empty months included.
fn months(counts: &std::collections::BTreeMap<(i16, i8), usize>) -> Vec<(String, usize)> {
    let (Some(&(y0, m0)), Some(&(y1, m1))) = (counts.keys().next(), counts.keys().last()) else {
        return Vec::new();
    };
    let mut points = Vec::new();
    let (mut y, mut m) = (y0, m0);
    while (y, m) <= (y1, m1) && points.len() < 1200 {
        points.push((
            format!("{y}-{m:02}"),
            counts.get(&(y, m)).copied().unwrap_or(0),
        ));
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    points
}

fn failures(out: &mut String, r: &Report) {
    out.push_str(r#"<section id="failures"><h2>Failures by extended code</h2>"#);
    if r.failures.is_empty() {
        out.push_str("<p>No failed run with an extended code.</p>");
    } else {
        out.push_str(r#"<table id="failure-table"><tr><th>code</th><th>meaning</th><th>hosts</th><th>runs</th><th>first seen</th><th>last seen</th><th>evidence (one run)</th></tr>"#);
        let mut rows: Vec<(&u32, &super::Failure)> = r.failures.iter().collect();
        rows.sort_by(|a, b| b.1.hosts.len().cmp(&a.1.hosts.len()).then(a.0.cmp(b.0)));
        for (code, f) in rows {
            let _ = write!(
                out,
                r#"<tr><td>0x{code:x}</td><td>{}</td><td class="n">{}</td><td class="n">{}</td><td>{}</td><td>{}</td><td class="evidence">{}</td></tr>"#,
                escape(f.meaning.unwrap_or("unknown")),
                f.hosts.len(),
                f.runs,
                when(f.first),
                when(f.last),
                escape(&f.example)
            );
        }
        out.push_str("</table>");
    }
    if r.failures_without_code > 0 {
        let _ = write!(
            out,
            "<p>{} failed run(s) carry no extended code (a failure line or a masked code decided them).</p>",
            r.failures_without_code
        );
    }
    out.push_str("</section>");
}

fn pending(out: &mut String, r: &Report) {
    out.push_str(r#"<section id="reboot-pending"><h2>Hosts waiting for a reboot</h2>"#);
    if r.pending_reboot.total == 0 {
        out.push_str("<p>None, as of the last logs.</p>");
    } else {
        out.push_str("<p>The last successful install asked for a restart; a restart leaves no trace in these logs, so this is as of each host's last log.</p>");
        out.push_str(r#"<table id="pending-table"><tr><th>host</th><th>update</th><th>installed</th><th>evidence</th></tr>"#);
        for (host, kb, since, evidence) in &r.pending_reboot.items {
            let _ = write!(
                out,
                r#"<tr><td>{}</td><td>KB{kb}</td><td>{}</td><td class="evidence">{}</td></tr>"#,
                escape(host),
                when(*since),
                escape(evidence)
            );
        }
        out.push_str("</table>");
        more(out, r.pending_reboot.items.len(), r.pending_reboot.total);
    }
    out.push_str("</section>");
}

fn gaps(out: &mut String, r: &Report) {
    out.push_str(r#"<section id="gaps"><h2>Evidence gaps</h2>"#);
    let _ = write!(out, "<h3>Hosts with no logs ({})</h3>", r.no_logs.total);
    if r.no_logs.total == 0 {
        out.push_str("<p>None (give <code>--hosts</code> to check the inventory).</p>");
    } else {
        out.push_str(r#"<ul id="no-logs">"#);
        for host in &r.no_logs.items {
            let _ = write!(out, "<li>{}</li>", escape(host));
        }
        out.push_str("</ul>");
        more(out, r.no_logs.items.len(), r.no_logs.total);
    }
    let _ = write!(out, "<h3>Runs cut off ({})</h3>", r.incomplete.total);
    if r.incomplete.total > 0 {
        out.push_str(r#"<table id="incomplete-table"><tr><th>host</th><th>update</th><th>last line read</th></tr>"#);
        for (host, kb, evidence) in &r.incomplete.items {
            let kb = kb.map_or_else(String::new, |k| format!("KB{k}"));
            let _ = write!(
                out,
                r#"<tr><td>{}</td><td>{kb}</td><td class="evidence">{}</td></tr>"#,
                escape(host),
                escape(evidence)
            );
        }
        out.push_str("</table>");
        more(out, r.incomplete.items.len(), r.incomplete.total);
    }
    let _ = write!(out, "<h3>Unreadable inputs ({})</h3>", r.unreadable.total);
    if r.unreadable.total > 0 {
        out.push_str(r#"<table id="unreadable-table"><tr><th>file</th><th>why</th></tr>"#);
        for (file, why) in &r.unreadable.items {
            let _ = write!(
                out,
                r#"<tr><td class="evidence">{}</td><td>{}</td></tr>"#,
                escape(file),
                escape(why)
            );
        }
        out.push_str("</table>");
        more(out, r.unreadable.items.len(), r.unreadable.total);
    }
    out.push_str("</section>");
}
