pub mod probe;
pub mod trace;
