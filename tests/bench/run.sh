#!/usr/bin/env bash
# wgmail benchmark: durable accept rate and list fan-out, against Postfix on the same machine.
#
# This is a benchmark, not a test: it prints numbers, one per line, as `name value unit`
# (lines starting with `#` are context). It exits non-zero only when setup fails
# (missing tools, busy ports, wgmail does not build or start).
#
#   sudo tests/bench/run.sh                 # everything: bare ceiling, Postfix reference, wgmail
#   sudo tests/bench/run.sh bare postfix    # reference numbers only (no wgmail needed)
#   sudo tests/bench/run.sh wgmail          # wgmail only
#
# Run as root (smtp-sink drops to `nobody`, the private Postfix instance needs root).
# Everything listens on 127.0.0.1 only; every process the script starts is stopped on exit.
#
# Load, all tunable by environment:
#   BENCH_SESSIONS=20  BENCH_PER_SESSION=10000  BENCH_MSG_LEN=4096
#       accept load. smtp-source's -m is the TOTAL message count shared by all -s sessions
#       (each session takes the next message from the common counter), so "20 sessions x
#       10,000 messages" is `-s 20 -m 200000 -d` (-d: keep each connection open, many
#       messages per session). Sessions finish at slightly different counts.
#   BENCH_POSTS_100=2000  BENCH_POSTS_1000=200
#       fan-out load: posts to the 100-member and to the 1,000-member list
#       (200,000 recipients each by default).
#   BENCH_BATCH=100  BENCH_CONCURRENCY=20
#       recipients per outbound transaction and outbound connections, for wgmail and Postfix alike.
#   BENCH_PORT_BASE=39200   ports BASE+1..BASE+7 on 127.0.0.1 must be free.
#   BENCH_DRAIN_TIMEOUT=1800  seconds to wait for a queue to drain before giving up.
#   BENCH_KEEP=1            keep the work directory (configs, data, logs) for inspection.
#   WGMAIL_BIN=path         use this binary instead of building target/release/wgmail.
#
# What is measured:
#   bare_*            smtp-source -> smtp-sink, no MTA in between: the ceiling of the load tools.
#   postfix_accept    a private Postfix instance (own config_directory and queue under the work
#                     dir) receiving the accept load for an address routed to discard:, i.e.
#                     queued durably, no delivery; messages/s over smtp-source's wall time.
#   postfix_fanoutN   the same instance expanding a virtual alias of N addresses and relaying to a
#                     smtp-sink (relayhost), N/batch recipients per transaction, 20 connections;
#                     recipients/s from the first message sent to an empty queue.
#   wgmail_accept     wgmail, list with 0 members, posting open; messages/s over smtp-source's
#                     wall time (250 = committed durably, see DESIGN.md).
#   wgmail_fanoutN    wgmail, list of N members (mNNNN@sink.test), outbound smtp to a smtp-sink,
#                     batch BENCH_BATCH, verp off (VERP would make one transaction per recipient);
#                     recipients/s from the first message sent until `queue status --json` shows
#                     inbound_pending == 0 and outbound_pending == 0. Cross-checked against the
#                     number of transactions smtp-sink counted (expected posts*ceil(N/batch)).
#   wgmail_*_peak_rss VmHWM of the daemon at the end of each phase (each phase is a fresh daemon
#                     with a fresh data directory).
# The machine is shared: the load average is printed before each phase; numbers taken while
# something else (a cargo build) runs are low and noisy.
set -euo pipefail

SESSIONS=${BENCH_SESSIONS:-20}
PER_SESSION=${BENCH_PER_SESSION:-10000}
MSG_LEN=${BENCH_MSG_LEN:-4096}
POSTS_100=${BENCH_POSTS_100:-2000}
POSTS_1000=${BENCH_POSTS_1000:-200}
BATCH=${BENCH_BATCH:-100}
CONC=${BENCH_CONCURRENCY:-20}
BASE=${BENCH_PORT_BASE:-39200}
DRAIN_TIMEOUT=${BENCH_DRAIN_TIMEOUT:-1800}
TOTAL=$((SESSIONS * PER_SESSION))

