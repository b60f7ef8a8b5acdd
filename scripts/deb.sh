#!/bin/sh
# SPDX-License-Identifier: MIT
# The Debian package, made from a staged `make install` (make deb runs
# both; docs/PACKAGE.md says what is in it).  No debhelper: this does what
# its dh_strip, dh_compress, dh_installdocs, dh_shlibdeps, dh_gencontrol,
# dh_md5sums and dh_builddeb would, and dpkg-deb builds the archive.
#   scripts/deb.sh DEBARCH STAGE OUTDIR
# DEBARCH: amd64, arm64 or armhf; STAGE: the tree `make install
# DESTDIR=STAGE PREFIX=/usr` left; OUTDIR: where retour_VERSION_DEBARCH.deb
# goes.  STRIP names the architecture's strip (strip by default).
#
# The version is the top entry of packaging/deb/changelog; its upstream
# part must be VERSION's.  Depends: what dpkg-shlibdeps finds the binaries
# link (the board's libraries, from dpkg's database of that architecture:
# the cross builds' multiarch packages; cairo and libzip among them), and
# systemd, whose sysusers, tmpfiles and service manager the package uses,
# and fonts-dejavu-core, the dispute pack's font.
set -eu

if [ $# -ne 3 ]; then
	echo "usage: scripts/deb.sh DEBARCH STAGE OUTDIR" >&2
	exit 2
fi
arch=$1
stage=$(cd "$2" && pwd)
out=$(cd "$3" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
pkg=$top/packaging/deb
strip=${STRIP:-strip}

die() {
	echo "deb.sh: $*" >&2
	exit 1
}

case $arch in
amd64 | arm64 | armhf) ;;
*) die "unknown architecture '$arch' (amd64, arm64, armhf)" ;;
esac

version=$(dpkg-parsechangelog -l "$pkg/changelog" -S Version)
upstream=$(cat "$top/VERSION")
[ "${version%-*}" = "$upstream" ] ||
	die "packaging/deb/changelog's top entry is $version but VERSION" \
		"says $upstream: add a changelog entry for $upstream-1"
# file dates and the archive's own: the changelog entry's, so that the
# same tree gives the same package
SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -l "$pkg/changelog" -S Timestamp)
export SOURCE_DATE_EPOCH

for f in usr/bin/retourd usr/bin/retourctl etc/retour/retourd.conf \
	usr/lib/systemd/system/retourd.service \
	usr/lib/systemd/system/retour-backup.service \
	usr/lib/systemd/system/retour-backup.timer \
	usr/lib/sysusers.d/retour.conf usr/lib/tmpfiles.d/retour.conf \
	usr/share/man/man8/retourd.8 usr/share/man/man1/retourctl.1 \
	usr/share/man/man5/retour.conf.5; do
	[ -e "$stage/$f" ] || die "$stage/$f is missing: run make install first"
done
# the udev rules and the kiosk unit come with the systemd work
for f in usr/lib/udev/rules.d/60-retour.rules \
	usr/lib/systemd/system/retour-kiosk.service; do
	[ -e "$stage/$f" ] || echo "deb.sh: note: no /$f in this tree" >&2
done

