#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# reader_test: the mmuscope reader (userspace/mmuscope), TAP output with a
# kselftest "# Totals:" line.  Part 1 runs anywhere against a fake debugfs
# tree in the README.md debugfs formats (MMUSCOPE_DEBUGFS); part 2 runs as root
# in a guest against the real module, with the kernel's own views
# (/proc/PID/pagemap, smaps, getrusage, uname) as the oracles.  JSON goes
# through python3's json module, Prometheus text through prometheus_client.
# usage: reader_test [-v] [--lockdown | --host]  (installed as selftests/reader_test)
# --lockdown loads the module, raises kernel lockdown to integrity (or to
# $MMUSCOPE_LOCKDOWN, e.g. confidentiality; it cannot be lowered again
# before a reboot: run it last in a guest) and runs every real case that
# needs no module load or unload, through the reader's fallback to the
# module's parameters and .ro files.
# --host runs only the kernel-independent cases: the reader against the
# fake tree, and the fault-site views (symbols against binutils,
# fault_vmas parsing, heatmap and report on the fake tree). make check
# runs them once on the host, not in every guest: a guest skips the
# fake-tree cases when MMUSCOPE_HOST_TESTED is the SHA-256 of its reader
# (the same binary), and never runs the fault-site ones.
# MMUSCOPE_READER, MMUSCOPE_WORKLOAD and MMUSCOPE_PYTHON name the reader, the
# workload and python3 to use (MMUSCOPE_SYMWL the --by sym workload);
# MMUSCOPE_REPORT_OUT=DIR keeps a real report.html and report.json there
# for the host's browser check (scripts/check, selftests/check_report.py); a cross build (make -C selftests arm64) sets
# them in reader_test.env next to this script.

cd "$(dirname "$0")" || exit 1
TOP=$(cd .. && pwd)
# shellcheck source=/dev/null
[ -f ./reader_test.env ] && . ./reader_test.env
MMU=${MMUSCOPE_READER:-$TOP/userspace/mmuscope}
WL=${MMUSCOPE_WORKLOAD:-$TOP/userspace/demo-workload}
KO=${MMUSCOPE_KO:-$TOP/module/mmuscope.ko}
PY=${MMUSCOPE_PYTHON:-/usr/bin/python3}
SYMWL=${MMUSCOPE_SYMWL:-$(pwd)/sym_workload}
ROOT=/sys/kernel/debug/mmuscope
VERBOSE=0 LOCKDOWN=0 HOST=0
for a in "$@"; do
	case "$a" in
	-v) VERBOSE=1 ;;
	--lockdown) LOCKDOWN=1 ;;
	--host) HOST=1 ;;
	*) echo "usage: reader_test [-v] [--lockdown | --host]" >&2; exit 2 ;;
	esac
done
PARAMS=/sys/module/mmuscope/parameters
# --lockdown's level: integrity (Secure Boot's) or confidentiality.
LEVEL=${MMUSCOPE_LOCKDOWN:-integrity}
T=$(mktemp -d /tmp/reader_test.XXXXXX) || exit 1
FAKE=$T/fake
n=0 pass=0 fail=0 skip=0
HAVE_PY="" HAVE_PROM=""
WLPID= WLOUT=$T/wl.out

