//! Sending probes and matching replies.
pub mod packet;
pub mod recv;
pub mod schedule;
pub mod socket;
