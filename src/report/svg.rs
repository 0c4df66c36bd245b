//! Inline SVG charts: no script, no external file, they print as drawn.

use std::fmt::Write as _;

use super::html::escape;
use crate::state::State;

/// The colour of a state, the same in every chart and table.
pub fn colour(state: State) -> &'static str {
    match state {
        State::Installed => "#2e7d32",
        State::InstalledPendingReboot => "#f9a825",
        State::Removed => "#78909c",
        State::Failed => "#c62828",
        State::Cancelled => "#ad1457",
        State::Incomplete => "#6a1b9a",
        State::Missing => "#ef6c00",
        State::NoLogs => "#424242",
        State::NoRuns => "#9e9e9e",
    }
}

/// Horizontal stacked bars: one bar per label, segments per state, with a legend.
pub fn stacked_bars(bars: &[(String, Vec<(State, usize)>)]) -> String {
    let (label_w, bar_w, row_h): (f64, f64, f64) = (110.0, 520.0, 22.0);
    let max = bars
        .iter()
        .map(|(_, s)| s.iter().map(|(_, n)| n).sum::<usize>())
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let height = row_h * bars.len() as f64 + 40.0;
    let mut out = format!(
        r#"<svg class="chart" role="img" aria-label="states per update" width="{w}" height="{height}" viewBox="0 0 {w} {height}">"#,
        w = (label_w + bar_w + 60.0).max(LEGEND_WIDTH)
    );
    for (i, (label, segments)) in bars.iter().enumerate() {
        let y = i as f64 * row_h;
        let _ = write!(
            out,
            r#"<text x="0" y="{}" class="label">{}</text>"#,
            y + 15.0,
            escape(label)
        );
        let mut x = label_w;
        for (state, n) in segments.iter().filter(|(_, n)| *n > 0) {
            let w = bar_w * *n as f64 / max;
            let _ = write!(
                out,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h}" fill="{c}"><title>{label}: {n} {s}</title></rect>"#,
                h = row_h - 4.0,
                c = colour(*state),
                label = escape(label),
                s = state.label()
            );
            x += w;
        }
        let total: usize = segments.iter().map(|(_, n)| n).sum();
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{}" class="value">{total}</text>"#,
            x + 4.0,
            y + 15.0
        );
    }
    out.push_str(&legend(height - 20.0));
    out.push_str("</svg>");
    out
}

/// Width of the legend: one swatch and word per state.
const LEGEND_STEP: f64 = 74.0;
const LEGEND_WIDTH: f64 = LEGEND_STEP * State::ALL.len() as f64;

fn legend(y: f64) -> String {
    let mut out = String::new();
    for (i, state) in State::ALL.iter().enumerate() {
        let x = i as f64 * LEGEND_STEP;
        let _ = write!(
            out,
            r#"<rect x="{x}" y="{y}" width="10" height="10" fill="{}"/><text x="{}" y="{}" class="legend">{}</text>"#,
            colour(*state),
            x + 13.0,
            y + 9.0,
            state.short()
        );
    }
    out
}

/// A grid: rows × columns of coloured cells (hosts × updates).
pub fn heatmap(columns: &[String], rows: &[(String, Vec<Option<State>>)]) -> String {
    let (label_w, cell, head_h): (f64, f64, f64) = (130.0, 16.0, 70.0);
    // At least as wide as the legend under it.
    let width = (label_w + cell * columns.len() as f64 + 10.0).max(LEGEND_WIDTH);
    let height = head_h + cell * rows.len() as f64 + 30.0;
    let mut out = format!(
        r#"<svg class="chart" role="img" aria-label="hosts by updates" width="{width}" height="{height}" viewBox="0 0 {width} {height}">"#
    );
    for (c, name) in columns.iter().enumerate() {
        let x = label_w + c as f64 * cell + 11.0;
        let _ = write!(
            out,
            r#"<text transform="translate({x},{y}) rotate(-60)" class="legend">{}</text>"#,
            escape(name),
            y = head_h - 4.0
        );
    }
    for (r, (host, cells)) in rows.iter().enumerate() {
        let y = head_h + r as f64 * cell;
        let _ = write!(
            out,
            r#"<text x="0" y="{}" class="label">{}</text>"#,
            y + 12.0,
            escape(host)
        );
        for (c, state) in cells.iter().enumerate() {
            let x = label_w + c as f64 * cell;
            match state {
                Some(s) => {
                    let _ = write!(
                        out,
                        r#"<rect x="{x}" y="{y}" width="{w}" height="{w}" fill="{}"><title>{} {}: {}</title></rect>"#,
                        colour(*s),
                        escape(host),
                        escape(&columns[c]),
                        s.label(),
                        w = cell - 2.0
                    );
                }
                None => {
                    let _ = write!(
                        out,
                        r##"<rect x="{x}" y="{y}" width="{w}" height="{w}" fill="#f1f1f1"/>"##,
                        w = cell - 2.0
                    );
                }
            }
        }
    }
    out.push_str(&legend(height - 20.0));
    out.push_str("</svg>");
    out
}

/// Vertical bars over time (installs per month).
pub fn columns(points: &[(String, usize)]) -> String {
    let (w, h, left, bottom) = (640.0, 180.0, 40.0, 50.0);
    let max = points.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1) as f64;
    let step = (w - left) / points.len().max(1) as f64;
    let mut out = format!(
        r#"<svg class="chart" role="img" aria-label="successful installs per month" width="{w}" height="{}" viewBox="0 0 {w} {}">"#,
        h + bottom,
        h + bottom
    );
    let _ = write!(
        out,
        r#"<text x="0" y="12" class="legend">{}</text>"#,
        max as usize
    );
    for (i, (label, n)) in points.iter().enumerate() {
        let bh = h * *n as f64 / max;
        let x = left + i as f64 * step;
        let _ = write!(
            out,
            r##"<rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{bh:.1}" fill="#1565c0"><title>{}: {n}</title></rect>"##,
            h - bh,
            (step - 2.0).max(1.0),
            escape(label)
        );
        // Label every few columns so they do not overlap.
        let every = (points.len() / 12).max(1);
        if i % every == 0 {
            let _ = write!(
                out,
                r#"<text transform="translate({:.1},{}) rotate(45)" class="legend">{}</text>"#,
                x + 2.0,
                h + 10.0,
                escape(label)
            );
        }
    }
    out.push_str("</svg>");
    out
}
