#!/bin/sh
# A two-node RabbitMQ cluster (Debian's rabbitmq-server 3.10 with rabbitmq_mqtt) as the
# central broker, behind a loopback haproxy front (deploy/rabbitmq/, docs/scale.md): the
# collector and ingest, unchanged, connect to the front over MQTT 3.1.1 with QoS 1. The node
# both are connected to is SIGKILLed mid-run: they reconnect through the front to the other
# node, ingest's session queue (classic, mirrored by policy) is still there, the acks resume.
# The killed node is restarted and rejoins; then the other node is killed in turn. Every
# reading is stored exactly once and the spool empties. Not in make test (a node takes
# 10-20 s to boot, a rejoining one about 2 minutes): make test-broker-cluster.
# Every process is started here and stopped by its PID: epmd, both beam.smp, haproxy.
. tests/it/lib.sh
. tests/it/collector.sh

RMQ=/usr/lib/rabbitmq/bin
for p in "$RMQ/rabbitmq-server" "$RMQ/rabbitmqctl" /usr/sbin/haproxy /usr/bin/epmd; do
	[ -x "$p" ] || {
		fail "$p is missing: make deps-broker-cluster installs rabbitmq-server and haproxy"
		it_end
		exit 1
	}
done
IV=200 # poll interval (ms): 4 devices, 20 readings a second
GW=gw-rabbit
R=$IT_TMP/rabbit
mkdir -p "$R/home"
# one Erlang cookie for both nodes and the CLI (read from $HOME/.erlang.cookie)
printf 'pvmon-test-cluster-%s' "$$" >"$R/home/.erlang.cookie"
chmod 400 "$R/home/.erlang.cookie"
echo '[rabbitmq_mqtt].' >"$R/enabled_plugins"
EPMD_PORT=$(free_port)
for n in 1 2; do
	eval "AMQP_$n=$(free_port) DIST_$n=$(free_port) MQTT_$n=$(free_port)"
done
FRONT=$(free_port)

# renv [exec] N CMD...: CMD with node N's environment (its name, ports, directories, the
# cookie); with exec, the shell is replaced, so a background start keeps the node's PID.
renv() {
	_x=
	if [ "$1" = exec ]; then
		_x=exec
		shift
	fi
	_n=$1
	shift
	eval "_amqp=\$AMQP_$_n _dist=\$DIST_$_n"
	$_x env HOME="$R/home" ERL_EPMD_PORT="$EPMD_PORT" ERL_EPMD_ADDRESS=127.0.0.1 \
		RABBITMQ_NODENAME="rabbit$_n@localhost" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
		RABBITMQ_NODE_PORT="$_amqp" RABBITMQ_DIST_PORT="$_dist" \
		RABBITMQ_MNESIA_BASE="$R/n$_n/mnesia" RABBITMQ_LOG_BASE="$R/n$_n/log" \
		RABBITMQ_CONFIG_FILE="$R/n$_n/rabbitmq.conf" \
		RABBITMQ_ADVANCED_CONFIG_FILE="$R/n$_n/advanced.config" \
		RABBITMQ_CONF_ENV_FILE="$R/n$_n/rabbitmq-env.conf" \
		RABBITMQ_ENABLED_PLUGINS_FILE="$R/enabled_plugins" RABBITMQ_PID_FILE="$R/n$_n/pid" \
		ERL_CRASH_DUMP="$R/n$_n/erl_crash.dump" RUNNING_UNDER_SYSTEMD=true RABBITMQ_LOGS=- "$@"
}
# rctl N ARGS...: rabbitmqctl against node N.
rctl() {
	_n=$1
	shift
	renv "$_n" "$RMQ/rabbitmqctl" -q -n "rabbit$_n@localhost" "$@"
}

# the shipped node file with this test's ports, plain MQTT on loopback, anonymous
for n in 1 2; do
	mkdir -p "$R/n$n"
	: >"$R/n$n/rabbitmq-env.conf"
	eval "_amqp=\$AMQP_$n _mqtt=\$MQTT_$n"
	sed -e "s/^listeners.tcp.default = .*/listeners.tcp.default = 127.0.0.1:$_amqp/" \
		-e "s/^mqtt.listeners.tcp = none/mqtt.listeners.tcp.default = 127.0.0.1:$_mqtt/" \
		-e '/^mqtt.listeners.ssl/d' -e '/^ssl_options/d' \
		-e 's/^mqtt.allow_anonymous = .*/mqtt.allow_anonymous = true/' \
		"$PVMON_ROOT/deploy/rabbitmq/rabbitmq.conf" >"$R/n$n/rabbitmq.conf"
