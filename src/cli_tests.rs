//! Tests of the command line: defaults, ranges, conflicts, subcommands.
use super::*;
use crate::distance::Method;

fn parse(args: &[&str]) -> Result<Config, String> {
    let mut v = vec!["globetrace"];
    v.extend_from_slice(args);
    Cli::try_parse_from(v)
        .map_err(|e| e.to_string())
        .and_then(Cli::into_config)
}

#[test]
fn defaults_match_config_default() {
    let c = parse(&["192.0.2.1"]).unwrap();
    let d = Config::default();
    assert_eq!(c.probe, d.probe);
    assert_eq!(c.dns_timeout, d.dns_timeout);
    assert_eq!(c.output, d.output);
    assert_eq!(c.geo, d.geo);
}

#[test]
fn geo_options() {
    let c = parse(&[
        "--city-db",
        "a.mmdb",
        "--city-db",
        "b.mmdb",
        "--from",
        "51.5,-0.12",
        "--units",
        "km",
        "--haversine",
        "x",
    ])
    .unwrap();
    assert_eq!(
        c.geo.city_dbs,
        vec![PathBuf::from("a.mmdb"), PathBuf::from("b.mmdb")]
    );
    assert_eq!(c.geo.from, Some((51.5, -0.12)));
    assert_eq!((c.geo.units, c.geo.method), (Units::Km, Method::Haversine));
    assert!(parse(&["--from", "95,0", "x"]).is_err());
    assert!(parse(&["--units", "furlongs", "x"]).is_err());
    assert!(parse(&["--no-geo", "--city-db", "a", "x"]).is_err());
    assert!(!parse(&["--no-geo", "x"]).unwrap().geo.enabled);
}

#[test]
fn wait_spec_like_traceroute() {
    let c = parse(&["-w", "1.5,2,5", "x"]).unwrap();
    assert_eq!(c.probe.wait, Duration::from_millis(1500));
    assert_eq!((c.probe.here, c.probe.near), (2.0, 5.0));
    let c = parse(&["-w", "0.25", "x"]).unwrap();
    assert_eq!((c.probe.here, c.probe.near), (3.0, 10.0));
    let c = parse(&["-w", "1,0,0", "x"]).unwrap();
    assert!(c.probe.here.is_infinite());
    assert!(parse(&["-w", "0", "x"]).is_err());
    assert!(parse(&["-w", "nan", "x"]).is_err());
    assert!(parse(&["-w", "1,2,3,4", "x"]).is_err());
}

#[test]
fn ranges_and_conflicts_are_usage_errors() {
    assert!(parse(&["-m", "0", "x"]).is_err());
    assert!(parse(&["-m", "256", "x"]).is_err());
    assert!(parse(&["-q", "11", "x"]).is_err());
    assert!(parse(&["-f", "10", "-m", "5", "x"]).is_err());
    assert!(parse(&["-U", "-T", "x"]).is_err());
    assert!(parse(&["-4", "-6", "x"]).is_err());
    assert!(parse(&["-p", "80", "x"]).is_err(), "port without -U/-T");
    assert!(parse(&["-T", "-p", "0", "x"]).is_err());
    assert!(parse(&["-4", "-s", "2001:db8::1", "x"]).is_err());
    assert!(parse(&[]).is_err());
}

#[test]
fn annotate_subcommand() {
    let job = Cli::try_parse_from([
        "globetrace",
        "annotate",
        "-n",
        "saved.txt",
        "--format",
        "csv",
    ])
    .unwrap()
    .into_job(&Settings::default())
    .unwrap();
    let Job::Annotate(a) = job else {
        panic!("{job:?}")
    };
    assert_eq!(a.input, "saved.txt");
    assert!(!a.dns);
    assert_eq!(a.output.format, Format::Csv);
    let job = Cli::try_parse_from(["globetrace", "annotate"])
        .unwrap()
        .into_job(&Settings::default())
        .unwrap();
    assert!(matches!(job, Job::Annotate(AnnotateConfig { ref input, .. }) if input == "-"));
    // After a trace option, `annotate` is a host name, not the subcommand.
    let job = Cli::try_parse_from(["globetrace", "-T", "annotate"])
        .unwrap()
        .into_job(&Settings::default());
    assert!(
        matches!(job, Ok(Job::Trace(ref c)) if c.target == "annotate"),
        "{job:?}"
    );
}

#[test]
fn protocols_and_ports() {
    let c = parse(&["-T", "-p", "443", "x"]).unwrap();
    assert_eq!(c.probe.protocol, Protocol::Tcp);
    assert_eq!(c.probe.effective_port(), Some(443));
    let c = parse(&["-U", "x"]).unwrap();
    assert_eq!(c.probe.effective_port(), Some(33434));
    assert_eq!(
        parse(&["-T", "x"]).unwrap().probe.effective_port(),
        Some(80)
    );
}

