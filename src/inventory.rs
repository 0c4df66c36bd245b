//! The fleet's reference lists: `--hosts FILE` (which machines exist) and `--baseline FILE`
//! (which updates each must have). Both are forgiving text: `#` comments, blank lines and
//! surrounding spaces are ignored, and a malformed line is a warning naming `file:line`, never a
//! reason to stop. An inventory may also be a CSV export with a `host`, `name` or `computer` column.

use std::collections::BTreeMap;
use std::path::Path;

/// A list read from a file, with a warning per line that was skipped.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Listing<T> {
    pub items: Vec<T>,
    pub warnings: Vec<String>,
}

/// Columns that name a host in a CSV export (directory listings, asset inventories).
const HOST_COLUMNS: &[&str] = &[
    "host",
    "hostname",
    "name",
    "computer",
    "computername",
    "dnshostname",
];

/// Reads a host inventory. Hosts are unique case-insensitively; the first spelling is kept.
pub fn read_hosts(path: &Path) -> anyhow::Result<Listing<String>> {
    let text = read_text(path)?;
    let mut listing = Listing::default();
    let mut seen = BTreeMap::new();
    let mut add = |listing: &mut Listing<String>, host: &str| {
        if seen.insert(host.to_lowercase(), ()).is_none() {
            listing.items.push(host.to_string());
        }
    };
    let name = path.display();
    let lines: Vec<(usize, &str)> = meaningful_lines(&text).collect();
    if let Some((column, delimiter)) = lines.first().and_then(|(_, header)| csv_header(header)) {
        let body: String = lines[1..].iter().map(|(_, l)| format!("{l}\n")).collect();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(body.as_bytes());
        for (record, (number, _)) in reader.records().zip(&lines[1..]) {
            match record
                .ok()
                .and_then(|r| r.get(column).map(|c| c.trim().to_string()))
            {
                Some(host) if is_host_name(&host) => add(&mut listing, &host),
                _ => listing.warnings.push(format!(
                    "{name}:{number}: no host name in the host column; line skipped"
                )),
            }
        }
        return Ok(listing);
    }
    for (number, line) in lines {
        if is_host_name(line) {
            add(&mut listing, line);
        } else {
            listing.warnings.push(format!(
                "{name}:{number}: {line:?} is not a host name; line skipped"
            ));
        }
    }
    Ok(listing)
}

/// Reads a baseline: one KB per line (`KB123456` or `123456`), kept in the file's order.
pub fn read_baseline(path: &Path) -> anyhow::Result<Listing<u32>> {
    let text = read_text(path)?;
    let mut listing = Listing::default();
    for (number, line) in meaningful_lines(&text) {
        // A CSV export's first field, or the whole line.
        let field = line
            .split([',', ';', '\t'])
            .next()
            .unwrap_or(line)
            .trim()
            .trim_matches('"');
        match crate::filter::parse_kb(field) {
            Some(kb) if !listing.items.contains(&kb) => listing.items.push(kb),
            Some(_) => {}
            None if number == 1 && field.eq_ignore_ascii_case("kb") => {}
            None => listing.warnings.push(format!(
                "{}:{number}: {line:?} is not a KB number; line skipped",
                path.display()
            )),
        }
    }
    Ok(listing)
}

fn read_text(path: &Path) -> anyhow::Result<String> {
    let meta = std::fs::metadata(path)
        .map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", path.display()))?;
    if !meta.is_file() {
        anyhow::bail!("{}: not a regular file", path.display());
    }
    // A reference list is small; a huge one is a mistake (a log share named by accident).
    const LIMIT: u64 = 256 << 20;
    if meta.len() > LIMIT {
        anyhow::bail!(
            "{}: {} bytes is too large for a list",
            path.display(),
            meta.len()
        );
    }
    let bytes =
        std::fs::read(path).map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", path.display()))?;
    Ok(crate::logs::decode::decode(&bytes, None).text.into_owned())
}

/// Numbered lines without comments, blanks or surrounding spaces.
fn meaningful_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().filter_map(|(i, line)| {
        let line = line.trim_start_matches('\u{feff}');
        let line = line.split('#').next().unwrap_or("").trim();
        (!line.is_empty()).then_some((i + 1, line))
    })
}

/// The host column and delimiter when `header` is a CSV header naming one.
fn csv_header(header: &str) -> Option<(usize, u8)> {
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .find(|&d| header.as_bytes().contains(&d))?;
    header
        .split(delimiter as char)
        .map(|f| f.trim().trim_matches('"').to_ascii_lowercase())
        .position(|f| HOST_COLUMNS.contains(&f.as_str()))
        .map(|column| (column, delimiter))
}

/// NetBIOS and DNS names: letters (any script), digits, `-`, `_`, `.`; no spaces or separators.
fn is_host_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars().count() <= 255
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '$'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> tempfile::NamedTempFile {
        use std::io::Write;
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f
    }

    #[test]
    fn plain_hosts_with_comments_and_case() {
        let f = write("# fleet\n\n  SRV-WEB01  \nsrv-web01\nJP-FS01 # Tokyo\nbad host\n");
        let l = read_hosts(f.path()).unwrap();
        assert_eq!(l.items, ["SRV-WEB01", "JP-FS01"]);
        assert_eq!(l.warnings.len(), 1);
        assert!(l.warnings[0].contains(":6:"), "{:?}", l.warnings);
    }

    #[test]
    fn csv_export_with_a_name_column() {
        let f =
            write("\u{feff}DistinguishedName;Name;OS\n\"CN=A,OU=x\";SRV-A;2003\n\"CN=B\";;2003\n");
        let l = read_hosts(f.path()).unwrap();
        assert_eq!(l.items, ["SRV-A"]);
        assert_eq!(l.warnings.len(), 1);
    }

    #[test]
    fn baseline_spellings() {
        let f = write("kb\nKB899588\n899589 # June\nkb899588\nnot-a-kb\n");
        let l = read_baseline(f.path()).unwrap();
        assert_eq!(l.items, [899588, 899589]);
        assert_eq!(l.warnings.len(), 1);
    }
}