done
# the shipped front with this test's ports and a connection limit within the test's fd limit
sed -e "s/^	bind .*/	bind 127.0.0.1:$FRONT/" -e "s/^	maxconn .*/	maxconn 200/" \
	-e "s/^	server rabbit1 .*/	server rabbit1 127.0.0.1:$MQTT_1/" \
	-e "s/^	server rabbit2 .*/	server rabbit2 127.0.0.1:$MQTT_2/" \
	"$PVMON_ROOT/deploy/rabbitmq/haproxy.cfg" >"$R/haproxy.cfg"

# epmd of our own on its own port, in the foreground so that its PID is ours
bg epmd env ERL_EPMD_ADDRESS=127.0.0.1 epmd -port "$EPMD_PORT"
EPMD_PID=$LAST_PID
wait_port "$EPMD_PORT" || fail "epmd listens"

# start_node N: boots node N; sets NODE_PID_N. Every step execs the next (the background
# shell, env, rabbitmq-server, erl), so the PID is the node's beam.smp.
ALL_NODE_PIDS=""
start_node() {
	bg "rabbit$1-$(date +%s%N)" renv exec "$1" "$RMQ/rabbitmq-server"
	eval "NODE_PID_$1=$LAST_PID"
	ALL_NODE_PIDS="$ALL_NODE_PIDS,$LAST_PID"
}
# is_beam N: node N's recorded PID is its beam.smp.
is_beam() {
	eval "_pid=\$NODE_PID_$1"
	[ "$(ps -o comm= -p "$_pid")" = beam.smp ]
}
# leftovers: PIDs of processes that carry this test's cookie directory in their environment
# (anything the nodes or the CLI started and this script does not know by PID, such as an
# epmd -daemon); none once everything is stopped.
leftovers() {
	for _e in /proc/[0-9]*/environ; do
		tr '\0' '\n' 2>/dev/null <"$_e" | grep -qx "HOME=$R/home" || continue
		_p=${_e#/proc/}
		echo "${_p%/environ}"
	done
}
# booted N: node N has booted (await_startup fails at once while the node is not yet
# registered with epmd, hence the retries by wait_for).
booted() { rctl "$1" await_startup --timeout 10 >/dev/null 2>&1; }
# mqtt_up N: node N's MQTT listener takes a QoS 1 publish.
mqtt_up() {
	eval "_p=\$MQTT_$1"
	mosquitto_pub -p "$_p" -q 1 -i "probe-$1" -t pvmon-it/probe -m x 2>/dev/null
}
# running_both: the cluster lists both nodes as running.
running_both() {
	_st=$(rctl 1 cluster_status --formatter json 2>/dev/null |
		sed -n 's/.*"running_nodes":\[\([^]]*\)\].*/\1/p')
	case "$_st" in
	*rabbit1@localhost*rabbit2@localhost* | *rabbit2@localhost*rabbit1@localhost*) return 0 ;;
	esac
	return 1
}
# stop_node N: SIGTERM (rabbitmq stops its applications first), SIGKILL after 60 s.
stop_node() {
	eval "_pid=\$NODE_PID_$1"
	[ -n "$_pid" ] || return 0
	kill -TERM "$_pid" 2>/dev/null
	wait_for 60 sh -c "! kill -0 $_pid 2>/dev/null" || kill -KILL "$_pid" 2>/dev/null
	wait "$_pid" 2>/dev/null
	eval "NODE_PID_$1="
}
# kill_node N: SIGKILL, reaped.
kill_node() {
	eval "_pid=\$NODE_PID_$1"
	kill -KILL "$_pid"
	wait "$_pid" 2>/dev/null
	eval "NODE_PID_$1="
}
cleanup_cluster() {
	[ -n "$COL_PID" ] && stop "$COL_PID"
	[ -n "$INGEST_PID" ] && stop "$INGEST_PID"
	[ -n "$FRONT_PID" ] && stop "$FRONT_PID"
	stop_node 2
	stop_node 1
	[ -n "$EPMD_PID" ] && stop "$EPMD_PID"
	COL_PID= INGEST_PID= FRONT_PID= EPMD_PID=
	# after a failure: whatever the nodes started on their own (found by environment)
	for _p in $(leftovers); do kill -KILL "$_p" 2>/dev/null; done
	return 0
}
trap 'cleanup_cluster; it_cleanup' EXIT

