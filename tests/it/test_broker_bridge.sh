#!/bin/sh
# Region brokers bridged to a central one (deploy/mosquitto/region-bridge.conf, docs/scale.md):
# two region mosquittos, each with one collector polling a pvmon-sim station, bridge readings
# and status to the central mosquitto where ingest runs, and the acks back. Every reading is
# stored once and every spool empties; then the central broker and, separately, one region
# broker are SIGKILLed mid-run and restarted without persistence: nothing is lost, nothing
# duplicated, the acks resume.
. tests/it/lib.sh
. tests/it/collector.sh

REGIONS="north south"
IV=200 # poll interval (ms): 4 devices per gateway, 20 readings a second each

# start_mosq NAME PORT [BRIDGE_TO_PORT]: a mosquitto without persistence on PORT, bridged to
# the central broker on BRIDGE_TO_PORT with the shipped bridge file; sets MOSQ_PID.
start_mosq() {
	cat >"$IT_TMP/$1.conf" <<EOC
listener $2 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 1000000
max_inflight_messages 100
EOC
	if [ -n "$3" ]; then
		# the shipped file with this test's address, region and no TLS or credentials (loopback)
		sed -e "s/^address .*/address 127.0.0.1:$3/" -e "s/north/$1/g" \
			-e '/^bridge_cafile/d' -e '/^bridge_tls_version/d' \
			-e '/^remote_username/d' -e '/^remote_password/d' \
			"$PVMON_ROOT/deploy/mosquitto/region-bridge.conf" >>"$IT_TMP/$1.conf"
	fi
	bg "$1-$(date +%s%N)" mosquitto -c "$IT_TMP/$1.conf"
	MOSQ_PID=$LAST_PID
	wait_port "$2" || fail "mosquitto $1 listens on $2"
}
# kill_pid PID: SIGKILL and reap.
kill_pid() {
	kill -KILL "$1"
	wait "$1" 2>/dev/null
}

CP=$(free_port)
start_mosq central "$CP"
CENTRAL_PID=$MOSQ_PID
for r in $REGIONS; do
	p=$(free_port)
	eval "PORT_$r=$p"
	start_mosq "$r" "$p" "$CP"
	eval "PID_$r=$MOSQ_PID"
done

# one simulated station per region: st001 behind gw-north, st002 behind gw-south
start_sim --stations 2 --inverters-per-station 3 --profile huawei-sun2000 \
	--meter-profile chint-dtsu666 --start 2019-06-21T12:00:00 --speed 1 \
	--profiles "$PVMON_ROOT/config/profiles" || exit 1
awk 'BEGIN {
	print "{ \"county\": \"bridges\", \"townships\": [ { \"id\": \"t1\", \"name\": \"T\" } ],"
	print "  \"villages\": [ { \"id\": \"v1\", \"name\": \"V\", \"township\": \"t1\" } ],"
	print "  \"tariffs\": [ { \"id\": \"tf\", \"periods\": [ { \"from\": \"2018-01-01\","
	print "    \"coal_yuan_per_kwh\": \"0.3320\", \"subsidy_yuan_per_kwh\": \"0.5580\" } ] } ],"
	print "  \"stations\": ["
	for (s = 1; s <= 2; s++)
		printf "    { \"id\": \"st%03d\", \"name\": \"S%d\", \"gateway\": \"gw-%s\", \"capacity_kw\": 150,\n" \
			"      \"commissioned\": \"2018-01-01\", \"latitude\": 37.95, \"longitude\": 110.99,\n" \
			"      \"meter\": { \"id\": \"meter\" }, \"inverters\": [ { \"id\": \"inv01\", \"capacity_kw\": 50 },\n" \
			"        { \"id\": \"inv02\", \"capacity_kw\": 50 }, { \"id\": \"inv03\", \"capacity_kw\": 50 } ],\n" \
			"      \"shares\": [ { \"village\": \"v1\", \"weight\": 1 } ], \"tariff\": \"tf\" }%s\n",
			s, s, (s == 1 ? "north" : "south"), (s < 2 ? "," : "")
	print "  ] }"
}' >"$IT_TMP/fleet.json"
cat >"$IT_TMP/central.json" <<EOF
{
  "broker": { "host": "127.0.0.1", "port": $CP, "keepalive_s": 5 },
  "client_id": "ingest-bridge",
  "database": "pvmon.db",
  "fleet": "fleet.json",
  "timezone": "Asia/Shanghai",
  "batch": { "rows": 1000, "ms": 100 },
  "log": { "target": "stderr", "level": "info" }
}
EOF
DB=$IT_TMP/pvmon.db
q() { sqlite3 "$DB" "$1"; }