P_BARE_SINK=$((BASE + 1))
P_PF_SINK=$((BASE + 2))
P_PF_SMTPD=$((BASE + 3))
P_WG_SINK=$((BASE + 4))
P_WG_SMTP=$((BASE + 5))
P_WG_LMTP=$((BASE + 6))
P_WG_WEB=$((BASE + 7))

REPO=$(cd "$(dirname "$0")/../.." && pwd)
PHASES=("$@")
[ ${#PHASES[@]} -eq 0 ] && PHASES=(bare postfix wgmail)

die() { echo "bench: setup failed: $*" >&2; exit 2; }
warn() { echo "# warning: $*"; }
now() { date +%s.%N; }
# rate COUNT START END -> COUNT/(END-START), one decimal
rate() { awk -v n="$1" -v s="$2" -v e="$3" 'BEGIN { d = e - s; if (d <= 0 || n == "" || n == "nan") print "nan"; else printf "%.1f\n", n / d }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || b + 0 == 0) print "nan"; else printf "%.3f\n", a / b }'; }
secs() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.2f\n", e - s }'; }
out() { printf '%s %s %s\n' "$1" "$2" "$3"; }
has_phase() { local p; for p in "${PHASES[@]}"; do [ "$p" = "$1" ] && return 0; done; return 1; }
loadavg() { echo "# load average before $1: $(cut -d' ' -f1-3 /proc/loadavg) (cpus: $(nproc))"; }

# ---------------------------------------------------------------- setup
[ "$(id -u)" -eq 0 ] || die "run as root (smtp-sink -u nobody, private Postfix instance)"
for p in "${PHASES[@]}"; do
  case $p in bare|postfix|wgmail) ;; *) die "unknown phase '$p' (use: bare postfix wgmail)";; esac
done

if ! command -v smtp-source >/dev/null || ! command -v smtp-sink >/dev/null || ! command -v postfix >/dev/null; then
  echo "# installing postfix (for smtp-source, smtp-sink and the reference instance)"
  apt-get update -qq >/dev/null || die "apt-get update"
  echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null || die "apt-get install postfix"
fi
command -v smtp-source >/dev/null || die "smtp-source not found"

for port in $P_BARE_SINK $P_PF_SINK $P_PF_SMTPD $P_WG_SINK $P_WG_SMTP $P_WG_LMTP $P_WG_WEB; do
  if ss -Hltn "sport = :$port" | grep -q .; then die "port 127.0.0.1:$port is busy (set BENCH_PORT_BASE)"; fi
done

WORK=$(mktemp -d /tmp/wgmail-bench.XXXXXX)
chmod 755 "$WORK"
SINK_PID=""
WG_PID=""
PF_ETC=""

