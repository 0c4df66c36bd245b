//! The lab tag of a Windows XP / Server 2003 FileVersion string and what it says about hotpatching
//! (docs/formats.md §4; Microsoft KB 897341): `5.2.3790.2453 (srv03_sp1_gdr.050617-1233)`.

use jiff::civil::DateTime;
use nom::{
    IResult, Parser,
    bytes::complete::take_while1,
    character::complete::{char, digit1, space0},
    combinator::opt,
    multi::separated_list1,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileVersionString {
    /// The numbers as written (`7.02.3790.1830`), parsed.
    pub numbers: Vec<u32>,
    pub lab: Option<LabTag>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabTag {
    pub tag: String,
    pub product: String,
    /// `sp1`, `sp2`, ... when the lab names a service pack.
    pub service_pack: Option<String>,
    /// The branch class: `rtm`, `gdr`, `qfe` or `ldr` when the lab names one (`srv03_sp2_qfe_escrow`
    /// is `qfe`), else the first other token as written, else empty (a base-release lab).
    pub branch_class: String,
    /// Tokens after the service pack other than the class (`escrow`), kept as written.
    pub extra: Vec<String>,
    pub build_stamp: Option<DateTime>,
}

fn numbers(i: &str) -> IResult<&str, Vec<u32>> {
    separated_list1(
        char('.'),
        digit1.map(|d: &str| d.parse().unwrap_or(u32::MAX)),
    )
    .parse(i)
}

/// A lab name and its optional `yymmdd`, `hhmm` build stamp.
type LabParts<'a> = (&'a str, Option<(&'a str, &'a str)>);

/// `(<lab>.<yymmdd>-<hhmm>)`
fn lab_part(i: &str) -> IResult<&str, LabParts<'_>> {
    let (i, _) = (space0, char('(')).parse(i)?;
    let (i, lab) = take_while1(|c: char| c.is_ascii_alphanumeric() || c == '_').parse(i)?;
    let (i, stamp) =
        opt((char('.'), digit1, char('-'), digit1).map(|(_, d, _, t)| (d, t))).parse(i)?;
    Ok((i, (lab, stamp)))
}

pub fn parse_file_version_string(text: &str) -> Option<FileVersionString> {
    let (rest, numbers) = numbers(text.trim()).ok()?;
    let lab = lab_part(rest)
        .ok()
        .map(|(_, (tag, stamp))| lab_tag(tag, stamp));
    Some(FileVersionString { numbers, lab })
}

fn lab_tag(tag: &str, stamp: Option<(&str, &str)>) -> LabTag {
    let mut tokens = tag.split('_');
    let product = tokens.next().unwrap_or_default().to_ascii_lowercase();
    let mut service_pack = None;
    let mut branch = Vec::new();
    for token in tokens.map(str::to_ascii_lowercase) {
        let is_sp = token.len() > 2
            && token.starts_with("sp")
            && token[2..].bytes().all(|b| b.is_ascii_digit());
        if is_sp && service_pack.is_none() {
            service_pack = Some(token);
        } else {
            branch.push(token);
        }
    }
    let class_at = branch
        .iter()
        .position(|t| matches!(t.as_str(), "rtm" | "gdr" | "qfe" | "ldr"))
        .or((!branch.is_empty()).then_some(0));
    let branch_class = class_at.map(|i| branch.remove(i)).unwrap_or_default();
    LabTag {
        tag: tag.to_string(),
        product,
        service_pack,
        branch_class,
        extra: branch,
        build_stamp: stamp.and_then(|(d, t)| build_stamp(d, t)),
    }
}

/// `050617` `1233` → 2005-06-17 12:33.
fn build_stamp(date: &str, time: &str) -> Option<DateTime> {
    if date.len() != 6 || time.len() != 4 {
        return None;
    }
    let n = |s: &str| s.parse::<i8>().ok();
    let year = 2000 + i16::from(n(&date[..2])?);
    DateTime::new(
        year,
        n(&date[2..4])?,
        n(&date[4..])?,
        n(&time[..2])?,
        n(&time[2..])?,
        0,
        0,
    )
    .ok()
}

