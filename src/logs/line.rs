//! The grammar of one log line: the `<elapsed>: ` prefix, the run-header lines, and the line
//! families of docs/formats.md §2.1, each turned into a [`Line`] that keeps the parts a report needs.
//!
//! Matching is deliberately loose (substrings rather than whole-line templates) because only a
//! handful of real logs were ever published and wording drifts between installer versions.

use jiff::civil::DateTime;
use nom::{
    IResult, Parser,
    bytes::complete::{tag, take_while_m_n},
    character::complete::{char, one_of},
    combinator::opt,
};

/// `<seconds>[.,]<3 digits>: ` at the start of a line. Returns elapsed milliseconds and the
/// message (one space after the colon is part of the prefix; further spaces are the message's).
pub fn elapsed_prefix(line: &str) -> Option<(u64, &str)> {
    let (elapsed, offset) = prefix_len(line.as_bytes())?;
    // The prefix is ASCII, so `offset` is a character boundary.
    Some((elapsed, &line[offset..]))
}

/// The elapsed milliseconds of a line's prefix and the prefix's length: spaces or tabs, 1 to 9
/// digits, `.` or `,`, exactly 3 digits, `:`, and an optional space. Written out by hand: it runs
/// on every line.
pub fn prefix_len(line: &[u8]) -> Option<(u64, usize)> {
    let mut i = line
        .iter()
        .position(|&b| b != b' ' && b != b'\t')
        .unwrap_or(line.len());
    let mut secs = 0u64;
    let digits_start = i;
    while i < line.len() && i - digits_start < 9 && line[i].is_ascii_digit() {
        secs = secs * 10 + u64::from(line[i] - b'0');
        i += 1;
    }
    if i == digits_start || !matches!(line.get(i), Some(b'.' | b',')) {
        return None;
    }
    let millis = line.get(i + 1..i + 4)?;
    if !millis.iter().all(u8::is_ascii_digit) || line.get(i + 4) != Some(&b':') {
        return None;
    }
    let millis = millis
        .iter()
        .fold(0u64, |n, &d| n * 10 + u64::from(d - b'0'));
    i += 5;
    if line.get(i) == Some(&b' ') {
        i += 1;
    }
    Some((secs * 1000 + millis, i))
}

/// Byte offsets where another record was glued onto this line: each ` <digits>[.,]<3 digits>: `.
/// Anchored on the colon, which is much rarer in a line than a space.
pub fn glued_record_starts(line: &str) -> impl Iterator<Item = usize> + '_ {
    let bytes = line.as_bytes();
    memchr::memchr_iter(b':', bytes).filter_map(move |colon| glued_start(bytes, colon, false))
}

/// Where the glued record whose prefix ends at `colon` starts: 1 to 9 digits after a space,
/// `.` or `,`, 3 digits, the colon, then a space or the end of the line. `loose` widens the rule
/// for a whole text rather than one trimmed line (any number of digits; any white space, line
/// break or non-ASCII byte after the colon), so that it finds a superset.
pub(crate) fn glued_start(bytes: &[u8], colon: usize, loose: bool) -> Option<usize> {
    if colon < 6 {
        return None;
    }
    let ends_prefix = match bytes.get(colon + 1) {
        None => true,
        Some(&b) if loose => b <= b' ' || b >= 0x80,
        Some(&b) => b == b' ',
    };
    let millis = &bytes[colon - 3..colon];
    if !ends_prefix
        || !millis.iter().all(u8::is_ascii_digit)
        || !matches!(bytes[colon - 4], b'.' | b',')
    {
        return None;
    }
    let secs_end = colon - 4;
    let digits = bytes[..secs_end]
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let start = secs_end - digits;
    let counted = if loose {
        digits > 0
    } else {
        (1..=9).contains(&digits)
    };
    (counted && start > 0 && bytes[start - 1] == b' ').then_some(start)
}