cleanup() {
  local rc=$?
  set +e
  if [ -n "$WG_PID" ]; then kill "$WG_PID" 2>/dev/null; wait "$WG_PID" 2>/dev/null; fi
  if [ -n "$SINK_PID" ]; then kill "$SINK_PID" 2>/dev/null; wait "$SINK_PID" 2>/dev/null; fi
  if [ -n "$PF_ETC" ]; then
    postfix -c "$PF_ETC" stop >/dev/null 2>&1 || postfix -c "$PF_ETC" abort >/dev/null 2>&1
  fi
  if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "# work directory kept: $WORK"; else rm -rf "$WORK"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_port() { # wait_port PORT SECONDS
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    ss -Hltn "sport = :$1" | grep -q . && return 0
    sleep 0.1
  done
  return 1
}

# start_sink NAME PORT -> sets SINK_OUT; counters (-c) go to $WORK/NAME.sink
start_sink() {
  SINK_OUT=$WORK/$1.sink
  smtp-sink -u nobody -c "127.0.0.1:$2" 1000 >"$SINK_OUT" 2>&1 &
  SINK_PID=$!
  wait_port "$2" 5 || die "smtp-sink did not listen on $2"
}
stop_sink() {
  kill "$SINK_PID" 2>/dev/null || true
  wait "$SINK_PID" 2>/dev/null || true
  SINK_PID=""
}
sink_msgs() { # messages (DATA transactions) a stopped sink counted
  tr '\r' '\n' <"$1" | grep -o 'mesg=[0-9]*' | tail -1 | cut -d= -f2
}

# send SESSIONS COUNT TO PORT -> sets SEND_START SEND_END SEND_OK
send() {
  SEND_OK=1
  SEND_START=$(now)
  if ! timeout "$DRAIN_TIMEOUT" smtp-source -s "$1" -m "$2" -l "$MSG_LEN" -d \
      -t "$3" -f sender@example.org "127.0.0.1:$4" >"$WORK/smtp-source.log" 2>&1; then
    SEND_OK=0
    warn "smtp-source to $3 on port $4 failed: $(tail -2 "$WORK/smtp-source.log" | tr '\n' ' ')"
  fi
  SEND_END=$(now)
}

# ---------------------------------------------------------------- bare ceiling
BARE_ACCEPT=nan
if has_phase bare; then
  loadavg bare
  start_sink bare $P_BARE_SINK
  send "$SESSIONS" "$TOTAL" bench@bench.test $P_BARE_SINK
  stop_sink
  [ $SEND_OK = 1 ] && BARE_ACCEPT=$(rate "$TOTAL" "$SEND_START" "$SEND_END")
  out bare_accept "$BARE_ACCEPT" msg/s
  out bare_accept_sink_msgs "$(sink_msgs "$SINK_OUT")" msgs
fi

# ---------------------------------------------------------------- Postfix reference
PF_ACCEPT=nan
declare -A PF_FANOUT=([100]=nan [1000]=nan)

pf_queued() { # messages still in the private instance's queue
  find "$PF_Q/maildrop" "$PF_Q/incoming" "$PF_Q/active" "$PF_Q/deferred" "$PF_Q/hold" -type f 2>/dev/null | wc -l
}
pf_drain() { # wait until the queue is empty; sets DRAIN_END, DRAIN_OK
  local t0 n
  t0=$(now)
  DRAIN_OK=1
  while :; do
    n=$(pf_queued)
    [ "$n" -eq 0 ] && break
    if awk -v s="$t0" -v e="$(now)" -v t="$DRAIN_TIMEOUT" 'BEGIN { exit !(e - s > t) }'; then
      DRAIN_OK=0; warn "Postfix queue did not drain ($n left)"; break
    fi
    sleep 0.2
  done
  DRAIN_END=$(now)
}

if has_phase postfix; then
  PF=$WORK/postfix
  PF_ETC=$PF/etc
  PF_Q=$PF/queue
  mkdir -p "$PF_ETC" "$PF_Q" "$PF/data"
  chown postfix "$PF/data"
  cp /etc/postfix/master.cf "$PF_ETC/"
  [ -f /etc/postfix/dynamicmaps.cf ] && cp /etc/postfix/dynamicmaps.cf "$PF_ETC/"
  [ -d /etc/postfix/dynamicmaps.cf.d ] && cp -r /etc/postfix/dynamicmaps.cf.d "$PF_ETC/"
  : >"$PF_ETC/main.cf"
  pc() { postconf -c "$PF_ETC" "$@"; }
  # A loopback-only instance: relays everything for sink.test to the smtp-sink (relayhost),
  # expands bench100@/bench1000@bench.test through virtual_alias_maps, discards null.test.
  # Logging goes to syslog (usually absent in containers, so it costs nothing).
  pc -e compatibility_level=3.6 \
    "queue_directory=$PF_Q" "data_directory=$PF/data" mail_owner=postfix setgid_group=postdrop \
    myhostname=pfbench.localdomain mydomain=localdomain myorigin=localdomain 'mydestination=' \
    inet_interfaces=loopback-only inet_protocols=ipv4 mynetworks=127.0.0.0/8 \
    "relayhost=[127.0.0.1]:$P_PF_SINK" smtp_dns_support_level=disabled \
    virtual_alias_domains=bench.test "virtual_alias_maps=hash:$PF_ETC/virtual" \
    virtual_alias_expansion_limit=2000 "transport_maps=hash:$PF_ETC/transport" \
    "smtp_destination_concurrency_limit=$CONC" "default_destination_concurrency_limit=$CONC" \
    "smtp_destination_recipient_limit=$BATCH" "smtpd_recipient_limit=1000" \
    'alias_maps=' 'alias_database=' biff=no smtputf8_enable=no
  pc -M# smtp/inet
  pc -M "127.0.0.1:$P_PF_SMTPD/inet=127.0.0.1:$P_PF_SMTPD inet n - n - - smtpd"
  pc -F '*/*/chroot = n'   # no chroot: nothing to copy into the queue directory
  {
    for n in 100 1000; do
      printf 'bench%s@bench.test ' "$n"
      seq 1 "$n" | awk '{ printf "%sm%04d@sink.test", (NR > 1 ? ", " : ""), $1 } END { print "" }'
    done
    echo 'bench@bench.test nobody@null.test'
  } >"$PF_ETC/virtual"
  echo 'null.test discard:' >"$PF_ETC/transport"
  postmap -c "$PF_ETC" "$PF_ETC/virtual" "$PF_ETC/transport" || die "postmap"
  postfix -c "$PF_ETC" check || die "postfix check"
  postfix -c "$PF_ETC" start >/dev/null 2>&1 || die "postfix start"
  wait_port $P_PF_SMTPD 10 || die "private Postfix did not listen on $P_PF_SMTPD"
  echo "# postfix $(postconf -d -h mail_version), private instance in $PF_ETC, smtpd 127.0.0.1:$P_PF_SMTPD"

  # accept: 200,000 x 4 KB for an address routed to discard:
  loadavg postfix_accept
  send "$SESSIONS" "$TOTAL" bench@bench.test $P_PF_SMTPD
  [ $SEND_OK = 1 ] && PF_ACCEPT=$(rate "$TOTAL" "$SEND_START" "$SEND_END")
  pf_drain
  out postfix_accept "$PF_ACCEPT" msg/s

  for n in 100 1000; do
    if [ "$n" = 100 ]; then posts=$POSTS_100; else posts=$POSTS_1000; fi
    loadavg "postfix_fanout$n"
    start_sink "pf$n" $P_PF_SINK
    send "$SESSIONS" "$posts" "bench$n@bench.test" $P_PF_SMTPD
    pf_drain
    stop_sink
    if [ $SEND_OK = 1 ] && [ $DRAIN_OK = 1 ]; then
      PF_FANOUT[$n]=$(rate $((posts * n)) "$SEND_START" "$DRAIN_END")
    fi
    out "postfix_fanout$n" "${PF_FANOUT[$n]}" rcpt/s
    out "postfix_fanout${n}_accept" "$(rate "$posts" "$SEND_START" "$SEND_END")" msg/s
    out "postfix_fanout${n}_seconds" "$(secs "$SEND_START" "$DRAIN_END")" s
    out "postfix_fanout${n}_sink_msgs" "$(sink_msgs "$SINK_OUT")" msgs
    out "postfix_fanout${n}_expected_msgs" $((posts * ((n + BATCH - 1) / BATCH))) msgs
  done
  postfix -c "$PF_ETC" stop >/dev/null 2>&1 || true
  PF_ETC=""
fi

# ---------------------------------------------------------------- wgmail
WG_ACCEPT=nan
declare -A WG_FANOUT=([100]=nan [1000]=nan)

if has_phase wgmail; then
  if [ -n "${WGMAIL_BIN:-}" ]; then
    WG=$WGMAIL_BIN
  else
    echo "# building wgmail (cargo build --release)"
    (cd "$REPO" && cargo build --release --quiet) >"$WORK/build.log" 2>&1 ||
      { tail -20 "$WORK/build.log" >&2; die "cargo build --release"; }
    WG=$REPO/target/release/wgmail
  fi
  [ -x "$WG" ] || die "no wgmail binary at $WG"

  # wg_setup NAME -> fresh site config, data dir and list files under $WORK/NAME
  wg_setup() {
    WG_DIR=$WORK/$1
    WG_CONF=$WG_DIR/wgmail.toml
    mkdir -p "$WG_DIR/data" "$WG_DIR/lists"
    cat >"$WG_CONF" <<EOF
[smtp]
listen = "127.0.0.1:$P_WG_SMTP"
lmtp_listen = "127.0.0.1:$P_WG_LMTP"
hostname = "bench.test"
max_message_size = 10485760
max_recipients = 100
idle_timeout = 300
max_connections = 200

[web]
listen = "127.0.0.1:$P_WG_WEB"
base_url = "http://127.0.0.1:$P_WG_WEB"

[storage]
data_dir = "$WG_DIR/data"

[outbound]
mode = "smtp"
relay = "127.0.0.1:$P_WG_SINK"
maildir = "$WG_DIR/data/outbox"
batch = $BATCH
# VERP, and per-member one-click links (personalize), give every recipient its own transaction;
# the comparison with Postfix uses batches. The personalized phase below measures the other mode.
verp = false
personalize = ${WG_PERSONALIZE:-false}
concurrency = $CONC
retry_for = 3600

[lists]
dir = "$WG_DIR/lists"
EOF
    local l
    for l in bench bench100 bench1000; do
      cat >"$WG_DIR/lists/$l.toml" <<EOF
name = "$l"
domain = "bench.test"
description = "benchmark list $l"
subject_prefix = "[$l]"
owners = ["owner@example.org"]
moderators = ["owner@example.org"]
chairs = ["chair@example.org"]

[posting]
members_only = false
EOF
    done
  }
  wg() { "$WG" --config "$WG_CONF" "$@"; }
  wg_start() {
    "$WG" --config "$WG_CONF" serve >"$WG_DIR/serve.log" 2>&1 &
    WG_PID=$!
    if ! wait_port $P_WG_SMTP 30; then
      tail -20 "$WG_DIR/serve.log" >&2
      die "wgmail did not listen on $P_WG_SMTP"
    fi
  }
  wg_stop() { # prints peak RSS (VmHWM, kB) of the daemon
    local hwm
    hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$WG_PID/status" 2>/dev/null || true)
    kill "$WG_PID" 2>/dev/null || true
    wait "$WG_PID" 2>/dev/null || true
    WG_PID=""
    echo "${hwm:-nan}"
  }
  jnum() { # jnum KEY JSON -> number or empty
    printf '%s' "$2" | grep -o "\"$1\"[[:space:]]*:[[:space:]]*[0-9]*" | grep -o '[0-9]*$' | head -1
  }
  # wait until inbound and outbound queues are empty; sets DRAIN_END DRAIN_OK QSTATUS
  wg_drain() {
    local t0 st ib ob
    t0=$(now)
    DRAIN_OK=1
    while :; do
      st=$(wg queue status --json 2>/dev/null || true)
      ib=$(jnum inbound_pending "$st")
      ob=$(jnum outbound_pending "$st")
      if [ -n "$ib" ] && [ -n "$ob" ] && [ "$ib" -eq 0 ] && [ "$ob" -eq 0 ]; then break; fi
      if awk -v s="$t0" -v e="$(now)" -v t="$DRAIN_TIMEOUT" 'BEGIN { exit !(e - s > t) }'; then
        DRAIN_OK=0; warn "wgmail queues did not drain: $st"; break
      fi
      sleep 0.2
    done
    DRAIN_END=$(now)
    QSTATUS=$(wg queue status --json 2>/dev/null || true)
  }

  # (a) durable accept: list with 0 members, nothing goes out
  wg_setup wg_accept
  start_sink wg_accept $P_WG_SINK
  wg_start
  loadavg wgmail_accept
  send "$SESSIONS" "$TOTAL" bench@bench.test $P_WG_SMTP
  [ $SEND_OK = 1 ] && WG_ACCEPT=$(rate "$TOTAL" "$SEND_START" "$SEND_END")
  wg_drain
  out wgmail_accept "$WG_ACCEPT" msg/s
  out wgmail_accept_drain_seconds "$(secs "$SEND_START" "$DRAIN_END")" s
  out wgmail_accept_peak_rss "$(wg_stop)" kB
  stop_sink

  # (b) fan-out to 100 and 1,000 members
  for n in 100 1000; do
    if [ "$n" = 100 ]; then posts=$POSTS_100; else posts=$POSTS_1000; fi
    wg_setup "wg_fanout$n"
    seq 1 "$n" | awk '{ printf "m%04d@sink.test\n", $1 }' | xargs "$WG" --config "$WG_CONF" member add "bench$n" \
      >"$WG_DIR/member-add.log" 2>&1 || { cat "$WG_DIR/member-add.log" >&2; die "wgmail member add"; }
    start_sink "wg$n" $P_WG_SINK
    wg_start
    loadavg "wgmail_fanout$n"
    send "$SESSIONS" "$posts" "bench$n@bench.test" $P_WG_SMTP
    wg_drain
    delivered=$(jnum delivered_recipients "$QSTATUS")
    failed=$(jnum failed_recipients "$QSTATUS")
    if [ $SEND_OK = 1 ] && [ $DRAIN_OK = 1 ]; then
      WG_FANOUT[$n]=$(rate "${delivered:-nan}" "$SEND_START" "$DRAIN_END")
    fi
    out "wgmail_fanout$n" "${WG_FANOUT[$n]}" rcpt/s
    out "wgmail_fanout${n}_accept" "$(rate "$posts" "$SEND_START" "$SEND_END")" msg/s
    out "wgmail_fanout${n}_seconds" "$(secs "$SEND_START" "$DRAIN_END")" s
    out "wgmail_fanout${n}_delivered" "${delivered:-nan}" rcpt
    out "wgmail_fanout${n}_expected" $((posts * n)) rcpt
    out "wgmail_fanout${n}_failed" "${failed:-nan}" rcpt
    out "wgmail_fanout${n}_peak_rss" "$(wg_stop)" kB
    stop_sink
    out "wgmail_fanout${n}_sink_msgs" "$(sink_msgs "$SINK_OUT")" msgs
    out "wgmail_fanout${n}_expected_msgs" $((posts * ((n + BATCH - 1) / BATCH))) msgs
  done

  # (b') the default delivery mode: every member's copy carries its own one-click unsubscribe
  # link (outbound.personalize = true), so one transaction per recipient.
  n=1000
  posts=$(( (POSTS_1000 + 3) / 4 ))
  WG_PERSONALIZE=true wg_setup "wg_fanout${n}_personalized"
  seq 1 "$n" | awk '{ printf "m%04d@sink.test\n", $1 }' | xargs "$WG" --config "$WG_CONF" member add "bench$n" \
    >"$WG_DIR/member-add.log" 2>&1 || { cat "$WG_DIR/member-add.log" >&2; die "wgmail member add"; }
  start_sink "wg${n}p" $P_WG_SINK
  wg_start
  loadavg "wgmail_fanout${n}_personalized"
  send "$SESSIONS" "$posts" "bench$n@bench.test" $P_WG_SMTP
  wg_drain
  delivered=$(jnum delivered_recipients "$QSTATUS")
  rate_p=nan
  if [ $SEND_OK = 1 ] && [ $DRAIN_OK = 1 ]; then
    rate_p=$(rate "${delivered:-nan}" "$SEND_START" "$DRAIN_END")
  fi
  out "wgmail_fanout${n}_personalized" "$rate_p" rcpt/s
  out "wgmail_fanout${n}_personalized_delivered" "${delivered:-nan}" rcpt
  out "wgmail_fanout${n}_personalized_expected" $((posts * n)) rcpt
  out "wgmail_fanout${n}_personalized_peak_rss" "$(wg_stop)" kB
  stop_sink
fi

# ---------------------------------------------------------------- ratios
if has_phase wgmail && has_phase postfix; then
  out ratio_accept_wgmail_postfix "$(ratio "$WG_ACCEPT" "$PF_ACCEPT")" x
  out ratio_fanout100_wgmail_postfix "$(ratio "${WG_FANOUT[100]}" "${PF_FANOUT[100]}")" x
  out ratio_fanout1000_wgmail_postfix "$(ratio "${WG_FANOUT[1000]}" "${PF_FANOUT[1000]}")" x
fi
if has_phase wgmail && has_phase bare; then
  out ratio_accept_wgmail_bare "$(ratio "$WG_ACCEPT" "$BARE_ACCEPT")" x
fi
