//! The command line: clap's derive types, validated and turned into one [`Config`].
//!
//! Everything the rest of the program needs is in `Config`; nothing else reads arguments.
//! Range checks live here so that a bad value is a usage error (exit 2) naming the option.
//! The config file's [`Settings`] fill what the command line left unset: flags win.

use crate::config::{Choice, Settings};
use crate::distance::Units;
use crate::dns::FamilyPreference;
use crate::import::InputFormat;
use crate::probe::ProbeConfig;
use crate::report::Format;
use crate::trace::Protocol;
use clap::{Args, Parser, Subcommand};
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

mod geo;
mod remote;
mod values;

use geo::or_config;
pub use geo::GeoOptions;
pub use remote::{AtlasArgs, RemoteArgs, RemoteConfig, RemoteJob};
pub use values::WaitSpec;
use values::{parse_from, parse_interval, parse_rate, parse_secs, parse_units, parse_wait};

const ABOUT: &str =
    "A geo-annotated traceroute: every hop live with its place, network, RTTs and loss, \
                     and how far the packets travelled.";

const AFTER_HELP: &str = "\
Privileges: raw sockets need root or CAP_NET_RAW (`sudo setcap cap_net_raw+ep globetrace`).
Without them, ICMP probes fall back to unprivileged ping sockets where
net.ipv4.ping_group_range allows. All capabilities are dropped once the sockets are open.

Remote vantage points: --from-probes sends TARGET and the locations to Globalping
(api.globalping.io; GLOBALPING_TOKEN raises the hourly limits); `annotate --atlas` and
`--atlas-create` talk to RIPE Atlas (atlas.ripe.net; RIPE_ATLAS_KEY is needed to create).
Requests time out after 30 s (GLOBETRACE_HTTP_TIMEOUT), 429/5xx are retried honouring
Retry-After, proxies come from HTTPS_PROXY/HTTP_PROXY/NO_PROXY. Tested only against recorded
API answers, not the live services.

Exit codes: 0 trace finished (reached or not), 1 runtime error, 2 usage error, 130 interrupted.

Defaults for --from, --units, --city-db, --asn-db, --geofeed, --overrides and the protocol can
be set in ~/.config/globetrace/config.toml (see `man globetrace`); flags win.

Geo data shipped with globetrace (built into the binary; `globetrace data` shows it): IP
Geolocation by DB-IP (https://db-ip.com), DB-IP City Lite, CC BY 4.0; ASN data from RouteViews,
the NRO and DB-IP ASN Lite via ip-location-db, CC BY 4.0. Set GLOBETRACE_DATA_DIR to use a data
directory elsewhere.";

/// globetrace command line.
#[derive(Debug, Parser)]
#[command(name = "globetrace", version, about = ABOUT, after_help = AFTER_HELP,
          args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Host name or IPv4/IPv6 address to trace; several (or -F) make a batch, traced
    /// concurrently under one --rate.
    #[arg(value_name = "TARGET", required_unless_present = "file")]
    pub targets: Vec<String>,

    /// Read targets from FILE, one per line (`#` starts a comment); `-` reads standard input.
    #[arg(short = 'F', long = "file", value_name = "FILE")]
    pub file: Option<String>,

    #[command(flatten)]
    pub remote: RemoteArgs,

    #[command(flatten)]
    pub probe: ProbeArgs,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub geo: GeoArgs,

    /// Read defaults from FILE instead of ~/.config/globetrace/config.toml.
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    /// Read no config file.
    #[arg(long, global = true, conflicts_with = "config")]
    pub no_config: bool,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Annotate saved traces without sending a packet: a list of addresses (one per line), the
    /// text output of traceroute, tracepath, mtr (report, JSON, CSV, XML, raw), tracert,
    /// pathping, WinMTR, Cisco, Junos, Huawei, MikroTik or Arista routers, RIPE Atlas results or
    /// scamper JSON and warts (many traces per file), from FILE or standard input.
    Annotate(Box<AnnotateArgs>),
    /// Show every piece of evidence behind the place of host names or addresses, offline:
    /// tokens tried, dictionary and operator-table entries, the countries a name names,
    /// GeoIP, geofeeds and overrides, and the verdict. Reads standard input when no NAME or
    /// ADDRESS is given (or `-`).
    Locate(LocateArgs),
    /// Show the geo data in use: which databases, when they were built, where they are, sizes.
    Data(DataArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to stdout: `globetrace man | man -l -`.
    Man,
}

/// `globetrace data`.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// Also list this city/country database (repeatable).
    #[arg(long, value_name = "PATH")]
    pub city_db: Vec<PathBuf>,
    /// Also list this ASN/ISP database (repeatable).
    #[arg(long, value_name = "PATH")]
    pub asn_db: Vec<PathBuf>,
}

