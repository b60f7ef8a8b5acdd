#!/bin/sh
# SPDX-License-Identifier: MIT
# libgpiod 2.x for the second GPIO build (make GPIOD=2): Debian 12 ships
# libgpiod 1.6, bookworm-backports has 2.x, and the two libgpiod-dev
# packages cannot be installed together.  So the 2.x packages are fetched
# with apt through a private configuration (backports is not in the
# machine's sources; the machine's apt state is left alone) and unpacked
# into a build folder, which the 2.x build compiles and links against.
#
#   scripts/gpiod2.sh [DEST]     DEST defaults to build/gpiod2/root
#
# Cached: once DEST holds the unpacked library, nothing is fetched.  The
# mirror is the one the machine's sources name (deb.debian.org otherwise).
set -eu

DEST=${1:-build/gpiod2/root}
ARCH=$(dpkg --print-architecture)
MULTIARCH=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
PC=usr/lib/$MULTIARCH/pkgconfig/libgpiod.pc

if [ -f "$DEST/$PC" ]; then
	exit 0
fi

mkdir -p "$DEST"
DEST=$(cd "$DEST" && pwd)
WORK=$(dirname "$DEST")/apt
mkdir -p "$WORK/lists/partial" "$WORK/archives/partial" "$WORK/debs"

# The machine's Debian mirror, from its deb822 or one-line sources.
MIRROR=$(sed -n 's/^URIs: *\(http[^ ]*\/debian\)$/\1/p; s/^deb \(http[^ ]*\/debian\) .*/\1/p' \
	/etc/apt/sources.list /etc/apt/sources.list.d/*.sources \
	/etc/apt/sources.list.d/*.list 2>/dev/null | head -n 1)
MIRROR=${MIRROR:-http://deb.debian.org/debian}

cat >"$WORK/sources.list" <<EOF
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR bookworm-backports main
EOF

APT="-o Dir::Etc::sourcelist=$WORK/sources.list -o Dir::Etc::sourceparts=-
-o Dir::State::Lists=$WORK/lists -o Dir::Cache::archives=$WORK/archives
-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
-o APT::Get::List-Cleanup=0 -o Debug::NoLocking=1
-o APT::Sandbox::User=root"

# shellcheck disable=SC2086
apt-get $APT -q update >/dev/null
# The newest 2.x the backports list has, for libgpiod-dev and its library.
VER=$(apt-cache $APT policy libgpiod-dev |
	sed -n 's/^ *Candidate: *//p')
case "$VER" in
2.*) ;;
*)
	echo "gpiod2.sh: bookworm-backports has no libgpiod-dev 2.x (found '$VER')" >&2
	exit 1
	;;
esac
LIB=$(apt-cache $APT show "libgpiod-dev=$VER" |
	sed -n 's/^Depends:.*\(libgpiod[0-9][0-9]*\) (= [^)]*).*/\1/p' | head -n 1)
LIB=${LIB:-libgpiod3}
echo "gpiod2.sh: libgpiod-dev $VER and $LIB ($ARCH) from $MIRROR"
cd "$WORK/debs"
# shellcheck disable=SC2086
apt-get $APT -q download "libgpiod-dev:$ARCH=$VER" "$LIB:$ARCH=$VER" >/dev/null
for deb in ./*.deb; do
	dpkg-deb -x "$deb" "$DEST"
done
# The .pc file names prefix=/usr: make it point into DEST.
sed -i "s|^prefix=.*|prefix=$DEST/usr|" "$DEST/$PC"
echo "gpiod2.sh: unpacked into $DEST"
