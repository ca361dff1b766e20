//! Reading and writing an output directory of rendered files.
//!
//! Writing is all or nothing as far as a filesystem allows: every file is
//! first written to a temporary of a unique name, created exclusively (so
//! nothing already there, a symlink included, is followed or reused), and
//! synced; only when the whole set is written is each renamed over its
//! target. A run killed before the renames leaves only temporaries, which
//! `--check` reports; one killed during them leaves files that `--check`
//! reports as stale.

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::disk::read_regular;
use crate::gitops::outdir::{HEADER_MARK, OutFile, Present, TEMP_MARK, is_temporary};

/// What happened to each file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub path: PathBuf,
    /// False when the file already held exactly this text.
    pub changed: bool,
}

/// Writes `files` into `dir` (created if missing); files already up to
/// date are not touched.
pub fn write(dir: &Path, files: &[OutFile]) -> Result<Vec<Written>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut pending = Vec::new();
    let mut out = Vec::new();
    let cleanup = |pending: &[(PathBuf, PathBuf)]| {
        for (tmp, _) in pending {
            let _ = std::fs::remove_file(tmp);
        }
    };
    for file in files {
        let path = dir.join(&file.name);
        let current = std::fs::symlink_metadata(&path)
            .ok()
            .filter(|m| m.is_file())
            .and_then(|_| read_regular(&path).ok());
        if current.as_deref() == Some(file.text.as_str()) {
            out.push(Written {
                path,
                changed: false,
            });
            continue;
        }
        match temporary(dir, &file.name, &file.text) {
            Ok(tmp) => pending.push((tmp, path.clone())),
            Err(e) => {
                cleanup(&pending);
                return Err(e);
            }
        }
        out.push(Written {
            path,
            changed: true,
        });
    }
    for (i, (tmp, path)) in pending.iter().enumerate() {
        if let Err(e) = std::fs::rename(tmp, path) {
            cleanup(&pending[i..]);
            let done: Vec<String> = pending[..i]
                .iter()
                .map(|(_, p)| p.display().to_string())
                .collect();
            return Err(format!(
                "{}: {e}; already replaced: {}",
                path.display(),
                if done.is_empty() {
                    "none".to_string()
                } else {
                    done.join(", ")
                }
            ));
        }
    }
    Ok(out)
}

/// Creates `.<name>.netpolgen-<pid>-<n>.tmp` exclusively and writes `text`.
fn temporary(dir: &Path, name: &str, text: &str) -> Result<PathBuf, String> {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    loop {
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}{TEMP_MARK}{}-{n}.tmp", std::process::id()));
        let file = OpenOptions::new().write(true).create_new(true).open(&tmp);
        let mut file = match file {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("{}: {e}", tmp.display())),
        };
        let written = file
            .write_all(text.as_bytes())
            .and_then(|()| file.sync_all());
        return match written {
            Ok(()) => Ok(tmp),
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                Err(format!("{}: {e}", tmp.display()))
            }
        };
    }
}

/// What `dir` holds: the planned files, generated files that are not
/// planned (orphans), and temporaries of interrupted writes.
pub fn present(dir: &Path, files: &[OutFile]) -> Result<Present, String> {
    let mut out = Present::default();
    for file in files {
        let path = dir.join(&file.name);
        let text = match read_regular(&path) {
            Ok(t) => Some(t),
            Err(_) if !path.exists() => None,
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        out.planned.insert(file.name.clone(), text);
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(out);
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let planned: BTreeMap<&str, ()> = files.iter().map(|f| (f.name.as_str(), ())).collect();
    for name in names {
        let path = dir.join(&name);
        if is_temporary(&name) {
            out.temporaries.push(name);
        } else if name.ends_with(".yaml")
            && !planned.contains_key(name.as_str())
            && std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file())
            && let Ok(text) = read_regular(&path)
            && text.starts_with(HEADER_MARK)
        {
            out.orphans.insert(name, text);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, text: &str) -> OutFile {
        OutFile {
            name: name.into(),
            source: "s".into(),
            text: text.into(),
        }
    }

    #[test]
    fn writes_leave_no_temporary_and_replace_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        let first = write(p, &[file("a.yaml", "one\n")]).unwrap();
        assert!(first[0].changed);
        let again = write(p, &[file("a.yaml", "one\n")]).unwrap();
        assert!(!again[0].changed);
        write(p, &[file("a.yaml", "two\n")]).unwrap();
        assert_eq!(std::fs::read_to_string(p.join("a.yaml")).unwrap(), "two\n");
        assert_eq!(std::fs::read_dir(p).unwrap().count(), 1);
        #[cfg(unix)]
        {
            let outside = tempfile::tempdir().unwrap();
            let target = outside.path().join("victim");
            std::fs::write(&target, "keep\n").unwrap();
            std::os::unix::fs::symlink(&target, p.join("b.yaml")).unwrap();
            write(p, &[file("b.yaml", "new\n")]).unwrap();
            assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep\n");
            assert!(
                !std::fs::symlink_metadata(p.join("b.yaml"))
                    .unwrap()
                    .is_symlink()
            );
        }
    }

    #[test]
    fn present_sees_orphans_and_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        std::fs::write(p.join("kept.yaml"), format!("{HEADER_MARK} x\n")).unwrap();
        std::fs::write(p.join("old.yaml"), format!("{HEADER_MARK} y\n")).unwrap();
        std::fs::write(p.join("hand.yaml"), "kind: ConfigMap\n").unwrap();
        std::fs::write(p.join(".kept.yaml.netpolgen-9-1.tmp"), "").unwrap();
        let got = present(p, &[file("kept.yaml", ""), file("new.yaml", "")]).unwrap();
        assert_eq!(got.planned["new.yaml"], None);
        assert!(got.planned["kept.yaml"].is_some());
        assert_eq!(got.orphans.keys().collect::<Vec<_>>(), ["old.yaml"]);
        assert_eq!(got.temporaries, [".kept.yaml.netpolgen-9-1.tmp"]);
    }
}