cleanup() {
	[ -n "$WLPID" ] && kill "$WLPID" 2>/dev/null && wait "$WLPID" 2>/dev/null
	[ -d /sys/module/mmuscope ] && [ "$(id -u)" = 0 ] && "$MMU" unload >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT

# run_case NAME: runs tc_NAME; 0 pass, 4 skip ($why), else fail ($why).
run_case() {
	n=$((n + 1))
	why=
	t0=$(date +%s)
	# Not "tc_$1 >log": dash runs a redirected function in a subshell,
	# and the cases share state (the workload's pid).
	exec 3>&1 4>&2 >"$T/log" 2>&1
	"tc_$1"
	rc=$?
	exec 1>&3 2>&4 3>&- 4>&-
	echo "# $1: $(($(date +%s) - t0)) s"
	if [ $rc = 0 ]; then
		pass=$((pass + 1))
		echo "ok $n $1"
	elif [ $rc = 4 ]; then
		skip=$((skip + 1))
		echo "ok $n $1 # SKIP $why"
	else
		fail=$((fail + 1))
		echo "not ok $n $1${why:+ # $why}"
		sed 's/^/#   /' "$T/log"
	fi
	[ $VERBOSE = 1 ] && [ $rc = 0 ] && sed 's/^/#   /' "$T/log"
	return 0
}

die_case() {
	why=$*
	echo "FAIL: $*"
	echo "--- stdout"
	head -c 3000 "$T/out" 2>/dev/null
	echo "--- stderr"
	head -c 2000 "$T/err" 2>/dev/null
	return 1
}
skip_case() { why=$*; return 4; }

# mmu ARGS: run the reader, leave stdout in $T/out, stderr in $T/err, rc in $rc.
mmu() {
	"$MMU" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	echo "\$ mmuscope $* -> $rc"
	return 0
}

expect_rc() {
	[ "$rc" = "$1" ] || die_case "exit status $rc, expected $1"
}

# Asked once: a python3 start takes seconds in a TCG guest.
have_py() {
	if [ -z "$HAVE_PY" ]; then
		HAVE_PY=0
		[ -x "$PY" ] && "$PY" -c 'import json' 2>/dev/null && HAVE_PY=1
	fi
	[ "$HAVE_PY" = 1 ]
}
have_prom() {
	if [ -z "$HAVE_PROM" ]; then
		HAVE_PROM=0
		have_py && "$PY" -c 'import prometheus_client.parser' 2>/dev/null && HAVE_PROM=1
	fi
	[ "$HAVE_PROM" = 1 ]
}

# py SCRIPT FILE...: a python3 assertion script; non-zero on failure.
py() {
	script=$1
	shift
	"$PY" -c "$script" "$@"
}

# ---------------------------------------------------------------- fake tree

make_fake() {
	mkdir -p "$FAKE/4242"
	cat >"$FAKE/version" <<'EOF'
# mmuscope version format=1
version=0.1.0 arch=x86_64 levels=4 page_size=4096 kernel=6.1.0-fake
EOF
	printf '4242\n' >"$FAKE/targets"
	cat >"$FAKE/4242/maps" <<'EOF'
# mmuscope maps format=1
start=0x555555554000 end=0x555555556000 pages=2 pagesize=4K level=pte pfn=0x1a2b3 flags=r,u,a raw=0x80000001a2b3025 vma=/usr/bin/demo backing=file
start=0x555555556000 end=0x555555557000 pages=1 pagesize=4K level=pte pfn=0x1a2b5 flags=r,x,u,a raw=0x1a2b5025 vma=/usr/bin/demo backing=file
start=0x7f0000000000 end=0x7f0000400000 pages=2 pagesize=2M level=pmd pfn=0x200000 flags=r,w,u,a,d,h raw=0x80000002000008e7 vma=anon backing=anon
start=0x7f0000400000 end=0x7f0000402000 pages=2 pagesize=4K level=pte swap=1:0x2a flags=u raw=0x2a02 vma=anon backing=anon
start=0x7f0000500000 end=0x7f0000501000 pages=1 pagesize=4K level=pte pfn=0x2f510 flags=r,u,a,sp raw=0x800000002f510225 vma=anon backing=anon
start=0x7f0000501000 end=0x7f0000502000 pages=1 pagesize=4K level=pte pfn=0x2f510 flags=r,u,a,sp raw=0x800000002f510225 vma=anon backing=anon
start=0x7f0000502000 end=0x7f0000503000 pages=1 pagesize=4K level=pte pfn=0x2f510 flags=r,u,a,sp raw=0x800000002f510225 vma=anon backing=anon
start=0x7ffc00000000 end=0x7ffc00003000 pages=3 pagesize=4K level=pte pfn=0x3000 flags=r,w,u,a,d raw=0x8000000003000867 vma=[stack] backing=anon
EOF
	cat >"$T/translate.tpl" <<'EOF'
# mmuscope translate format=1
level=pgd index=254 entry=0x000000010a3c5067 flags=r,w,u,a
level=p4d folded=1
level=pud index=0 entry=0x000000010a3c6067 flags=r,w,u,a
level=pmd index=0 entry=0x80000002000008e7 flags=r,w,u,a,d,h
va=0x7f0000000123 pa=0x200000123 pagesize=2M level=pmd flags=r,w,u,a,d,h vma=anon backing=anon
EOF
	cat >"$FAKE/4242/summary" <<'EOF'
# mmuscope summary format=1
levels=4 vmas=4 vma_bytes=8413184
present_4k=5 present_2m=2 present_1g=0 present_pages=1029 present_bytes=4214784
swapped=2 migration=0 device=0 hwpoison=0 marker=0 nonpresent_other=0
anon=1026 file=3 special=0 accessed=1029 dirty=1027 softdirty=0 protnone=0 writable=1027
pt_pgd=1 pt_p4d=0 pt_pud=2 pt_pmd=2 pt_pte=3 pt_deposited=2 pt_pages=10 pt_bytes=40960
thp_candidates=1 tlb_entries_saved=511 future_key=7
EOF
	cat >"$FAKE/4242/fault_stats" <<'EOF'
# mmuscope fault_stats format=1
class=all count=1500 sum_ns=3000000 min_ns=300 max_ns=90000 p50_ns=1500 p90_ns=3000 p99_ns=20000
class=minor count=1490 sum_ns=2500000 min_ns=300 max_ns=40000 p50_ns=1400 p90_ns=2900 p99_ns=15000
class=major count=10 sum_ns=500000 min_ns=20000 max_ns=90000 p50_ns=45000 p90_ns=80000 p99_ns=90000
class=sigsegv count=0 sum_ns=0 min_ns=0 max_ns=0 p50_ns=0 p90_ns=0 p99_ns=0
class=write count=900 sum_ns=1800000 min_ns=400 max_ns=30000 p50_ns=1600 p90_ns=3100 p99_ns=21000
class=cow count=0 sum_ns=0 min_ns=0 max_ns=0 p50_ns=0 p90_ns=0 p99_ns=0
tracing=on entry=tracepoint lost=0 nmissed=0 unpaired=0 nested=0 slot_overflow=0
EOF
	cat >"$FAKE/4242/fault_hist" <<'EOF'
# mmuscope fault_hist format=1
class=all lo_ns=256 hi_ns=288 count=100
class=all lo_ns=1024 hi_ns=1152 count=900
class=all lo_ns=2048 hi_ns=2304 count=490
class=all lo_ns=65536 hi_ns=73728 count=10
class=minor lo_ns=256 hi_ns=288 count=100
class=minor lo_ns=1024 hi_ns=1152 count=900
class=minor lo_ns=2048 hi_ns=2304 count=490
class=major lo_ns=65536 hi_ns=73728 count=10
class=write lo_ns=1024 hi_ns=1152 count=900
EOF
	cat >"$FAKE/4242/faults" <<'EOF'
ts_ns=1000 cpu=0 pid=4242 tid=4242 comm=demo va=0x7f0000000000 ip=0x555555555123 err=0x6 class=all,minor,write,user,not_present,anon,first_touch lat_ns=1500 handler_ns=1200
lost=3
ts_ns=2000 cpu=1 pid=4242 tid=4243 comm=demo-thr va=0x7f0000001000 ip=0x555555555130 err=0x4 class=all,minor,read,user,not_present,anon,first_touch lat_ns=900 handler_ns=800
ts_ns=3000 cpu=0 pid=4242 tid=4242 comm=demo va=0x7f0000002000 ip=0x555555555140 err=0x7 class=all,minor,write,user,protection,anon,cow lat_ns=2100 handler_ns=2000
EOF
}

# The fake translate file: a FIFO whose server takes the address written,
# then serves the walk to the next reader.
serve_translate() {
	rm -f "$FAKE/4242/translate"
	mkfifo "$FAKE/4242/translate"
	( cat "$FAKE/4242/translate" >"$T/written"; cat "${1:-$T/translate.tpl}" >"$FAKE/4242/translate" ) &
}

tc_help_everywhere() {
	mmu --help; expect_rc 0 || return 1
	grep -q 'commands:' "$T/out" || die_case "no command list" || return 1
	mmu maps -h; expect_rc 0 || return 1
	for c in load unload status targets maps translate summary faults run prom check report; do
		mmu $c --help; expect_rc 0 || return 1
		grep -q "usage: mmuscope $c" "$T/out" || die_case "$c --help" || return 1
	done
}

tc_usage_errors() {
	for args in "" "nosuchcmd" "maps" "maps 12x" "maps -- -5" "maps 0" "maps 1 2" \
		    "maps --bogus 1" "translate 4242" "translate 4242 zz" "translate 4242 12ab" \
		    "translate 4242 0x" "faults 1 --interval 0" "faults 1 --interval x" \
		    "faults 1 --stream --hist" "faults 1 --count 3" "run" "prom abc" \
		    "load --pid nope" "load a.ko b.ko" "status extra" "--color=pink status" \
		    "check" "maps 99999999999999999999"; do
		# shellcheck disable=SC2086
		mmu $args
		[ "$rc" = 2 ] || die_case "'mmuscope $args' exited $rc, expected 2" || return 1
		[ -s "$T/out" ] && die_case "'mmuscope $args' wrote to stdout" && return 1
		[ -s "$T/err" ] || die_case "'mmuscope $args' said nothing" || return 1
	done
	return 0
}

tc_json_errors_on_stderr() {
	have_py || { skip_case "python3 not available (busybox-only guest)"; return; }
	MMUSCOPE_DEBUGFS=$FAKE mmu -j maps 4243
	expect_rc 1 || return 1
	[ -s "$T/out" ] && die_case "stdout not empty" && return 1
	py 'import json,sys
for l in open(sys.argv[1]):
    assert "error" in json.loads(l) or "hint" in json.loads(l)' "$T/err" ||
		die_case "stderr is not JSON lines"
}

tc_fake_not_a_target() {
	MMUSCOPE_DEBUGFS=$FAKE mmu maps 4243
	expect_rc 1 || return 1
	grep -q 'not a target' "$T/err" || die_case "no 'not a target' message"
}

tc_fake_maps_raw_is_verbatim() {
	MMUSCOPE_DEBUGFS=$FAKE mmu maps 4242 --raw
	expect_rc 0 || return 1
	cmp "$T/out" "$FAKE/4242/maps" || die_case "--raw differs from the module's lines"
}

tc_fake_maps_table() {
	MMUSCOPE_DEBUGFS=$FAKE mmu --color=never maps 4242 --runs
	expect_rc 0 || return 1
	grep -q '^/usr/bin/demo  (file)$' "$T/out" || die_case "no VMA group header" || return 1
	grep -q '0x200000-0x2003ff' "$T/out" || die_case "2M run PFN range" || return 1
	grep -q 'swap 1:0x2a' "$T/out" || die_case "swap entry" || return 1
	grep -q '2x2M' "$T/out" || die_case "page count x size" || return 1
	grep -Eq '^  00007f0000500000 00007f0000503000 +12K +3x4K pte  0x2f510 \(same page\) +r,u,a,sp$' "$T/out" ||
		die_case "repeated zero page not on one line" || return 1
	grep -q 'present 4\.0*M' "$T/out" ||
		die_case "totals" || return 1
	grep -q "$(printf '\033')" "$T/out" && die_case "colour escape codes when not a tty" && return 1
	MMUSCOPE_DEBUGFS=$FAKE mmu --color=always maps 4242 --runs
	grep -q "$(printf '\033')\[" "$T/out" || die_case "--color=always gave no colour" || return 1
	# Filters on the runs: an address range, a VMA name.
	MMUSCOPE_DEBUGFS=$FAKE mmu --color=never maps 4242 --runs --addr 0x7f0000400000-0x7f0000502000
	expect_rc 0 || return 1
	grep -q 'swap 1:0x2a' "$T/out" && grep -q '2x4K pte  0x2f510 (same page)' "$T/out" ||
		die_case "--addr: runs in the range missing" || return 1
	grep -q 'stack\|0x200000' "$T/out" && die_case "--addr: runs outside the range" && return 1
	MMUSCOPE_DEBUGFS=$FAKE mmu --color=never maps 4242 --runs --vma stack
	[ "$(grep -c '^  0000' "$T/out")" = 1 ] || die_case "--vma stack: not one run"
}

# Item 7: one row per VMA by default (here from the runs' names: a fake
# tree has no /proc/PID/maps), with RSS by page size, swap, huge share.
tc_fake_maps_vmas() {
	MMUSCOPE_DEBUGFS=$FAKE mmu --color=never maps 4242
	expect_rc 0 || return 1
	grep -q '^START .* RSS .* 4K .* 2M .*ACCESSD .*DIRTY .*SWAP .*HUGE .*PTE-TBL  NAME' "$T/out" ||
		die_case "no per-VMA header" || return 1
	[ "$(grep -c '^0000' "$T/out")" = 3 ] || die_case "not 3 VMA rows" || return 1
	# anon: 4M in 2M pages (all huge), 8K swapped, the zero page not in RSS.
	grep -Eq '^00007f0000000000 00007f0000503000 .* 4M +- +4M +4M +4M +8K +100% .* anon$' "$T/out" ||
		die_case "anon row" || return 1
	grep -Eq '^total .* 3 VMAs$' "$T/out" || die_case "total row" || return 1
	MMUSCOPE_DEBUGFS=$FAKE mmu --color=never maps 4242 --addr 0x7ffc00001000
	[ "$(grep -c '^0000' "$T/out")" = 1 ] && grep -q '\[stack\]$' "$T/out" || die_case "--addr ADDR" || return 1
	MMUSCOPE_DEBUGFS=$FAKE mmu --color=never maps 4242 --vma demo
	[ "$(grep -c '^0000' "$T/out")" = 1 ] && grep -q 'demo$' "$T/out" || die_case "--vma NAME" || return 1
	MMUSCOPE_DEBUGFS=$FAKE mmu maps 4242 --addr 12-3
	[ "$rc" = 2 ] || die_case "--addr 12-3 accepted" || return 1
	# A module with <pid>/vmas: its rollup, no run summed up here.
	mkdir -p "$FAKE/4245"
	cat >"$FAKE/4245/vmas" <<'EOF2'
# mmuscope vmas format=1
start=0x400000 end=0x800000 perms=rw-p vma=anon backing=anon rss_4k=8192 rss_2m=2097152 rss_1g=0 accessed=2105344 dirty=4096 swapped=12288 special=4096 pte_tables=1
start=0x7ffc00000000 end=0x7ffc00003000 perms=rw-p vma=[stack] backing=anon rss_4k=12288 rss_2m=0 rss_1g=0 accessed=12288 dirty=12288 swapped=0 special=0 pte_tables=1
EOF2
	MMUSCOPE_DEBUGFS=$FAKE mmu --color=never maps 4245
	rm -rf "$FAKE/4245"
	expect_rc 0 || return 1
	grep -Eq '^0000000000400000 0000000000800000 rw-p +4M +2.0M +8K +2M +- +2.0M +4K +12K +100% +4K  anon$' "$T/out" ||
		die_case "vmas row" || return 1
	[ "$(grep -c '^0000' "$T/out")" = 2 ] || die_case "not 2 rows from vmas"
}

tc_fake_maps_json() {
	have_py || { skip_case "python3 not available (busybox-only guest)"; return; }
	MMUSCOPE_DEBUGFS=$FAKE mmu -j maps 4242
	expect_rc 0 || return 1
	py 'import json,sys
d=json.load(open(sys.argv[1]))
v={x["name"]:x for x in d["vmas"]}
a=v["anon"]
assert a["rss_by_pagesize"]["2M"]==4<<20 and a["swapped_bytes"]==0x2000 and a["special_bytes"]==0x3000, a
assert a["huge_bytes"]==4<<20 and v["[stack]"]["dirty_bytes"]==0x3000, v' "$T/out" || die_case "per-VMA JSON" || return 1
	MMUSCOPE_DEBUGFS=$FAKE mmu -j maps 4242 --runs
	expect_rc 0 || return 1
	py 'import json,sys
d=json.load(open(sys.argv[1]))
assert d["pid"]==4242
r=d["runs"]; assert len(r)==8, r
assert r[2]["pagesize"]=="2M" and r[2]["pfn"]=="0x200000" and r[2]["pages"]==2
assert r[3]["swap"]=="1:0x2a"
t=d["totals"]
assert t["present_bytes"]==0x3000+0x400000+0x3000+0x3000, t
assert t["swapped_bytes"]==0x2000
assert t["present_pages"]=={"4K":9,"2M":2}, t' "$T/out" || die_case "maps JSON content"
}

tc_fake_translate_tree() {
	serve_translate
	MMUSCOPE_DEBUGFS=$FAKE mmu --color=never translate 4242 0x7f0000000123
	wait
	expect_rc 0 || return 1
	[ "$(cat "$T/written")" = 0x7f0000000123 ] || die_case "wrote '$(cat "$T/written")'" || return 1
	grep -q '^pgd  index 254' "$T/out" || die_case "pgd line" || return 1
	grep -q 'p4d *(folded)' "$T/out" || die_case "folded p4d" || return 1
	grep -q '└─ pa 0x0000000200000123  (2M page, offset 0x123)' "$T/out" || die_case "pa line"
}

tc_fake_translate_json() {
	have_py || { skip_case "python3 not available (busybox-only guest)"; return; }
	serve_translate
	MMUSCOPE_DEBUGFS=$FAKE mmu translate -j 4242 1234
	wait
	expect_rc 0 || return 1
	[ "$(cat "$T/written")" = 0x4d2 ] || die_case "decimal address written as '$(cat "$T/written")'" || return 1
	py 'import json,sys
d=json.load(open(sys.argv[1]))
assert d["va"]=="0x4d2"
assert [l["level"] for l in d["levels"]]==["pgd","p4d","pud","pmd"]
assert d["levels"][1]["folded"]==1
assert d["pa"]=="0x200000123" and d["pagesize"]=="2M"' "$T/out" || die_case "translate JSON"
}

tc_fake_summary() {
	MMUSCOPE_DEBUGFS=$FAKE mmu --color=never summary 4242
	expect_rc 0 || return 1
	grep -Eq '^  present +1029 +4.0M +100.0%' "$T/out" || die_case "present pages" || return 1
	grep -Eq '^    in 2 2M entries +1024 +4(\.0)?M +99.5%' "$T/out" || die_case "2M entries" || return 1
	grep -q '1G entries' "$T/out" && die_case "empty 1G line" && return 1
	grep -Eq '^  p4d +folded' "$T/out" || die_case "folded p4d" || return 1
	grep -Eq '^  pte +3 +12K' "$T/out" || die_case "pte tables" || return 1
	grep -Eq '^  total +10 +40K +0.97% of present memory' "$T/out" || die_case "page-table total" || return 1
	# Item 6: the rows add up to the total (deposited tables have a row),
	# and what would be saved are leaf entries, not TLB entries.
	grep -Eq '^  pte, deposited +2 +8K' "$T/out" || die_case "no deposited row" || return 1
	grep -Eq '^  as VmPTE counts +36K' "$T/out" || die_case "no VmPTE line" || return 1
	grep -q 'OTHER' "$T/out" && grep -q 'pt_deposited' "$T/out" && die_case "pt_deposited under OTHER" && return 1
	grep -q 'with 1 PMD entry instead of 512 PTEs' "$T/out" || die_case "THP candidates wording" || return 1
	grep -q 'TLB entries' "$T/out" && die_case "still 'TLB entries'" && return 1
	grep -Eq '^  future_key +7' "$T/out" || die_case "unknown key not shown"
}

tc_fake_summary_json() {
	have_py || { skip_case "python3 not available (busybox-only guest)"; return; }
	MMUSCOPE_DEBUGFS=$FAKE mmu summary 4242 --json
	expect_rc 0 || return 1
	py 'import json,sys
d=json.load(open(sys.argv[1]))
assert d["pid"]==4242 and d["present_pages"]==1029 and d["thp_candidates"]==1
assert d["pt_pte"]==3 and d["future_key"]==7' "$T/out" || die_case "summary JSON"
}

tc_fake_faults() {
	MMUSCOPE_DEBUGFS=$FAKE mmu --color=never faults 4242
	expect_rc 0 || return 1
	grep -q '1500 page faults' "$T/out" || die_case "total" || return 1
	grep -Eq '^major +10 +50.0us +20.0us +45.0us +80.0us +90.0us +90.0us' "$T/out" ||
		die_case "major row" || return 1
	grep -q '^sigsegv' "$T/out" && die_case "empty class shown" && return 1
	grep -q 'tracer: tracing=on entry=tracepoint' "$T/out" || die_case "tracer line" || return 1
	MMUSCOPE_DEBUGFS=$FAKE mmu --color=never faults 4242 --hist --class write
	grep -q 'class = write' "$T/out" && ! grep -q 'class = all' "$T/out" ||
		die_case "--class write" || return 1
	MMUSCOPE_DEBUGFS=$FAKE mmu --color=never faults 4242 --hist
	expect_rc 0 || return 1
	grep -q 'class = major' "$T/out" || die_case "hist class" || return 1
	# Power-of-two buckets, empty ones between first and last included.
	grep -Eq ' 256 -> 511 +: 100 +\|\*{5} {35}\|' "$T/out" || die_case "scaled bar" || return 1
	grep -Eq ' 512 -> 1023 +: 0 +\| {40}\|' "$T/out" || die_case "empty bucket row" || return 1
	grep -Eq ' 1024 -> 2047 +: 900 +\|\*{40}\|' "$T/out" || die_case "full bar for the largest bucket" || return 1
	grep -Eq ' 65536 -> 131071 +: 10 ' "$T/out" || die_case "last bucket" || return 1
	MMUSCOPE_DEBUGFS=$FAKE mmu --color=never faults 4242 --hist --fine
	grep -Eq '1024 -> 1152 +: 900 +\|\*{40}\|' "$T/out" || die_case "--fine: the module's buckets" || return 1
	grep -Eq '256 -> 288 +: 100 +\|\*{5} {35}\|' "$T/out" || die_case "--fine: scaled bar"
}

tc_fake_faults_json() {
	have_py || { skip_case "python3 not available (busybox-only guest)"; return; }
	MMUSCOPE_DEBUGFS=$FAKE mmu -j faults 4242 --hist
	expect_rc 0 || return 1
	py 'import json,sys
d=json.load(open(sys.argv[1]))
s={r["class"]:r for r in d["stats"]}
assert s["all"]["count"]==1500 and s["major"]["p99_ns"]==90000
assert sum(h["count"] for h in d["hist"] if h["class"]=="all")==1500' "$T/out" ||
		die_case "faults JSON" || return 1
	MMUSCOPE_DEBUGFS=$FAKE mmu -j faults 4242 --interval 0.05 --count 2
	expect_rc 0 || return 1
	[ "$(wc -l <"$T/out")" = 2 ] || die_case "--interval --count 2 gave not 2 JSON lines" || return 1
	py 'import json,sys
for l in open(sys.argv[1]): json.loads(l)' "$T/out" || die_case "interval JSON lines"
}

tc_fake_faults_stream() {
	MMUSCOPE_DEBUGFS=$FAKE mmu --color=never faults 4242 --stream --count 2
	expect_rc 0 || return 1
	[ "$(grep -Ec '^[0-9:.]{15} +[0-9]+ 4242 ' "$T/out")" = 2 ] || die_case "--count 2 events" || return 1
	grep -q 'demo-thr' "$T/out" || die_case "comm column" || return 1
	# Item 8: a time column, the handler time in a column of its own.
	grep -q '^TIME .*HANDLER' "$T/out" || die_case "no TIME/HANDLER columns" || return 1
	grep -q 'handler_ns=' "$T/out" && die_case "raw handler_ns= in the text" && return 1
	grep -q '3 events lost' "$T/out" || die_case "lost line" || return 1
	have_py || return 0
	MMUSCOPE_DEBUGFS=$FAKE mmu -j faults 4242 --stream
	expect_rc 0 || return 1
	py 'import json,sys
ev=[json.loads(l) for l in open(sys.argv[1])]
assert len(ev)==4 and ev[1]=={"lost":3} and ev[2]["tid"]==4243 and ev[3]["lat_ns"]==2100
import time
assert abs(ev[0]["time"]-time.time())<86400*365, ev[0]' "$T/out" ||
		die_case "stream JSON lines"
}

# Item 2: --class is checked against the module's classes, named classes
# show when empty, and the stream keeps the events of those classes.
tc_fake_faults_class() {
	MMUSCOPE_DEBUGFS=$FAKE mmu faults 4242 --class bogus
	[ "$rc" = 2 ] || die_case "--class bogus exited $rc, expected 2" || return 1
	grep -q 'all,minor,major,sigsegv,write,cow' "$T/err" || die_case "no class list in the error" || return 1
	MMUSCOPE_DEBUGFS=$FAKE mmu --color=never faults 4242 --class sigsegv,major
	expect_rc 0 || return 1
	grep -Eq '^sigsegv +0 ' "$T/out" || die_case "named empty class not shown" || return 1
	grep -q '^minor' "$T/out" && die_case "unnamed class shown" && return 1
	MMUSCOPE_DEBUGFS=$FAKE mmu --color=never faults 4242 --stream --class cow
	expect_rc 0 || return 1
	[ "$(grep -Ec '^[0-9:.]{15} +[0-9]+ 4242 ' "$T/out")" = 1 ] && grep -q ',cow$' "$T/out" ||
		die_case "--stream --class cow: not just the cow event" || return 1
	mmu faults --help
	grep -q 'first_touch' "$T/out" || die_case "--help does not list the classes"
}

tc_fake_prom() {
	have_prom || { skip_case "python3-prometheus-client not available"; return; }
	MMUSCOPE_DEBUGFS=$FAKE mmu prom
	expect_rc 0 || return 1
	py 'import sys
from prometheus_client.parser import text_string_to_metric_families as parse
fams={f.name:f for f in parse(open(sys.argv[1]).read())}
def val(fam, name, **lab):
    for s in fams[fam].samples:
        if s.name==name and all(s.labels.get(k)==v for k,v in lab.items()):
            return s.value
    raise AssertionError((fam,name,lab))
assert fams["mmu_page_faults"].type=="counter"
assert val("mmu_page_faults","mmu_page_faults_total",pid="4242",**{"class":"major"})==10
h=fams["mmu_page_fault_latency_seconds"]; assert h.type=="histogram"
b=[(float(s.labels["le"]),s.value) for s in h.samples if s.name.endswith("_bucket") and s.labels["class"]=="all"]
assert b==sorted(b) and b[-1]==(float("inf"),1500), b
assert dict(b)[2**9/1e9]==100 and dict(b)[2**11/1e9]==1000 and dict(b)[2**17/1e9]==1500, b
assert abs(val("mmu_page_fault_latency_seconds","mmu_page_fault_latency_seconds_sum",**{"class":"all"})-0.003)<1e-9
assert val("mmu_pagetable_bytes","mmu_pagetable_bytes",level="pmd")==8192
assert val("mmu_pagetable_bytes","mmu_pagetable_bytes",level="p4d")==0
assert val("mmu_present_pages","mmu_present_pages",pagesize="2M")==2
assert val("mmu_present_pages","mmu_present_pages",pagesize="4K")==5
assert val("mmu_summary_thp_candidates","mmu_summary_thp_candidates",pid="4242")==1
assert val("mmu_info","mmu_info",levels="4")==1' "$T/out" || die_case "Prometheus exposition" || return 1
	MMUSCOPE_DEBUGFS=$FAKE mmu prom 4242 -o "$T/mmu.prom"
	expect_rc 0 || return 1
	[ -s "$T/mmu.prom" ] && [ ! -s "$T/out" ] || die_case "-o FILE" || return 1
	ls "$T"/mmu.prom.tmp.* >/dev/null 2>&1 && die_case "temporary file left" && return 1
	return 0
}

# Item 6: --interval shows the faults of each interval, percentiles from
# the difference of the histograms, with a time; --cumulative the totals.
tc_fake_faults_interval() {
	have_py || { skip_case "python3 not available (busybox-only guest)"; return; }
	F=$FAKE/4242
	cp "$F/fault_stats" "$T/fs.orig"; cp "$F/fault_hist" "$T/fh.orig"
	# 100 more faults, all in the 64 us bucket.
	sed 's/^class=all count=1500 sum_ns=3000000 min_ns=300 max_ns=90000/class=all count=1600 sum_ns=10000000 min_ns=300 max_ns=90000/' \
		"$T/fs.orig" >"$T/fs.new"
	sed 's/^class=all lo_ns=65536 hi_ns=73728 count=10$/class=all lo_ns=65536 hi_ns=73728 count=110/' \
		"$T/fh.orig" >"$T/fh.new"
	( sleep 1.5; mv "$T/fs.new" "$F/fault_stats"; mv "$T/fh.new" "$F/fault_hist" ) &
	MMUSCOPE_DEBUGFS=$FAKE mmu -j faults 4242 --interval 3 --count 1
	wait
	cp "$T/fs.orig" "$F/fault_stats"; cp "$T/fh.orig" "$F/fault_hist"
	expect_rc 0 || return 1
	py 'import json,sys,time
d=json.loads(open(sys.argv[1]).readline())
s={r["class"]:r for r in d["stats"]}
a=s["all"]
assert a["count"]==100 and a["sum_ns"]==7000000, a
assert 65536<=a["p50_ns"]<=73728 and 65536<=a["p99_ns"]<=73728, a
assert s["minor"]["count"]==0, s["minor"]
assert d["cumulative"] is False and 2<d["interval_s"]<10, d
assert abs(d["time"]-time.time())<600, d["time"]' "$T/out" || die_case "per-interval sample" || return 1
	MMUSCOPE_DEBUGFS=$FAKE mmu -j faults 4242 --interval 0.1 --count 1 --cumulative
	expect_rc 0 || return 1
	py 'import json,sys
d=json.loads(open(sys.argv[1]).readline())
a=[r for r in d["stats"] if r["class"]=="all"][0]
assert a["count"]==1500 and a["p50_ns"]==1500 and d["cumulative"] is True, d' "$T/out" ||
		die_case "--cumulative sample" || return 1
	MMUSCOPE_DEBUGFS=$FAKE mmu --color=never faults 4242 --interval 0.1 --count 1
	grep -Eq '^[0-9]{2}:[0-9]{2}:[0-9]{2}  pid 4242 .* in 0\.[0-9]+ s' "$T/out" || die_case "no time in the text sample"
}

# Item 8's smaller ones, against the fake tree.
tc_fake_small_fixes() {
	# prom -o for a non-target: exit 1, the file left as it was.
	echo old >"$T/keep.prom"
	MMUSCOPE_DEBUGFS=$FAKE mmu prom 4243 -o "$T/keep.prom"
	expect_rc 1 || return 1
	[ "$(cat "$T/keep.prom")" = old ] || die_case "prom -o replaced the file on error" || return 1
	ls "$T"/keep.prom.tmp.* >/dev/null 2>&1 && die_case "temporary file left" && return 1
	# prom --help does not offer -j; -o is offered by every output command.
	mmu prom --help
	grep -q -- '--json' "$T/out" && die_case "prom --help lists --json" && return 1
	for c in status targets maps translate summary faults prom check; do
		mmu $c --help
		grep -q -- '--output FILE' "$T/out" || die_case "$c --help offers no -o" || return 1
	done
	MMUSCOPE_DEBUGFS=$FAKE mmu summary 4242 -o "$T/sum.txt"
	expect_rc 0 || return 1
	[ ! -s "$T/out" ] && grep -q 'PAGE TABLES' "$T/sum.txt" || die_case "summary -o" || return 1
	# Item 7: prom drops the series of classes without faults.
	MMUSCOPE_DEBUGFS=$FAKE mmu prom
	expect_rc 0 || return 1
	grep -q 'class="sigsegv"\|class="cow"' "$T/out" && die_case "prom: series of empty classes" && return 1
	grep -q 'mmu_page_faults_total{pid="4242",class="major"} 10' "$T/out" || die_case "prom: major series missing" || return 1
	# --by none: no pid label; --by comm: one per command name.
	MMUSCOPE_DEBUGFS=$FAKE mmu prom --by none
	expect_rc 0 || return 1
	grep -q 'pid=' "$T/out" && die_case "prom --by none has pid labels" && return 1
	grep -q '^mmu_page_faults_total{class="all"} 1500$' "$T/out" || die_case "prom --by none: all" || return 1
	grep -q '^mmu_summary_pt_pte 3$' "$T/out" || die_case "prom --by none: summary gauge" || return 1
	MMUSCOPE_DEBUGFS=$FAKE mmu prom --by comm
	grep -q '^mmu_page_faults_total{comm="[^"]*",class="major"} 10$' "$T/out" || die_case "prom --by comm" || return 1
	mmu prom --by tty
	[ "$rc" = 2 ] || die_case "--by tty accepted" || return 1
	# translate of an address no VMA covers says so.
	printf '# mmuscope translate format=1\nlevel=pgd index=0 entry=0x0 flags=\nva=0x0 unmapped_at=vma\n' >"$T/tr0.tpl"
	serve_translate "$T/tr0.tpl"
	MMUSCOPE_DEBUGFS=$FAKE mmu --color=never translate 4242 0x0
	wait
	grep -q 'no VMA' "$T/out" || die_case "translate 0x0: no 'no VMA'" || return 1
	grep -q 'no entry at vma' "$T/out" && die_case "translate 0x0: 'no entry at vma'" && return 1
	# Escaped VMA names (the module writes ' ' as \040) shown as the kernel spells them.
	mkdir -p "$FAKE/4244"
	printf 'start=0x1000 end=0x2000 pages=1 pagesize=4K level=pte pfn=0x10 flags=r,u raw=0x10025 vma=/tmp/a\\040b\\040(deleted) backing=file\n' >"$FAKE/4244/maps"
	cat "$FAKE/4244/maps"
	MMUSCOPE_DEBUGFS=$FAKE mmu --color=never maps 4244
	cat "$T/out"
	grep -q '/tmp/a b (deleted)' "$T/out" || { rm -rf "$FAKE/4244"; die_case "VMA name not unescaped"; return 1; }
	MMUSCOPE_DEBUGFS=$FAKE mmu --color=never maps 4244 --runs
	rm -rf "$FAKE/4244"
	expect_rc 0 || return 1
	grep -q '/tmp/a b (deleted)' "$T/out" || die_case "VMA name not unescaped" || return 1
	grep -q '040' "$T/out" && die_case "raw \\040 shown" && return 1
	return 0
}

tc_fake_status() {
	MMUSCOPE_DEBUGFS=$FAKE mmu status
	grep -q 'targets: 1' "$T/out" || die_case "targets count" || return 1
	grep -q '4-level paging' "$T/out" || die_case "version line"
}

# ---------------------------------------------------------------- real module

real_preflight() {
	[ "$(id -u)" = 0 ] || { why="not root"; return 1; }
	grep -q ' /sys/kernel/debug debugfs' /proc/mounts || { why="debugfs not mounted"; return 1; }
	[ -r "$KO" ] || { why="module $KO not built"; return 1; }
	return 0
}

# For the cases that need the module out: unload it.
unloaded() {
	real_preflight || return 1
	[ -d /sys/module/mmuscope ] && ! "$MMU" unload >/dev/null 2>&1 &&
		{ why="mmuscope loaded and busy"; return 1; }
	return 0
}

# For the view cases: the workload running, the module loaded, it a target.
with_workload() {
	real_preflight || return 1
	if [ -z "$WLPID" ] || ! kill -0 "$WLPID" 2>/dev/null; then
		start_workload || { why="workload did not start"; return 1; }
	fi
	[ -d /sys/module/mmuscope ] || "$MMU" load >/dev/null || { why="load failed"; return 1; }
	# Under lockdown the debugfs write is refused: the parameter takes it.
	[ -d $ROOT/$WLPID ] || echo "$WLPID" 2>/dev/null >$ROOT/targets ||
		echo "$WLPID" >$PARAMS/targets
	return 0
}

# The lockdown level the kernel reports, e.g. "integrity".
lockdown_level() {
	sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/security/lockdown 2>/dev/null
}

# Load the module, then raise lockdown (not before: an unsigned module
# cannot be loaded under lockdown).
raise_lockdown() {
	real_preflight || return 1
	[ -d /sys/module/mmuscope ] || "$MMU" load >/dev/null ||
		{ why="load failed"; return 1; }
	[ -e /sys/kernel/security/lockdown ] ||
		mount -t securityfs none /sys/kernel/security 2>/dev/null
	[ -e /sys/kernel/security/lockdown ] ||
		{ why="no /sys/kernel/security/lockdown (kernel without the lockdown LSM)"; return 1; }
	[ "$(lockdown_level)" = "$LEVEL" ] || [ "$(lockdown_level)" = confidentiality ] ||
		echo "$LEVEL" >/sys/kernel/security/lockdown ||
		{ why="cannot raise lockdown to $LEVEL"; return 1; }
	return 0
}

# Under lockdown: debugfs refuses the writers (the kernel says so), the
# parameters take the commands, and bad input changes nothing.
tc_lockdown_control() {
	with_workload || { skip_case "$why"; return; }
	[ -w $PARAMS/targets ] || { skip_case "module has no targets parameter"; return; }
	echo "lockdown: $(cat /sys/kernel/security/lockdown)"
	case "$(lockdown_level)" in integrity|confidentiality) ;;
	*) die_case "lockdown is not raised"; return ;; esac
	sleep 100 & other=$!
	if echo "+$other" 2>"$T/err" >$ROOT/targets; then
		kill $other; die_case "debugfs took a write under lockdown"; return
	fi
	grep -q 'not permitted' "$T/err" || { kill $other; die_case "debugfs write: $(cat "$T/err")"; return; }
	cat $ROOT/$WLPID/fault_stats >/dev/null 2>&1 &&
		{ kill $other; die_case "a 0600 file opened under lockdown"; return; }
	# The reader attaches a non-target through the parameter, detaches after.
	mmu --color=never maps $other
	kill $other; wait $other 2>/dev/null
	expect_rc 0 || return 1
	grep -q 'stack' "$T/out" || die_case "no maps of a fresh target" || return 1
	[ -d $ROOT/$other ] && die_case "$other left a target" && return 1
	# Bad commands: refused with the errno the parser documents, no change.
	before=$(cat $ROOT/targets.ro)
	for bad in "x" "+-$WLPID" "" "2" "$$$$$$$$$$$$$$$$" "$WLPID $WLPID"; do
		[ -n "$bad" ] || continue
		if printf '%s' "$bad" >$PARAMS/targets 2>/dev/null; then
			die_case "targets took '$bad'"; return
		fi
	done
	printf '%s 0xffffffffff600000' "$WLPID" >$PARAMS/translate 2>/dev/null &&
		{ die_case "translate took a kernel address"; return; }
	printf '1 0x1000' >$PARAMS/translate 2>/dev/null &&
		{ die_case "translate took a non-target"; return; }
	printf 'reset' >$PARAMS/reset_faults 2>/dev/null &&
		{ die_case "reset_faults took 'reset'"; return; }
	[ "$(cat $ROOT/targets.ro)" = "$before" ] || die_case "bad commands changed the targets"
}