/// `YYYY/MM/DD HH:MM:SS.mmm`, optionally followed by `(local)` or other words.
pub fn date_line(message: &str) -> Option<DateTime> {
    fn num(min: usize, max: usize) -> impl Fn(&str) -> IResult<&str, i32> {
        move |i| {
            take_while_m_n(min, max, |c: char| c.is_ascii_digit())
                .map(|d: &str| d.parse().unwrap_or(0))
                .parse(i)
        }
    }
    let fraction = opt((
        one_of(".,"),
        take_while_m_n(1, 3, |c: char| c.is_ascii_digit()),
    ));
    let parsed: IResult<&str, _> = (
        num(4, 4),
        one_of("/-"),
        num(1, 2),
        one_of("/-"),
        num(1, 2),
        char(' '),
        num(1, 2),
        tag(":"),
        num(2, 2),
        tag(":"),
        num(2, 2),
        fraction,
    )
        .parse(message.trim_start());
    let (_, (y, _, mo, _, d, _, h, _, mi, _, s, frac)) = parsed.ok()?;
    let millis = frac.map_or(0, |(_, f): (char, &str)| {
        let scale = [100, 10, 1][f.len() - 1];
        f.parse::<i32>().unwrap_or(0) * scale
    });
    DateTime::new(
        i16::try_from(y).ok()?,
        i8::try_from(mo).ok()?,
        i8::try_from(d).ok()?,
        i8::try_from(h).ok()?,
        i8::try_from(mi).ok()?,
        i8::try_from(s).ok()?,
        millis * 1_000_000,
    )
    .ok()
}

/// What a hotpatch-related line says about hotpatching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HotpatchNote {
    Disabled,
    Failed,
    Enabled,
    Mentioned,
}

/// The failure line families of docs/formats.md §2.2 rule 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// `<KB> installation did not complete.`
    NotCompleted,
    /// `<KB> Setup encountered an error: <text>`
    SetupError,
    /// `Installation was canceled ...` (other than migration, which is [`Line::Blocked`]).
    InstallCanceled,
    /// `Service Pack <n> Setup canceled.` — outcome `cancelled`, not `failed`.
    SetupCanceled,
}

/// One classified log message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line<'a> {
    Separator,
    Date(DateTime),
    Installer {
        path: &'a str,
        version: &'a str,
    },
    CommandLine(&'a str),
    Probe,
    Check,
    Analysis,
    Branch,
    /// `Installation was canceled because migration is blocked by following files:`
    Blocked,
    BlockedFile {
        kb: &'a str,
        file: &'a str,
        version: &'a str,
        branch: &'a str,
    },
    RenameBlock {
        new: bool,
    },
    RenameSource {
        path: &'a str,
        version: Option<&'a str>,
    },
    RenameDestination {
        path: &'a str,
        version: Option<&'a str>,
    },
    Copy {
        path: &'a str,
    },
    Register {
        deregister: bool,
        code: Option<u32>,
    },
    RestorePoint,
    UserMessage(&'a str),
    UserInput,
    /// A message about restarting the computer (wording unverified; see [`mentions_restart`]).
    Restart,
    ExtendedCode(u32),
    MaskedCode(u32),
    Failure(Failure),
    Hotpatch(HotpatchNote),
    Other,
}

/// The event kinds of the `--events` table (a closed list, docs/formats.md §2.3).
impl Line<'_> {
    pub fn kind(&self) -> &'static str {
        match self {
            Line::Separator | Line::Date(_) | Line::Installer { .. } | Line::CommandLine(_) => {
                "header"
            }
            Line::Probe => "probe",
            Line::Check => "check",
            Line::Analysis => "analysis",
            Line::Branch => "branch",
            Line::Blocked | Line::BlockedFile { .. } => "blocked",
            Line::RenameBlock { .. }
            | Line::RenameSource { .. }
            | Line::RenameDestination { .. } => "pending_rename",
            Line::Copy { .. } => "copy",
            Line::Register { .. } => "register",
            Line::RestorePoint => "restore_point",
            Line::UserMessage(_) | Line::UserInput | Line::Restart => "message",
            Line::ExtendedCode(_) => "extended_code",
            Line::MaskedCode(_) => "masked_code",
            Line::Failure(_) => "failure",
            Line::Hotpatch(_) => "hotpatch",
            Line::Other => "other",
        }
    }

    /// Whether the line was recognised by words at its start rather than by a keyword anywhere
    /// (so a fragment of a wrapped line cannot be mistaken for it).
    pub fn is_anchored(&self) -> bool {
        !matches!(
            self,
            Line::Other
                | Line::Hotpatch(_)
                | Line::Restart
                | Line::Analysis
                | Line::Check
                | Line::Branch
                | Line::Failure(_)
        )
    }

    /// The file path a line names, for the events table and the removal order.
    pub fn path(&self) -> Option<&str> {
        match *self {
            Line::Installer { path, .. }
            | Line::Copy { path }
            | Line::RenameSource { path, .. }
            | Line::RenameDestination { path, .. } => Some(path),
            Line::BlockedFile { file, .. } => Some(file),
            _ => None,
        }
    }

    /// The version a line names.
    pub fn version(&self) -> Option<&str> {
        match *self {
            Line::Installer { version, .. } | Line::BlockedFile { version, .. } => Some(version),
            Line::RenameSource { version, .. } | Line::RenameDestination { version, .. } => version,
            _ => None,
        }
    }
}

