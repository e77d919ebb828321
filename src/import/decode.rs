//! From bytes to text: saved traces arrive as whatever the saving program wrote.
//!
//! Mostly UTF-8; sometimes Latin-1 or cut mid-character (decoded lossily, with the first bad
//! line reported, rather than refused); UTF-16 when Windows PowerShell redirected `tracert`
//! into a file; and now and then not text at all, which is refused before any parsing.

/// True for text that is not a saved trace but decoded binary: NUL characters, or many
/// replacement and control characters near the start.
pub(super) fn looks_binary(text: &str) -> bool {
    if text.contains('\0') {
        return true;
    }
    let sample = text.chars().take(4096);
    let (mut total, mut odd) = (0usize, 0usize);
    for c in sample {
        total += 1;
        if c == '\u{fffd}' || (c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{1b}')) {
            odd += 1;
        }
    }
    odd * 10 > total
}

/// True when `body` (leading blanks removed) opens a JSON object or array. A `[` alone is not
/// enough: router prompts open with one too (`[admin@MikroTik] >`, `[~HUAWEI]`).
pub(super) fn looks_like_json(body: &str) -> bool {
    match body.strip_prefix('[') {
        Some(rest) => {
            rest.trim_start().chars().next().is_none_or(|c| {
                matches!(c, '{' | '[' | ']' | '"' | '-' | '0'..='9' | 't' | 'f' | 'n')
            })
        }
        None => body.starts_with('{'),
    }
}

/// Decodes bytes as UTF-8 (or UTF-16 with a byte-order mark), lossily; also returns the first
/// line with undecodable bytes, if any.
pub(super) fn decode(bytes: &[u8]) -> (String, Option<usize>) {
    let utf16 = match bytes {
        [0xff, 0xfe, rest @ ..] => Some((rest, u16::from_le_bytes as fn([u8; 2]) -> u16)),
        [0xfe, 0xff, rest @ ..] => Some((rest, u16::from_be_bytes as fn([u8; 2]) -> u16)),
        _ => None,
    };
    if let Some((rest, to_unit)) = utf16 {
        let units: Vec<u16> = rest
            .chunks(2)
            .map(|c| to_unit([c[0], *c.get(1).unwrap_or(&0)]))
            .collect();
        let mut text = String::with_capacity(units.len());
        let mut bad = None;
        let mut line = 1;
        for r in char::decode_utf16(units) {
            let c = r.unwrap_or_else(|_| {
                bad.get_or_insert(line);
                '\u{fffd}'
            });
            if c == '\n' {
                line += 1;
            }
            text.push(c);
        }
        if rest.len() % 2 == 1 {
            bad.get_or_insert(line);
        }
        return (text, bad);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_string(), None),
        Err(e) => {
            let before = &bytes[..e.valid_up_to()];
            let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
            (String::from_utf8_lossy(bytes).into_owned(), Some(line))
        }
    }
}
