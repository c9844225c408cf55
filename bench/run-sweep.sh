#!/usr/bin/env bash
# Runs every setting of a sweep file (bench/sweep.ts format) in parallel, one process each, and
# prints one line per setting: label | valid R@20 | test R@20 | test N@20 | s/epoch | best/epochs | learned.
# Made for a many-core machine without node_modules (the lent device machine):
#   prepare .devrun/ (git-ignored) with
#     node_modules/.bin/esbuild bench/sweep.ts --bundle --platform=node --format=esm --target=node20 \
#       --outfile=.devrun/sweep.mjs --external:sharp --external:better-sqlite3 --external:onnxruntime-node \
#       --external:@huggingface/transformers --external:hnswlib-node \
#       --banner:js="import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);"
#     a copy of the data root under .devrun/data (never committed: the data licences forbid it),
#     and, where the machine has no Node, `xz -c $(which node) > .devrun/node.xz`;
#   then: bash bench/run-sweep.sh bench/results/sweeps/lfm2k-sweep1.config.json <budget seconds>
# (the config files name their data as $DATA/…; settings still training at the budget stop at the end
# of their epoch and report their best-validation epoch so far).
set -u
file=$1; budget=$2
export FUSIONREC_DATA="${FUSIONREC_DATA:-$PWD/.devrun/data}"
if ! command -v node >/dev/null 2>&1; then
  mkdir -p /tmp/nodebin
  (xz -dc .devrun/node.xz > /tmp/nodebin/node 2>/dev/null || python3 -c "import lzma,sys;sys.stdout.buffer.write(lzma.open('.devrun/node.xz').read())" > /tmp/nodebin/node)
  chmod +x /tmp/nodebin/node; export PATH=/tmp/nodebin:$PATH
fi
export SWEEP_DEADLINE=$(( $(date +%s%3N) + budget * 1000 ))
out="${OUT:-/tmp/sweep-out}"
mkdir -p "$out"
n=$(node -e "console.log(JSON.parse(require('fs').readFileSync('$file','utf8')).length)")
for i in $(seq 0 $((n-1))); do
  node .devrun/sweep.mjs "$file" "$i" "$out/sweep" > "$out/log-$i.txt" 2>&1 &
done
wait
for f in "$out"/sweep/*.json; do
  node -e "const r=require('$f').summary;console.log([r.label,r.validR20?.toFixed(4),r.testR20?.toFixed(4),r.testN20?.toFixed(4),r.sPerEpoch?.toFixed(3),r.bestEpoch+'/'+r.epochs,JSON.stringify(r.learned??{})].join(' | '))"
done
