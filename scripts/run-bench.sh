#!/usr/bin/env bash
# run-bench.sh - `make bench`: runs every host benchmark and writes
#   docs/tradeoffs.csv  every figure of the tradeoff study of the two VM
#                       designs, fork included, and of PE loading lazy
#                       against eager (workload,design,metric,value,unit),
#                       with the run's machine, commit and date as "meta"
#                       rows
#   docs/tradeoffs.md, docs/img/*.png
#                       generated from that CSV alone (scripts/bench-report.py)
#   docs/bench-pmm.md, docs/bench-vm.md, docs/bench-card1.md
#                       the per-subsystem Markdown reports
# Usage: scripts/run-bench.sh BENCH_BIN_DIR PE_IMAGE...
# (the Makefile passes build/bench and the PE loading benchmark's images
# that tests/pe/pe.mk builds).  Everything else it reads is in the
# repository (traces: tests/data/traces/).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: run-bench.sh BENCH_BIN_DIR PE_IMAGE...}
pe_images=("${@:2}")
[ ${#pe_images[@]} -gt 0 ] || { echo "run-bench.sh: no PE images" >&2; exit 2; }
# Debian's interpreter: python3-matplotlib is installed for it
python=${PYTHON:-/usr/bin/python3}
csv=docs/tradeoffs.csv
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

# One meta row; text values are quoted for CSV.
meta() { # METRIC VALUE UNIT
	printf 'meta,host,%s,"%s",%s\n' "$1" "${2//\"/\"\"}" "$3"
}

commit() {
	local c
	c=$(git rev-parse --short HEAD 2>/dev/null) || { echo unknown; return; }
	# GIT_OPTIONAL_LOCKS=0: status must not rewrite the index
	if [ -n "$(GIT_OPTIONAL_LOCKS=0 git status --porcelain 2>/dev/null)" ]; then
		c="$c-dirty"
	fi
	echo "$c"
}

# KVM counts as available when QEMU can start a machine with it
kvm=0
if echo q | timeout 20 qemu-system-x86_64 -accel kvm -M q35 -display none \
	-serial none -monitor stdio -S > /dev/null 2>&1; then
	kvm=1
fi
traces=(tests/data/traces/*.maps.csv)
start=$(date +%s)
{
	echo "workload,design,metric,value,unit"
	meta cpu_model "$(lscpu | sed -n 's/^Model name: *//p' | head -1)" text
	meta cores "$(nproc)" cores
	meta commit "$(commit)" text
	meta date "$(date -u '+%Y-%m-%d %H:%M UTC')" text
	meta compiler "$(${CC:-gcc} --version | head -1)" text
	meta kernel "$(uname -sr)" text
	meta kvm "$kvm" flag
	meta traces "${#traces[@]}" files
} > "$tmp"

run() { # PROGRAM ARGS...: its rows appended, its time on stderr
	local t0=$SECONDS
	"$bin/$1" "${@:2}" >> "$tmp"
	echo "bench: $1 done in $((SECONDS - t0)) s" >&2
}

run replay "${traces[@]}"
run replay_linux "${traces[@]}"
run bench_scaling
run bench_frag
run bench_fault
run bench_huge
run bench_fork
run bench_pe "${pe_images[@]}"
# the in-kernel measurement (rdtsc under QEMU with KVM) does not exist yet
echo "kernel-rdtsc,both,pending,1,flag" >> "$tmp"
meta run_seconds "$(($(date +%s) - start))" s >> "$tmp"
mv "$tmp" "$csv"
trap - EXIT
"$python" scripts/bench-report.py "$csv" docs/tradeoffs.md docs/img
echo "bench: docs/tradeoffs.md, $csv and docs/img/ written" >&2

for b in pmm vm card1; do
	t0=$SECONDS
	"$bin/bench_$b" > "docs/bench-$b.md"
	echo "bench: docs/bench-$b.md written in $((SECONDS - t0)) s" >&2
done
