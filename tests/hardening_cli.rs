//! The README's contract under bad input, as a user meets it: exit codes, pipes, FIFOs, outputs
//! that would overwrite inputs, and interrupted runs.

mod common;

use common::kbaudit;

use std::io::Read;
use std::path::Path;
use std::process::{Command as Process, Stdio};

use predicates::prelude::*;

fn binary() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("kbaudit")
}

/// A share of `hosts` hosts, each with copies of the corpus's SRV-WEB01 logs.
fn big_share(dir: &Path, hosts: usize) {
    for h in 0..hosts {
        let host = dir.join(format!("HOST{h:04}"));
        std::fs::create_dir_all(&host).unwrap();
        for kb in ["KB896358", "KB901214"] {
            std::fs::copy(
                format!("corpus/logs/SRV-WEB01/{kb}.log"),
                host.join(format!("{kb}.log")),
            )
            .unwrap();
        }
    }
}

fn leftovers(dir: &Path) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".kbaudit-"))
        .collect()
}

#[test]
fn a_mistyped_path_is_exit_2_and_names_no_host() {
    let out = kbaudit()
        .args(["logs", "/nonexistent/path"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8(out.stdout).unwrap();
    let row = text.lines().nth(1).unwrap();
    assert!(row.starts_with(",,"), "no host from a missing path: {row}");
    assert!(row.contains("unreadable"));
    let empty = tempfile::tempdir().unwrap();
    kbaudit()
        .arg("state")
        .arg(empty.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no .log files found under this directory",
        ));
    // One good path among bad ones: finished with failures, exit 1.
    kbaudit()
        .args(["logs", "corpus/logs/SRV-WEB01", "/nonexistent/path"])
        .assert()
        .code(1);
}

#[cfg(unix)]
#[test]
fn a_fifo_is_an_error_row_not_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("KB123456.log");
    assert!(
        Process::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    // Named directly: nothing usable, exit 2, and no hang (a hang would block this test).
    kbaudit()
        .arg("logs")
        .arg(&fifo)
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(2)
        .stdout(predicate::str::contains("not a regular file"));
    // Found in a walk next to a real log: an error row, exit 1.
    std::fs::copy(
        "corpus/logs/SRV-WEB01/KB896358.log",
        dir.path().join("KB896358.log"),
    )
    .unwrap();
    for command in ["logs", "state", "order", "versions", "packages"] {
        let out = kbaudit()
            .arg(command)
            .arg(dir.path())
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        assert!(out.status.code().is_some(), "{command} did not hang");
    }
}

#[test]
fn an_output_that_is_an_input_or_named_twice_is_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("self.log");
    std::fs::copy("corpus/logs/SRV-WEB01/KB896358.log", &log).unwrap();
    let before = std::fs::read(&log).unwrap();
    kbaudit()
        .arg("logs")
        .arg(&log)
        .arg("-o")
        .arg(&log)
        .arg("--force")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("also an input"));
    assert_eq!(
        std::fs::read(&log).unwrap(),
        before,
        "the input is untouched"
    );
    // The same inside a walked directory: refused when the walk meets it, nothing moved into place.
    let share = dir.path().join("share");
    std::fs::create_dir_all(share.join("HOST")).unwrap();
    let inside = share.join("HOST").join("KB896358.log");
    std::fs::copy("corpus/logs/SRV-WEB01/KB896358.log", &inside).unwrap();
    kbaudit()
        .arg("logs")
        .arg(&share)
        .arg("-o")
        .arg(&inside)
        .arg("--force")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("also an input"));
    assert_eq!(
        std::fs::read(&inside).unwrap(),
        before,
        "the walked input is untouched"
    );
    let leftovers: Vec<_> = std::fs::read_dir(share.join("HOST")).unwrap().collect();
    assert_eq!(
        leftovers.len(),
        1,
        "no temporary file is left: {leftovers:?}"
    );
    let same = dir.path().join("same.csv");
    let again = dir.path().join(".").join("same.csv");
    kbaudit()
        .args(["logs", "corpus/logs/SRV-WEB01", "-o"])
        .arg(&same)
        .arg("--events")
        .arg(&again)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("named as two outputs"));
    assert!(!same.exists());
    kbaudit()
        .args(["state", "corpus/logs/SRV-WEB01", "-o"])
        .arg(&same)
        .arg("--matrix")
        .arg(&same)
        .assert()
        .code(2);
}

#[test]
fn a_closed_pipe_exits_0_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    big_share(dir.path(), 300);
    for (command, format) in [
        ("logs", "csv"),
        ("logs", "jsonl"),
        ("state", "csv"),
        ("order", "jsonl"),
    ] {
        let mut child = Process::new(binary())
            .args([command, "--format", format])
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 16];
        child
            .stdout
            .as_mut()
            .unwrap()
            .read_exact(&mut first)
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{command} {format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[cfg(unix)]
#[test]
fn an_interrupted_run_leaves_nothing_that_looks_complete() {
    let share = tempfile::tempdir().unwrap();
    big_share(share.path(), 400);
    let out = tempfile::tempdir().unwrap();
    let events = out.path().join("events.csv");
    // stdout is never read: once the pipe is full the run blocks mid-way, its --events table
    // open under a temporary name.
    let mut child = Process::new(binary())
        .args(["logs", "-j", "1"])
        .arg(share.path())
        .arg("--events")
        .arg(&events)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while leftovers(out.path()).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "no temporary appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    let kill = Process::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(
        leftovers(out.path()).is_empty(),
        "{:?}",
        leftovers(out.path())
    );
    assert!(!events.exists(), "no events table that looks complete");
}

