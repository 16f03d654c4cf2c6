#!/bin/bash
# Lighthouse (npm registry) on the main pages, desktop and mobile, against a production-mode
# server, then a Markdown table of the four category scores. See docs/benchmarks.md.
#
#   LH=/tmp/lh/node_modules/.bin/lighthouse BASE=http://localhost:8731 \
#   QUIZ=<quiz slug> EXERCISE=<exercise slug> LESSON=<lesson path> LIVE_CODE=<hosted code> \
#   PROFILE=/tmp/lh-profile OUT=var/bench/lighthouse bench/lighthouse.sh
#
# Signed-in pages use the Chromium profile in $PROFILE, logged in beforehand (its cookies
# reach HTTP requests and websockets alike), and keep its storage (--disable-storage-reset).
# Each run takes the bench lock, exclusively when it comes within 20 s, else shared.
set -u
LH=${LH:-/tmp/lh/node_modules/.bin/lighthouse}
BASE=${BASE:-http://localhost:8731}
OUT=${OUT:-var/bench/lighthouse}
PROFILE=${PROFILE:-/tmp/lh-profile}
mkdir -p "$OUT"
PAGES=(
  "home|/|out"
  "catalog|/courses/|out"
  "course|/courses/python-backend-engineering/|out"
  "lesson|${LESSON:-/courses/python-backend-engineering/concurrency/threads-and-processes/}|out"
  "quiz|/quizzes/${QUIZ:-python-backend-engineering-final-exam}/|in"
  "matrix|/matrix/|out"
  "exercise|/exercises/${EXERCISE:-latency-percentiles}/|in"
  "live|/live/|in"
  "dashboard|/dashboard/|in"
)
[ -n "${LIVE_CODE:-}" ] && PAGES+=("live-host|/live/$LIVE_CODE/host/|in")
PAGES+=("api-docs|/api/docs/|out" "api-redoc|/api/redoc/|out")
for entry in "${PAGES[@]}"; do
  IFS='|' read -r name path who <<<"$entry"
  [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $name "* ]] && continue
  for form in ${FORMS:-desktop mobile}; do
    flags="--headless --no-sandbox --disable-gpu"
    extra=()
    if [ "$who" = in ]; then flags="$flags --user-data-dir=$PROFILE"; extra=(--disable-storage-reset); fi
    preset=()
    [ "$form" = desktop ] && preset=(--preset=desktop)
    lock=(flock -w 20 -E 99 /tmp/bench.lock)
    run() {
      CHROME_PATH=/usr/bin/chromium "${lock[@]}" "$LH" "$BASE$path" "${preset[@]}" "${extra[@]}" \
        --quiet --output=json --output-path="$OUT/$name-$form.json" \
        --only-categories=performance,accessibility,best-practices,seo \
        --chrome-flags="$flags" >/dev/null 2>"$OUT/$name-$form.log"
    }
    run; rc=$?
    if [ $rc = 99 ]; then lock=(flock -s /tmp/bench.lock); run; rc=$?; echo "$name $form: shared lock"; fi
    [ $rc = 0 ] || echo "failed: $name $form ($rc)"
  done
done
python3 - "$OUT" <<'PY'
import json, os, sys
d = sys.argv[1]
order = ["home", "catalog", "course", "lesson", "quiz", "matrix", "exercise", "live", "live-host", "dashboard", "api-docs", "api-redoc"]
label = {"live": "live (join page)", "live-host": "live (host screen)", "api-docs": "API docs (Swagger UI)", "api-redoc": "API reference (ReDoc)"}
signed = {"quiz", "exercise", "live", "live-host", "dashboard"}
keys = ("performance", "accessibility", "best-practices", "seo")
print("| page | signed in | desktop P / A / BP / SEO | mobile P / A / BP / SEO | mobile LCP, TBT, CLS |")
print("| --- | --- | --- | --- | --- |")
for name in order:
    cells, metrics = [], "–"
    for form in ("desktop", "mobile"):
        path = f"{d}/{name}-{form}.json"
        if not os.path.exists(path):
            cells.append("not measured")
            continue
        report = json.load(open(path))
        cells.append(" / ".join(str(round((report["categories"][k]["score"] or 0) * 100)) for k in keys))
        if form == "mobile":
            a = report["audits"]
            metrics = ", ".join(a[k]["displayValue"] for k in ("largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift"))
    if cells != ["not measured"] * 2:
        print(f"| {label.get(name, name)} | {'yes' if name in signed else 'no'} | {cells[0]} | {cells[1]} | {metrics} |")
PY
