# SPDX-License-Identifier: GPL-2.0
# Shared definitions for mmuscope's scripts: cache layout and the kernel table.
# Sourced, never run.

MMU_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MMU_CACHE=${MMUSCOPE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmuscope}
MMU_SRC=$MMU_CACHE/linux-source-6.1

mmu_log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
mmu_die() { printf '%s: error: %s\n' "${0##*/}" "$*" >&2; exit 1; }

# Print the arguments as POSIX sh words: each in single quotes, a quote
# inside as '\''.  The guests run dash or busybox sh, which do not read
# bash's printf %q forms ($'..\n..' for newlines and control characters).
mmu_shquote() {
	local a sep=""
	for a in "$@"; do
		printf "%s'%s'" "$sep" "${a//\'/\'\\\'\'}"
		sep=" "
	done
}

# mmu_result FILE: "PASS FAIL SKIP" from the last "# result: pass=N
# fail=N skip=N" line of FILE (selftests/run_tests.sh and
# scripts/check-packages-guest print it); status 1 when there is none.
mmu_result() {
	sed -n 's/^# result: pass=\([0-9]*\) fail=\([0-9]*\) skip=\([0-9]*\).*/\1 \2 \3/p' \
		"$1" 2>/dev/null | tail -n 1 | grep .
}

# Kernel table.  A configuration is NAME-ARCH; NAME is the Debian series.
#   6.1-x86_64   linux-image-amd64 from bookworm
#   6.12-x86_64  linux-image-amd64 from bookworm-security
#   6.1-arm64    linux-image-arm64 from bookworm (4K pages)
#   6.12-arm64   linux-image-arm64-16k from bookworm-security (16K pages)
#   debug-x86_64 scripts/debug-kernel's build of linux-source-6.1
#   7.3-x86_64     linux-image-amd64 from trixie-backports
#   7.3-rt-x86_64  linux-image-rt-amd64 from trixie-backports (PREEMPT_RT)
#   7.3-arm64      linux-image-arm64 from trixie-backports (4K pages)
#   7.3-16k-arm64  linux-image-arm64-16k from trixie-backports (16K pages)
# The 7.3 kernels need gcc-14: their module is built in the Debian trixie
# build root of scripts/setup (file "buildroot" in the kernel's directory).
# NAME may carry a flavour (rt, 16k): NAME-ARCH splits at the last "-".
# scripts/setup resolves each meta package to the ABI release it depends on
# and unpacks the image into $MMU_CACHE/kernels/NAME-ARCH/ with a file
# "release" naming it, so scripts never hard-code an ABI number.
mmu_kdir_of() { printf '%s/kernels/%s-%s\n' "$MMU_CACHE" "$1" "$2"; }

# Debian build root of a suite (scripts/setup: mmdebstrap), for kernels
# built with a newer gcc than the host's.
mmu_buildroot_dir() { printf '%s/buildroot-%s\n' "$MMU_CACHE" "$1"; }

# The build root a configuration's module is built in (its file
# "buildroot" names the suite); fails for host-built configurations.
mmu_buildroot_of() {
	local d
	d=$(mmu_kdir_of "$1" "$2")
	[ -f "$d/buildroot" ] || return 1
	mmu_buildroot_dir "$(cat "$d/buildroot")"
}

mmu_release_of() {
	local d
	d=$(mmu_kdir_of "$1" "$2")
	[ -f "$d/release" ] || return 1
	cat "$d/release"
}

# Headers tree (KDIR) of a configuration, for building the module.
mmu_headers_of() {
	local rel root
	rel=$(mmu_release_of "$1" "$2") || return 1
	if root=$(mmu_buildroot_of "$1" "$2"); then
		printf '%s/usr/src/linux-headers-%s\n' "$root" "$rel"
		return 0
	fi
	case "$2" in
	x86_64)
		if [ -d "$(mmu_kdir_of "$1" "$2")/build" ]; then
			printf '%s/build\n' "$(mmu_kdir_of "$1" "$2")"
		else
			printf '/usr/src/linux-headers-%s\n' "$rel"
		fi ;;
	*) printf '%s/headers/usr/src/linux-headers-%s\n' "$(mmu_kdir_of "$1" "$2")" "$rel" ;;
	esac
}

# The kernel matrix `make check` runs: NAME-ARCH:PAGING[-VARIANT].
# arm64 configurations name their page size instead of a paging mode;
# VARIANT picks the guest CPU (mmu_arm64_cpu_of).  x86_64's one variant,
# "deb", installs the Debian packages in the guest (DKMS builds the
# module there) and runs the selftests with them (scripts/check).
MMU_MATRIX_ALL="6.1-x86_64:4-deb 6.1-x86_64:5 6.12-x86_64:4-deb 6.12-x86_64:5 6.1-arm64:4K 6.12-arm64:16K
	6.12-arm64:16K-nolpa2 7.3-x86_64:4-deb 7.3-x86_64:5 7.3-rt-x86_64:5 7.3-arm64:4K 7.3-16k-arm64:16K
	7.3-16k-arm64:16K-nolpa2"
MMU_MATRIX=${MMUSCOPE_MATRIX:-$MMU_MATRIX_ALL}

# A kernel log line matching MMU_SPLAT_RE and not MMU_BENIGN_RE is a
# splat: the guest runners fail the run (exit 125).  arm64 says "Internal
# error:" for its oops/BUG/BRK; 7.x's workqueue deprecation notice names
# our work function when we queue on a deprecated system workqueue.
# lockdep's reports are matched by their headers, not by the word
# "lockdep": fault injection prints call traces through lockdep_*()
# functions that are no report.
MMU_SPLAT_RE='BUG:|WARNING:|Oops|KASAN|UBSAN|possible circular locking|possible recursive locking|inconsistent lock state|DEBUG_LOCKS_WARN_ON|turning off the locking correctness validator|suspicious RCU usage|scheduling while atomic|rcu.*detected stall|self-detected stall|blocked for more than|Kernel panic|general protection fault|Unable to handle kernel|kernel BUG|suspected memory leak|refcount_t:|list_add corruption|list_del corruption|Internal error:|enqueued on deprecated workqueue'
# Boot banners of the debug kernel (scripts/debug-kernel) that match the above.
MMU_BENIGN_RE='RCU lockdep checking is enabled'

# QEMU CPU model of an arm64 configuration's VARIANT (empty: max).
#   nolpa2  neoverse-n1, without FEAT_LPA2: a 16K kernel built for 52-bit
#           VAs runs with 47-bit VAs and the PUD folded at boot.
mmu_arm64_cpu_of() {
	case "$1" in
	"") echo max ;;
	nolpa2) echo neoverse-n1 ;;
	*) return 1 ;;
	esac
}

# Page size (4K, 16K, 64K) of an arm64 configuration, from its headers' .config.
mmu_arm64_pagesize_of() {
	local kdir
	kdir=$(mmu_headers_of "$1" arm64) || return 1
	sed -n 's/^CONFIG_ARM64_\([0-9]*K\)_PAGES=y$/\1/p' "$kdir/.config" 2>/dev/null | grep .
}
