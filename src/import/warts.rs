//! scamper's warts binary, read directly (the format of CAIDA Ark and M-Lab archives), so a
//! file need not be converted with `sc_warts2json` first.
//!
//! A warts file is a sequence of objects, each `0x1205`, a 16-bit type and a 32-bit length,
//! big-endian (warts(5)). Objects are read one at a time into one reused buffer, so memory stays
//! that of the largest object however long the file. `list` and `cycle` objects give the
//! traces their identity; `trace` objects become traces. A parameter block starts with flag
//! bytes (seven flags each, the high bit linking the next byte) and, if any flag is set, the
//! block's length: parameters are read in flag order up to the last one needed and the rest
//! skipped by that length, so fields added by later scamper versions are passed over. Addresses
//! are written once per object and then referred to by their index in that object.
//! Multipath (`tracelb`) objects are read by [`super::warts_tracelb`]; `ping` and other
//! objects are reported and skipped, like the JSON reader does. The input is untrusted: every length is checked against what is left.

use super::scamper::{assemble, clean, identity, kind_of, Answer, Outcome, Shape};
use crate::trace::{MplsLabel, Reply};
use std::collections::HashMap;
use std::io::{self, Read};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

/// The largest object read; larger ones are skipped (a trace object is a few kilobytes).
pub const MAX_OBJECT_BYTES: u32 = 16 * 1024 * 1024;
/// The first two bytes of every object.
const MAGIC: u16 = 0x1205;
/// scamper's trace stop reason "completed".
const STOP_COMPLETED: u8 = 1;
/// A hop flag: the reply was TCP (its flags are in parameter 15).
const HOP_FLAG_TCP: u8 = 0x20;

/// What one object was, with its 1-based number in the file.
pub(super) enum Object {
    Read(Outcome),
    /// Not a usable trace, and why.
    Bad(String),
    /// Larger than [`MAX_OBJECT_BYTES`]; skipped.
    TooLarge,
    /// The file ends inside it.
    Unterminated,
}

/// A cycle, as its `cycle-start` (or `cycle-def`) object names it.
struct Cycle {
    human: u32,
    list: u32,
    host: Option<String>,
}

/// Reads warts objects one at a time.
pub(super) struct Reader<R> {
    input: R,
    buf: Vec<u8>,
    offset: u64,
    count: usize,
    done: bool,
    lists: HashMap<u32, String>,
    cycles: HashMap<u32, Cycle>,
}

impl<R: Read> Reader<R> {
    pub fn new(input: R) -> Self {
        Reader {
            input,
            buf: Vec::new(),
            offset: 0,
            count: 0,
            done: false,
            lists: HashMap::new(),
            cycles: HashMap::new(),
        }
    }

    /// Fills `buf` with `n` bytes; false if the input ended first.
    fn fill(&mut self, n: usize) -> io::Result<bool> {
        self.buf.clear();
        let got = (&mut self.input)
            .take(n as u64)
            .read_to_end(&mut self.buf)?;
        self.offset += got as u64;
        Ok(got == n)
    }

    /// The next object, numbered from 1, or `None` at the end.
    pub fn next_object(&mut self) -> Option<io::Result<(usize, Object)>> {
        if self.done {
            return None;
        }
        let step = self.step();
        // At the end, an error, or lost framing nothing after can be trusted.
        if !matches!(
            step,
            Ok(Some((
                _,
                Object::Read(_) | Object::Bad(_) | Object::TooLarge
            )))
        ) {
            self.done = true;
        }
        step.transpose()
    }

