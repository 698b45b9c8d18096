#!/bin/sh
# pvmon-allocator serve against a demo-like database while ingest runs: the API's figures equal
# the report's and the store's, /metrics parses with promtool, bad requests get a 4xx and the
# server keeps serving, basic auth from a password file, HTTPS from tls_cert/tls_key, and a
# bounded load test with wrk while ingest writes at full rate stays free of errors (figures
# printed for docs/serve.md).
. tests/it/lib.sh
. tests/it/collector.sh
. tests/it/serve_fixture.sh

get() { curl -s --max-time 20 "$URL$1"; }
code() { curl -s --max-time 20 -o /dev/null -w '%{http_code}' "$@"; }
# js EXPR: evaluates EXPR with o (the API document on stdin) and r (the report) in node.
js() { node -e "const o = JSON.parse(require('fs').readFileSync(0, 'utf8')); \
const r = JSON.parse(require('fs').readFileSync('$IT_TMP/report.json', 'utf8')); \
process.stdout.write(String($1))"; }

# ---- the API against the report and the store ----
get /api/v1/overview >"$IT_TMP/overview.json"
check "the overview counts the fleet's 310 stations" [ "$(js 'o.totals.stations' <"$IT_TMP/overview.json")" = 310 ]
check "the overview's month energy is the report's" \
	[ "$(js 'o.totals.month_wh === r.totals.energy_wh' <"$IT_TMP/overview.json")" = true ]
check "its villages OK / at risk / below are the report's" \
	[ "$(js '[o.totals.villages_ok, o.totals.villages_at_risk, o.totals.villages_below].join() === [r.totals.villages_ok, r.totals.villages_at_risk, r.totals.villages_below].join()' <"$IT_TMP/overview.json")" = true ]
get /api/v1/stations >"$IT_TMP/stations.json"
check "every station's month energy and revenue are the report's" \
	[ "$(js 'o.every((s) => { const x = r.stations.find((y) => y.id === s.id); return x && x.energy_wh === s.month_wh && x.revenue_fen === s.month_fen; })' <"$IT_TMP/stations.json")" = true ]
get /api/v1/villages >"$IT_TMP/villages.json"
check "every village's status, month and projection are the report's" \
	[ "$(js 'o.length === r.villages.length && o.every((v) => { const x = r.villages.find((y) => y.id === v.id); return x && x.status === v.target.status && x.month_fen === v.target.month_fen && x.projection_fen === v.target.projection_fen; })' <"$IT_TMP/villages.json")" = true ]
ST=$(sed -n 's/.*"station": "\([^"]*\)".*/\1/p' "$D"/collector-*.json | sort -u | head -1)
TW=$(js 'o[0].id' <"$IT_TMP/villages.json" >/dev/null; get /api/v1/townships | js 'o[0].id')
check "a township's document lists its villages" [ "$(get "/api/v1/townships/$TW" | js 'o.villages.length > 0 && o.stations.length > 0')" = true ]
get "/api/v1/stations/$ST" >"$IT_TMP/station.json"
check "the station document has 24 hours, 30 days and its devices" \
	[ "$(js 'o.hours.length === 24 && o.days.length === 30 && o.devices.length >= 2' <"$IT_TMP/station.json")" = true ]
DAY=$(sqlite3 "$D/pvmon.db" "SELECT max(day) FROM daily WHERE station = '$ST'")
sum=$(sqlite3 "$D/pvmon.db" "SELECT coalesce(sum(delta_wh), 0) FROM daily WHERE station = '$ST' AND day > $DAY - 30 AND device = 'meter'")
check "the 30 days of a station add up to its meter's daily roll-ups" \
	[ "$(js "o.days.reduce((a, d) => a + d.wh, 0)" <"$IT_TMP/station.json")" -le "$sum" ]
check "station pages, township pages and the alerts page are served" \
	[ "$(code "$URL/station/$ST")$(code "$URL/township/$TW")$(code "$URL/alerts")$(code "$URL/reports")" = 200200200200 ]
get "/station/$ST" >"$IT_TMP/page.html"
check "pages are Chinese by default, with a viewport for phones" \
	sh -c "grep -q '<html lang=\"zh-CN\">' '$IT_TMP/page.html' && grep -q 'name=\"viewport\"' '$IT_TMP/page.html'"
check "pages load nothing from elsewhere" sh -c "! grep -Eq '(src|href)=\"(https?:)?//' '$IT_TMP/page.html'"
check "?lang=en gives English" sh -c "curl -s '$URL/?lang=en' | grep -q '<html lang=\"en\">'"
for f in txt csv json html xlsx; do
	code "$URL/reports/$MONTH.$f" >"$IT_TMP/rc" 2>/dev/null
	get "/reports/$MONTH.$f" >"$IT_TMP/dl.$f"
	"$PVMON_BIN/pvmon-allocator" report -c "$D/central-serve.json" --month "$MONTH" --allow-empty --format \
		"$([ $f = txt ] && echo text || echo $f)" >"$IT_TMP/cli.$f" 2>/dev/null
	check "the $f report downloads as the report command writes it" cmp -s "$IT_TMP/dl.$f" "$IT_TMP/cli.$f"
