#!/usr/bin/env bash
# wgmail web archive benchmark: import a large archive, then load the web pages while the daemon
# keeps accepting mail.
#
# This is a benchmark, not a test: it prints `name value unit` lines (`#` lines are context) and
# exits non-zero only when setup fails.
#
#   sudo tests/bench/web.sh                       # 1,000,000 messages, 50 connections, 30 s
#   BENCH_MESSAGES=200000 tests/bench/web.sh      # a smaller archive
#
# Steps:
#   1. tests/bench/gen_mbox.py writes BENCH_MESSAGES messages built from the real mboxes in
#      ../shared/corpus (Message-IDs, references and dates rewritten so every copy is distinct
#      and threads stay threads).
#   2. `wgmail archive import` reads it into a fresh data directory (progress bar on stderr);
#      import_rate = messages / wall time.
#   3. `wgmail serve` starts on that data; a URL mix is drawn from the database (permalinks,
#      thread pages, browse pages with cursors, searches of common and rare words and prefixes).
#   4. tests/bench/webload.rs (cargo example) drives BENCH_CONNECTIONS keep-alive connections for
#      BENCH_SECONDS while smtp-source posts to a list of the same daemon (accept keeps going);
#      per-category p50/p95/p99 and requests/s are printed, then the daemon's peak RSS (VmHWM).
#
# Environment: BENCH_MESSAGES=1000000 BENCH_CONNECTIONS=50 BENCH_SECONDS=30 BENCH_URLS=20000
#   BENCH_PORT_BASE=39300 (ports BASE+1..BASE+2 on 127.0.0.1) BENCH_KEEP=1 (keep the work dir)
#   BENCH_WORK=dir (reuse an imported archive from an earlier BENCH_KEEP=1 run: skips 1 and 2)
#   WGMAIL_BIN=path (a built wgmail)
set -euo pipefail

MESSAGES=${BENCH_MESSAGES:-1000000}
CONNS=${BENCH_CONNECTIONS:-50}
SECONDS_=${BENCH_SECONDS:-30}
NURLS=${BENCH_URLS:-20000}
BASE=${BENCH_PORT_BASE:-39300}
P_SMTP=$((BASE + 1))
P_WEB=$((BASE + 2))
REPO=$(cd "$(dirname "$0")/../.." && pwd)
CORPUS=${WGMAIL_CORPUS:-$REPO/../shared/corpus}

die() { echo "bench: setup failed: $*" >&2; exit 2; }
out() { printf '%s %s %s\n' "$1" "$2" "$3"; }
now() { date +%s.%N; }
wait_port() { # wait_port PORT SECONDS
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

[ -d "$CORPUS" ] || die "no corpus at $CORPUS (set WGMAIL_CORPUS)"
command -v python3 >/dev/null || die "python3 not found"
if ! command -v smtp-source >/dev/null; then
  echo "# installing postfix (for smtp-source)"
  apt-get update -qq >/dev/null || die "apt-get update"
  echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null || die "apt-get install postfix"
fi

echo "# building wgmail and the load generator (release)"
(cd "$REPO" && cargo build --release --quiet && cargo build --release --quiet --example webload) ||
  die "cargo build --release"
WG=${WGMAIL_BIN:-$REPO/target/release/wgmail}
LOAD=$REPO/target/release/examples/webload

REUSE=${BENCH_WORK:-}
WORK=${REUSE:-$(mktemp -d /tmp/wgmail-webbench.XXXXXX)}
PID=""
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
  [ -n "${SRC_PID:-}" ] && kill "$SRC_PID" 2>/dev/null
  if [ -z "$REUSE" ] && [ -z "${BENCH_KEEP:-}" ]; then rm -rf "$WORK"; else echo "# kept $WORK"; fi
}
trap cleanup EXIT

CONF=$WORK/wgmail.toml
mkdir -p "$WORK/data" "$WORK/lists"
cat >"$CONF" <<EOF
[smtp]
listen = "127.0.0.1:$P_SMTP"
hostname = "bench.test"
max_connections = 200

[web]
listen = "127.0.0.1:$P_WEB"
base_url = "http://127.0.0.1:$P_WEB"

[storage]
data_dir = "$WORK/data"

[outbound]
mode = "maildir"
maildir = "$WORK/data/outbox"

[lists]
dir = "$WORK/lists"
EOF
for l in archive incoming; do
  cat >"$WORK/lists/$l.toml" <<EOF
name = "$l"
domain = "bench.test"
description = "benchmark list $l"
owners = ["owner@example.org"]

[posting]
members_only = false
EOF
done

