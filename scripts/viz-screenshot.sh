#!/usr/bin/env bash
# Remakes docs/viz.png: the HTML view of the seed corpus (examples/corpus),
# linked entities only, with 任城区 searched, taken by headless Chromium.
# Needs chromium (and fonts-noto-cjk for the Chinese labels).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cargo run -q -- viz examples/corpus -q --title "tifa: seed corpus" -o "$tmp/graph.html"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --user-data-dir="$tmp/profile" --window-size=1400,900 --virtual-time-budget=8000 \
  --screenshot="$PWD/docs/viz.png" "file://$tmp/graph.html#linked&q=任城区" 2>/dev/null
echo "wrote docs/viz.png"
