//! Reading a log too big to hold whole: block by block, with memory bounded by the block size
//! whatever the file's size (a 2 GB log, a 500 MB single line).
//!
//! The encoding is chosen from the head ([`decode::detect`]); the blocks are decoded by a
//! streaming decoder (a character cut between two blocks is carried over), and the decoded text is
//! handed to the careful reading ([`Assembler`]) one run of whole lines at a time. A line longer
//! than [`run::MAX_LINE_BYTES`] is cut there, as in a file read whole, and the rest of it is
//! skipped without being kept.

use std::io::Read;
use std::path::Path;

use super::decode;
use super::line::{self, Line};
use super::run::{self, Assembler, FileNotes, RunSplitter};
use super::{LogFile, LogOptions};

/// Bytes read from the file at a time.
const BLOCK: usize = 1 << 20;

/// Analyses a log whose first bytes are `head` and whose rest is still to be read from `rest`.
pub(super) fn analyze(
    path: &Path,
    head: &[u8],
    rest: &mut impl Read,
    options: &LogOptions,
) -> LogFile {
    let mut file = LogFile::new(path, options);
    let (encoding, bom) = decode::detect(through_last_newline(head), options.codepage);
    let mut reader = Reader {
        decoder: encoding.new_decoder_without_bom_handling(),
        text: String::new(),
        overlong: None,
        assembler: Assembler::default(),
        splitter: RunSplitter::new(options.events),
        notes: FileNotes::default(),
        had_errors: false,
        ascii: true,
        looks_binary: None,
    };
    // In blocks, so the decoded text never holds more than a block or two.
    for piece in head[bom..].chunks(BLOCK) {
        reader.push(piece, false);
    }
    let mut block = vec![0u8; BLOCK];
    loop {
        match rest.read(&mut block) {
            Ok(0) => break,
            Ok(n) => reader.push(&block[..n], false),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                file.warnings
                    .push(format!("read stopped early, the rest is not analysed: {e}"));
                break;
            }
        }
    }
    reader.push(&[], true);
    let Reader {
        assembler,
        mut splitter,
        notes,
        had_errors,
        ascii,
        looks_binary,
        ..
    } = reader;
    assembler.finish(&mut |record| classify_into(&mut splitter, &record));
    file.encoding = Some(if ascii && encoding == encoding_rs::UTF_8 {
        "ascii"
    } else {
        decode::label(encoding)
    });
    if had_errors {
        file.warnings.push(format!(
            "invalid bytes for {} replaced with U+FFFD (try --codepage)",
            decode::label(encoding)
        ));
    }
    super::settle(
        &mut file,
        splitter.finish(),
        &notes,
        looks_binary.unwrap_or(false),
    );
    file
}

/// The state of a file being read block by block.
struct Reader {
    decoder: encoding_rs::Decoder,
    /// Decoded text not yet handed over: the start of a line whose end has not come yet.
    text: String,
    /// The kept start of a line longer than the longest line kept, whose rest is being skipped.
    overlong: Option<String>,
    assembler: Assembler,
    splitter: RunSplitter,
    notes: FileNotes,
    had_errors: bool,
    ascii: bool,
    looks_binary: Option<bool>,
}

impl Reader {
    /// Decodes one block and hands over every complete line.
    fn push(&mut self, bytes: &[u8], last: bool) {
        self.ascii &= bytes.is_ascii();
        self.text.reserve(
            self.decoder
                .max_utf8_buffer_length(bytes.len())
                .unwrap_or(bytes.len() * 3),
        );
        let (_, _, errors) = self.decoder.decode_to_string(bytes, &mut self.text, last);
        self.had_errors |= errors;
        if self.looks_binary.is_none() && (self.text.len() >= 4096 || last) {
            self.looks_binary = Some(decode::looks_binary(&self.text));
        }
        if let Some(kept) = self.overlong.take() {
            match self.text.find(['\n', '\r']) {
                // The long line ends here: its kept start stands for it.
                Some(end) => self.text.replace_range(..end, &kept),
                None if last => self.text = kept,
                None => {
                    self.text.clear();
                    self.overlong = Some(kept);
                }
            }
        }
        let cut = if last {
            self.text.len()
        } else {
            complete_lines(&self.text)
        };
        if cut > 0 {
            let Reader {
                assembler,
                splitter,
                notes,
                text,
                ..
            } = self;
            assembler.feed(&text[..cut], notes, &mut |record| {
                classify_into(splitter, &record)
            });
            self.text.drain(..cut);
        }
        if self.text.len() > run::MAX_LINE_BYTES + 8 && self.overlong.is_none() {
            // No line break for longer than any line kept: keep its start, skip the rest.
            let mut end = run::MAX_LINE_BYTES + 4;
            while !self.text.is_char_boundary(end) {
                end -= 1;
            }
            self.overlong = Some(self.text[..end].to_string());
            self.text.clear();
        }
    }
}

