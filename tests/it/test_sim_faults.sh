#!/bin/sh
# Faults injected into pvmon-sim, as an independent client (mbpoll) sees them:
# exceptions, a transient zero counter, slow replies, dropped connections,
# short replies, garbage, alarms, and a counter reset loaded mid-run (SIGUSR1).
. tests/it/lib.sh

# rd ARGS...: one TCP read; values one per line; mbpoll's messages in $IT_TMP/err.
rd() { mbpoll -m tcp -p "$P" -1 -0 "$@" 127.0.0.1 2>"$IT_TMP/err" | sed -n 's/^\[[0-9]*\]:[[:space:]]*\([^[:space:]]*\).*/\1/p'; }

inv() { printf '{ "id": "inv0%s", "unit": %s, "profile": "huawei-sun2000", "capacity_w": 50000, "energy_wh": %s0000%s }' "$1" "$1" "$1" "$2"; }
cat >"$IT_TMP/sim.json" <<EOC
{
  "profiles": "$PVMON_ROOT/config/profiles",
  "faults_file": "faults.json",
  "stations": [ { "id": "st1", "port": 0, "inverters": [
    $(inv 1 ', "faults": [ { "type": "exception", "code": 6 } ]'),
    $(inv 2 ', "faults": [ { "type": "zero_counter", "polls": 2 } ]'),
    $(inv 3 ', "faults": [ { "type": "slow", "delay_ms": 1500 } ]'),
    $(inv 4 ', "faults": [ { "type": "drop", "polls": 1 } ]'),
    $(inv 5 ', "faults": [ { "type": "short" } ]'),
    $(inv 6 ', "faults": [ { "type": "garbage" } ]'),
    $(inv 7 ', "faults": [ { "type": "alarm", "bits": 4 } ]'),
    $(inv 8 ''),
    $(inv 9 ', "faults": [ { "type": "exception", "start_s": 3600 } ]')
  ] } ]
}
EOC
echo '{ "faults": [] }' >"$IT_TMP/faults.json"
start_sim -c "$IT_TMP/sim.json" --speed 0 --start 2019-06-21T12:00:00 --served "$IT_TMP/served"
P=$(sim_port st1)
wait_port "$P" || fail "st1 listens"
E=$(sim_val st1 inv02 energy_wh)

check "exception code 6 reaches the client" [ -z "$(rd -a 1 -r 32106 -t 4:int -B)" ]
check "the client names exception 6 (busy)" grep -qi "busy" "$IT_TMP/err"
check "a transient zero counter reads 0 ..." [ "$(rd -a 2 -r 32106 -t 4:int -B)" = 0 ]
check "... for the polls configured ..." [ "$(rd -a 2 -r 32106 -t 4:int -B)" = 0 ]
check "... and then the real counter again" [ "$(rd -a 2 -r 32106 -t 4:int -B)" = $((E / 10)) ]
check "a slow reply misses a 1 s timeout" [ -z "$(rd -a 3 -o 1 -r 32080 -t 4:int -B)" ]
check "a slow reply arrives within 3 s" [ "$(rd -a 3 -o 3 -r 32080 -t 4:int -B)" = "$(sim_val st1 inv03 power_w)" ]
check "a dropped connection gives no value" [ -z "$(rd -a 4 -r 32080 -t 4:int -B)" ]
check "after the drop the device answers again" [ "$(rd -a 4 -r 32080 -t 4:int -B)" = "$(sim_val st1 inv04 power_w)" ]
check "a short reply is refused by the client" [ -z "$(rd -a 5 -r 32080 -c 2 -t 4)" ]
check "garbage replaces the counter" [ "$(rd -a 6 -r 32106 -t 4:int -B)" != $(($(sim_val st1 inv06 energy_wh) / 10)) ]
check "an alarm sets its bits at 32008" [ "$(rd -a 7 -r 32008 -t 4)" = 4 ]
check "a fault not yet due does not apply" [ "$(rd -a 9 -r 32080 -t 4:int -B)" = "$(sim_val st1 inv09 power_w)" ]

# a counter reset (inverter replaced) loaded mid-run through the faults file
check "inverter 8 reads its counter" [ "$(rd -a 8 -r 32106 -t 4:int -B)" = $(($(sim_val st1 inv08 energy_wh) / 10)) ]
cat >"$IT_TMP/faults.json" <<EOC
{ "faults": [ { "station": "st1", "device": "inv08", "type": "counter_reset", "value_wh": 5000 },
              { "station": "st1", "device": "inv08", "type": "dead", "polls": 1 } ] }
EOC
kill -USR1 "$SIM_PID"
i=0
while ! grep -q "faults reloaded" "$IT_TMP/sim.log" && [ $i -lt 250 ]; do sleep 0.02; i=$((i + 1)); done
check "SIGUSR1 reloads the faults" grep -q "faults reloaded" "$IT_TMP/sim.log"
check "a dead device does not answer" [ -z "$(rd -a 8 -r 32106 -t 4:int -B)" ]
check "after a counter reset the counter starts again from its value" [ "$(rd -a 8 -r 32106 -t 4:int -B)" = 500 ]
echo '{ "faults": [ { "station": "st1", "device": "nope", "type": "dead" } ] }' >"$IT_TMP/faults.json"
kill -USR1 "$SIM_PID"
i=0
while ! grep -q "faults not reloaded" "$IT_TMP/sim.log" && [ $i -lt 250 ]; do sleep 0.02; i=$((i + 1)); done
check "a bad faults file is refused with its path" grep -q 'faults not reloaded: .*faults.json: faults\[0\]: no device "nope"' "$IT_TMP/sim.log"
check "the last good faults stay" [ "$(rd -a 8 -r 32106 -t 4:int -B)" = 500 ]

stop "$SIM_PID"
check "served: exceptions counted" grep -q "^st1 inv01 unit=1 requests=1 answered=0 faulty=0 exceptions=1 " "$IT_TMP/served"
check "served: zero counters counted as faulty answers" grep -q "^st1 inv02 unit=2 requests=3 answered=3 faulty=2 " "$IT_TMP/served"
check "served: the drop counted" grep -q "^st1 inv04 unit=4 requests=2 answered=1 faulty=0 exceptions=0 silent=0 dropped=1" "$IT_TMP/served"
check "served: the dead request counted as silent" grep -q "^st1 inv08 unit=8 requests=4 answered=3 faulty=0 exceptions=0 silent=1 " "$IT_TMP/served"
it_end
