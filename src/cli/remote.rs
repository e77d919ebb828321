//! The command line of remote vantage points: `--from-probes` (Globalping) on the trace
//! command, `--atlas`/`--atlas-create` (RIPE Atlas) on `annotate`.
//!
//! `--from-probes` reads beside `--from`: `--from` is where *you* are (distances start there),
//! `--from-probes` is where the packets are sent from. It is an option rather than a
//! subcommand so that everything else about a trace (-U/-T/-p, -4/-6, -c, the outputs) keeps
//! its meaning.

use super::{AnnotateConfig, Config};
use crate::dns::FamilyPreference;
use crate::remote::atlas::{CreateSpec, ProbeSelection, ResultsQuery};
use crate::remote::globalping::{MeasurementSpec, MAX_LIMIT, MAX_PACKETS};
use clap::Args;

/// Globalping options of the trace command.
#[derive(Debug, Args, Default)]
pub struct RemoteArgs {
    /// Trace from Globalping probes at LOCATION instead of from here (repeatable, or
    /// comma-separated): a country, city, ASN (AS3320), cloud region (aws-eu-west-1), or any
    /// Globalping location string, `+` combining them (`Berlin+AS3320`). Sends TARGET and the
    /// locations to api.globalping.io; GLOBALPING_TOKEN raises the hourly limits. With -c N
    /// (2 to 16) runs mtr with N packets per hop.
    #[arg(long = "from-probes", value_name = "LOCATION", value_delimiter = ',')]
    pub from_probes: Vec<String>,
    /// With --from-probes: probes to use in all, 1 to 500 [default: one per location].
    #[arg(long, value_name = "N", requires = "from_probes",
          value_parser = clap::value_parser!(u16).range(1..=500))]
    pub limit: Option<u16>,
}

/// RIPE Atlas options of `annotate`.
#[derive(Debug, Args, Default)]
pub struct AtlasArgs {
    /// Fetch and annotate RIPE Atlas traceroute measurement MSM_ID (public results need no
    /// key) from atlas.ripe.net: each probe's latest result, or --start/--stop's range.
    #[arg(long, value_name = "MSM_ID", conflicts_with = "atlas_create")]
    pub atlas: Option<u64>,
    /// With --atlas: results from this time on (seconds since 1970, UTC).
    #[arg(long, value_name = "UNIX_SECS", requires = "atlas")]
    pub start: Option<i64>,
    /// With --atlas: results up to this time (seconds since 1970, UTC).
    #[arg(long, value_name = "UNIX_SECS", requires = "atlas")]
    pub stop: Option<i64>,
    /// With --atlas: only these probes' results (ids, comma-separated).
    #[arg(long, value_name = "ID,...", value_delimiter = ',', requires = "atlas")]
    pub probes: Vec<u64>,
    /// Create a one-off RIPE Atlas traceroute to TARGET (needs RIPE_ATLAS_KEY, spends its
    /// credits), wait until it stops (up to 15 min) and annotate its results.
    #[arg(long, value_name = "TARGET")]
    pub atlas_create: Option<String>,
    /// With --atlas-create: where the probes are, as Atlas selects them: area:WW (the
    /// default; also West, North-Central, South-Central, North-East, South-East),
    /// country:SG, asn:3320, prefix:193.0.0.0/16, probes:ID,ID.
    #[arg(
        long,
        value_name = "TYPE:VALUE",
        default_value = "area:WW",
        requires = "atlas_create"
    )]
    pub atlas_from: String,
    /// With --atlas-create: probes to ask for, 1 to 500 [default: 5].
    #[arg(long = "atlas-limit", value_name = "N", requires = "atlas_create",
          value_parser = clap::value_parser!(u16).range(1..=500))]
    pub atlas_limit: Option<u16>,
    /// With --atlas-create: use IPv6 (the default is IPv4).
    #[arg(long = "atlas-ipv6", requires = "atlas_create")]
    pub atlas_ipv6: bool,
}

