#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks for building, testing and running Tidings.
set -euo pipefail
need=()
for pkg in git curl libgmime-3.0-dev libisal-dev libsqlite3-dev sqlite3 gzip public-inbox libplack-perl lei tin neomutt tmux time; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# real clients the web tests talk to
python3 -c 'import b4, feedparser, grokmirror' 2>/dev/null || pip install -q b4 feedparser grokmirror
