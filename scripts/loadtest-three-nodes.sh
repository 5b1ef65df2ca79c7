#!/usr/bin/env bash
# One node beside three nodes under the same chat load, alternating rounds
# (docs/cluster.md, "Chat load: three nodes beside one").
# Usage: scripts/loadtest-three-nodes.sh [BIN] [ROUNDS]
# Needs PostgreSQL on 127.0.0.1:5432 (user postgres, database test), psql
# and nats-server (Debian's packages). Uses ports 14422 and 18180-18183.
set -u
BIN=$(realpath "${1:-bin/plateau}"); ROUNDS=${2:-3}
PG='postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
export PGOPTIONS='-c client_min_messages=warning'
W=$(mktemp -d); cd "$W" || exit 1
cleanup() { kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
load() { "$BIN" loadtest chat --url "$1" --customers 2000 --rate 100 --hold 2s --echo-baseline=false 2>&1 |
	grep -E "customers|position|via|memory"; }
for r in $(seq 1 "$ROUNDS"); do
	psql -q -h 127.0.0.1 -U postgres test -c "DROP SCHEMA IF EXISTS plt_lt_one CASCADE; DROP SCHEMA IF EXISTS plt_lt_three CASCADE;
		CREATE SCHEMA plt_lt_one; CREATE SCHEMA plt_lt_three;"
	rm -rf js; nats-server -js -a 127.0.0.1 -p 14422 -sd js >nats.log 2>&1 &
	"$BIN" demo --http 127.0.0.1:18180 --db "$PG&search_path=plt_lt_one" --history 0 --sip off >one.log 2>&1 &
	one=$!
	sleep 4
	echo "== round $r: one node"
	load http://127.0.0.1:18180
	kill $one; wait $one 2>/dev/null
	"$BIN" demo --http 127.0.0.1:18181 --db "$PG&search_path=plt_lt_three" --history 0 --sip off --nats nats://127.0.0.1:14422 --node a >a.log 2>&1 &
	sleep 4
	"$BIN" serve --http 127.0.0.1:18182 --db "$PG&search_path=plt_lt_three" --nats nats://127.0.0.1:14422 --node b >b.log 2>&1 &
	"$BIN" serve --http 127.0.0.1:18183 --db "$PG&search_path=plt_lt_three" --nats nats://127.0.0.1:14422 --node c >c.log 2>&1 &
	sleep 6
	echo "== round $r: three nodes"
	load http://127.0.0.1:18181,http://127.0.0.1:18182,http://127.0.0.1:18183
	kill $(jobs -p) 2>/dev/null; wait 2>/dev/null
done
