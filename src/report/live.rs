//! Live lines: one per hop as it completes, in the shape traceroute users read at a glance.

use super::{brief, fmt_ms};
use crate::geo::Geo;
use crate::path::millis;
use crate::trace::Hop;
use std::collections::HashMap;
use std::fmt::Write;
use std::net::IpAddr;

/// `" 3  r3.example (192.0.2.3) [London, GB · AS2856]  0.412 ms  0.380 ms !H  *"`: each probe
/// in sending order, the responder named (and located, with `geo`) when it changes.
pub fn hop_line(
    hop: &Hop,
    names: &HashMap<IpAddr, String>,
    numeric: bool,
    geo: Option<&Geo>,
) -> String {
    let mut line = format!("{:>2}", hop.ttl);
    let mut last: Option<IpAddr> = None;
    for probe in &hop.probes {
        match probe {
            None => line.push_str("  *"),
            Some(r) => {
                if last != Some(r.address) {
                    let _ = match names.get(&r.address).or(r.hostname.as_ref()) {
                        Some(name) if !numeric => write!(line, "  {name} ({})", r.address),
                        _ => write!(line, "  {}", r.address),
                    };
                    if let Some(place) = geo.map(|g| brief(&g.lookup(r.address))) {
                        if !place.is_empty() {
                            let _ = write!(line, " [{place}]");
                        }
                    }
                    last = Some(r.address);
                }
                match r.rtt {
                    Some(rtt) => {
                        let _ = write!(line, "  {} ms", fmt_ms(millis(rtt)));
                    }
                    None => line.push_str("  -"),
                }
                if let Some(mark) = r.kind.mark() {
                    let _ = write!(line, " {mark}");
                }
                if !r.mpls.is_empty() {
                    let labels: Vec<String> = r.mpls.iter().map(|l| l.label.to_string()).collect();
                    let _ = write!(line, " [MPLS {}]", labels.join("/"));
                }
            }
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Reply, ReplyKind, Unreachable};
    use std::time::Duration;

    #[test]
    fn line_names_each_new_responder_and_marks() {
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let hop = Hop {
            ttl: 3,
            probes: vec![
                Some(Reply::new(
                    a,
                    Some(Duration::from_micros(412)),
                    ReplyKind::TimeExceeded,
                )),
                None,
                Some(Reply::new(
                    b,
                    Some(Duration::from_millis(120)),
                    ReplyKind::Unreachable(Unreachable::Host),
                )),
            ],
        };
        let names = HashMap::from([(a, "r3.example".to_string())]);
        assert_eq!(
            hop_line(&hop, &names, false, None),
            " 3  r3.example (192.0.2.1)  0.412 ms  *  192.0.2.2  120.0 ms !H"
        );
        assert_eq!(
            hop_line(&hop, &names, true, None),
            " 3  192.0.2.1  0.412 ms  *  192.0.2.2  120.0 ms !H"
        );
        assert_eq!(
            hop_line(
                &Hop {
                    ttl: 12,
                    probes: vec![None, None]
                },
                &names,
                false,
                None
            ),
            "12  *  *"
        );
    }
}
