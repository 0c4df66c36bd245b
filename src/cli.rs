//! Command-line definitions (clap derive). `main.rs` parses, [`crate::app`] runs.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::logs::HostFrom;
use crate::output::Format;
use crate::scan::ProgressMode;

const ABOUT: &str =
    "Forensic analyzer for Windows Server 2003 / XP security-update logs and packages";

const EXAMPLES: &str = "\
Examples:
  kbaudit logs \\\\fileserver\\logs -o timeline.csv      one CSV timeline of every installation run
  kbaudit logs corpus/logs --tz Asia/Tokyo              also fill started_utc from Japanese hosts' clocks
  kbaudit logs share/ --events lines.csv -o runs.csv    plus one row per log line
  kbaudit state share/ --hosts hosts.txt --baseline baseline.txt -o state.xlsx --format xlsx
  kbaudit report share/ --hosts hosts.txt --baseline baseline.txt -o report.html
  kbaudit logs share/ --shard 2/4 -o runs-2.csv          one of four workers; then kbaudit merge

Exit codes: 0 every input processed; 1 some inputs could not be processed (each has a row saying
why); 2 usage error or nothing could be done; 130 interrupted (temporary files removed).";

#[derive(Debug, Parser)]
#[command(name = "kbaudit", version, about = ABOUT, after_help = EXAMPLES)]
pub struct Cli {
    #[command(flatten)]
    pub common: Common,
    #[command(subcommand)]
    pub command: Command,
}

/// Where a subcommand's table goes, and in which format.
#[derive(Debug, Args, Clone)]
pub struct TableOutput {
    /// Write the table to FILE instead of stdout (written under a temporary name, then renamed)
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// csv (RFC 4180, UTF-8, CRLF, BOM in files) or jsonl (one object per row with the CSV's keys:
    /// raw text, numbers and booleans typed, empty cells null, local times
    /// YYYY-MM-DDTHH:MM:SS.fff without an offset, UTC times ending in Z)
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,
}

/// Options every subcommand takes.
#[derive(Debug, Args, Clone)]
pub struct Common {
    /// Worker threads (0 = one per core)
    #[arg(
        short = 'j',
        long,
        global = true,
        default_value_t = 0,
        value_name = "N"
    )]
    pub threads: usize,
    /// When to show progress bars on stderr
    #[arg(long, global = true, value_enum, default_value_t = ProgressMode::Auto, value_name = "WHEN")]
    pub progress: ProgressMode,
    /// UTF-8 byte order mark at the start of CSV output: auto = in files, not on a terminal or
    /// pipe; always = also on stdout (`> t.csv` for Japanese Excel); never
    #[arg(long, global = true, value_enum, default_value_t = Bom::Auto, value_name = "WHEN")]
    pub bom: Bom,
    /// The same as --bom never
    #[arg(long, global = true)]
    pub no_bom: bool,
    /// Write cells from input text as they are, without the ' that stops spreadsheet formulas
    #[arg(long, global = true)]
    pub raw_cells: bool,
    /// Overwrite existing output files
    #[arg(long, global = true)]
    pub force: bool,
    /// Errors only on stderr: no progress, summaries, findings or warnings
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Only shard K of N (1 <= K <= N): hosts (logs, state, order, report) or files (packages,
    /// versions, extract) split by a stable hash; `kbaudit merge` joins the shards' tables
    #[arg(long, global = true, value_name = "K/N")]
    pub shard: Option<crate::shard::Shard>,
    /// Also read input paths from FILE, one per line (`-` for stdin), as `find -print` writes
    /// (commands that take PATHs)
    #[arg(long, global = true, value_name = "FILE")]
    pub files_from: Option<PathBuf>,
    /// With --files-from: paths are separated by NUL bytes (`find -print0`)
    #[arg(short = '0', long = "null", global = true)]
    pub null: bool,
}

/// When CSV output starts with a UTF-8 byte order mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Bom {
    #[default]
    Auto,
    Always,
    Never,
}