/// The keywords line families are recognised by, found in one pass over a line.
#[derive(Clone, Copy)]
#[repr(u32)]
enum Kw {
    CommandLine,
    Version,
    ExtendedCode,
    MaskedTo,
    CopiedFile,
    Source,
    Destination,
    OldInformation,
    NewInformation,
    UserMessage,
    UserInput,
    Registering,
    UninstallProgram,
    RestorePoint,
    PackageKb,
    MigrationBlocked,
    DidNotComplete,
    SetupError,
    SetupCanceled,
    SetupCancelled,
    InstallCanceled,
    InstallCancelled,
    Hotpatch,
    HotpatchUpper,
    ForBranching,
    Analyze,
    CheckSystem,
    SetProductTypes,
    InFunction,
    GetCatVersion,
    LoadFileQueues,
    Restart,
    RestartUpper,
    Reboot,
    RebootUpper,
    RestartJapanese,
}

const KEYWORDS: &[&str] = &[
    "started with following command line:",
    " (version ",
    "extended error code =",
    "masked to ",
    "Copied file:",
    "Source:",
    "Destination:",
    "Old Information",
    "New Information",
    "Message displayed to the user:",
    "User Input:",
    "Registering",
    "Uninstall Program",
    "System Restore Point set",
    "Package KB",
    "migration is blocked",
    "installation did not complete",
    "Setup encountered an error",
    "Setup canceled",
    "Setup cancelled",
    "Installation was canceled",
    "Installation was cancelled",
    "otpatch",
    "OTPATCH",
    "AnalyzeForBranching",
    "Analyze",
    "CheckSystem",
    "SetProductTypes",
    "In Function",
    "GetCatVersion",
    "LoadFileQueues",
    "estart",
    "ESTART",
    "eboot",
    "EBOOT",
    "再起動",
];

static MATCHER: std::sync::LazyLock<aho_corasick::AhoCorasick> = std::sync::LazyLock::new(|| {
    aho_corasick::AhoCorasick::builder()
        .match_kind(aho_corasick::MatchKind::LeftmostFirst)
        .build(KEYWORDS)
        .expect("static keyword list builds")
});

/// For each byte, the keywords that start with it (one bit each).
static BY_FIRST_BYTE: std::sync::LazyLock<[u64; 256]> = std::sync::LazyLock::new(|| {
    let mut table = [0u64; 256];
    for (i, keyword) in KEYWORDS.iter().enumerate() {
        table[usize::from(keyword.as_bytes()[0])] |= 1 << i;
    }
    table
});

/// Which keywords occur in a line.
#[derive(Clone, Copy)]
struct Found(u64);