/// Which remote service to ask, and what.
#[derive(Debug, Clone, PartialEq)]
pub enum RemoteJob {
    Globalping(MeasurementSpec),
    AtlasResults(ResultsQuery),
    AtlasCreate(CreateSpec),
}

/// Everything a remote run needs: the request, then annotation as for a file of many traces.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteConfig {
    pub job: RemoteJob,
    pub annotate: AnnotateConfig,
}

impl RemoteArgs {
    /// The Globalping measurement for a validated trace `cfg`.
    pub(super) fn globalping(&self, cfg: Config) -> Result<RemoteConfig, String> {
        if cfg.batch.is_some() {
            return Err("--from-probes traces one TARGET (no -F, no second target)".into());
        }
        let locations: Vec<String> = self
            .from_probes
            .iter()
            .map(|l| l.trim().to_string())
            .collect();
        if let Some(bad) = locations
            .iter()
            .find(|l| l.is_empty() || l.len() > 200 || l.chars().any(char::is_control))
        {
            return Err(format!(
                "--from-probes location {bad:?} is empty or not text"
            ));
        }
        let mtr_packets = match cfg.probe.cycles {
            Some(1) => None,
            Some(n) if n <= u64::from(MAX_PACKETS) => Some(n as u8),
            _ => {
                return Err(format!(
                    "with --from-probes, -c is mtr's packets per hop: 2 to {MAX_PACKETS}"
                ))
            }
        };
        let limit = self
            .limit
            .unwrap_or(locations.len().min(usize::from(MAX_LIMIT)) as u16);
        let ip_version = match cfg.family {
            FamilyPreference::V4 => Some(4),
            FamilyPreference::V6 => Some(6),
            FamilyPreference::Any => None,
        };
        let spec = MeasurementSpec {
            target: cfg.target.trim().to_string(),
            locations,
            limit,
            mtr_packets,
            protocol: cfg.probe.protocol,
            port: cfg.probe.port,
            ip_version,
        };
        Ok(RemoteConfig {
            job: RemoteJob::Globalping(spec),
            annotate: AnnotateConfig {
                input: "Globalping".into(),
                input_format: None,
                bulk: false,
                dns: cfg.dns,
                dns_timeout: cfg.dns_timeout,
                output: cfg.output,
                geo: cfg.geo,
            },
        })
    }
}

impl AtlasArgs {
    /// True when `annotate` reads from RIPE Atlas rather than a file.
    pub fn used(&self) -> bool {
        self.atlas.is_some() || self.atlas_create.is_some()
    }

    /// The Atlas job; `annotate` is the rest of `annotate`'s settings.
    pub(super) fn job(&self, mut annotate: AnnotateConfig) -> Result<RemoteConfig, String> {
        if annotate.input != "-" {
            return Err("annotate takes a FILE or --atlas/--atlas-create, not both".into());
        }
        if annotate.bulk || annotate.input_format.is_some() {
            return Err("--bulk and --input-format do not apply to RIPE Atlas results".into());
        }
        let job = if let Some(id) = self.atlas {
            if let (Some(a), Some(b)) = (self.start, self.stop) {
                if a > b {
                    return Err(format!("--start {a} is after --stop {b}"));
                }
            }
            annotate.input = format!("RIPE Atlas measurement {id}");
            RemoteJob::AtlasResults(ResultsQuery {
                measurement: id,
                start: self.start,
                stop: self.stop,
                probes: self.probes.clone(),
            })
        } else {
            let target = self.atlas_create.clone().unwrap_or_default();
            let target = target.trim();
            if target.is_empty() || target.len() > 253 || target.chars().any(char::is_control) {
                return Err(format!(
                    "--atlas-create {target:?} is not a host name or address"
                ));
            }
            annotate.input = format!("RIPE Atlas traceroute to {target}");
            RemoteJob::AtlasCreate(CreateSpec {
                target: target.to_string(),
                af: if self.atlas_ipv6 { 6 } else { 4 },
                protocol: "ICMP",
                probes: ProbeSelection::parse(&self.atlas_from, self.atlas_limit.unwrap_or(5))?,
            })
        };
        Ok(RemoteConfig { job, annotate })
    }
}
