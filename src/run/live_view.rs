//! The full-screen view of a monitoring run: a [`Watcher`] that publishes a [`View`] after each
//! cycle, and the person's keys turned into engine controls.
//!
//! The path in the view is rebuilt only when a new responder or a new name appears (places and
//! checks are computed once per responder, not once per cycle); the statistics are copied each
//! cycle, which is cheap (one entry per hop and responder).

use crate::aggregate::Aggregate;
use crate::monitor::{summary_path, Watcher};
use crate::path::{Enrichment, Path};
use crate::probe::engine::Control;
use crate::report::tui::{Header, UiCommand, View};
use crate::trace::Trace;
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Instant;
use tokio::sync::{mpsc, watch};

/// What the path was last built from: each hop's responders, and how many names were known.
type PathKey = (Vec<(u8, Vec<IpAddr>)>, usize);

/// Publishes a view per cycle on a watch channel the live view reads.
pub struct LiveView<'a> {
    template: Trace,
    enrich: Enrichment<'a>,
    header: Header,
    started: Instant,
    /// The statistics' cycle count at the last update: one more means a new pass, zero a reset.
    last_cycles: u64,
    built_from: Option<PathKey>,
    path: Path,
    frames: watch::Sender<View>,
}

impl<'a> LiveView<'a> {
    /// A watcher for a run of `template` with `header`'s figures, and the receiver for the view.
    /// `enrich.names` is ignored: names come with each update.
    pub fn new(
        template: Trace,
        header: Header,
        enrich: Enrichment<'a>,
    ) -> (LiveView<'a>, watch::Receiver<View>) {
        let enrich = Enrichment {
            names: None,
            ..enrich
        };
        let path = summary_path(&template, &Aggregate::new(), &enrich);
        let (frames, rx) = watch::channel(View {
            header: header.clone(),
            path: path.clone(),
            stats: Aggregate::new(),
        });
        let view = LiveView {
            template,
            enrich,
            header,
            started: Instant::now(),
            last_cycles: 0,
            built_from: None,
            path,
            frames,
        };
        (view, rx)
    }
}

impl Watcher for LiveView<'_> {
    fn update(&mut self, stats: &Aggregate, names: &HashMap<IpAddr, String>) {
        if stats.cycles == self.last_cycles + 1 {
            self.header.cycles_done += 1;
        }
        self.last_cycles = stats.cycles;
        self.header.elapsed = self.started.elapsed();
        let key: PathKey = (
            stats
                .hops()
                .map(|h| (h.ttl, h.responders.iter().map(|r| r.address).collect()))
                .collect(),
            names.len(),
        );
        // After a reset the statistics know no hop yet: keep showing the path seen so far.
        let after_reset = key.0.is_empty() && self.built_from.is_some();
        if self.built_from.as_ref() != Some(&key) && !after_reset {
            let enrich = Enrichment {
                names: Some(names),
                ..self.enrich
            };
            self.path = summary_path(&self.template, stats, &enrich);
            // The view reads its statistics from `stats`; the path's copy would only be stale.
            self.path.stats = None;
            self.built_from = Some(key);
        }
        self.frames.send_replace(View {
            header: self.header.clone(),
            path: self.path.clone(),
            stats: stats.clone(),
        });
    }
}

/// How the person ended the view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// `q`, or the terminal went away.
    Quit,
    /// Ctrl-C.
    Interrupt,
}

/// Pass the view's commands on: pause and quit to the engine, reset to the collector. Returns
/// when the view is gone, with how it ended.
pub async fn forward(
    mut commands: mpsc::UnboundedReceiver<UiCommand>,
    engine: mpsc::UnboundedSender<Control>,
    reset: mpsc::UnboundedSender<()>,
) -> Ending {
    let mut ending = Ending::Quit;
    while let Some(c) = commands.recv().await {
        match c {
            UiCommand::Pause(p) => {
                let _ = engine.send(Control::Pause(p));
            }
            UiCommand::Reset => {
                let _ = reset.send(());
            }
            UiCommand::Quit | UiCommand::Interrupt => {
                if c == UiCommand::Interrupt {
                    ending = Ending::Interrupt;
                }
                let _ = engine.send(Control::Quit);
            }
        }
    }
    // The view dropped its sender: it is closed. Stop the engine if it still runs.
    let _ = engine.send(Control::Quit);
    ending
}
