//! `mtr --raw`: mtr's record of every probe, one event per line (mtr-raw(8)).
//!
//! ```text
//! x 0 33000          probe 33000 sent at position 0 (TTL 1)
//! h 0 192.0.2.1      position 0 is answered by 192.0.2.1
//! d 0 gw.example     ... whose name is gw.example
//! p 0 530 33000      probe 33000 came back after 530 µs
//! ```
//!
//! Unlike mtr's summaries this keeps each probe: every `x` is a probe sent, every `p` its reply
//! from the host last named at that position, with its own RTT. mtr probes past the destination
//! before it knows where the path ends, so positions after the first one the destination answered
//! are cut, as mtr's own report does.

use super::common::{clip, host_name, parse_addr, Line, Parsed};
use super::WarningReason;
use crate::trace::{Hop, Reply, ReplyKind};
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

/// The most probes kept for one hop (as for `mtr --report`).
const MAX_PROBES: usize = super::mtr::MAX_PROBES;

/// Reads `mtr --raw` output.
pub(super) fn parse(lines: &[Line<'_>]) -> Parsed {
    let mut parsed = Parsed::default();
    // Per position: the current host and name, the probes in sending order (by sequence).
    let mut hosts: HashMap<u8, (IpAddr, Option<String>)> = HashMap::new();
    let mut hops: Vec<Hop> = Vec::new();
    let mut slots: HashMap<(u8, u32), usize> = HashMap::new();
    for line in lines {
        if line.is_blank_or_comment() {
            continue;
        }
        let tokens: Vec<&str> = line.text.split_whitespace().collect();
        let (Some(&kind), Some(pos)) = (
            tokens.first(),
            tokens.get(1).and_then(|p| p.parse::<u8>().ok()),
        ) else {
            parsed.warn(line, WarningReason::Unrecognized);
            continue;
        };
        let Some(ttl) = pos.checked_add(1) else {
            parsed.warn(line, WarningReason::TooManyHops);
            continue;
        };
        let hop = |hops: &mut Vec<Hop>| -> usize {
            while hops.len() < usize::from(ttl) {
                let next = u8::try_from(hops.len() + 1).unwrap_or(u8::MAX);
                hops.push(Hop::new(next));
            }
            usize::from(ttl) - 1
        };
        match (kind, tokens.len()) {
            ("x", 3) => {
                let Ok(seq) = tokens[2].parse::<u32>() else {
                    parsed.warn(line, WarningReason::Unrecognized);
                    continue;
                };
                parsed.saw_banner = true;
                let i = hop(&mut hops);
                if hops[i].probes.len() < MAX_PROBES {
                    slots.insert((pos, seq), hops[i].probes.len());
                    hops[i].probes.push(None);
                }
            }
            ("h", 3) => match parse_addr(tokens[2]) {
                Some(a) => {
                    parsed.saw_banner = true;
                    let name = hosts
                        .get(&pos)
                        .and_then(|h| h.1.clone())
                        .filter(|_| hosts.get(&pos).map(|h| h.0) == Some(a));
                    hosts.insert(pos, (a, name));
                }
                None => parsed.warn(line, WarningReason::BadAddress(clip(tokens[2]))),
            },
            ("d", 3) => {
                if let Some(h) = hosts.get_mut(&pos) {
                    h.1 = host_name(tokens[2], h.0);
                }
            }
            ("p", 4) => {
                let (Ok(usec), Ok(seq)) = (tokens[2].parse::<u64>(), tokens[3].parse::<u32>())
                else {
                    parsed.warn(line, WarningReason::Unrecognized);
                    continue;
                };
                let Some((address, name)) = hosts.get(&pos).cloned() else {
                    parsed.warn(line, WarningReason::RttWithoutResponder);
                    continue;
                };
                let i = hop(&mut hops);
                let slot = match slots.remove(&(pos, seq)) {
                    Some(s) => s,
                    // A reply whose `x` line is missing (older mtr prints none): a probe too.
                    None if hops[i].probes.len() < MAX_PROBES => {
                        hops[i].probes.push(None);
                        hops[i].probes.len() - 1
                    }
                    None => continue,
                };
                let mut reply = Reply::new(
                    address,
                    Some(Duration::from_micros(usec.min(3_600_000_000))),
                    ReplyKind::Unknown,
                );
                reply.hostname = name;
                hops[i].probes[slot] = Some(reply);
            }
            _ => parsed.warn(line, WarningReason::Unrecognized),
        }
    }
    cut_past_destination(&mut hops);
    parsed.hops = hops;
    parsed
}

/// Cuts the hops after the first one answered by the last responder (the destination): the
/// probes mtr sent past it before it knew where the path ends.
fn cut_past_destination(hops: &mut Vec<Hop>) {
    let Some(end) = hops
        .iter()
        .rev()
        .find_map(|h| h.responders().first().copied())
    else {
        return;
    };
    if let Some(first) = hops.iter().position(|h| h.responders().contains(&end)) {
        hops.truncate(first + 1);
    }
}
