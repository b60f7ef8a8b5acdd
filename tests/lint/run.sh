#!/bin/sh
# SPDX-License-Identifier: MIT
# Self-test of scripts/lint-layers.py, run by `make lint`.  Each folder here
# is a small tree; its `expect` file says `pass` or `fail` on the first line,
# then lines that must appear in the checker's output.  The checker must
# also pass on the real tree (with its allowlists).
set -u
cd "$(dirname "$0")/../.."
checker="/usr/bin/python3 scripts/lint-layers.py"
failed=0
n=0
for dir in tests/lint/*/; do
	dir=${dir%/}
	n=$((n + 1))
	want=$(head -n 1 "$dir/expect")
	out=$($checker --no-allowlist "$dir" 2>&1)
	rc=$?
	case $want in
	pass) [ "$rc" -eq 0 ] || { echo "$dir: should pass, exit $rc:"; echo "$out"; failed=1; } ;;
	fail) [ "$rc" -eq 1 ] || { echo "$dir: should fail with 1, exit $rc:"; echo "$out"; failed=1; } ;;
	*) echo "$dir/expect: first line must be pass or fail"; failed=1 ;;
	esac
	tail -n +2 "$dir/expect" | while IFS= read -r line; do
		printf '%s\n' "$out" | grep -qF -- "$line" ||
			{ echo "$dir: missing from the output: $line"; echo "$out"; exit 1; }
	done || failed=1
done
$checker . >/dev/null || { echo "the real tree fails the checker"; failed=1; }
[ "$failed" -eq 0 ] && echo "lint-selftest: $n fixture trees and the real tree as expected"
exit "$failed"
