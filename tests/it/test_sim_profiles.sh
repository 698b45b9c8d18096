#!/bin/sh
# pvmon-sim read by an independent client (mbpoll) over Modbus TCP, with every
# profile pinned to the vendor's own register numbers and word orders (the
# addresses are written here from the vendors' documents, never taken from
# config/profiles). The clock is frozen at a summer noon so the values the
# simulator dumps are exactly the values it serves.
. tests/it/lib.sh

port_of() { sim_port "$1"; }
val() { sim_val "$@"; }
# rd MBPOLL-ARGS...: one read, values one per line (first token of each).
rd() { mbpoll -1 -o 1 -0 "$@" 2>/dev/null | sed -n 's/^\[[0-9]*\]:[[:space:]]*\([^[:space:]]*\).*/\1/p'; }
# s16 N: an unsigned 16-bit value as signed.
s16() { if [ "$1" -gt 32767 ]; then echo $(($1 - 65536)); else echo "$1"; fi; }
# near A B TOL: |A - B| <= TOL (floats).
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d <= t) }'; }

start_sim -c "$PVMON_ROOT/config/sim/profiles.json" --speed 0 --start 2019-06-21T12:30:00+08:00
A=$(port_of st-a)
B=$(port_of st-b)
C=$(port_of st-c)
wait_port "$A" && wait_port "$B" && wait_port "$C" || fail "stations listen"
check "the dump shows a producing inverter at noon" [ "$(val st-a huawei state)" = producing ]
check "noon power is a real fraction of the nameplate" [ "$(val st-a huawei power_w)" -gt 5000 ]

# Huawei SUN2000: holding, high word first; 32080 I32 W, 32106 U32 kWh x100, 32089 status.
check "huawei 32080 I32 active power in W" \
	[ "$(rd -m tcp -p "$A" -a 1 -r 32080 -t 4:int -B 127.0.0.1)" = "$(val st-a huawei power_w)" ]
check "huawei 32106 U32 total yield in 0.01 kWh" \
	[ "$(rd -m tcp -p "$A" -a 1 -r 32106 -t 4:int -B 127.0.0.1)" = $(($(val st-a huawei energy_wh) / 10)) ]
check "huawei 32114 U32 daily yield in 0.01 kWh" \
	near "$(rd -m tcp -p "$A" -a 1 -r 32114 -t 4:int -B 127.0.0.1)" $(($(val st-a huawei today_wh) / 10)) 1
check "huawei 32089 status 0x0200 on-grid" \
	[ "$(rd -m tcp -p "$A" -a 1 -r 32089 -t 4:hex 127.0.0.1)" = 0x0200 ]
check "huawei 32087 I16 temperature in 0.1 C" \
	near "$(rd -m tcp -p "$A" -a 1 -r 32087 -t 4 127.0.0.1)" "$(awk -v t="$(val st-a huawei temp_c)" 'BEGIN { print t * 10 }')" 1
check "huawei 32085 U16 grid frequency in 0.01 Hz" \
	near "$(rd -m tcp -p "$A" -a 1 -r 32085 -t 4 127.0.0.1)" "$(awk -v t="$(val st-a huawei grid_hz)" 'BEGIN { print t * 100 }')" 1

# Sungrow SG: input registers, document number - 1 on the wire, low word first.
check "sungrow 5004 (wire 5003) U32 total yield in kWh, low word first" \
	[ "$(rd -m tcp -p "$A" -a 2 -r 5003 -t 3:int 127.0.0.1)" = $(($(val st-a sungrow energy_wh) / 1000)) ]
check "sungrow 5031 (wire 5030) U32 active power in W, low word first" \
	[ "$(rd -m tcp -p "$A" -a 2 -r 5030 -t 3:int 127.0.0.1)" = "$(val st-a sungrow power_w)" ]
