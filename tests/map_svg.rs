//! The SVG map, read back with an XML parser: markers, arcs, dashes, the antimeridian, the view,
//! self-containment, and a real renderer (resvg) drawing it.

mod map_fixtures;

use globetrace::distance::Units;
use globetrace::path::Path;
use globetrace::report::map::{render_svg, MapOptions, LEG_COLOUR};
use map_fixtures::{detour_and_satellite, europe, pacific, path, place, transatlantic};
use roxmltree::{Document, Node};

fn svg(path: &Path, opts: &MapOptions) -> String {
    render_svg(path, opts)
}

fn fitted() -> MapOptions {
    MapOptions::default()
}

fn world() -> MapOptions {
    MapOptions {
        world: true,
        ..MapOptions::default()
    }
}

fn has_class(n: &Node, class: &str) -> bool {
    n.attribute("class")
        .is_some_and(|c| c.split_whitespace().any(|w| w == class))
}

fn with_class<'a, 'i>(doc: &'a Document<'i>, class: &str) -> Vec<Node<'a, 'i>> {
    doc.descendants()
        .filter(|n| n.is_element() && has_class(n, class))
        .collect()
}

/// The points of path data written as `M x y L x y ...`.
fn points(d: &str) -> Vec<(f64, f64)> {
    d.split(['M', 'L'])
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            let mut it = s.split_whitespace().map(|v| v.parse::<f64>().unwrap());
            (it.next().unwrap(), it.next().unwrap())
        })
        .collect()
}

/// Each drawn piece of a leg group, as points.
fn pieces(leg: &Node) -> Vec<Vec<(f64, f64)>> {
    leg.children()
        .filter(|c| c.has_tag_name("path"))
        .map(|p| points(p.attribute("d").unwrap()))
        .collect()
}

/// The root's `data-view`: west, south, east, north in (unwrapped) degrees.
fn view(doc: &Document) -> [f64; 4] {
    let v: Vec<f64> = doc
        .root_element()
        .attribute("data-view")
        .unwrap()
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    [v[0], v[1], v[2], v[3]]
}

