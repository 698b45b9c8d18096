#!/bin/sh
# Installs (or uninstalls) pvmon under DESTDIR/PREFIX for `make install` / `make uninstall`.
# Never touches /etc: configuration examples go to share/pvmon, the operator copies them.
# Environment: BIN (built programs), DESTDIR, BINDIR, DATADIR, DOCDIR, UNITDIR, SYSUSERSDIR.
set -e
mode=${1:-install}
: "${BIN:=bin}" "${BINDIR:?}" "${DATADIR:?}" "${DOCDIR:?}" "${UNITDIR:?}" "${SYSUSERSDIR:?}"
D=${DESTDIR:-}
progs="pvmon-collector pvmon-allocator pvmon-sim"
units="pvmon-collector.service pvmon-ingest.service pvmon-serve.service"

# files_of DIR PATTERN: the names (not paths) of the files in DIR matching PATTERN, sorted.
files_of() {
	for f in "$1"/$2; do [ -f "$f" ] && basename "$f"; done
	return 0
}

if [ "$mode" = uninstall ]; then
	for p in $progs; do rm -f "$D$BINDIR/$p"; done
	for u in $units; do rm -f "$D$UNITDIR/$u"; done
	rm -f "$D$SYSUSERSDIR/pvmon.conf"
	rm -rf "$D$DATADIR" "$D$DOCDIR"
	exit 0
fi

install -d "$D$BINDIR" "$D$DATADIR/profiles" "$D$DATADIR/mosquitto" "$D$DATADIR/rabbitmq" \
	"$D$DATADIR/logrotate" "$D$DOCDIR" "$D$UNITDIR" "$D$SYSUSERSDIR"
for p in $progs; do install -m 0755 "$BIN/$p" "$D$BINDIR/$p"; done

# Examples and profiles: a relative "profiles_dir" in an example resolves to share/pvmon/profiles.
for f in $(files_of config '*.json'); do install -m 0644 "config/$f" "$D$DATADIR/$f"; done
for f in $(files_of config/profiles '*.json'); do
	install -m 0644 "config/profiles/$f" "$D$DATADIR/profiles/$f"
done
for f in pvmon.conf pvmon.acl region-bridge.conf; do
	install -m 0644 "deploy/mosquitto/$f" "$D$DATADIR/mosquitto/$f"
done
# the central broker as a RabbitMQ cluster behind haproxy (docs/scale.md)
for f in rabbitmq.conf haproxy.cfg; do install -m 0644 "deploy/rabbitmq/$f" "$D$DATADIR/rabbitmq/$f"; done
install -m 0644 deploy/logrotate/pvmon "$D$DATADIR/logrotate/pvmon"
install -m 0644 deploy/sysusers.d/pvmon.conf "$D$SYSUSERSDIR/pvmon.conf"

# Units name the installed paths (DESTDIR is a staging root, not part of them).
for u in $units; do
	sed -e "s|@BINDIR@|$BINDIR|g" -e "s|@DOCDIR@|$DOCDIR|g" "deploy/systemd/$u.in" >"$D$UNITDIR/$u.tmp"
	chmod 0644 "$D$UNITDIR/$u.tmp"
	mv "$D$UNITDIR/$u.tmp" "$D$UNITDIR/$u"
done

install -m 0644 README.md "$D$DOCDIR/README.md"
for f in $(files_of docs '*.md'); do install -m 0644 "docs/$f" "$D$DOCDIR/$f"; done
