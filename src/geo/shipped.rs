//! Finding the shipped databases, and unpacking them once into a cache.
//!
//! Why compiled in: a binary that is copied or installed (`cargo install`, a package, another
//! machine) has no source tree beside it, so the compressed data (`data/*.packed.xz` and its
//! manifest, 20 MB) is part of the binary itself (`include_bytes!`). `GLOBETRACE_DATA_DIR`
//! (or [`GeoConfig::data_dir`]) still points at a data directory on disk instead, for a
//! refreshed data set without a rebuild.
//!
//! Why a cache: the data is kept compressed (20 MB instead of 133 MB, see
//! `data/README.md`), but a memory-mapped lookup needs the plain mmdb on disk. Unpacking
//! takes a few seconds, so it happens on the first run only: the result goes to
//! `$XDG_CACHE_HOME/globetrace/` (or `~/.cache/globetrace/`) under a name carrying the SHA-256
//! that `data/geodata.manifest` records for it. A refreshed data set has a new hash, hence a
//! new file, and is unpacked again; every later run only checks that the file exists with the
//! right size. When no cache directory is writable the data is unpacked into memory for
//! this run instead.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{BufReader, Cursor, Read, Write};
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

/// The shipped data as it was when the binary was built.
mod built_in {
    macro_rules! data {
        ($name:literal) => {
            include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/data/", $name))
        };
    }
    /// `data/geodata.manifest`.
    pub(super) const MANIFEST: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/geodata.manifest"
    ));
    /// Every file the manifest names (a test checks that none is missing).
    pub(super) const FILES: &[(&str, &[u8])] = &[
        ("dbip-city.packed.xz", data!("dbip-city.packed.xz")),
        ("asn.packed.xz", data!("asn.packed.xz")),
    ];
}

/// How paths of the compiled-in data are shown in messages and provenance.
const BUILT_IN: &str = "(built in)";

/// Where the shipped data is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataSource {
    /// Compiled into the binary.
    BuiltIn,
    /// A data directory on disk (`GLOBETRACE_DATA_DIR` or [`GeoConfig::data_dir`]).
    Dir(PathBuf),
}

impl DataSource {
    /// The path shown for `file` of this source.
    fn path(&self, file: &str) -> PathBuf {
        match self {
            DataSource::BuiltIn => Path::new(BUILT_IN).join(file),
            DataSource::Dir(dir) => dir.join(file),
        }
    }

    fn manifest_text(&self) -> Result<(PathBuf, String), GeoError> {
        let path = self.path(MANIFEST);
        match self {
            DataSource::BuiltIn => Ok((path, built_in::MANIFEST.to_owned())),
            DataSource::Dir(_) => match fs::read_to_string(&path) {
                Ok(text) => Ok((path, text)),
                Err(source) => Err(GeoError::Manifest { path, source }),
            },
        }
    }

    /// The compressed bytes of `entry` and their length.
    fn packed(&self, entry: &Entry) -> Result<(Box<dyn Read>, u64), GeoError> {
        let path = self.path(&entry.file);
        let open_error = |source| GeoError::Open {
            path: path.clone(),
            source,
        };
        match self {
            DataSource::BuiltIn => {
                let bytes = built_in::FILES
                    .iter()
                    .find(|(name, _)| *name == entry.file)
                    .map(|(_, bytes)| *bytes)
                    .ok_or_else(|| open_error(std::io::ErrorKind::NotFound.into()))?;
                Ok((Box::new(Cursor::new(bytes)), bytes.len() as u64))
            }
            DataSource::Dir(_) => {
                let file = File::open(&path).map_err(open_error)?;
                let len = file.metadata().map_err(open_error)?.len();
                Ok((Box::new(BufReader::new(file)), len))
            }
        }
    }
}

impl std::fmt::Display for DataSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DataSource::BuiltIn => f.write_str("built into the binary"),
            DataSource::Dir(dir) => write!(f, "{}", dir.display()),
        }
    }
}

/// One shipped database as the manifest describes it, and where its unpacked copy is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShippedFile {
    /// The manifest's role (`city`, `asn`).
    pub role: String,
    /// The compressed file's name.
    pub file: String,
    /// Compressed size in bytes.
    pub packed_len: u64,
    /// Unpacked size in bytes.
    pub unpacked_len: u64,
    /// The unpacked copy in the cache (whether or not it exists yet).
    pub cached: Option<PathBuf>,
    /// Whether that copy exists with the right size.
    pub unpacked: bool,
}

/// The shipped data's manifest, without unpacking anything (for `globetrace data`).
pub fn shipped_files(config: &GeoConfig) -> Result<Vec<ShippedFile>, GeoError> {
    let source = data_source(config);
    let (manifest, text) = source.manifest_text()?;
    let cache = cache_dir(config);
    Ok(parse_manifest(&manifest, &text)?
        .into_iter()
        .map(|entry| {
            let cached = cache.as_ref().map(|c| c.join(entry.cache_name()));
            let unpacked = cached
                .as_deref()
                .is_some_and(|c| file_len(c) == Some(entry.unpacked_len));
            ShippedFile {
                role: entry.role.clone(),
                file: entry.file.clone(),
                packed_len: entry.packed_len,
                unpacked_len: entry.unpacked_len,
                cached,
                unpacked,
            }
        })
        .collect())
}