impl Found {
    /// Every keyword occurrence, overlapping ones included: the searcher (with its SIMD
    /// prefilter) finds the leftmost place where some keyword starts, the keywords starting with
    /// that byte are tried there, and the search goes on from the next byte (a keyword may start
    /// inside another: `CheckSystem Restore...`). Much faster than an overlapping automaton walk
    /// over each byte, for lines that hold one or two keywords at most.
    fn scan(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut bits = 0u64;
        let mut at = 0;
        while let Some(m) = MATCHER.find(aho_corasick::Input::new(text).span(at..text.len())) {
            let rest = &bytes[m.start()..];
            let mut candidates = BY_FIRST_BYTE[usize::from(rest[0])];
            while candidates != 0 {
                let i = candidates.trailing_zeros();
                candidates &= candidates - 1;
                if rest.starts_with(KEYWORDS[i as usize].as_bytes()) {
                    bits |= 1 << i;
                }
            }
            at = m.start() + 1;
        }
        Found(bits)
    }

    /// The same, by an overlapping automaton walk (the reference for tests).
    #[cfg(test)]
    fn scan_overlapping(text: &str) -> Self {
        let reference = aho_corasick::AhoCorasick::new(KEYWORDS).expect("builds");
        let mut bits = 0u64;
        for m in reference.find_overlapping_iter(text) {
            bits |= 1 << m.pattern().as_u32();
        }
        Found(bits)
    }

    fn has(self, k: Kw) -> bool {
        self.0 & (1 << k as u32) != 0
    }

    fn any(self, ks: &[Kw]) -> bool {
        ks.iter().any(|&k| self.has(k))
    }
}

/// Classifies one message (the text after the elapsed prefix).
pub fn classify(message: &str) -> Line<'_> {
    classify_with(message, Found::scan)
}

/// The keywords a message holds, searched once: [`Keywords::decide`] says whether any of them
/// belongs to a line family that can change a run, and [`classify_scanned`] classifies the
/// message without searching it again.
#[derive(Clone, Copy)]
pub struct Keywords(Found);

impl Keywords {
    /// Searches a message (trimmed, as [`classify`] searches it).
    pub fn scan(message: &str) -> Self {
        Keywords(Found::scan(message.trim()))
    }

    /// Whether a keyword of a line that can change a run is present (any but those that only
    /// ever make a probe, a check, an analysis or a branch line).
    pub fn decide(self) -> bool {
        const ONLY_PLAIN: u64 = (1 << Kw::ForBranching as u32)
            | (1 << Kw::Analyze as u32)
            | (1 << Kw::CheckSystem as u32)
            | (1 << Kw::SetProductTypes as u32)
            | (1 << Kw::InFunction as u32)
            | (1 << Kw::GetCatVersion as u32)
            | (1 << Kw::LoadFileQueues as u32);
        self.0.0 & !ONLY_PLAIN != 0
    }
}

/// [`classify`] with the keywords already searched ([`Keywords::scan`] of the same message).
pub fn classify_scanned(message: &str, keywords: Keywords) -> Line<'_> {
    classify_with(message, |_| keywords.0)
}