ms() { echo $(($(date +%s%N) / 1000000)); }
t0=$(ms)
start_node 1
start_node 2
wait_for 180 booted 1 || fail "node rabbit1 boots"
wait_for 180 booted 2 || fail "node rabbit2 boots"
BOOT=$(($(ms) - t0))
for n in 1 2; do
	check "rabbit$n's recorded PID is its beam.smp" is_beam "$n"
done
echo "# both nodes booted in $BOOT ms"
t0=$(ms)
rctl 2 stop_app >/dev/null && rctl 2 join_cluster rabbit1@localhost >/dev/null &&
	rctl 2 start_app >/dev/null
check "rabbit2 joins rabbit1's cluster" wait_for 60 running_both
check "rabbit1's MQTT listener takes QoS 1 publishes" wait_for 60 mqtt_up 1
check "rabbit2's MQTT listener takes QoS 1 publishes" wait_for 60 mqtt_up 2
JOIN=$(($(ms) - t0))
echo "# cluster formed, MQTT up on both nodes, in $JOIN ms"
check "the mirroring policy for MQTT session queues is set" \
	rctl 1 set_policy --apply-to queues pvmon-mqtt-ha '^mqtt-subscription-' \
	'{"ha-mode":"all","ha-sync-mode":"automatic","ha-promote-on-failure":"always","ha-promote-on-shutdown":"always"}'
bg haproxy haproxy -db -f "$R/haproxy.cfg"
FRONT_PID=$LAST_PID
wait_port "$FRONT" || fail "the front listens"

# the county: one station of pvmon-sim behind one collector, ingest, both via the front
start_sim --stations 1 --inverters-per-station 3 --profile huawei-sun2000 \
	--meter-profile chint-dtsu666 --start 2019-06-21T12:00:00 --speed 1 \
	--profiles "$PVMON_ROOT/config/profiles" || exit 1
SP=$(sim_port st001)
wait_port "$SP" || fail "the station listens"
cat >"$IT_TMP/fleet.json" <<EOJ
{ "county": "cluster", "townships": [ { "id": "t1", "name": "T" } ],
  "villages": [ { "id": "v1", "name": "V", "township": "t1" } ],
  "tariffs": [ { "id": "tf", "periods": [ { "from": "2018-01-01",
    "coal_yuan_per_kwh": "0.3320", "subsidy_yuan_per_kwh": "0.5580" } ] } ],
  "stations": [
    { "id": "st001", "name": "S1", "gateway": "$GW", "capacity_kw": 150,
      "commissioned": "2018-01-01", "latitude": 37.95, "longitude": 110.99,
      "meter": { "id": "meter" }, "inverters": [ { "id": "inv01", "capacity_kw": 50 },
        { "id": "inv02", "capacity_kw": 50 }, { "id": "inv03", "capacity_kw": 50 } ],
      "shares": [ { "village": "v1", "weight": 1 } ], "tariff": "tf" } ] }
EOJ
cat >"$IT_TMP/central.json" <<EOJ
{
  "broker": { "host": "127.0.0.1", "port": $FRONT, "keepalive_s": 5 },
  "client_id": "pvmon-ingest",
  "database": "pvmon.db",
  "fleet": "fleet.json",
  "timezone": "Asia/Shanghai",
  "batch": { "rows": 1000, "ms": 100 },
  "log": { "target": "stderr", "level": "info" }
}
EOJ
BROKER_PORT=$FRONT
devs=""
for i in 1 2 3; do
	devs="$devs{ \"id\": \"inv0$i\", \"station\": \"st001\", \"unit\": $i, \"profile\": \"huawei-sun2000\", \"kind\": \"inverter\", \"capacity_kw\": 50 },"
