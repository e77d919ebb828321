//! Sending probes and matching replies.
pub mod packet;