fn classify_with(message: &str, scan: impl FnOnce(&str) -> Found) -> Line<'_> {
    let m = message.trim();
    let Some(&first) = m.as_bytes().first() else {
        return Line::Other;
    };
    if first == b'=' && m.len() >= 10 && m.bytes().all(|b| b == b'=') {
        return Line::Separator;
    }
    if first.is_ascii_digit()
        && let Some(dt) = date_line(m)
    {
        return Line::Date(dt);
    }
    if let Some(line) = anchored(m) {
        return line;
    }
    let found = scan(m);
    if found.0 == 0 {
        return Line::Other;
    }
    if found.has(Kw::CommandLine)
        && let Some((_, switches)) = m.split_once(KEYWORDS[Kw::CommandLine as usize])
    {
        return Line::CommandLine(switches.trim());
    }
    if found.has(Kw::Version)
        && let Some(line) = installer_line(m)
    {
        return line;
    }
    if found.has(Kw::ExtendedCode)
        && let Some((_, value)) = m.split_once(KEYWORDS[Kw::ExtendedCode as usize])
        && let Some(code) = first_hex(value)
    {
        return Line::ExtendedCode(code);
    }
    if found.has(Kw::MaskedTo)
        && let Some((_, value)) = m.split_once(KEYWORDS[Kw::MaskedTo as usize])
        && let Some(code) = first_hex(value)
    {
        return Line::MaskedCode(code);
    }
    if found.has(Kw::CopiedFile)
        && let Some(path) = m.strip_prefix("Copied file:")
    {
        return Line::Copy { path: path.trim() };
    }
    if found.has(Kw::Source)
        && let Some(rest) = m.strip_prefix("Source:")
    {
        let (path, version) = path_and_version(rest);
        return Line::RenameSource { path, version };
    }
    if found.has(Kw::Destination)
        && let Some(rest) = m.strip_prefix("Destination:")
    {
        let (path, version) = path_and_version(rest);
        return Line::RenameDestination { path, version };
    }
    if m.starts_with("----") && found.any(&[Kw::OldInformation, Kw::NewInformation]) {
        return Line::RenameBlock {
            new: found.has(Kw::NewInformation),
        };
    }
    if found.has(Kw::UserMessage)
        && let Some(text) = m.strip_prefix("Message displayed to the user:")
    {
        return Line::UserMessage(text.trim());
    }
    if found.has(Kw::UserInput) && m.starts_with("User Input:") {
        return Line::UserInput;
    }
    if found.has(Kw::Registering)
        && found.has(Kw::UninstallProgram)
        && let Some(at) = m.find("Registering")
    {
        let deregister = m[..at].ends_with("De");
        let code = m.rsplit_once(',').and_then(|(_, c)| first_hex(c));
        return Line::Register { deregister, code };
    }
    if found.has(Kw::RestorePoint) && m.starts_with("System Restore Point set") {
        return Line::RestorePoint;
    }
    if found.has(Kw::PackageKb)
        && let Some(line) = blocked_file(m)
    {
        return line;
    }
    if found.has(Kw::MigrationBlocked) {
        return Line::Blocked;
    }
    if let Some(failure) = failure(found) {
        return Line::Failure(failure);
    }
    if found.any(&[Kw::Hotpatch, Kw::HotpatchUpper]) {
        return Line::Hotpatch(hotpatch_note(m));
    }
    if found.has(Kw::ForBranching) {
        return Line::Branch;
    }
    if found.has(Kw::Analyze) {
        return Line::Analysis;
    }
    if found.has(Kw::CheckSystem)
        || (found.has(Kw::SetProductTypes) && m.starts_with("SetProductTypes"))
    {
        return Line::Check;
    }
    if (found.has(Kw::InFunction) && m.starts_with("In Function"))
        || (found.has(Kw::GetCatVersion) && m.starts_with("GetCatVersion"))
        || (found.has(Kw::LoadFileQueues) && m.starts_with("LoadFileQueues"))
    {
        return Line::Probe;
    }
    if restart_found(found, m) {
        return Line::Restart;
    }
    Line::Other
}

/// The families recognised by their first words: most lines of a log, resolved without scanning
/// the whole line. Anything else goes through the keyword scan.
fn anchored(m: &str) -> Option<Line<'_>> {
    let line = match m.as_bytes()[0] {
        b'I' if m.starts_with("In Function") => Line::Probe,
        b'G' if m.starts_with("GetCatVersion") => Line::Probe,
        b'L' if m.starts_with("LoadFileQueues") => Line::Probe,
        b'C' => Line::Copy {
            path: m.strip_prefix("Copied file:")?.trim(),
        },
        b'S' if m.starts_with("Source:") => {
            let (path, version) = path_and_version(&m["Source:".len()..]);
            Line::RenameSource { path, version }
        }
        b'S' if m.starts_with("SetProductTypes") => Line::Check,
        b'S' if m.starts_with("Starting AnalyzeComponents") => Line::Analysis,
        b'D' => {
            let (path, version) = path_and_version(m.strip_prefix("Destination:")?);
            Line::RenameDestination { path, version }
        }
        b'A' if m.starts_with("AnalyzePhase") => Line::Analysis,
        _ => return None,
    };
    Some(line)
}

