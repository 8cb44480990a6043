#!/usr/bin/env bash
# Sets up a fresh machine, builds Tidings, imports the bundled sample archive (the real and
# synthetic messages in Tests/Fixtures) into ./out/sample, and serves it.
# usage: scripts/run.sh [HOST:PORT]   (default 127.0.0.1:8080)
set -euo pipefail
cd "$(dirname "$0")/.."
listen="${1:-127.0.0.1:8080}"
bash scripts/setup.sh
swift build -c release --product tidings
bin=.build/release/tidings
export PI_CONFIG="$PWD/out/config"
if [ ! -d out/sample ]; then
  mkdir -p out
  "$bin" init sample "$PWD/out/sample" --address virtualization@lists.linux-foundation.org \
    --url "http://$listen/sample/" --description "Sample: virtualization@lists.linux-foundation.org"
  "$bin" import sample Tests/Fixtures/corpus/*.eml Tests/Fixtures/synthetic/*.eml
fi
"$bin" status sample
echo "serving http://$listen/"
exec "$bin" serve --listen "$listen"
