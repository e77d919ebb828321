#!/usr/bin/env python3
"""Builds mlab-corpus.tsv: host names with their true city, for measuring host name hints.

Source: M-Lab's own server list (name, hosting AS, metro city) as saved in the public
repository o9o/ndt-speed-test (commit 9e74b597b3c032855a9b86f488c3ee5e9a6a4df2, 2017,
private/mlab-servers.js, generated there from M-Lab's site list by its update script; only
facts are taken: which name is in which city). The truth is M-Lab's, not globetrace's
dictionaries: the city each server is in. CITY_PLACES below only says which GeoNames city
each M-Lab metro string means (country and state), and the coordinates come from GeoNames
cities15000 (CC BY 4.0) - the same coordinates the dictionaries use, so a right answer is
at ~0 km and the 100 km threshold is about which city, not about coordinate noise.

Correction (SITE_CITY below): the saved list files the sites fra01, fra03 and fra04 under
"Paris". M-Lab's own site table says otherwise: static/sitegeo.json in the public repository
m-lab/website (Apache-2.0; the file as of commit 779924913a9954404d1fe7d7e03ee3b8f0c89f99,
2019-08-29) gives fra01 (AS1299), fra02 (AS3257), fra03 (AS1273) and fra04 (AS3356) the city
"Frankfurt" at 50.0379 N 8.5622 E (Frankfurt airport, the metro point M-Lab uses), and its
Paris sites are par02-par05. The site code agrees (FRA is Frankfurt's airport). So those three
sites are labelled Frankfurt here, and the evidence is this paragraph; every other label is the
saved list's own.

Usage: build_mlab_corpus.py mlab-servers.js cities15000.json > mlab-corpus.tsv
"""

import json
import sys

# M-Lab metro string -> (GeoNames name, country, admin1 or "").
CITY_PLACES = {
    "Accra": ("Accra", "GH", ""), "Amsterdam": ("Amsterdam", "NL", ""),
    "Antananarivo": ("Antananarivo", "MG", ""), "Athens": ("Athens", "GR", ""),
    "Atlanta_GA": ("Atlanta", "US", "GA"), "Auckland": ("Auckland", "NZ", ""),
    "Bangkok": ("Bangkok", "TH", ""), "Belgrade": ("Belgrade", "RS", ""),
    "Brussels": ("Brussels", "BE", ""), "Calgary": ("Calgary", "CA", ""),
    "Chicago_IL": ("Chicago", "US", "IL"), "Dallas_TX": ("Dallas", "US", "TX"),
    "Denver_CO": ("Denver", "US", "CO"), "Dublin": ("Dublin", "IE", ""),
    "Hamburg": ("Hamburg", "DE", ""), "Johannesburg": ("Johannesburg", "ZA", ""),
    "Larnaca": ("Larnaca", "CY", ""), "Leeds": ("Leeds", "GB", ""),
    "Lisbon": ("Lisbon", "PT", ""), "Ljubljana": ("Ljubljana", "SI", ""),
    "London": ("London", "GB", ""), "Los Angeles_CA": ("Los Angeles", "US", "CA"),
    "Madrid": ("Madrid", "ES", ""), "Manila": ("Manila", "PH", ""),
    "Maputo": ("Maputo", "MZ", ""), "Miami_FL": ("Miami", "US", "FL"),
    "Milan": ("Milan", "IT", ""), "Montreal": ("Montréal", "CA", ""),
    "Nairobi": ("Nairobi", "KE", ""), "New York_NY": ("New York City", "US", "NY"),
    "Paris": ("Paris", "FR", ""), "Prague": ("Prague", "CZ", ""),
    "San Francisco Bay Area_CA": ("San Francisco", "US", "CA"),
    "San_Jose_CA": ("San Jose", "US", "CA"), "Seattle_WA": ("Seattle", "US", "WA"),
    "Singapore": ("Singapore", "SG", ""), "Stavanger": ("Stavanger", "NO", ""),
    "Stockholm": ("Stockholm", "SE", ""), "Sydney": ("Sydney", "AU", ""),
    "Taipei": ("Taipei", "TW", ""), "Tokyo": ("Tokyo", "JP", ""),
    "Toronto": ("Toronto", "CA", ""), "Tunis": ("Tunis", "TN", ""),
    "Turin": ("Turin", "IT", ""), "Vienna": ("Vienna", "AT", ""),
    "Washington_DC": ("Washington", "US", "DC"), "Wellington": ("Wellington", "NZ", ""),
}


# Sites whose metro in the saved list is contradicted by M-Lab's own site table (see above).
SITE_CITY = {"fra01": "Frankfurt", "fra03": "Frankfurt", "fra04": "Frankfurt"}
CITY_PLACES["Frankfurt"] = ("Frankfurt am Main", "DE", "")


def main():
    servers_js, cities_json = sys.argv[1:3]
    text = open(servers_js, encoding="utf-8").read()
    start, end = text.index("{"), text.index("\n};\n")
    by_city = json.loads(text[start : end + 2])
    cities = json.load(open(cities_json, encoding="utf-8")).values()
    out = []
    for metro, by_asn in by_city.items():
        for asn, v in by_asn.items():
            for s in v["servers"]:
                name, cc, admin1 = CITY_PLACES[SITE_CITY.get(s["site"], metro)]
                city = geonames(cities, name, cc, admin1)
                out.append((s["fqdn"], asn, f"{name}, {cc}", city["latitude"], city["longitude"]))
    print("# name\toperator (hosting AS)\ttrue place\tlat\tlon")
    print("# built by docs/hints-eval/build_mlab_corpus.py from M-Lab's server list (see there)")
    for row in sorted(set(out)):
        print("\t".join(str(f) for f in row))


def geonames(cities, name, cc, admin1):
    """The most populous GeoNames city of that name in that country (and US state)."""
    found = [
        c for c in cities
        if c["name"] == name and c["countrycode"] == cc
        and (not admin1 or c["admin1code"] == admin1 or cc != "US")
    ]
    if not found:
        sys.exit(f"no GeoNames city {name!r} in {cc}")
    return max(found, key=lambda c: int(c["population"]))


if __name__ == "__main__":
    main()
