#!/bin/sh
# The broker password comes only from a file: never from argv, never from the
# environment, never inline in a config, never in a log (even at debug level),
# and a group- or world-readable password file draws a warning naming the file.
# Real mosquitto with a password file, the real collector and ingest.
. tests/it/lib.sh
. tests/it/collector.sh

T=$IT_TMP
PW="pvmon-Canary-7q3x"
mosquitto_passwd -c -b "$T/passwd" gw-pw "$PW" >/dev/null 2>&1
mosquitto_passwd -b "$T/passwd" gw-loose "$PW" >/dev/null 2>&1
mosquitto_passwd -b "$T/passwd" pvmon-ingest "$PW" >/dev/null 2>&1
BROKER_PORT=$(free_port)
cat >"$T/mosquitto.conf" <<EOC
user $(id -un)
per_listener_settings false
allow_anonymous false
password_file $T/passwd
persistence false
listener $BROKER_PORT 127.0.0.1
EOC
bg broker mosquitto -c "$T/mosquitto.conf"
wait_port "$BROKER_PORT" || { fail "mosquitto did not start"; cat "$T/broker.log"; it_end; exit 1; }

printf '%s\n' "$PW" >"$T/pw-strict"
chmod 600 "$T/pw-strict"
printf '%s\n' "$PW" >"$T/pw-loose"
chmod 644 "$T/pw-loose"
printf 'not-the-password\n' >"$T/pw-wrong"
chmod 600 "$T/pw-wrong"
DEAD=$(free_port)
BUSES='[{ "id": "lan", "type": "tcp", "host": "127.0.0.1", "port": '$DEAD', "timeout_ms": 200,
  "devices": [{ "id": "inv01", "station": "st-xipo", "unit": 1, "profile": "huawei-sun2000", "kind": "inverter" }] }]'
# collector_pw NAME USER PWFILE: a debug-level collector logging in as USER; sets PID.
collector_pw() {
	collector_conf "$T/$1.json" "$2" 1000 "" "$BUSES"
	sed -i -e "s|\"keepalive_s\": 5 }|\"keepalive_s\": 5, \"username\": \"$2\", \"password_file\": \"$3\" }|" \
		-e 's|"level": "info"|"level": "debug"|' "$T/$1.json"
	bg "$1" "$PVMON_BIN/pvmon-collector" -c "$T/$1.json" -v
	PID=$LAST_PID
}
logged() { grep -q "$2" "$T/$1.log"; }
no_pw() { ! grep -q -- "$PW" "$@"; }

collector_pw strict gw-pw "$T/pw-strict"
STRICT=$PID
collector_pw loose gw-loose "$T/pw-loose"
LOOSE=$PID
collector_pw wrong gw-pw "$T/pw-wrong"
WRONG=$PID
cp "$PVMON_ROOT/config/fleet.json" "$T/fleet.json"
cat >"$T/central.json" <<EOC
{ "broker": { "host": "127.0.0.1", "port": $BROKER_PORT, "keepalive_s": 5,
              "username": "pvmon-ingest", "password_file": "pw-strict" },
  "client_id": "pvmon-ingest", "database": "pvmon.db", "fleet": "fleet.json",
  "log": { "target": "stderr", "level": "debug" } }
EOC
bg ingest "$PVMON_BIN/pvmon-allocator" ingest -c "$T/central.json"
INGEST=$LAST_PID

check "the collector logs in with the password from its file" wait_for 15 logged strict "connected to broker"
check "ingest logs in with the password from its file" wait_for 15 logged ingest "connected to"
check "a group/world-readable password file still works" wait_for 15 logged loose "connected to broker"
check "a wrong password is refused and the log says so" \
	wait_for 15 sh -c "grep -q 'not authori[sz]ed\|refused' '$T/wrong.log'"
check "a group/world-readable password file draws a warning naming it" \
	sh -c "grep 'warn' '$T/loose.log' | grep -q 'pw-loose'"
check "a 0600 password file draws no such warning" sh -c "! grep -q 'pw-strict' '$T/strict.log'"
for p in strict loose wrong ingest; do
	check "the password never appears in the $p log (debug level)" no_pw "$T/$p.log"
done
for pid in $STRICT $LOOSE $WRONG $INGEST; do
	check "no password in the command line or environment of process $pid" \
		sh -c "! tr '\\0' '\\n' </proc/$pid/cmdline | grep -q -- '$PW' &&
			! tr '\\0' '\\n' </proc/$pid/environ | grep -q -- '$PW'"
done

# configuration: an inline password is an error that does not repeat it
sed "s|\"password_file\": \"$T/pw-strict\"|\"password\": \"$PW\"|" "$T/strict.json" >"$T/inline.json"
"$PVMON_BIN/pvmon-collector" -c "$T/inline.json" --check >"$T/inline.out" 2>&1
rc=$?
check "an inline password in collector.json is refused" [ "$rc" -ne 0 ]
check "and the error does not repeat it" no_pw "$T/inline.out"
check "the collector has no password option" \
	sh -c "! '$PVMON_BIN/pvmon-collector' --password '$PW' -c '$T/strict.json' --check >/dev/null 2>&1"
check "its usage mentions no password" sh -c "! '$PVMON_BIN/pvmon-collector' --help 2>&1 | grep -qi password"
check "ingest's usage mentions no password" \
	sh -c "! '$PVMON_BIN/pvmon-allocator' ingest --help 2>&1 | grep -qi password"

# sources: the only environment variables read anywhere are TZDIR (time zone files) and
# TMPDIR (where the workbook writer keeps its scratch files)
envs=$(cd "$PVMON_ROOT" && grep -ho 'getenv("[^"]*")' collector/*.c allocator/*.c allocator/*/*.c common/*.c | sort -u | tr '\n' ' ')
check "no program reads a password from the environment (getenv: ${envs:-none})" \
	sh -c "[ -z \"\$(echo '$envs' | tr ' ' '\\n' | grep -v '^getenv(\"TZDIR\")\$' | grep -v '^getenv(\"TMPDIR\")\$' | grep .)\" ]"
it_end
