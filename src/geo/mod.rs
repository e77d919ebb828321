//! Geolocation and network ownership for hop addresses, from MaxMind DB (mmdb) files.
//!
//! Why it looks like this:
//! - **Works wherever the binary is.** City-level data (DB-IP City Lite) and ASN data
//!   (ip-location-db) ship in `data/`, compressed, and are compiled into the binary; the first
//!   run unpacks them once into a cache (`shipped.rs` explains the layout and why).
//! - **Any common database, one record.** Users add their own files (`--city-db`,
//!   `--asn-db`): MaxMind GeoIP2/GeoLite2 City, Country, ASN, ISP and Enterprise, DB-IP in
//!   both its GeoIP2 layout and the flat ip-location-db layout, IPinfo Lite. The kind is
//!   detected from the metadata and the records, and every kind is mapped to one
//!   [`Location`], with the file each field came from.
//! - **User data first.** For city/country fields the `--city-db` files are asked first, then
//!   the `--asn-db` files, then the shipped data; for ASN/ISP fields the `--asn-db` files come
//!   first. Earlier databases win field by field (see [`Location`] for the guards that keep
//!   mixed answers consistent).
//! - **Special ranges never get a place.** Private, shared, loopback, link-local,
//!   documentation, multicast, … addresses are labelled ([`SpecialRange`]) before any
//!   database is asked.
//! - **Cheap lookups.** Files are memory-mapped and answers are cached per address, so a
//!   trace's repeated hops cost a hash lookup.

#![deny(unsafe_code)]

mod cache;
mod countries;
mod database;
mod error;
mod geofeed;
mod kind;
mod location;
/// The packed on-disk form of the shipped data; public so the data tool and tests can pack.
pub mod packed;
mod schema;
mod shipped;
mod special;

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Mutex;

pub use database::DatabaseInfo;
pub use error::GeoError;
pub use geofeed::{FeedEntry, FeedError, FeedKind, Feeds, Matcher};
pub use kind::DbKind;
pub use location::{country_name, Location};
pub use packed::PackError;
pub use shipped::{
    cache_dir, data_source, shipped_files, DataSource, ShippedFile, DATA_DIR_ENV, MANIFEST,
};
pub use special::{normalize, SpecialRange};

use database::Database;
use location::Answer;

/// Which databases [`Geo::open`] uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeoConfig {
    /// User databases asked first for city, region, country and coordinates (any supported
    /// kind is accepted; earlier files win).
    pub city_dbs: Vec<PathBuf>,
    /// User databases asked first for ASN and ISP (any supported kind is accepted).
    pub asn_dbs: Vec<PathBuf>,
    /// Where the shipped data is; `None` means `$GLOBETRACE_DATA_DIR`, else the copy compiled
    /// into the binary (see [`data_source`]).
    pub data_dir: Option<PathBuf>,
    /// Where shipped data is unpacked; `None` means `$XDG_CACHE_HOME/globetrace` or
    /// `~/.cache/globetrace` (see [`cache_dir`]).
    pub cache_dir: Option<PathBuf>,
    /// Whether to use the shipped data after the user's databases.
    pub use_shipped: bool,
}

impl Default for GeoConfig {
    fn default() -> Self {
        GeoConfig {
            city_dbs: Vec::new(),
            asn_dbs: Vec::new(),
            data_dir: None,
            cache_dir: None,
            use_shipped: true,
        }
    }
}

/// Where a database came from, which decides its place in the two asking orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    CityArg,
    AsnArg,
    Shipped,
}

/// The opened databases, ready for lookups. Cheap to share between threads.
pub struct Geo {
    dbs: Vec<Database>,
    /// Indexes into `dbs`, in the order they are asked for location fields.
    location_order: Vec<usize>,
    /// Indexes into `dbs`, in the order they are asked for ASN fields.
    asn_order: Vec<usize>,
    cache: Mutex<cache::AddressCache>,
    /// Geofeeds and overrides, asked before everything else by the hints stage.
    feeds: Feeds,
}

