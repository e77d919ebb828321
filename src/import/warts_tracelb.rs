//! scamper's warts `tracelb` object (type 8), read into [`Lb`] for [`super::tracelb`].
//!
//! The object (warts(5), scamper's `scamper_tracelb_warts.c`) is the trace's parameter block,
//! then `nodec` node blocks (the address each node answered from), then `linkc` links: each a
//! block naming the nodes it joins by index (no `to` when it ends in silence) and how many TTLs
//! it crosses, then per TTL a probe set (a count, then each probe: sending time, flow id, TTL,
//! attempt, reply count, then its replies: receiving time, reply TTL, ICMP type and code or TCP
//! flags, ICMP extensions, the address). Unlike the JSON, every probe is kept, answered or not.
//! Parameter blocks are read up to the last field needed and the rest skipped by their length,
//! as for trace objects; every count is bounded by the bytes left.

use super::scamper::kind_of;
use super::tracelb::{protocol_of, rtt_micros, Lb, LbLink, LbProbe, Step};
use super::warts::{extensions, Bytes};
use crate::trace::Reply;

/// A reply flag: the reply TTL is present.
const REPLY_FLAG_TTL: u8 = 0x01;
/// A reply flag: the reply is TCP (its flags are in parameter 6).
const REPLY_FLAG_TCP: u8 = 0x02;

/// The tracelb in `b`, with the list and cycle ids it names.
pub(super) fn read(mut b: Bytes) -> Result<(Lb, Option<u32>, Option<u32>), String> {
    let mut table = Vec::new();
    let (flags, mut p) = b.params()?;
    let mut lb = Lb {
        firsthop: 1,
        attempts: 1,
        ..Lb::default()
    };
    let (mut list, mut cycle, mut nodec, mut linkc) = (None, None, 0u16, 0u16);
    let mut method = "";
    for flag in 1..=22 {
        if !flags.has(flag) {
            continue;
        }
        match flag {
            1 => list = Some(p.u32()?),
            2 => cycle = Some(p.u32()?),
            3 | 4 => return Err("addresses in the old global table; not read".into()),
            5 => {
                lb.start = Some(i64::from(p.u32()?));
                p.skip(4)?;
            }
            7 => lb.dport = Some(p.u16()?),
            9 => {
                method = match p.u8()? {
                    1 => "udp-dport",
                    2 => "icmp-echo",
                    3 => "udp-sport",
                    4 => "tcp-sport",
                    5 => "tcp-ack-sport",
                    _ => "",
                }
            }
            10 => lb.firsthop = p.u8()?,
            11 => lb.wait_secs = f64::from(p.u8()?),
            13 => lb.attempts = p.u8()?,
            14 => lb.confidence = p.u8()?,
            16 => nodec = p.u16()?,
            17 => linkc = p.u16()?,
            18 => lb.probes_sent = u64::from(p.u32()?),
            19 => p.skip(4)?,
            21 => lb.src = p.address(&mut table)?,
            22 => lb.dst = p.address(&mut table)?,
            6 | 8 => p.skip(2)?,
            _ => p.skip(1)?,
        }
    }
    lb.protocol = protocol_of(method);
    lb.nodes.reserve(usize::from(nodec).min(b.rest()));
    for _ in 0..nodec {
        let (flags, mut p) = b.params()?;
        let mut addr = None;
        for flag in 1..=5 {
            if !flags.has(flag) {
                continue;
            }
            match flag {
                1 => return Err("addresses in the old global table; not read".into()),
                3 => p.skip(2)?,
                5 => addr = p.address(&mut table)?,
                _ => p.skip(1)?,
            }
        }
        lb.nodes
            .push(addr.ok_or("a tracelb node without a usable address")?);
    }
    lb.links.reserve(usize::from(linkc).min(b.rest()));
    for _ in 0..linkc {
        lb.links.push(link(&mut b, &mut table, lb.nodes.len())?);
    }
    Ok((lb, list, cycle))
}

