#!/usr/bin/env bash
# Sets up a fresh machine, builds Tidings, imports the bundled sample archive (187 real messages
# of virtualization@lists.linux-foundation.org in sample/virtualization: patch series over several
# versions, their reviews, kernel crash reports) into ./out/sample, and serves it.
# The sample is imported again when sample/virtualization changed since the last import.
# usage: scripts/run.sh [HOST:PORT]   (default 127.0.0.1:8080)
set -euo pipefail
cd "$(dirname "$0")/.."
listen="${1:-127.0.0.1:8080}"
bash scripts/setup.sh
swift build -c release --product tidings
bin=.build/release/tidings
export PI_CONFIG="$PWD/out/config"
sample=sample/virtualization
id=$(cat "$sample/manifest.tsv" | sha256sum | cut -d' ' -f1)
if [ ! -d out/sample ] || [ "$(cat out/sample.id 2>/dev/null)" != "$id" ]; then
  rm -rf out/sample out/config out/sample.id
  mkdir -p out
  "$bin" init sample "$PWD/out/sample" --address virtualization@lists.linux-foundation.org \
    --url "http://$listen/sample/" --description "Sample: virtualization@lists.linux-foundation.org"
  "$bin" import sample "$sample"/*.eml
  echo "$id" > out/sample.id
fi
"$bin" status sample
echo "serving http://$listen/"
exec "$bin" serve --listen "$listen"
