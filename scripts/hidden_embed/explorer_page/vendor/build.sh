#!/usr/bin/env bash
# Rebuild regl-scatterplot.js, the one JavaScript library the explorer page inlines.
# Needs Node.js and the npm registry once; the workflow itself never runs Node.
#   bash scripts/hidden_embed/explorer_page/vendor/build.sh
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp package.json package-lock.json entry.js "$work"/
(cd "$work" && npm ci --silent && npx esbuild entry.js --bundle --minify --format=iife \
  --global-name=reglScatterplot --legal-comments=eof --outfile=regl-scatterplot.js)
cp "$work/regl-scatterplot.js" regl-scatterplot.js
sha256sum regl-scatterplot.js
