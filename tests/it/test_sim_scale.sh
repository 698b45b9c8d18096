#!/bin/sh
# One pvmon-sim process serving 1,000 devices (100 stations x 9 inverters and a
# meter): every device answers a read from an independent client, quickly.
. tests/it/lib.sh

start_sim --stations 100 --inverters-per-station 9 --profile sunspec --meter-profile sunspec \
	--speed 0 --start 2019-06-21T12:00:00 --served "$IT_TMP/served"
check "100 stations listen" [ "$(grep -c ' tcp ' "$IT_TMP/sim.ports")" = 100 ]
check "1000 devices are dumped" [ "$(wc -l <"$IT_TMP/sim.dump")" = 1000 ]
t0=$(date +%s)
ok=0
while read -r st proto host port; do
	# all ten units of the station in one mbpoll run: each shows "SunS" at 40000
	n=$(mbpoll -m tcp -p "$port" -1 -0 -o 1 -a 1:10 -r 40000 -t 4:hex "$host" 2>/dev/null |
		grep -c '^\[40000\]:.*0x5375')
	ok=$((ok + n))
done <"$IT_TMP/sim.ports"
t1=$(date +%s)
check "all 1000 devices answered ($ok)" [ "$ok" = 1000 ]
check "in a few seconds ($((t1 - t0)) s)" [ $((t1 - t0)) -lt 20 ]
stop "$SIM_PID"
check "served: 1000 devices answered once" [ "$(grep -c 'requests=1 answered=1 ' "$IT_TMP/served")" = 1000 ]
it_end