    fn step(&mut self) -> io::Result<Option<(usize, Object)>> {
        let at = self.offset;
        if !self.fill(8)? {
            return Ok((!self.buf.is_empty()).then(|| (self.count + 1, Object::Unterminated)));
        }
        self.count += 1;
        let n = self.count;
        let h = &self.buf;
        let magic = u16::from_be_bytes([h[0], h[1]]);
        let kind = u16::from_be_bytes([h[2], h[3]]);
        let len = u32::from_be_bytes([h[4], h[5], h[6], h[7]]);
        if magic != MAGIC {
            self.done = true;
            return Ok(Some((
                n,
                Object::Bad(format!(
                    "no warts object at byte {at} (magic {magic:#06x}); the rest is not read"
                )),
            )));
        }
        if len > MAX_OBJECT_BYTES {
            let skipped = io::copy(&mut (&mut self.input).take(u64::from(len)), &mut io::sink())?;
            self.offset += skipped;
            if skipped < u64::from(len) {
                return Ok(Some((n, Object::Unterminated)));
            }
            return Ok(Some((n, Object::TooLarge)));
        }
        if !self.fill(len as usize)? {
            return Ok(Some((n, Object::Unterminated)));
        }
        let body = std::mem::take(&mut self.buf);
        let object = match self.object(kind, &body) {
            Ok(outcome) => Object::Read(outcome),
            Err(why) => Object::Bad(format!("warts object at byte {at}: {why}")),
        };
        self.buf = body;
        Ok(Some((n, object)))
    }

    fn object(&mut self, kind: u16, body: &[u8]) -> Result<Outcome, String> {
        let mut b = Bytes::new(body);
        match kind {
            1 => {
                let id = b.u32()?;
                let _human = b.u32()?;
                let name = clean(&b.cstr()?);
                self.lists.insert(id, name);
                Ok(Outcome::Nothing)
            }
            2 | 3 => {
                let id = b.u32()?;
                let list = b.u32()?;
                let human = b.u32()?;
                let _start = b.u32()?;
                let (flags, mut p) = b.params()?;
                let mut host = None;
                if flags.has(1) {
                    p.u32()?;
                }
                if flags.has(2) {
                    host = Some(clean(&p.cstr()?));
                }
                self.cycles.insert(id, Cycle { human, list, host });
                Ok(Outcome::Nothing)
            }
            4 | 5 => Ok(Outcome::Nothing),
            6 => self.trace(b),
            7 => Err("a scamper \"ping\" record, not a trace".into()),
            8 => {
                let (lb, list, cycle) = super::warts_tracelb::read(b)?;
                let (list, cycle, host) = self.names(list, cycle);
                super::tracelb::outcome(lb, list, cycle, host)
            }
            other => Err(format!("a warts object of type {other}, not a trace")),
        }
    }

    fn trace(&self, mut b: Bytes) -> Result<Outcome, String> {
        let mut table = Vec::new();
        let (flags, mut p) = b.params()?;
        let mut t = TraceParams::default();
        for flag in 1..=27 {
            if !flags.has(flag) {
                continue;
            }
            match flag {
                1 => t.list = Some(p.u32()?),
                2 => t.cycle = Some(p.u32()?),
                3 | 4 => return Err("addresses in the old global table; not read".into()),
                5 => {
                    t.start = Some(i64::from(p.u32()?));
                    p.skip(4)?;
                }
                6 => t.stop = p.u8()?,
                9 => t.attempts = u64::from(p.u8()?),
                15 => t.first = u64::from(p.u8()?),
                19 => t.hop_count = u64::from(p.u16()?),
                7 | 8 | 10 | 11 | 16 | 17 | 18 | 20 | 21 | 22 | 24 | 25 => p.skip(1)?,
                12 | 13 | 14 | 23 => p.skip(2)?,
                26 => t.src = p.address(&mut table)?,
                _ => t.dst = p.address(&mut table)?,
            }
        }
        let Some(dst) = t.dst else {
            return Err("a trace without a usable destination".into());
        };
        let replies = b.u16()?;
        let mut notes = Vec::new();
        let mut answers = Vec::with_capacity(usize::from(replies).min(1024));
        for _ in 0..replies {
            match hop(&mut b, &mut table)? {
                Some(answer) => answers.push(answer),
                None => notes.push("a reply without a usable TTL or address".into()),
            }
        }
        // What follows the replies (path MTU, last-ditch and doubletree data) is not needed.
        let shape = Shape {
            dst,
            src: t.src,
            attempts: t.attempts,
            first: t.first,
            hop_count: t.hop_count,
            completed: t.stop == STOP_COMPLETED,
        };
        let (list, cycle, host) = self.names(t.list, t.cycle);
        let trace = assemble(&shape, answers);
        let identity = identity(list, cycle, host, dst, t.start);
        Ok(Outcome::Trace(Box::new((trace, identity)), notes))
    }