start_workload() {
	"$WL" >"$WLOUT" &
	WLPID=$!
	i=0
	while ! grep -q '^pid=' "$WLOUT" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.1
	done
	return 0
}

stop_workload() {
	[ -n "$WLPID" ] && kill "$WLPID" 2>/dev/null && wait "$WLPID" 2>/dev/null
	WLPID=
}

wl_get() { sed -n "s/.* $1=\\([^ ]*\\).*/\\1/p" "$WLOUT" | head -n 1; }

tc_real_not_loaded() {
	unloaded || { skip_case "$why"; return; }
	for c in "status" "maps 1" "faults 1" "prom" "unload" "run true" "check 1"; do
		# shellcheck disable=SC2086
		mmu $c
		expect_rc 1 || return 1
		grep -q 'not loaded' "$T/out" "$T/err" || die_case "'$c': no 'not loaded'" || return 1
	done
	grep -q "mmuscope load" "$T/err" "$T/out" || true
	return 0
}

tc_real_load_errors() {
	unloaded || { skip_case "$why"; return; }
	sleep 100 & dead=$!
	kill $dead; wait $dead 2>/dev/null
	mmu load --pid $dead "$KO"
	expect_rc 1 || return 1
	grep -q "no such process $dead" "$T/err" || die_case "ESRCH text" || return 1
	[ -d /sys/module/mmuscope ] && die_case "module loaded after a failed load" && return 1
	mmu load --pid 2 "$KO"
	expect_rc 1 || return 1
	grep -q 'kernel thread' "$T/err" || die_case "EINVAL text" || return 1
	mmu load /nonexistent/mmuscope.ko
	expect_rc 1 || return 1
	grep -q 'No such file' "$T/err" || die_case "missing file" || return 1
	printf 'not an ELF module' >"$T/bad.ko"
	mmu load "$T/bad.ko"
	expect_rc 1 || return 1
	grep -q 'invalid module format\|could not load' "$T/err" || die_case "bad module text" || return 1
	grep -q 'libkmod' "$T/err" && die_case "libkmod's own log on stderr" && return 1
	[ -d /sys/module/mmuscope ] && die_case "loaded" && return 1
	return 0
}