#[test]
fn extraction_leaves_no_temporary_names() {
    let out = tempfile::tempdir().unwrap();
    kbaudit()
        .args([
            "extract",
            "corpus/packages/WindowsServer2003-KB911897-x86-ENU.exe",
            "-d",
        ])
        .arg(out.path())
        .assert()
        .success();
    assert!(leftovers(out.path()).is_empty());
    assert!(out.path().join("SP1GDR/authz.dll").exists());
}

#[test]
fn quiet_keeps_errors_only() {
    let out = tempfile::tempdir().unwrap();
    kbaudit()
        .args([
            "-q",
            "extract",
            "corpus/packages/WindowsServer2003-KB911897-x86-ENU.exe",
            "-d",
        ])
        .arg(out.path())
        .assert()
        .success()
        .stderr(predicate::str::is_empty());
    kbaudit()
        .args([
            "logs",
            "--quiet",
            "corpus/logs/BINARY",
            "corpus/logs/SRV-WEB01",
            "--outcome",
            "cancelled",
        ])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("binary content")
                .and(predicate::str::contains("no run had that outcome").not()),
        );
}

#[cfg(unix)]
#[test]
fn a_shift_jis_host_folder_is_decoded_and_said() {
    use std::os::unix::ffi::OsStrExt;
    let share = tempfile::tempdir().unwrap();
    // "サーバ01" in Shift_JIS, as a folder copied byte for byte from a Japanese file server.
    let name = std::ffi::OsStr::from_bytes(b"\x83T\x81[\x83o01");
    let host = share.path().join(name);
    std::fs::create_dir(&host).unwrap();
    std::fs::copy(
        "corpus/logs/SRV-WEB01/KB896358.log",
        host.join("KB896358.log"),
    )
    .unwrap();
    let out = kbaudit().arg("logs").arg(share.path()).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let row = text.lines().nth(1).unwrap();
    assert!(row.starts_with("サーバ01,"), "{row}");
    assert!(
        row.contains("host folder name is not UTF-8: decoded as shift_jis"),
        "{row}"
    );
}

/// Runs kbaudit with its address space limited to `mib` MiB (Linux `ulimit -v`): a command that
/// reads a large file whole cannot finish.
#[cfg(target_os = "linux")]
fn with_memory_limit(mib: u64, args: &[&std::ffi::OsStr]) -> std::process::Output {
    let mut command = Process::new("bash");
    command
        .arg("-c")
        .arg(format!("ulimit -v {} && exec \"$0\" \"$@\"", mib * 1024))
        .arg(binary())
        .args(args);
    command.output().unwrap()
}

#[cfg(target_os = "linux")]
#[test]
fn a_huge_sparse_file_costs_its_head_not_its_size() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        "corpus/binaries/authz_sp1_gdr.dll",
        dir.path().join("authz.dll"),
    )
    .unwrap();
    // A 3 GiB sparse file (like pagefile.sys on a mounted image): no disk, but read whole it
    // needs 3 GiB of memory, more than the 1.5 GiB this run may have.
    let big = dir.path().join("pagefile.sys");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(3 << 30)
        .unwrap();
    let out = with_memory_limit(
        1536,
        &[
            "versions".as_ref(),
            "-j".as_ref(),
            "1".as_ref(),
            dir.path().as_os_str(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text.lines().count(),
        2,
        "only the PE file has a row: {text}"
    );
    // The same file named as a log: binary at its head, so not read further.
    let log = dir.path().join("KB123456.log");
    std::fs::rename(&big, &log).unwrap();
    let out = with_memory_limit(
        1536,
        &[
            "logs".as_ref(),
            "-j".as_ref(),
            "1".as_ref(),
            log.as_os_str(),
        ],
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("unreadable") && text.contains("binary"),
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn progress_always_draws_without_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let out = kbaudit()
        .args([
            "extract",
            "--progress",
            "always",
            "corpus/packages/WindowsServer2003-KB911897-x86-ENU.exe",
            "-d",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Plain status lines (no terminal here), and the file counter moves.
    assert!(stderr.contains("6/6 files"), "{stderr}");
    assert!(
        !stderr.contains('\u{1b}'),
        "no cursor movement in a log: {stderr:?}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_package_that_expands_to_gigabytes_streams_through() {
    // One MSZIP folder of 48K blocks of zeros: two files of 768 MiB from a 2 MB cabinet. Held in
    // memory they need 1.5 GiB; streamed (hashed as they go by), a few MB.
    let blocks = common::zero_mszip_blocks(49152);
    let half = 768u32 << 20;
    let cab = common::raw_cabinet(
        1,
        &blocks,
        &[
            ("SP1GDR\\big1.dat", half, 0),
            ("SP1GDR\\big2.dat", half, half),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("KB999999.cab");
    std::fs::write(&path, cab).unwrap();
    let out = with_memory_limit(
        1024,
        &[
            "packages".as_ref(),
            "-j".as_ref(),
            "1".as_ref(),
            "--format".as_ref(),
            "jsonl".as_ref(),
            path.as_os_str(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let row: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(row["files"], 2);
    assert_eq!(row["bytes"], 2 * u64::from(half));
    assert_eq!(row["status"], "ok");
}
