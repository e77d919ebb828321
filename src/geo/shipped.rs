//! Finding the shipped databases, and unpacking them once into a cache.
//!
//! Why a cache: the repository holds the data compressed (20 MB instead of 133 MB, see
//! `data/README.md`), but a memory-mapped lookup needs the plain mmdb on disk. Unpacking
//! takes a few seconds, so it happens on the first run only: the result goes to
//! `$XDG_CACHE_HOME/globetrace/` (or `~/.cache/globetrace/`) under a name carrying the SHA-256
//! that `data/geodata.manifest` records for it. A refreshed data set has a new hash, hence a
//! new file, and is unpacked again; every later run only checks that the file exists with the
//! right size. When no cache directory is writable the data is unpacked into memory for
//! this run instead.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

use super::database::{map_file, Bytes, Database};
use super::error::GeoError;
use super::packed;
use super::GeoConfig;

/// Environment variable naming the directory that holds the shipped data.
pub const DATA_DIR_ENV: &str = "GLOBETRACE_DATA_DIR";
/// The manifest's file name inside the data directory.
pub const MANIFEST: &str = "geodata.manifest";
const PACKED_SUFFIX: &str = ".packed.xz";

/// One line of the manifest: `role file packed-bytes unpacked-bytes unpacked-sha256`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    file: String,
    packed_len: u64,
    unpacked_len: u64,
    sha256: String,
}

impl Entry {
    /// "dbip-city" for "dbip-city.packed.xz".
    fn stem(&self) -> &str {
        self.file.strip_suffix(PACKED_SUFFIX).unwrap_or(&self.file)
    }

    fn cache_name(&self) -> String {
        format!("{}-{}.mmdb", self.stem(), &self.sha256[..16])
    }
}

/// The data directory: `config.data_dir`, else `$GLOBETRACE_DATA_DIR`, else the `data/`
/// directory of the source tree this binary was built from.
pub fn data_dir(config: &GeoConfig) -> PathBuf {
    data_dir_with(config, |var| std::env::var_os(var))
}

/// The cache directory: `config.cache_dir`, else `$XDG_CACHE_HOME/globetrace`, else
/// `~/.cache/globetrace`; `None` when none can be named.
pub fn cache_dir(config: &GeoConfig) -> Option<PathBuf> {
    cache_dir_with(config, |var| std::env::var_os(var))
}

fn data_dir_with(config: &GeoConfig, env: impl Fn(&str) -> Option<OsString>) -> PathBuf {
    if let Some(dir) = &config.data_dir {
        return dir.clone();
    }
    match env(DATA_DIR_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("data"),
    }
}

fn cache_dir_with(config: &GeoConfig, env: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    if let Some(dir) = &config.cache_dir {
        return Some(dir.clone());
    }
    // Relative values are ignored, as the XDG base directory spec asks.
    let absolute = |var: &str| env(var).map(PathBuf::from).filter(|p| p.is_absolute());
    absolute("XDG_CACHE_HOME")
        .or_else(|| absolute("HOME").map(|home| home.join(".cache")))
        .map(|base| base.join("globetrace"))
}

/// Opens every database the manifest in the data directory lists.
pub(crate) fn open_shipped(config: &GeoConfig) -> Result<Vec<Database>, GeoError> {
    let dir = data_dir(config);
    let manifest = dir.join(MANIFEST);
    let entries = read_manifest(&manifest)?;
    let cache = cache_dir(config);
    entries
        .iter()
        .map(|entry| open_entry(&dir, &manifest, cache.as_deref(), entry))
        .collect()
}