echo "# cpus: $(nproc); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -z "$REUSE" ]; then
  echo "# generating $MESSAGES messages from $CORPUS"
  python3 "$REPO/tests/bench/gen_mbox.py" "$MESSAGES" "$WORK/big.mbox" "$CORPUS" ||
    die "gen_mbox.py"
  out mbox_bytes "$(stat -c %s "$WORK/big.mbox")" bytes
  echo "# importing (progress on stderr)"
  t0=$(now)
  "$WG" --config "$CONF" archive import archive "$WORK/big.mbox" || die "archive import"
  t1=$(now)
  out import_seconds "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')" s
  out import_rate "$(awk -v n="$MESSAGES" -v a="$t0" -v b="$t1" 'BEGIN{printf "%.0f", n/(b-a)}')" msg/s
  rm -f "$WORK/big.mbox"
fi
out db_bytes "$(du -cb "$WORK"/data/wgmail.sqlite3* | tail -1 | cut -f1)" bytes

echo "# drawing $NURLS URLs from the archive"
python3 - "$WORK/data/wgmail.sqlite3" "$NURLS" >"$WORK/urls.tsv" <<'PY'
import random, sqlite3, sys, urllib.parse
db, n = sys.argv[1], int(sys.argv[2])
c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
rnd = random.Random(42)
enc = lambda s: urllib.parse.quote(s, safe="-._~@")
top = c.execute("SELECT max(id) FROM messages").fetchone()[0] or 0
def mids(k):
    out = []
    while len(out) < k:
        row = c.execute("SELECT message_id FROM messages WHERE id >= ? ORDER BY id LIMIT 1",
                        (rnd.randint(1, top),)).fetchone()
        if row: out.append(row[0])
    return out
L = "/arch/msg/archive/"
# The mix: a reader mostly opens permalinks from mail (Archived-At), then threads and the index.
for m in mids(int(n * 0.45)): print(f"permalink\t{L}{enc(m)}")
for m in mids(int(n * 0.20)): print(f"thread\t{L}{enc(m)}/thread")
threads = c.execute("SELECT last_date, id FROM threads WHERE list = 'archive@bench.test' AND message_count > 0").fetchall()
for _ in range(int(n * 0.20)):
    if rnd.random() < 0.3:
        print("browse\t/arch/browse/archive/")
    else:
        d, i = rnd.choice(threads)
        print(f"browse\t/arch/browse/archive/?before={d}.{i}")
words = ["maven", "release", "plugin", "vote", "thanks", "python", "numpy", "build", "error",
         "the", "draft", "support", "object", "patch", "test", "commit", "java", "list"]
queries = words + ['"release vote"', "s:release", "f:apache", "b:plugin -maven", "maven OR numpy",
                   "d:2017-11-01..2017-12-31 release", "s:vote d:..2018-01-01"]
for _ in range(int(n * 0.15)):
    q = rnd.choice(queries)
    sort = "&sort=date" if rnd.random() < 0.5 else ""
    print(f"search\t/arch/browse/archive/?q={urllib.parse.quote(q)}{sort}")
PY
out urls "$(wc -l <"$WORK/urls.tsv")" count

"$WG" --config "$CONF" serve >"$WORK/serve.log" 2>&1 &
PID=$!
wait_port "$P_WEB" 60 || { tail -20 "$WORK/serve.log" >&2; die "wgmail did not listen on $P_WEB"; }
wait_port "$P_SMTP" 10 || die "wgmail did not listen on $P_SMTP"

# Warm the page cache the way a running archive is warm (one pass over the URL list's sample).
"$LOAD" "127.0.0.1:$P_WEB" "$WORK/urls.tsv" "$CONNS" 5 >/dev/null

echo "# load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
before=$(python3 -c "import sqlite3,sys; print(sqlite3.connect('file:$WORK/data/wgmail.sqlite3?mode=ro', uri=True).execute(\"SELECT count(*) FROM messages WHERE list='incoming@bench.test'\").fetchone()[0])")
# Mail keeps arriving during the run: 4 sessions posting to another list of the same daemon.
smtp-source -s 4 -m 1000000 -l 2048 -d -t incoming@bench.test -f sender@example.org \
  "127.0.0.1:$P_SMTP" >"$WORK/smtp-source.log" 2>&1 &
SRC_PID=$!
"$LOAD" "127.0.0.1:$P_WEB" "$WORK/urls.tsv" "$CONNS" "$SECONDS_"
kill "$SRC_PID" 2>/dev/null || true
wait "$SRC_PID" 2>/dev/null || true
SRC_PID=""
sleep 2 # let the pipeline archive what was acknowledged before counting
after=$(python3 -c "import sqlite3,sys; print(sqlite3.connect('file:$WORK/data/wgmail.sqlite3?mode=ro', uri=True).execute(\"SELECT count(*) FROM messages WHERE list='incoming@bench.test'\").fetchone()[0])")
out mail_archived_during_run "$((after - before))" messages
out mail_archive_rate "$(awk -v n="$((after - before))" -v s="$SECONDS_" 'BEGIN{printf "%.0f", n/s}')" msg/s
out peak_rss "$(awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$PID/status")" MB
out rss_now "$(awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$PID/status")" MB