fn classify_into(splitter: &mut RunSplitter, record: &run::Record<'_>) {
    let line = if record.is_name {
        Line::Other
    } else {
        line::classify(&record.text)
    };
    splitter.record(record, &line);
}

/// How much of `text` is whole lines: up to its last LF, or its last CR that is not the final
/// character (a final CR may be the first half of a CRLF).
fn complete_lines(text: &str) -> usize {
    let bytes = text.as_bytes();
    if let Some(lf) = memchr::memrchr(b'\n', bytes) {
        return lf + 1;
    }
    match memchr::memrchr(b'\r', bytes) {
        Some(cr) if cr + 1 < bytes.len() => cr + 1,
        _ => 0,
    }
}

/// The bytes of `head` up to its last LF (all of them when there is none).
fn through_last_newline(head: &[u8]) -> &[u8] {
    memchr::memrchr(b'\n', head).map_or(head, |lf| &head[..=lf])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A reader that hands out at most `step` bytes at a time.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(out.len()).min(self.0.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn both(
        bytes: &[u8],
        head: usize,
        step: usize,
    ) -> (Vec<super::super::RunRow>, Vec<super::super::RunRow>) {
        let path = Path::new("HOST/KB123456.log");
        let options = LogOptions::default();
        let whole = super::super::analyze_bytes(path, bytes, &options).run_rows(None);
        let head = head.min(bytes.len());
        let streamed = analyze(
            path,
            &bytes[..head],
            &mut Trickle(&bytes[head..], step),
            &options,
        )
        .run_rows(None);
        (whole, streamed)
    }

    fn sample() -> String {
        let sep = "=".repeat(62);
        let mut text = String::new();
        for day in 1..4 {
            text.push_str(&format!(
                "[KB123456.log]\r\n0.172: {sep}\r\n0.172: 2005/06/{day:02} 12:33:45.123 (local)\r\n\
                 0.200: Hotfix started with following command line: /quiet\r\n\
                 0.300: Message displayed to the user: a long\r\nwrapped text\r\n\
                 1.000: Copied file:  C:\\WINDOWS\\system32\\é.dll 1.100: Copied file:  C:\\b.dll\r\n\
                 3.000: Update.exe extended error code = 0x0\r\n"
            ));
        }
        text
    }

    #[test]
    fn blocks_give_the_rows_of_a_whole_read() {
        let text = sample();
        for (head, step) in [(0, 1), (7, 3), (100, 64), (text.len(), 5)] {
            let (whole, streamed) = both(text.as_bytes(), head, step);
            assert_eq!(whole, streamed, "head {head}, step {step}");
        }
        let utf16: Vec<u8> = [0xff, 0xfe]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let (whole, streamed) = both(&utf16, 101, 7);
        assert_eq!(whole, streamed);
        assert_eq!(streamed[0].encoding, Some("utf-16le"));
    }

    #[test]
    fn an_endless_line_is_cut_and_skipped() {
        let mut text = sample();
        text.insert_str(40, &"x".repeat(3 * run::MAX_LINE_BYTES));
        let (whole, streamed) = both(text.as_bytes(), 10, 4096);
        assert_eq!(whole, streamed);
        assert!(streamed[0].warnings.iter().any(|w| w.contains("cut")));
        // No line break at all, to the end of the file.
        let endless = format!("0.100: {}", "y".repeat(3 * run::MAX_LINE_BYTES));
        let (whole, streamed) = both(endless.as_bytes(), 10, 4096);
        assert_eq!(whole, streamed);
    }

    proptest! {
        #[test]
        fn any_split_gives_the_same_rows(
            lines in prop::collection::vec(
                prop_oneof![
                    Just("0.100: Copied file:  C:\\x.dll".to_string()),
                    Just("0.050: Update.exe extended error code = 0xf117".to_string()),
                    Just("0.172: 2005/06/17 12:33:45.123 (local)".to_string()),
                    Just("[KB123456.log]".to_string()),
                    Just("wrapped tail".to_string()),
                    "[ -~]{0,30}",
                ],
                0..30,
            ),
            ending in prop_oneof![Just("\r\n"), Just("\n"), Just("\r")],
            head in 0usize..400,
            step in 1usize..50,
        ) {
            let text = lines.join(ending);
            // An empty file is never read block by block.
            prop_assume!(!text.is_empty());
            let (whole, streamed) = both(text.as_bytes(), head, step);
            prop_assert_eq!(whole, streamed);
        }
    }
}
