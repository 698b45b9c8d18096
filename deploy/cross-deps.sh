#!/bin/sh
# Installs what `make cross ARCH=...` needs: adds the foreign dpkg architecture when
# missing, then the cross compiler and the multiarch -dev packages (only those missing).
# If that fails, an architecture added here is removed again, so that a mirror without
# (or with a broken) index for it cannot break every later `apt-get update`.
arch=$1
shift
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
added=""
if [ "$arch" != "$(dpkg --print-architecture)" ] &&
	! dpkg --print-foreign-architectures | grep -qx "$arch"; then
	echo "deps: adding dpkg architecture $arch"
	$SUDO dpkg --add-architecture "$arch" || exit 1
	added=$arch
fi
sh tests/deps.sh "$@" && exit 0
if [ -n "$added" ]; then
	echo "deps: removing dpkg architecture $added again" >&2
	$SUDO dpkg --remove-architecture "$added" && $SUDO apt-get update -q >/dev/null 2>&1
fi
exit 1
