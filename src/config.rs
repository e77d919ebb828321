//! The config file: defaults a person sets once (their own position, units, databases,
//! protocol), read from `$XDG_CONFIG_HOME/globetrace/config.toml` (else
//! `~/.config/globetrace/config.toml`), or the file `--config` names; `--no-config` skips it.
//!
//! Why it looks like this:
//! - **Flags win.** The file only fills what the command line left unset; [`crate::cli`] does
//!   the merging, so this module knows nothing of clap.
//! - **One line per key.** A key is a field of [`Settings`]; serde reads it, and a value that
//!   needs checking goes through the same parser as its flag (`FromStr`). Adding a key is a
//!   line in the struct (and where `cli` uses it).
//! - **A bad file is one line naming the file and the key.** Each key is read on its own, so
//!   the error belongs to that key; a syntax error names its line. Unknown keys are errors
//!   (a typo must not be silently ignored).
//! - **Paths are relative to the file.** `city_db = ["GeoLite2-City.mmdb"]` next to the
//!   config means that file, wherever globetrace is run from; `~/` is the home directory.

use crate::distance::Units;
use crate::trace::Protocol;
use serde::{Deserialize, Deserializer};
use std::ffi::OsString;
use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// What the config file may set. Every field is optional; unknown keys are errors.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Your own position, `"LAT,LON"` or `[LAT, LON]` (`--from`).
    #[serde(default, deserialize_with = "lat_lon")]
    pub from: Option<(f64, f64)>,
    /// `"mi"` or `"km"` (`--units`).
    #[serde(default, deserialize_with = "parsed")]
    pub units: Option<Units>,
    /// City/country databases (`--city-db`).
    #[serde(default)]
    pub city_db: Vec<PathBuf>,
    /// ASN/ISP databases (`--asn-db`).
    #[serde(default)]
    pub asn_db: Vec<PathBuf>,
    /// Geofeeds, RFC 8805 CSV (`--geofeed`).
    #[serde(default)]
    pub geofeed: Vec<PathBuf>,
    /// Location override files (`--overrides`).
    #[serde(default)]
    pub overrides: Vec<PathBuf>,
    /// `"icmp"`, `"udp"` or `"tcp"` (`-I`, `-U`, `-T`).
    #[serde(default)]
    pub protocol: Option<Protocol>,
}

impl Settings {
    /// Makes relative paths relative to `dir` (the config file's directory) and expands `~/`.
    fn resolve_paths(&mut self, dir: &Path, home: Option<&Path>) {
        let fix = |p: &mut PathBuf| {
            if let (Ok(rest), Some(home)) = (p.strip_prefix("~"), home) {
                *p = home.join(rest);
            } else if p.is_relative() {
                *p = dir.join(&*p);
            }
        };
        for list in [
            &mut self.city_db,
            &mut self.asn_db,
            &mut self.geofeed,
            &mut self.overrides,
        ] {
            list.iter_mut().for_each(fix);
        }
    }
}

/// Which config file to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// The default location; a missing file is no error.
    Default,
    /// `--config FILE`; it must exist.
    File(PathBuf),
    /// `--no-config`.
    None,
}

/// Why a config file cannot be used. Each names the file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {} line {line}: {message}", path.display())]
    Syntax {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("config file {}: key `{key}`: {message}", path.display())]
    Key {
        path: PathBuf,
        key: String,
        message: String,
    },
}

impl ConfigError {
    /// True when the file exists but this user may not read it (e.g. a run as another user
    /// that kept `HOME`): for the default file that is a warning, not a reason to stop.
    pub fn is_unreadable(&self) -> bool {
        matches!(self, ConfigError::Read { source, .. }
            if source.kind() == std::io::ErrorKind::PermissionDenied)
    }
}

/// The default config file: `$XDG_CONFIG_HOME/globetrace/config.toml`, else
/// `~/.config/globetrace/config.toml`; `None` when neither can be named.
pub fn default_path() -> Option<PathBuf> {
    default_path_with(|var| std::env::var_os(var))
}

