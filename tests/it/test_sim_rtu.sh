#!/bin/sh
# pvmon-sim on a pseudo-terminal (Modbus RTU): several slaves of different
# profiles on one bus, read by mbpoll as a serial master, with the registers
# at the vendors' addresses; one dead slave must not take the bus down.
. tests/it/lib.sh

rd() { mbpoll -m rtu -b 9600 -P none -1 -o 0.5 -0 "$@" 2>/dev/null | sed -n 's/^\[[0-9]*\]:[[:space:]]*\([^[:space:]]*\).*/\1/p'; }

echo '{"faults": [{"station": "st002", "device": "inv02", "type": "dead"}]}' >"$IT_TMP/faults.json"
start_sim --rtu --pty-dir "$IT_TMP" --stations 2 --inverters-per-station 3 \
	--profile huawei-sun2000,sungrow-sg,sunspec --meter-profile chint-dtsu666,acrel-adw300 \
	--speed 0 --start 2019-06-21T11:00:00 --faults "$IT_TMP/faults.json" --served "$IT_TMP/served"
PTY=$(sim_pty st001)
check "the ports file names a pty" [ -c "$PTY" ]
check "the pty is linked under --pty-dir" [ "$(readlink "$IT_TMP/st001")" = "$PTY" ]
L1=$IT_TMP/st001
L2=$IT_TMP/st002

check "rtu huawei 32080 I32 power" [ "$(rd -a 1 -r 32080 -t 4:int -B "$L1")" = "$(sim_val st001 inv01 power_w)" ]
check "rtu huawei 32106 U32 yield x100" \
	[ "$(rd -a 1 -r 32106 -t 4:int -B "$L1")" = $(($(sim_val st001 inv01 energy_wh) / 10)) ]
check "rtu sungrow input 5003 U32 yield low word first" \
	[ "$(rd -a 2 -r 5003 -t 3:int "$L1")" = $(($(sim_val st001 inv02 energy_wh) / 1000)) ]
check "rtu sungrow input 5030 U32 power low word first" \
	[ "$(rd -a 2 -r 5030 -t 3:int "$L1")" = "$(sim_val st001 inv02 power_w)" ]
check "rtu sunspec SunS at 40000" [ "$(rd -a 3 -r 40000 -c 2 -t 4:hex "$L1" | tr '\n' ' ')" = "0x5375 0x6E53 " ]
check "rtu sunspec model 103 at 40070" [ "$(rd -a 3 -r 40070 -t 4 "$L1")" = 103 ]
check "rtu chint meter 0x1028 float export" \
	awk -v a="$(rd -a 4 -r 0x1028 -t 4:float -B "$L1")" -v e="$(sim_val st001 meter energy_wh)" \
	'BEGIN { d = a - e / 1000; exit !(a != "" && d < 0.05 && d > -0.05) }'
check "rtu several slaves in one mbpoll run: only the sunspec one has 40000" [ "$(rd -a 1:3 -r 40000 -t 4:hex "$L1")" = 0x5375 ]
check "rtu acrel meter 64 int32 reverse energy" \
	[ "$(rd -a 4 -r 64 -t 4:int -B "$L2")" = $(($(sim_val st002 meter energy_wh) / 10)) ]
check "rtu dead slave does not answer" [ -z "$(rd -a 2 -r 5003 -t 3:int "$L2")" ]
check "rtu the bus still works after a dead slave" \
	[ "$(rd -a 1 -r 32080 -t 4:int -B "$L2")" = "$(sim_val st002 inv01 power_w)" ]
check "rtu a unit nobody has stays silent" [ -z "$(rd -a 77 -r 32080 -t 4 "$L1")" ]
stop "$SIM_PID"
check "served counts the dead slave's request as silent" \
	grep -q "^st002 inv02 unit=2 requests=1 answered=0 faulty=0 exceptions=0 silent=1" "$IT_TMP/served"
check "served counts answered requests and exceptions" grep -q "^st001 inv01 unit=1 requests=3 answered=2 faulty=0 exceptions=1" "$IT_TMP/served"
check "the pty link is removed on exit" [ ! -e "$IT_TMP/st001" ]
it_end