/// `<extract dir>\update\update.exe (version a.b.c.d)` (or `spuninst.exe`, or any other `.exe`).
fn installer_line(m: &str) -> Option<Line<'_>> {
    let (path, rest) = m.rsplit_once(" (version ")?;
    let version = rest.strip_suffix(')')?.trim();
    let path = path.trim();
    let is_exe = path.len() >= 4
        && path.is_char_boundary(path.len() - 4)
        && path[path.len() - 4..].eq_ignore_ascii_case(".exe");
    is_exe.then_some(Line::Installer { path, version })
}

/// `Package KB<n>, File <path>, Version <v>, Branch <BRANCH>`
fn blocked_file(m: &str) -> Option<Line<'_>> {
    let rest = m.strip_prefix("Package ")?;
    let (kb, rest) = rest.split_once(", File ")?;
    let (file, rest) = rest.split_once(", Version ").unwrap_or((rest, ""));
    let (version, branch) = rest.split_once(", Branch ").unwrap_or((rest, ""));
    Some(Line::BlockedFile {
        kb: kb.trim(),
        file: file.trim(),
        version: version.trim(),
        branch: branch.trim(),
    })
}

fn failure(found: Found) -> Option<Failure> {
    if found.has(Kw::DidNotComplete) {
        Some(Failure::NotCompleted)
    } else if found.has(Kw::SetupError) {
        Some(Failure::SetupError)
    } else if found.any(&[Kw::SetupCanceled, Kw::SetupCancelled]) {
        Some(Failure::SetupCanceled)
    } else if found.any(&[Kw::InstallCanceled, Kw::InstallCancelled]) {
        Some(Failure::InstallCanceled)
    } else {
        None
    }
}

/// Hotpatch wording is unverified beyond the two "disabled" lines, so read it by keywords.
fn hotpatch_note(m: &str) -> HotpatchNote {
    let has = |word: &str| contains_ignore_case(m, word);
    if has("disable") {
        HotpatchNote::Disabled
    } else if has("fail") || has("error") {
        HotpatchNote::Failed
    } else if [
        "enabled",
        "installed",
        "applied",
        "success",
        "using hotpatch",
    ]
    .iter()
    .any(|w| has(w))
    {
        HotpatchNote::Enabled
    } else {
        HotpatchNote::Mentioned
    }
}

/// A message about restarting the computer. The closing wording of a reboot-required run has not
/// been seen in a public log, so this looks for the idea rather than a sentence: "restart" or
/// "reboot" together with what is restarted or why, or the Japanese 再起動.
pub fn mentions_restart(text: &str) -> bool {
    restart_found(Found::scan(text), text)
}

