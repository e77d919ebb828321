//! `globetrace data`: which geo databases a run would use, when they were built, where they
//! are and how big, with a warning when the shipped data has grown old.
//!
//! Why a command: the shipped data is inside the binary and unpacked into a cache a user never
//! looks at; when a place looks wrong the first questions are "which database said that, and
//! how old is it". Rendering is pure (the clock is an argument) so the age rules are tested.

use crate::cli::GeoOptions;
use crate::geo::{self, DatabaseInfo, Geo, GeoConfig, GeoError, ShippedFile};
use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

/// Shipped data older than this is reported as stale.
pub const STALE_DAYS: u64 = 365;

const DAY: u64 = 86_400;

/// What `globetrace data` prints: the status text (stdout) and warnings (stderr).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub warnings: Vec<String>,
}

/// Opens the databases `opts` name plus the shipped ones (unpacking those if needed) and
/// describes them.
pub fn status(opts: &GeoOptions) -> Result<Status, GeoError> {
    let config = GeoConfig {
        city_dbs: opts.city_dbs.clone(),
        asn_dbs: opts.asn_dbs.clone(),
        ..GeoConfig::default()
    };
    let files = geo::shipped_files(&config)?;
    let geo = Geo::open(&config)?;
    let infos: Vec<DatabaseInfo> = geo.databases().cloned().collect();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    Ok(render(
        &geo::data_source(&config).to_string(),
        geo::cache_dir(&config).as_deref(),
        &files,
        &infos,
        now,
    ))
}

/// The status of `infos` (user databases first, then the shipped ones in manifest order, as
/// [`Geo::databases`] lists them) at `now` (seconds since the epoch).
pub fn render(
    source: &str,
    cache: Option<&std::path::Path>,
    files: &[ShippedFile],
    infos: &[DatabaseInfo],
    now: u64,
) -> Status {
    let mut text = String::new();
    let mut warnings = Vec::new();
    let packed: u64 = files.iter().map(|f| f.packed_len).sum();
    let unpacked: u64 = files.iter().map(|f| f.unpacked_len).sum();
    let _ = writeln!(
        text,
        "Shipped geo data: {source} ({} compressed, {} unpacked)",
        mb(packed),
        mb(unpacked)
    );
    match cache {
        Some(dir) => {
            let _ = writeln!(text, "Unpacked into:    {}", dir.display());
        }
        None => {
            let _ = writeln!(
                text,
                "Unpacked into:    memory (no cache directory: set HOME or XDG_CACHE_HOME)"
            );
        }
    }
    let user = infos.iter().filter(|i| !i.shipped).count();
    if user > 0 {
        let _ = writeln!(text, "\nYour databases, asked first:");
        for info in infos.iter().filter(|i| !i.shipped) {
            line(&mut text, info, None, now);
        }
    }
    let _ = writeln!(text, "\nShipped databases:");
    for (info, file) in infos.iter().filter(|i| i.shipped).zip(files) {
        line(&mut text, info, Some(file), now);
        let age = now.saturating_sub(info.build_epoch) / DAY;
        if age > STALE_DAYS {
            warnings.push(format!(
                "the shipped {} data was built {} ({age} days ago); places and networks move: \
                 refresh it (data/refresh.sh, then rebuild) or add your own databases (--city-db, \
                 --asn-db)",
                file.role,
                date(info.build_epoch)
            ));
        }
    }
    Status { text, warnings }
}

fn line(text: &mut String, info: &DatabaseInfo, file: Option<&ShippedFile>, now: u64) {
    let age = now.saturating_sub(info.build_epoch) / DAY;
    let size = match file {
        Some(f) => mb(f.unpacked_len),
        None => std::fs::metadata(&info.path)
            .map(|m| mb(m.len()))
            .unwrap_or_else(|_| "? MB".into()),
    };
    let role = file.map(|f| format!("{}: ", f.role)).unwrap_or_default();
    let _ = writeln!(
        text,
        "  {role}{} [{}], built {} ({age} days ago), {size}\n    {}",
        info.label,
        info.kind,
        date(info.build_epoch),
        info.path.display()
    );
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// `YYYY-MM-DD` (UTC) of a Unix time (the days-to-civil algorithm of H. Hinnant).
pub fn date(epoch: u64) -> String {
    let days = (epoch / DAY) as i64 + 719_468;
    let era = days.div_euclid(146_097);
    let doe = days.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::DbKind;
    use std::path::PathBuf;

    #[test]
    fn dates_are_civil_utc() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(951_782_400), "2000-02-29");
        assert_eq!(date(1_780_617_600), "2026-06-05");
    }

    fn shipped(built: u64) -> (ShippedFile, DatabaseInfo) {
        let file = ShippedFile {
            role: "city".into(),
            file: "dbip-city.packed.xz".into(),
            packed_len: 17_972_944,
            unpacked_len: 122_761_456,
            cached: Some("/c/dbip-city-0123.mmdb".into()),
            unpacked: true,
        };
        let info = DatabaseInfo {
            path: PathBuf::from("/c/dbip-city-0123.mmdb"),
            label: "city (shipped)".into(),
            kind: DbKind::FlatCity,
            database_type: "city".into(),
            build_epoch: built,
            shipped: true,
        };
        (file, info)
    }

    #[test]
    fn shipped_data_older_than_a_year_is_a_warning() {
        let built = 1_780_617_600; // 2026-06-05
        let (file, info) = shipped(built);
        let fresh = render(
            "built into the binary",
            None,
            std::slice::from_ref(&file),
            std::slice::from_ref(&info),
            built + 200 * DAY,
        );
        assert!(fresh.warnings.is_empty(), "{:?}", fresh.warnings);
        assert!(
            fresh
                .text
                .contains("built 2026-06-05 (200 days ago), 122.8 MB"),
            "{}",
            fresh.text
        );
        assert!(fresh.text.contains("/c/dbip-city-0123.mmdb"));
        assert!(fresh.text.contains("18.0 MB compressed"), "{}", fresh.text);
        let old = render(
            "built into the binary",
            None,
            &[file],
            &[info],
            built + 400 * DAY,
        );
        assert_eq!(old.warnings.len(), 1);
        assert!(
            old.warnings[0].contains("400 days ago"),
            "{:?}",
            old.warnings
        );
    }
}
