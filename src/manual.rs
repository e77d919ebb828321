//! Shell completions and the manual page, generated from the clap definitions in [`crate::cli`].
//!
//! Why generated: an option added to `cli` shows up in `--help`, the completions and the man
//! page at once; a hand-written page would drift. What clap cannot know (the config file, the
//! environment, exit codes, files) is written here once, in roff.

use crate::cli::Cli;
use clap::CommandFactory;
use std::io::{self, Write};

/// Writes the completion script for `shell`.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "globetrace", out);
}

/// Sections clap does not generate: the config file, files, environment, exit status.
const EXTRA: &str = r#".SH "CONFIG FILE"
Defaults a person sets once are read from
.I $XDG_CONFIG_HOME/globetrace/config.toml
(else
.IR ~/.config/globetrace/config.toml ),
or from the file
.B \-\-config
names;
.B \-\-no\-config
reads none. Options given on the command line win. Keys (all optional; an unknown key is an
error): \fBfrom\fR ("LAT,LON" or [LAT, LON]), \fBunits\fR ("mi" or "km"), \fBprotocol\fR
("icmp", "udp" or "tcp"), and the lists of paths \fBcity_db\fR, \fBasn_db\fR, \fBgeofeed\fR and
\fBoverrides\fR (relative paths are relative to the config file; ~/ is the home directory).
A bad file stops globetrace with one line naming the file and the key, and exit status 2.
.PP
.nf
from = "51.5072,\-0.1276"
units = "km"
protocol = "icmp"
city_db = ["~/geoip/GeoLite2\-City.mmdb"]
.fi
.SH FILES
.TP
.I ~/.cache/globetrace/
The shipped geo data (built into the binary, compressed) is unpacked here once, on first use
(\fI$XDG_CACHE_HOME/globetrace/\fR when that is set).
.SH ENVIRONMENT
.TP
.B GLOBETRACE_DATA_DIR
Use the geo data directory (a \fIgeodata.manifest\fR and its packed files) here instead of the
copy built into the binary.
.TP
.B XDG_CONFIG_HOME, XDG_CACHE_HOME, HOME
Where the config file and the cache are.
.TP
.B GLOBALPING_TOKEN
A Globalping API token for \fB\-\-from\-probes\fR (higher hourly limits); sent as a bearer token
to api.globalping.io, never printed.
.TP
.B RIPE_ATLAS_KEY
A RIPE Atlas API key: needed by \fBannotate \-\-atlas\-create\fR, sent to atlas.ripe.net when set.
.TP
.B GLOBETRACE_GLOBALPING_URL, GLOBETRACE_ATLAS_URL
Other base URLs for the two services (a mirror, a proxy, or a test server).
.TP
.B GLOBETRACE_HTTP_TIMEOUT
Seconds allowed for one request to a remote service (default 30).
.TP
.B HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY
The proxy for requests to remote services.
.SH "EXIT STATUS"
0 the trace finished (whether or not the destination answered), 1 runtime error, 2 usage
error (a bad option, an unknown host, a bad config file), 130 interrupted.
.SH "SEE ALSO"
.BR traceroute (8),
.BR mtr (8),
.BR scamper (1)
"#;

/// Writes the man page: the main command, then the options of each subcommand, then
/// [`EXTRA`].
pub fn man_page(out: &mut dyn Write) -> io::Result<()> {
    let cmd = Cli::command();
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut page)?;
    for sub in cmd.get_subcommands() {
        if sub.get_arguments().all(|a| a.is_hide_set()) {
            continue;
        }
        let name = format!("{} {}", cmd.get_name(), sub.get_name());
        let mut section = Vec::new();
        clap_mangen::Man::new(sub.clone()).render_options_section(&mut section)?;
        let text = String::from_utf8_lossy(&section).replace(
            ".SH OPTIONS",
            &format!(".SH \"{} OPTIONS\"", name.to_uppercase()),
        );
        page.extend_from_slice(text.as_bytes());
    }
    page.extend_from_slice(EXTRA.as_bytes());
    out.write_all(&page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_man_page_has_every_option_of_every_command() {
        let mut page = Vec::new();
        man_page(&mut page).unwrap();
        let page = String::from_utf8(page).unwrap();
        let cmd = Cli::command();
        let commands = std::iter::once(&cmd).chain(cmd.get_subcommands());
        for c in commands {
            for arg in c.get_arguments().filter(|a| !a.is_hide_set()) {
                if let Some(long) = arg.get_long() {
                    // roff escapes the dashes: `\-\-max\-hops`.
                    let escaped = format!("\\-\\-{}", long.replace('-', "\\-"));
                    assert!(page.contains(&escaped), "{} --{long} missing", c.get_name());
                }
            }
        }
        assert!(page.contains(".SH \"GLOBETRACE ANNOTATE OPTIONS\""));
        assert!(page.contains(".SH \"CONFIG FILE\""));
    }
}