fn default_path_with(env: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    // Relative values are ignored, as the XDG base directory spec asks.
    let absolute = |var: &str| env(var).map(PathBuf::from).filter(|p| p.is_absolute());
    absolute("XDG_CONFIG_HOME")
        .or_else(|| absolute("HOME").map(|home| home.join(".config")))
        .map(|base| base.join("globetrace").join("config.toml"))
}

/// Moves `--config FILE` and `--no-config` to the end of the arguments (before a `--`), so
/// that they work before a subcommand too: clap takes any option given before a word as a
/// trace option and the word as the trace's target (`globetrace --no-config data` would trace
/// a host called `data`). Both are global, so at the end they apply to whatever runs.
pub fn hoist_flags<I: IntoIterator<Item = std::ffi::OsString>>(args: I) -> Vec<std::ffi::OsString> {
    let mut rest = Vec::new();
    let mut hoisted = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--") => {
                hoisted.push(arg);
                hoisted.extend(args.by_ref());
                break;
            }
            Some("--no-config") => hoisted.push(arg),
            Some(a) if a.starts_with("--config=") => hoisted.push(arg),
            Some("--config") => {
                hoisted.push(arg);
                hoisted.extend(args.next());
            }
            _ => rest.push(arg),
        }
    }
    // `--` and what follows it stay last.
    let split = hoisted
        .iter()
        .position(|a| a == "--")
        .unwrap_or(hoisted.len());
    let tail = hoisted.split_off(split);
    rest.extend(hoisted);
    rest.extend(tail);
    rest
}

/// Reads the chosen config file; the default one may be missing.
pub fn load(choice: &Choice) -> Result<Settings, ConfigError> {
    let (path, required) = match choice {
        Choice::None => return Ok(Settings::default()),
        Choice::File(path) => (path.clone(), true),
        Choice::Default => match default_path() {
            Some(path) => (path, false),
            None => return Ok(Settings::default()),
        },
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Settings::default())
        }
        Err(source) => return Err(ConfigError::Read { path, source }),
    };
    let mut settings = parse(&path, &text)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let home = std::env::var_os("HOME").map(PathBuf::from);
    settings.resolve_paths(dir, home.as_deref());
    Ok(settings)
}

/// Parses the text of `path` (paths are left as written).
pub fn parse(path: &Path, text: &str) -> Result<Settings, ConfigError> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
            .unwrap_or(1);
        ConfigError::Syntax {
            path: path.to_owned(),
            line,
            message: first_line(e.message()),
        }
    })?;
    // Each key on its own first, so that an error names the key it belongs to.
    for (key, value) in &table {
        let single = toml::Table::from_iter([(key.clone(), value.clone())]);
        if let Err(e) = toml::Value::Table(single).try_into::<Settings>() {
            return Err(ConfigError::Key {
                path: path.to_owned(),
                key: key.clone(),
                message: first_line(e.message()),
            });
        }
    }
    toml::Value::Table(table)
        .try_into::<Settings>()
        .map_err(|e| ConfigError::Syntax {
            path: path.to_owned(),
            line: 1,
            message: first_line(e.message()),
        })
}

fn first_line(message: &str) -> String {
    message
        .lines()
        .next()
        .unwrap_or("invalid value")
        .trim()
        .to_string()
}

/// A value read as a string and checked by the same parser as its flag.
fn parsed<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: Display,
{
    let s = String::deserialize(d)?;
    s.parse().map(Some).map_err(serde::de::Error::custom)
}