/// `globetrace locate`.
#[derive(Debug, Args)]
pub struct LocateArgs {
    /// Host names or addresses; `-` or none reads them from standard input, one a line.
    #[arg(value_name = "NAME|ADDRESS")]
    pub items: Vec<String>,
    /// `table` (the default) prints text; `json` a JSON array; `csv` is not offered.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    #[command(flatten)]
    pub geo: GeoArgs,
}

/// Everything `locate` needs.
#[derive(Debug, Clone, PartialEq)]
pub struct LocateConfig {
    pub items: Vec<String>,
    pub json: bool,
    pub geo: GeoOptions,
}

/// `globetrace annotate`.
#[derive(Debug, Args)]
pub struct AnnotateArgs {
    /// The saved trace; `-` reads standard input.
    #[arg(value_name = "FILE", default_value = "-")]
    pub input: String,
    /// Do not look up names of addresses that came without one.
    #[arg(short = 'n', long)]
    pub no_dns: bool,
    #[command(flatten)]
    pub atlas: AtlasArgs,
    /// Read the input as this format instead of detecting it.
    #[arg(long, value_name = "NAME", value_enum)]
    pub input_format: Option<InputFormat>,
    /// Treat the input as independent addresses, not a path: one row per address, streamed,
    /// any length (used automatically for address lists longer than 255 lines).
    #[arg(long)]
    pub bulk: bool,
    /// Total time allowed for host name lookups, in seconds.
    #[arg(long, value_name = "SECS", default_value = "2", value_parser = parse_secs,
          allow_negative_numbers = true)]
    pub dns_timeout: Duration,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub geo: GeoArgs,
}

/// Where locations come from and how distances are measured.
#[derive(Debug, Args)]
pub struct GeoArgs {
    /// A city/country database to use before the shipped one: MaxMind GeoIP2/GeoLite2 City or
    /// Country, DB-IP (either layout), IPinfo Lite. Repeatable; earlier ones win field by field.
    #[arg(long, value_name = "PATH")]
    pub city_db: Vec<PathBuf>,
    /// An ASN/ISP database to use before the shipped one: MaxMind GeoLite2 ASN or GeoIP2 ISP,
    /// IPinfo Lite. Repeatable; earlier ones win field by field.
    #[arg(long, value_name = "PATH")]
    pub asn_db: Vec<PathBuf>,
    /// Do not locate hops at all.
    #[arg(long, conflicts_with_all = ["city_db", "asn_db", "from"])]
    pub no_geo: bool,
    /// Your own position: distances start here instead of at the first located hop.
    #[arg(long, value_name = "LAT,LON", value_parser = parse_from, allow_hyphen_values = true)]
    pub from: Option<(f64, f64)>,
    /// Units for the table and summary (CSV and JSON carry both) [default: mi].
    #[arg(long, value_name = "mi|km", value_parser = parse_units)]
    pub units: Option<Units>,
    /// Measure on a sphere (haversine) instead of the WGS84 ellipsoid.
    #[arg(long)]
    pub haversine: bool,
    /// Use GeoIP locations as they are: no host name hints, no RTT, detour or default-point
    /// checks (default points are still labelled).
    #[arg(long, conflicts_with = "keep_outliers")]
    pub no_hints: bool,
    /// Count detour outliers in the distance (they are still flagged).
    #[arg(long)]
    pub keep_outliers: bool,
    /// An RFC 8805 geofeed (prefix,country,region,city,postal) whose places beat GeoIP and
    /// host name hints. Repeatable.
    #[arg(long, value_name = "FILE")]
    pub geofeed: Vec<PathBuf>,
    /// An overrides file (lines of `PREFIX|HOST-PATTERN LAT,LON [LABEL]`), asked before
    /// everything else. Repeatable.
    #[arg(long, value_name = "FILE")]
    pub overrides: Vec<PathBuf>,
}