    /// The list name, cycle number and monitor of a record naming list and cycle ids.
    fn names(
        &self,
        list: Option<u32>,
        cycle: Option<u32>,
    ) -> (Option<&str>, Option<u64>, Option<String>) {
        let cycle = cycle.and_then(|c| self.cycles.get(&c));
        let list = list
            .or(cycle.map(|c| c.list))
            .and_then(|l| self.lists.get(&l));
        (
            list.map(String::as_str),
            cycle.map(|c| u64::from(c.human)),
            cycle.and_then(|c| c.host.clone()),
        )
    }
}

/// The trace parameters used.
struct TraceParams {
    list: Option<u32>,
    cycle: Option<u32>,
    start: Option<i64>,
    stop: u8,
    attempts: u64,
    first: u64,
    hop_count: u64,
    src: Option<IpAddr>,
    dst: Option<IpAddr>,
}

impl Default for TraceParams {
    fn default() -> Self {
        TraceParams {
            list: None,
            cycle: None,
            start: None,
            stop: 0,
            attempts: 1,
            first: 1,
            hop_count: 0,
            src: None,
            dst: None,
        }
    }
}

/// One hop record (a reply); `None` if it has no usable TTL or address.
fn hop(b: &mut Bytes, table: &mut Vec<Option<IpAddr>>) -> Result<Option<Answer>, String> {
    let (flags, mut p) = b.params()?;
    let (mut ttl, mut reply_ttl, mut hop_flags, mut attempt) = (0u8, None, 0u8, 1usize);
    let (mut rtt, mut icmp, mut tcp, mut mpls, mut addr) = (None, None, None, Vec::new(), None);
    for flag in 1..=18 {
        if !flags.has(flag) {
            continue;
        }
        match flag {
            1 => return Err("addresses in the old global table; not read".into()),
            2 => ttl = p.u8()?,
            3 => reply_ttl = Some(p.u8()?),
            4 => hop_flags = p.u8()?,
            // Stored from 0; scamper's own tools print it from 1.
            5 => attempt = usize::from(p.u8()?.wrapping_add(1)),
            6 => rtt = Some(Duration::from_micros(u64::from(p.u32()?))),
            7 => icmp = Some((p.u8()?, p.u8()?)),
            15 => tcp = Some(p.u8()?),
            17 => mpls = extensions(&mut p)?,
            18 => addr = p.address(table)?,
            8 | 9 | 10 | 12 | 13 => p.skip(2)?,
            _ => p.skip(1)?,
        }
    }
    let Some(addr) = addr.filter(|_| ttl > 0) else {
        return Ok(None);
    };
    let tcp = tcp.or((hop_flags & HOP_FLAG_TCP != 0).then_some(0));
    let mut reply = Reply::new(addr, rtt, kind_of(tcp, icmp, addr));
    reply.reply_ttl = reply_ttl;
    reply.mpls = mpls;
    Ok(Some(Answer {
        ttl,
        attempt,
        reply,
    }))
}

