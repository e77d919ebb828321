//! Making untrusted text safe to show.
//!
//! Host names come from places nobody here controls: PTR records answered by whoever runs a
//! router's reverse zone, and saved trace files a user was handed. Either can carry terminal
//! escape sequences (which repaint, retitle or scroll a terminal), bidirectional overrides
//! (which make `evil.example` read as `elpmaxe.live`), invisible characters, or simply be
//! enormous. Names are cleaned once, where they enter the program (`import`, `dns`), so that
//! every report downstream can print them as they are.
//!
//! Cleaning removes rather than escapes: a name that needed escaping was not a usable name,
//! and a shortened, readable name is more useful in a table than a visible escape code.

/// The longest name kept, in characters: the longest DNS name in presentation form (253).
pub const MAX_NAME_CHARS: usize = 253;

/// Cleans a host name from an untrusted source for display.
///
/// Removes ANSI/VT escape sequences (CSI, OSC, DCS and two-character escapes), control
/// characters (C0, DEL, C1), bidirectional embedding/override/isolate marks and invisible
/// zero-width characters; turns other Unicode spaces into plain spaces; trims the ends; and
/// keeps at most [`MAX_NAME_CHARS`] characters. The result may be empty.
pub fn sanitize_name(raw: &str) -> String {
    sanitize_text(raw, MAX_NAME_CHARS)
}

/// Cleans any untrusted one-line text (for instance a quoted input line in a warning) the way
/// [`sanitize_name`] does, keeping at most `max_chars` characters.
pub fn sanitize_text(raw: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(raw.len().min(max_chars.saturating_mul(4)));
    let mut kept = 0usize;
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            // C1 CSI, OSC and DCS/SOS/PM/APC introducers: their parameters follow.
            '\u{9b}' => skip_csi(&mut chars),
            '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            c if c.is_control() || is_invisible(c) => {}
            c if c.is_whitespace() && kept == 0 => {}
            c => {
                if kept == max_chars {
                    break;
                }
                out.push(if c.is_whitespace() { ' ' } else { c });
                kept += 1;
            }
        }
    }
    out.truncate(out.trim_end().len());
    out
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

/// Skips what follows an ESC: a CSI or string sequence, or one more character.
fn skip_escape(chars: &mut Chars<'_>) {
    match chars.next() {
        Some('[') => skip_csi(chars),
        Some(']' | 'P' | 'X' | '^' | '_') => skip_string(chars),
        // nF escapes: intermediate bytes, then one final byte.
        Some(' '..='/') => {
            while chars.next_if(|c| (' '..='/').contains(c)).is_some() {}
            chars.next();
        }
        _ => {}
    }
}

/// Skips a control sequence's parameter and intermediate bytes and its final byte.
fn skip_csi(chars: &mut Chars<'_>) {
    while chars
        .next_if(|c| ('\u{20}'..='\u{3f}').contains(c))
        .is_some()
    {}
    // The final byte, if it is one; anything else is left to be judged on its own.
    chars.next_if(|c| ('\u{40}'..='\u{7e}').contains(c));
}

/// Skips an OSC/DCS-style string up to its terminator (BEL, ST or ESC \).
fn skip_string(chars: &mut Chars<'_>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => return,
            '\u{1b}' => {
                chars.next_if_eq(&'\\');
                return;
            }
            _ => {}
        }
    }
}

/// Characters with no visible form that can change how the rest of a line reads.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{ad}'                      // soft hyphen
        | '\u{61c}'                   // Arabic letter mark
        | '\u{180e}'                  // Mongolian vowel separator
        | '\u{200b}'..='\u{200f}'     // zero-width space/joiners, LRM, RLM
        | '\u{202a}'..='\u{202e}'     // bidi embeddings and overrides
        | '\u{2060}'..='\u{2064}'     // word joiner, invisible operators
        | '\u{2066}'..='\u{2069}'     // bidi isolates
        | '\u{206a}'..='\u{206f}'     // deprecated format characters
        | '\u{feff}'                  // zero-width no-break space / BOM
        | '\u{fff9}'..='\u{fffb}' // interlinear annotation
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_pass_through() {
        assert_eq!(
            sanitize_name("ae-1.r20.lndngb02.uk.bb.gin.ntt.net"),
            "ae-1.r20.lndngb02.uk.bb.gin.ntt.net"
        );
        assert_eq!(sanitize_name("bücher.example"), "bücher.example");
        assert_eq!(sanitize_name("  _gateway  "), "_gateway");
        assert_eq!(sanitize_name(""), "");
    }

    #[test]
    fn escape_sequences_are_removed() {
        assert_eq!(
            sanitize_name("\u{1b}[1;31mred\u{1b}[0m.example"),
            "red.example"
        );
        // OSC 0 (set window title) ended by BEL, and OSC 8 hyperlink ended by ST.
        assert_eq!(sanitize_name("a\u{1b}]0;pwned\u{7}b"), "ab");
        assert_eq!(
            sanitize_name("\u{1b}]8;;http://x\u{1b}\\link\u{1b}]8;;\u{1b}\\"),
            "link"
        );
        // Cursor movement and screen clearing.
        assert_eq!(sanitize_name("x\u{1b}[2J\u{1b}[Hy"), "xy");
        // C1 CSI form.
        assert_eq!(sanitize_name("x\u{9b}31my"), "xy");
        // Two-character escapes (RIS, charset selection).
        assert_eq!(sanitize_name("x\u{1b}cy\u{1b}(Bz"), "xyz");
        // A lone ESC at the end.
        assert_eq!(sanitize_name("host\u{1b}"), "host");
        // An unterminated OSC swallows the rest: better than printing half a sequence.
        assert_eq!(sanitize_name("host\u{1b}]0;title"), "host");
    }

    #[test]
    fn control_and_bidi_characters_are_removed() {
        assert_eq!(sanitize_name("a\tb\r\nc\u{0}d\u{7f}e\u{85}f"), "abcdef");
        assert_eq!(sanitize_name("\u{202e}lnx.exe"), "lnx.exe");
        assert_eq!(
            sanitize_name("a\u{2066}b\u{2069}c\u{200b}d\u{feff}"),
            "abcd"
        );
    }

    #[test]
    fn unicode_spaces_become_plain_spaces() {
        assert_eq!(sanitize_name("a\u{a0}b\u{2003}c"), "a b c");
    }

    #[test]
    fn length_is_capped_in_characters() {
        let long = "a".repeat(1000);
        assert_eq!(sanitize_name(&long).chars().count(), MAX_NAME_CHARS);
        let wide = "é".repeat(300);
        let out = sanitize_name(&wide);
        assert_eq!(out.chars().count(), MAX_NAME_CHARS);
        // Dropped characters do not count toward the cap.
        let padded = format!("{}{}", "\u{1b}[0m ".repeat(300), "b".repeat(MAX_NAME_CHARS));
        assert_eq!(sanitize_name(&padded), "b".repeat(MAX_NAME_CHARS));
        assert_eq!(sanitize_text("abcdef", 3), "abc");
    }
}
