#!/bin/sh
# Smoke test of the cross-built programs (make test-cross): built for the target CPU, run
# under qemu-user, the collector checks a config and polls a host pvmon-sim once (--once),
# then runs as a daemon while its memory is measured. Not part of `make test` (see Makefile).
O=${O:-build}
BIN=${BIN:-bin}
ARCH=${ARCH:-arm64}
TRIPLET=${TRIPLET:-aarch64-linux-gnu}
PVMON_BIN=$(cd "$BIN" && pwd) || exit 1
PVMON_TOOLS=$(cd "$O/tools" && pwd) || exit 1
PVMON_ROOT=$(pwd)
export PVMON_BIN PVMON_TOOLS PVMON_ROOT
. tests/it/lib.sh
. tests/it/collector.sh

case $ARCH in
arm64) QEMU=qemu-aarch64 MACHINE=AArch64 ;;
armhf) QEMU=qemu-arm MACHINE=ARM ;;
*) fail "unknown ARCH $ARCH" && it_end && exit 1 ;;
esac
XBIN=$PVMON_ROOT/bin/$ARCH
STRIPPED=$PVMON_ROOT/build/$ARCH/stripped
# The target's loader and libc come from the multiarch packages (libc6:$ARCH) under /.
# Never -L /usr/$TRIPLET: its loader is the cross toolchain's build of glibc, and with the
# multiarch libc.so.6 of another build pthread_create spins forever.
QEMU_RUN="$QEMU -L /"

for p in pvmon-collector pvmon-allocator pvmon-sim; do
	check "$p is built for $ARCH" sh -c "$TRIPLET-readelf -h '$XBIN/$p' | grep -q 'Machine: *$MACHINE'"
	check "$p has a stripped copy" [ -s "$STRIPPED/$p" ]
	echo "size: $ARCH $p $(stat -c %s "$STRIPPED/$p") bytes stripped, $(stat -c %s "$XBIN/$p") with debug info"
done

out=$($QEMU_RUN "$XBIN/pvmon-collector" --check -c "$PVMON_ROOT/config/collector.json" 2>&1)
rc=$?
if echo "$out" | grep -q "not built yet"; then
	ok "the $ARCH collector runs under $QEMU"
	echo "skip - --check and --once under $QEMU (collector not built yet)"
	it_end
	exit $?
fi
check "the $ARCH collector accepts the example config under $QEMU (--check)" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || echo "$out"

# --once against the host simulator (every profile, SunSpec discovery included), summer noon.
start_broker
start_sim -c "$PVMON_ROOT/config/sim/profiles.json" --speed 0 --start 2019-06-21T12:30:00+08:00
A=$(sim_port st-a)
B=$(sim_port st-b)
C=$(sim_port st-c)
wait_port "$A" && wait_port "$B" && wait_port "$C" || fail "stations listen"
dev() { echo "{ \"id\": \"$1\", \"station\": \"$2\", \"unit\": $3, \"profile\": \"$4\", \"kind\": \"$5\" }"; }
buses="[
 { \"id\": \"a\", \"type\": \"tcp\", \"host\": \"127.0.0.1\", \"port\": $A, \"timeout_ms\": 1000, \"devices\": [
   $(dev huawei st-a 1 huawei-sun2000 inverter), $(dev sungrow st-a 2 sungrow-sg inverter),
   $(dev sunspec103 st-a 3 sunspec inverter), $(dev sunspec113 st-a 4 sunspec inverter),
   $(dev chint st-a 10 chint-dtsu666 meter) ] },
 { \"id\": \"b\", \"type\": \"tcp\", \"host\": \"127.0.0.1\", \"port\": $B, \"timeout_ms\": 1000, \"devices\": [
   $(dev sunspec101 st-b 1 sunspec inverter), $(dev acrel st-b 2 acrel-adw300 meter) ] },
 { \"id\": \"c\", \"type\": \"tcp\", \"host\": \"127.0.0.1\", \"port\": $C, \"timeout_ms\": 1000, \"devices\": [
   $(dev huawei st-c 1 huawei-sun2000 inverter), $(dev sunspec203 st-c 2 sunspec meter) ] } ]"
collector_conf "$IT_TMP/c.json" gw-arm 1000 "" "$buses"

start_sub sub 'pvmon/v1/gw-arm/#'
timeout -k 5 60 $QEMU_RUN "$XBIN/pvmon-collector" -c "$IT_TMP/c.json" --once 2>"$IT_TMP/once.log"
check "the $ARCH collector --once exits 0 under $QEMU" [ $? -eq 0 ]
wait_for 5 sh -c "[ \$(grep -c '/reading ' '$IT_TMP/sub.log') -ge 9 ]"
check "--once publishes one reading per device" [ "$(readings sub | wc -l)" -eq 9 ]
for d in "st-a huawei" "st-a sungrow" "st-a sunspec103" "st-a sunspec113" "st-a chint" \
	"st-b sunspec101" "st-b acrel" "st-c huawei" "st-c sunspec203"; do
	set -- $d
	e=$(grep "^pvmon/v1/gw-arm/$1/$2/reading " "$IT_TMP/sub.log" | head -1 | jnum energy_wh)
	check "$ARCH $1/$2: lifetime counter $e Wh is the simulator's" [ "$e" = "$(sim_val "$1" "$2" energy_wh)" ]
done

# guest_rss PID: kB resident in the guest's part of a qemu-user process. Guest memory is
# mapped below 1 TiB (guest addresses as they are); qemu's own code, heap and translation
# cache sit at the host's usual addresses far above.
guest_rss() {
	awk '/^[0-9a-f]+-[0-9a-f]+ / { split($1, r, "-"); low = (length(r[1]) <= 10) }
		/^Rss:/ && low { s += $2 } END { print s + 0 }' "/proc/$1/smaps"
}
# peak PID: VmHWM (peak resident set) of a process in kB.
peak() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

# The daemon for a few seconds under qemu, then natively on the same config (new gateway id).
collector_conf "$IT_TMP/d.json" gw-arm-d 500 "" "$buses"
bg daemon-arm $QEMU_RUN "$XBIN/pvmon-collector" -c "$IT_TMP/d.json"
ARM_PID=$LAST_PID
collector_conf "$IT_TMP/n.json" gw-native 500 "" "$buses"
bg daemon-native "$PVMON_BIN/pvmon-collector" -c "$IT_TMP/n.json"
NAT_PID=$LAST_PID
check "the $ARCH daemon connects to the broker under $QEMU" \
	wait_for 30 grep -q 'connected to broker' "$IT_TMP/daemon-arm.log"
sleep 5 # the measured work: ten polls of nine devices
arm_hwm=$(peak "$ARM_PID")
arm_guest=$(guest_rss "$ARM_PID")
nat_hwm=$(peak "$NAT_PID")
check "the $ARCH collector runs as a daemon under $QEMU" kill -0 "$ARM_PID"
check "the native collector runs as a daemon beside it" kill -0 "$NAT_PID"
echo "rss: $ARCH collector under $QEMU: VmHWM ${arm_hwm} kB (qemu and guest), guest mappings ${arm_guest} kB resident"
echo "rss: native $(uname -m) collector, same devices: VmHWM ${nat_hwm} kB"
stop "$ARM_PID"
stop "$NAT_PID"

it_end