/// ICMP extensions (RFC 4884): the MPLS label stacks among them (class 1, type 1).
pub(super) fn extensions(p: &mut Bytes) -> Result<Vec<MplsLabel>, String> {
    let len = usize::from(p.u16()?);
    let mut e = Bytes::new(p.take(len)?);
    let mut labels = Vec::new();
    while !e.is_empty() {
        let n = usize::from(e.u16()?);
        let (class, kind) = (e.u8()?, e.u8()?);
        let mut data = Bytes::new(e.take(n)?);
        if (class, kind) != (1, 1) {
            continue;
        }
        while data.rest() >= 4 {
            let v = data.u32()?;
            labels.push(MplsLabel {
                label: v >> 12,
                tc: ((v >> 9) & 7) as u8,
                bottom: v & 0x100 != 0,
                ttl: (v & 0xff) as u8,
            });
        }
    }
    Ok(labels)
}

/// Which parameters a block holds (flag `n` is bit `n`, from 1).
pub(super) struct Flags(u128);

impl Flags {
    pub(super) fn has(&self, n: u32) -> bool {
        n < 128 && self.0 & (1 << n) != 0
    }
}

/// A checked big-endian reader over one object's bytes.
pub(super) struct Bytes<'a> {
    b: &'a [u8],
}

impl<'a> Bytes<'a> {
    fn new(b: &'a [u8]) -> Self {
        Bytes { b }
    }

    fn is_empty(&self) -> bool {
        self.b.is_empty()
    }

    pub(super) fn rest(&self) -> usize {
        self.b.len()
    }

    pub(super) fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.b.len() {
            return Err(format!("ends {} bytes short", n - self.b.len()));
        }
        let (head, tail) = self.b.split_at(n);
        self.b = tail;
        Ok(head)
    }

    pub(super) fn skip(&mut self, n: usize) -> Result<(), String> {
        self.take(n).map(|_| ())
    }

    pub(super) fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    pub(super) fn u16(&mut self) -> Result<u16, String> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    pub(super) fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A NUL-terminated string.
    fn cstr(&mut self) -> Result<String, String> {
        let Some(end) = self.b.iter().position(|&c| c == 0) else {
            return Err("a string without its end".into());
        };
        let s = String::from_utf8_lossy(&self.b[..end]).into_owned();
        self.b = &self.b[end + 1..];
        Ok(s)
    }

    /// A parameter block: its flags, and its parameters as their own reader (the block's length
    /// is consumed here, so parameters not read are skipped).
    pub(super) fn params(&mut self) -> Result<(Flags, Bytes<'a>), String> {
        let mut value = 0u128;
        let mut i = 0;
        loop {
            let byte = self.u8()?;
            if i < 18 {
                value |= u128::from(byte & 0x7f) << (i * 7 + 1);
            }
            i += 1;
            if byte & 0x80 == 0 {
                break;
            }
        }
        if value == 0 {
            return Ok((Flags(0), Bytes::new(&[])));
        }
        let len = usize::from(self.u16()?);
        Ok((Flags(value), Bytes::new(self.take(len)?)))
    }

    /// An address: defined here (length, type, bytes) and added to the object's table, or a
    /// reference to one defined before (length 0, then its index).
    pub(super) fn address(
        &mut self,
        table: &mut Vec<Option<IpAddr>>,
    ) -> Result<Option<IpAddr>, String> {
        let len = self.u8()?;
        if len == 0 {
            let id = self.u32()? as usize;
            return match table.get(id) {
                Some(a) => Ok(*a),
                None => Err(format!("address reference {id} to nothing")),
            };
        }
        let kind = self.u8()?;
        let bytes = self.take(usize::from(len))?;
        let addr = match (kind, bytes.len()) {
            (1, 4) => Some(IpAddr::V4(Ipv4Addr::new(
                bytes[0], bytes[1], bytes[2], bytes[3],
            ))),
            (2, 16) => {
                let mut a = [0u8; 16];
                a.copy_from_slice(bytes);
                Some(IpAddr::V6(Ipv6Addr::from(a)).to_canonical())
            }
            _ => None,
        };
        table.push(addr);
        Ok(addr)
    }
}
