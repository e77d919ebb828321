use super::*;
use crate::trace::{Reply, ReplyKind};
use std::net::Ipv4Addr;

fn ip(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(10, 0, 0, last))
}

fn reply(last: u8, ms: u64, kind: ReplyKind) -> Option<Reply> {
    Some(Reply::new(ip(last), Some(Duration::from_millis(ms)), kind))
}

fn te(last: u8, ms: u64) -> Option<Reply> {
    reply(last, ms, ReplyKind::TimeExceeded)
}

fn hop(ttl: u8, probes: Vec<Option<Reply>>) -> Hop {
    Hop { ttl, probes }
}

#[test]
fn rtt_figures_are_mtrs() {
    let mut s = RttStats::default();
    for ms in [10, 14, 12, 20] {
        s.add(Duration::from_millis(ms));
    }
    assert_eq!(s.count, 4);
    assert_eq!(s.last_ms, Some(20.0));
    assert_eq!(s.best_ms, Some(10.0));
    assert_eq!(s.worst_ms, Some(20.0));
    assert!((s.avg_ms().unwrap() - 14.0).abs() < 1e-9);
    // Population stdev of 10, 14, 12, 20: sqrt((16 + 0 + 4 + 36) / 4) = sqrt(14).
    assert!((s.stdev_ms().unwrap() - 14f64.sqrt()).abs() < 1e-9);
    // Successive differences 4, 2, 8: mean 14/3, max 8.
    assert!((s.jitter_ms().unwrap() - 14.0 / 3.0).abs() < 1e-9);
    assert_eq!(s.jitter_max_ms, Some(8.0));
}

#[test]
fn one_sample_has_no_jitter_and_zero_stdev() {
    let mut s = RttStats::default();
    s.add(Duration::from_millis(7));
    assert_eq!(s.jitter_ms(), None);
    assert_eq!(s.stdev_ms(), Some(0.0));
    assert_eq!(RttStats::default().avg_ms(), None);
}

#[test]
fn loss_counts_every_probe_of_every_cycle() {
    let mut a = Aggregate::new();
    a.add_pass(1, &[hop(1, vec![te(1, 1)]), hop(2, vec![None])], false);
    a.add_pass(2, &[hop(1, vec![None]), hop(2, vec![te(2, 2)])], false);
    let h1 = a.hop(1).unwrap();
    assert_eq!((h1.sent, h1.received), (2, 1));
    assert_eq!(h1.loss_pct(), 50.0);
    assert_eq!(a.cycles, 2);
}

#[test]
fn probes_beyond_the_destination_are_not_hops() {
    let mut a = Aggregate::new();
    let dst = reply(3, 3, ReplyKind::EchoReply);
    a.add_pass(
        1,
        &[
            hop(1, vec![te(1, 1)]),
            hop(2, vec![dst.clone()]),
            hop(3, vec![None]),
        ],
        true,
    );
    a.add_pass(2, &[hop(1, vec![te(1, 1)]), hop(2, vec![dst])], true);
    assert_eq!(a.destination_ttl, Some(2));
    assert_eq!(a.hops().map(|h| h.ttl).collect::<Vec<_>>(), vec![1, 2]);
    assert_eq!(a.reached, 2);
}

#[test]
fn a_changed_responder_is_a_route_change_at_its_cycle() {
    let mut a = Aggregate::new();
    for cycle in 1..=5 {
        let who = if cycle < 4 { 7 } else { 9 };
        a.add_pass(cycle, &[hop(1, vec![te(who, 1)])], false);
    }
    // A silent cycle in between is no change.
    a.add_pass(6, &[hop(1, vec![None])], false);
    a.add_pass(7, &[hop(1, vec![te(9, 1)])], false);
    let h = a.hop(1).unwrap();
    assert_eq!(
        h.route_changes,
        vec![RouteChange {
            cycle: 4,
            from: ip(7),
            to: ip(9)
        }]
    );
    assert_eq!(h.responders.len(), 2);
    assert_eq!(h.responder(ip(7)).unwrap().last_cycle, 3);
    assert_eq!(h.responder(ip(9)).unwrap().first_cycle, 4);
}

#[test]
fn route_changes_kept_are_bounded_but_counted() {
    let mut a = Aggregate::new();
    for cycle in 1..=1000u64 {
        let who = (cycle % 2) as u8 + 1;
        a.add_pass(cycle, &[hop(1, vec![te(who, 1)])], false);
    }
    let h = a.hop(1).unwrap();
    assert_eq!(h.route_changes.len(), MAX_CHANGES_KEPT);
    assert_eq!(h.route_change_count, 999);
}

