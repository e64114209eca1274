#!/usr/bin/env bash
# Redraw report/rulegraph.svg from the workflow: every rule of the reference experiment with the
# dynamics, the paper folder, the archive, the layer list and the networks' similarity (a test
# compares its rules with `snakemake --list-rules`).
# Needs Graphviz's dot (Debian: apt-get install graphviz); run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/snakemake all paper archive list_layers network_similarity --rulegraph dot --config "dynamics={enabled: true}" \
  | dot -Tsvg > report/rulegraph.svg.tmp
mv report/rulegraph.svg.tmp report/rulegraph.svg
