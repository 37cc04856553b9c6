#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkcert.sh: short-lived test certificates for the control protocol (ctl.h),
# made with the openssl CLI (ECDSA P-256). Not for production: README.md
# says how to make real ones.
#
#   mkcert.sh ca DIR                 a CA: DIR/ca.pem, DIR/ca.key
#   mkcert.sh cert DIR NAME ROLE DAYS [IP...]
#                                    DIR/NAME.pem (signed by DIR's CA) and
#                                    DIR/NAME.key (0600): CN NAME, a SAN URI
#                                    lbnl:ROLE (ROLE lb or agent; "none":
#                                    no role), a SAN IP per IP; valid DAYS
#                                    days (negative: expired that long ago)

set -e
umask 077
cmd=${1:?usage: mkcert.sh ca DIR | cert DIR NAME ROLE DAYS [IP...]}
dir=${2:?usage: mkcert.sh ca DIR | cert DIR NAME ROLE DAYS [IP...]}
mkdir -p "$dir"

case $cmd in
ca)
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$dir/ca.key" -out "$dir/ca.pem" -days 2 \
		-subj "/CN=lbnl test CA $$" 2>/dev/null
	chmod 644 "$dir/ca.pem"
	;;
cert)
	name=${3:?name}
	role=${4:?role}
	days=${5:?days}
	shift 5
	san=
	[ "$role" != none ] && san="URI:lbnl:$role"
	for ip in "$@"; do
		san="${san:+$san,}IP:$ip"
	done
	ext=$(mktemp)
	trap 'rm -f "$ext"' EXIT
	{
		echo "basicConstraints=critical,CA:FALSE"
		echo "keyUsage=critical,digitalSignature"
		echo "extendedKeyUsage=serverAuth,clientAuth"
		[ -n "$san" ] && echo "subjectAltName=$san"
	} > "$ext"
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$dir/$name.key" -out "$dir/$name.csr" \
		-subj "/CN=$name" 2>/dev/null
	openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" \
		-CAkey "$dir/ca.key" -CAcreateserial -days "$days" \
		-extfile "$ext" -out "$dir/$name.pem" 2>/dev/null
	rm -f "$dir/$name.csr"
	chmod 600 "$dir/$name.key"
	chmod 644 "$dir/$name.pem"
	;;
*)
	echo "mkcert.sh: unknown command '$cmd'" >&2
	exit 2
	;;
esac
