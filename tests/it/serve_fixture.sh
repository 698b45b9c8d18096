# A demo-like database for the serve tests (sourced after lib.sh): the demo's county
# (demo/county.c, 310 stations) with a year of history at one reading a day (demo/history.c),
# a broker, ingest running on it and `serve` on a free port (cache off, so every request sees
# the store as it is). Sets D (the county folder), SP (serve's port), URL, INGEST_PID, SERVE_PID.

D=$IT_TMP/county
DEMO_BIN=$(dirname "$PVMON_TOOLS")/demo/bin
start_broker
"$DEMO_BIN/county" -o "$D" --seed 2018 --interval 86400 --broker-port "$BROKER_PORT" \
	--sim-ports "$(free_port),$(free_port),$(free_port),$(free_port)" \
	--profiles "$PVMON_ROOT/config/profiles" --poll-ms 2000 >"$IT_TMP/county.log" 2>&1 ||
	{ fail "the demo county is generated"; cat "$IT_TMP/county.log"; }
"$DEMO_BIN/history" -c "$D/central.json" --plan "$D/plan.json" >"$IT_TMP/history.log" 2>&1 ||
	{ fail "the demo history is filled"; tail "$IT_TMP/history.log"; }
SP=$(free_port)
URL=http://127.0.0.1:$SP
# the generated central.json with a serve object (and alerts evaluated every second)
sed "0,/{/s//{ \"serve\": { \"listen\": \"127.0.0.1:$SP\", \"cache_s\": 0, \"threads\": 4 }, \"alerts\": { \"eval_s\": 1 },/" \
	"$D/central.json" >"$D/central-serve.json"
bg ingest "$PVMON_BIN/pvmon-allocator" ingest -c "$D/central-serve.json"
INGEST_PID=$LAST_PID
wait_for 20 grep -q "connected to" "$IT_TMP/ingest.log" || { fail "ingest connects"; cat "$IT_TMP/ingest.log"; }
bg serve "$PVMON_BIN/pvmon-allocator" serve -c "$D/central-serve.json"
SERVE_PID=$LAST_PID
wait_port "$SP" 20 || { fail "serve listens"; cat "$IT_TMP/serve.log"; }
MONTH=$(TZ=Asia/Shanghai date +%Y-%m)
"$PVMON_BIN/pvmon-allocator" report -c "$D/central-serve.json" --month "$MONTH" --allow-empty --format json \
	>"$IT_TMP/report.json" 2>"$IT_TMP/report.err" || fail "the report of this month builds"
