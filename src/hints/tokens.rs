//! Splitting a router's host name into the tokens that may name a place.
//!
//! Why this shape: operators write locations as one dot-separated label or one
//! dash-separated part of a label, usually followed by a site number (`sjc03`, `Frankfurt1`,
//! `asbnva02`, `cr0-fra2`, `ldn-london`). So a label is cut at `-` and `_`, and each part
//! that starts with a letter gives the letters before its first digit (`sjc03` → `sjc`); a
//! part that starts with a digit is an interface or a street address (`100ge14`,
//! `529bryant`) and gives nothing; a part that is a role, its number and then a site
//! (`bbr02atlnga`) gives the site as well, and so does one of a site, a role and a number
//! (`mcibbrj01`). Consecutive letter-only parts are also joined
//! (`los-angeles` → `losangeles`), since dictionaries hold squashed names. The registered
//! domain (`cogentco.com`, `ntt.net`, `example.co.uk`) is the network's, not a place, so it
//! is set apart: operator tables are keyed by it. A two-letter label right after a token is
//! kept as that token's *qualifier* (`sanjose.ca`, `lhr15.uk`, `asbnva02.us`): a state or
//! country that narrows the token's places.

use super::dict;

/// One token: where it is and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The leading letters, lower case (`sjc` of `sjc03`), or joined parts (`losangeles`).
    pub alpha: String,
    /// The whole part, lower case (`sjc03`; `la2ca` for AT&T-style codes); for joined parts
    /// the same as `alpha`.
    pub text: String,
    /// Index of the label it came from (0 is the leftmost).
    pub label: usize,
    /// Index of the `-`/`_` part within its label where the token starts.
    pub part: usize,
    /// Number of `-`/`_` parts in its label.
    pub parts: usize,
    /// Number of parts it is made of: 1, or 2–3 for joined runs (`los-angeles`).
    pub width: usize,
    /// The letters are followed at once by a digit (`sjc03`, `fra1`): a site number.
    pub site_number: bool,
    /// The two-letter label that follows this token's label, if any.
    pub qualifier: Option<String>,
}

/// A host name cut into tokens.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tokens {
    /// The registered domain, lower case (`cogentco.com`); empty for a single label.
    pub domain: String,
    /// The labels before the registered domain, lower case.
    pub host_labels: Vec<String>,
    pub tokens: Vec<Token>,
}

/// Second-level labels under which registrations happen (`example.co.uk`), for finding the
/// registered domain without the public suffix list: the common ones in router names.
const SECOND_LEVEL: &[&str] = &[
    "co", "com", "net", "ne", "or", "ad", "ac", "gov", "org", "edu", "ltd", "plc",
];

/// Longest host name considered (DNS allows 253 characters).
const MAX_NAME: usize = 253;

/// Cuts `hostname` into tokens (see the module docs).
pub fn tokenize(hostname: &str) -> Tokens {
    let name = hostname.trim().trim_end_matches('.').to_ascii_lowercase();
    if name.is_empty() || name.len() > MAX_NAME {
        return Tokens::default();
    }
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 {
        return Tokens::default();
    }
    // The registered domain is the last two labels, or three under a ccTLD's second level.
    let n = labels.len();
    let domain_labels =
        if n >= 3 && labels[n - 1].len() == 2 && SECOND_LEVEL.contains(&labels[n - 2]) {
            3
        } else {
            2
        };
    let domain = labels[n.saturating_sub(domain_labels)..].join(".");
    let host_labels = &labels[..n.saturating_sub(domain_labels)];
    let mut tokens = Vec::new();
    for (i, label) in host_labels.iter().enumerate() {
        let qualifier = host_labels
            .get(i + 1)
            .filter(|l| l.len() == 2 && l.bytes().all(|b| b.is_ascii_alphabetic()))
            .map(|l| l.to_string());
        let parts: Vec<&str> = label.split(['-', '_']).filter(|p| !p.is_empty()).collect();
        for (p, part) in parts.iter().enumerate() {
            let alpha: String = part
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .collect();
            if alpha.is_empty() {
                continue;
            }
            let site_number = part[alpha.len()..].starts_with(|c: char| c.is_ascii_digit());
            let site = site_after_role(&alpha, &part[alpha.len()..]);
            let head = site_before_role(&alpha)
                .filter(|_| site_number)
                .map(str::to_string);
            tokens.push(Token {
                alpha,
                text: part.to_string(),
                label: i,
                part: p,
                parts: parts.len(),
                width: 1,
                site_number,
                qualifier: qualifier.clone(),
            });
            if let Some(head) = head {
                tokens.push(Token {
                    alpha: head.clone(),
                    text: head,
                    label: i,
                    part: p,
                    parts: parts.len(),
                    width: 1,
                    site_number: true,
                    qualifier: qualifier.clone(),
                });
            }
            if let Some(site) = site {
                tokens.push(Token {
                    site_number: part.ends_with(|c: char| c.is_ascii_digit()),
                    alpha: site.trim_end_matches(|c: char| c.is_ascii_digit()).into(),
                    text: site.into(),
                    label: i,
                    part: p,
                    parts: parts.len(),
                    width: 1,
                    qualifier: qualifier.clone(),
                });
            }
        }
        // Joined runs of two or three letter-only parts: `los-angeles`, `rio-de-janeiro`.
        for width in 2..=3 {
            for (p, window) in parts.windows(width).enumerate() {
                if window
                    .iter()
                    .all(|p| p.bytes().all(|b| b.is_ascii_alphabetic()))
                {
                    let joined = window.concat();
                    tokens.push(Token {
                        alpha: joined.clone(),
                        text: joined,
                        label: i,
                        part: p,
                        parts: parts.len(),
                        width,
                        site_number: false,
                        qualifier: qualifier.clone(),
                    });
                }
            }
        }
    }
    Tokens {
        domain,
        host_labels: host_labels.iter().map(|l| l.to_string()).collect(),
        tokens,
    }
}

