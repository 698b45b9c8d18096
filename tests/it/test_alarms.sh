#!/bin/sh
# Alarm bits end to end: pvmon-sim raises Huawei alarm bits (32008), the
# collector publishes them, ingest keeps them in the day's roll-up with the
# map that decoded them, and the report names them in Chinese and English.
. tests/it/lib.sh
. tests/it/collector.sh

D=$IT_TMP
start_broker
# bits 2 (string connected in reverse) and 9 (grid overvoltage) of alarm 1
cat >"$D/sim.json" <<EOC
{
  "profiles": "$PVMON_ROOT/config/profiles",
  "stations": [ { "id": "st-a", "port": 0, "inverters": [
    { "id": "inv01", "unit": 1, "profile": "huawei-sun2000", "capacity_w": 50000, "energy_wh": 1000000,
      "faults": [ { "type": "alarm", "bits": 516 } ] } ] } ]
}
EOC
start_sim -c "$D/sim.json" --speed 0 --start 2019-06-21T12:00:00+08:00
P=$(sim_port st-a)
wait_port "$P" || fail "the station listens"
collector_conf "$D/c.json" gw-it 1000 "" "[
 { \"id\": \"a\", \"type\": \"tcp\", \"host\": \"127.0.0.1\", \"port\": $P, \"timeout_ms\": 500, \"devices\": [
   { \"id\": \"inv01\", \"station\": \"st-a\", \"unit\": 1, \"profile\": \"huawei-sun2000\", \"kind\": \"inverter\" } ] } ]"

cat >"$D/fleet.json" <<'EOC'
{
  "county": "临县",
  "townships": [ { "id": "linquan", "name": "临泉镇" } ],
  "villages": [ { "id": "xipo", "name": "西坡村", "township": "linquan" } ],
  "tariffs": [ { "id": "t", "periods": [ { "from": "2018-01-01", "coal_yuan_per_kwh": "0.3320", "subsidy_yuan_per_kwh": "0.5180" } ] } ],
  "stations": [
    { "id": "st-a", "name": "西坡村电站", "capacity_kw": 50, "commissioned": "2018-06-28",
      "latitude": 37.96, "longitude": 110.99,
      "inverters": [ { "id": "inv01", "capacity_kw": 50 } ],
      "shares": [ { "village": "xipo", "weight": 1 } ], "tariff": "t" } ]
}
EOC
cat >"$D/central.json" <<EOF
{
  "broker": { "host": "127.0.0.1", "port": $BROKER_PORT, "keepalive_s": 5 },
  "client_id": "ingest-alarms",
  "database": "pvmon.db",
  "fleet": "fleet.json",
  "timezone": "Asia/Shanghai",
  "batch": { "rows": 10, "ms": 50 },
  "log": { "target": "stderr", "level": "info" }
}
EOF
ln -s "$PVMON_ROOT/config/profiles" "$D/profiles"
q() { sqlite3 "$D/pvmon.db" "$1"; }

bg ingest "$PVMON_BIN/pvmon-allocator" ingest -c "$D/central.json"
INGEST_PID=$LAST_PID
wait_for 10 grep -q "connected to" "$IT_TMP/ingest.log" || fail "ingest connects"
start_sub sub 'pvmon/v1/gw-it/#'
"$PVMON_BIN/pvmon-collector" -c "$D/c.json" --once 2>"$IT_TMP/once.log"
check "--once publishes the alarmed inverter's reading" [ $? -eq 0 ]
check "the published reading carries the alarm bits" sh -c "grep '/reading ' '$IT_TMP/sub.log' | grep -q '\"alarms\":516'"
wait_for 10 sh -c "[ \"\$(sqlite3 '$D/pvmon.db' 'SELECT count(*) FROM daily WHERE alarms <> 0' 2>/dev/null)\" = 1 ]"
check "the day's roll-up keeps the bits and the map" [ "$(q "SELECT alarms, alarm_map FROM daily WHERE device = 'inv01'")" = "516|huawei-sun2000@1" ]
stop "$INGEST_PID"

# the collector stamps readings with the gateway's clock: report the month of that day
M=$(q "SELECT strftime('%Y-%m', day * 86400, 'unixepoch') FROM daily WHERE device = 'inv01'")
R="$PVMON_BIN/pvmon-allocator report -c $D/central.json --month $M"
$R >"$D/zh.txt" 2>"$D/zh.err"
check "the report runs" [ $? -eq 0 ]
check "the Chinese report names both alarms" sh -c "grep -q '电网过压' '$D/zh.txt' && grep -q '组串反接' '$D/zh.txt'"
check "the Chinese reason says which inverter and on how many days" grep -q '逆变器 inv01 报告 电网过压 告警 1 天' "$D/zh.txt"
$R --lang en >"$D/en.txt"
check "the English report names them in English" grep -q 'inverter inv01 reported grid overvoltage on 1 days' "$D/en.txt"
$R --format json >"$D/r.json"
check "the JSON carries the stable English name" grep -q '"name": "string connected in reverse"' "$D/r.json"
it_end