fn read_manifest(path: &Path) -> Result<Vec<Entry>, GeoError> {
    let text = fs::read_to_string(path).map_err(|source| GeoError::Manifest {
        path: path.to_owned(),
        source,
    })?;
    let mut entries = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = || GeoError::ManifestLine {
            path: path.to_owned(),
            line: i + 1,
        };
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [_role, file, packed_len, unpacked_len, sha256] = fields[..] else {
            return Err(bad());
        };
        let hex = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit());
        if !hex || file.contains(['/', '\\']) || file.starts_with('.') {
            return Err(bad());
        }
        entries.push(Entry {
            file: file.to_owned(),
            packed_len: packed_len.parse().map_err(|_| bad())?,
            unpacked_len: unpacked_len.parse().map_err(|_| bad())?,
            sha256: sha256.to_ascii_lowercase(),
        });
    }
    Ok(entries)
}

fn open_entry(
    dir: &Path,
    manifest: &Path,
    cache: Option<&Path>,
    entry: &Entry,
) -> Result<Database, GeoError> {
    let packed_path = dir.join(&entry.file);
    let open = |path: &Path, bytes: Bytes| Database::from_bytes(path, bytes, true);
    // A packager may have unpacked the data already, next to the compressed file.
    let plain = dir.join(format!("{}.mmdb", entry.stem()));
    if file_len(&plain) == Some(entry.unpacked_len) {
        return open(&plain, map_file(&plain)?);
    }
    let cached = cache.map(|c| c.join(entry.cache_name()));
    if let Some(cached) = &cached {
        if file_len(cached) == Some(entry.unpacked_len) {
            if let Ok(db) = map_file(cached).and_then(|bytes| open(cached, bytes)) {
                return Ok(db);
            }
            // A damaged cache file of the right size: unpack again over it.
        }
    }
    let bytes = unpack_entry(&packed_path, manifest, entry)?;
    if let Some(cached) = &cached {
        if store(cached, &bytes).is_ok() {
            remove_stale(cached, entry);
            if let Ok(db) = map_file(cached).and_then(|mapped| open(cached, mapped)) {
                return Ok(db);
            }
        }
    }
    open(&packed_path, Bytes::Owned(bytes))
}

fn file_len(path: &Path) -> Option<u64> {
    fs::metadata(path)
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len())
}

