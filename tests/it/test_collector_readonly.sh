#!/bin/sh
# The collector only reads: no collector source calls a libmodbus write, the one
# raw request is in bus_read and its function code byte can only be 3 or 4 (the
# unit test test_bus shows that FC 1, 2, 5, 6, 15, 16... get -1 with nothing
# sent), the binary links no write, and a recording proxy between the collector
# and pvmon-sim (every profile, SunSpec discovery included) sees only FC 3 and 4.
. tests/it/lib.sh
. tests/it/collector.sh

forbidden='modbus_write\|modbus_mask_write\|modbus_report_slave_id\|modbus_read_bits\|modbus_read_input_bits\|modbus_send_raw_request_tid'
check "no collector source names a libmodbus write" \
	sh -c "! grep -n '$forbidden' '$PVMON_ROOT'/collector/*.c '$PVMON_ROOT'/collector/*.h"
check "only bus.c calls libmodbus requests" \
	[ "$(grep -l 'modbus_read_\|modbus_send\|modbus_write\|modbus_receive' "$PVMON_ROOT"/collector/*.c | xargs -n1 basename | tr '\n' ' ')" = "bus.c " ]
check "bus.c sends in exactly one place" \
	[ "$(grep -c 'modbus_send_raw_request\|modbus_read_registers\|modbus_read_input_registers' "$PVMON_ROOT/collector/bus.c")" -eq 1 ]
# the function that holds that call is bus_read (the last function opened above it)
fn=$(awk '/^[a-z].*\(/ { f = $0 } /modbus_send_raw_request\(/ { print f; exit }' "$PVMON_ROOT/collector/bus.c")
check "that place is bus_read ($fn)" sh -c "echo '$fn' | grep -q '^int bus_read('"
check "the function code byte it sends is one of two constants, FC 3 or FC 4" \
	grep -q 'req\[1\] = fc == 3 ? MODBUS_FC_READ_HOLDING_REGISTERS : MODBUS_FC_READ_INPUT_REGISTERS;' "$PVMON_ROOT/collector/bus.c"
check "bus_read refuses any other function code before connecting" \
	grep -q 'if ((fc != 3 && fc != 4) ||' "$PVMON_ROOT/collector/bus.c"
syms=$(nm -u "$PVMON_BIN/pvmon-collector" 2>/dev/null | grep modbus_)
check "the binary links the raw read path" \
	sh -c "echo '$syms' | grep -q modbus_send_raw_request && echo '$syms' | grep -q modbus_receive_confirmation"
check "the binary links no libmodbus write" sh -c "! echo '$syms' | grep -q '$forbidden'"

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
"$PVMON_BIN/pvmon-collector" -c "$IT_TMP/c.json" --once >"$IT_TMP/once.out" 2>"$IT_TMP/once.log"
check "--once ran through the proxy (exit 3: unit 33 is nobody)" [ $? -eq 3 ]
check "--once says which device did not answer" grep -q "^NOT ANSWERED  *st-a/nobody" "$IT_TMP/once.out"
sleep 0.2
n=$(wc -l <"$IT_TMP/fc.log")
check "the proxy recorded the requests ($n)" [ "$n" -ge 10 ]
check "every function code sent was 3 or 4" [ -z "$(awk '$2 != 3 && $2 != 4' "$IT_TMP/fc.log")" ]
check "both holding (3) and input (4) registers were read" \
	sh -c "awk '{ print \$2 }' '$IT_TMP/fc.log' | sort -u | tr '\n' ' ' | grep -q '^3 4 \$'"
it_end
