//! globetrace: a geo-annotated traceroute.
//!
//! Data flows one way: `probe` (or `import`) makes a [`trace::Trace`], enrichment turns it into
//! a [`path::Path`], and `report` renders that.

pub mod aggregate;
pub mod bulk;
pub mod cli;
pub mod config;
pub mod data_status;
#[cfg(test)]
pub(crate) mod diamonds;
pub mod distance;
pub mod dns;
pub mod geo;
pub mod hints;
pub mod import;
pub mod locate;
pub mod manual;
pub mod many;
pub mod monitor;
pub mod multipath;
pub mod path;
pub mod probe;
pub mod remote;
pub mod report;
pub mod run;
pub mod text;
pub mod trace;
