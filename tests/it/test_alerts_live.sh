#!/bin/sh
# Alerts end to end with real parts: pvmon-sim, mosquitto, a collector, ingest
# and serve. An inverter stops answering, then answers again: the alert is
# raised once and cleared once on pvmon/v1/alerts/<id> (retained), in serve's
# API and in status, passed to alert_exec twice, and a restart of ingest
# neither repeats nor loses it.
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
  "client_id": "ingest-alerts",
  "database": "pvmon.db",
  "fleet": "fleet.json",
  "batch": { "rows": 100, "ms": 50 },
  "expected_interval_s": 1,
  "serve": { "listen": "127.0.0.1:$SP", "cache_s": 0 },
  "alerts": { "eval_s": 1, "device_offline_s": 3, "device_fault_s": 3, "clear_s": 3,
              "gateway_offline_s": 600, "daylight_hours": [0, 24],
              "alert_exec": [ "/usr/bin/tee", "-a", "$D/exec.log" ] },
  "log": { "target": "stderr", "level": "info" }
}
EOC
collector_conf "$D/c.json" gw-a 500 "" "[
 { \"id\": \"lan\", \"type\": \"tcp\", \"host\": \"127.0.0.1\", \"port\": $P, \"timeout_ms\": 300, \"backoff_max_ms\": 500, \"devices\": [
   { \"id\": \"inv01\", \"station\": \"st001\", \"unit\": 1, \"profile\": \"huawei-sun2000\", \"kind\": \"inverter\", \"capacity_kw\": 50 },
   { \"id\": \"inv02\", \"station\": \"st001\", \"unit\": 2, \"profile\": \"huawei-sun2000\", \"kind\": \"inverter\", \"capacity_kw\": 50 },
   { \"id\": \"meter\", \"station\": \"st001\", \"unit\": 3, \"profile\": \"chint-dtsu666\", \"kind\": \"meter\" } ] } ]"

start_sub alerts 'pvmon/v1/alerts/#'
start_ingest() {
	bg "ingest$1" "$PVMON_BIN/pvmon-allocator" ingest -c "$D/central.json"
	INGEST_PID=$LAST_PID
	wait_for 10 grep -q "connected to" "$D/ingest$1.log" || { fail "ingest connects"; cat "$D/ingest$1.log"; }
}
start_ingest 1
bg collector "$PVMON_BIN/pvmon-collector" -c "$D/c.json"
COL_PID=$LAST_PID
n_inv02() { sqlite3 "$D/pvmon.db" "SELECT count(*) FROM readings_named WHERE device = 'inv02'" 2>/dev/null || echo 0; }
wait_for 20 sh -c "[ \$(sqlite3 '$D/pvmon.db' \"SELECT count(*) FROM readings_named WHERE device = 'inv02'\" 2>/dev/null || echo 0) -ge 3 ]" ||
	fail "readings flow"
bg serve "$PVMON_BIN/pvmon-allocator" serve -c "$D/central.json"
wait_port "$SP" || { fail "serve listens"; cat "$D/serve.log"; }
api() { curl -s "http://127.0.0.1:$SP/api/v1/$1"; }
check "no alert while every device answers" [ "$(api 'alerts?open=1')" = "[]" ]

# inv02 stops answering
echo '{"faults": [ { "station": "st001", "device": "inv02", "type": "dead" } ]}' >"$D/faults.json"
kill -USR1 "$SIM_PID"
RAISED_RE='^pvmon/v1/alerts/device_offline\.st001\.inv02\.[0-9]* .*"end":null'
raised() { grep -c "$RAISED_RE" "$D/alerts.log"; }
wait_for 40 grep -q "$RAISED_RE" "$D/alerts.log" || { fail "the alert is published"; tail -5 "$D/ingest1.log"; }
ID=$(sed -n 's|^pvmon/v1/alerts/\(device_offline\.st001\.inv02\.[0-9]*\) .*|\1|p' "$D/alerts.log" | head -1)
check "the alert has an id naming rule, device and start" [ -n "$ID" ]
check "its document names the severity and the text in Chinese" \
	grep -q "^pvmon/v1/alerts/$ID .*\"severity\":\"warning\".*\"text_zh\":\"设备离线: st001/inv02\"" "$D/alerts.log"
check "serve lists it as open" sh -c "curl -s 'http://127.0.0.1:$SP/api/v1/alerts?open=1' | grep -q '\"id\":\"$ID\"'"
check "serve shows the inverter offline on the station" \
	sh -c "curl -s http://127.0.0.1:$SP/api/v1/stations/st001 | grep -q '\"id\":\"inv02\",\"kind\":\"inverter\",\"capacity_w\":50000,\"live\":\"offline\"'"
check "serve's metrics count one open device alert" \
	sh -c "curl -s http://127.0.0.1:$SP/metrics | grep -qx 'pvmon_alerts_open{rule=\"device_offline\",severity=\"warning\"} 1'"
"$PVMON_BIN/pvmon-allocator" status -c "$D/central.json" >"$D/status1.txt" 2>&1
check "status shows it open" grep -Eq "^warning +device_offline +st001/inv02 .* open +$ID\$" "$D/status1.txt"
sleep 3 # several evaluations with the condition still there
check "it is raised once" [ "$(raised)" = 1 ]

# inv02 answers again
echo '{"faults": []}' >"$D/faults.json"
kill -USR1 "$SIM_PID"
wait_for 40 grep -q "^pvmon/v1/alerts/$ID .*\"end\":[0-9]" "$D/alerts.log" || fail "the alert is cleared"
sleep 3
check "it is cleared once" [ "$(grep -c "^pvmon/v1/alerts/$ID .*\"end\":[0-9]" "$D/alerts.log")" = 1 ]
check "and raised only once" [ "$(raised)" = 1 ]
check "serve has no open alert left" [ "$(api 'alerts?open=1')" = "[]" ]
check "serve keeps the cleared alert in its list" sh -c "curl -s 'http://127.0.0.1:$SP/api/v1/alerts' | grep -q '\"id\":\"$ID\"'"
"$PVMON_BIN/pvmon-allocator" status -c "$D/central.json" >"$D/status2.txt" 2>&1
check "status shows it ended" grep -Eq "device_offline +st001/inv02 .*[0-9] +$ID\$" "$D/status2.txt"
check "alert_exec got the raise and the clear on stdin" [ "$(grep -c "\"id\":\"$ID\"" "$D/exec.log")" = 2 ]
r=$(mosquitto_sub -p "$BROKER_PORT" -t "pvmon/v1/alerts/$ID" -C 1 -W 5)
check "the retained message is the cleared state" sh -c "echo '$r' | grep -q '\"end\":[0-9]'"

# a restart of ingest: the table is the state
stop "$INGEST_PID"
start_ingest 2
wait_for 10 sh -c "[ \$(grep -c '^pvmon/v1/alerts/$ID .*\"end\":[0-9]' '$D/alerts.log') -ge 2 ]" ||
	fail "the restarted ingest republishes the retained alert"
sleep 2 # a few evaluations after the restart
check "after a restart nothing is raised again" \
	[ "$(sqlite3 "$D/pvmon.db" "SELECT count(*) FROM alerts WHERE rule = 'device_offline'")" = 1 ]
check "after a restart the cleared state is republished once, nothing new" \
	[ "$(grep -c "^pvmon/v1/alerts/$ID .*\"end\":[0-9]" "$D/alerts.log")" = 2 ]

# the gateway dies (SIGKILL: its last will says offline): the dashboard shows the station
# offline within a minute
check "serve shows the station producing while its gateway runs" \
	sh -c "curl -s http://127.0.0.1:$SP/api/v1/stations | grep -q '\"id\":\"st001\",[^}]*\"status\":\"producing\"'"
kill -KILL "$COL_PID"
t0=$(date +%s)
wait_for 60 sh -c "curl -s http://127.0.0.1:$SP/api/v1/stations | grep -q '\"id\":\"st001\",[^}]*\"status\":\"offline\"'"
check "serve shows the station offline within a minute of its gateway's death ($(($(date +%s) - t0)) s)" \
	sh -c "curl -s http://127.0.0.1:$SP/api/v1/stations | grep -q '\"id\":\"st001\",[^}]*\"status\":\"offline\"'"
it_end
