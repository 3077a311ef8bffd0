#!/usr/bin/env bash
# A manual benchmark (not CI): N generated events published with `vroegsignaal publish` to a
# fresh Tansu, then timed through `vroegsignaal run` from its start until /metrics shows every
# input record committed by ingest and every envelope committed by the household stage.
# Usage: cargo build --release; crates/cli/benches/run_tansu.sh [N]   (needs curl, bc)
set -euo pipefail
cd "$(dirname "$0")/../../.."
N=${1:-1000000}
BIN=${BENCH_BIN:-target/release/vroegsignaal}
TANSU=${VROEGSIGNAAL_TANSU:?run: export VROEGSIGNAAL_TANSU=$(bash .ci/install-brokers.sh)}
PORT=${BENCH_PORT:-19092}; HTTP=${BENCH_HTTP:-19464}
D=${BENCH_DIR:-/tmp/vroeg-bench}; mkdir -p $D
env -u RUST_LOG $TANSU broker --listener-url tcp://127.0.0.1:$PORT --advertised-listener-url tcp://127.0.0.1:$PORT --storage-engine memory://tansu/ > $D/tansu.log 2>&1 &
TPID=$!
trap 'kill $TPID 2>/dev/null; [ -n "${RPID:-}" ] && kill -9 $RPID 2>/dev/null; true' EXIT
sleep 2
export VROEGSIGNAAL_BROKERS=127.0.0.1:$PORT VROEGSIGNAAL__KAFKA__TOPIC_PREFIX=bench. VROEGSIGNAAL__KAFKA__PARTITIONS=4
export VROEGSIGNAAL_PSEUDONYM_KEY=$(printf '5eed%.0s' {1..16})
[ -f $D/events-$N.jsonl ] || $BIN generate --events $N --seed 2026 --start 2026-09-01 --days 90 --out $D/events-$N.jsonl
# run creates the topics first (so publish hits 4-partition topics), then is stopped again.
VROEGSIGNAAL__ENGINE__HTTP_BIND=127.0.0.1:$HTTP $BIN run > $D/run0.log 2>&1 & RPID=$!
until curl -sf localhost:$HTTP/readyz >/dev/null; do sleep 0.5; done
kill -TERM $RPID; wait $RPID || true; RPID=
# A fresh broker every run: a fresh upload ledger too, or a rerun would produce nothing (D28).
rm -rf $D/ledger
t0=$(date +%s.%N)
grep -E '"event_type":"(OBJECTION|CONSENT)' $D/events-$N.jsonl > $D/obj.jsonl || true
grep -vE '"event_type":"(OBJECTION|CONSENT)' $D/events-$N.jsonl > $D/arr.jsonl
$BIN publish --ledger-dir $D/ledger --file $D/arr.jsonl > $D/publish.out 2> $D/publish.err
$BIN publish --ledger-dir $D/ledger --topic-kind objections --file $D/obj.jsonl > $D/publish2.out 2>> $D/publish.err
t1=$(date +%s.%N)
grep -v '^line' $D/publish.err | tail -2
# The records the broker acknowledged ("produced" in each upload summary); duplicates inside the
# generated file are skipped by the upload ledger (D28) and never reach the pipeline.
DELIVERED=$(grep -oE '^ *produced +[0-9]+' $D/publish.err | grep -oE '[0-9]+' | paste -sd+ | bc)
echo "publish: $DELIVERED delivered in $(echo "$t1-$t0" | bc) s"
# The measured pass.
s0=$(date +%s.%N)
VROEGSIGNAAL__ENGINE__HTTP_BIND=127.0.0.1:$HTTP VROEGSIGNAAL__ENGINE__INSTANCE_ID=bench-1 $BIN run > $D/run.log 2>&1 & RPID=$!
while true; do
  m=$(curl -sf localhost:$HTTP/metrics || true)
  ci=$(echo "$m" | awk '/^vroegsignaal_committed_records_total\{stage="ingest"\}/{print $2}')
  ch=$(echo "$m" | awk '/^vroegsignaal_committed_records_total\{stage="households"\}/{print $2}')
  env=$(echo "$m" | awk '/^vroegsignaal_records_out_total\{stage="ingest",topic="bench.internal.households.v1"\}/{print $2}')
  now=$(date +%s.%N)
  printf '%6.1f s ingest %s households %s/%s\n' "$(echo "$now-$s0" | bc)" "${ci:-0}" "${ch:-0}" "${env:-0}"
  if [ "${ci:-0}" = "$DELIVERED" ] && [ -n "${ch:-}" ] && [ "$ch" = "$env" ]; then break; fi
  sleep 5
done
s1=$(date +%s.%N)
echo "RESULT: $DELIVERED events through run in $(echo "$s1-$s0" | bc) s"
curl -sf localhost:$HTTP/metrics | grep -E '^vroegsignaal_(state_households|transactions_total|committed)' 
ps -o rss=,cmd= -p $TPID -p $RPID
