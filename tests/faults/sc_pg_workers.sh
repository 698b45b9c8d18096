#!/bin/sh
# Two ingest workers of one share group on one PostgreSQL store, several
# gateways publishing, and everything central failing in turn: a worker
# SIGKILLed every 0.5-2.5 s (by PID, the two in turn) and restarted, the broker
# SIGKILLed and restarted (no persistence: every session and retained ack
# gone), PostgreSQL stopped fast and crashed (pg_ctl -m immediate) and started
# again. At the end every reading each collector took is stored exactly once,
# each gateway is acknowledged to its last seq, the spools are empty, and the
# roll-ups equal those recomputed from the raw readings one device at a time.
. tests/it/lib.sh
. tests/it/pg.sh
FX_NGW=$( [ "${FX_SCALE:-ci}" = full ] && echo 4 || echo 2)
. tests/faults/lib.sh

FOR=$(fx_pick 14 120)
# the outages, spread over the kills: one every EVERY actions
EVENTS=$(fx_pick "broker pg-immediate" "broker pg-fast broker pg-immediate broker pg-fast pg-immediate")
EVERY=$(fx_pick 3 5)
STATIONS=$(fx_pick 2 8)

pg_start || { it_end; exit 1; }
FX_DBURL=$PG_URL
FX_DBPASS=$PG_PASSFILE
fx_setup "$STATIONS" 3 250 "" -- --speed 1 || exit 1
sed 's/"client_id": "ingest-faults",/&\n  "ingest_share": "pvmon",/' "$IT_TMP/central.json" >"$IT_TMP/c.json" &&
	mv "$IT_TMP/c.json" "$IT_TMP/central.json"
check "the central file names the share group and the PostgreSQL store" \
	sh -c "grep -q '\"ingest_share\": \"pvmon\"' '$IT_TMP/central.json' && grep -q '\"database\": \"postgresql://' '$IT_TMP/central.json'"
GWS=$(i=1; while [ $i -le "$FX_NGW" ]; do printf '%s ' "$FX_GW-$i"; i=$((i + 1)); done)

q() { pg_q "$1"; }
ms() { echo $(($(date +%s%N) / 1000000)); }
# taken G: readings collector G has numbered (its spool's next seq - 1).
taken() { sqlite3 "$IT_TMP/spool-$1.db" "SELECT value - 1 FROM meta WHERE key = 'next_seq'" 2>/dev/null || echo 0; }
# stored: readings in the database (0 while it is away).
stored() { q "SELECT count(*) FROM readings" 2>/dev/null || echo 0; }
# caught_up "W1 W2 ...": 0 when gateway G's acked seq is >= the G-th number.
caught_up() {
	_acks=$(q "SELECT gw, acked_seq FROM gateways ORDER BY gw" 2>/dev/null | tr '\n' ' ')
	_g=1
	for _w in $1; do
		_a=$(echo "$_acks" | tr ' ' '\n' | sed -n "s/^$FX_GW-$_g|//p")
		[ "${_a:-0}" -ge "$_w" ] || return 1
		_g=$((_g + 1))
	done
	return 0
}
# all_taken: what every collector took so far, "W1 W2 ...".
all_taken() {
	_g=1
	while [ $_g -le "$FX_NGW" ]; do
		printf '%s ' "$(taken $_g)"
		_g=$((_g + 1))
	done
}
# recovery WHAT: waits until every gateway is acknowledged to what it had taken when
# the outage ended; prints and records how long that took (RECOVERY, "what=ms ...").
recovery() {
	_want=$(all_taken)
	_t0=$(ms)
	if fx_wait 120 caught_up "$_want"; then
		_d=$(($(ms) - _t0))
		echo "# $1: every gateway acknowledged to what it had taken ($_want) in $_d ms"
		RECOVERY="$RECOVERY $1=$_d"
	else
		fail "$1: the gateways are acknowledged to what they had taken ($_want) within 120 s"
		q "SELECT gw, acked_seq, max_seq FROM gateways ORDER BY gw" 2>&1 | sed 's/^/# /'
	fi
}

