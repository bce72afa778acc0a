#!/usr/bin/env bash
# Serve the bundled demo portal on 127.0.0.1, crawl it into the archive,
# publish a snapshot of it, then serve the snapshot with Datasette
# (read-only, on 127.0.0.1).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
DB=${ARCHIVE_DB:-archive.db}
PUBLISHED=${PUBLISHED:-published/archive.db}
PORT=${PORT:-8001}
DEMO_PORT=${DEMO_PORT:-8701}

urls_file=$(mktemp)
"$BIN/python" -m demo.serve --base-port "$DEMO_PORT" --urls-file "$urls_file" >/dev/null &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -f "$urls_file"' EXIT
for _ in $(seq 100); do [ -s "$urls_file" ] && break; sleep 0.1; done
[ -s "$urls_file" ] || { echo "demo portal did not start" >&2; exit 1; }
echo "demo portal: $(cat "$urls_file")"

# The demo portal is local: no politeness delays needed, and its loopback
# address is allowed explicitly (a real crawl never fetches one).
"$BIN/python" -m ogi crawl $(tr , ' ' < "$urls_file") --db "$DB" \
  -s DOWNLOAD_DELAY=0 -s AUTOTHROTTLE_ENABLED=0 -s CONCURRENT_REQUESTS_PER_DOMAIN=8 -s FETCH_PRIVATE_HOSTS=127.0.0.1 -s LOG_LEVEL=WARNING
kill "$server"; trap - EXIT; rm -f "$urls_file"

"$BIN/sqlite-utils" query "$DB" \
  "select id as run, status, pages, not_modified, captures, new_reports, new_versions, errors
   from crawl_runs order by id desc limit 1" --table
echo
"$BIN/sqlite-utils" query "$DB" \
  "select year, agency, region, (select count(*) from versions v where v.report_id = r.id) as versions,
          (select count(*) from captures c join versions v on v.id = c.version_id where v.report_id = r.id) as captures
   from reports r order by year" --table
echo

# The demo's reports beyond the five real seeds are generated: say so on every page.
metadata=$(mktemp --suffix=.json)
"$BIN/python" - "$metadata" <<'PY'
import json, sys
metadata = json.load(open("datasette-metadata.json", encoding="utf-8"))
metadata["title"] = "DEMO · " + metadata["title"]
metadata["description_html"] = (
    "<p><strong>Demo archive of the bundled offline portal.</strong> Five reports are real "
    "(the project's seed reports); the others were generated for the demo (demo/synth.py) "
    "under real agency names, and their texts and numbers are fictitious.</p>"
    + metadata["description_html"]
)
json.dump(metadata, open(sys.argv[1], "w", encoding="utf-8"), ensure_ascii=False)
PY
# Datasette serves a checked snapshot, never the file a crawl writes.
"$BIN/python" -m ogi publish --db "$DB" --published "$PUBLISHED"
echo "Archive ready: http://127.0.0.1:$PORT/archive  (Ctrl-C to stop)"
exec "$BIN/python" -m ogi serve --published "$PUBLISHED" --metadata "$metadata" --port "$PORT"
