//! Errors from opening geo databases. Each names the operation and the file, so a bad
//! `--city-db` argument or a damaged `data/` directory is one readable line.

use std::io;
use std::path::PathBuf;

use super::packed::PackError;

/// Why [`Geo::open`](super::Geo::open) failed.
#[derive(Debug, thiserror::Error)]
pub enum GeoError {
    /// The file could not be opened (missing, unreadable).
    #[error("cannot open geo database {}: {source}", path.display())]
    Open {
        /// The database file.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The file could not be memory-mapped.
    #[error("cannot memory-map geo database {}: {source}", path.display())]
    Map {
        /// The database file.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The file is not a readable MaxMind DB (corrupt, truncated, or another format).
    #[error("{} is not a valid MaxMind DB (.mmdb) file: {source}", path.display())]
    Parse {
        /// The database file.
        path: PathBuf,
        /// What the reader found wrong.
        source: maxminddb::MaxMindDbError,
    },
    /// The records could not be decoded while detecting the kind: a corrupt data section.
    #[error("cannot read the records of geo database {}: {source}", path.display())]
    Records {
        /// The database file.
        path: PathBuf,
        /// What the decoder found wrong.
        source: maxminddb::MaxMindDbError,
    },
    /// A valid mmdb, but with neither location nor ASN fields (e.g. a Connection-Type or
    /// Anonymous-IP database).
    #[error(
        "{} is a MaxMind DB of type {database_type:?} with no city, country, ASN or ISP \
         fields globetrace can read",
        path.display()
    )]
    Unsupported {
        /// The database file.
        path: PathBuf,
        /// Its metadata's `database_type`.
        database_type: String,
    },
    /// The shipped data manifest is missing or unreadable.
    #[error(
        "cannot read the shipped geo data manifest {}: {source} (set GLOBETRACE_DATA_DIR to \
         the directory holding it, or disable the shipped data)",
        path.display()
    )]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// A manifest line is not `role file packed-bytes unpacked-bytes sha256`.
    #[error("{}:{line}: malformed shipped geo data manifest line", path.display())]
    ManifestLine {
        /// The manifest file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
    },
    /// A shipped file could not be read or decompressed.
    #[error("cannot decompress shipped geo data {}: {source}", path.display())]
    Decompress {
        /// The compressed file.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// A shipped file decompressed, but its packed tree is damaged.
    #[error("cannot unpack shipped geo data {}: {source}", path.display())]
    Unpack {
        /// The compressed file.
        path: PathBuf,
        /// What was wrong with it.
        source: PackError,
    },
    /// A shipped file does not match the size or SHA-256 its manifest records.
    #[error(
        "shipped geo data {} does not match {} ({what}); re-run data/refresh.sh or restore both",
        path.display(),
        manifest.display()
    )]
    Mismatch {
        /// The compressed file.
        path: PathBuf,
        /// The manifest it was checked against.
        manifest: PathBuf,
        /// Which check failed.
        what: &'static str,
    },
    /// A geofeed or overrides file is unreadable or has a bad line.
    #[error(transparent)]
    Feed(#[from] super::geofeed::FeedError),
}