# worker K: starts worker K (log wK-N.log), waits until it subscribed; sets WPID_K.
worker() {
	FX_NING=$((FX_NING + 1))
	bg "w$1-$FX_NING" "$PVMON_BIN/pvmon-allocator" ingest -c "$IT_TMP/central.json" --worker "$1"
	eval "WPID_$1=$LAST_PID"
	fx_wait 15 fx_log_has "$IT_TMP/w$1-$FX_NING.log" "connected to" ||
		fail "worker $1 connects (w$1-$FX_NING.log)"
}
# pg_down MODE: pg_ctl stop -m MODE (fast: a clean shutdown; immediate: a crash, recovered
# from the WAL at the next start), then waits until the postmaster is gone.
pg_down() {
	pg_as "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -m "$1" -s stop >/dev/null 2>&1 ||
		fail "pg_ctl stop -m $1"
	fx_wait 30 sh -c "! kill -0 $PG_PID 2>/dev/null" || fail "the postmaster left after -m $1"
	PG_PID=""
}

worker 1
worker 2
fx_recorder
g=1
for gw in $GWS; do
	bg "collector-$g" "$PVMON_BIN/pvmon-collector" -c "$IT_TMP/collector-$g.json"
	eval "COL_$g=$LAST_PID"
	g=$((g + 1))
done
fx_wait 20 fx_at_least 20 stored || fail "readings reach the database"

