#!/usr/bin/env bash
# Rebuilds the world outline globetrace draws its SVG maps on (data/world/world-110m.txt)
# from Natural Earth 1:110m, as packaged in the npm package world-atlas (TopoJSON).
#
#   data/world/refresh.sh            # the pinned version below: reproduces the committed file
#   data/world/refresh.sh --latest   # whatever version the registry serves now
#
# Needs: npm (only `npm pack`, which downloads a tarball and runs nothing) and cargo. Takes
# well under a minute once the converter is built. Set WORLD_WORK=/some/dir to keep the
# download and build between runs.
#
# What it does (see data/world/README.md for why):
#   1. npm pack world-atlas and take countries-110m.json (its `land` and `countries` objects).
#   2. data/world/build-world (a small Rust program using the `topojson` crate) writes every
#      land ring, cut at the antimeridian, and every border shared by two countries, rounded
#      to 0.01 degree and delta-encoded, as text.
set -euo pipefail

PKG=world-atlas
VERSION=2.0.2

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [[ "${1:-}" == "--latest" ]]; then
    VERSION=$(npm view "$PKG" version 2>/dev/null)
elif [[ $# -gt 0 ]]; then
    echo "usage: $0 [--latest]" >&2
    exit 2
fi

for tool in npm cargo; do
    command -v "$tool" >/dev/null || { echo "refresh.sh: $tool is required" >&2; exit 1; }
done

work=${WORLD_WORK:-$(mktemp -d)}
mkdir -p "$work"
echo "working in $work"

dir="$work/$PKG-$VERSION"
if [[ ! -d "$dir/package" ]]; then
    mkdir -p "$dir"
    (cd "$dir" && npm pack --silent --ignore-scripts "$PKG@$VERSION" >/dev/null 2>&1 && tar xzf ./*.tgz)
fi

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$work/target}
cargo build --quiet --release --locked --manifest-path "$here/build-world/Cargo.toml"

"$CARGO_TARGET_DIR/release/build-world" "$dir/package/countries-110m.json" "$work/world-110m.txt" \
    "$PKG@$VERSION countries-110m.json (Natural Earth 4.1.0)"
cp "$work/world-110m.txt" "$here/world-110m.txt"
ls -l "$here/world-110m.txt"
echo "done: review data/world/README.md (version, size) before committing"
