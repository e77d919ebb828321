#!/usr/bin/env python3
"""Builds data/hints/footprints.tsv: the cities where operators have nodes.

For each network of hand/footprint_networks.txt (an Internet Topology Zoo file and the
registered domain its routers are named under), every node of the Zoo's GML transcription of
the operator's published network map that has coordinates is placed at a city of cities.tsv
(built by build.py, so run this after it): of the cities within RADIUS_KM (those in the
node's own country when the Zoo names it and one lies there), the most populous whose name
the label spells, else the most populous. Nodes without
coordinates (external networks, exchanges, "INTERNET") are skipped; nodes with no city within
RADIUS_KM are dropped and counted, and so are nodes whose label names a big city far from
their coordinates (see misplaced). Labels only choose among the cities near the coordinates;
many are not cities at all ("TVN", "GEANT").

Usage:
  build_footprints.py ZOO [--commit SHA]

ZOO is any of
  * a checkout of https://github.com/mroughan/InternetTopologyZoo (its gml/*.gml files),
  * that repository's gml.tar.gz,
  * a git directory of it (bare or not): gml.tar.gz is read from --commit (default HEAD).
--commit names the Zoo commit in the output's header; for a git directory it is also the
commit read; a checkout with .git must be at it (its HEAD is used when --commit is not given).

Output: footprints.tsv, UTF-8, '#' lines are comments, one line per (domain, city):
  domain  lat  lon  cc  admin1  population  name  zoo_label
sorted by domain, then population (largest first), then name. zoo_label lists the distinct
Zoo labels of the nodes placed at that city, joined by "; ".

Only the Python standard library is used.
"""

import io
import math
import re
import subprocess
import sys
import tarfile
from pathlib import Path

from build import fold, km  # the same keys and distances as the other tables

HERE = Path(__file__).resolve().parent
# A node is in the city its label names if one within RADIUS_KM has that name (Ashburn's node
# is Ashburn, not Germantown, which is bigger), else in the most populous within RADIUS_KM.
RADIUS_KM = 30.0
# A node whose label is the name of a big city (the primary name of a city of
# NAMESAKE_POPULATION or more, or another name of one of ALTERNATE_NAMESAKE_POPULATION or
# more: "New York") while no city of that name, big or small, lies within MISPLACED_KM is
# taken as mis-geocoded and dropped. The floors keep labels of small towns and regional
# networks (SURFnet's "Breukelen", a Dutch name of Brooklyn; Janet's "NorMAN", Norman,
# Oklahoma) from reading as misplaced big cities.
MISPLACED_KM = 100.0
NAMESAKE_POPULATION = 250_000
ALTERNATE_NAMESAKE_POPULATION = 5_000_000
LICENCE = "CC BY 4.0"
ATTRIBUTION = (
    "S. Knight, H. X. Nguyen, N. Falkner, R. Bowden, M. Roughan, \"The Internet Topology Zoo\", "
    "IEEE Journal on Selected Areas in Communications 29(9), 1765-1775, 2011, "
    "doi:10.1109/JSAC.2011.111002"
)


class GmlError(Exception):
    pass


TOKEN = re.compile(r'\s*(?:(\[)|(\])|"([^"]*)"|([^\s\[\]"]+))', re.S)


def parse_gml(text):
    """GML as nested lists of (key, value) pairs; a value is a string, a number or a list."""
    pos, stack, current, key = 0, [], [], None
    while True:
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            if text[pos:].strip():
                raise GmlError(f"unreadable text at offset {pos}")
            break
        pos = m.end()
        open_, close, quoted, bare = m.groups()
        if key is None:
            if close is not None:
                if not stack:
                    raise GmlError("unbalanced ']'")
                parent, parent_key = stack.pop()
                parent.append((parent_key, current))
                current = parent
                continue
            if bare is None:
                raise GmlError(f"expected a key at offset {m.start()}")
            key = bare
            continue
        if open_ is not None:
            stack.append((current, key))
            current = []
        elif quoted is not None:
            current.append((key, quoted))
        elif bare is not None:
            try:
                current.append((key, float(bare)))
            except ValueError:
                current.append((key, bare))
        else:
            raise GmlError(f"key {key!r} without a value")
        key = None
    if stack or key is not None:
        raise GmlError("unexpected end of file")
    return current


def nodes_of(text):
    """(label, country, lat, lon) for every node; lat/lon are None when missing."""
    top = parse_gml(text)
    graphs = [v for k, v in top if k == "graph" and isinstance(v, list)]
    if not graphs:
        raise GmlError("no graph")
    out = []
    for k, node in graphs[0]:
        if k != "node" or not isinstance(node, list):
            continue
        attrs = dict(node)
        lat, lon = attrs.get("Latitude"), attrs.get("Longitude")
        if not isinstance(lat, float) or not isinstance(lon, float):
            lat = lon = None
        elif not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise GmlError(f"node {attrs.get('label')!r}: coordinates out of range")
        out.append((str(attrs.get("label", "")), str(attrs.get("Country", "")), lat, lon))
    return out