done

# ---- /metrics ----
get /metrics >"$IT_TMP/metrics.txt"
check "/metrics passes promtool check metrics" sh -c "promtool check metrics <'$IT_TMP/metrics.txt' >'$IT_TMP/promtool.log' 2>&1"
check "/metrics has each station's power and energy today" \
	[ "$(grep -c '^pvmon_station_energy_today_watthours{station=' "$IT_TMP/metrics.txt")" = 310 ]
check "/metrics has the stations by status, adding up to the fleet" \
	[ "$(awk '/^pvmon_stations\{/ { n += $2 } END { print n }' "$IT_TMP/metrics.txt")" = 310 ]

# ---- bad requests: 4xx, and the server keeps serving ----
long=$(head -c 6000 /dev/zero | tr '\0' a)
check "a long URL gets 414" [ "$(code "$URL/$long")" = 414 ]
check "path traversal gets 400" [ "$(code --path-as-is "$URL/../../etc/passwd")" = 400 ]
check "an encoded traversal gets 400" [ "$(code --path-as-is "$URL/station/%2e%2e%2f%2e%2e%2fetc")" = 400 ]
check "an unknown station page gets 404" [ "$(code "$URL/station/no-such-station")" = 404 ]
check "an unknown station in the API gets 404" [ "$(code "$URL/api/v1/stations/no-such")" = 404 ]
check "an unknown village gets 404" [ "$(code "$URL/api/v1/villages/no-such")" = 404 ]
check "an unknown API path gets 404" [ "$(code "$URL/api/v2/overview")" = 404 ]
check "an unknown query parameter gets 400" [ "$(code "$URL/?debug=1")" = 400 ]
check "a bad language gets 400" [ "$(code "$URL/?lang=fr")" = 400 ]
check "a malformed limit gets 400" [ "$(code "$URL/api/v1/alerts?limit=1e9")" = 400 ]
check "a malformed percent escape gets 400" [ "$(code "$URL/?lang=%zz")" = 400 ]
check "a NUL in the path gets a 4xx" sh -c "[ \$(curl -s -o /dev/null -w '%{http_code}' --path-as-is '$URL/station/a%00b') -ge 400 ]"
check "a month out of range gets 404" [ "$(code "$URL/reports/2999-01.csv")" = 404 ]
check "POST gets 405" [ "$(code -X POST -d x=1 "$URL/")" = 405 ]
check "DELETE gets 405" [ "$(code -X DELETE "$URL/api/v1/overview")" = 405 ]
check "an oversized header gets 4xx" sh -c "[ \$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Big: $long$long$long' '$URL/') -ge 400 ]"
check "a garbage request line does not stop it" sh -c "printf 'GARBAGE\r\n\r\n' | timeout 5 socat - TCP:127.0.0.1:$SP >/dev/null 2>&1; true"
check "after all that the server still serves" [ "$(code "$URL/healthz")$(code "$URL/api/v1/overview")" = 200200 ]
check "serve is still running" kill -0 "$SERVE_PID"

# ---- basic auth from a password file ----
AP=$(free_port)
printf 'county:s3cret pass\n' >"$D/serve.pw"
chmod 600 "$D/serve.pw"
sed "0,/{/s//{ \"serve\": { \"listen\": \"127.0.0.1:$AP\", \"password_file\": \"serve.pw\" },/" \
	"$D/central.json" >"$D/central-auth.json"
