# Helpers for the fault scenarios (sourced after tests/it/lib.sh): a fleet, a
# central file and a collector file matching pvmon-sim's quick fleet; starting,
# killing and draining the real programs; and the checker that compares what
# the collector took (its spool) with what the database holds.
# FX_SCALE is "ci" (short, inside make test) or "full" (make faults).
# FX_NGW (default 1) > 1 splits the stations round robin over gateways $FX_GW-1..N, each
# with a collector file collector-G.json and a spool spool-G.db of its own (fx_setup).
# FX_DBURL / FX_DBPASS (unset: the SQLite file pvmon.db) put the central database elsewhere.

FX_SCALE=${FX_SCALE:-ci}
FX_GW=gw-faults
FX_DB=$IT_TMP/pvmon.db
FX_SPOOL=$IT_TMP/spool.db
FX_RESULTS=${FX_RESULTS:-$IT_TMP/results}
FX_T0=$(date +%s)
FX_NAME=$(basename "$0" .sh | sed 's/^sc_//')
FX_NCOL=0
FX_NING=0
FX_NREC=0
FX_NGW=${FX_NGW:-1}

# fx_pick CI FULL: the value for the current scale.
fx_pick() { if [ "$FX_SCALE" = full ]; then echo "$2"; else echo "$1"; fi; }

# fx_wait SECONDS CMD...: runs CMD every 50 ms until it succeeds; 1 on timeout.
fx_wait() {
	_end=$(($(date +%s) + $1))
	shift
	while ! "$@"; do
		[ "$(date +%s)" -ge "$_end" ] && return 1
		sleep 0.05
	done
	return 0
}

# fx_log_has FILE PATTERN: 0 when a line of FILE matches.
fx_log_has() { grep -q -- "$2" "$1" 2>/dev/null; }

# fx_fleet NSTATIONS NINVERTERS: fleet.json for st001..stN, inv01..invK and a meter each.
fx_fleet() {
	awk -v n="$1" -v k="$2" -v gw="$FX_GW" -v ngw="$FX_NGW" 'BEGIN {
		print "{ \"county\": \"faults\", \"townships\": [ { \"id\": \"t1\", \"name\": \"T\" } ],"
		print "  \"villages\": [ { \"id\": \"v1\", \"name\": \"V\", \"township\": \"t1\" } ],"
		print "  \"tariffs\": [ { \"id\": \"tf\", \"periods\": [ { \"from\": \"2018-01-01\","
		print "    \"coal_yuan_per_kwh\": \"0.3320\", \"subsidy_yuan_per_kwh\": \"0.5580\" } ] } ],"
		print "  \"stations\": ["
		for (s = 1; s <= n; s++) {
			g = ngw > 1 ? gw "-" ((s - 1) % ngw + 1) : gw
			printf "    { \"id\": \"st%03d\", \"name\": \"S%d\", \"gateway\": \"%s\", \"capacity_kw\": %d,\n", s, s, g, 50 * k
			printf "      \"commissioned\": \"2018-01-01\", \"latitude\": 37.95, \"longitude\": 110.99,\n"
			printf "      \"meter\": { \"id\": \"meter\" }, \"inverters\": ["
			for (i = 1; i <= k; i++)
				printf "%s{ \"id\": \"inv%02d\", \"capacity_kw\": 50 }", (i > 1 ? ", " : " "), i
			printf " ],\n      \"shares\": [ { \"village\": \"v1\", \"weight\": 1 } ], \"tariff\": \"tf\" }%s\n", (s < n ? "," : "")
		}
		print "  ] }"
	}' >"$IT_TMP/fleet.json"
}

