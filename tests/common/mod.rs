//! Shared support for the integration tests (`mod common;` in `tests/*.rs`).

pub mod geo_answers;
pub mod geo_files;
pub mod netns;
pub mod replay;
pub mod run;
pub mod tmux;
