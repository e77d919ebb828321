//! What a name's structure says before any dictionary is read: whether it is a router's
//! (router vocabulary, an interface part led by its speed, an exchange member's port), and
//! which tokens are the network's own name.
//!
//! Why apart: these are the "structure" of "structure before dictionaries" in
//! [`super::hostname`]; they look at the whole name's shape, not at what letters mean.

use super::dict;
use super::tokens::{Token, Tokens};

/// Whether the name is a router's: a token of router vocabulary (`ae`, `core`), an interface
/// part led by its speed (`10ge`), or an exchange member's port (`4826.syd.equinix.com`).
pub(super) fn router_like(tokens: &Tokens) -> bool {
    tokens.tokens.iter().any(|t| dict::is_router_word(&t.alpha))
        || tokens.host_labels.iter().any(|l| has_interface_part(l))
        || is_member_port(&tokens.host_labels)
}

/// True when a token is the network's own name or its start (`ren` in `renater.fr`,
/// `geant` in `geant.net`), without a site number: operators write their name into their
/// routers' names (`ren-nr-lyon1-rtr`), and it says nothing about where a router is.
pub(super) fn is_network_name(token: &Token, domain: &str) -> bool {
    let network = domain.split('.').next().unwrap_or_default();
    !token.site_number && token.alpha.len() >= 3 && network.starts_with(token.alpha.as_str())
}

/// True when the first label is a network's AS number (`4826.syd.equinix.com`,
/// `p55967.hkg.…`, `as8075-…`) and the second is no number: an exchange's or a colocation's
/// port for a member network, named `member.site.domain`. (Two number labels are an address,
/// `14.140.113.118.static-…`.)
fn is_member_port(labels: &[String]) -> bool {
    let asn = |l: &str| {
        let digits = l.trim_start_matches("as").trim_start_matches('p');
        (3..=6).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
    };
    let number = |l: &str| !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit());
    match labels {
        [first, second, ..] => asn(first.split('-').next().unwrap_or_default()) && !number(second),
        _ => false,
    }
}

/// True when a label has an interface part that begins with its speed (`10ge`, `100ge`,
/// `40gig`): digits, then router vocabulary. Such parts give no token of their own, but
/// they say the name is a router's.
fn has_interface_part(label: &str) -> bool {
    label.split(['-', '_']).any(|part| {
        let letters = part.trim_start_matches(|c: char| c.is_ascii_digit());
        letters.len() < part.len()
            && !letters.is_empty()
            && letters.bytes().all(|b| b.is_ascii_alphabetic())
            && dict::is_router_word(letters)
    })
}

/// The codes a label may end in that span hyphens, longest first: the whole label and every
/// end of it after a hyphen that still holds one (`s3-website-ap-southeast-2` gives
/// `website-ap-southeast-2`, then `ap-southeast-2`, then `southeast-2`). Cloud providers
/// name regions so (AWS's `eu-central-1`); operator tables hold such codes whole.
pub(super) fn label_codes(label: &str) -> impl Iterator<Item = &str> {
    std::iter::once(label)
        .chain(label.match_indices('-').map(move |(i, _)| &label[i + 1..]))
        .filter(|code| code.contains('-'))
}
