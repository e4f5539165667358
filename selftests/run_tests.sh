#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run mmuscope's selftests (in the guest), print their TAP output and one
# result line "# result: pass=N fail=N skip=N" for scripts/check to add up.
# usage: selftests/run_tests.sh [TEST...]   (default: every *_test)
cd "$(dirname "$0")" || exit 1
timeout=$(sed -n 's/^timeout=//p' settings)
tests=$*
[ -n "$tests" ] || tests=$(ls *_test 2>/dev/null)
pass=0 fail=0 skip=0
for t in $tests; do
	out=$(mktemp)
	echo "# === $t"
	t0=$(date +%s)
	timeout -k 5 "${timeout:-600}" "./$t" 2>&1 | tee "$out"
	echo "# === $t: $(( $(date +%s) - t0 )) s"
	tot=$(grep -a '^# Totals:' "$out" | tail -n 1)
	if [ -n "$tot" ]; then
		p=$(echo "$tot" | sed 's/.* pass:\([0-9]*\).*/\1/')
		f=$(echo "$tot" | sed 's/.* fail:\([0-9]*\).*/\1/')
		s=$(echo "$tot" | sed 's/.* skip:\([0-9]*\).*/\1/')
		e=$(echo "$tot" | sed 's/.* error:\([0-9]*\).*/\1/')
		pass=$((pass + p)); fail=$((fail + f + e)); skip=$((skip + s))
		# A harness that died after its last test still failed.
		planned=$(grep -a '^1\.\.' "$out" | head -n 1 | cut -c4-)
		done_=$(grep -acE '^(not )?ok [0-9]' "$out")
		if [ -n "$planned" ] && [ "$done_" -lt "$planned" ]; then
			echo "not ok - $t: ran $done_ of $planned tests"
			fail=$((fail + planned - done_))
		fi
	else
		echo "not ok - $t: crashed or timed out before its summary"
		fail=$((fail + 1))
	fi
	rm -f "$out"
done
echo "# result: pass=$pass fail=$fail skip=$skip"
[ "$fail" = 0 ]