def clean(text):
    """A label as one printable line without tabs; "-" when empty."""
    text = "".join(c if c.isprintable() else " " for c in text)
    return " ".join(text.split()) or "-"


def read_zoo(source, commit):
    """{file stem: GML text} from a checkout, a gml.tar.gz or a git directory; and the commit."""
    source = Path(source)
    if not source.exists():
        sys.exit(f"build_footprints.py: {source}: no such file or directory")
    if source.is_file():
        return read_tar(source.read_bytes()), commit
    if (source / "objects").is_dir() and (source / "HEAD").is_file():
        rev = commit or "HEAD"
        full = git(source, "rev-parse", f"{rev}^{{commit}}").decode().strip()
        return read_tar(git(source, "show", f"{full}:gml.tar.gz")), full
    gml = source / "gml" if (source / "gml").is_dir() else source
    files = {p.stem: p.read_text(encoding="utf-8", errors="replace") for p in gml.glob("*.gml")}
    if not files:
        sys.exit(f"build_footprints.py: no .gml files in {gml}")
    if (source / ".git").exists():
        head = git(source / ".git", "rev-parse", "HEAD").decode().strip()
        if commit is not None and head != commit:
            sys.exit(f"build_footprints.py: {source} is at commit {head}, not {commit}")
        commit = head
    return files, commit


def git(git_dir, *args):
    try:
        return subprocess.run(
            ["git", "--git-dir", str(git_dir), *args], check=True, capture_output=True
        ).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        detail = (getattr(e, "stderr", b"") or b"").decode().strip().splitlines()
        sys.exit(f"build_footprints.py: git {' '.join(args)} failed: {detail[0] if detail else e}")


def read_tar(data):
    files = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            for member in tar:
                if member.isfile() and member.name.endswith(".gml"):
                    stem = Path(member.name).stem
                    files[stem] = tar.extractfile(member).read().decode("utf-8", "replace")
    except (tarfile.TarError, OSError) as e:
        sys.exit(f"build_footprints.py: cannot read the GML archive: {e}")
    if not files:
        sys.exit("build_footprints.py: no .gml files in the archive")
    return files


def load_cities():
    """Distinct cities of cities.tsv (one line per name key there), indexed by 1-degree cell;
    every city by name key; the name keys of big cities (see misplaced); every city's keys."""
    grid, keys, big, names = {}, {}, set(), {}
    for line in (HERE / "cities.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        key, lat, lon, cc, admin1, pop, kind, name = line.split("\t")
        city = (float(lat), float(lon), cc, admin1, int(pop), name)
        keys.setdefault(key, []).append(city)
        floor = NAMESAKE_POPULATION if kind == "p" else ALTERNATE_NAMESAKE_POPULATION
        if city[4] >= floor:
            big.add(key)
        if city in names:
            names[city].add(key)
            continue
        names[city] = {key}
        grid.setdefault((math.floor(city[0]), math.floor(city[1])), []).append(city)
    return grid, keys, big, names


def misplaced(keys, big, label, lat, lon):
    """True when the label names a big city and no city of that name lies within
    MISPLACED_KM of the node: the Zoo geocoded the label to a place the city table does not
    know by that name (Colt's "Chicago" in Sweden, Cogent's "Toronto" in Ohio, Interoute's
    "Istanbul" in Russia)."""
    key = fold(label)
    return key in big and all(km((lat, lon), c[:2]) > MISPLACED_KM for c in keys[key])


def country_codes():
    codes = {}
    for line in (HERE / "countries.tsv").read_text(encoding="utf-8").splitlines():
        if not line.startswith("#") and line.strip():
            cc, _continent, _neighbours, name = line.split("\t")
            codes[name.lower()] = cc
    # The Zoo's spellings that GeoNames writes otherwise.
    codes.update({"czech republic": "CZ", "macedonia": "MK", "russia": "RU", "south korea": "KR",
                  "the netherlands": "NL", "usa": "US", "uk": "GB"})
    return codes


def label_keys(label):
    """Name keys a label may spell: its words and runs of words, folded ("San Jose 2" ->
    sanjose, san, jose; "Ashburn DC" -> ashburn, dc, ashburndc)."""
    words = [fold(w) for w in re.findall(r"[^\W\d_]+", label)]
    words = [w for w in words if w]
    return {"".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, len(words) + 1)}


def nearest_city(grid, names, lat, lon, cc, label):
    """The city a node is in: of the cities within RADIUS_KM (those of country `cc` when one
    is), the most populous one the label names, else the most populous. None when none is."""
    span = int(RADIUS_KM / (111.0 * max(math.cos(math.radians(lat)), 0.01))) + 1
    found = []
    for dl in (-1, 0, 1):
        for do in range(-span, span + 1):
            cell = (math.floor(lat) + dl, (math.floor(lon) + do + 180) % 360 - 180)
            for city in grid.get(cell, []):
                if km((lat, lon), city[:2]) <= RADIUS_KM:
                    found.append(city)
    if cc and any(c[2] == cc for c in found):
        found = [c for c in found if c[2] == cc]
    spelled = label_keys(label)
    named = [c for c in found if names[c] & spelled]
    return max(named or found, key=lambda c: (c[4], c[5]), default=None)


