//! One output cell, typed so that each format writes it in the shape its readers keep
//! (docs/formats.md §1, CSV conventions): codes as `0x` hex, times without a zone as `YYYY-MM-DD
//! HH:MM:SS.fff`, and text from the input guarded against formula evaluation.

use std::borrow::Cow;

use jiff::{Timestamp, civil::DateTime};

#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    Empty,
    /// Text that came from an input (log lines, paths, names): guarded in CSV.
    Text(Cow<'a, str>),
    /// Text we chose (enum labels, encoding names): written as is.
    Word(&'static str),
    Int(i64),
    /// A duration or elapsed value in milliseconds, written as seconds with three decimals.
    Millis(u64),
    /// A code, written as lower-case `0x` hex.
    Hex(u32),
    Bool(bool),
    /// A local wall-clock time without a zone.
    Local(DateTime),
    Utc(Timestamp),
}

impl<'a> Cell<'a> {
    pub fn text(s: impl Into<Cow<'a, str>>) -> Self {
        Cell::Text(s.into())
    }

    /// `Text` when present, `Empty` otherwise.
    pub fn opt_text(s: Option<&'a str>) -> Self {
        s.map_or(Cell::Empty, Cell::text)
    }

    /// `Text` from an owned optional string.
    pub fn opt_string(s: &'a Option<String>) -> Self {
        Cell::opt_text(s.as_deref())
    }

    /// A list of input-derived items joined by `separator`; `Empty` (null in JSON) when there is
    /// none, like every other missing value.
    pub fn joined<S: AsRef<str>>(items: &[S], separator: &str) -> Self {
        if items.is_empty() {
            Cell::Empty
        } else {
            Cell::text(
                items
                    .iter()
                    .map(AsRef::as_ref)
                    .collect::<Vec<&str>>()
                    .join(separator),
            )
        }
    }

    pub fn opt<T>(value: Option<T>, f: impl FnOnce(T) -> Cell<'a>) -> Self {
        value.map_or(Cell::Empty, f)
    }

    /// The CSV rendering. `guard` prefixes formula triggers with `'`.
    pub fn to_csv(&self, guard: bool) -> Cow<'_, str> {
        match self {
            Cell::Empty => Cow::Borrowed(""),
            Cell::Text(s) if guard && needs_guard(s) => Cow::Owned(format!("'{s}")),
            Cell::Text(s) => Cow::Borrowed(s),
            Cell::Word(s) => Cow::Borrowed(s),
            Cell::Int(n) => Cow::Owned(n.to_string()),
            Cell::Millis(ms) => Cow::Owned(format!("{}.{:03}", ms / 1000, ms % 1000)),
            Cell::Hex(code) => Cow::Owned(format!("{code:#x}")),
            Cell::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            Cell::Local(dt) => Cow::Owned(dt.strftime("%Y-%m-%d %H:%M:%S%.3f").to_string()),
            Cell::Utc(ts) => Cow::Owned(ts.strftime("%Y-%m-%d %H:%M:%S%.3f").to_string()),
        }
    }

    /// Writes the CSV rendering into `out` (cleared first), without allocating: the same text
    /// as [`Cell::to_csv`], for the writer's hot loop.
    pub fn write_csv(&self, guard: bool, out: &mut String) {
        use std::fmt::Write as _;
        out.clear();
        // Writing into a String cannot fail.
        let _ = match self {
            Cell::Empty => Ok(()),
            Cell::Text(s) => {
                if guard && needs_guard(s) {
                    out.push('\'');
                }
                out.push_str(s);
                Ok(())
            }
            Cell::Word(s) => {
                out.push_str(s);
                Ok(())
            }
            Cell::Int(n) => write!(out, "{n}"),
            Cell::Millis(ms) => write!(out, "{}.{:03}", ms / 1000, ms % 1000),
            Cell::Hex(code) => write!(out, "{code:#x}"),
            Cell::Bool(b) => {
                out.push_str(if *b { "true" } else { "false" });
                Ok(())
            }
            Cell::Local(dt) => write_date_time(out, *dt),
            Cell::Utc(ts) => write_date_time(out, jiff::tz::Offset::UTC.to_datetime(*ts)),
        };
    }

    /// The JSON rendering: raw text, numbers as numbers, booleans as booleans; an empty cell
    /// (missing, or empty text) is `null`; local times ISO 8601 without an offset (the logs
    /// have none), UTC times with `Z`.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Cell::Empty => Value::Null,
            Cell::Text(s) if s.is_empty() => Value::Null,
            Cell::Text(s) => Value::String(s.to_string()),
            Cell::Word(s) => Value::String((*s).to_string()),
            Cell::Int(n) => Value::from(*n),
            Cell::Millis(ms) => Value::from(*ms as f64 / 1000.0),
            Cell::Hex(code) => Value::String(format!("{code:#x}")),
            Cell::Bool(b) => Value::Bool(*b),
            Cell::Local(dt) => Value::String(dt.strftime("%Y-%m-%dT%H:%M:%S%.3f").to_string()),
            Cell::Utc(ts) => Value::String(ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()),
        }
    }
}