# fx_central: central.json on the test broker ($BROKER_PORT), database $FX_DB (or $FX_DBURL).
fx_central() {
	_dbx=
	[ -n "$FX_DBPASS" ] && _dbx="
  \"database_password_file\": \"$FX_DBPASS\","
	cat >"$IT_TMP/central.json" <<EOF
{
  "broker": { "host": "127.0.0.1", "port": $BROKER_PORT, "keepalive_s": 5 },
  "client_id": "ingest-faults",
  "database": "${FX_DBURL:-pvmon.db}",$_dbx
  "fleet": "fleet.json",
  "timezone": "Asia/Shanghai",
  "batch": { "rows": 1000, "ms": 100 },
  "expected_interval_s": 1,
  "log": { "target": "stderr", "level": "info" }
}
EOF
}

# fx_collector_conf INTERVAL_MS NINVERTERS SPOOL_EXTRA [BUS_EXTRA]: collector.json with one
# bus per station of $IT_TMP/sim.ports (TCP or RTU), huawei inverters at units 1..K and a
# chint meter at K+1. SPOOL_EXTRA / BUS_EXTRA are JSON members prefixed with a comma.
# FX_CGW, FX_CSPOOL, FX_CPORTS and FX_COUT, when set, name another gateway, spool, ports
# file and output file.
fx_collector_conf() {
	awk -v iv="$1" -v k="$2" -v sx="$3" -v bx="$4" -v gw="${FX_CGW:-$FX_GW}" -v bp="$BROKER_PORT" \
		-v spool="${FX_CSPOOL:-$FX_SPOOL}" -v prof="$PVMON_ROOT/config/profiles" 'BEGIN {
		printf "{ \"gateway\": \"%s\",\n", gw
		printf "  \"broker\": { \"host\": \"127.0.0.1\", \"port\": %d, \"keepalive_s\": 5 },\n", bp
		printf "  \"spool\": { \"path\": \"%s\", \"replay_per_s\": 2000%s },\n", spool, sx
		printf "  \"poll\": { \"interval_ms\": %d, \"health_interval_s\": 2 },\n", iv
		printf "  \"profiles_dir\": \"%s\",\n", prof
		printf "  \"log\": { \"target\": \"stderr\", \"level\": \"info\" },\n  \"buses\": [\n"
	}
	{
		if (NR > 1) printf ",\n"
		if ($2 == "tcp")
			printf "    { \"id\": \"b%s\", \"type\": \"tcp\", \"host\": \"%s\", \"port\": %d, \"timeout_ms\": 500%s,\n", $1, $3, $4, bx
		else
			printf "    { \"id\": \"b%s\", \"type\": \"rtu\", \"device\": \"%s\", \"baud\": 9600%s,\n", $1, $3, bx
		printf "      \"devices\": ["
		for (i = 1; i <= k; i++)
			printf "\n        { \"id\": \"inv%02d\", \"station\": \"%s\", \"unit\": %d, \"profile\": \"huawei-sun2000\", \"kind\": \"inverter\", \"capacity_kw\": 50 },", i, $1, i
		printf "\n        { \"id\": \"meter\", \"station\": \"%s\", \"unit\": %d, \"profile\": \"chint-dtsu666\", \"kind\": \"meter\" } ] }", $1, k + 1
	}
	END { printf "\n  ] }\n" }' "${FX_CPORTS:-$IT_TMP/sim.ports}" >"${FX_COUT:-$IT_TMP/collector.json}"
}

# fx_collector_confs INTERVAL_MS NINVERTERS SPOOL_EXTRA [BUS_EXTRA]: with FX_NGW > 1, one
# collector file per gateway: collector-G.json for gateway $FX_GW-G, spool spool-G.db, the
# stations the fleet gives that gateway (st N goes to gateway (N - 1) mod FX_NGW + 1).
fx_collector_confs() {
	_g=1
	while [ "$_g" -le "$FX_NGW" ]; do
		awk -v g="$_g" -v ngw="$FX_NGW" '{ n = substr($1, 3) + 0 } (n - 1) % ngw + 1 == g' \
			"$IT_TMP/sim.ports" >"$IT_TMP/sim-$_g.ports"
		FX_CGW=$FX_GW-$_g FX_CSPOOL=$IT_TMP/spool-$_g.db FX_CPORTS=$IT_TMP/sim-$_g.ports
		FX_COUT=$IT_TMP/collector-$_g.json
		fx_collector_conf "$@"
		unset FX_CGW FX_CSPOOL FX_CPORTS FX_COUT
		"$PVMON_BIN/pvmon-collector" -c "$IT_TMP/collector-$_g.json" --check >/dev/null ||
			fail "the generated collector-$_g.json loads"
		_g=$((_g + 1))
	done
}

