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
# Usage: scripts/run-bench.sh BENCH_BIN_DIR BENCH_ISO PE_IMAGE...
# (the Makefile passes build/bench, the in-kernel benchmark's ISO and the
# PE loading benchmark's images that tests/pe/pe.mk builds).  Everything
# else it reads is in the repository (traces: tests/data/traces/).
#
# The in-kernel benchmark (src/kernel/kbench.h) boots BENCH_ISO once.  KVM
# is tried first, with a timeout, and QEMU's emulation (TCG) is the
# fallback: KVM is not reliable on these machines (docs/tradeoffs.md says
# what the probe found).  Its rows go into the CSV with the workload
# prefixed by the measurement kind: kernel-kvm/... or kernel-tcg/...
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: run-bench.sh BENCH_BIN_DIR BENCH_ISO PE_IMAGE...}
iso=${2:?usage: run-bench.sh BENCH_BIN_DIR BENCH_ISO PE_IMAGE...}
pe_images=("${@:3}")
[ ${#pe_images[@]} -gt 0 ] || { echo "run-bench.sh: no PE images" >&2; exit 2; }
# Debian's interpreter: python3-matplotlib is installed for it
python=${PYTHON:-/usr/bin/python3}
csv=docs/tradeoffs.csv
tmp=$(mktemp)
kout=$(mktemp)
trap 'rm -f "$tmp" "$kout"' EXIT

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

# The bench ISO booted once with ACCEL ARGS...; 0 if it ended PASS within
# TIMEOUT seconds, its console in $kout, what happened in $boot_result.
KBENCH_MEMORY=1G
KBENCH_CPUS=${KBENCH_CPUS:-4} # the throughput rows run 1, 2, 4 threads
boot_bench() { # TIMEOUT ACCEL_ARGS...
	local status=0
	timeout "$1" qemu-system-x86_64 -machine pc -no-reboot -m $KBENCH_MEMORY -smp $KBENCH_CPUS \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 "${@:2}" \
		-display none -monitor none -serial stdio -cdrom "$iso" \
		> "$kout" 2> /dev/null || status=$?
	if grep -q '^kbench-end: PASS' "$kout" && [ $status = 33 ]; then
		boot_result="completed"
		return 0
	fi
	case $status in
	124) boot_result="no result within $1 s (hung)" ;;
	33|35) boot_result="the benchmark failed" ;;
	*) boot_result="QEMU exited with status $status" ;;
	esac
	return 1
}

# KVM first (-cpu host, then qemu64: EMULATORS.md), else TCG with the
# machine of the kernel tests.  Sets accel, kernel_cpu and kvm_probe.
run_kernel_bench() {
	local cpu
	kvm_probe=""
	for cpu in host qemu64; do
		if [ -w /dev/kvm ] && boot_bench 60 -accel kvm -cpu $cpu; then
			accel=kvm kernel_cpu=$cpu
			kvm_probe="$kvm_probe-accel kvm -cpu $cpu: completed"
			return
		fi
		[ -w /dev/kvm ] || boot_result="no usable /dev/kvm"
		kvm_probe="$kvm_probe-accel kvm -cpu $cpu: $boot_result; "
	done
	accel=tcg kernel_cpu=max
	boot_bench 900 -accel tcg -cpu max ||
		{ echo "bench: the in-kernel benchmark under TCG: $boot_result" >&2; exit 1; }
}

# kbench,WORKLOAD,... rows as WORKLOAD prefixed by the measurement kind;
# kbench,meta,kernel,... as meta rows
kernel_rows() {
	sed -n -e 's/\r$//' \
		-e 's/^kbench,meta,kernel,\([^,]*\),\([^,]*\),\(.*\)$/meta,kernel,\1,"\2",\3/p' \
		-e "/^kbench,meta,/d" \
		-e "s|^kbench,|kernel-$accel/|p" "$kout"
}
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
t0=$SECONDS
run_kernel_bench
{
	kernel_rows
	printf 'meta,kernel,accelerator,"%s",text\n' "$accel"
	printf 'meta,kernel,cpu_model,"%s",text\n' "$kernel_cpu"
	printf 'meta,kernel,memory,"%s",text\n' "$KBENCH_MEMORY"
	printf 'meta,kernel,kvm_probe,"%s",text\n' "${kvm_probe%; }"
	printf 'meta,kernel,run_seconds,"%s",s\n' "$((SECONDS - t0))"
} >> "$tmp"
echo "bench: in-kernel benchmark ($accel) done in $((SECONDS - t0)) s" >&2
# PE loading is measured on the host build only (bench_pe)
echo "kernel-pe-load,both,pending,1,flag" >> "$tmp"
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
