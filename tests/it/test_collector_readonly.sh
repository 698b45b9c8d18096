#!/bin/sh
# The collector only reads: no collector source calls a libmodbus write or raw
# request, the binary does not even link one, and a recording proxy between the
# collector and pvmon-sim (every profile, SunSpec discovery included) sees only
# function codes 1-4.
. tests/it/lib.sh
. tests/it/collector.sh

forbidden='modbus_write\|modbus_send_raw_request\|modbus_mask_write\|modbus_report_slave_id\|modbus_send_raw'
check "no collector source names a libmodbus write or raw request" \
	sh -c "! grep -n '$forbidden' '$PVMON_ROOT'/collector/*.c '$PVMON_ROOT'/collector/*.h"
check "only bus.c calls libmodbus requests" \
	[ "$(grep -l 'modbus_read_\|modbus_send\|modbus_write' "$PVMON_ROOT"/collector/*.c | xargs -n1 basename | tr '\n' ' ')" = "bus.c " ]
syms=$(nm -u "$PVMON_BIN/pvmon-collector" 2>/dev/null | grep modbus_)
check "the binary links libmodbus reads" sh -c "echo '$syms' | grep -q modbus_read_registers"
check "the binary links no libmodbus write or raw request" sh -c "! echo '$syms' | grep -q '$forbidden'"

start_broker
start_sim -c "$PVMON_ROOT/config/sim/profiles.json" --speed 0 --start 2019-06-21T12:30:00+08:00
A=$(sim_port st-a)
wait_port "$A" || fail "station listens"
PX=$(free_port)
bg proxy "$PVMON_TOOLS/mbproxy" "$PX" "$A" "$IT_TMP/fc.log"
wait_port "$PX" || fail "proxy listens"
dev() { echo "{ \"id\": \"$1\", \"station\": \"st-a\", \"unit\": $2, \"profile\": \"$3\", \"kind\": \"$4\" }"; }
collector_conf "$IT_TMP/c.json" gw-ro 1000 "" "[
 { \"id\": \"a\", \"type\": \"tcp\", \"host\": \"127.0.0.1\", \"port\": $PX, \"timeout_ms\": 500, \"devices\": [
   $(dev huawei 1 huawei-sun2000 inverter), $(dev sungrow 2 sungrow-sg inverter),
   $(dev sunspec103 3 sunspec inverter), $(dev sunspec113 4 sunspec inverter),
   $(dev chint 10 chint-dtsu666 meter), $(dev nobody 33 huawei-sun2000 inverter) ] } ]"
"$PVMON_BIN/pvmon-collector" -c "$IT_TMP/c.json" --once 2>"$IT_TMP/once.log"
check "--once ran through the proxy" [ $? -eq 0 ]
sleep 0.2
n=$(wc -l <"$IT_TMP/fc.log")
check "the proxy recorded the requests ($n)" [ "$n" -ge 10 ]
check "every function code sent was 1-4" [ -z "$(awk '$2 < 1 || $2 > 4' "$IT_TMP/fc.log")" ]
check "both holding (3) and input (4) registers were read" \
	sh -c "awk '{ print \$2 }' '$IT_TMP/fc.log' | sort -u | tr '\n' ' ' | grep -q '^3 4 \$'"
it_end
