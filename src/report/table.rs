//! The final hop table: boxed and fitted to the terminal when there is one, plain aligned
//! columns otherwise (so it pipes into grep and awk).

use super::fmt_ms;
use crate::path::{Path, PathHop, Responder};
use comfy_table::{presets, Cell, CellAlignment, ContentArrangement, Table};

const HOST_MAX: usize = 40;

/// Shorten a long name in the middle, keeping the informative ends.
fn shorten(name: &str, max: usize) -> String {
    let chars: Vec<char> = name.chars().collect();
    if chars.len() <= max {
        return name.to_string();
    }
    let keep = max.saturating_sub(1);
    let head = keep / 3;
    let tail = keep - head;
    let mut s: String = chars[..head].iter().collect();
    s.push('…');
    s.extend(&chars[chars.len() - tail..]);
    s
}

fn rtt_cell(r: &Responder) -> String {
    let mut s = match (r.rtt_min_ms(), r.rtt_avg_ms(), r.rtt_max_ms()) {
        (Some(min), Some(avg), Some(max)) => {
            format!("{} / {} / {}", fmt_ms(min), fmt_ms(avg), fmt_ms(max))
        }
        _ => "-".to_string(),
    };
    for m in &r.marks {
        s.push(' ');
        s.push_str(m);
    }
    if !r.mpls.is_empty() {
        let labels: Vec<String> = r.mpls.iter().map(|l| l.label.to_string()).collect();
        s.push_str(&format!(" MPLS {}", labels.join("/")));
    }
    s
}

fn rows(hop: &PathHop) -> Vec<Vec<Cell>> {
    let loss = format!("{:.0}%", hop.loss_pct);
    if hop.responders.is_empty() {
        return vec![vec![
            Cell::new(hop.hop).set_alignment(CellAlignment::Right),
            Cell::new("*"),
            Cell::new(""),
            Cell::new("*"),
            Cell::new(loss).set_alignment(CellAlignment::Right),
            Cell::new(format!("0/{}", hop.sent)),
        ]];
    }
    hop.responders
        .iter()
        .enumerate()
        .map(|(i, r)| {
            vec![
                Cell::new(if i == 0 {
                    hop.hop.to_string()
                } else {
                    String::new()
                })
                .set_alignment(CellAlignment::Right),
                Cell::new(r.address),
                Cell::new(shorten(r.hostname.as_deref().unwrap_or(""), HOST_MAX)),
                Cell::new(rtt_cell(r)),
                Cell::new(if i == 0 { loss.clone() } else { String::new() })
                    .set_alignment(CellAlignment::Right),
                Cell::new(format!("{}/{}", r.received, hop.sent)),
            ]
        })
        .collect()
}

/// Render the table: boxed and fitted to the terminal's width (which comfy-table reads) when
/// `terminal` is true, plain aligned columns otherwise.
pub fn render(path: &Path, terminal: bool) -> String {
    let mut table = Table::new();
    if terminal {
        table
            .load_style(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic);
    } else {
        table.load_style(presets::NOTHING).force_no_tty();
    }
    table.set_header(vec![
        "Hop",
        "Address",
        "Host name",
        "RTT ms (min / avg / max)",
        "Loss",
        "Recv",
    ]);
    for hop in &path.hops {
        for row in rows(hop) {
            table.add_row(row);
        }
    }
    let mut out = table.to_string();
    out.push('\n');
    out.push_str(&summary(path));
    out
}

/// The line under the table: reached or not, in how many hops.
pub fn summary(path: &Path) -> String {
    let t = &path.trace;
    let target = match t.address {
        Some(a) if a.to_string() != t.target => format!("{} ({a})", t.target),
        _ => t.target.clone(),
    };
    let last = path.hops.last().map(|h| h.hop).unwrap_or(0);
    let mut s = if t.reached {
        format!("Reached {target} in {last} hops.")
    } else {
        format!("Did not reach {target}; last hop probed: {last}.")
    };
    if t.interrupted {
        s.push_str(" Interrupted: hops found so far.");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorten_keeps_both_ends() {
        let s = shorten(
            "ae-3-3.ebr1.sanjose1.level3.net.very-long-suffix.example",
            30,
        );
        assert_eq!(s.chars().count(), 30);
        assert!(s.starts_with("ae-3-3.e"));
        assert!(s.ends_with("suffix.example"));
        assert_eq!(shorten("short", 30), "short");
    }
}