/// How probes are sent.
#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// Probe with ICMP echo requests (the default).
    #[arg(short = 'I', long, group = "method")]
    pub icmp: bool,
    /// Probe with UDP datagrams (destination port from -p, default 33434).
    #[arg(short = 'U', long, group = "method")]
    pub udp: bool,
    /// Probe with TCP SYN segments (destination port from -p, default 80).
    #[arg(short = 'T', long, group = "method")]
    pub tcp: bool,
    /// Destination port for UDP and TCP probes.
    #[arg(short = 'p', long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub port: Option<u16>,
    /// Use IPv4 only.
    #[arg(short = '4', conflicts_with = "ipv6")]
    pub ipv4: bool,
    /// Use IPv6 only.
    #[arg(short = '6')]
    pub ipv6: bool,
    /// Largest TTL (hop limit) probed.
    #[arg(short = 'm', long, value_name = "N", default_value_t = 30,
          value_parser = clap::value_parser!(u8).range(1..=255))]
    pub max_hops: u8,
    /// First TTL probed.
    #[arg(short = 'f', long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u8).range(1..=255))]
    pub first_hop: u8,
    /// Probes per hop in each cycle [default: 3 for one trace, 1 per cycle with -c].
    #[arg(short = 'q', long, value_name = "N",
          value_parser = clap::value_parser!(u8).range(1..=10))]
    pub queries: Option<u8>,
    /// Longest wait for a reply in seconds, optionally with traceroute's HERE and NEAR factors:
    /// MAX[,HERE[,NEAR]]. A probe is given up after MAX, or HERE times the RTT of a reply from
    /// the same hop, or NEAR times the RTT of a reply from a later hop (0 turns a factor off)
    /// [default: 3,3,10 for one trace; 2,0,0 with -c, where a pass waiting costs nothing].
    #[arg(short = 'w', long, value_name = "MAX[,HERE,NEAR]", value_parser = parse_wait,
          allow_negative_numbers = true)]
    pub wait: Option<WaitSpec>,
    /// Probe the path N times, one cycle every --interval (mtr's -c); 0 runs until q or Ctrl-C.
    /// With N other than 1 on a terminal a full-screen live view runs (unless -r).
    #[arg(short = 'c', long, value_name = "N", default_value_t = 1)]
    pub cycles: u64,
    /// Seconds between the starts of two cycles (0.01 or more).
    #[arg(short = 'i', long, value_name = "SECS", default_value = "1", value_parser = parse_interval)]
    pub interval: Duration,
    /// Print the report (the table with statistics) when the cycles end, no live view (mtr's
    /// -r). Implied when standard output is not a terminal.
    #[arg(short = 'r', long)]
    pub report: bool,
    /// Probes per second over the whole run, all cycles together (0: no limit).
    #[arg(long, value_name = "PPS", default_value_t = crate::probe::scheduler::DEFAULT_RATE,
          value_parser = parse_rate)]
    pub rate: f64,
    /// Find every load-balanced branch (the Multipath Detection Algorithm): many flows per
    /// hop, as many as the stopping rule needs, and a graph of who leads to whom.
    #[arg(long, visible_alias = "mda")]
    pub multipath: bool,
    /// UDP/TCP source port to send from (with --multipath, the first of the ports it varies)
    /// [default: one the kernel picks].
    #[arg(long, value_name = "PORT", value_parser = clap::value_parser!(u16).range(1024..))]
    pub source_port: Option<u16>,
    /// Confidence of --multipath's stopping rule, in percent: 95 or 99.
    #[arg(long, value_name = "PCT", default_value_t = 95, value_parser = values::parse_confidence)]
    pub confidence: u8,
    /// Probes in flight at once, per target [default: 16; 1 per target in a batch].
    #[arg(short = 'N', long, value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub parallel: Option<u16>,
    /// Silent hops probed beyond the last hop that answered before giving up.
    #[arg(long, value_name = "N", default_value_t = 5,
          value_parser = clap::value_parser!(u8).range(1..=255))]
    pub max_unknown: u8,
    /// Do not look up host names of hops.
    #[arg(short = 'n', long)]
    pub no_dns: bool,
    /// Total time allowed for host name lookups after the trace, in seconds.
    #[arg(long, value_name = "SECS", default_value = "2", value_parser = parse_secs,
          allow_negative_numbers = true)]
    pub dns_timeout: Duration,
    /// Source address to send from.
    #[arg(short = 's', long, value_name = "ADDR")]
    pub source: Option<IpAddr>,
    /// Network interface to send through.
    #[arg(long, value_name = "NAME")]
    pub interface: Option<String>,
}