# dh_strip: the debugging information and the compiler's notes out
for b in "$stage"/usr/bin/*; do
	"$strip" --remove-section=.comment --remove-section=.note "$b"
done

# dh_installdocs and dh_compress: man pages and documents at gzip -9n
find "$stage/usr/share/man" -type f ! -name '*.gz' -exec gzip -9nf {} +
doc=$stage/usr/share/doc/retour
install -d "$doc/connectors"
install -m 0644 "$pkg/copyright" "$doc/copyright"
gzip -9nc "$pkg/changelog" >"$doc/changelog.Debian.gz"
for d in API.md PACKAGE.md INSTALL.md; do
	[ -e "$top/docs/$d" ] && gzip -9nc "$top/docs/$d" >"$doc/$d.gz"
done
for d in "$top"/docs/connectors/*.md; do
	gzip -9nc "$d" >"$doc/connectors/$(basename "$d").gz"
done

# one set of modes whatever the umask; owners are root's (dpkg-deb)
find "$stage" -type d -exec chmod 0755 {} +
find "$stage" -type f -exec chmod 0644 {} +
chmod 0755 "$stage"/usr/bin/*

# dh_shlibdeps: the libraries' packages of this architecture
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/debian"
printf 'Source: retour\n\nPackage: retour\nArchitecture: any\n' \
	>"$tmp/debian/control"
shlibs=$(cd "$tmp" && dpkg-architecture -f -a"$arch" -c \
	dpkg-shlibdeps -O -e"$stage/usr/bin/retourd" \
	-e"$stage/usr/bin/retourctl" 2>"$tmp/shlibdeps.err") || {
	cat "$tmp/shlibdeps.err" >&2
	die "dpkg-shlibdeps failed: are the $arch libraries installed" \
		"(make deps ARCH=...)?"
}
shlibs=${shlibs#shlibs:Depends=}
[ -n "$shlibs" ] || die "dpkg-shlibdeps found no library"
# fonts-dejavu-core: the dispute pack's PDF is set in DejaVu Sans, found
# through fontconfig at run time (no library links it)
depends="$shlibs, systemd, fonts-dejavu-core"

# the maintainer scripts: every unit the package has; the daemon's
# enabled; udev asked again for the subsystems the rules match
units=$(cd "$stage/usr/lib/systemd/system" &&
	LC_ALL=C ls -- *.service *.timer 2>/dev/null | tr '\n' ' ')
units=${units% }
rules=$stage/usr/lib/udev/rules.d/60-retour.rules
subsystems=
if [ -e "$rules" ]; then
	# SUBSYSTEM=="input|tty": each of the alternatives
	subsystems=$(grep -o 'SUBSYSTEM=="[^"]*"' "$rules" |
		sed 's/^SUBSYSTEM=="\(.*\)"$/\1/' | tr '|' '\n' | sort -u |
		sed 's/^/--subsystem-match=/' | tr '\n' ' ')
	[ -n "$subsystems" ] || die "$rules matches no SUBSYSTEM"
fi
install -d "$stage/DEBIAN"
for s in postinst prerm postrm; do
	sed -e "s|@UNITS@|$units|g" -e "s|@ENABLE_UNITS@|retourd.service|g" \
		-e "s|@UDEV_SUBSYSTEMS@|${subsystems% }|g" \
		"$pkg/$s" >"$stage/DEBIAN/$s"
	chmod 0755 "$stage/DEBIAN/$s"
done

# dh_installdeb: what is under /etc is the site's to change
(cd "$stage" && find etc -type f -printf '/%p\n' | LC_ALL=C sort) \
	>"$stage/DEBIAN/conffiles"

# dh_md5sums: every file but the conffiles, which dpkg sums itself
(cd "$stage" && find . -type f ! -path './DEBIAN/*' ! -path './etc/*' \
	-printf '%P\n' | LC_ALL=C sort | xargs -d '\n' md5sum) \
	>"$stage/DEBIAN/md5sums"

# dh_gencontrol: Installed-Size as dpkg-gencontrol counts it (KiB per
# file, rounded up, and one for each directory and link)
size=$(cd "$stage" && find . -mindepth 1 ! -path './DEBIAN' \
	! -path './DEBIAN/*' -printf '%y %s\n' |
	awk '$1 == "f" { t += int(($2 + 1023) / 1024); next } { t++ }
	END { print t }')
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" \
	-e "s|@INSTALLED_SIZE@|$size|" -e "s|@DEPENDS@|$depends|" \
	"$pkg/control.in" >"$stage/DEBIAN/control"
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/conffiles" \
	"$stage/DEBIAN/md5sums"
find "$stage" -newermt "@$SOURCE_DATE_EPOCH" \
	-exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

deb=$out/retour_${version}_$arch.deb
rm -f "$out"/retour_*_"$arch".deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "deb.sh: $deb ($(stat -c %s "$deb") bytes, Installed-Size $size KiB)"
echo "deb.sh: Depends: $depends"