/// The site written after a role and its number in one part (`bbr02atlnga`: backbone router
/// 02 at `atlnga`, Atlanta's CLLI code; Init7's `r1gva1`: router 1 at `gva`, site 1): when the
/// part's leading letters are router vocabulary or the single letter `r`, at least six letters
/// then only digits, or three to five letters and a site number.
fn site_after_role<'a>(role: &str, rest: &'a str) -> Option<&'a str> {
    let site = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    let letters = site.bytes().take_while(u8::is_ascii_alphabetic).count();
    let after = &site[letters..];
    let only_digits_after = after.bytes().all(|b| b.is_ascii_digit());
    let long_enough = letters >= 6 || (letters >= 3 && !after.is_empty());
    let role = dict::is_router_word(role) || role == "r";
    (site.len() < rest.len() && long_enough && only_digits_after && role).then_some(site)
}

/// The site written before a role in one run of letters that a number follows (Cox's
/// `mcibbrj01`: `mci`, then backbone router `bbr` and a letter): at least three letters of
/// site, then router vocabulary of three or more letters, then at most one letter.
fn site_before_role(alpha: &str) -> Option<&str> {
    (3..alpha.len().saturating_sub(2)).find_map(|cut| {
        let (head, tail) = alpha.split_at(cut);
        let role = |t: &str| t.len() >= 3 && dict::is_router_word(t);
        (role(tail) || (tail.len() > 3 && role(&tail[..tail.len() - 1]))).then_some(head)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alphas(name: &str) -> Vec<String> {
        tokenize(name).tokens.into_iter().map(|t| t.alpha).collect()
    }

    #[test]
    fn labels_parts_and_site_numbers() {
        let t = tokenize("be3294.ccr41.sjc03.atlas.cogentco.com.");
        assert_eq!(t.domain, "cogentco.com");
        assert_eq!(
            alphas("be3294.ccr41.sjc03.atlas.cogentco.com"),
            ["be", "ccr", "sjc", "atlas"]
        );
        let sjc = &t.tokens[2];
        assert_eq!((sjc.text.as_str(), sjc.label), ("sjc03", 2));
        assert_eq!(
            alphas("ae-2-3602.ear2.London1.Level3.net"),
            ["ae", "ear", "london"]
        );
    }

    #[test]
    fn a_site_after_a_role_and_its_number() {
        assert_eq!(
            alphas("bbr02atlnga-bue-3.atln.ga.charter.com"),
            ["bbr", "atlnga", "bue", "atln", "ga"]
        );
        // Init7's `r1gva1`: a router letter, then a site of three letters with its number.
        assert_eq!(alphas("r1gva1.core.init7.net"), ["r", "gva", "core"]);
        // Not after a word that is no role, nor a short tail (`r4003s` is no site).
        assert_eq!(alphas("abc02atlnga.example.net"), ["abc"]);
        assert_eq!(alphas("cr02xyz.example.net"), ["cr"]);
    }

    #[test]
    fn a_site_before_a_role_and_its_number() {
        assert_eq!(
            alphas("mcibbrj01.rd.ks.cox.net"),
            ["mcibbrj", "mci", "rd", "ks"]
        );
        assert_eq!(alphas("dalsbbrj01-ae0.r2.dl.cox.net")[1], "dals");
        // Not without the number, nor with a short head or a long tail.
        assert_eq!(alphas("mcibbrj.example.net"), ["mcibbrj"]);
        assert_eq!(alphas("mibbr1.example.net"), ["mibbr"]);
        assert_eq!(alphas("mcibbrxy1.example.net"), ["mcibbrxy"]);
    }

    #[test]
    fn parts_starting_with_digits_give_nothing() {
        assert_eq!(alphas("100ge14-1.core1.sjc2.he.net"), ["core", "sjc"]);
        assert_eq!(
            alphas("be-2-pe03.529bryant.ca.ibone.comcast.net"),
            ["be", "pe", "ca", "ibone"]
        );
    }

    #[test]
    fn joined_parts_and_qualifiers() {
        let t = tokenize("xe-1.cr2.los-angeles.ca.example.net");
        let joined = t.tokens.iter().find(|t| t.alpha == "losangeles").unwrap();
        assert_eq!(joined.qualifier.as_deref(), Some("ca"));
        let t = tokenize("ae-5.r24.asbnva02.us.bb.gin.ntt.net");
        let clli = t.tokens.iter().find(|t| t.alpha == "asbnva").unwrap();
        assert_eq!(clli.qualifier.as_deref(), Some("us"));
        assert_eq!(t.domain, "ntt.net");
    }

    #[test]
    fn registered_domains_under_second_level_labels() {
        assert_eq!(tokenize("core1.man.example.co.uk").domain, "example.co.uk");
        assert_eq!(alphas("core1.man.example.co.uk"), ["core", "man"]);
        assert_eq!(tokenize("cr2.dlstx.ip.att.net").domain, "att.net");
    }

    #[test]
    fn nothing_from_bare_or_absurd_names() {
        assert!(tokenize("localhost").tokens.is_empty());
        assert!(tokenize("").tokens.is_empty());
        assert!(tokenize(&"a.".repeat(200)).tokens.is_empty());
        assert!(tokenize("example.net").tokens.is_empty());
    }
}