/// `"51.5,-0.12"` or `[51.5, -0.12]`, checked like `--from`.
fn lat_lon<'de, D: Deserializer<'de>>(d: D) -> Result<Option<(f64, f64)>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Form {
        Text(String),
        Pair([f64; 2]),
    }
    let text = match Form::deserialize(d)
        .map_err(|_| serde::de::Error::custom("expected \"LAT,LON\" or [LAT, LON]"))?
    {
        Form::Text(s) => s,
        Form::Pair([lat, lon]) => format!("{lat},{lon}"),
    };
    crate::distance::parse_lat_lon(&text)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> &'static Path {
        Path::new("/home/u/.config/globetrace/config.toml")
    }

    #[test]
    fn every_key_is_read() {
        let s = parse(
            file(),
            "from = \"51.5,-0.12\"\nunits = \"km\"\nprotocol = \"udp\"\n\
             city_db = [\"a.mmdb\", \"/abs/b.mmdb\"]\nasn_db = [\"~/asn.mmdb\"]\n\
             geofeed = [\"feed.csv\"]\noverrides = [\"mine.csv\"]\n",
        )
        .unwrap();
        assert_eq!(s.from, Some((51.5, -0.12)));
        assert_eq!(s.units, Some(Units::Km));
        assert_eq!(s.protocol, Some(Protocol::Udp));
        let mut s = s;
        s.resolve_paths(
            Path::new("/home/u/.config/globetrace"),
            Some(Path::new("/home/u")),
        );
        assert_eq!(
            s.city_db,
            [
                PathBuf::from("/home/u/.config/globetrace/a.mmdb"),
                PathBuf::from("/abs/b.mmdb")
            ]
        );
        assert_eq!(s.asn_db, [PathBuf::from("/home/u/asn.mmdb")]);
        assert_eq!(
            s.geofeed,
            [PathBuf::from("/home/u/.config/globetrace/feed.csv")]
        );
        assert_eq!(
            parse(file(), "from = [40.7, -74.0]").unwrap().from,
            Some((40.7, -74.0))
        );
        assert_eq!(parse(file(), "# nothing\n").unwrap(), Settings::default());
    }

    #[test]
    fn a_bad_file_is_one_line_naming_the_file_and_the_key() {
        let cases = [
            ("units = \"furlongs\"", "key `units`"),
            ("from = \"91,0\"", "key `from`"),
            ("from = 3", "key `from`"),
            ("protocol = \"sctp\"", "key `protocol`"),
            ("city_db = \"one.mmdb\"", "key `city_db`"),
            ("units = \"km\"\nrate = 5", "key `rate`"),
            ("units = \"km\"\nunits = = \"mi\"", "line 2"),
        ];
        for (text, expected) in cases {
            let err = parse(file(), text).unwrap_err().to_string();
            assert!(err.contains(expected), "{text:?}: {err}");
            assert!(
                err.contains("/home/u/.config/globetrace/config.toml"),
                "{err}"
            );
            assert!(!err.contains('\n'), "{text:?}: more than one line: {err}");
        }
    }

    #[test]
    fn the_default_file_follows_xdg() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |var: &str| {
                vars.iter()
                    .find(|(k, _)| *k == var)
                    .map(|(_, v)| OsString::from(v))
            }
        };
        assert_eq!(
            default_path_with(env(&[("XDG_CONFIG_HOME", "/x"), ("HOME", "/h")])),
            Some(PathBuf::from("/x/globetrace/config.toml"))
        );
        assert_eq!(
            default_path_with(env(&[("XDG_CONFIG_HOME", "rel"), ("HOME", "/h")])),
            Some(PathBuf::from("/h/.config/globetrace/config.toml"))
        );
        assert_eq!(default_path_with(env(&[])), None);
    }

    #[test]
    fn a_missing_default_file_is_fine_a_missing_named_one_is_not() {
        let missing = std::env::temp_dir().join("globetrace-no-such-config.toml");
        let err = load(&Choice::File(missing.clone())).unwrap_err();
        assert!(err.to_string().contains("globetrace-no-such-config.toml"));
        assert_eq!(load(&Choice::None).unwrap(), Settings::default());
    }
}