end=$(($(date +%s) + FOR))
kills=0 brokers=0 pgfast=0 pgcrash=0 act=0
RECOVERY=
while [ "$(date +%s)" -lt "$end" ] || [ -n "$EVENTS" ]; do
	sleep "$(fx_rand_ms 500 2500)"
	act=$((act + 1))
	if [ $((act % EVERY)) -eq 0 ] && [ -n "$EVENTS" ]; then
		set -- $EVENTS
		ev=$1
		shift
		EVENTS=$*
		out=$(fx_rand_ms 1000 3000)
		case $ev in
		broker)
			fx_kill_broker
			brokers=$((brokers + 1))
			sleep "$out"
			fx_restart_broker
			kill -0 "$REC_PID" 2>/dev/null || fx_recorder
			recovery "broker restart $brokers (down ${out} s)"
			;;
		pg-*)
			mode=${ev#pg-}
			pg_down "$mode"
			if [ "$mode" = fast ]; then pgfast=$((pgfast + 1)); else pgcrash=$((pgcrash + 1)); fi
			sleep "$out"
			pg_resume || break
			recovery "PostgreSQL stop -m $mode $((pgfast + pgcrash)) (down ${out} s)"
			;;
		esac
		continue
	fi
	k=$((kills % 2 + 1))
	eval "pid=\$WPID_$k"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	kills=$((kills + 1))
	worker "$k"
done
echo "# $kills worker kills, $brokers broker restarts, $pgfast PostgreSQL fast stops, $pgcrash PostgreSQL crashes (-m immediate)"
check "a worker was killed at least every 3 s" [ "$kills" -ge $((FOR / 3)) ]
n0=$(stored)
fx_wait 60 fx_at_least $((n0 + 100)) stored || fail "readings flow after the last restart"
recovery "the end of the faults"

# drain: each collector once more with --once --ack-wait, in parallel
g=1
for gw in $GWS; do
	eval "stop \$COL_$g"
	"$PVMON_BIN/pvmon-collector" -c "$IT_TMP/collector-$g.json" --once --timeout 60 --ack-wait 90 \
		>"$IT_TMP/drain-$g.log" 2>&1 &
	eval "DR_$g=$!"
	g=$((g + 1))
done
g=1
for gw in $GWS; do
	eval "wait \$DR_$g"
	rc=$?
	# exit 3 only says a device did not answer this last round
	check "$gw: the final --once run gets every reading acknowledged" [ "$rc" -eq 0 -o "$rc" -eq 3 ]
	g=$((g + 1))
done
offline_all() { [ "$(q "SELECT count(*) FROM gateways WHERE status = 'offline'")" = "$FX_NGW" ]; }
fx_wait 15 offline_all || fail "ingest stored every gateway's final status"
stop "$WPID_1"
stop "$WPID_2"
stop "$REC_PID"
stop "$SIM_PID"
for f in "$IT_TMP"/w*.log; do
	grep -q "stopped:" "$f" && echo "# $(basename "$f"): $(sed -n 's/.*stopped: //p' "$f")"
done
check "both workers stored readings at the end" \
	[ "$(grep -l 'stopped: [1-9]' "$IT_TMP"/w*.log | sed 's/.*\/w\([12]\)-.*/\1/' | sort -u | tr -d '\n')" = 12 ]
check "ingest_stats holds one row per worker, under its client id" \
	[ "$(q "SELECT worker FROM ingest_stats ORDER BY worker" | tr '\n' ' ')" = "ingest-faults-1 ingest-faults-2 " ]
check "no alert was stored twice" \
	[ "$(q "SELECT count(*) - count(DISTINCT (rule, coalesce(gw, ''), coalesce(station, ''), coalesce(device, ''), start_ms)) FROM alerts")" = 0 ]

# ---- the checker, gateway by gateway (fx_report's figures, from PostgreSQL)
T_ALL=0 S_ALL=0 LOST_ALL=0 DUP_ALL=0
g=1
for gw in $GWS; do
	sp=$IT_TMP/spool-$g.db
	t=$(taken $g)
	set -- $(sqlite3 -separator ' ' "$sp" "SELECT coalesce((SELECT value FROM meta WHERE key = 'dropped'), 0), (SELECT count(*) FROM spool)")
	dropped=$1 left=$2
	set -- $(q "WITH r AS (SELECT seq, station, device, ts FROM readings_named WHERE gw = '$gw'),
	  j AS (SELECT seq FROM rejected WHERE gw = '$gw' AND seq IS NOT NULL)
	SELECT (SELECT count(*) FROM r), (SELECT count(DISTINCT seq) FROM r), (SELECT count(*) FROM j),
	 (SELECT count(*) FROM generate_series(1, $t) s(n)
	   WHERE n NOT IN (SELECT seq FROM r) AND n NOT IN (SELECT seq FROM j)),
	 (SELECT count(*) FROM r WHERE seq > $t),
	 (SELECT count(*) - count(DISTINCT (station, device, ts)) FROM r),
	 coalesce((SELECT acked_seq FROM gateways WHERE gw = '$gw'), 0),
	 coalesce((SELECT lost_seqs FROM gateways WHERE gw = '$gw'), 0),
	 coalesce((SELECT dropped_total FROM gateways WHERE gw = '$gw'), 0)" | tr '|' ' ')
	rows=$1 dseq=$2 rej=$3 missing=$4 beyond=$5 dupts=$6 acked=$7 lostseqs=$8 droptot=$9
	ack=$(mosquitto_sub -p "$BROKER_PORT" -t "pvmon/v1/$gw/ack" -C 1 -W 5)
	echo "# $gw: taken $t, stored $rows ($dseq distinct seqs, $rej rejected), missing $missing," \
		"same poll twice $dupts, beyond $beyond, acked $acked (retained $ack), lost_seqs $lostseqs," \
		"dropped by the bound $dropped, spool rows left $left"
	check "$gw: the collector took readings" [ "$t" -gt 0 ]
	check "$gw: stored = distinct seqs = taken ($rows, $dseq, $t)" [ "$((rows + rej))" -eq "$t" -a "$dseq" -eq "$rows" ]
	check "$gw: nothing lost" [ "$missing" -eq 0 -a "$dropped" -eq 0 ]
	check "$gw: no poll stored twice" [ "$dupts" -eq 0 ]
	check "$gw: no seq beyond what the collector gave out" [ "$beyond" -eq 0 ]
	check "$gw: acknowledged at the last seq" [ "$acked" -eq "$t" ]
	check "$gw: the retained ack is the last seq" [ "$ack" = "{\"v\":1,\"seq\":$t}" ]
	check "$gw: ingest counts no seq as lost" [ "$lostseqs" -eq 0 -a "$droptot" -eq 0 ]
	check "$gw: the spool is empty once acknowledged" [ "$left" -eq 0 ]
	check "$gw: the spool passes the integrity check" fx_integrity "$sp"
	T_ALL=$((T_ALL + t)) S_ALL=$((S_ALL + rows + rej))
	LOST_ALL=$((LOST_ALL + missing)) DUP_ALL=$((DUP_ALL + dupts + rows - dseq))
	g=$((g + 1))
done

# the recorder's view: a seq published with two different readings; rows unlike what was sent
cat "$IT_TMP"/rec*.log >"$IT_TMP/rec.all"
sort -u "$IT_TMP/rec.all" >"$IT_TMP/rec.uniq"
redeliv=$(($(wc -l <"$IT_TMP/rec.all") - $(wc -l <"$IT_TMP/rec.uniq")))
sed -n 's/^pvmon\/v1\/\([^/]*\)\/[^ ]* .*"seq":\([0-9]*\),.*"device":"\([^"]*\)".*"ts":\([0-9]*\),.*/\1 \2 \3 \4/p' \
	"$IT_TMP/rec.uniq" | sort -u >"$IT_TMP/rec.key"
reuse=$(awk '{ print $1, $2 }' "$IT_TMP/rec.key" | uniq -d | wc -l)
q "SELECT gw, seq, device, ts FROM readings_named" | tr '|' ' ' >"$IT_TMP/db.key"
mismatch=$(awk 'NR == FNR { k[$1 " " $2] = $3 " " $4; next } ($1 " " $2 in k) && k[$1 " " $2] != $3 " " $4' \
	"$IT_TMP/db.key" "$IT_TMP/rec.key" | wc -l)
echo "# recorder: $(wc -l <"$IT_TMP/rec.all") readings delivered, $redeliv redelivered," \
	"$(wc -l <"$IT_TMP/rec.key") distinct; seqs reused $reuse, rows unlike the published one $mismatch"
check "the recorder saw readings" [ -s "$IT_TMP/rec.key" ]
check "no seq was published with two readings" [ "$reuse" -eq 0 ]
check "every stored row is the one published under its seq" [ "$mismatch" -eq 0 ]
DUP_ALL=$((DUP_ALL + reuse + mismatch))

# the roll-ups: what the workers wrote against one sequential recomputation from the raw readings
dump() {
	q "SELECT * FROM daily ORDER BY station, device, day" >"$IT_TMP/daily.$1"
	q "SELECT * FROM hourly ORDER BY station, device, day, hour" >"$IT_TMP/hourly.$1"
}
dump workers
out=$("$PVMON_TOOLS/rollcheck" "$IT_TMP/central.json")
check "rollcheck recomputed the roll-ups of every device ($out)" \
	[ "$out" = "devices $((STATIONS * 4)) recomputed $((STATIONS * 4))" ]
dump recomputed
echo "# roll-ups: $(wc -l <"$IT_TMP/daily.workers") daily rows, $(wc -l <"$IT_TMP/hourly.workers") hourly rows"
check "the daily roll-ups equal the recomputation" cmp -s "$IT_TMP/daily.workers" "$IT_TMP/daily.recomputed"
check "the hourly roll-ups equal the recomputation" cmp -s "$IT_TMP/hourly.workers" "$IT_TMP/hourly.recomputed"
diff "$IT_TMP/daily.workers" "$IT_TMP/daily.recomputed" | head -5 | sed 's/^/# /'
diff "$IT_TMP/hourly.workers" "$IT_TMP/hourly.recomputed" | head -5 | sed 's/^/# /'
check "the daily roll-ups count every reading" [ "$(q 'SELECT sum(n_readings) FROM daily')" = "$(q 'SELECT count(*) FROM readings')" ]
check "the hourly roll-ups count every reading" [ "$(q 'SELECT sum(n) FROM hourly')" = "$(q 'SELECT count(*) FROM readings')" ]

echo "# pg_workers: $FX_NGW gateways, taken $T_ALL, stored $S_ALL, lost $LOST_ALL, duplicated $DUP_ALL," \
	"redelivered $redeliv; $kills kills, $brokers broker restarts, $pgfast + $pgcrash PostgreSQL restarts (fast + immediate);" \
	"recovery ms:$RECOVERY"
res=PASS
[ "$IT_FAIL" -eq 0 ] || res=FAIL
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$FX_NAME" \
	"2 workers on PostgreSQL, $FX_NGW gateways: ${kills} kills, ${brokers} broker + $((pgfast + pgcrash)) PG restarts" \
	"$T_ALL" "$S_ALL" "$LOST_ALL" "$DUP_ALL" 0 "$redeliv" "$res" "$(($(date +%s) - FX_T0))" \
	"recovery ms:$RECOVERY" >>"$FX_RESULTS"
it_end
