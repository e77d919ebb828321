//! Names: resolving the target, and reverse lookups of hops under a time budget.
//!
//! A slow or absent DNS server must never stall a trace. Reverse lookups start the moment a
//! responder first answers and run concurrently; readers wait for a name only until a deadline
//! and show the address when it has not come. PTR names are chosen by whoever controls the
//! reverse zone, so they are sanitised here, where they enter.

use crate::text::sanitize_name;
use hickory_resolver::proto::rr::{Name, RData};
use hickory_resolver::TokioResolver;
use std::collections::HashMap;
use std::net::{IpAddr, ToSocketAddrs};
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// Which address family the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FamilyPreference {
    /// What the name resolves to, IPv4 first.
    #[default]
    Any,
    V4,
    V6,
}

/// Why a target could not be turned into an address.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("cannot resolve target {target:?}: {source}")]
    Lookup {
        target: String,
        source: std::io::Error,
    },
    #[error("target {target:?} has no {family} address")]
    NoAddress {
        target: String,
        family: &'static str,
    },
}

/// Resolve a hostname or address literal to the address to trace.
pub fn resolve_target(target: &str, pref: FamilyPreference) -> Result<IpAddr, ResolveError> {
    let literal = target.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<IpAddr> = match literal.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => (target, 0)
            .to_socket_addrs()
            .map_err(|source| ResolveError::Lookup {
                target: target.to_string(),
                source,
            })?
            .map(|a| a.ip())
            .collect(),
    };
    let pick = |v4: bool| addrs.iter().copied().find(|a| a.is_ipv4() == v4);
    let found = match pref {
        FamilyPreference::V4 => pick(true),
        FamilyPreference::V6 => pick(false),
        FamilyPreference::Any => pick(true).or_else(|| pick(false)),
    };
    found.ok_or(ResolveError::NoAddress {
        target: target.to_string(),
        family: match pref {
            FamilyPreference::V4 => "IPv4",
            FamilyPreference::V6 => "IPv6",
            FamilyPreference::Any => "IP",
        },
    })
}

type Slot = watch::Receiver<Option<Option<String>>>;

/// A PTR name as text to show: each label's bytes as UTF-8 (invalid sequences replaced),
/// joined with dots, then sanitised like every other untrusted name.
///
/// Not `Name::to_ascii`: it escapes unusual bytes as `\DDD`, which turns an escape sequence into
/// printable residue that sanitising can no longer recognise (`\033]0\;pwned\007osc.example`),
/// shows plain UTF-8 names in octal, and hides a leading `=` behind a backslash.
fn ptr_text(name: &Name) -> String {
    let labels: Vec<String> = name
        .iter()
        .map(|label| String::from_utf8_lossy(label).into_owned())
        .collect();
    sanitize_name(&labels.join("."))
}

/// Concurrent reverse lookups; each address is looked up once.
pub struct ReverseDns {
    resolver: Option<TokioResolver>,
    pending: HashMap<IpAddr, Slot>,
}

impl ReverseDns {
    /// A resolver from the system configuration; `per_query` bounds each query. When the system
    /// has no usable configuration, lookups simply find nothing.
    pub fn new(per_query: Duration) -> Self {
        let resolver = TokioResolver::builder_tokio().ok().and_then(|mut b| {
            let opts = b.options_mut();
            opts.timeout = per_query;
            opts.attempts = 1;
            b.build().ok()
        });
        ReverseDns {
            resolver,
            pending: HashMap::new(),
        }
    }

    /// Names found by a saved trace need no lookup.
    pub fn insert_known(&mut self, addr: IpAddr, name: String) {
        let (tx, rx) = watch::channel(Some(Some(sanitize_name(&name))));
        drop(tx);
        self.pending.insert(addr, rx);
    }

    /// Start looking `addr` up if nobody has yet.
    pub fn prefetch(&mut self, addr: IpAddr) {
        if self.pending.contains_key(&addr) {
            return;
        }
        let (tx, rx) = watch::channel(None);
        self.pending.insert(addr, rx);
        let Some(resolver) = self.resolver.clone() else {
            let _ = tx.send(Some(None));
            return;
        };
        tokio::spawn(async move {
            let name = match resolver.reverse_lookup(addr).await {
                Ok(lookup) => lookup.answers().iter().find_map(|r| match &r.data {
                    RData::PTR(ptr) => Some(ptr_text(&ptr.0)),
                    _ => None,
                }),
                Err(_) => None,
            };
            let _ = tx.send(Some(name.filter(|n| !n.is_empty())));
        });
    }

    /// The name of `addr`, waiting for its lookup until `deadline` at most.
    pub async fn name(&mut self, addr: IpAddr, deadline: Instant) -> Option<String> {
        self.prefetch(addr);
        let mut rx = self.pending.get(&addr)?.clone();
        let waited = tokio::time::timeout_at(deadline, rx.wait_for(|v| v.is_some()))
            .await
            .ok()
            .and_then(|r| r.ok().map(|v| v.clone()));
        waited.unwrap_or_else(|| rx.borrow().clone()).flatten()
    }

    /// Names of all `addrs`, looked up concurrently, waiting until `deadline` at most.
    pub async fn names(
        &mut self,
        addrs: impl IntoIterator<Item = IpAddr>,
        deadline: Instant,
    ) -> HashMap<IpAddr, String> {
        let addrs: Vec<IpAddr> = addrs.into_iter().collect();
        for a in &addrs {
            self.prefetch(*a);
        }
        let mut out = HashMap::new();
        for a in addrs {
            if let Some(n) = self.name(a, deadline).await {
                out.insert(a, n);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_resolve_without_dns() {
        assert_eq!(
            resolve_target("192.0.2.5", FamilyPreference::Any).unwrap(),
            "192.0.2.5".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            resolve_target("[2001:db8::1]", FamilyPreference::Any).unwrap(),
            "2001:db8::1".parse::<IpAddr>().unwrap()
        );
        let err = resolve_target("192.0.2.5", FamilyPreference::V6).unwrap_err();
        assert_eq!(err.to_string(), "target \"192.0.2.5\" has no IPv6 address");
    }

    #[test]
    fn ptr_names_are_decoded_raw_then_sanitised() {
        let name = |labels: &[&[u8]]| Name::from_labels(labels.iter().copied()).unwrap();
        assert_eq!(
            ptr_text(&name(&[b"\x1b]0;pwned\x07osc", b"example"])),
            "osc.example"
        );
        assert_eq!(
            ptr_text(&name(&["b\u{fc}cher".as_bytes(), b"example"])),
            "b\u{fc}cher.example"
        );
        assert_eq!(
            ptr_text(&name(&[b"bad\xffutf8", b"example"])),
            "bad\u{fffd}utf8.example"
        );
        assert_eq!(ptr_text(&name(&[b"=cmd|x", b"example"])), "=cmd|x.example");
        let fqdn = Name::from_ascii("ae-1.r20.example.net.").unwrap();
        assert_eq!(ptr_text(&fqdn), "ae-1.r20.example.net");
    }

    #[test]
    fn localhost_resolves_from_hosts_file() {
        let a = resolve_target("localhost", FamilyPreference::V4).unwrap();
        assert!(a.is_loopback());
    }
}
