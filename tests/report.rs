//! `kbaudit report`: the HTML's structure (parsed), its counts against `kbaudit state`, and a
//! real rendering in headless Chromium (the DOM holds the charts and tables; the screenshot is
//! not blank). CI installs Chromium (`.ci/run`); locally the browser test says so and stops when
//! there is none.

mod common;

use common::{FLEET, kbaudit};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use scraper::{Html, Selector};

fn report(dir: &Path, extra: &[&Path]) -> PathBuf {
    let out = dir.join("report.html");
    kbaudit()
        .args(["report", "corpus/logs", "-q"])
        .args(extra)
        .args(FLEET)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(1);
    out
}

fn select<'a>(html: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    html.select(&Selector::parse(css).unwrap()).collect()
}

#[test]
fn sections_and_counts_agree_with_state() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(report(dir.path(), &[])).unwrap();
    let html = Html::parse_document(&text);
    for id in [
        "overview",
        "states",
        "per-kb",
        "heatmap",
        "over-time",
        "failures",
        "reboot-pending",
        "gaps",
    ] {
        assert_eq!(
            select(&html, &format!("section#{id}")).len(),
            1,
            "section {id}"
        );
    }
    assert!(select(&html, "script").is_empty(), "no script");
    assert!(
        !text.contains("http://") && !text.contains("https://"),
        "nothing to fetch"
    );
    assert!(text.contains(r#"<meta charset="utf-8">"#));
    assert!(
        text.contains("IPAGothic") && text.contains("Meiryo"),
        "a Japanese font stack"
    );
    assert!(select(&html, "section#per-kb svg rect").len() > 10);
    assert!(select(&html, "section#heatmap svg rect").len() > 100);
    // State counts: the same numbers as `kbaudit state` on the same inputs.
    let state = kbaudit()
        .args(["state", "corpus/logs"])
        .args(FLEET)
        .output()
        .unwrap()
        .stdout;
    let mut expected: BTreeMap<String, usize> = BTreeMap::new();
    for r in csv::Reader::from_reader(state.as_slice()).records() {
        *expected.entry(r.unwrap()[2].to_string()).or_default() += 1;
    }
    for row in select(&html, "#state-counts tr[data-state]") {
        let state = row.value().attr("data-state").unwrap();
        let n: usize = row
            .select(&Selector::parse("td.n").unwrap())
            .next()
            .unwrap()
            .text()
            .collect::<String>()
            .parse()
            .unwrap();
        assert_eq!(n, expected.get(state).copied().unwrap_or(0), "{state}");
    }
    // Every listed row names its evidence as file:line.
    for cell in select(
        &html,
        "#failure-table td.evidence, #pending-table td.evidence, #incomplete-table td.evidence",
    ) {
        let text: String = cell.text().collect();
        let (file, line) = text.rsplit_once(':').unwrap();
        assert!(
            Path::new(file).exists() && line.parse::<u32>().is_ok(),
            "{text}"
        );
    }
    // The reboot-pending host and the host without logs are named.
    let pending: String = select(&html, "#pending-table")
        .iter()
        .flat_map(|t| t.text())
        .collect();
    assert!(pending.contains("JP-FS01"));
    let no_logs: String = select(&html, "#no-logs")
        .iter()
        .flat_map(|t| t.text())
        .collect();
    assert!(no_logs.contains("SRV-NEW01"));
    // Input text is escaped, never markup.
    assert!(!text.contains("<script"));
}

#[test]
fn the_same_report_from_a_run_table() {
    let dir = tempfile::tempdir().unwrap();
    let from_logs = std::fs::read_to_string(report(dir.path(), &[])).unwrap();
    let runs = dir.path().join("runs.jsonl");
    kbaudit()
        .args(["logs", "corpus/logs", "--format", "jsonl", "-q", "-o"])
        .arg(&runs)
        .assert()
        .code(1);
    let out = kbaudit()
        .args(["report", "--from-runs"])
        .arg(&runs)
        .args(FLEET)
        .output()
        .unwrap();
    let from_runs = String::from_utf8(out.stdout).unwrap();
    // Only the line saying where it came from differs.
    let body = |s: &str| s[s.find("<section").unwrap()..].to_string();
    assert_eq!(body(&from_runs), body(&from_logs));
}

/// The Chromium binary, if any.
fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|p| p.join(name))
                    .find(|p| p.is_file())
            })
        })
}

#[test]
fn renders_in_a_real_browser() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must render the report: install chromium"
        );
        eprintln!("SKIPPED: no chromium on PATH; the report was not rendered");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // A Japanese host name must render too.
    let share = dir.path().join("share");
    let host = share.join("東京-FS01");
    std::fs::create_dir_all(&host).unwrap();
    std::fs::copy(
        "corpus/logs/JP-FS01/KB899591.log",
        host.join("KB899591.log"),
    )
    .unwrap();
    let page = report(dir.path(), &[&share]);
    let url = format!("file://{}", page.display());
    let base = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--window-size=1200,2000",
    ];
    let dom = std::process::Command::new(&browser)
        .args(base)
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout).into_owned();
    let parsed = Html::parse_document(&dom);
    assert!(
        select(&parsed, "svg").len() >= 3,
        "the rendered DOM holds the charts"
    );
    assert!(
        select(&parsed, "table#state-counts tr").len() == 10,
        "and the tables"
    );
    assert!(dom.contains("東京-FS01"));
    let shot = dir.path().join("shot.png");
    let status = std::process::Command::new(&browser)
        .args(base)
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
        .output()
        .unwrap();
    assert!(shot.exists(), "{}", String::from_utf8_lossy(&status.stderr));
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    let pixels = &pixels[..info.buffer_size()];
    let distinct: std::collections::HashSet<&[u8]> =
        pixels.chunks(info.color_type.samples()).collect();
    assert!(
        distinct.len() > 20,
        "the screenshot is not blank ({} colours)",
        distinct.len()
    );
    let dark = pixels
        .chunks(info.color_type.samples())
        .filter(|p| p[..3].iter().all(|&c| c < 100))
        .count();
    assert!(dark > 1000, "text was drawn ({dark} dark pixels)");
}
