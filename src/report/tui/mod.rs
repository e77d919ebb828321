//! The full-screen live view of a path probed over and over (`-c N` on a terminal): the hop
//! table with mtr's statistics, where each hop is and who runs it, and a world map of the path.
//!
//! Why two halves: [`draw`] is a pure function of what is known ([`View`]: the header, the
//! enriched [`Path`](crate::path::Path) and the [`Aggregate`](crate::aggregate::Aggregate)) and
//! of what the person asked to see ([`UiState`]), so it is tested on ratatui's in-memory
//! backend, figure by figure, at any terminal size. [`run`] owns the terminal: raw mode and the
//! alternate screen (restored on every way out, panics included), keys, resizes, and a redraw
//! whenever the engine publishes a new view. It sleeps in the kernel between those: nothing
//! polls, so an idle view costs no CPU.
//!
//! The view knows nothing of probing: the engine publishes a [`View`] on a
//! `tokio::sync::watch` channel after each cycle and reads the person's [`UiCommand`]s from an
//! unbounded channel.

mod draw;
mod help;
mod keys;
mod map;
mod rows;
mod term;

#[cfg(test)]
mod tests;

pub use draw::draw;
pub use keys::on_key;
pub use term::run;

use crate::aggregate::Aggregate;
use crate::path::Path;
use std::net::IpAddr;
use std::time::Duration;

/// What the header line says.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// The target as the user wrote it.
    pub target: String,
    /// The address probed.
    pub address: IpAddr,
    /// The local source address, when known.
    pub source: Option<IpAddr>,
    /// `icmp`, `udp`, `tcp`.
    pub protocol: String,
    /// Cycles finished.
    pub cycles_done: u64,
    /// Cycles asked for; `None` runs until `q`.
    pub cycles_total: Option<u64>,
    /// Time since the first cycle started.
    pub elapsed: Duration,
    /// Whether the engine was paused when it published this view.
    pub paused: bool,
    /// Time between the starts of two cycles.
    pub interval: Duration,
}

/// Everything the view shows, published by the engine after each cycle.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    pub header: Header,
    /// The enriched path: names, places, networks (statistics come from `stats`).
    pub path: Path,
    /// The statistics over all cycles since the start or the last reset.
    pub stats: Aggregate,
}

/// What the person chose to see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DisplayMode {
    /// The table, with the map under or beside it when there is room.
    #[default]
    Both,
    /// Only the hop table.
    Table,
    /// Only the map.
    Map,
}

impl DisplayMode {
    /// The next mode for the `d` key.
    pub fn next(self) -> DisplayMode {
        match self {
            DisplayMode::Both => DisplayMode::Table,
            DisplayMode::Table => DisplayMode::Map,
            DisplayMode::Map => DisplayMode::Both,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            DisplayMode::Both => "table+map",
            DisplayMode::Table => "table",
            DisplayMode::Map => "map",
        }
    }
}

/// The view's own state: what to show, and the pause the person asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UiState {
    pub mode: DisplayMode,
    /// The help overlay is open.
    pub help: bool,
    /// The person paused the run (shown at once, before the engine's next view).
    pub paused: bool,
    /// The engine published its last view (the run is over; `q` leaves).
    pub finished: bool,
}

/// What the person asked the engine to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UiCommand {
    /// `q`: stop and leave (exit 0).
    Quit,
    /// Ctrl-C (raw mode turns it into a key, not SIGINT): stop and leave as interrupted.
    Interrupt,
    /// `p`: pause (`true`) or resume (`false`) probing.
    Pause(bool),
    /// `r`: forget the statistics so far.
    Reset,
}