/// What is printed and written.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// What goes to standard output.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Also write the CSV export to FILE.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Also write the JSON export to FILE.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Also draw the path on a world map, written to FILE as SVG.
    #[arg(long, value_name = "FILE.svg")]
    pub map: Option<PathBuf>,
    /// Show the whole world on the map instead of fitting it to the path.
    #[arg(long, requires = "map")]
    pub map_world: bool,
    /// Also write the path as GeoJSON (RFC 7946) to FILE.
    #[arg(long, value_name = "FILE")]
    pub geojson: Option<PathBuf>,
    /// Do not print hops live as they complete.
    #[arg(long)]
    pub no_live: bool,
    /// Also report packets that were ignored (other programs' ICMP, duplicates, late replies).
    #[arg(short = 'v', long)]
    pub verbose: bool,
}

/// Output settings shared by live traces and `annotate`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OutputConfig {
    pub format: Format,
    pub csv: Option<PathBuf>,
    pub json: Option<PathBuf>,
    pub map: Option<PathBuf>,
    pub map_world: bool,
    pub geojson: Option<PathBuf>,
    pub live: bool,
    pub verbose: bool,
}

/// What to run.
#[derive(Debug, Clone, PartialEq)]
pub enum Job {
    Trace(Config),
    Annotate(AnnotateConfig),
    /// `globetrace data`: the databases these options would use.
    Data(GeoOptions),
    Completions(clap_complete::Shell),
    Man,
    Locate(LocateConfig),
    Remote(RemoteConfig),
}

/// Everything `annotate` needs.
#[derive(Debug, Clone, PartialEq)]
pub struct AnnotateConfig {
    /// A path, or `-` for standard input.
    pub input: String,
    /// The format named by `--input-format`; `None` detects it.
    pub input_format: Option<InputFormat>,
    pub bulk: bool,
    pub dns: bool,
    pub dns_timeout: Duration,
    pub output: OutputConfig,
    pub geo: GeoOptions,
}

/// Where a batch's targets come from: those on the command line, then `-F FILE`'s lines.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BatchTargets {
    pub inline: Vec<String>,
    /// A path, or `-` for standard input.
    pub file: Option<String>,
}

/// Everything a trace run needs, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The target of a single trace; the first inline target of a batch.
    pub target: String,
    /// Set when there is more than one target (or `-F`).
    pub batch: Option<BatchTargets>,
    /// `-r`: no live view; the report when the cycles end.
    pub report: bool,
    pub family: FamilyPreference,
    pub probe: ProbeConfig,
    pub dns: bool,
    pub dns_timeout: Duration,
    pub output: OutputConfig,
    pub geo: GeoOptions,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            target: String::new(),
            batch: None,
            report: false,
            family: FamilyPreference::Any,
            probe: ProbeConfig::default(),
            dns: true,
            dns_timeout: Duration::from_secs(2),
            output: OutputConfig {
                live: true,
                ..OutputConfig::default()
            },
            geo: GeoOptions::default(),
        }
    }
}

impl From<OutputArgs> for OutputConfig {
    fn from(o: OutputArgs) -> Self {
        OutputConfig {
            format: o.format,
            csv: o.csv,
            json: o.json,
            map: o.map,
            map_world: o.map_world,
            geojson: o.geojson,
            live: !o.no_live,
            verbose: o.verbose,
        }
    }
}

impl Cli {
    /// Which config file `--config`/`--no-config` ask for; none for subcommands that print
    /// documentation (a broken config must not stop `completions` or `man`).
    pub fn config_choice(&self) -> Choice {
        match (&self.command, &self.config) {
            (Some(Command::Completions { .. } | Command::Man), _) => Choice::None,
            _ if self.no_config => Choice::None,
            (_, Some(file)) => Choice::File(file.clone()),
            (_, None) => Choice::Default,
        }
    }

    /// Validate cross-option rules and say what to run, with `file` filling what the command
    /// line left unset.
    pub fn into_job(mut self, file: &Settings) -> Result<Job, String> {
        match self.command {
            Some(Command::Annotate(a)) => {
                let a = *a;
                let cfg = AnnotateConfig {
                    input: a.input,
                    input_format: a.input_format,
                    bulk: a.bulk,
                    dns: !a.no_dns,
                    dns_timeout: a.dns_timeout,
                    output: a.output.into(),
                    geo: a.geo.into_options(file),
                };
                if a.atlas.used() {
                    a.atlas.job(cfg).map(Job::Remote)
                } else {
                    Ok(Job::Annotate(cfg))
                }
            }
            Some(Command::Data(d)) => Ok(Job::Data(GeoOptions {
                city_dbs: or_config(d.city_db, &file.city_db),
                asn_dbs: or_config(d.asn_db, &file.asn_db),
                ..GeoOptions::default()
            })),
            Some(Command::Completions { shell }) => Ok(Job::Completions(shell)),
            Some(Command::Man) => Ok(Job::Man),
            Some(Command::Locate(l)) => {
                if l.format == Format::Csv {
                    return Err("locate prints text or JSON (--format table|json), not CSV".into());
                }
                Ok(Job::Locate(LocateConfig {
                    items: l.items,
                    json: l.format == Format::Json,
                    geo: l.geo.into_options(file),
                }))
            }
            None if !self.remote.from_probes.is_empty() => {
                let remote = std::mem::take(&mut self.remote);
                remote
                    .globalping(self.into_config_with(file)?)
                    .map(Job::Remote)
            }
            None => self.into_config_with(file).map(Job::Trace),
        }
    }

