//! Where locations come from and how distances are measured: the geo flags and the config
//! file's geo keys, merged into one [`GeoOptions`].

use super::GeoArgs;
use crate::config::Settings;
use crate::distance::{Method, Units};
use std::path::PathBuf;

/// Geo settings, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct GeoOptions {
    pub enabled: bool,
    pub city_dbs: Vec<PathBuf>,
    pub asn_dbs: Vec<PathBuf>,
    pub from: Option<(f64, f64)>,
    pub units: Units,
    pub method: Method,
    /// Host name hints and location checks (`--no-hints`).
    pub hints: bool,
    /// `--keep-outliers`.
    pub keep_outliers: bool,
    /// `--geofeed` files (RFC 8805), consulted before GeoIP and hints.
    pub geofeeds: Vec<PathBuf>,
    /// `--overrides` files, consulted first.
    pub overrides: Vec<PathBuf>,
}

impl Default for GeoOptions {
    fn default() -> Self {
        GeoOptions {
            enabled: true,
            city_dbs: Vec::new(),
            asn_dbs: Vec::new(),
            from: None,
            units: Units::Miles,
            method: Method::Geodesic,
            hints: true,
            keep_outliers: false,
            geofeeds: Vec::new(),
            overrides: Vec::new(),
        }
    }
}

impl GeoOptions {
    /// What the hints stage is asked to do.
    pub fn hint_options(&self) -> crate::hints::HintOptions {
        crate::hints::HintOptions {
            enabled: self.hints,
            keep_outliers: self.keep_outliers,
            origin: self.from,
        }
    }
}

/// A list from the command line, else the config file's.
pub(super) fn or_config(flag: Vec<PathBuf>, file: &[PathBuf]) -> Vec<PathBuf> {
    if flag.is_empty() {
        file.to_vec()
    } else {
        flag
    }
}

impl GeoArgs {
    /// The geo options: these flags, and the config file where they are unset.
    pub fn into_options(self, file: &Settings) -> GeoOptions {
        let g = self;
        GeoOptions {
            enabled: !g.no_geo,
            // `--no-geo` conflicts with the database flags, not with the file's databases.
            city_dbs: if g.no_geo {
                Vec::new()
            } else {
                or_config(g.city_db, &file.city_db)
            },
            asn_dbs: if g.no_geo {
                Vec::new()
            } else {
                or_config(g.asn_db, &file.asn_db)
            },
            from: if g.no_geo { None } else { g.from.or(file.from) },
            units: g.units.or(file.units).unwrap_or_default(),
            method: if g.haversine {
                Method::Haversine
            } else {
                Method::Geodesic
            },
            hints: !g.no_hints,
            keep_outliers: g.keep_outliers,
            geofeeds: or_config(g.geofeed, &file.geofeed),
            overrides: or_config(g.overrides, &file.overrides),
        }
    }
}