/// One line of the manifest: `role file packed-bytes unpacked-bytes unpacked-sha256`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    role: String,
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

/// Where the shipped data comes from: `config.data_dir`, else `$GLOBETRACE_DATA_DIR`, else
/// the copy compiled into the binary.
pub fn data_source(config: &GeoConfig) -> DataSource {
    data_source_with(config, |var| std::env::var_os(var))
}

/// The cache directory: `config.cache_dir`, else `$XDG_CACHE_HOME/globetrace`, else
/// `~/.cache/globetrace`; `None` when none can be named.
pub fn cache_dir(config: &GeoConfig) -> Option<PathBuf> {
    cache_dir_with(config, |var| std::env::var_os(var))
}

fn data_source_with(config: &GeoConfig, env: impl Fn(&str) -> Option<OsString>) -> DataSource {
    if let Some(dir) = &config.data_dir {
        return DataSource::Dir(dir.clone());
    }
    match env(DATA_DIR_ENV) {
        Some(dir) if !dir.is_empty() => DataSource::Dir(PathBuf::from(dir)),
        _ => DataSource::BuiltIn,
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

/// Opens every database the shipped data's manifest lists.
pub(crate) fn open_shipped(config: &GeoConfig) -> Result<Vec<Database>, GeoError> {
    let source = data_source(config);
    let (manifest, text) = source.manifest_text()?;
    let entries = parse_manifest(&manifest, &text)?;
    let cache = cache_dir(config);
    entries
        .iter()
        .map(|entry| open_entry(&source, &manifest, cache.as_deref(), entry))
        .collect()
}

#[cfg(test)]
fn read_manifest(path: &Path) -> Result<Vec<Entry>, GeoError> {
    let text = fs::read_to_string(path).map_err(|source| GeoError::Manifest {
        path: path.to_owned(),
        source,
    })?;
    parse_manifest(path, &text)
}

fn parse_manifest(path: &Path, text: &str) -> Result<Vec<Entry>, GeoError> {
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
        let [role, file, packed_len, unpacked_len, sha256] = fields[..] else {
            return Err(bad());
        };
        let hex = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit());
        if !hex || file.contains(['/', '\\']) || file.starts_with('.') {
            return Err(bad());
        }
        entries.push(Entry {
            role: role.to_owned(),
            file: file.to_owned(),
            packed_len: packed_len.parse().map_err(|_| bad())?,
            unpacked_len: unpacked_len.parse().map_err(|_| bad())?,
            sha256: sha256.to_ascii_lowercase(),
        });
    }
    Ok(entries)
}

fn open_entry(
    source: &DataSource,
    manifest: &Path,
    cache: Option<&Path>,
    entry: &Entry,
) -> Result<Database, GeoError> {
    let packed_path = source.path(&entry.file);
    let open = |path: &Path, bytes: Bytes| Database::from_bytes(path, bytes, true);
    // A packager may have unpacked the data already, next to the compressed file.
    if let DataSource::Dir(dir) = source {
        let plain = dir.join(format!("{}.mmdb", entry.stem()));
        if file_len(&plain) == Some(entry.unpacked_len) {
            return open(&plain, map_file(&plain)?);
        }
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
    let bytes = unpack_entry(source, manifest, entry)?;
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
fn unpack_entry(source: &DataSource, manifest: &Path, entry: &Entry) -> Result<Vec<u8>, GeoError> {
    let path = &source.path(&entry.file);
    let mismatch = |what| GeoError::Mismatch {
        path: path.to_owned(),
        manifest: manifest.to_owned(),
        what,
    };
    let (reader, len) = source.packed(entry)?;
    if len != entry.packed_len {
        return Err(mismatch("compressed size"));
    }
    let mut packed_bytes = Vec::new();
    lzma_rust2::XzReader::new(reader, true)
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
            role: "asn".into(),
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
        assert_eq!(
            data_source_with(&explicit, all),
            DataSource::Dir("/somewhere/data".into())
        );
        assert_eq!(
            cache_dir_with(&explicit, all).unwrap(),
            Path::new("/somewhere/cache")
        );

        let config = GeoConfig::default();
        assert_eq!(
            data_source_with(&config, all),
            DataSource::Dir("/env/data".into())
        );
        assert_eq!(
            cache_dir_with(&config, all).unwrap(),
            Path::new("/xdg/globetrace")
        );

        let home_only = env(&[
            (DATA_DIR_ENV, ""),
            ("XDG_CACHE_HOME", "relative"),
            ("HOME", "/home/u"),
        ]);
        assert_eq!(data_source_with(&config, home_only), DataSource::BuiltIn);
        assert_eq!(
            cache_dir_with(&config, home_only).unwrap(),
            Path::new("/home/u/.cache/globetrace")
        );
        assert_eq!(cache_dir_with(&config, env(&[])), None);
    }

    #[test]
    fn every_file_the_built_in_manifest_names_is_built_in_with_its_size() {
        let entries = parse_manifest(Path::new(MANIFEST), built_in::MANIFEST).unwrap();
        assert!(!entries.is_empty());
        for entry in &entries {
            let (_, len) = DataSource::BuiltIn.packed(entry).unwrap();
            assert_eq!(len, entry.packed_len, "{}", entry.file);
        }
        assert_eq!(entries.len(), built_in::FILES.len());
    }
}