# fx_setup NSTATIONS NINVERTERS INTERVAL_MS SPOOL_EXTRA [BUS_EXTRA] -- SIM_ARGS...: a broker,
# the simulator (huawei inverters and a chint meter per station, noon of midsummer), the
# three configuration files. Everything is started but ingest and the collector.
fx_setup() {
	_n=$1 _k=$2 _iv=$3 _sx=$4 _bx=
	shift 4
	if [ "$1" != -- ]; then
		_bx=$1
		shift
	fi
	shift
	start_broker
	FX_BP=$BROKER_PORT
	start_sim --stations "$_n" --inverters-per-station "$_k" --profile huawei-sun2000 \
		--meter-profile chint-dtsu666 --start 2019-06-21T12:00:00 \
		--profiles "$PVMON_ROOT/config/profiles" --served "$IT_TMP/served" "$@" || return 1
	for _p in $(awk '$2 == "tcp" { print $4 }' "$IT_TMP/sim.ports"); do
		wait_port "$_p" || fail "the simulator listens on $_p"
	done
	fx_fleet "$_n" "$_k"
	fx_central
	if [ "$FX_NGW" -gt 1 ]; then
		fx_collector_confs "$_iv" "$_k" "$_sx" "$_bx"
		return 0
	fi
	fx_collector_conf "$_iv" "$_k" "$_sx" "$_bx"
	"$PVMON_BIN/pvmon-collector" -c "$IT_TMP/collector.json" --check >/dev/null ||
		fail "the generated collector.json loads"
}

# fx_ingest: starts ingest (log ingestN.log) and waits until it subscribed; sets INGEST_PID.
fx_ingest() {
	FX_NING=$((FX_NING + 1))
	bg "ingest$FX_NING" "$PVMON_BIN/pvmon-allocator" ingest -c "$IT_TMP/central.json"
	INGEST_PID=$LAST_PID
	INGEST_LOG=$IT_TMP/ingest$FX_NING.log
	[ -n "$1" ] && return 0 # no wait: the broker may be away
	fx_wait 15 fx_log_has "$INGEST_LOG" "connected to" || fail "ingest connects ($INGEST_LOG)"
}

# fx_collector: starts the collector (log collectorN.log); sets COL_PID and COL_LOG.
fx_collector() {
	FX_NCOL=$((FX_NCOL + 1))
	bg "collector$FX_NCOL" "$PVMON_BIN/pvmon-collector" -c "$IT_TMP/collector.json"
	COL_PID=$LAST_PID
	COL_LOG=$IT_TMP/collector$FX_NCOL.log
}

# fx_recorder: mosquitto_sub records every reading delivered (a second, independent view).
fx_recorder() {
	FX_NREC=$((FX_NREC + 1))
	_rgw=$FX_GW
	[ "$FX_NGW" -gt 1 ] && _rgw=+
	bg "rec$FX_NREC" mosquitto_sub -p "$BROKER_PORT" -q 1 -v -t "pvmon/v1/$_rgw/+/+/reading"
	REC_PID=$LAST_PID
}

