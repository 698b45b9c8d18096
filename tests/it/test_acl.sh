#!/bin/sh
# The county broker configuration in deploy/mosquitto, run by a real mosquitto with a
# test CA, a real password file and the shipped ACL: each gateway stays in its prefix.
. tests/it/lib.sh

conf_src="$PVMON_ROOT/deploy/mosquitto/pvmon.conf"
acl_src="$PVMON_ROOT/deploy/mosquitto/pvmon.acl"
T=$IT_TMP

# --- a test CA, the broker's certificate for 127.0.0.1/localhost, and a stranger CA
ossl() { openssl "$@" >>"$T/openssl.log" 2>&1; }
ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
ossl req -x509 $ec -keyout "$T/ca.key" -out "$T/ca.crt" -days 2 -subj "/CN=pvmon test CA"
ossl req -x509 $ec -keyout "$T/other-ca.key" -out "$T/other-ca.crt" -days 2 -subj "/CN=stranger CA"
ossl req $ec -keyout "$T/broker.key" -out "$T/broker.csr" -subj "/CN=localhost"
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$T/san.ext"
ossl x509 -req -in "$T/broker.csr" -CA "$T/ca.crt" -CAkey "$T/ca.key" -CAcreateserial \
	-out "$T/broker.crt" -days 2 -extfile "$T/san.ext"
check "openssl made a CA and a broker certificate it signed" \
	ossl verify -CAfile "$T/ca.crt" "$T/broker.crt"

# --- users: two gateways and ingest, in a real mosquitto password file
mosquitto_passwd -c -b "$T/pvmon.passwd" gw-a secret-a
mosquitto_passwd -b "$T/pvmon.passwd" gw-b secret-b
mosquitto_passwd -b "$T/pvmon.passwd" pvmon-ingest secret-i
check "the password file holds hashes, not the passwords" \
	sh -c "! grep -q secret '$T/pvmon.passwd'"

# --- the shipped configuration, with test paths and a free loopback port, laid out
# like Debian's: a main file that sets the persistence location and includes conf.d
PORT=$(free_port)
mkdir -p "$T/conf.d" "$T/persist"
sed -e "s|^listener 8883\$|listener $PORT 127.0.0.1|" \
	-e "s|/etc/mosquitto/pvmon.passwd|$T/pvmon.passwd|" \
	-e "s|/etc/mosquitto/pvmon.acl|$T/pvmon.acl|" \
	-e "s|/etc/mosquitto/ca_certificates/pvmon-ca.crt|$T/ca.crt|" \
	-e "s|/etc/mosquitto/certs/pvmon-broker.crt|$T/broker.crt|" \
	-e "s|/etc/mosquitto/certs/pvmon-broker.key|$T/broker.key|" \
	"$conf_src" >"$T/conf.d/pvmon.conf"
cp "$acl_src" "$T/pvmon.acl"
check "every path of the shipped configuration was replaced for the test" \
	sh -c "! grep -v '^#' '$T/conf.d/pvmon.conf' | grep -q '/etc/\|8883'"
cat >"$T/mosquitto.conf" <<EOC
user $(id -un)
log_type all
persistence_location $T/persist/
include_dir $T/conf.d
EOC
bg broker mosquitto -c "$T/mosquitto.conf"
BROKER=$LAST_PID
if wait_port "$PORT"; then ok "mosquitto starts with the shipped configuration"; else
	fail "mosquitto starts with the shipped configuration"
	cat "$T/broker.log"
	it_end
	exit 1
fi

tls="-h 127.0.0.1 -p $PORT --cafile $T/ca.crt"
pub() { mosquitto_pub $tls -q 1 "$@" >>"$T/clients.log" 2>&1; }
sub() { mosquitto_sub $tls -q 1 "$@" 2>>"$T/clients.log"; }
R=pvmon/v1

# Persistent sessions subscribed first (-E returns once the broker acknowledged the
# subscription): everything routed to them afterwards waits in their queues, in order.
# A clean-session connection under a client id discards that id's stored session, so
# the gateways below publish with -c (as the collector keeps its session).
sub -u pvmon-ingest -P secret-i -i pvmon-ingest -c -E -t "$R/#"
sub -u gw-b -P secret-b -i gw-b -c -E -t "$R/gw-b/ack"

check "gateway gw-a publishes under its own prefix" \
	pub -u gw-a -P secret-a -i gw-a -t "$R/gw-a/s1/inv1/reading" -m a1
