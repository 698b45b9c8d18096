# Helpers for the collector's integration scripts (sourced after lib.sh).

# jnum KEY: the number KEY holds in the JSON object on stdin (empty when absent).
jnum() { sed -n "s/.*\"$1\":\(-\{0,1\}[0-9.]*\).*/\1/p"; }
# jstr KEY: the string KEY holds in the JSON object on stdin.
jstr() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }

# start_sub NAME TOPIC: mosquitto_sub -v into $IT_TMP/NAME.out, returning once it is subscribed.
start_sub() {
	bg "$1" mosquitto_sub -p "$BROKER_PORT" -q 1 -v -t "$2" -t "pvmon-it/ready/$1"
	SUB_PID=$LAST_PID
	i=0
	while ! grep -q "^pvmon-it/ready/$1" "$IT_TMP/$1.log" 2>/dev/null && [ $i -lt 250 ]; do
		mosquitto_pub -p "$BROKER_PORT" -t "pvmon-it/ready/$1" -m x 2>/dev/null
		sleep 0.02
		i=$((i + 1))
	done
}
# readings NAME: the reading payloads a subscriber received, one per line.
readings() { sed -n 's|^pvmon/v1/[^ ]*/reading ||p' "$IT_TMP/$1.log"; }

# collector_conf FILE GW INTERVAL_MS SPOOL_EXTRA BUSES_JSON: a collector.json on the test broker.
collector_conf() {
	cat >"$1" <<EOC
{
  "gateway": "$2",
  "broker": { "host": "127.0.0.1", "port": $BROKER_PORT, "keepalive_s": 5 },
  "spool": { "path": "$IT_TMP/$2.spool"$4 },
  "poll": { "interval_ms": $3, "health_interval_s": 1 },
  "profiles_dir": "$PVMON_ROOT/config/profiles",
  "log": { "target": "stderr", "level": "info" },
  "buses": $5
}
EOC
}

# wait_for SECONDS CMD...: polls CMD every 50 ms until it succeeds; 1 on timeout.
wait_for() {
	w_end=$(($(date +%s) + $1))
	shift
	while ! "$@"; do
		[ "$(date +%s)" -ge "$w_end" ] && return 1
		sleep 0.05
	done
	return 0
}
