//! Arista EOS `traceroute`, as pasted from a switch session:
//!
//! ```text
//! switch#traceroute 192.0.2.9
//! traceroute to 192.0.2.9 (192.0.2.9), 30 hops max, 60 byte packets
//!  1  10.0.0.1 (10.0.0.1)  0.543 ms  0.520 ms  0.511 ms
//! ```
//!
//! EOS runs the Linux traceroute, so everything after the prompt is classic traceroute output,
//! read by [`super::traceroute`]. What tells EOS apart is only the session around it: a
//! `HOST#` or `HOST>` prompt (with `(config…)` modes and `traceroute vrf NAME …`) before the
//! banner. Without the prompt the text is Linux traceroute's and is read as that.

use super::common::{Line, Parsed};

/// Reads EOS traceroute output; only the first trace is read.
pub(super) fn parse(lines: &[Line<'_>]) -> Parsed {
    let mut prompt = false;
    let rest: Vec<Line<'_>> = lines
        .iter()
        .filter(|line| {
            let is_prompt = is_prompt(line.text.trim());
            // Only the prompt before the first trace; a later one belongs to a second trace.
            if is_prompt && !prompt {
                prompt = true;
                return false;
            }
            true
        })
        .copied()
        .collect();
    let mut parsed = super::traceroute::parse(&rest);
    parsed.saw_banner &= prompt;
    parsed
}

/// `switch#traceroute …`, `leaf1(config)# traceroute vrf MGMT …`, `switch>traceroute …`.
/// Junos prompts (`user@host>`) have an `@` and are not EOS's.
fn is_prompt(text: &str) -> bool {
    let Some(at) = text.find(['#', '>']) else {
        return false;
    };
    let (host, command) = (&text[..at], text[at + 1..].trim_start());
    let host = match host.split_once('(') {
        Some((h, mode)) if mode.ends_with(')') => h,
        Some(_) => return false,
        None => host,
    };
    !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        && (command == "traceroute" || command.starts_with("traceroute "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompts() {
        assert!(is_prompt("switch#traceroute 192.0.2.9"));
        assert!(is_prompt("leaf1(config)# traceroute vrf MGMT 192.0.2.9"));
        assert!(is_prompt("sw-1>traceroute 2001:db8::1"));
        assert!(!is_prompt("user@router> traceroute 192.0.2.9"));
        assert!(!is_prompt("traceroute to 192.0.2.9 (192.0.2.9), 30 hops max"));
        assert!(!is_prompt("<HUAWEI> tracert 192.0.2.9"));
    }
}
