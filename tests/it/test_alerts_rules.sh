#!/bin/sh
# The rules added to the live alerts, end to end with real parts: pvmon-sim, mosquitto, a
# collector, ingest and serve. The station's export meter stops answering while its inverters
# produce: meter_silent is raised once on pvmon/v1/alerts/<id> (retained), in serve's API and in
# status, then cleared once when the meter answers again. Meanwhile /metrics carries ingest's
# own counters (readings stored, batches, commit latency histogram), they pass promtool and they
# move while readings flow. Last, the gateway dies: its last will makes the station offline on
# the dashboard and raises gateway_offline after gateway_will_s, far sooner than
# gateway_offline_s. Every wait is on a condition, never on a fixed time.
. tests/it/lib.sh
. tests/it/collector.sh

D=$IT_TMP
start_broker
echo '{"faults": []}' >"$D/faults.json"
TODAY=$(TZ=Asia/Shanghai date +%F)
start_sim --stations 1 --inverters-per-station 2 --profile huawei-sun2000 --speed 1 \
	--start "${TODAY}T12:00:00" --faults "$D/faults.json" --profiles "$PVMON_ROOT/config/profiles"
P=$(sim_port st001)
wait_port "$P" || fail "station listens"

cat >"$D/fleet.json" <<EOC
{
  "county": "测试县",
  "townships": [ { "id": "t1", "name": "一号镇" } ],
  "villages": [ { "id": "v1", "name": "一号村", "township": "t1" } ],
  "tariffs": [ { "id": "t", "periods": [ { "from": "2018-01-01", "coal_yuan_per_kwh": "0.3320", "subsidy_yuan_per_kwh": "0.5580" } ] } ],
  "stations": [
    { "id": "st001", "name": "一号电站", "gateway": "gw-a", "capacity_kw": 100, "commissioned": "2018-06-28",
      "latitude": 37.95, "longitude": 110.99, "meter": { "id": "meter" },
      "inverters": [ { "id": "inv01", "capacity_kw": 50 }, { "id": "inv02", "capacity_kw": 50 } ],
      "shares": [ { "village": "v1", "weight": 1 } ], "tariff": "t",
      "costs": { "land_rent_yuan_per_year": 2000 } }
  ]
}
EOC
SP=$(free_port)
cat >"$D/central.json" <<EOC
{
  "broker": { "host": "127.0.0.1", "port": $BROKER_PORT, "keepalive_s": 5 },
  "client_id": "ingest-rules",
  "database": "pvmon.db",
  "fleet": "fleet.json",
  "batch": { "rows": 100, "ms": 50 },
  "expected_interval_s": 1,
  "serve": { "listen": "127.0.0.1:$SP", "cache_s": 0 },
  "alerts": { "eval_s": 1, "device_offline_s": 3600, "device_fault_s": 3600, "clear_s": 3,
              "meter_silent_s": 5, "gateway_offline_s": 3600, "gateway_will_s": 2,
              "daylight_hours": [0, 24] },
  "log": { "target": "stderr", "level": "info" }
}
EOC
collector_conf "$D/c.json" gw-a 500 "" "[
 { \"id\": \"lan\", \"type\": \"tcp\", \"host\": \"127.0.0.1\", \"port\": $P, \"timeout_ms\": 300, \"backoff_max_ms\": 500, \"devices\": [
   { \"id\": \"inv01\", \"station\": \"st001\", \"unit\": 1, \"profile\": \"huawei-sun2000\", \"kind\": \"inverter\", \"capacity_kw\": 50 },
   { \"id\": \"inv02\", \"station\": \"st001\", \"unit\": 2, \"profile\": \"huawei-sun2000\", \"kind\": \"inverter\", \"capacity_kw\": 50 },
   { \"id\": \"meter\", \"station\": \"st001\", \"unit\": 3, \"profile\": \"chint-dtsu666\", \"kind\": \"meter\" } ] } ]"

start_sub alerts 'pvmon/v1/alerts/#'
bg ingest "$PVMON_BIN/pvmon-allocator" ingest -c "$D/central.json"
wait_for 10 grep -q "connected to" "$D/ingest.log" || { fail "ingest connects"; cat "$D/ingest.log"; }
bg collector "$PVMON_BIN/pvmon-collector" -c "$D/c.json"
COL_PID=$LAST_PID
q() { sqlite3 "$D/pvmon.db" "$1" 2>/dev/null || echo 0; }
# the meter's counter has moved in the store: a full window of good meter readings
wait_for 30 sh -c "[ \$(sqlite3 '$D/pvmon.db' \"SELECT count(DISTINCT energy_wh) FROM readings_named WHERE device = 'meter' AND energy_wh IS NOT NULL\" 2>/dev/null || echo 0) -ge 3 ]" ||
	fail "meter readings flow"
bg serve "$PVMON_BIN/pvmon-allocator" serve -c "$D/central.json"
wait_port "$SP" || { fail "serve listens"; cat "$D/serve.log"; }
api() { curl -s "http://127.0.0.1:$SP/api/v1/$1"; }
check "no alert while the meter answers" [ "$(api 'alerts?open=1')" = "[]" ]

# /metrics: ingest's own counters, parsed by promtool, moving while readings flow
stored() { curl -s "http://127.0.0.1:$SP/metrics" | sed -n 's/^pvmon_ingest_readings_stored_total{worker="ingest-rules"} //p'; }
wait_for 20 sh -c "[ -n \"\$(curl -s http://127.0.0.1:$SP/metrics | grep '^pvmon_ingest_readings_stored_total{worker=\"ingest-rules\"} [1-9]')\" ]" ||
	fail "ingest's counters reach /metrics"
curl -s "http://127.0.0.1:$SP/metrics" >"$D/metrics1.txt"
check "/metrics with ingest's counters passes promtool check metrics" \
	sh -c "[ -s '$D/metrics1.txt' ] && promtool check metrics <'$D/metrics1.txt' >'$D/promtool.log' 2>&1"
check "the commit latency is a histogram with a +Inf bucket" \
	grep -q '^pvmon_ingest_commit_seconds_bucket{worker="ingest-rules",le="+Inf"} [1-9]' "$D/metrics1.txt"
check "the histogram's count is the batches committed" sh -c "
	n=\$(sed -n 's/^pvmon_ingest_batches_total{worker=\"ingest-rules\"} //p' '$D/metrics1.txt')
	[ -n \"\$n\" ] && [ \"\$(sed -n 's/^pvmon_ingest_commit_seconds_count{worker=\"ingest-rules\"} //p' '$D/metrics1.txt')\" = \
	  \"\$(sed -n 's/^pvmon_ingest_batches_total{worker=\"ingest-rules\"} //p' '$D/metrics1.txt')\" ]"
S1=$(stored)
wait_for 20 sh -c "[ \"\$(curl -s http://127.0.0.1:$SP/metrics | sed -n 's/^pvmon_ingest_readings_stored_total{worker=\"ingest-rules\"} //p')\" -gt $S1 ]"
check "readings stored grows while readings flow ($S1 -> $(stored))" [ "$(stored)" -gt "$S1" ]
check "the store agrees with the counter (at least as many readings as counted)" \
	[ "$(q 'SELECT count(*) FROM readings')" -ge "$S1" ]

# the meter stops answering while the inverters produce
echo '{"faults": [ { "station": "st001", "device": "meter", "type": "dead" } ]}' >"$D/faults.json"
kill -USR1 "$SIM_PID"
RAISED_RE='^pvmon/v1/alerts/meter_silent\.st001\.meter\.[0-9]* .*"end":null'
wait_for 60 grep -q "$RAISED_RE" "$D/alerts.log" || { fail "meter_silent is published"; tail -5 "$D/ingest.log"; }
ID=$(sed -n 's|^pvmon/v1/alerts/\(meter_silent\.st001\.meter\.[0-9]*\) .*|\1|p' "$D/alerts.log" | head -1)
check "the alert names rule, station, meter and start" [ -n "$ID" ]
check "its document has the severity and the Chinese text" \
	grep -q "^pvmon/v1/alerts/$ID .*\"severity\":\"warning\".*\"text_zh\":\"关口电表无数据（逆变器在发电）: st001/meter\"" "$D/alerts.log"
check "serve lists it as open" sh -c "curl -s 'http://127.0.0.1:$SP/api/v1/alerts?open=1' | grep -q '\"id\":\"$ID\"'"
check "serve's metrics count it" \
	sh -c "curl -s http://127.0.0.1:$SP/metrics | grep -qx 'pvmon_alerts_open{rule=\"meter_silent\",severity=\"warning\"} 1'"
"$PVMON_BIN/pvmon-allocator" status -c "$D/central.json" >"$D/status1.txt" 2>&1
check "status shows it open" grep -Eq "^warning +meter_silent +st001/meter .* open +$ID\$" "$D/status1.txt"
# several evaluations with the meter still dead (the store's evaluation count, not a clock)
wait_for 30 sh -c "[ \$(sqlite3 '$D/pvmon.db' \"SELECT count(*) FROM readings_named WHERE device = 'meter' AND energy_wh IS NULL\" 2>/dev/null || echo 0) -ge 10 ]" ||
	fail "the dead meter is published as offline"
check "it is raised once" [ "$(grep -c "$RAISED_RE" "$D/alerts.log")" = 1 ]
check "one meter_silent row" [ "$(q "SELECT count(*) FROM alerts WHERE rule = 'meter_silent'")" = 1 ]

# the meter answers again: its counter moves, the alert clears once
echo '{"faults": []}' >"$D/faults.json"
kill -USR1 "$SIM_PID"
wait_for 60 grep -q "^pvmon/v1/alerts/$ID .*\"end\":[0-9]" "$D/alerts.log" || fail "meter_silent is cleared"
wait_for 30 sh -c "[ \$(sqlite3 '$D/pvmon.db' \"SELECT count(*) FROM readings_named WHERE device = 'meter' AND ts > (SELECT end_ms FROM alerts WHERE id = '$ID')\" 2>/dev/null || echo 0) -ge 10 ]" ||
	fail "meter readings after the clear"
check "it is cleared once" [ "$(grep -c "^pvmon/v1/alerts/$ID .*\"end\":[0-9]" "$D/alerts.log")" = 1 ]
check "and raised only once" [ "$(grep -c "$RAISED_RE" "$D/alerts.log")" = 1 ]
check "serve has no open alert left" [ "$(api 'alerts?open=1')" = "[]" ]

# the gateway dies: its last will turns the station offline and raises gateway_offline soon
kill -KILL "$COL_PID"
t0=$(date +%s)
wait_for 120 sh -c "curl -s http://127.0.0.1:$SP/api/v1/stations | grep -q '\"id\":\"st001\",[^}]*\"status\":\"offline\"'"
t1=$(date +%s)
check "serve shows the station offline after its gateway's death ($((t1 - t0)) s; keepalive 5 s)" \
	sh -c "curl -s http://127.0.0.1:$SP/api/v1/stations | grep -q '\"id\":\"st001\",[^}]*\"status\":\"offline\"'"
wait_for 120 grep -q '^pvmon/v1/alerts/gateway_offline\.gw-a\.[0-9]* .*"end":null' "$D/alerts.log"
check "gateway_offline is raised from the last will, long before gateway_offline_s ($(($(date +%s) - t0)) s)" \
	grep -q '^pvmon/v1/alerts/gateway_offline\.gw-a\.[0-9]* .*"severity":"critical".*"end":null' "$D/alerts.log"
it_end