done
collector_conf "$IT_TMP/c.json" "$GW" "$IV" ", \"replay_per_s\": 2000" "[
 { \"id\": \"lan\", \"type\": \"tcp\", \"host\": \"127.0.0.1\", \"port\": $SP, \"timeout_ms\": 500, \"devices\": [ $devs
   { \"id\": \"meter\", \"station\": \"st001\", \"unit\": 4, \"profile\": \"chint-dtsu666\", \"kind\": \"meter\" } ] } ]"
DB=$IT_TMP/pvmon.db
q() { sqlite3 "$DB" "$1"; }
taken() { sqlite3 "$IT_TMP/$GW.spool" "SELECT value - 1 FROM meta WHERE key = 'next_seq'" 2>/dev/null || echo 0; }
stored() { q "SELECT count(*) FROM readings_named WHERE gw = '$GW'" 2>/dev/null || echo 0; }
acked() { q "SELECT coalesce(max(acked_seq), 0) FROM gateways WHERE gw = '$GW'" 2>/dev/null || echo 0; }
at_least() {
	_w=$1
	shift
	[ "$("$@")" -ge "$_w" ] 2>/dev/null
}
# conns_on N: MQTT connections (ingest and the collector) held by node N. RabbitMQ 3.10
# lists an MQTT connection as the direct connection of its channels, not in list_connections.
conns_on() {
	rctl "$1" list_channels connection 2>/dev/null | grep "^<rabbit$1@localhost\." | sort -u | wc -l
}
two_on() { [ "$(conns_on "$1")" -eq 2 ]; }
# ingest_queue: ingest's session queue, its master and its synchronised mirrors.
ingest_queue() {
	for _n in 1 2; do
		rctl "$_n" list_queues name pid synchronised_slave_pids 2>/dev/null |
			grep mqtt-subscription-pvmon-ingest && return 0
	done
	return 1
}
mirrored_on() { ingest_queue | grep "\[.*rabbit$1@localhost" >/dev/null; }

bg ingest "$PVMON_BIN/pvmon-allocator" ingest -c "$IT_TMP/central.json"
INGEST_PID=$LAST_PID
wait_for 30 grep -q "connected to" "$IT_TMP/ingest.log" || fail "ingest connects through the front"
bg collector "$PVMON_BIN/pvmon-collector" -c "$IT_TMP/c.json"
COL_PID=$LAST_PID
wait_for 30 at_least 40 stored || fail "readings reach the database"
check "acks come back through the cluster" wait_for 30 at_least 40 acked
check "ingest and the collector are both on rabbit1, the front's first node" wait_for 10 two_on 1
check "ingest's session queue is mirrored on rabbit2" wait_for 30 mirrored_on 2
echo "# ingest's queue: $(ingest_queue)"

# failover N: SIGKILLs node N, which holds both connections and ingest's queue master, and
# measures the time until ingest acknowledged 20 readings past what had been taken.
failover() {
	_k=$(taken)
	_t0=$(ms)
	kill_node "$1"
	echo "# rabbit$1 SIGKILLed at seq $_k"
	if wait_for 120 at_least "$((_k + 20))" acked; then
		FAILOVER_MS=$(($(ms) - _t0))
		ok "acks resume after rabbit$1 is killed (${FAILOVER_MS} ms until seq $((_k + 20)))"
	else
		FAILOVER_MS=-1
		fail "acks resume after rabbit$1 is killed (acked $(acked), taken $(taken))"
	fi
}
failover 1
F1=$FAILOVER_MS
check "ingest and the collector reconnected to rabbit2" wait_for 30 two_on 2

# the killed node comes back with its data and rejoins; the front sends no one to it until
# its MQTT listener is up, and the clients stay on rabbit2 meanwhile
t0=$(ms)
start_node 1
check "the restarted rabbit1's recorded PID is its beam.smp" wait_for 20 is_beam 1
wait_for 300 booted 1 || fail "rabbit1 reboots"
B1=$(($(ms) - t0))
check "rabbit1 is back in the cluster" wait_for 60 running_both
check "rabbit1's MQTT listener is back" wait_for 60 mqtt_up 1
R1=$(($(ms) - t0))
echo "# rabbit1 restarted: booted in $B1 ms, MQTT up $R1 ms after its start"
check "ingest's session queue is mirrored on rabbit1 again" wait_for 120 mirrored_on 1
echo "# ingest's queue: $(ingest_queue)"
check "the acks went on while rabbit1 was away" at_least "$(($(taken) - 200))" acked

# and now the other node dies: everything moves to the restarted rabbit1
failover 2
F2=$FAILOVER_MS
check "ingest and the collector are back on rabbit1" wait_for 30 two_on 1

# RabbitMQ 3.10's topic mapping (docs/scale.md): a "." inside a level becomes a separator, so
# a gateway id with a dot matches none of ingest's subscriptions and an alert's topic arrives
# split. Checked so that a RabbitMQ without the limit makes this test (and the page) change.
bg dots mosquitto_sub -p "$FRONT" -q 1 -v -t 'pvmon-dots/v1/+/+/+/reading' -t 'pvmon-dots/v1/alerts/#'
DOTS_PID=$LAST_PID
wait_for 20 sh -c "mosquitto_pub -p $FRONT -q 1 -t pvmon-dots/v1/gw-1/st/dev/reading -m plain &&
	grep -q plain '$IT_TMP/dots.log'" || fail "the dot probe subscribes"
mosquitto_pub -p "$FRONT" -q 1 -t pvmon-dots/v1/gw.1/st/dev/reading -m dotted-gw
mosquitto_pub -p "$FRONT" -q 1 -t pvmon-dots/v1/alerts/device_offline.st.inv02.1 -m alert
wait_for 10 grep -q alert "$IT_TMP/dots.log"
stop "$DOTS_PID"
check "RabbitMQ 3.10: a reading of a gateway id with a dot reaches no reading subscription" \
	sh -c "! grep -q dotted-gw '$IT_TMP/dots.log'"
check "RabbitMQ 3.10: an alert topic's dots arrive as level separators" \
	grep -q '^pvmon-dots/v1/alerts/device_offline/st/inv02/1 alert' "$IT_TMP/dots.log"

# the books: stop the collector, one --once round replays what is left and waits for its acks
stop "$COL_PID"
COL_PID=
"$PVMON_BIN/pvmon-collector" -c "$IT_TMP/c.json" --once --timeout 30 --ack-wait 60 \
	>"$IT_TMP/drain.log" 2>&1
check "a last --once round gets every reading acknowledged" [ $? -eq 0 ]
t=$(taken)
wait_for 30 at_least "$t" acked || fail "the last readings are acknowledged"
res=$(q "SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM readings_named WHERE gw = '$GW'")
# (information only: two polls of a late round may fall in the same millisecond; the seq
# is the reading's identity, given by the collector before the broker ever sees it)
dup=$(q "SELECT count(*) - count(DISTINCT station || '/' || device || '/' || ts) FROM readings_named WHERE gw = '$GW'")
echo "# $GW: taken $t, stored|distinct|min|max $res, device readings sharing a millisecond $dup, acked $(acked)"
check "each of the $t readings is stored exactly once" [ "$res" = "$t|$t|1|$t" ]
check "acknowledged up to the last seq" [ "$(acked)" -eq "$t" ]
check "the spool is empty" [ "$(sqlite3 "$IT_TMP/$GW.spool" 'SELECT count(*) FROM spool')" -eq 0 ]
check "nothing rejected" [ "$(q "SELECT count(*) FROM rejected WHERE gw = '$GW'")" -eq 0 ]
check "ingest counted no seq as lost" [ "$(q "SELECT lost_seqs FROM gateways WHERE gw = '$GW'")" -eq 0 ]
check "ingest saw the collector's clean stop" \
	wait_for 10 sh -c "[ \"\$(sqlite3 '$DB' \"SELECT status FROM gateways WHERE gw = '$GW'\")\" = offline ]"
echo "# figures: boot $BOOT ms, join $JOIN ms; failover rabbit1 -> rabbit2 $F1 ms," \
	"rabbit2 -> rabbit1 $F2 ms; rabbit1 rejoin: booted $B1 ms, MQTT up $R1 ms"
pids="$EPMD_PID$ALL_NODE_PIDS"
stop "$COL_PID"
stop "$INGEST_PID"
stop "$FRONT_PID"
stop_node 2
stop_node 1
stop "$EPMD_PID"
COL_PID= INGEST_PID= FRONT_PID= EPMD_PID=
check "every beam.smp and epmd started here has exited" sh -c "! ps -p $pids >/dev/null"
left=$(leftovers)
check "no process with this test's RabbitMQ environment is left (${left:-none})" [ -z "$left" ]
for p in $left; do kill -KILL "$p"; done
it_end
