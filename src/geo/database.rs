//! One opened mmdb file: memory-mapped, its kind detected once, its records mapped to an
//! [`Answer`].
//!
//! Why memory-mapped: the shipped city file is over 100 MB and a trace looks up a few dozen
//! addresses; mapping costs nothing up front and touches only the pages a lookup walks, so a
//! warm start is a few milliseconds instead of reading the whole file.

use std::fs::File;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use maxminddb::{Mmap, Reader, WithinOptions};
use serde::Serialize;

use super::error::GeoError;
use super::kind::{detect, DbKind};
use super::location::{coordinates, country_code, text, Answer};
use super::schema::{Flat, Nested, Shape};

/// How many records are sampled to detect a file's layout.
const SHAPE_SAMPLES: usize = 8;

/// The bytes behind a reader: a mapping of the file, or (for shipped data that could not be
/// cached on disk) the unpacked bytes in memory.
pub(crate) enum Bytes {
    Mapped(Mmap),
    Owned(Vec<u8>),
}

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(map) => map,
            Bytes::Owned(vec) => vec,
        }
    }
}

/// Maps `path` read-only.
#[allow(unsafe_code)]
pub(crate) fn map_file(path: &Path) -> Result<Bytes, GeoError> {
    let file = File::open(path).map_err(|source| GeoError::Open {
        path: path.to_owned(),
        source,
    })?;
    // SAFETY: the mapping is only sound while nobody truncates or rewrites the file in place.
    // The shipped data's cache files are written under a temporary name and renamed into
    // place, and never touched again (a refresh writes a new file under a new name), so a
    // mapping always sees one complete, unchanging inode. For user databases globetrace relies
    // on the same convention, which geoipupdate and the usual download scripts follow
    // (replace by rename, not in place); the mapping is read-only and lives only as long as
    // this process.
    let map = unsafe { Mmap::map(&file) }.map_err(|source| GeoError::Map {
        path: path.to_owned(),
        source,
    })?;
    Ok(Bytes::Mapped(map))
}

/// Facts about one opened database, for `--version`-style listings and provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DatabaseInfo {
    /// The file (for shipped data: the unpacked cache file, or the compressed file when the
    /// data had to be unpacked in memory).
    pub path: PathBuf,
    /// The name used in [`Location`](super::Location) provenance fields.
    pub label: String,
    /// The detected layout.
    pub kind: DbKind,
    /// The metadata's `database_type`.
    pub database_type: String,
    /// When the database was built (seconds since the Unix epoch).
    pub build_epoch: u64,
    /// Whether this is the data shipped with globetrace.
    pub shipped: bool,
}

pub(crate) struct Database {
    info: DatabaseInfo,
    ipv4_only: bool,
    reader: Reader<Bytes>,
}

impl Database {
    /// Opens a user-supplied database.
    pub(crate) fn open(path: &Path) -> Result<Database, GeoError> {
        let bytes = map_file(path)?;
        Database::from_bytes(path, bytes, false)
    }

    /// Parses `bytes` (read from `path`) and detects the kind. The label is the file name and
    /// database type for user files ("GeoLite2-City.mmdb (GeoLite2-City)"), the database type
    /// for shipped ones ("DB-IP City Lite via ip-location-db (shipped)").
    pub(crate) fn from_bytes(
        path: &Path,
        bytes: Bytes,
        shipped: bool,
    ) -> Result<Database, GeoError> {
        let reader = Reader::from_source(bytes).map_err(|source| GeoError::Parse {
            path: path.to_owned(),
            source,
        })?;
        let meta = reader.metadata();
        let shape = sample_shape(&reader).map_err(|source| GeoError::Records {
            path: path.to_owned(),
            source,
        })?;
        let kind = detect(&meta.database_type, &shape).ok_or_else(|| GeoError::Unsupported {
            path: path.to_owned(),
            database_type: meta.database_type.clone(),
        })?;
        let info = DatabaseInfo {
            path: path.to_owned(),
            label: if shipped {
                format!("{} (shipped)", meta.database_type)
            } else {
                let name = path
                    .file_name()
                    .unwrap_or(path.as_os_str())
                    .to_string_lossy();
                format!("{name} ({})", meta.database_type)
            },
            kind,
            database_type: meta.database_type.clone(),
            build_epoch: meta.build_epoch,
            shipped,
        };
        Ok(Database {
            info,
            ipv4_only: meta.ip_version == 4,
            reader,
        })
    }