tc_real_load_status_unload() {
	unloaded || { skip_case "$why"; return; }
	mmu load
	expect_rc 0 || return 1
	grep -q "loaded .*mmuscope.ko" "$T/out" || die_case "found no build-tree module" || return 1
	mmu load
	expect_rc 1 || return 1
	grep -q 'already loaded' "$T/err" || die_case "EEXIST text" || return 1
	mmu --color=never status
	expect_rc 0 || return 1
	grep -q "kernel $(uname -r)" "$T/out" || die_case "status kernel != uname -r" || return 1
	# The levels the MMU walks: x86's la57 flag; elsewhere (arm64 LPA2
	# kernels walk 5 levels on 4K pages) from the highest user address
	# the kernel grants, as mmu_user_levels() in mmuscope_test.h.
	lv=4
	grep -qw la57 /proc/cpuinfo && lv=5
	if [ "$(uname -m)" != x86_64 ] && have_py; then
		lv=$(py 'import ctypes, mmap
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
pg = mmap.PAGESIZE
shift = pg.bit_length() - 1
bits = 47
for k in range(39, 58):
    want = (1 << k) - 2 * pg
    p = libc.mmap(want, pg, 0, 0x22 | 0x100000, -1, 0)
    if p in (None, ctypes.c_void_p(-1).value):
        if ctypes.get_errno() == 17:
            bits = k
        continue
    if p == want:
        bits = k
    libc.munmap(ctypes.c_void_p(p), pg)
print((bits - shift + (shift - 3) - 1) // (shift - 3))') || lv=4
	fi
	grep -q "$lv-level paging" "$T/out" || die_case "status paging != the MMU's ($lv levels)" || return 1
	mmu unload
	expect_rc 0 || return 1
	[ -d /sys/module/mmuscope ] && die_case "still loaded" && return 1
	mmu unload
	expect_rc 1 || return 1
	grep -q 'not loaded' "$T/err" || die_case "second unload text"
}

# as_nobody CMD...: CMD as uid and gid 65534 without groups, through
# util-linux setpriv, else python3 (busybox's setpriv cannot change ids).
as_nobody() {
	if setpriv --help 2>&1 | grep -q -- --reuid; then
		setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
	else
		"$PY" -c 'import os,sys
os.setgroups([]); os.setgid(65534); os.setuid(65534)
os.execv(sys.argv[1], sys.argv[1:])' "$@"
	fi
}

tc_real_not_root() {
	unloaded || { skip_case "$why"; return; }
	setpriv --help 2>&1 | grep -q -- --reuid || have_py ||
		{ skip_case "no setpriv --reuid (util-linux) and no python3"; return; }
	start_workload || { die_case "workload did not start"; return; }
	"$MMU" load --pid "$WLPID" >/dev/null 2>&1 || { die_case "load"; return; }
	as_nobody "$MMU" maps "$WLPID" >"$T/out" 2>"$T/err"
	rc=$?
	cat "$T/err"
	stop_workload
	"$MMU" unload >/dev/null 2>&1
	expect_rc 1 || return 1
	grep -q 'root' "$T/err" || die_case "no 'root' in the message" || return 1
	as_nobody "$MMU" unload >"$T/out" 2>"$T/err"
	rc=$?
	expect_rc 1 || return 1
	# Item 8: no "targets: 0" after the error, and check says why.
	"$MMU" load >/dev/null 2>&1
	as_nobody "$MMU" --color=never status >"$T/out" 2>"$T/err"
	cat "$T/out" "$T/err"
	grep -q 'targets:' "$T/out" && { "$MMU" unload >/dev/null 2>&1; die_case "non-root status lists 'targets:'"; return 1; }
	as_nobody "$MMU" check 1 >"$T/out" 2>"$T/err"
	rc=$?
	cat "$T/err"
	"$MMU" unload >/dev/null 2>&1
	expect_rc 1 || return 1
	grep -q 'root' "$T/err" || die_case "check as nobody does not say root"
}

tc_real_load_pid_and_views() {
	unloaded || { skip_case "$why"; return; }
	start_workload || { die_case "workload did not start"; return; }
	sleep 100 & other=$!
	mmu load --pid "$WLPID" --pid $other
	expect_rc 0 || { kill $other; return 1; }
	mmu -j status
	kill $other; wait $other 2>/dev/null
	grep -q "\"pid\":$WLPID" "$T/out" && grep -q "\"pid\":$other" "$T/out" ||
		die_case "targets not both listed" || return 1
	[ -r $ROOT/$WLPID/maps ] || { skip_case "module has no maps view yet (walker not merged)"; return; }
	mmu --color=never maps "$WLPID" --runs
	expect_rc 0 || return 1
	grep -q '\[stack\]' "$T/out" || die_case "no [stack] group" || return 1
	mmu maps "$WLPID" --raw
	expect_rc 0 || return 1
	cmp "$T/out" $ROOT/$WLPID/maps >/dev/null 2>&1 || true
	mmu --color=never summary "$WLPID"
	expect_rc 0 || return 1
	return 0
}

tc_real_check_vs_pagemap() {
	with_workload || { skip_case "$why"; return; }
	[ -r $ROOT/$WLPID/maps ] || { skip_case "module has no maps view yet (walker not merged)"; return; }
	mmu check "$WLPID" --stop
	expect_rc 0 || return 1
	grep -q '^OK' "$T/out" || die_case "check not OK"
}

tc_real_maps_json_vs_smaps() {
	with_workload || { skip_case "$why"; return; }
	have_py || { skip_case "python3 not available (busybox-only guest)"; return; }
	[ -r $ROOT/$WLPID/maps ] || { skip_case "module has no maps view yet (walker not merged)"; return; }
	[ -r /sys/kernel/mm/transparent_hugepage/enabled ] ||
		{ skip_case "kernel without transparent hugepages (no /sys/kernel/mm/transparent_hugepage)"; return; }
	grep -q '\[never\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null &&
		{ skip_case "transparent hugepages disabled ([never])"; return; }
	ps=$(py 'import os; print(os.sysconf("SC_PAGE_SIZE"))')
	[ $((ps * ps / 8)) -le "$(wl_get thp_len)" ] ||
		{ skip_case "a PMD leaf ($((ps * ps / 8)) bytes with $ps-byte pages) exceeds the workload's THP window"; return; }
	mmu -j maps "$WLPID" --runs
	expect_rc 0 || return 1
	# The kernel's view: AnonHugePages of the THP window's VMA in smaps.
	# The workload's window holds 4 PMD leaves (2M, or 32M with 16K pages)
	# and no other PMD leaf fits in its VMA; at least one must be huge.
	py 'import json,sys
d=json.load(open(sys.argv[1])); pid=sys.argv[2]
thp=int(sys.argv[3],16); n=int(sys.argv[4])
vma=None; ahp=0; cur=False
for l in open("/proc/%s/smaps"%pid):
    f=l.split()
    if "-" in f[0] and len(f)>=5 and all(c in "0123456789abcdef-" for c in f[0]):
        s,e=(int(x,16) for x in f[0].split("-")); cur=(s<=thp<e)
    elif f[0]=="AnonHugePages:" and cur: ahp=int(f[1])*1024
huge=sum(int(r["end"],16)-int(r["start"],16) for r in d["runs"]
         if r.get("level")=="pmd" and "pfn" in r and int(r["start"],16)<thp+n and int(r["end"],16)>thp)
assert ahp>0, "no huge page in the THP window (smaps AnonHugePages: 0)"
assert huge==ahp, (huge, ahp)
print("PMD-mapped bytes in THP VMA:", huge, "smaps AnonHugePages:", ahp)' "$T/out" "$WLPID" "$(wl_get thp)" "$(wl_get thp_len)" ||
		die_case "PMD runs != smaps AnonHugePages"
}

tc_real_translate_vs_pagemap() {
	with_workload || { skip_case "$why"; return; }
	have_py || { skip_case "python3 not available (busybox-only guest)"; return; }
	[ -e $ROOT/$WLPID/translate ] || { skip_case "module has no translate view yet (walker not merged)"; return; }
	for addr in $(wl_get anon) $(wl_get thp) $(wl_get file); do
		mmu -j translate "$WLPID" "$addr"
		expect_rc 0 || return 1
		py 'import json,os,struct,sys
d=json.load(open(sys.argv[1])); pid=sys.argv[2]; va=int(sys.argv[3],16)
ps=os.sysconf("SC_PAGE_SIZE")
with open("/proc/%s/pagemap"%pid,"rb") as f:
    f.seek(va//ps*8); e=struct.unpack("<Q",f.read(8))[0]
assert e>>63, "pagemap: not present"
pa=(e & ((1<<55)-1))*ps + va%ps
assert int(d["pa"],16)==pa, (d["pa"], hex(pa))' "$T/out" "$WLPID" "$addr" ||
			die_case "translate $addr != pagemap" || return 1
	done
	mmu --color=never translate "$WLPID" "$(wl_get anon)"
	grep -q '└─ pa 0x' "$T/out" || die_case "tree has no pa line" || return 1
	mmu translate "$WLPID" 0xffffffffff600000
	expect_rc 1 || return 1
	grep -q 'not a user address' "$T/err" || die_case "kernel address text" || return 1
	# Non-canonical with 4- and 5-level paging alike (bit 56 set alone).
	mmu translate "$WLPID" 0x0100000000000000
	expect_rc 1 || return 1
	grep -q 'not a user address' "$T/err" || die_case "non-canonical text"
}

tc_real_faults_and_prom() {
	with_workload || { skip_case "$why"; return; }
	[ -r $ROOT/$WLPID/fault_stats ] || { skip_case "module has no fault_stats yet (faults not merged)"; return; }
	kill -USR1 "$WLPID"
	sleep 1
	mmu --color=never faults "$WLPID" --hist
	expect_rc 0 || return 1
	grep -q 'class = all' "$T/out" || die_case "no histogram" || return 1
	# The stream: events of the next round, their addresses in the
	# workload's own regions (as it printed them).
	timeout 120 "$MMU" -j faults "$WLPID" --stream --count 20 >"$T/stream" 2>"$T/err" &
	sp=$!
	sleep 2
	kill -USR1 "$WLPID"
	wait $sp
	rc=$?
	echo "stream exit $rc"; head -n 3 "$T/stream"
	expect_rc 0 || return 1
	[ "$(grep -c "\"pid\":$WLPID" "$T/stream")" = 20 ] || die_case "not 20 events of $WLPID" || return 1
	if have_py; then
		py 'import json,sys
ev=[json.loads(l) for l in open(sys.argv[1])]
lay=dict(kv.split("=") for kv in open(sys.argv[2]).readline().split())
regions=[(int(lay[k],16), int(lay[k],16)+int(lay[k+"_len"])) for k in ("anon","thp","file","cow")]
inside=[e for e in ev if "va" in e and any(a<=int(e["va"],16)<b for a,b in regions)]
assert len(inside)>=10, (len(inside), ev[:3])' "$T/stream" "$WLOUT" || die_case "stream addresses" || return 1
	fi
	# --class on the real stream: only write faults, as the events' own
	# error codes say (x86: bit 1 of err is a write).
	timeout 120 "$MMU" -j faults "$WLPID" --stream --class write --count 5 --duration 30 >"$T/stream" 2>"$T/err" &
	sp=$!
	sleep 2
	kill -USR1 "$WLPID"
	wait $sp
	nev=$(grep -c '"class"' "$T/stream")
	nw=$(grep -c '"class":"[^"]*write' "$T/stream")
	echo "--class write: $nev events, $nw with write"
	[ "$nev" -ge 1 ] && [ "$nev" = "$nw" ] || die_case "--stream --class write let other events through" || return 1
	if [ "$(uname -m)" = x86_64 ] && have_py; then
		py 'import json,sys
for l in open(sys.argv[1]):
    e=json.loads(l)
    if "err" in e: assert int(e["err"],16)&2, e' "$T/stream" || die_case "a --class write event without the write bit in err" || return 1
	fi
	mmu -j faults "$WLPID" --interval 0.2 --count 2
	expect_rc 0 || return 1
	[ "$(grep -c '"stats"' "$T/out")" = 2 ] || die_case "--interval --count 2" || return 1
	have_prom || { skip_case "python3-prometheus-client not available"; return; }
	mmu prom
	expect_rc 0 || return 1
	py 'import sys
from prometheus_client.parser import text_string_to_metric_families as parse
fams={f.name:f for f in parse(open(sys.argv[1]).read())}
c=[s for s in fams["mmu_page_faults"].samples if s.labels["pid"]==sys.argv[2] and s.labels["class"]=="all"]
assert c and c[0].value>0, c' "$T/out" "$WLPID" || die_case "prom does not parse"
}

tc_real_run_vs_rusage() {
	real_preflight || { skip_case "$why"; return; }
	have_py || { skip_case "python3 not available (busybox-only guest)"; return; }
	[ -d /sys/module/mmuscope ] || "$MMU" load >/dev/null
	[ -e $ROOT/version ] || { die_case "no module"; return; }
	# Does the module count faults yet?  Probe with a throwaway target.
	mmu -j run -o "$T/run.json" -- "$PY" -c 'import mmap; m=mmap.mmap(-1, 64<<20); [m.__setitem__(i, 1) for i in range(0, 64<<20, mmap.PAGESIZE)]'
	grep -q 'not provided by this module' "$T/err" &&
		{ skip_case "module has no fault_stats yet (faults not merged)"; return; }
	expect_rc 0 || return 1
	cat "$T/run.json"
	py 'import json,mmap,sys
d=json.load(open(sys.argv[1]))
s={r["class"]:r["count"] for r in d["stats"]}
ru=d["rusage"]["minflt"]+d["rusage"]["majflt"]
if not s.get("all"):
    sys.exit(4)
assert ru>=(64<<20)//mmap.PAGESIZE, ru
assert abs(s["all"]-ru) <= ru*0.05+50, (s["all"], ru)
print("module", s["all"], "rusage", ru)' "$T/run.json"
	r=$?
	[ $r = 4 ] && { skip_case "module counts no faults yet (faults not merged)"; return; }
	[ $r = 0 ] || die_case "run's fault count differs from getrusage by > 5%" || return 1
	mmu run -- sh -c 'exit 7'
	expect_rc 7 || return 1
	grep -q 'Page-fault report' "$T/err" || die_case "no report on stderr" || return 1
	mmu run -- /nonexistent/command
	expect_rc 127 || return 1
	grep -q 'cannot run /nonexistent/command' "$T/err" || die_case "exec error text"
}

# is_target PID: the module lists PID in its targets file (the 0400 twin,
# which kernel lockdown lets root open).
is_target() { grep -qx "$1" $ROOT/targets.ro; }

# faulter: a process that faults all the time, not a target; its pid in
# $FPID.  A shell running commands does not do (dash runs them through
# vfork), one forking for command substitutions does: copy on write.
start_faulter() {
	sh -c 'while :; do a=$(echo x); done' &
	FPID=$!
}
stop_faulter() { kill "$FPID" 2>/dev/null; wait "$FPID" 2>/dev/null; }

# Item 1: a temporary target is taken out again whatever ends the reader
# (SIGPIPE of `| head`, SIGTERM), and --stream/--interval end when the
# traced process exits or --duration passes.
tc_real_temp_targets_removed() {
	with_workload || { skip_case "$why"; return; }
	[ -r $ROOT/$WLPID/fault_stats ] || { skip_case "module has no fault_stats yet"; return; }
	start_faulter
	f0=$(stat_faults $FPID); sleep 1; f1=$(stat_faults $FPID)
	echo "faulter $FPID: $((f1 - f0)) faults in 1 s"
	[ $((f1 - f0)) -gt 20 ] || { stop_faulter; die_case "the faulter does not fault"; return 1; }
	for mode in "--stream" "--interval 0.2"; do
		# shellcheck disable=SC2086
		timeout 120 "$MMU" --color=never faults "$FPID" $mode | head -n 3 >"$T/out"
		echo "faults $mode | head -3:"; cat "$T/out"
		[ "$(wc -l <"$T/out")" = 3 ] || { stop_faulter; die_case "$mode: not 3 lines"; return 1; }
		i=0
		while is_target "$FPID" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		is_target "$FPID" && { stop_faulter; die_case "$mode | head -3 left $FPID a target"; return 1; }
	done
	"$MMU" faults "$FPID" --interval 0.2 >/dev/null 2>&1 &
	rp=$!
	sleep 2
	is_target "$FPID" || { kill $rp; stop_faulter; die_case "--interval did not make $FPID a target"; return 1; }
	kill -TERM $rp; wait $rp
	is_target "$FPID" && { stop_faulter; die_case "SIGTERM left $FPID a target"; return 1; }
	"$MMU" faults "$FPID" --stream >/dev/null 2>&1 &
	rp=$!
	sleep 2
	kill -INT $rp; wait $rp
	stop_faulter
	is_target "$FPID" && die_case "SIGINT left $FPID a target" && return 1
	return 0
}

tc_real_loops_end_with_process() {
	with_workload || { skip_case "$why"; return; }
	[ -r $ROOT/$WLPID/fault_stats ] || { skip_case "module has no fault_stats yet"; return; }
	for mode in "--stream" "--interval 0.3"; do
		sleep 3 &
		sp=$!
		tb=$(date +%s)
		# shellcheck disable=SC2086
		timeout 60 "$MMU" --color=never faults $sp $mode >"$T/out" 2>"$T/err"
		rc=$?
		t=$(($(date +%s) - tb))
		echo "faults $mode of a 3 s sleep: rc $rc after $t s"; tail -n 2 "$T/err"
		wait $sp
		expect_rc 0 || return 1
		[ $t -le 30 ] || die_case "$mode ran $t s after the process exited" || return 1
		grep -q 'exited' "$T/err" || die_case "$mode: no 'exited' note" || return 1
		is_target $sp && die_case "$mode left $sp a target" && return 1
	done
	# An idle process: --count 10 never comes, --duration ends it.
	sleep 120 &
	sp=$!
	tb=$(date +%s)
	timeout 60 "$MMU" faults $sp --stream --count 10 --duration 2 >"$T/out" 2>"$T/err"
	rc=$?
	t=$(($(date +%s) - tb))
	kill $sp; wait $sp 2>/dev/null
	echo "--stream --count 10 --duration 2 on an idle process: rc $rc after $t s"
	expect_rc 0 || return 1
	[ $t -le 20 ] || die_case "--duration 2 took $t s" || return 1
	timeout 60 "$MMU" -j faults "$WLPID" --interval 0.5 --duration 2 >"$T/out" 2>"$T/err"
	rc=$?
	nsamp=$(grep -c '"stats"' "$T/out")
	echo "--interval 0.5 --duration 2: $nsamp samples"
	expect_rc 0 || return 1
	[ "$nsamp" -ge 2 ] && [ "$nsamp" -le 6 ] || die_case "--duration 2 gave $nsamp samples of 0.5 s"
}

# Item 3: targets add/rm/prune, --tree against /proc's parent links.
tc_real_targets_cli() {
	with_workload || { skip_case "$why"; return; }
	sh -c 'sleep 300 & sleep 300 & wait' &
	tp=$!
	sleep 1
	kids=$(for s in /proc/[0-9]*/stat; do
		set -- $(sed 's/.*) //' "$s" 2>/dev/null)
		[ "${2:-}" = "$tp" ] && basename "$(dirname "$s")"
	done)
	echo "tree $tp: children $kids"
	[ "$(echo $kids | wc -w)" = 2 ] || { kill $tp; die_case "the test tree has not 2 children"; return 1; }
	mmu targets add --tree $tp
	expect_rc 0 || { kill $tp $kids; return 1; }
	for p in $tp $kids; do
		is_target $p || { kill $tp $kids; die_case "--tree did not add $p"; return 1; }
	done
	mmu --color=never targets
	grep -Eq "^$tp +sh +running" "$T/out" || { kill $tp $kids; die_case "list: $tp not running sh"; return 1; }
	mmu targets rm --tree $tp
	expect_rc 0 || { kill $tp $kids; return 1; }
	for p in $tp $kids; do
		is_target $p && { kill $tp $kids; die_case "rm --tree left $p"; return 1; }
	done
	mmu targets add $tp
	expect_rc 0 || { kill $tp $kids; return 1; }
	mmu targets add $tp
	expect_rc 1 || { kill $tp $kids; return 1; }
	grep -q 'already a target' "$T/err" || { kill $tp $kids; die_case "EEXIST text"; return 1; }
	kill $kids $tp; wait $tp 2>/dev/null
	mmu --color=never targets
	grep -Eq "^$tp .* exited" "$T/out" || die_case "list: $tp not exited" || return 1
	# The name the kernel had for it (sh) stays once it has exited.
	grep -Eq "^$tp +sh +exited" "$T/out" || die_case "list: exited $tp lost its comm" || return 1
	mmu targets prune
	expect_rc 0 || return 1
	is_target $tp && die_case "prune left the exited $tp" && return 1
	is_target "$WLPID" || die_case "prune removed the running workload $WLPID" || return 1
	mmu targets rm 1
	expect_rc 1 || return 1
	mmu targets bogus
	expect_rc 2
}

# stat_faults PID: minflt + majflt of /proc/PID/stat (the kernel's count).
stat_faults() {
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $8 + $10 }'
}

# Item 6: the per-interval samples add up to the kernel's count of the
# faults in between, the first one included.
tc_real_interval_vs_proc() {
	with_workload || { skip_case "$why"; return; }
	have_py || { skip_case "python3 not available (busybox-only guest)"; return; }
	[ -r $ROOT/$WLPID/fault_stats ] || { skip_case "module has no fault_stats yet"; return; }
	s0=$(stat_faults "$WLPID")
	timeout 120 "$MMU" -j faults "$WLPID" --interval 1 --duration 10 >"$T/out" 2>"$T/err" &
	fp=$!
	sleep 2
	kill -USR1 "$WLPID"
	wait $fp
	rc=$?
	s1=$(stat_faults "$WLPID")
	echo "/proc stat faults: $s0 -> $s1"; head -c 600 "$T/out"
	expect_rc 0 || return 1
	py 'import json,sys
ev=[json.loads(l) for l in open(sys.argv[1])]
want=int(sys.argv[3])-int(sys.argv[2])
got=sum(r["count"] for e in ev for r in e["stats"] if r["class"]=="all")
print("samples", len(ev), "sum of per-interval faults", got, "kernel", want)
assert all("time" in e and e["interval_s"]>0 and e["cumulative"] is False for e in ev)
assert want>=100, want
assert abs(got-want)<=want*0.05+50, (got, want)' "$T/out" "$s0" "$s1" ||
		die_case "per-interval counts do not add up to /proc/PID/stat's"
}

# Item 6: summary's page-table rows add up to its total, and its VmPTE
# line is the kernel's VmPTE.
tc_real_summary_vs_vmpte() {
	with_workload || { skip_case "$why"; return; }
	kill -STOP "$WLPID"
	mmu --color=never summary "$WLPID"
	vm=$(awk '$1 == "VmPTE:" { print $2 }' /proc/$WLPID/status)
	kill -CONT "$WLPID"
	expect_rc 0 || return 1
	sed -n '/PAGE TABLES/,/VmPTE/p' "$T/out"
	echo "kernel VmPTE: $vm kB"
	rows=$(sed -n '/PAGE TABLES/,/^  total/p' "$T/out" | awk '$1 ~ /^(pgd|p4d|pud|pmd|pte)/ && $NF !~ /folded/ { n += ($1 == "pte," ? $3 : $2) } END { print n + 0 }')
	total=$(awk '$1 == "total" { print $2 }' "$T/out")
	[ "$rows" = "$total" ] || die_case "page-table rows sum to $rows, total says $total" || return 1
	kb=$(awk '/as VmPTE counts/ { print $4 }' "$T/out")
	ps=$(getconf PAGESIZE)
	# The reader's size is human (e.g. 412K, 1.5M): compare in kB.
	py 'import sys
v=sys.argv[1]; u={"B":1/1024,"K":1,"M":1024,"G":1024*1024}[v[-1]]
assert abs(float(v[:-1])*u-int(sys.argv[2]))<=max(int(sys.argv[2])*0.01,1), (v, sys.argv[2])' "$kb" "$vm" ||
		die_case "'as VmPTE counts' $kb != kernel VmPTE $vm kB"
}

# Item 7: maps' per-VMA rows against the kernel: the VMAs of
# /proc/PID/maps, each one's Rss, AnonHugePages and Swap of smaps.
tc_real_maps_vmas_vs_smaps() {
	with_workload || { skip_case "$why"; return; }
	have_py || { skip_case "python3 not available (busybox-only guest)"; return; }
	kill -STOP "$WLPID"
	# Twice: from the module's vmas rollup, and summing up its runs.
	MMUSCOPE_NO_VMAS=1 mmu -j maps "$WLPID"
	mv "$T/out" "$T/fromruns"
	mmu -j maps "$WLPID"
	cp /proc/$WLPID/smaps "$T/smaps"
	cp "$T/out" "$T/vmas.json"
	mmu2rc=$rc
	mmu --color=never maps "$WLPID" --addr "$(wl_get thp)"
	cp "$T/out" "$T/one"
	kill -CONT "$WLPID"
	rc=$mmu2rc
	expect_rc 0 || return 1
	cat "$T/one"
	[ "$(grep -c '^[0-9a-f]\{16\} ' "$T/one")" = 1 ] || die_case "--addr THP: not one VMA" || return 1
	py 'import json,sys
d=json.load(open(sys.argv[1]))
sm=[]; cur=None
for l in open(sys.argv[2]):
    f=l.split()
    if "-" in f[0] and all(c in "0123456789abcdef-" for c in f[0]):
        s,e=(int(x,16) for x in f[0].split("-")); cur={"start":s,"end":e,"name":" ".join(f[5:])}; sm.append(cur)
    elif f[0].endswith(":") and len(f)>=3 and f[2]=="kB":
        cur[f[0][:-1]]=int(f[1])*1024
ours=[(int(v["start"],16),int(v["end"],16)) for v in d["vmas"]]
assert ours==[(v["start"],v["end"]) for v in sm], "VMA boundaries differ from /proc/PID/maps"
assert d["unmatched_runs"]==0, d["unmatched_runs"]
bad=[]
for v,k in zip(d["vmas"],sm):
    if k.get("KernelPageSize",4096)!=k.get("MMUPageSize",4096) or "Private_Hugetlb" in k and (k["Private_Hugetlb"] or k["Shared_Hugetlb"]):
        continue
    if v["rss_bytes"]!=k["Rss"] or v["swapped_bytes"]!=k.get("Swap",0) or \
       (k["name"]=="" and v["huge_bytes"]!=k.get("AnonHugePages",0)):
        bad.append((v["start"],k["name"],v["rss_bytes"],k["Rss"],v["huge_bytes"],k.get("AnonHugePages"),v["swapped_bytes"],k.get("Swap")))
print(len(sm),"VMAs,",sum(v["rss_bytes"] for v in d["vmas"]),"bytes RSS")
assert not bad, bad' "$T/vmas.json" "$T/smaps" || die_case "per-VMA rows != smaps" || return 1
	[ -e $ROOT/$WLPID/vmas ] || echo "(module without vmas: both views summed up the runs)"
	py 'import json,sys
a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2]))
k=("start","end","rss_bytes","accessed_bytes","dirty_bytes","swapped_bytes","huge_bytes","special_bytes")
# Young bits age (LRU scanning) even in a stopped process between the two
# reads: accessed within 1 % or 8 pages, the rest exactly.
def same(f,x,y): return abs(x-y)<=max(y//100,8*65536) if f=="accessed_bytes" else x==y
d=[(x["start"],[(f,x[f],y[f]) for f in k if not same(f,x[f],y[f])]) for x,y in zip(a["vmas"],b["vmas"])]
d=[x for x in d if x[1]]
assert len(a["vmas"])==len(b["vmas"]) and not d, d
# The runs only show the PTE tables holding an entry in the VMA; the
# module also meets those it shares with a neighbour and are empty here.
p=[(x["start"],x["pte_tables"],y["pte_tables"]) for x,y in zip(a["vmas"],b["vmas"]) if x["pte_tables"]<y["pte_tables"]]
assert not p, p' "$T/vmas.json" "$T/fromruns" ||
		die_case "vmas rollup != the runs summed up"
}

