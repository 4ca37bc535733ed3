//! Renders every generated file in memory, writes them, and finds stale ones.

use std::path::{Path, PathBuf};

use crate::catalog::Catalog;
use crate::{compose, docs, k8s};

/// Directories whose every `.yaml` file is generated; strays in them are stale.
pub const GENERATED_DIRS: [&str; 2] = ["k8s/base", "k8s/components/network-policies"];

/// One generated file, with its path relative to the repository root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: String,
    pub contents: String,
}

/// Every generated file, in a fixed order.
pub fn render_all(catalog: &Catalog) -> Vec<GeneratedFile> {
    let mut files = vec![
        GeneratedFile {
            path: "compose/docker-compose.yml".to_string(),
            contents: compose::render(catalog),
        },
        GeneratedFile {
            path: "compose/observability/prometheus.yml".to_string(),
            contents: compose::render_prometheus(catalog),
        },
        GeneratedFile {
            path: "docs/services.md".to_string(),
            contents: docs::render_service_table(catalog),
        },
    ];
    let groups = [
        (GENERATED_DIRS[0], k8s::base::render(catalog)),
        (GENERATED_DIRS[1], k8s::network_policies::render(catalog)),
    ];
    for (dir, rendered) in groups {
        for (name, contents) in rendered {
            files.push(GeneratedFile {
                path: format!("{dir}/{name}"),
                contents,
            });
        }
    }
    files
}

/// A file that differs from what the catalog generates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stale {
    /// Missing or with different contents.
    Outdated(String),
    /// In a generated directory but no longer generated.
    Extra(String),
}

impl std::fmt::Display for Stale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stale::Outdated(path) => write!(f, "{path} is missing or out of date"),
            Stale::Extra(path) => write!(f, "{path} is no longer generated"),
        }
    }
}

/// Compares the rendered files with those under `root`.
pub fn stale_files(root: &Path, files: &[GeneratedFile]) -> std::io::Result<Vec<Stale>> {
    let mut stale = Vec::new();
    for file in files {
        let on_disk = std::fs::read_to_string(root.join(&file.path)).ok();
        if on_disk.as_deref() != Some(file.contents.as_str()) {
            stale.push(Stale::Outdated(file.path.clone()));
        }
    }
    for extra in extra_files(root, files)? {
        stale.push(Stale::Extra(extra));
    }
    Ok(stale)
}

/// Writes the rendered files under `root` and removes strays from generated directories.
/// Returns what changed: `Outdated` paths were written, `Extra` paths removed.
pub fn write_all(root: &Path, files: &[GeneratedFile]) -> std::io::Result<Vec<Stale>> {
    let mut changed = Vec::new();
    for file in files {
        let path = root.join(&file.path);
        if std::fs::read_to_string(&path).ok().as_deref() == Some(file.contents.as_str()) {
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, &file.contents)?;
        changed.push(Stale::Outdated(file.path.clone()));
    }
    for extra in extra_files(root, files)? {
        std::fs::remove_file(root.join(&extra))?;
        changed.push(Stale::Extra(extra));
    }
    Ok(changed)
}

fn extra_files(root: &Path, files: &[GeneratedFile]) -> std::io::Result<Vec<String>> {
    let mut extra = Vec::new();
    for dir in GENERATED_DIRS {
        let entries = match std::fs::read_dir(root.join(dir)) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
            Err(error) => return Err(error),
        };
        let mut names: Vec<String> = Vec::new();
        for entry in entries {
            let name = entry?.file_name().to_string_lossy().into_owned();
            if name.ends_with(".yaml") || name.ends_with(".yml") {
                names.push(name);
            }
        }
        names.sort();
        for name in names {
            let path = format!("{dir}/{name}");
            if !files.iter().any(|file| file.path == path) {
                extra.push(path);
            }
        }
    }
    Ok(extra)
}

/// The repository root: the nearest ancestor of `start` holding `services/catalog.toml`.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join("services/catalog.toml").is_file())
        .map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::CATALOG_TOML;

    #[test]
    fn generated_files_are_up_to_date() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let catalog = Catalog::parse(CATALOG_TOML).expect("valid catalog");
        let stale = stale_files(&root, &render_all(&catalog)).expect("readable tree");
        let listed: Vec<String> = stale.iter().map(ToString::to_string).collect();
        assert!(
            stale.is_empty(),
            "generated files are stale, run `cargo run -p quorum-catalog -- generate`:\n{}",
            listed.join("\n")
        );
    }

    #[test]
    fn rendering_is_deterministic_and_headed() {
        let catalog = Catalog::parse(CATALOG_TOML).expect("valid catalog");
        let first = render_all(&catalog);
        assert_eq!(first, render_all(&catalog));
        let markdown_header = format!("<!-- {}", crate::GENERATED_HEADER.trim_start_matches("# "));
        for file in &first {
            assert!(
                file.contents.starts_with(crate::GENERATED_HEADER)
                    || file.contents.starts_with(&markdown_header),
                "{}",
                file.path
            );
        }
        let base: Vec<&str> = first
            .iter()
            .filter_map(|f| f.path.strip_prefix("k8s/base/"))
            .collect();
        for service in catalog.implemented() {
            assert!(base.contains(&format!("{}.yaml", service.name).as_str()));
        }
    }
}