/// Builds `cycles` passes where each hop loses a given share of probes, deterministically
/// spread (a lost probe every `1/share` cycles).
fn passes_with_loss(losses: &[f64], cycles: u64) -> Aggregate {
    let mut a = Aggregate::new();
    for c in 1..=cycles {
        let hops: Vec<Hop> = losses
            .iter()
            .enumerate()
            .map(|(i, share)| {
                let ttl = i as u8 + 1;
                let lost = ((c as f64) * share).floor() > (((c - 1) as f64) * share).floor();
                hop(ttl, vec![(!lost).then(|| te(ttl, 1)).flatten()])
            })
            .collect();
        a.add_pass(c, &hops, false);
    }
    a
}

#[test]
fn loss_only_at_one_hop_is_rate_limiting() {
    let a = passes_with_loss(&[0.0, 0.3, 0.0, 0.0], 100);
    let v = a.loss_verdicts();
    assert_eq!(v[1].1.kind, LossKind::RateLimited);
    assert!((v[1].1.own_pct - 30.0).abs() < 1e-9);
    for i in [0, 2, 3] {
        assert_eq!(v[i].1.kind, LossKind::None, "hop {}", i + 1);
    }
}

#[test]
fn loss_that_carries_on_is_forward_loss_from_its_hop() {
    let a = passes_with_loss(&[0.0, 0.0, 0.2, 0.2, 0.2], 100);
    let kinds: Vec<LossKind> = a.loss_verdicts().iter().map(|(_, v)| v.kind).collect();
    assert_eq!(
        kinds,
        vec![
            LossKind::None,
            LossKind::None,
            LossKind::Forward,
            LossKind::Forward,
            LossKind::Forward
        ]
    );
}

#[test]
fn a_throttling_hop_behind_forward_loss_is_both() {
    let a = passes_with_loss(&[0.0, 0.2, 0.5, 0.2], 200);
    let v = a.loss_verdicts();
    assert_eq!(v[1].1.kind, LossKind::Forward);
    assert_eq!(v[2].1.kind, LossKind::ForwardAndRateLimited);
    assert!((v[2].1.forward_pct - 20.0).abs() < 1e-9);
    assert!((v[2].1.own_pct - 30.0).abs() < 1e-9);
}

#[test]
fn two_samples_of_one_forward_loss_are_not_told_apart_as_rate_limiting() {
    // A link before hop 3 loses 20 %: hops 3 and 4 read 23.5 % and 16.5 % in 200 cycles, as a
    // live run did. The 7 points between them are the two samples' noise, not hop 3's own.
    let a = passes_with_loss(&[0.0, 0.0, 0.235, 0.165], 200);
    let v = a.loss_verdicts();
    assert_eq!(v[2].1.kind, LossKind::Forward);
    assert_eq!(v[3].1.kind, LossKind::Forward);
    // A real difference stands out of that noise (30 points of a throttled hop's own).
    let a = passes_with_loss(&[0.0, 0.0, 0.465, 0.165], 200);
    assert_eq!(a.loss_verdicts()[2].1.kind, LossKind::ForwardAndRateLimited);
}

#[test]
fn noise_is_not_loss() {
    // One probe lost in 100 at the last hop: within sampling noise.
    let a = passes_with_loss(&[0.0, 0.01], 100);
    assert!(a
        .loss_verdicts()
        .iter()
        .all(|(_, v)| v.kind == LossKind::None));
}

#[test]
fn silent_hops_do_not_hide_forward_loss() {
    // Hop 2 never answers: it says nothing about loss after it.
    let a = passes_with_loss(&[0.0, 1.0, 0.0], 50);
    let v = a.loss_verdicts();
    assert_eq!(v[1].1.kind, LossKind::NoReply);
    assert_eq!(v[2].1.kind, LossKind::None);
}

#[test]
fn reset_forgets_figures_but_keeps_the_path_length() {
    let mut a = Aggregate::new();
    a.add_pass(
        1,
        &[
            hop(1, vec![te(1, 1)]),
            hop(2, vec![reply(2, 2, ReplyKind::EchoReply)]),
        ],
        true,
    );
    a.reset();
    assert_eq!(a.cycles, 0);
    assert_eq!(a.hops().count(), 0);
    assert_eq!(a.destination_ttl, Some(2));
}

#[test]
fn memory_does_not_grow_with_cycles() {
    let mut a = Aggregate::new();
    for c in 1..=10_000u64 {
        a.add_pass(c, &[hop(1, vec![te(1, c % 7)]), hop(2, vec![None])], false);
    }
    let h = a.hop(1).unwrap();
    assert_eq!(h.rtt.count, 10_000);
    assert_eq!(h.responders.len(), 1);
    assert!(h.route_changes.is_empty());
}