# Item 5: run counts the whole process tree, as getrusage (children
# included) does; each followed child with its command name.
tc_real_run_tree_vs_rusage() {
	real_preflight || { skip_case "$why"; return; }
	have_py || { skip_case "python3 not available (busybox-only guest)"; return; }
	[ -d /sys/module/mmuscope ] || "$MMU" load >/dev/null
	touch32='import mmap; m=mmap.mmap(-1, 32<<20); [m.__setitem__(i, 1) for i in range(0, 32<<20, mmap.PAGESIZE)]'
	mmu -j run -o "$T/tree.json" -- sh -c "$PY -c '$touch32'; $PY -c '$touch32'; true"
	grep -q 'not provided by this module' "$T/err" &&
		{ skip_case "module has no fault_stats yet (faults not merged)"; return; }
	expect_rc 0 || return 1
	cat "$T/tree.json"; cat "$T/err"
	py 'import json,mmap,sys
d=json.load(open(sys.argv[1]))
s={r["class"]:r["count"] for r in d["stats"]}
ru=d["rusage"]["minflt"]+d["rusage"]["majflt"]
kids=d["children"]
print("tree", s["all"], "rusage", ru, "command", d["command_faults"], "children", [(k["comm"],k["faults"]) for k in kids])
assert d["follow"] is True
assert ru>=2*(32<<20)//mmap.PAGESIZE, ru
assert abs(s["all"]-ru) <= ru*0.05+50, (s["all"], ru)
assert s["all"]==d["command_faults"]+sum(k["faults"] for k in kids)
# arm64 guests run the sysroot python3 through its loader: that is its comm.
py=[k for k in kids if k["comm"].startswith(("python", "ld-linux"))]
assert len(py)>=2 and all(k["faults"]>=(32<<20)//mmap.PAGESIZE for k in py), kids' "$T/tree.json" ||
		die_case "run's tree count differs from getrusage's" || return 1
	grep -q 'warning' "$T/err" && die_case "a warning although the counts agree" && return 1
	# --no-follow: the shell alone, and a warning saying so.
	mmu run --no-follow -- sh -c "$PY -c '$touch32'; true"
	expect_rc 0 || return 1
	grep -q 'warning: .*--no-follow' "$T/err" || die_case "no warning with --no-follow" || return 1
	is_target "$(cat /proc/sys/kernel/ns_last_pid)" && die_case "a child left a target" && return 1
	[ "$(cat /sys/module/mmuscope/parameters/follow)" = N ] || die_case "follow left on"
}

# ---------------------------------------------------------------- issue 17

# sym_start BIN: runs BIN (sym_workload or a copy) in the background, its
# pid in $SPID.
sym_start() {
	"$1" >"$T/symwl.out" &
	SPID=$!
	i=0
	while ! grep -q '^pid=' "$T/symwl.out" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.1
	done
}

# sym_addr BIN: the file address of an ip inside sym_workload_fault_here.
sym_addr() {
	a=$(nm "$1" | awk '$3 == "sym_workload_fault_here" { print $1 }')
	[ -n "$a" ] && printf '0x%x' $((0x$a + 4))
}

# Symbolization against the kernel-independent oracles (nm, addr2line,
# readelf of the same file), with no process: saved stream lines at a
# known ip and a saved maps file (--from, --maps) placing the PIE
# sym_workload, then its stripped copy, at 0x555555554000; and --folded.
tc_sym_by_sym() {
	have_py || { skip_case "python3 not available (busybox-only guest)"; return; }
	command -v nm >/dev/null && command -v addr2line >/dev/null && command -v readelf >/dev/null ||
		{ skip_case "no binutils (nm, addr2line, readelf) here"; return; }
	[ -x "$SYMWL" ] || { skip_case "$SYMWL not built"; return; }
	"$MMU" -j faults $$ --by sym --from /dev/null >"$T/out" 2>/dev/null
	grep -q '"symbolizer": "libdw"' "$T/out" ||
		{ skip_case "reader built without libdw (symbols unavailable: file+offset only)"; return; }
	readelf -h "$SYMWL" | grep -q 'Type:.*DYN' || { skip_case "$SYMWL is not a PIE"; return; }
	cp "$SYMWL" "$T/sym_stripped" && strip "$T/sym_stripped" || { skip_case "no strip"; return; }
	base=0x555555554000
	a1=$(sym_addr "$SYMWL") || { die_case "no sym_workload_fault_here in nm"; return; }
	ip=$(printf '0x%x' $((base + a1)))
	for b in "$SYMWL" "$T/sym_stripped"; do
		printf '555555554000-555555754000 r-xp 00000000 00:00 1 %s\n' "$(readlink -f "$b")"
	done >"$T/maps.both"
	head -n 1 "$T/maps.both" >"$T/maps1"
	tail -n 1 "$T/maps.both" >"$T/maps2"
	ev() { echo "ts_ns=$1 cpu=0 pid=42 tid=42 comm=sym_workload va=0x7f0000$1 ip=$2 err=0x6 class=all,minor,write,$3,not_present,anon,first_touch lat_ns=$1 handler_ns=1"; }
	{ ev 1000 "$ip" user; echo lost=7; ev 2000 "$ip" user; ev 3000 0xffffffff81000000 kernel; } >"$T/s1"
	mmu -j faults 42 --by sym --from "$T/s1" --maps "$T/maps1"
	cp "$T/out" "$T/j1"
	mmu -j faults 42 --by sym --from "$T/s1" --maps "$T/maps2"
	cp "$T/out" "$T/j2"
	mmu faults 42 --by sym --from "$T/s1" --maps "$T/maps1" --folded
	expect_rc 0 || return 1
	cat "$T/out"
	fn=$(addr2line -f -e "$SYMWL" "$a1" | head -n 1)
	bid=$(readelf -n "$SYMWL" | sed -n 's/.*Build ID: *//p')
	nmv=$(nm "$SYMWL" | awk '$3 == "sym_workload_fault_here" { print $1 }')
	echo "addr2line $a1: $fn, nm 0x$nmv, build-id $bid"
	py 'import json,sys
j1=json.load(open(sys.argv[1])); j2=json.load(open(sys.argv[2]))
fn,a1,bid,nmv=sys.argv[3],int(sys.argv[4],16),sys.argv[5],int(sys.argv[6],16)
s={x["symbol"]:x for x in j1["sites"]}
u=s[fn]
assert u["symbolized"] and u["count"]==2 and int(u["addr"],16)==a1, u
assert nmv+int(u["offset"],16)==a1, (hex(nmv), u["offset"], hex(a1))
assert u["build_id"]==bid, (u["build_id"], bid)
assert s["[kernel]"]["count"]==1 and j1["lost"]==7 and j1["events"]==3, j1
t={x["symbol"]:x for x in j2["sites"]}["sym_stripped+0x%x" % a1]
assert not t["symbolized"] and t["count"]==2, t' \
		"$T/j1" "$T/j2" "$fn" "$a1" "$bid" "$nmv" || die_case "--by sym != nm/addr2line/readelf" || return 1
	grep -qx "sym_workload;$fn;minor 2" "$T/out" && grep -qx 'sym_workload;\[kernel\];minor 1' "$T/out" &&
		grep -qx 'sym_workload;\[lost\];lost 7' "$T/out" || die_case "--folded lines" || return 1
	grep -Evq '^[^; ]+;[^; ]+;[a-z_]+ [0-9]+$' "$T/out" && die_case "a --folded line not comm;symbol;class count" && return 1
	return 0
}

make_fault_vmas() {
	cat >"$FAKE/4242/fault_vmas" <<'EOF2'
# mmuscope fault_vmas v1 top=3
start=0x7f0000000000 end=0x7f0000503000 pgoff=0x0 vma=anon all=900 minor=890 major=10 write=700 sum_ns=2000000 max_ns=90000
start=0x555555554000 end=0x555555556000 pgoff=0x0 vma=/usr/bin/demo all=300 minor=300 major=0 write=0 sum_ns=300000 max_ns=4000 future_class=3
start=0x555555556000 end=0x555555557000 pgoff=0x2 vma=/usr/bin/demo all=200 minor=200 major=0 write=0 sum_ns=900000 max_ns=40000
vma=other all=100 minor=100 major=0 write=100 sum_ns=10000 max_ns=200
EOF2
}

tc_fake_faults_by_vma() {
	rm -f "$FAKE/4242/fault_vmas"
	MMUSCOPE_DEBUGFS=$FAKE mmu faults 4242 --by vma
	expect_rc 1 || return 1
	grep -q 'no per-VMA fault accounting' "$T/err" || die_case "missing fault_vmas not explained" || return 1
	make_fault_vmas
	MMUSCOPE_DEBUGFS=$FAKE mmu --color=never faults 4242 --by vma --top 2
	expect_rc 0 || return 1
	cat "$T/out"
	sed -n 2p "$T/out" | grep -q ' 900 .* anon$' && sed -n 3p "$T/out" | grep -q ' 300 .*/usr/bin/demo$' ||
		die_case "--by vma: not sorted by count" || return 1
	grep -q '(other' "$T/out" && grep -q '1 more' "$T/out" || die_case "--top 2: other line or the rest" || return 1
	MMUSCOPE_DEBUGFS=$FAKE mmu --color=never faults 4242 --by vma --sort latency
	sed -n 3p "$T/out" | grep -q ' 200 ' || die_case "--sort latency" || return 1
	have_py || return 0
	MMUSCOPE_DEBUGFS=$FAKE mmu -j faults 4242 --by file
	expect_rc 0 || return 1
	py 'import json,sys
d=json.load(open(sys.argv[1]))
f={x["file"]:x for x in d["files"]}
u=f["/usr/bin/demo"]
assert u["all"]==500 and u["vmas"]==2 and u["sum_ns"]==1200000 and u["max_ns"]==40000 and u["future_class"]==3, u
assert sum(x["all"] for x in d["files"])==1500 and d["files"][-1]["file"]=="other", d' "$T/out" ||
		die_case "--by file JSON"
}

tc_fake_heatmap_report() {
	have_py || { skip_case "python3 not available (busybox-only guest)"; return; }
	make_fault_vmas
	MMUSCOPE_DEBUGFS=$FAKE mmu faults 4242 --heatmap "$T/hm.svg" --from "$FAKE/4242/faults"
	expect_rc 0 || return 1
	MMUSCOPE_DEBUGFS=$FAKE mmu report 4242 --from "$FAKE/4242/faults" -o "$T/r.html"
	expect_rc 0 || return 1
	MMUSCOPE_DEBUGFS=$FAKE mmu -j report 4242 --from "$FAKE/4242/faults"
	cp "$T/out" "$T/r.json"
	MMUSCOPE_DEBUGFS=$FAKE mmu -j summary 4242
	cp "$T/out" "$T/sum.json"
	MMUSCOPE_DEBUGFS=$FAKE mmu -j faults 4242
	expect_rc 0 || return 1
	py 'import json,sys,re,xml.etree.ElementTree as ET
svg=ET.parse(sys.argv[1]).getroot()
assert svg.get("data-events")=="3" and svg.get("data-lost")=="3", svg.attrib
assert any(g.get("class")=="lost" for g in svg.iter("{http://www.w3.org/2000/svg}g")), "no lost mark"
r=json.load(open(sys.argv[2])); s=json.load(open(sys.argv[3])); f=json.load(open(sys.argv[4]))
assert all(r["summary"][k]==v for k,v in s.items() if isinstance(v,int) and k!="pid"), "summary"
assert r["stats"]==f["stats"], "stats"
assert r["events"]==3 and r["lost"]==3 and r["heatmap"]["lost"]==3
assert sum(v["all"] for v in r["by_vma"])==[x for x in f["stats"] if x["class"]=="all"][0]["count"]
h=open(sys.argv[5]).read()
for i in ("vma-map","summary","thp","histograms","heatmap","by-vma","by-sym"):
    assert ("id=\"%s\"" % i) in h, i
assert not re.search(r"<script|https?://(?!www\.w3\.org/2000/svg)", h), "external reference"' \
		"$T/hm.svg" "$T/r.json" "$T/sum.json" "$T/out" "$T/r.html" || die_case "heatmap/report vs summary, faults" || return 1
	rm -f "$FAKE/4242/fault_vmas"
}

# The stream of a real sym_workload (and of its stripped copy, at the
# same time: a few seconds in all) attributed to the function taking the
# faults, as addr2line names it.
tc_real_by_sym() {
	with_workload || { skip_case "$why"; return; }
	have_py || { skip_case "python3 not available (busybox-only guest)"; return; }
	[ -r $ROOT/$WLPID/fault_stats ] || { skip_case "module has no fault_stats yet"; return; }
	command -v addr2line >/dev/null && command -v strip >/dev/null || { skip_case "no binutils"; return; }
	"$MMU" -j faults $$ --by sym --from /dev/null 2>/dev/null | grep -q '"symbolizer": "libdw"' ||
		{ skip_case "reader built without libdw (symbols unavailable here)"; return; }
	cp "$SYMWL" "$T/sym_stripped" && strip "$T/sym_stripped"
	sym_start "$SYMWL" || { die_case "sym_workload did not start"; return; }
	p1=$SPID
	sym_start "$T/sym_stripped" || { kill $p1; die_case "stripped copy did not start"; return; }
	p2=$SPID
	timeout 60 "$MMU" -j faults $p1 --by sym --duration 3 >"$T/j1" 2>"$T/e1" &
	r1=$!
	timeout 60 "$MMU" -j faults $p2 --by sym --duration 3 >"$T/j2" 2>"$T/e2" &
	r2=$!
	sleep 1.5
	kill -USR1 $p1 $p2
	wait $r1; rc1=$?
	wait $r2; rc2=$?
	kill $p1 $p2; wait $p1 $p2 2>/dev/null
	cat "$T/j1" "$T/e1" "$T/e2"
	[ $rc1 = 0 ] && [ $rc2 = 0 ] || die_case "--by sym exited $rc1, $rc2" || return 1
	py 'import json,sys,subprocess
j1=json.load(open(sys.argv[1])); j2=json.load(open(sys.argv[2])); b=sys.argv[3]
top=j1["sites"][0]
fn=subprocess.run(["addr2line","-f","-e",b,top["addr"]],capture_output=True,text=True).stdout.split()[0]
assert top["symbol"]=="sym_workload_fault_here"==fn and top["count"]>=64, (top, fn)
t=j2["sites"][0]
fn2=subprocess.run(["addr2line","-f","-e",b,t["addr"]],capture_output=True,text=True).stdout.split()[0]
assert t["symbol"].startswith("sym_stripped+0x") and fn2=="sym_workload_fault_here" and t["count"]>=64, (t, fn2)' \
		"$T/j1" "$T/j2" "$SYMWL" || die_case "--by sym != addr2line"
}

# report --json against the module's own files read right after it (the
# workload stopped meanwhile); the page and the JSON stay for the host's
# browser check in $MMUSCOPE_REPORT_OUT.  Per-VMA counts sum to all.
tc_real_report() {
	with_workload || { skip_case "$why"; return; }
	have_py || { skip_case "python3 not available (busybox-only guest)"; return; }
	[ -r $ROOT/$WLPID/fault_stats ] || { skip_case "module has no fault_stats yet"; return; }
	# (wait PID, not wait: the workload is a child of this shell too.)
	( sleep 0.5; kill -USR1 "$WLPID" ) &
	kp=$!
	mmu report "$WLPID" --duration 1.5 -o "$T/report.html"
	wait $kp
	expect_rc 0 || return 1
	# A round's stream lines, saved, for the page of the browser check.
	( sleep 0.5; kill -USR1 "$WLPID" ) &
	kp=$!
	timeout 2 cat $ROOT/$WLPID/faults >"$T/stream.txt" 2>/dev/null
	wait $kp
	kill -STOP "$WLPID"
	mmu -j report "$WLPID" --duration 0.2
	cp "$T/out" "$T/report.json"
	mmu -j summary "$WLPID"
	cp "$T/out" "$T/sum.json"
	mmu -j faults "$WLPID"
	frc=$rc
	if [ -n "${MMUSCOPE_REPORT_OUT:-}" ]; then
		# The page and the JSON of the same stopped process, for the
		# browser check; the stream is the one the page was made from.
		mmu report "$WLPID" --from "$T/stream.txt" -o "$T/page.html"
		mmu -j report "$WLPID" --from "$T/stream.txt"
		mkdir -p "$MMUSCOPE_REPORT_OUT" && cp "$T/page.html" "$MMUSCOPE_REPORT_OUT/report.html" &&
			cp "$T/out" "$MMUSCOPE_REPORT_OUT/report.json"
		mmu -j faults "$WLPID"
	fi
	kill -CONT "$WLPID"
	rc=$frc
	expect_rc 0 || return 1
	py 'import json,sys
r=json.load(open(sys.argv[1])); s=json.load(open(sys.argv[2])); f=json.load(open(sys.argv[3]))
# Accessed bits change while the process is stopped (LRU aging clears
# them: 4018 then 4016 on 7.3-rt): within 1 %; the rest exactly.
def same(k,x,y): return abs(x-y)<=max(8,y//100) if k=="accessed" else x==y
bad=[k for k,v in s.items() if isinstance(v,int) and k!="pid" and k in r["summary"] and not same(k,r["summary"][k],v)]
assert not bad, [(k,r["summary"][k],s[k]) for k in bad]
a={x["class"]:x["count"] for x in f["stats"]}; b={x["class"]:x["count"] for x in r["stats"]}
assert a==b, (a,b)
assert len(r["vmas"])>5 and r["pagesizes"]["pte"], r["pagesizes"]
if r["by_vma"] is not None:
    print("fault_vmas: sum", sum(v["all"] for v in r["by_vma"]), "all", a["all"])
    assert sum(v["all"] for v in r["by_vma"])==a["all"]
else:
    print("by_vma absent:", r["by_vma_absent"])' "$T/report.json" "$T/sum.json" "$T/out" ||
		die_case "report --json != summary/faults" || return 1
	grep -q 'id="by-sym"' "$T/report.html" || die_case "no by-sym section"
}

# Per-VMA counts (the module's fault_vmas) of a stopped workload add up to
# its all count; --by file to the same.
tc_real_fault_vmas() {
	with_workload || { skip_case "$why"; return; }
	have_py || { skip_case "python3 not available (busybox-only guest)"; return; }
	[ -r $ROOT/$WLPID/fault_vmas ] ||
		{ skip_case "module has no fault_vmas (per-VMA accounting lands separately)"; return; }
	kill -STOP "$WLPID"
	mmu -j faults "$WLPID" --by vma --top 1000000
	cp "$T/out" "$T/v.json"
	mmu -j faults "$WLPID" --by file --top 1000000
	cp "$T/out" "$T/f.json"
	mmu -j faults "$WLPID"
	kill -CONT "$WLPID"
	expect_rc 0 || return 1
	py 'import json,sys
v=json.load(open(sys.argv[1])); f=json.load(open(sys.argv[2])); s=json.load(open(sys.argv[3]))
a=[x["count"] for x in s["stats"] if x["class"]=="all"][0]
assert sum(x["all"] for x in v["vmas"])==a==sum(x["all"] for x in f["files"]), a' \
		"$T/v.json" "$T/f.json" "$T/out" || die_case "per-VMA counts do not sum to all"
}

# ---------------------------------------------------------------- main

if ! "$MMU" --version >/dev/null 2>&1; then
	echo "1..1"
	echo "ok 1 reader # SKIP $MMU does not run here (not built, or another arch)"
	echo "# Totals: pass:0 fail:0 xfail:0 xpass:0 skip:1 error:0"
	exit 4
fi
# The real cases that keep the module loaded (no load or unload): all
# that --lockdown can run, since a module cannot be loaded under lockdown
# unless the kernel trusts its key (no MOK in a guest).
REAL_RESIDENT_CASES="real_check_vs_pagemap real_maps_json_vs_smaps
	 real_translate_vs_pagemap real_faults_and_prom real_run_vs_rusage
	 real_temp_targets_removed real_loops_end_with_process real_targets_cli
	 real_interval_vs_proc real_summary_vs_vmpte real_maps_vmas_vs_smaps
	 real_run_tree_vs_rusage real_by_sym real_report real_fault_vmas"
if [ $LOCKDOWN = 1 ]; then
	echo "TAP version 13"
	if ! raise_lockdown; then
		echo "1..1"
		echo "ok 1 lockdown # SKIP $why"
		echo "# Totals: pass:0 fail:0 xfail:0 xpass:0 skip:1 error:0"
		exit 4
	fi
	echo "# lockdown: $(cat /sys/kernel/security/lockdown)"
	for c in lockdown_control $REAL_RESIDENT_CASES; do
		run_case $c
	done
	stop_workload
	echo "1..$n"
	echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
	[ $fail = 0 ]
	exit
fi
make_fake
echo "TAP version 13"
# Kernel-independent and slow in a TCG guest (binutils, python3): once,
# on the host (scripts/check runs reader_test --host).
HOST_CASES="sym_by_sym fake_faults_by_vma fake_heatmap_report"
# The reader against the fake tree: kernel-independent too, but cheap
# enough to run wherever the reader is a different binary (arm64 guests,
# the installed package's reader).
FAKE_CASES="help_everywhere usage_errors json_errors_on_stderr fake_not_a_target
	 fake_maps_raw_is_verbatim fake_maps_table fake_maps_vmas fake_maps_json fake_translate_tree
	 fake_translate_json fake_summary fake_summary_json fake_faults fake_faults_json
	 fake_faults_stream fake_faults_class fake_faults_interval fake_prom fake_small_fixes
	 fake_status"
if [ $HOST = 1 ]; then
	for c in $FAKE_CASES $HOST_CASES; do
		run_case $c
	done
	echo "1..$n"
	echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
	[ $fail = 0 ]
	exit
fi
# scripts/check runs the fake-tree cases once on the host (--host) and
# passes the SHA-256 of the reader it ran them with: a guest running that
# very binary does not repeat them (about 85 s per TCG guest).
sum=$(sha256sum "$MMU" 2>/dev/null | cut -d' ' -f1)
if [ -n "${MMUSCOPE_HOST_TESTED:-}" ] && [ "$sum" = "$MMUSCOPE_HOST_TESTED" ]; then
	echo "# the fake-tree cases ran on the host (reader_test --host) with this reader, sha256 $sum"
else
	for c in $FAKE_CASES; do
		run_case $c
	done
fi
# Outside a guest (a developer's run) the host cases too.
if [ "${MMUSCOPE_GUEST:-}" != 1 ]; then
	for c in $HOST_CASES; do
		run_case $c
	done
fi
for c in real_not_loaded real_load_errors real_load_status_unload real_not_root \
	 real_load_pid_and_views $REAL_RESIDENT_CASES; do
	run_case $c
done
stop_workload
echo "1..$n"
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
[ $fail = 0 ]