impl Bom {
    /// Whether CSV written to a file (`to_file`) or to stdout starts with a BOM.
    pub fn applies(self, to_file: bool) -> bool {
        match self {
            Bom::Auto => to_file,
            Bom::Always => true,
            Bom::Never => false,
        }
    }
}

impl Common {
    /// The BOM setting in force (`--no-bom` is `--bom never`).
    pub fn bom_mode(&self) -> Bom {
        if self.no_bom { Bom::Never } else { self.bom }
    }

    /// The progress mode in force (`--quiet` turns bars off).
    pub fn progress_mode(&self) -> ProgressMode {
        if self.quiet {
            ProgressMode::Never
        } else {
            self.progress
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// One row per installation run found in KB######.log files
    #[command(after_help = LOGS_HELP)]
    Logs(LogsArgs),
    /// Unpack an update package (.exe or .cab) safely into a directory
    #[command(after_help = EXTRACT_HELP)]
    Extract(ExtractArgs),
    /// Version strings of PE files and whether a hotpatch can update each one
    #[command(after_help = VERSIONS_HELP)]
    Versions(VersionsArgs),
    /// Per host, the order in which installed updates must be removed (newest first)
    #[command(after_help = ORDER_HELP)]
    Order(OrderArgs),
    /// Inventory of update packages: contents, branches, hotpatch payloads, integrity
    #[command(after_help = PACKAGES_HELP)]
    Packages(PackagesArgs),
    /// Per host and update: installed, pending reboot, removed, failed (and why), missing, no logs
    #[command(after_help = STATE_HELP)]
    State(StateArgs),
    /// One self-contained HTML audit report: state counts, charts, failures, gaps, evidence
    #[command(after_help = REPORT_HELP)]
    Report(ReportArgs),
    /// Join the tables shards wrote (--shard K/N) into exactly what one run would have written
    #[command(after_help = MERGE_HELP)]
    Merge(MergeArgs),
}

const MERGE_HELP: &str = "\
The tables must come from the same command, table and format (CSV or JSONL), each written whole
by kbaudit: the kind is recognised by the columns, rows are merged in kbaudit's order (by path,
or by host), and the matrix's KB columns are the union of the shards'. A table whose last line
is cut, whose rows are out of order, or whose columns differ is refused with the file and line.

Examples:
  for k in 1 2 3 4; do kbaudit logs share/ --shard $k/4 -o runs-$k.csv & done; wait
  kbaudit merge runs-1.csv runs-2.csv runs-3.csv runs-4.csv -o runs.csv
  kbaudit merge state-*.jsonl > state.jsonl";

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shards' tables (CSV or JSONL)
    #[arg(required = true, value_name = "TABLE")]
    pub tables: Vec<PathBuf>,
    /// Write the merged table to FILE instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The filters `logs`, `state` and `order` share.
#[derive(Debug, Args, Clone, Default)]
pub struct FilterArgs {
    /// Only hosts whose name matches GLOB (case-insensitive, * and ?; repeatable)
    #[arg(long = "host", value_name = "GLOB")]
    pub hosts: Vec<String>,
    /// Only these updates (repeat, or KB1,KB2; "KB" is optional)
    #[arg(long = "kb", value_name = "LIST", value_delimiter = ',')]
    pub kbs: Vec<String>,
    /// Only runs started on or after DATE (YYYY-MM-DD or "YYYY-MM-DD HH:MM:SS", host-local time)
    #[arg(long, value_name = "DATE", value_parser = crate::filter::parse_since)]
    pub since: Option<jiff::civil::DateTime>,
    /// Only runs started on or before DATE (a date alone includes that whole day)
    #[arg(long, value_name = "DATE", value_parser = crate::filter::parse_until)]
    pub until: Option<jiff::civil::DateTime>,
}

impl FilterArgs {
    pub fn build(&self, outcomes: &[String]) -> anyhow::Result<crate::filter::Filters> {
        crate::filter::Filters::new(&self.hosts, &self.kbs, self.since, self.until, outcomes)
    }
}

const STATE_HELP: &str = "\
Reads the logs as `kbaudit logs` does and answers, per host and update, where things stand as of
the last log. States: installed; installed_pending_reboot (the last successful install asked for a
restart; a restart leaves no trace in these logs); removed (uninstalled after its last install);
failed, cancelled, incomplete (never installed successfully: the latest attempt's outcome);
missing (in --baseline, no log of it on a known host); no_logs (in --hosts, no log at all);
no_runs (the host's log files hold no installer run). Each row names the line that decided it
(evidence = file:line) and the runs it read.

--hosts FILE: one host per line (# comments, blank lines ignored, case-insensitive), or a CSV
export with a host, name or computer column. --baseline FILE: one KB per line (KB123456 or 123456).

Examples:
  kbaudit state share/ -o state.csv
  kbaudit state share/ --hosts hosts.txt --baseline baseline.txt --matrix matrix.csv -o state.csv
  kbaudit state share/ --state installed_pending_reboot         # who still needs a reboot
  kbaudit state share/ --state failed,cancelled,incomplete      # failed and never succeeded
  kbaudit state share/ --hosts hosts.txt --state no_logs        # who sent no logs
  kbaudit state --from-runs runs.jsonl --baseline baseline.txt   # from a (merged) run table
  kbaudit state share/ --kb KB899588 --until 2005-12-31     # as it stood at the end of 2005";

#[derive(Debug, Args)]
pub struct StateArgs {
    #[command(flatten)]
    pub fleet: FleetArgs,
    #[command(flatten)]
    pub table: TableOutput,
    /// Also write a hosts × updates matrix (one short state word per cell) to FILE
    #[arg(long, value_name = "FILE")]
    pub matrix: Option<PathBuf>,
    /// Only rows in these states (repeat or comma-separated); the matrix and summary keep all
    #[arg(long = "state", value_name = "LIST", value_delimiter = ',', value_parser = ["installed", "installed_pending_reboot", "removed", "failed", "cancelled", "incomplete", "missing", "no_logs", "no_runs"])]
    pub states: Vec<String>,
}

/// What `state` and `report` read: logs (or a run table), an inventory, a baseline, filters.
#[derive(Debug, Args)]
pub struct FleetArgs {
    /// Log files or folders, as for `kbaudit logs`
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Read the runs from TABLE (`kbaudit logs` output, CSV or JSONL, e.g. merged shards) instead
    /// of reading logs
    #[arg(long, value_name = "TABLE", conflicts_with = "paths")]
    pub from_runs: Option<PathBuf>,
    /// Host inventory: every host that should have logs (hosts without any get no_logs rows)
    #[arg(long = "hosts", value_name = "FILE")]
    pub inventory: Option<PathBuf>,
    /// Updates every host must have (absent ones get missing rows)
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Which folder of a log's path names its host
    #[arg(long, value_enum, default_value_t = HostFrom::Parent, value_name = "LEVEL")]
    pub host_from: HostFrom,
    /// Legacy code page of the logs (default: detect per file)
    #[arg(long, value_name = "NAME", value_parser = parse_codepage)]
    pub codepage: Option<&'static encoding_rs::Encoding>,
}

const REPORT_HELP: &str = "\
One self-contained HTML file (inline CSS and SVG, no script, no network) for people who read
rather than filter: overview, state counts (the same as `kbaudit state`), per-update bars, a
hosts × updates heatmap, installs per month, failures by extended code, hosts waiting for a
reboot, and evidence gaps (hosts without logs, runs cut off, unreadable files). Every listed
row names its evidence as file:line. It aggregates, so it stays small on a large share.

Examples:
  kbaudit report share/ --hosts hosts.txt --baseline baseline.txt -o report.html
  kbaudit report --from-runs runs.jsonl --baseline baseline.txt -o report.html";

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub fleet: FleetArgs,
    /// Write the report to FILE (default: stdout)
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The report's title
    #[arg(long, default_value = "Security update audit")]
    pub title: String,
    /// IANA time zone of the hosts' clocks: the period is then also given in UTC
    #[arg(long, value_name = "ZONE", value_parser = parse_zone)]
    pub tz: Option<jiff::tz::TimeZone>,
}

const PACKAGES_HELP: &str = "\
Reads every .exe and .cab under the paths. A package is hotpatch_capable when it carries at least
one valid hotpatch payload: a file named *._hp (or *.hp) that is a 32-bit PE with a '.hotp1  '
section holding a consistent HOT1 header. Payloads are checked against update.inf's
[SourceFileInfo] (MD5, size, file version) unless the package is delta-compressed.
status: ok, findings (mismatches, bad checksums, anomalies), damaged (files unreadable), error.

Examples:
  kbaudit packages downloads/ -o packages.csv --files payloads.csv
  kbaudit packages WindowsServer2003-KB899588-x86-JPN.exe --format jsonl";

#[derive(Debug, Args)]
pub struct PackagesArgs {
    /// Package files (.exe, .cab) or folders
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub table: TableOutput,
    /// Also write one row per payload file to FILE
    #[arg(long, value_name = "FILE")]
    pub files: Option<PathBuf>,
    /// Decompress at most this many bytes per package (suffixes K, M, G)
    #[arg(long, value_name = "N", default_value = "4G", value_parser = parse_size)]
    pub max_bytes: u64,
}

const ORDER_HELP: &str = "\
When several updates replaced the same file they must be removed newest first: install A, B, C →
remove C, then B, then A. From the logs of each host: successful installs in time order with the
files each replaced, uninstall runs, and runs blocked by another package's newer files.
must_remove_first lists the updates to take off before this one, newest first; remove_position is
a full safe order (1 = first); reboot_to_remove is true for updates installed with hotpatching.

Examples:
  kbaudit order \\\\fileserver\\kblogs -o order.csv
  kbaudit order share/ --host SRV-DB01 --remove KB902400
  kbaudit order share/ --host 'SRV-WEB*' --until 2005-12-31   # the order as it stood then";

#[derive(Debug, Args)]
pub struct OrderArgs {
    /// Log files or folders, as for `kbaudit logs`
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub table: TableOutput,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Only these updates: what must come off before each (repeat, or KB1,KB2; same as --kb)
    #[arg(long, value_name = "KB", value_delimiter = ',')]
    pub remove: Vec<String>,
    /// Which folder of a log's path names its host
    #[arg(long, value_enum, default_value_t = HostFrom::Parent, value_name = "LEVEL")]
    pub host_from: HostFrom,
    /// Legacy code page of the logs (default: detect per file)
    #[arg(long, value_name = "NAME", value_parser = parse_codepage)]
    pub codepage: Option<&'static encoding_rs::Encoding>,
}

const VERSIONS_HELP: &str = "\
Reads every PE file under the paths (other files are skipped quietly unless named explicitly).
The FileVersion string's lab tag decides: (srv03_sp1_gdr.…), (srv03_sp1_rtm.…), (srv03_gdr.…),
(srv03_rtm.…) can be updated by a hotpatch; (srv03_qfe.…) or any _qfe branch cannot; only 32-bit
x86 Windows Server 2003 SP1 or later supports hotpatching (Microsoft KB 897341).

Examples:
  kbaudit versions copy-of-system32/ -o versions.csv
  kbaudit versions system32/authz.dll system32/ntdll.dll
  kbaudit versions system32/ --profile sigcheck -o sigcheck.csv";

#[derive(Debug, Args)]
pub struct VersionsArgs {
    /// PE files or folders (walked recursively, in sorted order)
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub table: TableOutput,
    /// Columns: kbaudit's own, or those of Sysinternals `sigcheck -c`
    #[arg(long, value_enum, default_value_t = Profile::Native)]
    pub profile: Profile,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Profile {
    Native,
    Sigcheck,
}

const EXTRACT_HELP: &str = "\
Every cabinet found in the file is unpacked (several cabinets go to @<offset>/ subfolders). Names
never lead outside DIR: '..' becomes '__', drive letters and leading slashes are dropped, control
characters become '_'; every change is reported. Nothing is overwritten without --force.

Examples:
  kbaudit extract WindowsServer2003-KB899588-x86-JPN.exe -d KB899588
  kbaudit extract legacy.cab -d out --name-encoding shift_jis --max-bytes 500M";

#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// The package: a self-extracting .exe or a .cab
    #[arg(value_name = "PACKAGE")]
    pub package: PathBuf,
    /// Directory to write into (created if missing)
    #[arg(short = 'd', long = "dir", value_name = "DIR")]
    pub dir: PathBuf,
    /// Stop after writing this many bytes in all (suffixes K, M, G; default 4G)
    #[arg(long, value_name = "N", default_value = "4G", value_parser = parse_size)]
    pub max_bytes: u64,
    /// Code page of file names not flagged as UTF-8 (default windows-1252)
    #[arg(long, value_name = "NAME", value_parser = parse_codepage)]
    pub name_encoding: Option<&'static encoding_rs::Encoding>,
    /// Treat anomalies (bad checksums, hidden file tables, ...) as errors
    #[arg(long)]
    pub strict: bool,
}

/// `4096`, `500M`, `4G`, `1KiB` ...
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(digits);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("not a size: {text:?}"))?;
    let shift = match unit
        .trim()
        .to_ascii_lowercase()
        .trim_end_matches("ib")
        .trim_end_matches('b')
    {
        "" => 0,
        "k" => 10,
        "m" => 20,
        "g" => 30,
        "t" => 40,
        _ => return Err(format!("unknown size unit in {text:?} (use K, M, G)")),
    };
    number
        .checked_mul(1 << shift)
        .ok_or_else(|| format!("size too large: {text:?}"))
}

const LOGS_HELP: &str = "\
Every file whose name ends in .log is read (a file named on the command line is always read).
Outcomes: success, reboot_required, failed, cancelled, incomplete (cut off); a file that yields no
run gets one row with outcome unreadable or no_runs and the reason in `warnings`.

Examples:
  kbaudit logs \\\\fileserver\\kblogs -o timeline.csv
  kbaudit logs share/ --tz Asia/Tokyo --codepage shift_jis --format jsonl > runs.jsonl
  kbaudit logs share/ --host-from grandparent      # share/HOST/WINDOWS/KB123456.log
  kbaudit logs share/ --host 'JP-*' --kb KB899591 --outcome failed --since 2005-07-01";

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Log files or folders (walked recursively, in sorted order)
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub table: TableOutput,
    /// Also write one row per log line to FILE
    #[arg(long, value_name = "FILE")]
    pub events: Option<PathBuf>,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Only runs with these outcomes (success, reboot_required, failed, cancelled, incomplete,
    /// unreadable, no_runs; repeat or comma-separated)
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = ["success", "reboot_required", "failed", "cancelled", "incomplete", "unreadable", "no_runs"])]
    pub outcome: Vec<String>,
    /// IANA time zone of the hosts' clocks (e.g. Asia/Tokyo), to fill started_utc
    #[arg(long, value_name = "ZONE", value_parser = parse_zone)]
    pub tz: Option<jiff::tz::TimeZone>,
    /// Legacy code page of logs that are not UTF-8/UTF-16 (default: detect per file)
    #[arg(long, value_name = "NAME", value_parser = parse_codepage)]
    pub codepage: Option<&'static encoding_rs::Encoding>,
    /// Which folder of a log's path names its host
    #[arg(long, value_enum, default_value_t = HostFrom::Parent, value_name = "LEVEL")]
    pub host_from: HostFrom,
    /// Columns: kbaudit's own, or Timesketch's import fields first (message, datetime,
    /// timestamp_desc, timestamp; needs --tz) then kbaudit's, flat and without the formula guard
    #[arg(long, value_enum, default_value_t = LogsProfile::Native)]
    pub profile: LogsProfile,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogsProfile {
    Native,
    Timesketch,
}

fn parse_zone(name: &str) -> Result<jiff::tz::TimeZone, String> {
    jiff::tz::TimeZone::get(name).map_err(|e| format!("unknown time zone {name:?}: {e}"))
}

pub fn parse_codepage(name: &str) -> Result<&'static encoding_rs::Encoding, String> {
    crate::logs::decode::encoding_by_name(name).ok_or_else(|| {
        format!("unknown code page {name:?} (try shift_jis, windows-1252, windows-1251, gbk, big5, euc-kr)")
    })
}
