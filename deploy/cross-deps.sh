#!/bin/sh
# Installs what `make cross ARCH=...` needs: adds the foreign dpkg architecture when
# missing, then the cross compiler and the multiarch -dev packages (only those missing).
arch=$1
shift
if [ "$arch" != "$(dpkg --print-architecture)" ] &&
	! dpkg --print-foreign-architectures | grep -qx "$arch"; then
	SUDO=""
	[ "$(id -u)" -ne 0 ] && SUDO=sudo
	echo "deps: adding dpkg architecture $arch"
	$SUDO dpkg --add-architecture "$arch" || exit 1
fi
exec sh tests/deps.sh "$@"