# fx_sq SQL: one query on the central database.
fx_sq() { sqlite3 "$FX_DB" "$1"; }
# fx_spool_q SQL: one query on the collector's spool.
fx_spool_q() { sqlite3 "$FX_SPOOL" "$1"; }
# fx_taken: readings the collector has numbered so far (next seq - 1).
fx_taken() { fx_spool_q "SELECT value - 1 FROM meta WHERE key = 'next_seq'" 2>/dev/null || echo 0; }
# fx_stored: readings of the gateway in the database.
fx_stored() { fx_sq "SELECT count(*) FROM readings_named WHERE gw = '$FX_GW'" 2>/dev/null || echo 0; }
# fx_at_least N CMD: 0 when the number CMD prints is >= N.
fx_at_least() {
	_want=$1
	shift
	[ "$("$@")" -ge "$_want" ] 2>/dev/null
}

# fx_kill_broker / fx_restart_broker: the broker dies (no persistence) and comes back on its port.
fx_kill_broker() {
	kill -KILL "$BROKER_PID"
	wait "$BROKER_PID" 2>/dev/null
}
fx_restart_broker() { start_broker "$FX_BP"; }

# fx_drain: stops the collector, runs it once more with --once --ack-wait so that every reading
# in its spool is replayed and acknowledged, then stops ingest and the recorder cleanly.
fx_drain() {
	stop "$COL_PID"
	# exit 3 only says a device did not answer this last round (a fault may still hold it)
	"$PVMON_BIN/pvmon-collector" -c "$IT_TMP/collector.json" --once --timeout 60 \
		--ack-wait "${1:-90}" >"$IT_TMP/drain.log" 2>&1
	_rc=$?
	[ "$_rc" -eq 0 ] || [ "$_rc" -eq 3 ] ||
		fail "the final --once run gets every reading acknowledged ($(tail -1 "$IT_TMP/drain.log"))"
	# the offline status (spool_min_seq) went out before the ack wait; let ingest store it
	fx_wait 10 sh -c "[ \"\$(sqlite3 '$FX_DB' \"SELECT status FROM gateways WHERE gw = '$FX_GW'\")\" = offline ]" ||
		fail "ingest stored the gateway's final status"
	stop "$INGEST_PID"
	[ -n "$REC_PID" ] && stop "$REC_PID"
	[ -n "$SIM_PID" ] && stop "$SIM_PID"
	return 0
}

# fx_integrity FILE: 0 when SQLite finds FILE intact.
fx_integrity() { [ "$(sqlite3 "$1" 'PRAGMA integrity_check')" = ok ]; }

