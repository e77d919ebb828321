//! The per-address answer cache: a measurement's traces cross the same routers again and
//! again, so most lookups are repeats.
//!
//! Two generations, each at most [`GENERATION`] addresses: answers go into the young one;
//! when it is full it becomes the old one (the previous old one is dropped) and a hit in the
//! old one moves back to the young. Memory stays bounded (at most twice a generation) while
//! the addresses still in use survive a turnover — where emptying one full map, as this
//! cache once did, forgot the busy core routers along with the one-off addresses every
//! 8,192 new ones.

use super::Location;
use std::collections::HashMap;
use std::net::IpAddr;

/// Addresses per generation.
pub const GENERATION: usize = 8_192;

#[derive(Default)]
pub struct AddressCache {
    young: HashMap<IpAddr, Location>,
    old: HashMap<IpAddr, Location>,
}

impl AddressCache {
    /// The answer kept for `ip`, if any (moving it to the young generation).
    pub fn get(&mut self, ip: IpAddr) -> Option<Location> {
        if let Some(hit) = self.young.get(&ip) {
            return Some(hit.clone());
        }
        let hit = self.old.remove(&ip)?;
        self.insert(ip, hit.clone());
        Some(hit)
    }

    /// Keeps `location` as the answer for `ip`.
    pub fn insert(&mut self, ip: IpAddr, location: Location) {
        if self.young.len() >= GENERATION && !self.young.contains_key(&ip) {
            self.old = std::mem::take(&mut self.young);
        }
        self.young.insert(ip, location);
    }

    /// Addresses kept.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.young.len() + self.old.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(i: u32) -> IpAddr {
        IpAddr::from(i.to_be_bytes())
    }

    fn at(i: u32) -> Location {
        Location {
            asn: Some(i),
            ..Location::default()
        }
    }

    #[test]
    fn busy_addresses_survive_a_turnover_and_memory_is_bounded() {
        let mut cache = AddressCache::default();
        let busy = addr(1);
        cache.insert(busy, at(1));
        // Many one-off addresses, the busy one asked for now and then.
        for i in 0..(5 * GENERATION as u32) {
            cache.insert(addr(1000 + i), at(1000 + i));
            if i % 1000 == 0 {
                assert_eq!(cache.get(busy).and_then(|l| l.asn), Some(1), "after {i}");
            }
            assert!(cache.len() <= 2 * GENERATION);
        }
        assert_eq!(cache.get(busy).and_then(|l| l.asn), Some(1));
        // A one-off address from long ago is gone; a recent one is kept, with its answer.
        assert!(cache.get(addr(1000)).is_none());
        let recent = 1000 + 5 * GENERATION as u32 - 1;
        assert_eq!(cache.get(addr(recent)).and_then(|l| l.asn), Some(recent));
    }
}
