#!/bin/sh
# An irradiance sensor (profile kind sensor, pyranometer-generic) end to end: pvmon-sim serves
# it with the clock frozen, mbpoll (an independent client) reads its registers, the collector
# publishes readings of kind sensor with the same irradiance and module temperature and no
# power or energy; at night the sensor still answers, with no irradiance.
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