fn width(doc: &Document) -> f64 {
    doc.root_element()
        .attribute("width")
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn one_numbered_marker_per_located_hop() {
    let p = transatlantic();
    let text = svg(&p, &fitted());
    let doc = Document::parse(&text).expect("well-formed XML");
    let markers = with_class(&doc, "marker");
    let numbers: Vec<String> = markers
        .iter()
        .map(|m| m.attribute("data-hop").unwrap().to_string())
        .collect();
    assert_eq!(numbers, ["1", "2", "4", "5", "6"], "silent hop 3 has none");
    for m in &markers {
        let label = m
            .descendants()
            .find(|n| n.has_tag_name("text"))
            .and_then(|t| t.text());
        assert_eq!(label, m.attribute("data-hop"), "the marker shows its hop");
    }
    let destination = with_class(&doc, "destination");
    assert_eq!(destination.len(), 1);
    assert_eq!(destination[0].attribute("data-hop"), Some("6"));
    // Place labels: London once for its two hops.
    let places: Vec<&str> = with_class(&doc, "place")
        .iter()
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(places.iter().filter(|t| t.contains("London")).count(), 1);
    assert!(places.iter().any(|t| t.contains("San Jose")), "{places:?}");
}

#[test]
fn one_geodesic_arc_per_leg() {
    let p = transatlantic();
    let doc_text = svg(&p, &fitted());
    let doc = Document::parse(&doc_text).unwrap();
    let legs = with_class(&doc, "leg");
    let summary = p.distance.as_ref().unwrap();
    assert_eq!(legs.len(), summary.legs.len());
    for (node, leg) in legs.iter().zip(&summary.legs) {
        assert!(has_class(node, "counted"));
        assert_eq!(
            node.attribute("data-from-hop"),
            Some(&*leg.from_hop.to_string())
        );
        assert_eq!(
            node.attribute("data-to-hop"),
            Some(&*leg.to_hop.to_string())
        );
        assert_eq!(node.attribute("stroke"), Some(LEG_COLOUR));
        assert_eq!(node.attribute("stroke-dasharray"), None);
    }
    // London → New York is a curve (many points, bulging north of the straight line).
    let atlantic = legs
        .iter()
        .find(|l| l.attribute("data-to-hop") == Some("4"))
        .unwrap();
    let drawn = pieces(atlantic);
    assert_eq!(drawn.len(), 1);
    let line = &drawn[0];
    assert!(line.len() > 10, "{} points", line.len());
    let (a, b) = (line[0], line[line.len() - 1]);
    let mid = line[line.len() / 2];
    let straight_y = a.1 + (b.1 - a.1) * (mid.0 - a.0) / (b.0 - a.0);
    assert!(mid.1 < straight_y - 10.0, "north of the chord (smaller y)");
    // The legend carries the figures in both units.
    let distances = with_class(&doc, "distances")[0].text().unwrap().to_string();
    assert!(
        distances.contains("mi (") && distances.contains(" km)"),
        "{distances}"
    );
    assert!(distances.contains("Stretch"), "{distances}");
}

#[test]
fn left_out_places_get_dashed_connectors_and_satellite_legs_are_marked() {
    let p = detour_and_satellite();
    let text = svg(&p, &fitted());
    let doc = Document::parse(&text).unwrap();
    let legs = with_class(&doc, "leg");
    let dashed: Vec<_> = legs.iter().filter(|l| has_class(l, "left-out")).collect();
    let counted: Vec<_> = legs.iter().filter(|l| has_class(l, "counted")).collect();
    // London → Sydney → Paris dashed; London → Paris and Paris → Lagos counted.
    assert_eq!(dashed.len(), 2);
    assert_eq!(counted.len(), 2);
    for l in &dashed {
        assert!(l.attribute("stroke-dasharray").is_some());
    }
    for l in &counted {
        assert!(l.attribute("stroke-dasharray").is_none());
    }
    let ends = |l: &&Node| {
        (
            l.attribute("data-from-hop").unwrap().to_string(),
            l.attribute("data-to-hop").unwrap().to_string(),
        )
    };
    let bridged: Vec<_> = counted.iter().map(ends).collect();
    assert!(bridged.contains(&("1".into(), "3".into())), "{bridged:?}");
    let satellite: Vec<_> = legs.iter().filter(|l| has_class(l, "satellite")).collect();
    assert_eq!(satellite.len(), 1);
    assert_eq!(ends(&satellite[0]), ("3".into(), "4".into()));
    assert_ne!(satellite[0].attribute("stroke"), Some(LEG_COLOUR));
    let left_out_marker = with_class(&doc, "left-out")
        .into_iter()
        .find(|n| has_class(n, "marker"))
        .expect("the left-out hop's marker is marked");
    assert_eq!(left_out_marker.attribute("data-hop"), Some("2"));
    let legend: String = with_class(&doc, "legend")[0]
        .descendants()
        .filter_map(|n| n.text())
        .collect();
    assert!(
        legend.contains("left out of the distance: hop 2 (anycast address)"),
        "{legend}"
    );
    assert!(legend.contains("satellite"), "{legend}");
}

#[test]
fn a_pacific_leg_is_split_at_the_antimeridian_on_the_world_map() {
    let text = svg(&pacific(), &world());
    let doc = Document::parse(&text).unwrap();
    let w = width(&doc);
    let legs = with_class(&doc, "leg");
    assert_eq!(legs.len(), 1);
    let drawn = pieces(&legs[0]);
    assert_eq!(drawn.len(), 2, "two pieces, not one line across the map");
    for piece in &drawn {
        let xs = piece.iter().map(|p| p.0);
        let span = xs.clone().fold(f64::MIN, f64::max) - xs.fold(f64::MAX, f64::min);
        assert!(
            span < w / 2.0,
            "a piece spans {span} px of {w}: more than 180°"
        );
        assert!(piece.iter().all(|p| (0.0..=w).contains(&p.0)));
    }
    // Tokyo's piece runs to the east edge, Los Angeles's starts at the west edge.
    assert!(drawn.iter().any(|p| (p.last().unwrap().0 - w).abs() < 0.5));
    assert!(drawn.iter().any(|p| p[0].0.abs() < 0.5));
    // Every step within a piece is short: nothing jumps across.
    for piece in &drawn {
        assert!(piece.windows(2).all(|s| (s[1].0 - s[0].0).abs() < w / 4.0));
    }
}

#[test]
fn a_pacific_path_is_drawn_whole_in_a_fitted_view() {
    let text = svg(&pacific(), &fitted());
    let doc = Document::parse(&text).unwrap();
    let [west, _, east, _] = view(&doc);
    assert!(
        east - west < 180.0,
        "a Pacific view, not the world: {west}..{east}"
    );
    assert!(west < 139.6 && east > 360.0 - 118.3, "{west}..{east}");
    let legs = with_class(&doc, "leg");
    assert_eq!(pieces(&legs[0]).len(), 1, "contiguous across 180°");
    let markers = with_class(&doc, "marker");
    let x = |n: &Node| {
        n.descendants()
            .find(|c| c.has_tag_name("circle"))
            .and_then(|c| c.attribute("cx"))
            .unwrap()
            .parse::<f64>()
            .unwrap()
    };
    assert!(x(&markers[0]) < x(&markers[1]), "Tokyo west of Los Angeles");
}

#[test]
fn a_europe_path_fills_the_map() {
    let text = svg(&europe(), &fitted());
    let doc = Document::parse(&text).unwrap();
    let [west, south, east, north] = view(&doc);
    assert!(east - west < 60.0, "{west}..{east}");
    assert!(north - south < 40.0, "{south}..{north}");
    assert!(west < -0.13 && east > 8.69 && south < 50.1 && north > 52.4);
    let circles: Vec<f64> = doc
        .descendants()
        .filter(|n| n.has_tag_name("circle") && n.ancestors().any(|a| has_class(&a, "marker")))
        .map(|n| n.attribute("cx").unwrap().parse().unwrap())
        .collect();
    let spread = circles.iter().fold(f64::MIN, |a, &b| a.max(b))
        - circles.iter().fold(f64::MAX, |a, &b| a.min(b));
    assert!(
        spread > width(&doc) / 4.0,
        "London to Frankfurt is {spread} px"
    );
}

#[test]
fn map_world_shows_the_whole_world() {
    let doc_text = svg(&europe(), &world());
    let doc = Document::parse(&doc_text).unwrap();
    assert_eq!(view(&doc), [-180.0, -90.0, 180.0, 90.0]);
    // No trace at all still gives a world map and a legend that says why.
    let empty = path(&[], &[1, 2], None);
    let text = svg(&empty, &fitted());
    let doc = Document::parse(&text).unwrap();
    assert_eq!(view(&doc), [-180.0, -90.0, 180.0, 90.0]);
    assert!(with_class(&doc, "marker").is_empty());
    let distances = with_class(&doc, "distances")[0].text().unwrap();
    assert!(distances.starts_with("No distances"), "{distances}");
}

#[test]
fn origin_is_drawn_and_starts_the_first_leg() {
    let p = path(
        &[
            place(1, "Paris", "FR", 48.8566, 2.3522),
            place(2, "Madrid", "ES", 40.4168, -3.7038),
        ],
        &[],
        Some((51.5072, -0.1276)),
    );
    let opts = MapOptions {
        origin: Some((51.5072, -0.1276)),
        units: Units::Km,
        ..MapOptions::default()
    };
    let text = svg(&p, &opts);
    let doc = Document::parse(&text).unwrap();
    let origin = with_class(&doc, "origin");
    assert_eq!(origin.len(), 1);
    assert_eq!(origin[0].attribute("data-hop"), Some("0"));
    let legs = with_class(&doc, "leg");
    assert_eq!(legs.len(), 2);
    assert_eq!(legs[0].attribute("data-from-hop"), Some("0"));
    let distances = with_class(&doc, "distances")[0].text().unwrap();
    assert!(
        distances.contains(" km (") && distances.contains(" mi)"),
        "km first: {distances}"
    );
}

#[test]
fn self_contained_and_escaped() {
    let hostile = path(
        &[
            place(1, "London", "GB", 51.5, -0.12),
            place(2, "<b>&\"Paris\"</b>", "FR", 48.85, 2.35).named("x<script>.example"),
        ],
        &[],
        None,
    );
    let text = svg(&hostile, &fitted());
    let doc = Document::parse(&text).expect("still well-formed");
    for banned in [
        "<script",
        "href",
        "@import",
        "@font-face",
        "<image",
        "<foreignObject",
        "http:",
        "https:",
    ] {
        let outside_ns = text.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
        assert!(!outside_ns.contains(banned), "contains {banned}");
    }
    for (i, _) in text.match_indices("url(") {
        assert!(text[i..].starts_with("url(#"), "only local references");
    }
    assert_eq!(
        doc.root_element().attribute("font-family"),
        Some("sans-serif")
    );
    let places: Vec<&str> = with_class(&doc, "place")
        .iter()
        .filter_map(|n| n.text())
        .collect();
    assert!(
        places.iter().any(|t| t.contains("<b>&\"Paris\"</b>")),
        "{places:?}"
    );
}

#[test]
fn size_options_are_respected() {
    let opts = MapOptions {
        width: 800,
        height: Some(600),
        ..MapOptions::default()
    };
    let text = svg(&transatlantic(), &opts);
    let doc = Document::parse(&text).unwrap();
    assert_eq!(width(&doc), 800.0);
    assert_eq!(doc.root_element().attribute("height"), Some("600"));
    assert_eq!(doc.root_element().attribute("viewBox"), Some("0 0 800 600"));
}

#[test]
fn resvg_renders_the_path() {
    let text = svg(&transatlantic(), &fitted());
    let tree = resvg::usvg::Tree::from_str(&text, &resvg::usvg::Options::default())
        .expect("resvg parses the map");
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height()).unwrap();
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::identity(),
        &mut pixmap.as_mut(),
    );
    let leg = (0xd6, 0x2d, 0x20);
    assert_eq!(LEG_COLOUR, "#d62d20");
    let close = |p: &resvg::tiny_skia::PremultipliedColorU8, (r, g, b): (u8, u8, u8), tol: u8| {
        p.red().abs_diff(r) <= tol && p.green().abs_diff(g) <= tol && p.blue().abs_diff(b) <= tol
    };
    let pixels = pixmap.pixels();
    let count = |colour, tol| pixels.iter().filter(|p| close(p, colour, tol)).count();
    let path_pixels = count(leg, 24);
    assert!(path_pixels > 500, "{path_pixels} pixels of the path colour");
    // The base map is there too: sea (#dbe9f4) and land (#f4f1e8) each cover a good share.
    let (sea, land) = (count((0xdb, 0xe9, 0xf4), 2), count((0xf4, 0xf1, 0xe8), 2));
    assert!(
        sea > pixels.len() / 10,
        "{sea} sea pixels of {}",
        pixels.len()
    );
    assert!(
        land > pixels.len() / 10,
        "{land} land pixels of {}",
        pixels.len()
    );
}