# fx_report NAME ALLOW_DROPS [NOTE]: the checker. Compares the spool's numbering with the
# database, prints the figures and checks them; appends one line to $FX_RESULTS.
#   taken      the seqs the collector gave out (spool next_seq - 1)
#   stored     rows of the gateway in readings (+ rejects carrying a seq)
#   lost       seqs in 1..taken absent from the database beyond what the spool dropped
#   duplicated the same poll (station, device, ts) stored under two seqs, plus seqs the
#              recorder saw carrying two different readings, plus rows that differ from
#              what was published under their seq
#   dropped    readings the spool's bound dropped (counted in the spool's meta)
fx_report() {
	_name=$1 _allow=$2 _note=$3
	_f0=$IT_FAIL
	set -- $(sqlite3 -separator ' ' "$FX_DB" "ATTACH '$FX_SPOOL' AS sp;
	WITH RECURSIVE top(t) AS (SELECT value - 1 FROM sp.meta WHERE key = 'next_seq'),
	n(s) AS (SELECT 1 WHERE (SELECT t FROM top) >= 1
	         UNION ALL SELECT s + 1 FROM n WHERE s < (SELECT t FROM top))
	SELECT (SELECT t FROM top),
	 (SELECT count(*) FROM readings_named WHERE gw = '$FX_GW'),
	 (SELECT count(*) FROM rejected WHERE gw = '$FX_GW' AND seq IS NOT NULL),
	 (SELECT count(*) FROM n WHERE n.s NOT IN (SELECT seq FROM readings_named WHERE gw = '$FX_GW')
	   AND NOT EXISTS (SELECT 1 FROM rejected j WHERE j.gw = '$FX_GW' AND j.seq = n.s)),
	 (SELECT count(*) FROM readings_named WHERE gw = '$FX_GW' AND seq > (SELECT t FROM top)),
	 (SELECT count(*) - count(DISTINCT station || '/' || device || '/' || ts) FROM readings_named WHERE gw = '$FX_GW'),
	 (SELECT value FROM sp.meta WHERE key = 'dropped'),
	 (SELECT count(*) FROM sp.spool),
	 coalesce((SELECT lost_seqs FROM gateways WHERE gw = '$FX_GW'), 0),
	 coalesce((SELECT dropped_total FROM gateways WHERE gw = '$FX_GW'), 0),
	 coalesce((SELECT acked_seq FROM gateways WHERE gw = '$FX_GW'), 0),
	 (SELECT count(*) - count(DISTINCT seq) FROM readings_named WHERE gw = '$FX_GW')")
	_taken=$1 _rows=$2 _rej=$3 _missing=$4 _beyond=$5 _dupts=$6 _dropped=$7 _left=$8
	_lostseqs=$9 _droptot=${10} _acked=${11} _seqtwice=${12}
	_stored=$((_rows + _rej))
	_lost=$((_missing > _dropped ? _missing - _dropped : 0))
	# the recorder's view: seqs published with two different readings; rows unlike what was sent
	_reuse=0 _mismatch=0 _redeliv=0
	if ls "$IT_TMP"/rec*.log >/dev/null 2>&1; then
		cat "$IT_TMP"/rec*.log | sed -n 's/^[^ ]* //p' >"$IT_TMP/rec.all"
		sort -u "$IT_TMP/rec.all" >"$IT_TMP/rec.uniq"
		_redeliv=$(($(wc -l <"$IT_TMP/rec.all") - $(wc -l <"$IT_TMP/rec.uniq")))
		sed -n 's/.*"seq":\([0-9]*\),.*"device":"\([^"]*\)".*"ts":\([0-9]*\),.*/\1 \2 \3/p' \
			"$IT_TMP/rec.uniq" | sort -u >"$IT_TMP/rec.key"
		_reuse=$(awk '{ print $1 }' "$IT_TMP/rec.key" | uniq -d | wc -l)
		sqlite3 -separator ' ' "$FX_DB" "SELECT seq, device, ts FROM readings_named WHERE gw = '$FX_GW'" |
			sort >"$IT_TMP/db.key"
		# a recorded seq whose stored row differs from what was published under it
		_mismatch=$(awk 'NR == FNR { k[$1] = $2 " " $3; next } ($1 in k) && k[$1] != $2 " " $3' \
			"$IT_TMP/db.key" "$IT_TMP/rec.key" | wc -l)
	fi
	_dup=$((_dupts + _seqtwice + _reuse + _mismatch))

	echo "# $_name: taken $_taken, stored $_stored ($_rej rejected), missing $_missing," \
		"lost $_lost, duplicated $_dup (same poll twice $_dupts, seq stored twice $_seqtwice, seq reused $_reuse," \
		"row unlike the published one $_mismatch), dropped by the bound $_dropped," \
		"redelivered $_redeliv; ingest: acked $_acked, lost_seqs $_lostseqs," \
		"dropped_total $_droptot; spool rows left $_left"
	check "$_name: the collector took readings" [ "$_taken" -gt 0 ]
	check "$_name: nothing lost (missing $_missing, dropped by the bound $_dropped)" [ "$_lost" -eq 0 ]
	check "$_name: nothing duplicated" [ "$_dup" -eq 0 ]
	check "$_name: no stored seq beyond what the collector gave out" [ "$_beyond" -eq 0 ]
	check "$_name: ingest acknowledged every seq taken ($_acked of $_taken)" [ "$_acked" -eq "$_taken" ]
	check "$_name: the spool is empty once acknowledged" [ "$_left" -eq 0 ]
	check "$_name: ingest counts exactly the missing seqs as lost" [ "$_lostseqs" -eq "$_missing" ]
	check "$_name: ingest knows the collector's drop count" [ "$_droptot" -eq "$_dropped" ]
	if [ "$_allow" = 0 ]; then
		check "$_name: no bound was hit" [ "$_dropped" -eq 0 ]
	fi
	check "$_name: the spool passes the integrity check" fx_integrity "$FX_SPOOL"
	check "$_name: the database passes the integrity check" fx_integrity "$FX_DB"
	_res=PASS
	[ "$IT_FAIL" -eq "$_f0" ] && [ "$IT_FAIL" -eq 0 ] || _res=FAIL
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$FX_NAME" "$_name" "$_taken" "$_stored" "$_lost" \
		"$_dup" "$_dropped" "$_redeliv" "$_res" "$(($(date +%s) - FX_T0))" "$_note" >>"$FX_RESULTS"
}

# fx_acked: the gateway's acked seq in the database.
fx_acked() { fx_sq "SELECT coalesce(max(acked_seq), 0) FROM gateways WHERE gw = '$FX_GW'" 2>/dev/null || echo 0; }
# fx_catch_up SECONDS: waits until ingest acknowledged everything taken so far (the running
# collector replayed its backlog by itself); prints how long it took.
fx_catch_up() {
	_want=$(fx_taken)
	_s=$(date +%s)
	fx_wait "$1" fx_at_least "$_want" fx_acked || return 1
	echo "# caught up with seq $_want in $(($(date +%s) - _s)) s"
}

# fx_rand LO HI: a random integer from LO to HI.
fx_rand() { echo $(($1 + $(od -An -N2 -tu2 /dev/urandom) % ($2 - $1 + 1))); }
# fx_rand_ms LO_MS HI_MS: a random duration in seconds (for sleep), e.g. 1.234.
fx_rand_ms() { _ms=$(fx_rand "$1" "$2"); printf '%d.%03d' $((_ms / 1000)) $((_ms % 1000)); }

# fx_served_check: what the simulator served against what the database holds. For every
# device without faults (the served file's faulty, exceptions, silent, dropped all 0),
# answered requests = stored readings with a counter x requests per poll, the same for
# every device of a profile. Needs a collector that was never SIGKILLed mid-poll (a
# killed poll was answered but never became a reading) and a simulator that has exited.
fx_served_check() {
	sqlite3 -separator ' ' "$FX_DB" "SELECT station, device, count(*) FROM readings_named
		WHERE gw = '$FX_GW' AND energy_wh IS NOT NULL GROUP BY station, device" >"$IT_TMP/good"
	_bad=$(awk 'NR == FNR { good[$1 " " $2] = $3; next }
	{
		for (i = 3; i <= NF; i++) { n = index($i, "="); v[substr($i, 1, n - 1)] = substr($i, n + 1) }
		if (v["faulty"] + v["exceptions"] + v["silent"] + v["dropped"] > 0) next
		kind = ($2 == "meter") ? "meter" : "inverter"
		g = good[$1 " " $2] + 0
		devs++; ans += v["answered"]; rd += g
		if (g == 0 || v["answered"] % g != 0) { print "# " $1 "/" $2 ": answered " v["answered"] " for " g " stored readings"; bad++; next }
		k = v["answered"] / g
		if (!(kind in per)) per[kind] = k
		else if (per[kind] != k) { print "# " $1 "/" $2 ": " k " requests per reading, others " per[kind]; bad++ }
	}
	END { printf "# served: %d devices answered %d requests; %d readings with values stored", devs, ans, rd
		for (k in per) printf "; %s %d requests per poll", k, per[k]
		printf "\n"; print bad + 0 }' "$IT_TMP/good" "$IT_TMP/served")
	echo "$_bad" | sed '$d'
	check "what the simulator answered equals what the database holds, device by device" \
		[ "$(echo "$_bad" | tail -1)" -eq 0 ]
}
