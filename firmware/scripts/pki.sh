#!/bin/sh
# SPDX-License-Identifier: MIT
# The keys that sign update bundles: a test CA and a signing certificate
# (extendedKeyUsage codeSigning, which RAUC checks with check-purpose =
# codesign), made once by openssl in the image cache, never in the
# repository.  The image trusts the CA (/etc/rauc/ca.cert.pem).  A site
# that signs its own bundles points RETOUR_PKI at a folder holding its
# ca.cert.pem, signing.cert.pem and signing.key.pem.
#   firmware/scripts/pki.sh       prints the folder
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
dir=${RETOUR_PKI:-$(image_cache)/pki}
if [ -f "$dir/signing.cert.pem" ]; then
	echo "$dir"
	exit 0
fi
[ -z "${RETOUR_PKI:-}" ] || die "RETOUR_PKI=$dir holds no signing.cert.pem"
command -v openssl >/dev/null || die "openssl is missing"
mkdir -p "$dir.new"
cd "$dir.new"
openssl req -x509 -newkey rsa:3072 -nodes -days 3650 -sha256 \
	-keyout ca.key.pem -out ca.cert.pem -subj "/O=retour test/CN=retour test update CA" \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
	2>/dev/null
openssl req -newkey rsa:3072 -nodes -sha256 -keyout signing.key.pem \
	-out signing.csr -subj "/O=retour test/CN=retour test bundle signer" 2>/dev/null
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n' >ext.cnf
openssl x509 -req -in signing.csr -CA ca.cert.pem -CAkey ca.key.pem -CAcreateserial \
	-days 3650 -sha256 -extfile ext.cnf -out signing.cert.pem 2>/dev/null
rm -f signing.csr ext.cnf ca.cert.srl
chmod 0600 ca.key.pem signing.key.pem
cd ..
mv "$dir.new" "$dir"
echo "image: made the test signing keys in $dir" >&2
echo "$dir"