    pub(crate) fn info(&self) -> &DatabaseInfo {
        &self.info
    }

    /// What this database says about `ip`; `None` when it has no record, or the record cannot
    /// be decoded (one damaged record should not end a trace).
    pub(crate) fn lookup(&self, ip: IpAddr) -> Option<Answer> {
        if self.ipv4_only && ip.is_ipv6() {
            return None;
        }
        let result = self.reader.lookup(ip).ok()?;
        if self.info.kind.is_nested() {
            result.decode::<Nested>().ok()?.map(from_nested)
        } else {
            result.decode::<Flat>().ok()?.map(|flat| from_flat(&flat))
        }
    }
}

/// The union of the top-level keys of the first few records.
fn sample_shape(reader: &Reader<Bytes>) -> Result<Shape, maxminddb::MaxMindDbError> {
    let mut shape = Shape::new();
    let networks = reader.networks(WithinOptions::default().skip_empty_values())?;
    for item in networks.take(SHAPE_SAMPLES) {
        if let Some(sample) = item?.decode::<Shape>()? {
            shape.extend(sample);
        }
    }
    Ok(shape)
}

fn from_nested(rec: Nested<'_>) -> Answer {
    let region = rec.subdivisions.first().and_then(|s| text(s.names.en));
    let traits = &rec.traits;
    Answer {
        city: text(rec.city.names.en),
        region,
        country: text(rec.country.names.en),
        country_code: country_code(rec.country.iso_code),
        coordinates: coordinates(
            rec.location.latitude.map(|n| n.0),
            rec.location.longitude.map(|n| n.0),
        ),
        accuracy_km: rec.location.accuracy_radius.and_then(|n| n.as_u32()),
        asn: traits.autonomous_system_number.and_then(|n| n.as_u32()),
        isp: text(traits.isp).or_else(|| text(traits.autonomous_system_organization)),
    }
}

fn from_flat(rec: &Flat<'_>) -> Answer {
    // IPinfo's country-ASN file puts the code in `country` and the name in `country_name`;
    // IPinfo Lite has `country_code` and the name in `country`.
    let (code, name) = match (rec.country_code, country_code(rec.country)) {
        (Some(code), _) => (country_code(Some(code)), text(rec.country)),
        (None, Some(code)) => (Some(code), text(rec.country_name)),
        (None, None) => (None, text(rec.country_name).or_else(|| text(rec.country))),
    };
    Answer {
        city: text(rec.city),
        region: text(rec.state1).or_else(|| text(rec.region)),
        country: name,
        country_code: code,
        coordinates: coordinates(rec.latitude.map(|n| n.0), rec.longitude.map(|n| n.0)),
        accuracy_km: None,
        asn: rec
            .autonomous_system_number
            .or(rec.asn)
            .and_then(|n| n.as_u32()),
        isp: text(rec.isp)
            .or_else(|| text(rec.autonomous_system_organization))
            .or_else(|| text(rec.as_name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::schema::Num;

    #[test]
    fn ipinfo_country_fields_in_both_generations() {
        let lite = Flat {
            country_code: Some("US"),
            country: Some("United States"),
            asn: Some(Num(15169.0)),
            as_name: Some("Google LLC"),
            ..Flat::default()
        };
        let a = from_flat(&lite);
        assert_eq!(
            (a.country_code.as_deref(), a.country.as_deref()),
            (Some("US"), Some("United States"))
        );
        assert_eq!((a.asn, a.isp.as_deref()), (Some(15169), Some("Google LLC")));

        let older = Flat {
            country: Some("DE"),
            country_name: Some("Germany"),
            ..Flat::default()
        };
        let a = from_flat(&older);
        assert_eq!(
            (a.country_code.as_deref(), a.country.as_deref()),
            (Some("DE"), Some("Germany"))
        );
    }

    #[test]
    fn isp_name_is_preferred_over_the_as_organisation() {
        let isp = Flat {
            autonomous_system_number: Some(Num(1221.0)),
            autonomous_system_organization: Some("Telstra Pty Ltd"),
            isp: Some("Telstra Internet"),
            ..Flat::default()
        };
        assert_eq!(from_flat(&isp).isp.as_deref(), Some("Telstra Internet"));
    }
}