st=1
for r in $REGIONS; do
	eval "BROKER_PORT=\$PORT_$r"
	sp=$(sim_port "st00$st")
	wait_port "$sp" || fail "station st00$st listens"
	devs=""
	for i in 1 2 3; do
		devs="$devs{ \"id\": \"inv0$i\", \"station\": \"st00$st\", \"unit\": $i, \"profile\": \"huawei-sun2000\", \"kind\": \"inverter\", \"capacity_kw\": 50 },"
	done
	collector_conf "$IT_TMP/c-$r.json" "gw-$r" "$IV" ", \"replay_per_s\": 2000" "[
	 { \"id\": \"lan\", \"type\": \"tcp\", \"host\": \"127.0.0.1\", \"port\": $sp, \"timeout_ms\": 500, \"devices\": [ $devs
	   { \"id\": \"meter\", \"station\": \"st00$st\", \"unit\": 4, \"profile\": \"chint-dtsu666\", \"kind\": \"meter\" } ] } ]"
	st=$((st + 1))
done

bg ingest "$PVMON_BIN/pvmon-allocator" ingest -c "$IT_TMP/central.json"
INGEST_PID=$LAST_PID
wait_for 15 grep -q "connected to" "$IT_TMP/ingest.log" || fail "ingest connects to the central broker"
for r in $REGIONS; do
	bg "collector-$r" "$PVMON_BIN/pvmon-collector" -c "$IT_TMP/c-$r.json"
	eval "COL_$r=$LAST_PID"
done

# taken GW: seqs the collector gave out; stored GW / acked GW: rows and ack in the database.
taken() { sqlite3 "$IT_TMP/$1.spool" "SELECT value - 1 FROM meta WHERE key = 'next_seq'" 2>/dev/null || echo 0; }
stored() { q "SELECT count(*) FROM readings_named WHERE gw = '$1'" 2>/dev/null || echo 0; }
acked() { q "SELECT coalesce(max(acked_seq), 0) FROM gateways WHERE gw = '$1'" 2>/dev/null || echo 0; }
at_least() {
	_w=$1
	shift
	[ "$("$@")" -ge "$_w" ] 2>/dev/null
}
# caught_up: both gateways acknowledged up to what they had taken when called.
caught_up() {
	_want_n=$(taken gw-north)
	_want_s=$(taken gw-south)
	_t0=$(date +%s%N)
	wait_for "$1" at_least "$_want_n" acked gw-north && wait_for "$1" at_least "$_want_s" acked gw-south ||
		return 1
	CAUGHT_MS=$((($(date +%s%N) - _t0) / 1000000))
}

for r in $REGIONS; do
	wait_for 20 at_least 40 stored "gw-$r" || fail "readings of gw-$r reach the central database"
done
check "acks come back through both bridges" caught_up 20
echo "# before the faults: gw-north acked $(acked gw-north), gw-south $(acked gw-south)"

# 1. the central broker dies (no persistence: ingest's session, the bridges' sessions and
# every retained message are gone) and comes back on its port after 3 s
kill_pid "$CENTRAL_PID"
k1=$(taken gw-north)
sleep 3
start_mosq central "$CP"
CENTRAL_PID=$MOSQ_PID
t0=$(date +%s%N)
wait_for 30 at_least "$((k1 + 10))" acked gw-north && wait_for 30 at_least "$((k1 + 10))" acked gw-south ||
	fail "acks resume after the central broker's restart"
echo "# central broker restarted: acks past the outage's readings $((($(date +%s%N) - t0) / 1000000)) ms after its restart"
caught_up 30 || fail "everything taken is acknowledged after the central restart"

# 2. the north region broker dies and comes back; the south region goes on meanwhile
eval "kill_pid \$PID_north"
k2=$(taken gw-north)
s2=$(acked gw-south)
sleep 3
check "the south region is acknowledged while the north broker is down" at_least "$((s2 + 10))" acked gw-south
start_mosq north "$PORT_north" "$CP"
PID_north=$MOSQ_PID
t0=$(date +%s%N)
wait_for 30 at_least "$((k2 + 10))" acked gw-north || fail "gw-north's acks resume after its region broker's restart"
echo "# north region broker restarted: acks past the outage's readings $((($(date +%s%N) - t0) / 1000000)) ms after its restart"

# stop the collectors cleanly, then one --once round each through its region broker: it
# replays what is left in the spool and waits until all of it is acknowledged
for r in $REGIONS; do
	eval "stop \$COL_$r"
done
for r in $REGIONS; do
	"$PVMON_BIN/pvmon-collector" -c "$IT_TMP/c-$r.json" --once --timeout 30 --ack-wait 30 \
		>"$IT_TMP/drain-$r.log" 2>&1
	check "gw-$r: a last --once round gets every reading acknowledged" [ $? -eq 0 ]
done
for r in $REGIONS; do
	gw=gw-$r
	t=$(taken "$gw")
	wait_for 30 at_least "$t" acked "$gw" || fail "$gw: the last readings are acknowledged"
	wait_for 10 sh -c "[ \$(sqlite3 '$IT_TMP/$gw.spool' 'SELECT count(*) FROM spool') -eq 0 ]" ||
		fail "$gw: the spool empties once acknowledged"
	res=$(q "SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM readings_named WHERE gw = '$gw'")
	# (information only: two polls of a late round may fall in the same millisecond; the seq
# is the reading's identity, given by the collector before the broker ever sees it)
dup=$(q "SELECT count(*) - count(DISTINCT station || '/' || device || '/' || ts) FROM readings_named WHERE gw = '$gw'")
	echo "# $gw: taken $t, stored|distinct|min|max $res, device readings sharing a millisecond $dup, acked $(acked "$gw")"
	check "$gw: each of the $t readings is stored exactly once" [ "$res" = "$t|$t|1|$t" ]
		check "$gw: acknowledged up to its last seq" [ "$(acked "$gw")" -eq "$t" ]
	check "$gw: nothing rejected" [ "$(q "SELECT count(*) FROM rejected WHERE gw = '$gw'")" -eq 0 ]
	check "$gw: ingest saw its clean stop through the bridge" \
		wait_for 10 sh -c "[ \"\$(sqlite3 '$DB' \"SELECT status FROM gateways WHERE gw = '$gw'\")\" = offline ]"
	check "$gw: ingest counted no seq as lost" [ "$(q "SELECT lost_seqs FROM gateways WHERE gw = '$gw'")" -eq 0 ]
done
check "the retained ack reached the region broker through the bridge" \
	[ "$(mosquitto_sub -p "$PORT_south" -t pvmon/v1/gw-south/ack -C 1 -W 5)" = "{\"v\":1,\"seq\":$(taken gw-south)}" ]
stop "$INGEST_PID"
it_end
