//! The load-balanced topologies that the multipath tests, the side-by-side comparison with
//! scamper's tracelb and the tracelb import test share: each as routers and edges for
//! [`Topology::graph`], with the links a complete discovery must find.
//!
//! Why one place: the three must measure the same networks, and a link list written out three
//! times drifts. Routers marked `true` spread flows over their next hops (kernel ECMP).

use super::Topology;

/// A diamond: its routers (`role`, spreads flows) and edges between node indices (0 is
/// `src`, the routers follow in order, the last is `dst`), and the links between roles.
pub struct Diamond {
    pub routers: &'static [(&'static str, bool)],
    pub edges: &'static [(usize, usize)],
    pub links: &'static [(&'static str, &'static str)],
}

impl Diamond {
    /// Builds it in namespaces (`None` where the root/skip policy says to skip).
    pub fn build(&self) -> Option<Topology> {
        Topology::graph(self.routers, self.edges)
    }
}

/// `r1` spreads over `a` and `b`, which rejoin at `j`.
pub const TWO_WIDE: Diamond = Diamond {
    routers: &[("r1", true), ("a", false), ("b", false), ("j", false)],
    edges: &[(0, 1), (1, 2), (1, 3), (2, 4), (3, 4), (4, 5)],
    links: &[
        ("r1", "a"),
        ("r1", "b"),
        ("a", "j"),
        ("b", "j"),
        ("j", "dst"),
    ],
};

/// `r1` spreads over four routers that rejoin at `j`.
pub const FOUR_WIDE: Diamond = Diamond {
    routers: &[
        ("r1", true),
        ("a", false),
        ("b", false),
        ("c", false),
        ("d", false),
        ("j", false),
    ],
    edges: &[
        (0, 1),
        (1, 2),
        (1, 3),
        (1, 4),
        (1, 5),
        (2, 6),
        (3, 6),
        (4, 6),
        (5, 6),
        (6, 7),
    ],
    links: &[
        ("r1", "a"),
        ("r1", "b"),
        ("r1", "c"),
        ("r1", "d"),
        ("a", "j"),
        ("b", "j"),
        ("c", "j"),
        ("d", "j"),
        ("j", "dst"),
    ],
};

/// `r1` spreads over `x` and `y`; `x` spreads again over `x1` and `x2`; all rejoin at `j`.
pub const NESTED: Diamond = Diamond {
    routers: &[
        ("r1", true),
        ("x", true),
        ("y", false),
        ("x1", false),
        ("x2", false),
        ("y1", false),
        ("j", false),
    ],
    edges: &[
        (0, 1),
        (1, 2),
        (1, 3),
        (2, 4),
        (2, 5),
        (3, 6),
        (4, 7),
        (5, 7),
        (6, 7),
        (7, 8),
    ],
    links: &[
        ("r1", "x"),
        ("r1", "y"),
        ("x", "x1"),
        ("x", "x2"),
        ("y", "y1"),
        ("x1", "j"),
        ("x2", "j"),
        ("y1", "j"),
        ("j", "dst"),
    ],
};
