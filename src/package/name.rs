//! Identity from a package's file name: `WindowsServer2003-KB899588-x86-JPN.exe`.

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackageName {
    pub kb: Option<u32>,
    pub arch: Option<String>,
    pub lang: Option<String>,
}

pub fn parse(file_name: &str) -> PackageName {
    let stem = file_name.rsplit_once('.').map_or(file_name, |(s, _)| s);
    let mut name = PackageName {
        kb: crate::logs::line::find_kb(stem),
        ..Default::default()
    };
    for token in stem.split(['-', '_', '.']) {
        let lower = token.to_ascii_lowercase();
        if matches!(lower.as_str(), "x86" | "x64" | "ia64" | "amd64" | "i386") {
            name.arch = Some(lower);
        } else if token.len() == 3
            && token.bytes().all(|b| b.is_ascii_uppercase())
            && name.arch.is_some()
        {
            name.lang = Some(token.to_string());
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_update_names() {
        let n = parse("WindowsServer2003-KB899588-x86-JPN.exe");
        assert_eq!(
            (n.kb, n.arch.as_deref(), n.lang.as_deref()),
            (Some(899_588), Some("x86"), Some("JPN"))
        );
        let n = parse("WindowsServer2003.WindowsXP-KB914961-SP2-x64-ENU.exe");
        assert_eq!(
            (n.kb, n.arch.as_deref(), n.lang.as_deref()),
            (Some(914_961), Some("x64"), Some("ENU"))
        );
        assert_eq!(parse("update.cab"), PackageName::default());
    }
}
