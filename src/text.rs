//! Untrusted text made safe to print: PTR names and names read from saved files.
//!
//! A reverse zone's owner chooses what its PTR records say; a saved trace may come from anyone.
//! Such text is cleaned once, where it enters, so nothing downstream can emit a terminal escape
//! sequence, a bidi override or an invisible control character.

/// Longest name kept (the DNS limit for a full name).
pub const MAX_NAME: usize = 253;

/// Keep printable characters only: control characters (C0, C1, DEL), bidi controls and other
/// invisible format characters are dropped, escape sequences lose their ESC (so they show as
/// harmless text), whitespace becomes nothing, a trailing dot is removed, length is capped.
pub fn sanitize_name(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len().min(MAX_NAME));
    for c in raw.chars() {
        if c.is_control() || c.is_whitespace() || is_format_char(c) || c == '\u{FFFD}' {
            continue;
        }
        if out.len() + c.len_utf8() > MAX_NAME {
            break;
        }
        out.push(c);
    }
    while out.ends_with('.') {
        out.pop();
    }
    out
}

/// Unicode format characters that change how text is displayed without being visible:
/// bidi embeddings/overrides/isolates, zero-width characters, the BOM.
fn is_format_char(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{061C}' | '\u{00AD}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_escapes_controls_and_bidi() {
        assert_eq!(sanitize_name("r1.example.net."), "r1.example.net");
        assert_eq!(
            sanitize_name("\u{1b}[31mred\u{1b}[0m.example"),
            "[31mred[0m.example"
        );
        assert_eq!(sanitize_name("evil\u{202E}ten.example"), "evilten.example");
        assert_eq!(sanitize_name("a\u{7}b\u{0}c\u{9b}d"), "abcd");
        assert_eq!(sanitize_name(&"x".repeat(400)).len(), MAX_NAME);
    }
}
