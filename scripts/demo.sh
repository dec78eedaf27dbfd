#!/usr/bin/env bash
# Serves the demo store and its collector on one loopback origin.
# State (collector key, aggregates, owner token) lives in .state/demo, never in git.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${TACTFUL_STATE:-$ROOT/.state/demo}"
PORT="${PORT:-8080}"
# Checked before the URLs are printed, so a typo never shows a URL that does not exist.
if ! [[ "$PORT" =~ ^[0-9]{1,5}$ ]] || [ "$((10#$PORT))" -gt 65535 ]; then
  echo "tactful: PORT: expected a whole number from 0 to 65535, got '$PORT'" >&2
  exit 2
fi
BIN="$ROOT/build/native/tactful"
mkdir -p "$STATE"
chmod 700 "$STATE"

if [ ! -f "$STATE/collector.key" ]; then
  "$BIN" keygen --out "$STATE/collector.key" >/dev/null
fi
if [ ! -f "$STATE/owner.token" ]; then
  (umask 077; head -c 24 /dev/urandom | base64 | tr '+/' '-_' > "$STATE/owner.token")
fi
TOKEN="$(cat "$STATE/owner.token")"

if [ "$((10#$PORT))" -eq 0 ]; then
  # Any free port: only the server knows which, and says it in "listening on".
  echo "Tactful demo store:    the address on the 'listening on' line below"
  echo "Owner's insights:      that address + insights?token=$TOKEN"
else
  echo "Tactful demo store:    http://127.0.0.1:$PORT/"
  echo "Owner's insights:      http://127.0.0.1:$PORT/insights?token=$TOKEN"
fi
echo "Owner token:           $TOKEN"
echo "(Ctrl-C to stop)"
# The token through the environment: a command line is readable by every user of the machine.
export TACTFUL_OWNER_TOKEN="$TOKEN"
exec "$BIN" serve --host 127.0.0.1 --port "$PORT" \
  --site "$ROOT/demo-site/public" --mount "/tactful/=$ROOT/dist" \
  --config "$ROOT/demo-site/tactful.config.json" --key "$STATE/collector.key" \
  --db "$STATE/aggregates.db" \
  --chart-js "$ROOT/node_modules/chart.js/dist/chart.umd.js"