#[test]
fn config_flags_work_before_a_subcommand() {
    let os = |v: &[&str]| v.iter().map(std::ffi::OsString::from).collect::<Vec<_>>();
    let hoisted = crate::config::hoist_flags(os(&[
        "globetrace",
        "--config",
        "c.toml",
        "data",
        "--no-config",
    ]));
    assert_eq!(
        hoisted,
        os(&["globetrace", "data", "--config", "c.toml", "--no-config"])
    );
    let cli = Cli::try_parse_from(crate::config::hoist_flags(os(&[
        "globetrace",
        "--no-config",
        "man",
    ])))
    .unwrap();
    assert!(matches!(cli.command, Some(Command::Man)));
    let cli = Cli::try_parse_from(crate::config::hoist_flags(os(&[
        "globetrace",
        "--config=x.toml",
        "data",
    ])))
    .unwrap();
    assert_eq!(cli.config_choice(), Choice::File("x.toml".into()));
    // After `--` nothing moves.
    let kept = os(&["globetrace", "-n", "--", "--no-config"]);
    assert_eq!(crate::config::hoist_flags(kept.clone()), kept);
    let cli = Cli::try_parse_from(os(&["globetrace", "192.0.2.1", "--no-config"])).unwrap();
    assert_eq!(cli.config_choice(), Choice::None);
}

#[test]
fn the_config_file_fills_what_flags_leave_unset() {
    let file = Settings {
        from: Some((51.5, -0.12)),
        units: Some(Units::Km),
        protocol: Some(Protocol::Udp),
        city_db: vec!["/f/city.mmdb".into()],
        ..Settings::default()
    };
    let job = |args: &[&str]| {
        let mut v = vec!["globetrace"];
        v.extend_from_slice(args);
        match Cli::try_parse_from(v).unwrap().into_job(&file).unwrap() {
            Job::Trace(c) => c,
            other => panic!("{other:?}"),
        }
    };
    let c = job(&["192.0.2.1"]);
    assert_eq!(c.geo.from, Some((51.5, -0.12)));
    assert_eq!(c.geo.units, Units::Km);
    assert_eq!(c.probe.protocol, Protocol::Udp);
    assert_eq!(c.geo.city_dbs, [PathBuf::from("/f/city.mmdb")]);
    let c = job(&[
        "--units",
        "mi",
        "--from",
        "40.7,-74",
        "-I",
        "--city-db",
        "a.mmdb",
        "192.0.2.1",
    ]);
    assert_eq!(c.geo.from, Some((40.7, -74.0)));
    assert_eq!(c.geo.units, Units::Miles);
    assert_eq!(c.probe.protocol, Protocol::Icmp);
    assert_eq!(c.geo.city_dbs, [PathBuf::from("a.mmdb")]);
    let c = job(&["--no-geo", "192.0.2.1"]);
    assert!(!c.geo.enabled && c.geo.city_dbs.is_empty() && c.geo.from.is_none());
}

#[test]
fn several_targets_or_a_file_make_a_batch() {
    let c = parse(&["a.example", "b.example"]).unwrap();
    let b = c.batch.expect("a batch");
    assert_eq!(b.inline, vec!["a.example", "b.example"]);
    assert_eq!(c.probe.parallel, 1);
    let c = parse(&["-F", "-"]).unwrap();
    assert_eq!(c.batch.unwrap().file.as_deref(), Some("-"));
    let c = parse(&["-N", "8", "-F", "t.txt", "x"]).unwrap();
    assert_eq!(c.probe.parallel, 8);
    let c = parse(&["one.example"]).unwrap();
    assert!(c.batch.is_none());
    assert_eq!(c.probe.parallel, 16);
}

#[test]
fn cycles_default_to_one_probe_and_patient_waits() {
    let c = parse(&["-c", "10", "x"]).unwrap();
    assert_eq!(c.probe.cycles, Some(10));
    assert_eq!(c.probe.queries, 1);
    assert_eq!(c.probe.wait, Duration::from_secs(2));
    assert!(c.probe.here.is_infinite() && c.probe.near.is_infinite());
    let c = parse(&["-c", "0", "-q", "2", "-w", "1,2,3", "-i", "0.01", "x"]).unwrap();
    assert_eq!(c.probe.cycles, None);
    assert_eq!(c.probe.queries, 2);
    assert_eq!(c.probe.near, 3.0);
    assert_eq!(c.probe.interval, Duration::from_millis(10));
    let c = parse(&["x"]).unwrap();
    assert_eq!((c.probe.cycles, c.probe.queries), (Some(1), 3));
    assert!(parse(&["-i", "eth0", "x"])
        .unwrap_err()
        .contains("--interface"));
    assert!(parse(&["-i", "0.001", "x"]).is_err());
    assert!(parse(&["--rate", "0.5", "x"]).is_err());
    assert_eq!(parse(&["--rate", "0", "x"]).unwrap().probe.rate, None);
}

#[test]
fn multipath_options() {
    let c = parse(&["--multipath", "-U", "x"]).unwrap();
    assert_eq!(c.probe.multipath, Some(95));
    let c = parse(&["--mda", "--confidence", "99", "x"]).unwrap();
    assert_eq!(c.probe.multipath, Some(99));
    assert_eq!(parse(&["x"]).unwrap().probe.multipath, None);
    let e = parse(&["--multipath", "-c", "5", "x"]).unwrap_err();
    assert!(e.contains("--multipath") && e.contains("-c"), "{e}");
    let e = parse(&["--multipath", "--confidence", "90", "x"]).unwrap_err();
    assert!(e.contains("95 or 99"), "{e}");
    let c = parse(&["-U", "--source-port", "40000", "x"]).unwrap();
    assert_eq!(c.probe.source_port, Some(40000));
    let e = parse(&["--source-port", "40000", "x"]).unwrap_err();
    assert!(e.contains("--source-port"), "{e}");
    assert!(
        parse(&["-U", "--source-port", "80", "x"]).is_err(),
        "privileged ports"
    );
}
