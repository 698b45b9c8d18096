#!/bin/sh
# An irradiance sensor (profile kind sensor, pyranometer-generic) end to end: pvmon-sim serves
# it with the clock frozen, mbpoll (an independent client) reads its registers, the collector
# publishes readings of kind sensor with the same irradiance and module temperature and no
# power or energy; ingest stores them and serve shows the station's irradiance beside, not in,
# its power; at night the sensor still answers, with no irradiance.
. tests/it/lib.sh
. tests/it/collector.sh

# sim_conf FILE START: one station with an inverter and a sensor, frozen at START.
sim_conf() {
	cat >"$1" <<EOC
{ "seed": 3, "speed": 0, "start": "$2", "profiles": "$PVMON_ROOT/config/profiles",
  "stations": [ { "id": "st-s", "port": 0,
    "inverters": [ { "id": "inv01", "unit": 1, "profile": "huawei-sun2000", "capacity_w": 50000 } ],
    "sensor": { "id": "irr", "unit": 7, "profile": "pyranometer-generic" } } ] }
EOC
}
# gw_conf FILE PORT SENSOR_PROFILE: a gateway polling the station's inverter and sensor.
gw_conf() {
	collector_conf "$1" gw-s 1000 "" "[
 { \"id\": \"lan\", \"type\": \"tcp\", \"host\": \"127.0.0.1\", \"port\": $2, \"timeout_ms\": 500, \"devices\": [
   { \"id\": \"inv01\", \"station\": \"st-s\", \"unit\": 1, \"profile\": \"huawei-sun2000\", \"kind\": \"inverter\" },
   { \"id\": \"irr\", \"station\": \"st-s\", \"unit\": 7, \"profile\": \"$3\", \"kind\": \"sensor\" } ] } ]"
}
# rd PORT ARGS...: holding registers from 0 as signed 16-bit, one per line.
rd() { p=$1; shift; mbpoll -m tcp -p "$p" -1 -0 -t 4 "$@" 127.0.0.1 2>"$IT_TMP/mb.err" | sed -n 's/^\[[0-9]*\]:[[:space:]]*\([^[:space:]]*\).*/\1/p'; }

start_broker
sim_conf "$IT_TMP/sim.json" 2019-06-21T12:30:00+08:00
start_sim -c "$IT_TMP/sim.json"
P=$(sim_port st-s)
wait_port "$P" || fail "the station listens"
regs=$(rd "$P" -a 7 -r 0 -c 2)
g=$(echo "$regs" | sed -n 1p)
t=$(echo "$regs" | sed -n 2p)
check "mbpoll reads the sensor's irradiance at a summer noon (${g:-?} W/m²)" test "${g:-0}" -gt 200 -a "${g:-0}" -lt 1200
check "the simulator's dump says the same irradiance" test "$(sim_val st-s irr irradiance_wm2)" = "$g"
check "and a module warmer than the air (${t:-?} x 0.1 degC)" test "${t:-0}" -gt 250

gw_conf "$IT_TMP/c.json" "$P" pyranometer-generic
out=$("$PVMON_BIN/pvmon-collector" -c "$IT_TMP/c.json" --check 2>&1)
check "--check accepts a gateway with a sensor" [ $? -eq 0 ]
start_sub sub 'pvmon/v1/gw-s/#'
cat >"$IT_TMP/fleet.json" <<EOC
{ "county": "测试县", "townships": [ { "id": "t1", "name": "一号镇" } ],
  "villages": [ { "id": "v1", "name": "一号村", "township": "t1" } ],
  "tariffs": [ { "id": "t", "periods": [ { "from": "2018-01-01", "coal_yuan_per_kwh": "0.3320", "subsidy_yuan_per_kwh": "0.5580" } ] } ],
  "stations": [ { "id": "st-s", "name": "一号电站", "gateway": "gw-s", "capacity_kw": 50, "commissioned": "2018-06-28", "latitude": 37.95, "longitude": 110.99,
      "inverters": [ { "id": "inv01", "capacity_kw": 50 } ], "sensor": { "id": "irr" },
      "shares": [ { "village": "v1", "weight": 1 } ], "tariff": "t" } ] }
EOC
SP=$(free_port)
cat >"$IT_TMP/central.json" <<EOC
{ "broker": { "host": "127.0.0.1", "port": $BROKER_PORT, "keepalive_s": 5 }, "client_id": "ingest-sensor",
  "database": "pvmon.db", "fleet": "fleet.json", "batch": { "rows": 10, "ms": 50 },
  "serve": { "listen": "127.0.0.1:$SP", "cache_s": 0 }, "log": { "target": "stderr", "level": "info" } }
EOC
bg ingest "$PVMON_BIN/pvmon-allocator" ingest -c "$IT_TMP/central.json"
wait_for 20 grep -q "connected to" "$IT_TMP/ingest.log" || { fail "ingest connects"; cat "$IT_TMP/ingest.log"; }
"$PVMON_BIN/pvmon-collector" -c "$IT_TMP/c.json" --once >"$IT_TMP/once.out" 2>"$IT_TMP/once.log"
check "--once exits 0" [ $? -eq 0 ]
wait_for 5 sh -c "grep -q '/st-s/irr/reading ' '$IT_TMP/sub.log'"
r=$(grep '^pvmon/v1/gw-s/st-s/irr/reading ' "$IT_TMP/sub.log" | head -1)
check "the sensor's reading is of kind sensor" [ "$(echo "$r" | jstr kind)" = sensor ]
check "its irradiance is what mbpoll read ($(echo "$r" | jnum irradiance_wm2))" [ "$(echo "$r" | jnum irradiance_wm2)" = "$g" ]
check "its module temperature is the register / 10 ($(echo "$r" | jnum temp_c))" \
	awk -v a="$(echo "$r" | jnum temp_c)" -v b="$t" 'BEGIN { d = a * 10 - b; exit !(a != "" && d < 0.01 && d > -0.01) }'
check "it carries its map" [ "$(echo "$r" | jstr map)" = pyranometer-generic@1 ]
check "it has no power, energy or state" sh -c "! echo '$r' | grep -q 'ac_power_w\|energy_wh\|\"state\"'"
check "--once's commissioning line shows irradiance and module temperature" \
	grep -q "st-s/irr.*irradiance $g W/m², module" "$IT_TMP/once.out" "$IT_TMP/once.log"
n_stored() { sqlite3 "$IT_TMP/pvmon.db" "SELECT count(*) FROM readings_named WHERE device = '$1'" 2>/dev/null || echo 0; }
wait_for 20 sh -c "[ \$(sqlite3 '$IT_TMP/pvmon.db' \"SELECT count(*) FROM readings_named WHERE device = 'irr'\" 2>/dev/null || echo 0) -ge 1 ]"
check "ingest stores the sensor's reading ($(n_stored irr))" [ "$(n_stored irr)" -ge 1 ]
wait_for 20 sh -c "[ \$(sqlite3 '$IT_TMP/pvmon.db' \"SELECT count(*) FROM readings_named WHERE device = 'inv01'\" 2>/dev/null || echo 0) -ge 1 ]"
sg=$(sqlite3 "$IT_TMP/pvmon.db" "SELECT ac_power_w FROM readings_named WHERE device = 'irr' ORDER BY ts DESC LIMIT 1")
check "with the irradiance it read ($sg W/m²)" [ "$sg" = "$g" ]
# the collector running (its gateway online) for serve's live view
bg collector "$PVMON_BIN/pvmon-collector" -c "$IT_TMP/c.json"
COL_PID=$LAST_PID
wait_for 20 sh -c "[ \$(sqlite3 '$IT_TMP/pvmon.db' \"SELECT count(*) FROM readings_named WHERE device = 'irr'\" 2>/dev/null || echo 0) -ge 3 ]"
pw=$(sqlite3 "$IT_TMP/pvmon.db" "SELECT ac_power_w FROM readings_named WHERE device = 'inv01' ORDER BY ts DESC LIMIT 1")
bg serve "$PVMON_BIN/pvmon-allocator" serve -c "$IT_TMP/central.json"
wait_port "$SP" 20 || { fail "serve listens"; cat "$IT_TMP/serve.log"; }
curl -s --max-time 20 "http://127.0.0.1:$SP/api/v1/stations/st-s" >"$IT_TMP/station.json"
js() { node -e "const o = JSON.parse(require('fs').readFileSync(0, 'utf8')); process.stdout.write(String($1))" <"$IT_TMP/station.json"; }
check "serve shows the station's irradiance ($(js o.irradiance_wm2) W/m²)" [ "$(js o.irradiance_wm2)" = "$g" ]
check "and its power is the inverter's alone ($(js o.power_w) W, inverter $pw W)" [ "$(js o.power_w)" = "$pw" ]
check "the sensor is listed as measuring, with its irradiance" \
	[ "$(js 'o.devices.filter((d) => d.kind === "sensor" && d.live === "measuring" && d.irradiance_wm2 === '"$g"').length')" = 1 ]
check "and does not count as producing or asleep for the station (status $(js o.status))" [ "$(js o.status)" = producing ]
check "the Chinese page names the sensor kind and the irradiance card" \
	sh -c "curl -s 'http://127.0.0.1:$SP/station/st-s' | grep -q '辐照仪' && curl -s 'http://127.0.0.1:$SP/station/st-s' | grep -q '辐照度'"
stop "$COL_PID"
stop "$SIM_PID"

# At night the inverter sleeps; the sensor answers with no light on it.
sim_conf "$IT_TMP/sim.json" 2019-06-21T01:00:00+08:00
start_sim -c "$IT_TMP/sim.json"
P=$(sim_port st-s)
wait_port "$P" || fail "the station listens at night"
check "mbpoll reads 0 W/m² at night" [ "$(rd "$P" -a 7 -r 0 -c 1)" = 0 ]
gw_conf "$IT_TMP/n.json" "$P" pyranometer-generic
"$PVMON_BIN/pvmon-collector" -c "$IT_TMP/n.json" --once >"$IT_TMP/once2.out" 2>"$IT_TMP/once2.log"
wait_for 5 sh -c "[ \$(grep -c '/st-s/irr/reading ' '$IT_TMP/sub.log') -ge 2 ]"
r=$(grep '^pvmon/v1/gw-s/st-s/irr/reading ' "$IT_TMP/sub.log" | tail -1)
check "at night the sensor still answers: irradiance 0, not offline" \
	sh -c "[ '$(echo "$r" | jnum irradiance_wm2)' = 0 ] && ! echo '$r' | grep -q offline"

# A sensor whose profile is an inverter's is refused, naming the device.
gw_conf "$IT_TMP/bad.json" "$P" huawei-sun2000
"$PVMON_BIN/pvmon-collector" -c "$IT_TMP/bad.json" --check >"$IT_TMP/bad.out" 2>&1
check "--check refuses a sensor with an inverter's profile" [ $? -ne 0 ]
check "the error names the device and both kinds" grep -q 'irr.*inverter.*sensor\|irr.*sensor.*inverter' "$IT_TMP/bad.out"
it_end