check "sungrow 5004 raw words: low word at 5003" \
	[ "$(rd -m tcp -p "$A" -a 2 -r 5003 -c 2 -t 3 127.0.0.1 | tr '\n' ' ')" = \
	"$(($(val st-a sungrow energy_wh) / 1000 % 65536)) $(($(val st-a sungrow energy_wh) / 1000 / 65536)) " ]
check "sungrow answers no holding registers there" \
	[ -z "$(rd -m tcp -p "$A" -a 2 -r 5003 -t 4 127.0.0.1)" ]

# SunSpec: "SunS" at 40000, model 1 (L 66), then model 103 with W at 14, W_SF at 15.
check "sunspec SunS marker at 40000" \
	[ "$(rd -m tcp -p "$A" -a 3 -r 40000 -c 2 -t 4:hex 127.0.0.1 | tr '\n' ' ')" = "0x5375 0x6E53 " ]
check "sunspec model 1 follows with length 66" \
	[ "$(rd -m tcp -p "$A" -a 3 -r 40002 -c 2 -t 4 127.0.0.1 | tr '\n' ' ')" = "1 66 " ]
check "sunspec model 1 names the manufacturer" \
	[ "$(rd -m tcp -p "$A" -a 3 -r 40004 -c 2 -t 4:hex 127.0.0.1 | tr '\n' ' ')" = "0x7076 0x6D6F " ]
check "sunspec model 103 with length 50 at 40070" \
	[ "$(rd -m tcp -p "$A" -a 3 -r 40070 -c 2 -t 4 127.0.0.1 | tr '\n' ' ')" = "103 50 " ]
set -- $(rd -m tcp -p "$A" -a 3 -r 40084 -c 2 -t 4 127.0.0.1)
W=$(awk -v r="$(s16 "${1:-0}")" -v sf="$(s16 "${2:-0}")" 'BEGIN { print r * 10 ^ sf }')
check "sunspec 103 W x 10^W_SF is the power" near "$W" "$(val st-a sunspec103 power_w)" 10
set -- $(rd -m tcp -p "$A" -a 3 -r 40094 -c 3 -t 4 127.0.0.1)
WH=$(awk -v h="${1:-0}" -v l="${2:-0}" -v sf="$(s16 "${3:-0}")" 'BEGIN { printf "%.0f", (h * 65536 + l) * 10 ^ sf }')
check "sunspec 103 WH acc32 x 10^WH_SF is the lifetime yield" near "$WH" "$(val st-a sunspec103 energy_wh)" 1000
check "sunspec chain ends with 0xFFFF after model 103" \
	[ "$(rd -m tcp -p "$A" -a 3 -r 40122 -t 4:hex 127.0.0.1)" = 0xFFFF ]
check "sunspec float device has no SunS at 40000" \
	[ -z "$(rd -m tcp -p "$A" -a 4 -r 40000 -c 2 -t 4 127.0.0.1)" ]
check "sunspec float device: SunS at 50000, model 113 length 60 at 50070" \
	[ "$(rd -m tcp -p "$A" -a 4 -r 50070 -c 2 -t 4 127.0.0.1 | tr '\n' ' ')" = "113 60 " ]
check "sunspec 113 W float32 at offset 22" \
	near "$(rd -m tcp -p "$A" -a 4 -r 50092 -t 4:float -B 127.0.0.1)" "$(val st-a sunspec113 power_w)" 1
check "sunspec 113 WH float32 at offset 32" \
	near "$(rd -m tcp -p "$A" -a 4 -r 50102 -t 4:float -B 127.0.0.1)" "$(val st-a sunspec113 energy_wh)" 8
check "sunspec 101 at base 0" \
	[ "$(rd -m tcp -p "$B" -a 1 -r 0 -c 2 -t 4:hex 127.0.0.1 | tr '\n' ' ')" = "0x5375 0x6E53 " ]
check "sunspec 101 model id at 70" [ "$(rd -m tcp -p "$B" -a 1 -r 70 -t 4 127.0.0.1)" = 101 ]

