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
        .filter(|line| match prompt_command(line.text.trim()) {
            // Only the command before the first trace; a later one starts a second trace.
            Some(true) if !prompt => {
                prompt = true;
                false
            }
            Some(false) => false,
            _ => true,
        })
        .copied()
        .collect();
    let mut parsed = super::traceroute::parse(&rest);
    parsed.saw_banner &= prompt;
    parsed
}

/// `switch#traceroute …`, `leaf1(config)# traceroute vrf MGMT …`, `switch>traceroute …`:
/// `Some(true)`; a prompt alone (`switch#`): `Some(false)`; anything else `None`. Junos
/// prompts (`user@host>`) have an `@` and are not EOS's.
fn prompt_command(text: &str) -> Option<bool> {
    let at = text.find(['#', '>'])?;
    let (host, command) = (&text[..at], text[at + 1..].trim_start());
    let host = match host.split_once('(') {
        Some((h, mode)) if mode.ends_with(')') => h,
        Some(_) => return None,
        None => host,
    };
    let valid = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
    if !valid {
        return None;
    }
    if command.is_empty() {
        Some(false)
    } else {
        (command == "traceroute" || command.starts_with("traceroute ")).then_some(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompts() {
        assert_eq!(prompt_command("switch#traceroute 192.0.2.9"), Some(true));
        assert_eq!(
            prompt_command("leaf1(config)# traceroute vrf MGMT 192.0.2.9"),
            Some(true)
        );
        assert_eq!(prompt_command("sw-1>traceroute 2001:db8::1"), Some(true));
        assert_eq!(prompt_command("leaf1#"), Some(false));
        assert_eq!(prompt_command("user@router> traceroute 192.0.2.9"), None);
        assert_eq!(
            prompt_command("traceroute to 192.0.2.9 (192.0.2.9), 30 hops max"),
            None
        );
        assert_eq!(prompt_command("<HUAWEI> tracert 192.0.2.9"), None);
        assert_eq!(prompt_command("leaf1#show version"), None);
    }
}