bg serve-auth "$PVMON_BIN/pvmon-allocator" serve -c "$D/central-auth.json"
AUTH_PID=$LAST_PID
wait_port "$AP" || fail "serve with a password listens"
check "without credentials: 401" [ "$(code "http://127.0.0.1:$AP/")" = 401 ]
check "with a wrong password: 401" [ "$(code -u 'county:wrong' "http://127.0.0.1:$AP/")" = 401 ]
check "with the password from the file: 200" [ "$(code -u 'county:s3cret pass' "http://127.0.0.1:$AP/api/v1/overview")" = 200 ]
check "the password is not on serve's command line" sh -c "! grep -q s3cret /proc/$AUTH_PID/cmdline"
stop "$AUTH_PID"

# ---- HTTPS from serve.tls_cert / serve.tls_key ----
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$D/serve-key.pem" -out "$D/serve-cert.pem" \
	-days 2 -subj "/CN=127.0.0.1" >/dev/null 2>&1 || fail "a test certificate is made"
TP=$(free_port)
sed "0,/{/s//{ \"serve\": { \"listen\": \"127.0.0.1:$TP\", \"tls_cert\": \"serve-cert.pem\", \"tls_key\": \"serve-key.pem\" },/" \
	"$D/central.json" >"$D/central-tls.json"
bg serve-tls "$PVMON_BIN/pvmon-allocator" serve -c "$D/central-tls.json"
TLS_PID=$LAST_PID
wait_port "$TP" || { fail "serve with TLS listens"; cat "$IT_TMP/serve-tls.log"; }
check "with tls_cert and tls_key it speaks HTTPS" \
	[ "$(code --cacert "$D/serve-cert.pem" "https://127.0.0.1:$TP/api/v1/overview")" = 200 ]
check "and plain HTTP gets no page" sh -c "[ \$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 'http://127.0.0.1:$TP/') != 200 ]"
stop "$TLS_PID"
sed 's/"serve-key.pem"/"no-such-key.pem"/' "$D/central-tls.json" >"$D/central-tls-bad.json"
"$PVMON_BIN/pvmon-allocator" serve -c "$D/central-tls-bad.json" >"$IT_TMP/tls-bad.out" 2>&1
check "a missing key file is refused by name" grep -q "no-such-key.pem" "$IT_TMP/tls-bad.out"

# ---- load: wrk against serve while ingest writes at full rate ----
GW=$(sed -n 's/.*"gateway": "\([^"]*\)".*/\1/p' "$D"/collector-*.json | head -1)
GST=$(grep -l "\"gateway\": \"$GW\"" "$D"/collector-*.json | head -1 | xargs sed -n 's/.*"station": "\([^"]*\)".*/\1/p' | sort -u | head -1)
DEVS=$(grep -o "\"id\": \"[a-z0-9]*\", \"station\": \"$GST\", \"unit\": [0-9]*, \"profile\": \"[^\"]*\", \"kind\": \"[a-z]*\"" \
	"$D"/collector-"$GW".json | sed 's/"id": "\([^"]*\)", "station": "\([^"]*\)".*"kind": "\([a-z]*\)"/\2:\1:\3/' | paste -sd, -)
# serve as deployed: the default 5 s snapshot cache
LP=$(free_port)
sed "0,/{/s//{ \"serve\": { \"listen\": \"127.0.0.1:$LP\" },/" "$D/central.json" >"$D/central-load.json"
bg serve-load "$PVMON_BIN/pvmon-allocator" serve -c "$D/central-load.json"
wait_port "$LP" || fail "serve for the load test listens"
LURL=http://127.0.0.1:$LP
before=$(sqlite3 "$D/pvmon.db" "SELECT count(*) FROM readings")
WRK_S=${WRK_S:-10}
# readings an hour old and 10 ms apart: valid, and never ahead of the clock
bg pub "$PVMON_TOOLS/pubreadings" -p "$BROKER_PORT" -g "$GW" -d "$DEVS" -s 1000000 \
	--duration-s $((2 * WRK_S + 4)) --ts "$(($(date +%s) * 1000 - 3600000))" --step-ms 10
PUB_PID=$LAST_PID
code "$LURL/api/v1/overview" >/dev/null # the first snapshot, as any request after start builds it
sleep 1
wrk -t2 -c50 -d"${WRK_S}s" --timeout 10s --latency "$LURL/api/v1/overview" >"$IT_TMP/wrk-overview.txt" 2>&1
wrk -t2 -c50 -d"${WRK_S}s" --timeout 10s --latency "$LURL/api/v1/stations/$ST" >"$IT_TMP/wrk-station.txt" 2>&1
wait "$PUB_PID" 2>/dev/null
sleep 1
after=$(sqlite3 "$D/pvmon.db" "SELECT count(*) FROM readings")
check "ingest stored readings during the load test" [ "$after" -gt "$((before + 1000))" ]
for k in overview station; do
	f=$IT_TMP/wrk-$k.txt
	check "wrk on the $k: requests were answered" \
		awk '/requests in/ { ok = $1 > 0 } END { exit !ok }' "$f"
	check "wrk on the $k: no error and no non-2xx answer" sh -c "! grep -Eq 'Socket errors|Non-2xx' '$f'"
	echo "# load $k ($WRK_S s, 50 connections, ingest writing): $(grep 'Requests/sec' "$f" | tr -s ' ')," \
		"latency p50 $(awk '$1 == "50%" { print $2 }' "$f"), p99 $(awk '$1 == "99%" { print $2 }' "$f")," \
		"$(grep 'requests in' "$f" | tr -s ' ')"
done
echo "# ingest stored $((after - before)) readings during the load"
# now a gateway has reported too: every metric the Grafana dashboard uses has samples
get /metrics >"$IT_TMP/metrics2.txt"
check "the gateway's metrics have samples now" grep -q '^pvmon_gateway_ack_lag{gateway=' "$IT_TMP/metrics2.txt"
check "/metrics with gateways passes promtool" sh -c "promtool check metrics <'$IT_TMP/metrics2.txt' >/dev/null 2>&1"
for m in $(grep -o 'pvmon_[a-z_]*' "$PVMON_ROOT/deploy/grafana/pvmon.json" | sort -u); do
	t=${m%_bucket} # a histogram's series are typed under its name
	check "the Grafana dashboard's $m is in /metrics" grep -q "^# TYPE $t " "$IT_TMP/metrics2.txt"
done
check "serve answers promptly after the load" [ "$(code --max-time 5 "$LURL/healthz")" = 200 ]
it_end