impl Geo {
    /// Opens the user's databases, then (if `config.use_shipped`) the shipped ones, unpacking
    /// those into the cache on first use.
    ///
    /// # Errors
    /// The first file that is missing, unreadable, not an mmdb, of an unsupported kind, or
    /// (shipped data) inconsistent with its manifest; the error names that file.
    pub fn open(config: &GeoConfig) -> Result<Geo, GeoError> {
        let mut dbs = Vec::new();
        let mut origins = Vec::new();
        for (paths, origin) in [
            (&config.city_dbs, Origin::CityArg),
            (&config.asn_dbs, Origin::AsnArg),
        ] {
            for path in paths {
                dbs.push(Database::open(path)?);
                origins.push(origin);
            }
        }
        if config.use_shipped {
            for db in shipped::open_shipped(config)? {
                dbs.push(db);
                origins.push(Origin::Shipped);
            }
        }
        let order = |first: Origin, second: Origin, offers: fn(DbKind) -> bool| -> Vec<usize> {
            let mut order = Vec::new();
            for origin in [first, second, Origin::Shipped] {
                let matching =
                    (0..dbs.len()).filter(|&i| origins[i] == origin && offers(dbs[i].info().kind));
                order.extend(matching);
            }
            order
        };
        let location_order = order(Origin::CityArg, Origin::AsnArg, DbKind::offers_location);
        let asn_order = order(Origin::AsnArg, Origin::CityArg, DbKind::offers_asn);
        Ok(Geo {
            dbs,
            location_order,
            asn_order,
            cache: Mutex::new(cache::AddressCache::default()),
            feeds: Feeds::default(),
        })
    }

    /// The same databases with geofeeds and overrides to consult first.
    pub fn with_feeds(mut self, feeds: Feeds) -> Geo {
        self.feeds = feeds;
        self
    }

    /// The geofeeds and overrides given (empty unless [`Geo::with_feeds`] was used).
    pub fn feeds(&self) -> &Feeds {
        &self.feeds
    }

    /// What the databases say about `ip`, cached per address.
    pub fn lookup(&self, ip: IpAddr) -> Location {
        let cached = self.cache.lock().unwrap_or_else(|e| e.into_inner()).get(ip);
        if let Some(location) = cached {
            return location;
        }
        let location = self.lookup_uncached(ip);
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(ip, location.clone());
        location
    }

    /// What the databases say about `ip`, asking them every time (for benchmarks and bulk
    /// use where addresses rarely repeat).
    pub fn lookup_uncached(&self, ip: IpAddr) -> Location {
        let ip = normalize(ip);
        if let Some(range) = SpecialRange::of(ip) {
            return Location::special(range);
        }
        // Each database is asked at most once, even if it is in both orders.
        let mut answers: Vec<Option<Option<Answer>>> = (0..self.dbs.len()).map(|_| None).collect();
        let mut answer = |i: usize| {
            answers[i]
                .get_or_insert_with(|| self.dbs[i].lookup(ip))
                .clone()
        };
        let mut location = Location::default();
        for &i in &self.location_order {
            if let Some(a) = answer(i) {
                location.absorb_location(&a, &self.dbs[i].info().label);
            }
        }
        for &i in &self.asn_order {
            if let Some(a) = answer(i) {
                location.absorb_asn(&a, &self.dbs[i].info().label);
            }
        }
        location
    }

    /// The opened databases, user files first.
    pub fn databases(&self) -> impl Iterator<Item = &DatabaseInfo> {
        self.dbs.iter().map(Database::info)
    }
}

impl fmt::Debug for Geo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Geo")
            .field("databases", &self.databases().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_databases() -> Geo {
        Geo::open(&GeoConfig {
            use_shipped: false,
            ..GeoConfig::default()
        })
        .unwrap()
    }

    #[test]
    fn special_addresses_get_a_label_and_nothing_else() {
        let geo = no_databases();
        let loc = geo.lookup("192.168.1.1".parse().unwrap());
        assert_eq!(loc, Location::special(SpecialRange::Private));
        assert_eq!(
            geo.lookup("::ffff:10.0.0.1".parse().unwrap()).special,
            Some(SpecialRange::Private)
        );
        assert_eq!(geo.lookup("8.8.8.8".parse().unwrap()), Location::default());
    }

    #[test]
    fn a_missing_user_database_is_named() {
        let config = GeoConfig {
            city_dbs: vec!["/nonexistent/x.mmdb".into()],
            use_shipped: false,
            ..GeoConfig::default()
        };
        let err = Geo::open(&config).unwrap_err();
        assert!(matches!(err, GeoError::Open { .. }));
        assert!(err.to_string().contains("/nonexistent/x.mmdb"), "{err}");
    }

    #[test]
    fn geo_is_shareable_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Geo>();
    }
}