/// Decompresses and unpacks one shipped file, checking it against the manifest.
fn unpack_entry(path: &Path, manifest: &Path, entry: &Entry) -> Result<Vec<u8>, GeoError> {
    let mismatch = |what| GeoError::Mismatch {
        path: path.to_owned(),
        manifest: manifest.to_owned(),
        what,
    };
    let file = File::open(path).map_err(|source| GeoError::Open {
        path: path.to_owned(),
        source,
    })?;
    let len = file
        .metadata()
        .map_err(|source| GeoError::Open {
            path: path.to_owned(),
            source,
        })?
        .len();
    if len != entry.packed_len {
        return Err(mismatch("compressed size"));
    }
    let mut packed_bytes = Vec::new();
    lzma_rust2::XzReader::new(BufReader::new(file), true)
        .read_to_end(&mut packed_bytes)
        .map_err(|source| GeoError::Decompress {
            path: path.to_owned(),
            source,
        })?;
    let bytes = packed::unpack(&packed_bytes).map_err(|source| GeoError::Unpack {
        path: path.to_owned(),
        source,
    })?;
    drop(packed_bytes);
    if bytes.len() as u64 != entry.unpacked_len {
        return Err(mismatch("unpacked size"));
    }
    if hex(&Sha256::digest(&bytes)) != entry.sha256 {
        return Err(mismatch("SHA-256"));
    }
    Ok(bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes `bytes` to `path` atomically: a unique temporary file in the same directory,
/// flushed, then renamed over `path`. Concurrent first runs each write their own temporary
/// file and the last rename wins with identical content.
fn store(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let unique = COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.tmp-{}-{unique}", std::process::id()));
    let written = File::create(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    match written.and_then(|()| fs::rename(&tmp, path)) {
        Ok(()) => Ok(()),
        Err(err) => {
            let _ = fs::remove_file(&tmp);
            Err(err)
        }
    }
}

/// Removes cache files left by earlier data sets of the same entry. Unlinking a file that
/// another process still has mapped is safe: the mapping keeps the old inode alive.
fn remove_stale(current: &Path, entry: &Entry) {
    let (Some(dir), Some(current_name)) = (current.parent(), current.file_name()) else {
        return;
    };
    let prefix = format!("{}-", entry.stem());
    let Ok(listing) = fs::read_dir(dir) else {
        return;
    };
    for item in listing.flatten() {
        let name = item.file_name();
        let hash = name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix)?.strip_suffix(".mmdb"));
        let same_entry =
            hash.is_some_and(|h| h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit()));
        if same_entry && name != current_name {
            let _ = fs::remove_file(item.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        fs::write(&path, text).unwrap();
        path
    }

    fn temp_dir(tag: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("globetrace-shipped-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn manifest_lines_parse_and_errors_name_the_line() {
        let dir = temp_dir("manifest");
        let sha = "ab".repeat(32);
        let good = write(
            &dir,
            "good",
            &format!("# comment\n\ncity dbip-city.packed.xz 10 20 {sha}\n"),
        );
        let entries = read_manifest(&good).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].cache_name(), "dbip-city-abababababababab.mmdb");

        let bad = write(
            &dir,
            "bad",
            &format!("# x\ncity ../evil.packed.xz 10 20 {sha}\n"),
        );
        let err = read_manifest(&bad).unwrap_err().to_string();
        assert!(err.contains("bad:2"), "{err}");
        let short = write(&dir, "short", "city dbip-city.packed.xz 10 20 abc\n");
        assert!(matches!(
            read_manifest(&short),
            Err(GeoError::ManifestLine { line: 1, .. })
        ));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn store_replaces_atomically_and_stale_versions_go() {
        let dir = temp_dir("store");
        let entry = Entry {
            file: "asn.packed.xz".into(),
            packed_len: 0,
            unpacked_len: 3,
            sha256: "cd".repeat(32),
        };
        let old = dir.join("asn-0000000000000000.mmdb");
        fs::write(&old, b"old").unwrap();
        let keep = dir.join("asn-other.txt");
        fs::write(&keep, b"x").unwrap();
        let current = dir.join(entry.cache_name());
        store(&current, b"new").unwrap();
        remove_stale(&current, &entry);
        assert_eq!(fs::read(&current).unwrap(), b"new");
        assert!(!old.exists());
        assert!(keep.exists());
        let leftovers = fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"));
        assert_eq!(leftovers.count(), 0);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn directories_come_from_config_then_environment_then_defaults() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |var: &str| {
                vars.iter()
                    .find(|(k, _)| *k == var)
                    .map(|(_, v)| OsString::from(v))
            }
        };
        let explicit = GeoConfig {
            data_dir: Some("/somewhere/data".into()),
            cache_dir: Some("/somewhere/cache".into()),
            ..GeoConfig::default()
        };
        let all = env(&[
            (DATA_DIR_ENV, "/env/data"),
            ("XDG_CACHE_HOME", "/xdg"),
            ("HOME", "/home/u"),
        ]);
        assert_eq!(data_dir_with(&explicit, all), Path::new("/somewhere/data"));
        assert_eq!(
            cache_dir_with(&explicit, all).unwrap(),
            Path::new("/somewhere/cache")
        );

        let config = GeoConfig::default();
        assert_eq!(data_dir_with(&config, all), Path::new("/env/data"));
        assert_eq!(
            cache_dir_with(&config, all).unwrap(),
            Path::new("/xdg/globetrace")
        );

        let home_only = env(&[
            (DATA_DIR_ENV, ""),
            ("XDG_CACHE_HOME", "relative"),
            ("HOME", "/home/u"),
        ]);
        let built_in = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
        assert_eq!(data_dir_with(&config, home_only), built_in);
        assert_eq!(
            cache_dir_with(&config, home_only).unwrap(),
            Path::new("/home/u/.cache/globetrace")
        );
        assert_eq!(cache_dir_with(&config, env(&[])), None);
    }
}