    /// Validate cross-option rules and build the trace [`Config`] (no config file).
    pub fn into_config(self) -> Result<Config, String> {
        self.into_config_with(&Settings::default())
    }

    /// Validate cross-option rules and build the trace [`Config`], with `file` filling what
    /// the command line left unset.
    pub fn into_config_with(self, file: &Settings) -> Result<Config, String> {
        let batch = (self.targets.len() > 1 || self.file.is_some()).then(|| BatchTargets {
            inline: self.targets.clone(),
            file: self.file.clone(),
        });
        let target = self.targets.into_iter().next().unwrap_or_default();
        let p = self.probe;
        if p.first_hop > p.max_hops {
            return Err(format!(
                "--first-hop {} is larger than --max-hops {}",
                p.first_hop, p.max_hops
            ));
        }
        let protocol = if p.udp {
            Protocol::Udp
        } else if p.tcp {
            Protocol::Tcp
        } else if p.icmp {
            Protocol::Icmp
        } else {
            file.protocol.unwrap_or_default()
        };
        if protocol == Protocol::Icmp && p.source_port.is_some() {
            return Err("--source-port applies to UDP (-U) and TCP (-T) probes only".into());
        }
        if protocol == Protocol::Icmp && p.port.is_some() {
            return Err("--port applies to UDP (-U) and TCP (-T) probes only".into());
        }
        let family = values::family_of(p.ipv4, p.ipv6, p.source)?;
        if batch.is_none() && target.trim().is_empty() {
            return Err("TARGET is empty".into());
        }
        let cycles = (p.cycles != 1).then_some(p.cycles);
        if p.multipath && cycles.is_some() {
            return Err("--multipath runs one discovery: it cannot be combined with -c".into());
        }
        let monitoring = cycles.is_some();
        let wait = p.wait.unwrap_or(if monitoring {
            // Passes overlap, so waiting for a slow reply delays nothing; giving it up early
            // would count it as lost.
            WaitSpec {
                max: Duration::from_secs(2),
                here: f64::INFINITY,
                near: f64::INFINITY,
            }
        } else {
            let d = ProbeConfig::default();
            WaitSpec {
                max: d.wait,
                here: d.here,
                near: d.near,
            }
        });
        let queries = p.queries.unwrap_or(if monitoring { 1 } else { 3 });
        // In a batch the many targets keep the rate busy, so each sends one TTL after another
        // (as scamper does): no probe goes beyond a destination. A silent hop then waits MAX,
        // which other traces fill; -N 2 or more lets a later hop's reply give it up sooner.
        // With one target, 16 in flight make the trace fast.
        let parallel = p
            .parallel
            .map(usize::from)
            .unwrap_or(if batch.is_some() { 1 } else { 16 });
        Ok(Config {
            target,
            batch,
            family,
            probe: ProbeConfig {
                protocol,
                port: p.port,
                first_hop: p.first_hop,
                max_hops: p.max_hops,
                queries,
                wait: wait.max,
                here: wait.here,
                near: wait.near,
                parallel,
                max_unknown: p.max_unknown,
                source: p.source,
                interface: p.interface,
                cycles: match p.cycles {
                    0 => None,
                    n => Some(n),
                },
                interval: p.interval,
                rate: (p.rate > 0.0).then_some(p.rate),
                multipath: p.multipath.then_some(p.confidence),
                source_port: p.source_port,
            },
            report: p.report,
            dns: !p.no_dns,
            dns_timeout: p.dns_timeout,
            output: self.output.into(),
            geo: self.geo.into_options(file),
        })
    }
}

#[cfg(test)]
#[path = "cli_tests.rs"]
mod tests;