# mosquitto 2.0 acknowledges an unauthorised QoS 1 publish and drops it: the proof is
# at the subscriber below, not in the exit status.
pub -u gw-a -P secret-a -i gw-a -t "$R/gw-b/s1/inv1/reading" -m spoof-own-id
pub -u gw-a -P secret-a -i gw-b -t "$R/gw-b/s1/inv1/reading" -m spoof-chosen-id
check "gateway gw-b publishes under its own prefix" \
	pub -u gw-b -P secret-b -i gw-b -c -t "$R/gw-b/s1/inv1/reading" -m b1
pub -u gw-a -P secret-a -i gw-a -t "$R/gw-a/s1/inv1/reading" -m a-end
sub -u gw-a -P secret-a -i gw-a -c -E -t "$R/gw-a/ack" -t "$R/gw-b/ack"

# Ingest drains its queue: exactly the three allowed readings, in order. A spoofed
# reading would have been queued before a-end and taken one of the three places.
sub -u pvmon-ingest -P secret-i -i pvmon-ingest -c -v -t "$R/#" -C 3 -W 8 >"$T/ingest.out"
printf '%s\n' "$R/gw-a/s1/inv1/reading a1" "$R/gw-b/s1/inv1/reading b1" \
	"$R/gw-a/s1/inv1/reading a-end" >"$T/ingest.want"
check "ingest reads every gateway's readings and none published under another's prefix" \
	cmp -s "$T/ingest.want" "$T/ingest.out"
check "the broker log shows the denied publishes" \
	sh -c "[ \$(grep -c 'Denied PUBLISH' '$T/broker.log') -ge 2 ]"

# Sent before the real acks: a gateway connecting under its id would receive what is
# queued for it, and a forged ack reaching gw-b would come first in its queue.
pub -u gw-a -P secret-a -i gw-a -c -t "$R/gw-b/ack" -m forged-ack
check "ingest publishes gw-b's acknowledgement" \
	pub -u pvmon-ingest -P secret-i -i pvmon-ingest -t "$R/gw-b/ack" -m ack-b
check "ingest publishes gw-a's acknowledgement" \
	pub -u pvmon-ingest -P secret-i -i pvmon-ingest -t "$R/gw-a/ack" -m ack-a
pub -u pvmon-ingest -P secret-i -i pvmon-ingest -t "$R/gw-b/ack" -m ack-b-end
# gw-a subscribed to gw-b's ack too; ack-b was sent first, so reading it would show here.
out=$(sub -u gw-a -P secret-a -i gw-a -c -t "$R/gw-a/ack" -C 1 -W 8)
check "gw-a reads its own acknowledgement and not gw-b's" [ "$out" = "ack-a" ]
# gw-a's connection with client id gw-b (clean session) would have wiped gw-b's queue
# had the broker kept the chosen id: the username replaced it.
out=$(sub -u gw-b -P secret-b -i gw-b -c -t "$R/gw-b/ack" -C 2 -W 8 | tr '\n' ' ')
check "gw-b's session survived gw-a choosing its client id, and no forged ack reached it" \
	[ "$out" = "ack-b ack-b-end " ]

# Ingest announces its broker session (retained) for the collectors' prompt resync: only
# ingest writes it, every gateway reads it. The forgery comes last: had the broker taken
# it, it would be the retained copy a gateway reads.
check "ingest announces its session" \
	pub -u pvmon-ingest -P secret-i -i pvmon-ingest -r -t pvmon/ingest/online -m session-1
pub -u gw-a -P secret-a -i gw-a -c -r -t pvmon/ingest/online -m forged-session
out=$(sub -u gw-a -P secret-a -i gw-a -t pvmon/ingest/online -C 1 -W 8)
check "a gateway reads ingest's session announcement, and no gateway can forge it" \
	[ "$out" = "session-1" ]

# --- refused connections: each must fail to connect at all
refused() { ! mosquitto_pub -h 127.0.0.1 -p "$PORT" "$@" -t "$R/gw-a/x" -m x >>"$T/clients.log" 2>&1; }
check "a wrong password is refused" refused --cafile "$T/ca.crt" -u gw-a -P wrong
check "an unknown user is refused" refused --cafile "$T/ca.crt" -u gw-z -P secret-a
check "an anonymous client is refused" refused --cafile "$T/ca.crt"
check "a client trusting another CA refuses the broker" \
	refused --cafile "$T/other-ca.crt" -u gw-a -P secret-a
check "plain MQTT without TLS is refused" refused -u gw-a -P secret-a
check "the broker is still running" kill -0 "$BROKER"

it_end