fn link(
    b: &mut Bytes,
    table: &mut Vec<Option<std::net::IpAddr>>,
    nodes: usize,
) -> Result<LbLink, String> {
    let (flags, mut p) = b.params()?;
    let (mut from, mut to, mut hopc) = (None, None, 0u8);
    for flag in 1..=3 {
        if flags.has(flag) {
            match flag {
                1 => from = Some(usize::from(p.u16()?)),
                2 => to = Some(usize::from(p.u16()?)),
                _ => hopc = p.u8()?,
            }
        }
    }
    let from = from
        .filter(|&f| f < nodes)
        .ok_or("a tracelb link from no node")?;
    if to.is_some_and(|t| t >= nodes) {
        return Err("a tracelb link to no node".into());
    }
    let mut steps = Vec::with_capacity(usize::from(hopc));
    for _ in 0..hopc {
        let (flags, mut p) = b.params()?;
        let probec = if flags.has(1) { p.u16()? } else { 0 };
        let mut step = Step::default();
        step.probes.reserve(usize::from(probec).min(b.rest()));
        for _ in 0..probec {
            let probe = probe(b, table)?;
            step.silent |= probe.replies.is_empty();
            step.probes.push(probe);
        }
        steps.push(step);
    }
    Ok(LbLink { from, to, steps })
}

fn probe(b: &mut Bytes, table: &mut Vec<Option<std::net::IpAddr>>) -> Result<LbProbe, String> {
    let (flags, mut p) = b.params()?;
    let (mut tx, mut flow, mut ttl, mut rxc) = (0u64, 0u16, 0u8, 0u16);
    for flag in 1..=5 {
        if !flags.has(flag) {
            continue;
        }
        match flag {
            1 => tx = micros(&mut p)?,
            2 => flow = p.u16()?,
            3 => ttl = p.u8()?,
            4 => p.skip(1)?,
            _ => rxc = p.u16()?,
        }
    }
    let mut replies = Vec::with_capacity(usize::from(rxc).min(b.rest()));
    for _ in 0..rxc {
        if let Some(r) = reply(b, table, tx)? {
            replies.push(r);
        }
    }
    Ok(LbProbe {
        tx,
        flow,
        ttl,
        replies,
    })
}

/// One reply; `None` if it has no usable address.
fn reply(
    b: &mut Bytes,
    table: &mut Vec<Option<std::net::IpAddr>>,
    tx: u64,
) -> Result<Option<Reply>, String> {
    let (flags, mut p) = b.params()?;
    let (mut rx, mut reply_ttl, mut rflags, mut icmp, mut tcp) = (None, None, 0u8, None, None);
    let (mut mpls, mut addr) = (Vec::new(), None);
    for flag in 1..=11 {
        if !flags.has(flag) {
            continue;
        }
        match flag {
            1 => rx = Some(micros(&mut p)?),
            2 => p.skip(2)?,
            3 => reply_ttl = Some(p.u8()?),
            4 => rflags = p.u8()?,
            5 => icmp = Some((p.u8()?, p.u8()?)),
            6 => tcp = Some(p.u8()?),
            7 => mpls = extensions(&mut p)?,
            10 => return Err("addresses in the old global table; not read".into()),
            11 => addr = p.address(table)?,
            _ => p.skip(1)?,
        }
    }
    let Some(addr) = addr else { return Ok(None) };
    let tcp = tcp.or((rflags & REPLY_FLAG_TCP != 0).then_some(0));
    let mut reply = Reply::new(
        addr,
        rx.and_then(|rx| rtt_micros(tx, rx)),
        kind_of(tcp, icmp, addr),
    );
    reply.reply_ttl = reply_ttl.filter(|_| rflags & REPLY_FLAG_TTL != 0);
    reply.mpls = mpls;
    Ok(Some(reply))
}

/// A warts time (seconds, microseconds) in microseconds.
fn micros(p: &mut Bytes) -> Result<u64, String> {
    let sec = u64::from(p.u32()?);
    let usec = u64::from(p.u32()?);
    Ok(sec * 1_000_000 + usec)
}