fn restart_found(found: Found, text: &str) -> bool {
    if found.has(Kw::RestartJapanese) {
        return true;
    }
    if !found.any(&[Kw::Restart, Kw::RestartUpper, Kw::Reboot, Kw::RebootUpper]) {
        return false;
    }
    let lower = text.to_ascii_lowercase();
    if lower.contains("/norestart") || lower.contains("/forcerestart") {
        return false;
    }
    [
        "computer", "system", "required", "require", "pending", "must", "needed",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

/// Whether `text` holds `word` (lower-case ASCII), whatever the case of its letters.
fn contains_ignore_case(text: &str, word: &str) -> bool {
    text.as_bytes()
        .windows(word.len())
        .any(|w| w.eq_ignore_ascii_case(word.as_bytes()))
}

/// `<path> (<version>)` with the version optional; `path` may be empty (a pending delete).
fn path_and_version(rest: &str) -> (&str, Option<&str>) {
    let rest = rest.trim();
    if let Some(body) = rest.strip_suffix(')') {
        if let Some((path, version)) = body.rsplit_once(" (") {
            return (path.trim(), Some(version.trim()));
        }
        if let Some(version) = body.strip_prefix('(') {
            return ("", Some(version.trim()));
        }
    }
    (rest, None)
}

/// The first `0x<hex>` number in a text (codes are logged this way).
pub fn first_hex(text: &str) -> Option<u32> {
    let at = text.find("0x").or_else(|| text.find("0X"))?;
    let digits = &text[at + 2..];
    let len = digits.bytes().take_while(u8::is_ascii_hexdigit).count();
    u32::from_str_radix(&digits[..len.min(8)], 16).ok()
}

/// `KB` followed by 5 to 8 digits, anywhere in a text (case-insensitive). Returns the number.
pub fn find_kb(text: &str) -> Option<u32> {
    let bytes = text.as_bytes();
    memchr::memchr2_iter(b'K', b'k', bytes).find_map(|i| {
        if !bytes
            .get(i + 1)
            .is_some_and(|b| b.eq_ignore_ascii_case(&b'b'))
        {
            return None;
        }
        if i > 0 && bytes[i - 1].is_ascii_alphabetic() {
            return None;
        }
        let digits = bytes[i + 2..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        (5..=8)
            .contains(&digits)
            .then(|| text[i + 2..i + 2 + digits].parse().ok())?
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;

    #[test]
    fn prefix_with_dot_or_comma() {
        assert_eq!(elapsed_prefix("0.172: hello"), Some((172, "hello")));
        assert_eq!(
            elapsed_prefix("1448,406:   spaced"),
            Some((1_448_406, "  spaced"))
        );
        assert_eq!(elapsed_prefix("12.34: two decimals"), None);
        assert_eq!(elapsed_prefix("no prefix"), None);
        assert_eq!(elapsed_prefix("0.000:"), Some((0, "")));
    }

    #[test]
    fn glued_records_are_found() {
        let line = "0.172: Copied file:  C:\\a.dll 0.172: Copied file:  C:\\b.dll 1,297: x";
        let starts: Vec<usize> = glued_record_starts(line).collect();
        assert_eq!(starts.len(), 2);
        assert!(line[starts[0]..].starts_with("0.172: Copied file:  C:\\b.dll"));
        assert!(line[starts[1]..].starts_with("1,297: x"));
        assert_eq!(glued_record_starts("at 11:15:14.123 (local)").count(), 0);
    }

    #[test]
    fn header_lines() {
        let dt = date_line("2005/06/17 12:33:45.123 (local)").unwrap();
        assert_eq!(dt.to_string(), "2005-06-17T12:33:45.123");
        assert_eq!(classify("=".repeat(62).as_str()), Line::Separator);
        assert_eq!(
            classify(r"c:\3f2e1a\update\update.exe (version 6.1.22.4)"),
            Line::Installer {
                path: r"c:\3f2e1a\update\update.exe",
                version: "6.1.22.4"
            }
        );
        assert_eq!(
            classify("Hotfix started with following command line: /quiet /ER"),
            Line::CommandLine("/quiet /ER")
        );
        assert!(date_line("2005/13/17 12:33:45.123").is_none());
    }

    #[test]
    fn line_families() {
        assert_eq!(
            classify("Update.exe extended error code = 0xf117"),
            Line::ExtendedCode(0xf117)
        );
        assert_eq!(
            classify(
                "Update.exe return code was masked to 0x643 for MSI custom action compliance."
            ),
            Line::MaskedCode(0x643)
        );
        assert_eq!(
            classify("Copied file:  C:\\WINDOWS\\x.dll"),
            Line::Copy {
                path: "C:\\WINDOWS\\x.dll"
            }
        );
        assert_eq!(
            classify("Destination:C:\\WINDOWS\\system32\\ntdll.dll (5.2.3790.1830)"),
            Line::RenameDestination {
                path: "C:\\WINDOWS\\system32\\ntdll.dll",
                version: Some("5.2.3790.1830")
            }
        );
        assert_eq!(
            classify("Destination:"),
            Line::RenameDestination {
                path: "",
                version: None
            }
        );
        assert_eq!(
            classify("Registering Uninstall Program for -> KB1, KB1 , 0x0"),
            Line::Register {
                deregister: false,
                code: Some(0)
            }
        );
        assert_eq!(
            classify("DeRegistering the Uninstall Program -> KB1, 0"),
            Line::Register {
                deregister: true,
                code: None
            }
        );
        assert_eq!(
            classify("KB1 installation did not complete."),
            Line::Failure(Failure::NotCompleted)
        );
        assert_eq!(
            classify("Service Pack 1 Setup canceled."),
            Line::Failure(Failure::SetupCanceled)
        );
        assert_eq!(
            classify("AnalyzeComponents: Hotpatch analysis disabled; skipping."),
            Line::Hotpatch(HotpatchNote::Disabled)
        );
        assert_eq!(
            classify("1234 CheckSystem: Failed to get product build type."),
            Line::Check
        );
        assert_eq!(
            classify("Package KB890000, File c:\\w\\a.dll, Version 5.2.3790.10, Branch QFE"),
            Line::BlockedFile {
                kb: "KB890000",
                file: "c:\\w\\a.dll",
                version: "5.2.3790.10",
                branch: "QFE"
            }
        );
        assert_eq!(classify("You must restart your computer."), Line::Restart);
        assert_eq!(classify("/norestart given"), Line::Other);
    }

    proptest::proptest! {
        /// The keyword scan finds exactly what an overlapping automaton walk finds, on text
        /// made of keywords, their pieces, and other bytes.
        #[test]
        fn keyword_scan_is_exact(parts in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::sample::select(KEYWORDS).prop_map(str::to_string),
                proptest::sample::select(KEYWORDS).prop_map(|k| k.chars().skip(2).collect::<String>()),
                "[ a-zA-Z:=()再起動]{0,6}",
            ],
            0..8,
        )) {
            let text = parts.concat();
            proptest::prop_assert_eq!(Found::scan(&text).0, Found::scan_overlapping(&text).0);
        }

        /// The hand-written prefix parser agrees with the grammar it replaced.
        #[test]
        fn prefix_parser_matches_the_grammar(line in "[ \t]{0,2}[0-9]{0,11}[.,:]?[0-9]{0,4}[:.]? ?[ a-z]{0,3}") {
            proptest::prop_assert_eq!(elapsed_prefix(&line), nom_prefix(&line));
        }
    }

    /// The `nom` grammar of the prefix, as it was before the hand-written parser.
    fn nom_prefix(line: &str) -> Option<(u64, &str)> {
        use nom::character::complete::space0;
        let parsed: IResult<&str, (u64, u64)> = (
            space0,
            take_while_m_n(1, 9, |c: char| c.is_ascii_digit()),
            one_of(".,"),
            take_while_m_n(3, 3, |c: char| c.is_ascii_digit()),
            char(':'),
            opt(char(' ')),
        )
            .map(|(_, secs, _, millis, _, _): (_, &str, _, &str, _, _)| {
                (secs.parse().unwrap_or(0), millis.parse().unwrap_or(0))
            })
            .parse(line);
        let (rest, (secs, millis)) = parsed.ok()?;
        Some((secs * 1000 + millis, rest))
    }

    #[test]
    fn kb_numbers() {
        assert_eq!(find_kb("KB897341.log"), Some(897_341));
        assert_eq!(find_kb("WindowsServer2003-kb902400-x86-JPN"), Some(902_400));
        assert_eq!(find_kb("svcpack.log"), None);
        assert_eq!(find_kb("WKB1234567"), None);
        assert_eq!(first_hex("error 0xE0000102."), Some(0xe000_0102));
    }
}
