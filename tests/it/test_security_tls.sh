#!/bin/sh
# TLS to the broker, verified against a test CA made here with openssl: the
# collector and ingest connect to a mosquitto TLS listener on loopback when the
# CA and the name match, and refuse, saying why in their log, when the CA is
# another one or the certificate names another host.
. tests/it/lib.sh
. tests/it/collector.sh

T=$IT_TMP
ossl() { openssl "$@" >>"$T/openssl.log" 2>&1; }
ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
# cert NAME CN SAN: a key and a certificate signed by the test CA.
cert() {
	ossl req $ec -keyout "$T/$1.key" -out "$T/$1.csr" -subj "/CN=$2"
	printf 'subjectAltName=%s\n' "$3" >"$T/$1.ext"
	ossl x509 -req -in "$T/$1.csr" -CA "$T/ca.crt" -CAkey "$T/ca.key" -CAcreateserial \
		-out "$T/$1.crt" -days 2 -extfile "$T/$1.ext"
}
ossl req -x509 $ec -keyout "$T/ca.key" -out "$T/ca.crt" -days 2 -subj "/CN=pvmon test CA"
ossl req -x509 $ec -keyout "$T/stranger.key" -out "$T/stranger.crt" -days 2 -subj "/CN=stranger CA"
cert good 127.0.0.1 "IP:127.0.0.1,DNS:localhost"
cert other other.example "DNS:other.example"
check "openssl made a CA and two broker certificates it signed" \
	sh -c "openssl verify -CAfile '$T/ca.crt' '$T/good.crt' '$T/other.crt' >/dev/null"

# one broker, two TLS listeners: the right name, and a certificate for other.example
GOOD=$(free_port)
OTHER=$(free_port)
[ "$OTHER" = "$GOOD" ] && OTHER=$(free_port)
cat >"$T/mosquitto.conf" <<EOC
user $(id -un)
per_listener_settings false
allow_anonymous true
persistence false
log_type error
log_type warning
log_type notice
listener $GOOD 127.0.0.1
cafile $T/ca.crt
certfile $T/good.crt
keyfile $T/good.key
listener $OTHER 127.0.0.1
cafile $T/ca.crt
certfile $T/other.crt
keyfile $T/other.key
EOC
bg broker mosquitto -c "$T/mosquitto.conf"
if wait_port "$GOOD" && wait_port "$OTHER"; then ok "mosquitto serves two TLS listeners"; else
	fail "mosquitto serves two TLS listeners"
	cat "$T/broker.log"
	it_end
	exit 1
fi
# the bus points at a closed port: the broker connection is what is tested here
DEAD=$(free_port)
BUSES='[{ "id": "lan", "type": "tcp", "host": "127.0.0.1", "port": '$DEAD', "timeout_ms": 200,
  "devices": [{ "id": "inv01", "station": "st-xipo", "unit": 1, "profile": "huawei-sun2000", "kind": "inverter" }] }]'

# collector_tls NAME PORT CA: starts a collector on the TLS port trusting CA; sets PID.
collector_tls() {
	BROKER_PORT=$2
	collector_conf "$T/$1.json" "gw-$1" 1000 "" "$BUSES"
	sed -i "s|\"keepalive_s\": 5 }|\"keepalive_s\": 5, \"tls\": { \"ca_file\": \"$3\" } }|" "$T/$1.json"
	bg "$1" "$PVMON_BIN/pvmon-collector" -c "$T/$1.json"
	PID=$LAST_PID
}
# ingest_tls NAME PORT CA: starts ingest on the TLS port trusting CA; sets PID.
ingest_tls() {
	cat >"$T/$1.json" <<EOC
{ "broker": { "host": "127.0.0.1", "port": $2, "keepalive_s": 5, "tls": { "ca_file": "$3" } },
  "client_id": "ingest-$1", "database": "$1.db", "fleet": "fleet.json" }
EOC
	bg "$1" "$PVMON_BIN/pvmon-allocator" ingest -c "$T/$1.json"
	PID=$LAST_PID
}
logged() { grep -q "$2" "$T/$1.log"; }
cp "$PVMON_ROOT/config/fleet.json" "$T/fleet.json"

collector_tls c-good "$GOOD" "$T/ca.crt"
C_GOOD=$PID
collector_tls c-ca "$GOOD" "$T/stranger.crt"
C_CA=$PID
collector_tls c-name "$OTHER" "$T/ca.crt"
C_NAME=$PID
ingest_tls i-good "$GOOD" "$T/ca.crt"
I_GOOD=$PID
ingest_tls i-ca "$GOOD" "$T/stranger.crt"
I_CA=$PID
ingest_tls i-name "$OTHER" "$T/ca.crt"
I_NAME=$PID

check "the collector connects over TLS when the CA and the name match" \
	wait_for 15 logged c-good "connected to broker"
out=$(mosquitto_sub -h 127.0.0.1 -p "$GOOD" --cafile "$T/ca.crt" -t pvmon/v1/gw-c-good/status -C 1 -W 10)
check "its retained status reached the broker over TLS" \
	sh -c "echo '$out' | grep -q '\"online\"'"
check "ingest connects over TLS when the CA and the name match" \
	wait_for 15 logged i-good "connected to"
# give the refused ones the same time the good ones needed, and a retry or two
sleep 2
check "a collector trusting another CA never connects" sh -c "! grep -q 'connected to broker' '$T/c-ca.log'"
check "a collector facing a certificate for other.example never connects" \
	sh -c "! grep -q 'connected to broker' '$T/c-name.log'"
check "ingest trusting another CA never connects" sh -c "! grep -q 'connected to' '$T/i-ca.log'"
check "ingest facing a certificate for other.example never connects" \
	sh -c "! grep -q 'connected to' '$T/i-name.log'"
# the log must say what went wrong: both give OpenSSL's reason
check "the collector's log says the certificate failed verification (wrong CA)" \
	wait_for 20 logged c-ca "certificate verify failed"
check "the collector's log says the certificate failed verification (wrong name)" \
	wait_for 20 logged c-name "certificate verify failed"
check "the collector keeps retrying a refused broker" \
	wait_for 20 sh -c "[ \$(grep -c 'certificate verify failed' '$T/c-ca.log') -ge 2 ]"
check "ingest's log says the certificate failed verification (wrong CA)" \
	wait_for 20 logged i-ca "certificate verify failed"
check "ingest's log says the certificate failed verification (wrong name)" \
	wait_for 20 logged i-name "certificate verify failed"
for p in $C_GOOD $C_CA $C_NAME $I_GOOD $I_CA $I_NAME; do
	kill -0 "$p" 2>/dev/null || fail "process $p is still running after refused connections"
done
ok "every collector and ingest is still running, retrying"
for n in c-ca c-name i-ca i-name; do
	echo "# $n: $(grep -i 'tls\|certif\|broker\|connect' "$T/$n.log" | tail -1)"
done
it_end