# CHINT DTSU666: float32 kWh, high word first; 0x1028 export, 0x101E import.
check "chint 0x1028 float32 export energy in kWh" \
	near "$(rd -m tcp -p "$A" -a 10 -r 0x1028 -t 4:float -B 127.0.0.1)" \
	"$(awk -v e="$(val st-a chint energy_wh)" 'BEGIN { print e / 1000 }')" 0.05
check "chint 0x101E float32 import energy in kWh" \
	near "$(rd -m tcp -p "$A" -a 10 -r 0x101E -t 4:float -B 127.0.0.1)" \
	"$(awk -v e="$(val st-a chint import_wh)" 'BEGIN { print e / 1000 }')" 0.05
check "meter export is the inverters' output less 2 %" near "$(val st-a chint power_w)" \
	"$(awk -v a="$(val st-a huawei power_w)" -v b="$(val st-a sungrow power_w)" \
		-v c="$(val st-a sunspec103 power_w)" -v d="$(val st-a sunspec113 power_w)" \
		'BEGIN { print (a + b + c + d) * 0.98 }')" 2

# Acrel ADW300: int32 high word first, 0.01 kWh; 64 reverse (export), 62 forward (import).
check "acrel 64 int32 reverse energy in 0.01 kWh" \
	[ "$(rd -m tcp -p "$B" -a 2 -r 64 -t 4:int -B 127.0.0.1)" = $(($(val st-b acrel energy_wh) / 10)) ]
check "acrel 62 int32 forward energy in 0.01 kWh" \
	[ "$(rd -m tcp -p "$B" -a 2 -r 62 -t 4:int -B 127.0.0.1)" = $(($(val st-b acrel import_wh) / 10)) ]

# SunSpec meter 203: TotWhExp acc32 at 38, TotWh_SF at 54.
check "sunspec meter model 203 at 40070" [ "$(rd -m tcp -p "$C" -a 2 -r 40070 -t 4 127.0.0.1)" = 203 ]
set -- $(rd -m tcp -p "$C" -a 2 -r 40108 -c 2 -t 4 127.0.0.1)
SF=$(s16 "$(rd -m tcp -p "$C" -a 2 -r 40124 -t 4 127.0.0.1)")
check "sunspec 203 TotWhExp x 10^TotWh_SF is the export" near \
	"$(awk -v h="${1:-0}" -v l="${2:-0}" -v sf="$SF" 'BEGIN { printf "%.0f", (h * 65536 + l) * 10 ^ sf }')" \
	"$(val st-c sunspec203 energy_wh)" 1000

# Generic pyranometer (RS485 irradiance sensor): holding 0 I16 W/m², 1 I16 module temperature 0.1 C.
check "pyranometer 0 I16 irradiance in W/m² ($(val st-c pyr irradiance_wm2))" \
	[ "$(s16 "$(rd -m tcp -p "$C" -a 3 -r 0 -t 4 127.0.0.1)")" = "$(val st-c pyr irradiance_wm2)" ]
check "a summer noon's irradiance is a real fraction of the sun's" [ "$(val st-c pyr irradiance_wm2)" -gt 300 ]
check "pyranometer 1 I16 module temperature in 0.1 C" \
	near "$(s16 "$(rd -m tcp -p "$C" -a 3 -r 1 -t 4 127.0.0.1)")" "$(awk -v t="$(val st-c pyr temp_c)" 'BEGIN { print t * 10 }')" 1

check "an address outside the map gets no values" [ -z "$(rd -m tcp -p "$A" -a 1 -r 100 -t 4 127.0.0.1)" ]
check "an unknown unit gets no reply" [ -z "$(rd -m tcp -p "$A" -a 99 -r 32080 -t 4 127.0.0.1)" ]
stop "$SIM_PID"
check "pvmon-sim exits cleanly on SIGTERM" grep -q "serving 3 stations" "$IT_TMP/sim.log"
it_end
