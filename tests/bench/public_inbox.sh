#!/usr/bin/env bash
# public-inbox (Debian package 1.9) on the same data and load as tests/bench/web.sh, so the README
# can compare wgmail's web archive with the reference implementation instead of quoting numbers
# measured on different archives, URL mixes and machines.
#
# This is a benchmark, not a test: it prints `name value unit` lines (`#` lines are context) and
# exits non-zero only when setup fails. Run as root (installs public-inbox with apt-get if missing).
#
#   sudo tests/bench/public_inbox.sh                      # 100,000 messages, 50 connections, 30 s
#   BENCH_MESSAGES=20000 tests/bench/public_inbox.sh      # a smaller archive
#   BENCH_MBOX=/tmp/big.mbox tests/bench/public_inbox.sh  # an mbox from gen_mbox.py (not deleted)
#
# Steps:
#   1. tests/bench/gen_mbox.py writes BENCH_MESSAGES messages (the same generator web.sh uses).
#   2. A v2 inbox is created in a temp dir with its own PI_CONFIG (the system config is never
#      read or written); the mbox is imported the way upstream's scripts/import_vger_from_mbox
#      does (InboxWritable->import_mbox -> V2Writable->add: git fast-import plus the SQLite and
#      Xapian indexes in the same pass, fsync off like `public-inbox-index --no-fsync`); then
#      `public-inbox-index` runs to make sure nothing is left unindexed. This is the fastest bulk
#      path 1.9 ships: public-inbox-mda forks per message, lei imports into a lei store, not an
#      inbox, and public-inbox-convert re-imports a v1 inbox through the same V2Writable->add.
#      import_rate = messages / (import + index wall time).
#   3. public-inbox-httpd serves it on 127.0.0.1 with BENCH_WORKERS worker processes
#      (default: nproc).
#   4. A URL mix equivalent to web.sh's is drawn from the inbox's msgmap/over databases
#      (permalinks /bench/MID/, threads /bench/MID/T/, the index /bench/ and /bench/?t= pages,
#      searches /bench/?q= with web.sh's words), then tests/bench/webload.rs drives it.
#   5. Everything is stopped and removed (unless BENCH_KEEP=1).
#
# Environment: BENCH_MESSAGES=100000 BENCH_CONNECTIONS=50 BENCH_SECONDS=30 BENCH_URLS=20000
#   BENCH_PORT_BASE=39500 (port BASE+2 on 127.0.0.1) BENCH_WORKERS=$(nproc) BENCH_KEEP=1
#   BENCH_MBOX=file (use this mbox instead of generating one)
set -euo pipefail

MESSAGES=${BENCH_MESSAGES:-100000}
CONNS=${BENCH_CONNECTIONS:-50}
SECONDS_=${BENCH_SECONDS:-30}
NURLS=${BENCH_URLS:-20000}
BASE=${BENCH_PORT_BASE:-39500}
P_WEB=$((BASE + 2))
WORKERS=${BENCH_WORKERS:-$(nproc)}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
CORPUS=${WGMAIL_CORPUS:-$REPO/../shared/corpus}