/// Can a hotpatch update this binary? (`None` = cannot tell), with the reason in words.
pub fn hotpatch_eligibility(machine: &str, lab: Option<&LabTag>) -> (Option<bool>, String) {
    if machine != "x86" {
        return (
            Some(false),
            format!("not x86 ({machine}): hotpatching is 32-bit x86 only"),
        );
    }
    let Some(lab) = lab else {
        return (None, "no lab tag in FileVersion".into());
    };
    if lab.branch_class == "qfe" {
        return (
            Some(false),
            "qfe branch: a hotpatch cannot update it".into(),
        );
    }
    if lab.product != "srv03" {
        return (
            None,
            format!(
                "lab {} is not Windows Server 2003 (hotpatching is documented for Server 2003 SP1)",
                lab.tag
            ),
        );
    }
    let branch = if lab.branch_class.is_empty() {
        "rtm"
    } else {
        lab.branch_class.as_str()
    };
    match (&lab.service_pack, branch) {
        (Some(sp), _) => (Some(true), format!("eligible: {sp} {branch} branch")),
        (None, "gdr" | "rtm") => (
            Some(true),
            format!(
                "eligible: {branch} branch (original-release lab; the server itself must run SP1 or later)"
            ),
        ),
        (None, other) => (None, format!("unknown branch {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab(s: &str) -> LabTag {
        parse_file_version_string(s).unwrap().lab.unwrap()
    }

    #[test]
    fn lab_tags() {
        let l = lab("5.2.3790.2453 (srv03_sp1_gdr.050617-1233)");
        assert_eq!(
            (
                l.product.as_str(),
                l.service_pack.as_deref(),
                l.branch_class.as_str()
            ),
            ("srv03", Some("sp1"), "gdr")
        );
        assert_eq!(l.build_stamp.unwrap().to_string(), "2005-06-17T12:33:00");
        assert_eq!(
            lab("5.2.3790.0 (srv03_rtm.030324-2048)").branch_class,
            "rtm"
        );
        assert_eq!(
            lab("6.0 (srv03_sp2_qfe_escrow.070101-0000)").branch_class,
            "qfe"
        );
        assert_eq!(
            lab("6.0 (srv03_sp2_qfe_escrow.070101-0000)").extra,
            ["escrow"]
        );
        assert_eq!(lab("5.1.2600.5512 (xpsp.080413-2111)").product, "xpsp");
        let v = parse_file_version_string("7.02.3790.1830").unwrap();
        assert_eq!((v.numbers, v.lab), (vec![7, 2, 3790, 1830], None));
        assert!(parse_file_version_string("(srv03_qfe)").is_none());
    }

    #[test]
    fn eligibility() {
        let yes = |s: &str| hotpatch_eligibility("x86", Some(&lab(s)));
        assert_eq!(
            yes("5.2.3790.2453 (srv03_sp1_gdr.050617-1233)").0,
            Some(true)
        );
        assert_eq!(
            yes("5.2.3790.1830 (srv03_sp1_rtm.050324-1447)").0,
            Some(true)
        );
        assert_eq!(
            yes("5.2.3790.2479 (srv03_sp1_qfe.050707-1456)"),
            (
                Some(false),
                "qfe branch: a hotpatch cannot update it".into()
            )
        );
        assert_eq!(yes("5.2.3790.100 (srv03_qfe.040101-0000)").0, Some(false));
        assert_eq!(yes("5.2.3790.0 (srv03_rtm.030324-2048)").0, Some(true));
        assert_eq!(yes("5.1.2600.5512 (xpsp.080413-2111)").0, None);
        assert_eq!(hotpatch_eligibility("x64", None).0, Some(false));
        assert_eq!(hotpatch_eligibility("x86", None).0, None);
    }
}
