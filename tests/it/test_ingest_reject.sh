#!/bin/sh
# A corpus of malformed payloads sent through a real mosquitto: every one is
# stored in `rejected` with the right reason and none reaches `readings`;
# ingest keeps running, and rejects with a seq still let the ack advance.
. tests/it/lib.sh

start_broker
D=$IT_TMP
cp "$PVMON_ROOT/config/fleet.json" "$D/fleet.json"
cat >"$D/central.json" <<EOF
{
  "broker": { "host": "127.0.0.1", "port": $BROKER_PORT },
  "client_id": "ingest-reject-test",
  "database": "pvmon.db",
  "fleet": "fleet.json",
  "batch": { "rows": 100, "ms": 20 }
}
EOF
DB=$D/pvmon.db
q() { sqlite3 "$DB" "$1"; }

bg ingest "$PVMON_BIN/pvmon-allocator" ingest -c "$D/central.json"
INGEST_PID=$LAST_PID
i=0
while ! grep -q "connected to" "$IT_TMP/ingest.log" && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done

now=$(($(date +%s) * 1000))
T=pvmon/v1/gw-xipo/st-xipo/inv01/reading
ok_rest="\"kind\":\"inverter\",\"ts\":$now,\"state\":\"producing\",\"energy_wh\":1000"
# TOPIC<TAB>PAYLOAD<TAB>expected reason; seqs 1-13 are used once each so the ack can pass them
cat >"$D/cases" <<EOF
$T	{not json	not valid JSON
$T		not valid JSON
$T	{"v":1,"gw":"gw-xipo","station":"st-xipo","device":"inv01",$ok_rest}	"seq": missing
$T	{"v":1,"gw":"gw-xipo","seq":"7","station":"st-xipo","device":"inv01",$ok_rest}	"seq": expected an integer
$T	{"v":1,"gw":"gw-xipo","seq":1,"station":"st-xipo","device":"inv01","kind":"inverter","ts":$now,"state":"producing","energy_wh":-5}	"energy_wh": -5 is outside
$T	{"v":1,"gw":"gw-xipo","seq":2,"station":"st-xipo","device":"inv01","kind":"inverter","ts":2082758400000,"state":"producing"}	"ts":
$T	{"v":1,"gw":"gw-xipo","seq":3,"station":"st-xipo","device":"inv01","kind":"inverter","ts":946684800000,"state":"producing"}	"ts":
pvmon/v1/gw-xipo/st-nowhere/inv01/reading	{"v":1,"gw":"gw-xipo","seq":4,"station":"st-nowhere","device":"inv01",$ok_rest}	is not in the fleet
pvmon/v1/gw-xipo/st-xipo/inv99/reading	{"v":1,"gw":"gw-xipo","seq":5,"station":"st-xipo","device":"inv99",$ok_rest}	is not in the fleet
$T	{"v":1,"gw":"gw-xipo","seq":6,"station":"st-xipo","device":"inv02",$ok_rest}	ids: payload says
$T	{"v":1,"gw":"gw-other","seq":7,"station":"st-xipo","device":"inv01",$ok_rest}	ids: payload says
pvmon/v1/gw-xipo/st-xipo/meter/reading	{"v":1,"gw":"gw-xipo","seq":8,"station":"st-xipo","device":"meter",$ok_rest}	but the fleet says
pvmon/v1/gw-xipo/../inv01/reading	{"v":1,"gw":"gw-xipo","seq":9,"station":"..","device":"inv01",$ok_rest}	topic: expected
$T	{"v":1,"gw":"gw-xipo","seq":10,"station":"st-xipo/#","device":"inv01",$ok_rest}	"station": expected an id
$T	{"v":1,"gw":"gw-xipo","seq":11,"station":"st-xipo","device":"inv01",$ok_rest,"bogus":1}	"bogus": unknown field
$T	{"v":2,"gw":"gw-xipo","seq":12,"station":"st-xipo","device":"inv01",$ok_rest}	"v":
$T	{"v":1,"gw":"gw-xipo","seq":13,"station":"st-xipo","device":"inv01","kind":"inverter","ts":$now,"state":"melting"}	"state": expected
pvmon/v1/gw-xipo/status	{"state":"sideways"}	"state": expected "online" or "offline"
EOF
n_cases=$(wc -l <"$D/cases")
cut -f1,2 "$D/cases" >"$D/corpus"
out=$("$PVMON_TOOLS/pubreadings" -p "$BROKER_PORT" -g gw-xipo -d st-xipo:inv01:inverter --bad "$D/corpus" -s 14 -n 5 --ack --timeout-s 20)
check "valid readings after the corpus are acknowledged past every reject with a seq" [ "$out" = "gw-xipo 18" ]
check "only the valid readings are in readings" [ "$(q 'SELECT count(*), min(seq) FROM readings')" = "5|14" ]
check "every malformed payload is in rejected" [ "$(q 'SELECT count(*) FROM rejected')" = "$n_cases" ]
check "the rejects are counted for the gateway" [ "$(q "SELECT rejects FROM gateways WHERE gw = 'gw-xipo'")" = "$n_cases" ]
i=0
while IFS='	' read -r topic payload reason; do
	i=$((i + 1))
	got=$(sqlite3 "$DB" "SELECT reason FROM rejected WHERE id = $i AND topic = '$topic'")
	case "$got" in
	*"$reason"*) ok "case $i is rejected for $reason" ;;
	*) fail "case $i: expected a reason with '$reason', got '$got'" ;;
	esac
done <"$D/cases"
check "a reject is kept byte for byte" [ "$(q 'SELECT CAST(payload AS TEXT) FROM rejected WHERE id = 1')" = "{not json" ]
check "ingest is still running" kill -0 "$INGEST_PID"
check "rejects are logged" grep -q "rejected a payload" "$IT_TMP/ingest.log"
it_end