die() { echo "bench: setup failed: $*" >&2; exit 2; }
out() { printf '%s %s %s\n' "$1" "$2" "$3"; }
now() { date +%s.%N; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
wait_port() { # wait_port PORT SECONDS
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

command -v python3 >/dev/null || die "python3 not found"
if ! command -v public-inbox-httpd >/dev/null; then
  echo "# installing public-inbox"
  apt-get update -qq >/dev/null || die "apt-get update"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq public-inbox >/dev/null ||
    die "apt-get install public-inbox"
fi
echo "# $(dpkg-query -W -f '${Package} ${Version}' public-inbox 2>/dev/null || echo public-inbox ?)"
if perl -MSearch::Xapian -e1 2>/dev/null || perl -MXapian -e1 2>/dev/null; then
  echo "# search backend: Xapian $(dpkg-query -W -f '${Version}' libxapian30 2>/dev/null) via $(perl -MSearch::Xapian -e1 2>/dev/null && echo Search::Xapian || echo Xapian.pm), indexlevel full, 1 shard per $(nproc)-1 cores"
else
  echo "# search backend: none (no Xapian Perl bindings): searches will fail"
fi

echo "# building the load generator (release)"
(cd "$REPO" && cargo build --release --quiet --example webload) || die "cargo build --example webload"
LOAD=$REPO/target/release/examples/webload

WORK=$(mktemp -d /tmp/pi-webbench.XXXXXX)
HPID=""
cleanup() {
  if [ -n "$HPID" ]; then kill "$HPID" 2>/dev/null && wait "$HPID" 2>/dev/null; fi
  if [ -z "${BENCH_KEEP:-}" ]; then rm -rf "$WORK"; else echo "# kept $WORK"; fi
}
trap cleanup EXIT

export PI_CONFIG=$WORK/pi_config HOME=$WORK/home
mkdir -p "$HOME"
INBOX=$WORK/inbox

echo "# cpus: $(nproc); load average: $(load)"
MBOX=${BENCH_MBOX:-}
if [ -z "$MBOX" ]; then
  [ -d "$CORPUS" ] || die "no corpus at $CORPUS (set WGMAIL_CORPUS)"
  echo "# generating $MESSAGES messages from $CORPUS"
  MBOX=$WORK/big.mbox
  python3 "$REPO/tests/bench/gen_mbox.py" "$MESSAGES" "$MBOX" "$CORPUS" || die "gen_mbox.py"
else
  MESSAGES=$(grep -c '^From ' "$MBOX")
  echo "# using $MBOX ($MESSAGES messages)"
fi
out mbox_bytes "$(stat -c %s "$MBOX")" bytes

public-inbox-init -V2 -L full bench "$INBOX" "http://127.0.0.1:$P_WEB/bench" bench@bench.test ||
  die "public-inbox-init"

echo "# importing (V2Writable: git fast-import + SQLite + Xapian in one pass); load average: $(load)"
t0=$(now)
perl -w - "$MBOX" 2>"$WORK/import.log" <<'PL' || { tail "$WORK/import.log" >&2; die "import"; }
use strict;
use PublicInbox::Config;
use PublicInbox::InboxWritable;
my $cfg = PublicInbox::Config->new;
my $ibx = $cfg->lookup_name('bench') or die "inbox 'bench' not in $ENV{PI_CONFIG}\n";
$ibx = PublicInbox::InboxWritable->new($ibx);
$ibx->{-no_fsync} = 1;
open my $fh, '<', $ARGV[0] or die "open $ARGV[0]: $!\n";
$ibx->import_mbox($fh, 'mboxrd');
PL
t1=$(now)
# V2Writable warns per odd From: and per reused Message-ID; count them rather than print them.
out import_warnings "$(grep -c . "$WORK/import.log" || true)" lines
grep 'reused for mismatched' "$WORK/import.log" | head -3 | sed 's/^/# /' || true
echo "# public-inbox-index; load average: $(load)"
public-inbox-index --no-fsync "$INBOX" || die "public-inbox-index"
t2=$(now)
[ -n "${BENCH_MBOX:-}" ] || rm -f "$MBOX"
n_in=$(python3 -c "import sqlite3,sys; print(sqlite3.connect('$INBOX/msgmap.sqlite3').execute('SELECT count(*) FROM msgmap').fetchone()[0])")
out messages_in_inbox "$n_in" count
out import_seconds "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')" s
out index_seconds "$(awk -v a="$t1" -v b="$t2" 'BEGIN{printf "%.1f", b-a}')" s
out import_rate "$(awk -v n="$MESSAGES" -v a="$t0" -v b="$t2" 'BEGIN{printf "%.0f", n/(b-a)}')" msg/s
echo "# load average after import: $(load)"
out inbox_bytes "$(du -sb "$INBOX" | cut -f1)" bytes
out xapian_bytes "$(du -cb "$INBOX"/xap* | tail -1 | cut -f1)" bytes

echo "# drawing $NURLS URLs from the inbox"
python3 - "$INBOX" "$NURLS" >"$WORK/urls.tsv" <<'PY'
import glob, random, sqlite3, sys, time, urllib.parse
inbox, n = sys.argv[1], int(sys.argv[2])
# (plain opens: these are WAL databases, and mode=ro cannot open them without their -shm file)
mm = sqlite3.connect(f"{inbox}/msgmap.sqlite3")
ov = sqlite3.connect(glob.glob(f"{inbox}/xap*/over.sqlite3")[0])
rnd = random.Random(42)
# public-inbox's mid_escape: everything outside RFC 3986 pchar is %-escaped ('/' too).
enc = lambda s: urllib.parse.quote(s, safe="-._~!$&'()*+,;=:@")
top = mm.execute("SELECT max(num) FROM msgmap").fetchone()[0] or 0
def mids(k):
    out = []
    while len(out) < k:
        row = mm.execute("SELECT mid FROM msgmap WHERE num >= ? ORDER BY num LIMIT 1",
                         (rnd.randint(1, top),)).fetchone()
        if row: out.append(row[0])
    return out
L = "/bench/"
# The same mix as web.sh: permalinks 45 %, threads 20 %, index pages 20 %, searches 15 %.
for m in mids(int(n * 0.45)): print(f"permalink\t{L}{enc(m)}/")
for m in mids(int(n * 0.20)): print(f"thread\t{L}{enc(m)}/T/")
# web.sh pages from a random thread's last date (?before=); public-inbox pages by time (?t=,
# the "older" link), so take the newest message date of a random thread.
thr = [r[0] for r in ov.execute("SELECT max(ts) FROM over WHERE num > 0 GROUP BY tid")]
for _ in range(int(n * 0.20)):
    if rnd.random() < 0.3:
        print(f"browse\t{L}")
    else:
        t = time.strftime("%Y%m%d%H%M%S", time.gmtime(rnd.choice(thr)))
        print(f"browse\t{L}?t={t}")
words = ["maven", "release", "plugin", "vote", "thanks", "python", "numpy", "build", "error",
         "the", "draft", "support", "object", "patch", "test", "commit", "java", "list"]
queries = words + ['"release vote"', "s:release", "f:apache", "b:plugin -maven", "maven OR numpy",
                   "d:2017-11-01..2017-12-31 release", "s:vote d:..2018-01-01"]
for _ in range(int(n * 0.15)):
    q = rnd.choice(queries)
    # web.sh: half relevance, half "&sort=date". public-inbox sorts by date unless "&r".
    sort = "" if rnd.random() < 0.5 else "&r"
    print(f"search\t{L}?q={urllib.parse.quote(q)}{sort}")
PY
out urls "$(wc -l <"$WORK/urls.tsv")" count

# Another process on the port would answer the benchmark instead (seen: a stray wgmail on 39402).
(exec 3<>"/dev/tcp/127.0.0.1/$P_WEB") 2>/dev/null && die "127.0.0.1:$P_WEB is already in use (set BENCH_PORT_BASE)"
public-inbox-httpd -W "$WORKERS" -l "http://127.0.0.1:$P_WEB" >"$WORK/httpd.log" 2>&1 &
HPID=$!
wait_port "$P_WEB" 60 || { tail -20 "$WORK/httpd.log" >&2; die "public-inbox-httpd did not listen on $P_WEB"; }
echo "# public-inbox-httpd: master $HPID, $WORKERS workers"

# Spot-check that each URL shape answers 200 (a 404 would be "fast" and wrong).
for cat in permalink thread browse search; do
  p=$(awk -F'\t' -v c="$cat" '$1 == c { print $2; exit }' "$WORK/urls.tsv")
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P_WEB$p" || true)
  echo "# check $cat $p -> $code"
done

# Warm the page cache the way a running archive is warm (same as web.sh).
"$LOAD" "127.0.0.1:$P_WEB" "$WORK/urls.tsv" "$CONNS" 5 >/dev/null

echo "# load average before the run: $(load)"
"$LOAD" "127.0.0.1:$P_WEB" "$WORK/urls.tsv" "$CONNS" "$SECONDS_"
echo "# load average after the run: $(load)"

# Peak RSS: the workers serve everything; each keeps `git cat-file --batch` children too.
desc() { local p; for p in $(ps -o pid= --ppid "$1"); do echo "$p"; desc "$p"; done; }
workers=$(ps -o pid= --ppid "$HPID" | tr -d ' ')
hwm() { awk '/^VmHWM:/ { s += $2 } END { printf "%.0f", s / 1024 }' "$@" 2>/dev/null; }
rss() { awk '/^VmRSS:/ { s += $2 } END { printf "%.0f", s / 1024 }' "$@" 2>/dev/null; }
wfiles=$(for p in $workers; do echo "/proc/$p/status"; done)
afiles=$(for p in $HPID $(desc "$HPID"); do [ -e "/proc/$p/status" ] && echo "/proc/$p/status"; done)
for p in $workers; do
  echo "# worker $p: VmHWM $(hwm "/proc/$p/status") MB"
done
# shellcheck disable=SC2086
out peak_rss_workers "$(hwm $wfiles)" MB
# shellcheck disable=SC2086
out peak_rss_all "$(hwm $afiles)" MB
# shellcheck disable=SC2086
out rss_now_all "$(rss $afiles)" MB
echo "# processes counted in *_all: $(for f in $afiles; do p=${f#/proc/}; p=${p%/status}; echo -n "$(ps -o comm= -p "$p") "; done)"