def read_networks():
    pairs = []
    path = HERE / "hand" / "footprint_networks.txt"
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 2 or not all(fields):
            sys.exit(f"{path} line {n}: expected zoo file<TAB>domain: {line!r}")
        pairs.append(tuple(fields))
    return pairs


def usage():
    print("usage: build_footprints.py ZOO [--commit SHA]  (ZOO: a checkout of the Internet "
          "Topology Zoo, its gml.tar.gz, or its git directory)", file=sys.stderr)
    sys.exit(2)


def main(argv):
    args, commit = list(argv), None
    if "--commit" in args:
        i = args.index("--commit")
        if i + 1 >= len(args):
            usage()
        commit = args[i + 1]
        del args[i : i + 2]
    if len(args) != 1 or args[0].startswith("-"):
        usage()
    zoo, commit = read_zoo(args[0], commit)
    (grid, keys, big, names), codes = load_cities(), country_codes()

    rows = {}
    stats = []
    for stem, domain in read_networks():
        if stem not in zoo:
            sys.exit(f"build_footprints.py: hand/footprint_networks.txt names {stem}, not in the Zoo")
        try:
            nodes = nodes_of(zoo[stem])
        except GmlError as e:
            sys.exit(f"build_footprints.py: {stem}.gml: {e}")
        placed, dropped, wrong, no_coords = 0, [], [], 0
        for label, country, lat, lon in nodes:
            if lat is None:
                no_coords += 1
                continue
            if misplaced(keys, big, label, lat, lon):
                wrong.append(clean(label))
                continue
            city = nearest_city(grid, names, lat, lon, codes.get(country.strip().lower()), label)
            if city is None:
                dropped.append(clean(label))
                continue
            placed += 1
            rows.setdefault((domain, city), set()).add(clean(label).replace(";", ","))
        cities = sum(1 for d, _ in rows if d == domain)
        stats.append((stem, domain, len(nodes), no_coords, placed, dropped, wrong, cities))

    lines = sorted(
        (domain, -city[4], city[5], city, labels) for (domain, city), labels in rows.items()
    )
    with open(HERE / "footprints.tsv", "w", encoding="utf-8") as out:
        out.write(
            "# generated by data/hints/build_footprints.py; see data/README.md\n"
            "# Source: the Internet Topology Zoo, https://github.com/mroughan/InternetTopologyZoo"
            f" (gml), commit {commit or 'unknown'}\n"
            f"# Licence: {LICENCE} (https://creativecommons.org/licenses/by/4.0/); please cite\n"
            f"# {ATTRIBUTION}.\n"
            "# Changed: each Zoo node placed at a city of cities.tsv (GeoNames) within"
            f" {RADIUS_KM:g} km of it (the one its label names, else the most populous);"
            " maps of 2007-2012.\n"
            "# domain\tlat\tlon\tcc\tadmin1\tpopulation\tname\tzoo_label\n"
        )
        for domain, _, _, (lat, lon, cc, admin1, pop, name), labels in lines:
            out.write(
                f"{domain}\t{lat:.4f}\t{lon:.4f}\t{cc}\t{admin1}\t{pop}\t{name}\t"
                f"{'; '.join(sorted(labels))}\n"
            )

    total_dropped = total_wrong = total_nodes = total_no_coords = 0
    counted = set()
    for stem, domain, n, no_coords, placed, dropped, wrong, cities in stats:
        if stem not in counted:
            counted.add(stem)
            total_nodes += n
            total_no_coords += no_coords
            total_dropped += len(dropped)
            total_wrong += len(wrong)
        note = f"; no city near {', '.join(dropped)}" if dropped else ""
        note += f"; mis-geocoded {', '.join(wrong)}" if wrong else ""
        print(f"{stem:18} {domain:16} nodes {n:3}, no coordinates {no_coords:3}, placed {placed:3}"
              f" in {cities:3} cities{note}", file=sys.stderr)
    domains = {d for d, _ in rows}
    networks = {s[0] for s in stats if s[4]}
    distinct = {city for _, city in rows}
    print(f"footprints.tsv: {len(lines)} (domain, city) lines, {len(distinct)} distinct cities, "
          f"{len(domains)} domains of {len(networks)} networks; of {total_nodes} nodes, "
          f"{total_no_coords} without coordinates skipped, {total_dropped} with no city within "
          f"{RADIUS_KM:g} km and {total_wrong} whose label names a big city over {MISPLACED_KM:g} km away "
          "dropped", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
