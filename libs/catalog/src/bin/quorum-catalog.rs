//! `quorum-catalog generate | check`: writes or verifies the files generated from the catalog.

use std::path::PathBuf;
use std::process::ExitCode;

use quorum_catalog::Catalog;
use quorum_catalog::generate::{Stale, find_root, render_all, stale_files, write_all};

const USAGE: &str = "usage: quorum-catalog <generate|check> [--root <repository root>]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("quorum-catalog: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<ExitCode, String> {
    let (command, root) = match args {
        [command] => (command.as_str(), default_root()?),
        [command, flag, root] if flag == "--root" => (command.as_str(), PathBuf::from(root)),
        _ => return Err(USAGE.to_string()),
    };
    let catalog_path = root.join("services/catalog.toml");
    let catalog = Catalog::read(&catalog_path.to_string_lossy()).map_err(|e| e.to_string())?;
    let files = render_all(&catalog);
    match command {
        "generate" => {
            let changed = write_all(&root, &files).map_err(|e| e.to_string())?;
            for change in &changed {
                match change {
                    Stale::Outdated(path) => println!("wrote {path}"),
                    Stale::Extra(path) => println!("removed {path}"),
                }
            }
            println!("{} generated files, {} changed", files.len(), changed.len());
            Ok(ExitCode::SUCCESS)
        }
        "check" => {
            let stale = stale_files(&root, &files).map_err(|e| e.to_string())?;
            if stale.is_empty() {
                println!("{} generated files are up to date", files.len());
                return Ok(ExitCode::SUCCESS);
            }
            for file in &stale {
                eprintln!("stale: {file}");
            }
            eprintln!("run `cargo run -p quorum-catalog -- generate`");
            Ok(ExitCode::from(1))
        }
        _ => Err(USAGE.to_string()),
    }
}

/// The repository holding the current directory, else the one this binary was built from.
fn default_root() -> Result<PathBuf, String> {
    let current = std::env::current_dir().map_err(|e| e.to_string())?;
    find_root(&current)
        .or_else(|| find_root(std::path::Path::new(env!("CARGO_MANIFEST_DIR"))))
        .ok_or_else(|| "cannot find services/catalog.toml above the current directory".to_string())
}
