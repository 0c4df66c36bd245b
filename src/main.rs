use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = kbaudit::cli::Cli::parse();
    kbaudit::cleanup::install_handler();
    match kbaudit::app::run(cli) {
        Ok(code) => code,
        Err(e) if kbaudit::app::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kbaudit: {e:#}");
            ExitCode::from(kbaudit::app::EXIT_USAGE)
        }
    }
}
