#!/bin/sh
# Night and dawn at the station: at a simulated midnight inverters sleep and do
# not answer at all (the client times out) while the meter answers and shows
# the station importing; around sunrise inverters answer in standby; with a
# fast clock they wake up by themselves.
. tests/it/lib.sh

rd() { mbpoll -m tcp -p "$P" -1 -0 -o 0.5 "$@" 127.0.0.1 2>/dev/null | sed -n 's/^\[[0-9]*\]:[[:space:]]*\([^[:space:]]*\).*/\1/p'; }

start_sim --inverters-per-station 2 --profile huawei-sun2000,sunspec --meter-profile acrel-adw300 \
	--speed 0 --start 2019-06-21T00:30:00
P=$(sim_port st001)
wait_port "$P" || fail "st001 listens"
check "the dump says the inverter is asleep at midnight" [ "$(sim_val st001 inv01 asleep)" = 1 ]
check "a sleeping huawei does not answer" [ -z "$(rd -a 1 -r 32080 -t 4:int -B)" ]
check "a sleeping sunspec inverter does not even show SunS" [ -z "$(rd -a 2 -r 40000 -c 2 -t 4)" ]
check "the meter answers at midnight" [ -n "$(rd -a 3 -r 64 -t 4:int -B)" ]
check "the meter shows the station importing" [ "$(rd -a 3 -r 36 -t 4:int -B)" -lt 0 ]
stop "$SIM_PID"

start_sim --inverters-per-station 1 --speed 0 --start 2019-06-21T05:20:00
P=$(sim_port st001)
wait_port "$P" || fail "st001 listens"
check "at dawn the inverter is in standby" [ "$(sim_val st001 inv01 state)" = standby ]
check "at dawn huawei answers status 0xA000 (standby: no irradiation)" \
	[ "$(rd -a 1 -r 32089 -t 4:hex)" = 0xA000 ]
check "at dawn the power is 0" [ "$(rd -a 1 -r 32080 -t 4:int -B)" = 0 ]
stop "$SIM_PID"

# 10 simulated minutes per real second from just before dawn: the inverter wakes up
start_sim --inverters-per-station 1 --speed 600 --start 2019-06-21T04:55:00
P=$(sim_port st001)
wait_port "$P" || fail "st001 listens"
check "before dawn the inverter is silent" [ -z "$(rd -a 1 -r 32089 -t 4:hex)" ]
i=0
while [ -z "$(rd -a 1 -r 32089 -t 4:hex)" ] && [ $i -lt 40 ]; do i=$((i + 1)); done
check "a fast clock brings the dawn within seconds" [ -n "$(rd -a 1 -r 32089 -t 4:hex)" ]
it_end