/// `YYYY-MM-DD HH:MM:SS.fff`, as `strftime("%Y-%m-%d %H:%M:%S%.3f")` writes it for the years a
/// log holds, without parsing a format string per cell.
fn write_date_time(out: &mut String, dt: DateTime) -> std::fmt::Result {
    use std::fmt::Write as _;
    if !(0..=9999).contains(&dt.year()) {
        return write!(out, "{}", dt.strftime("%Y-%m-%d %H:%M:%S%.3f"));
    }
    write!(
        out,
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second(),
        dt.millisecond()
    )
}

/// Spreadsheets evaluate a cell that starts with one of these (OWASP "CSV injection").
pub fn needs_guard(s: &str) -> bool {
    matches!(
        s.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guards_only_input_text() {
        assert_eq!(
            Cell::text("=cmd|'/c calc'!A1").to_csv(true),
            "'=cmd|'/c calc'!A1"
        );
        assert_eq!(Cell::text("=x").to_csv(false), "=x");
        assert_eq!(Cell::text("-1").to_csv(true), "'-1");
        assert_eq!(Cell::Int(-1).to_csv(true), "-1");
        assert_eq!(Cell::text("C:\\x").to_csv(true), "C:\\x");
    }

    #[test]
    fn shapes_spreadsheets_keep() {
        assert_eq!(Cell::Hex(0xf117).to_csv(true), "0xf117");
        assert_eq!(Cell::Millis(1_448_406).to_csv(true), "1448.406");
        let dt = DateTime::constant(2005, 6, 17, 12, 33, 45, 123_000_000);
        assert_eq!(Cell::Local(dt).to_csv(true), "2005-06-17 12:33:45.123");
        assert_eq!(Cell::Local(dt).to_json(), "2005-06-17T12:33:45.123");
    }

    proptest::proptest! {
        /// The allocation-free rendering is the same text as the plain one.
        #[test]
        fn write_csv_equals_to_csv(
            n in proptest::num::i64::ANY,
            ms in proptest::num::u64::ANY,
            code in proptest::num::u32::ANY,
            secs in -9_000_000_000i64..9_000_000_000i64,
            millis in 0i64..1000,
            text in "\\PC{0,8}",
        ) {
            let ts = Timestamp::from_second(secs).unwrap()
                + jiff::SignedDuration::from_millis(millis);
            let dt = jiff::tz::Offset::UTC.to_datetime(ts);
            let mut out = String::new();
            for cell in [
                Cell::Empty, Cell::text(text.as_str()), Cell::Word("w"), Cell::Int(n),
                Cell::Millis(ms), Cell::Hex(code), Cell::Bool(n % 2 == 0),
                Cell::Local(dt), Cell::Utc(ts),
            ] {
                for guard in [false, true] {
                    cell.write_csv(guard, &mut out);
                    proptest::prop_assert_eq!(&out, &cell.to_csv(guard));
                }
            }
        }
    }

    #[test]
    fn empty_cells_are_null_in_json() {
        assert_eq!(Cell::text("").to_json(), serde_json::Value::Null);
        assert_eq!(
            Cell::joined::<String>(&[], "; ").to_json(),
            serde_json::Value::Null
        );
        assert_eq!(Cell::joined(&["a", "b"], "; ").to_json(), "a; b");
    }
}
