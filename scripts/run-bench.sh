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
# The in-kernel benchmark (src/kernel/kbench.h) boots BENCH_ISO once, on
# KVM where KVM runs the guest natively, else under QEMU's emulation with
# -icount shift=0, where every TSC tick is one guest instruction (exact and
# deterministic: instruction counts, not times).  Whether KVM runs it
# natively is probed first by booting BENCH_ISO's sibling
# NAME-probe.iso (the kernel alone, `bench=probe nosmap`): it prints how
# many TSC ticks 1,000 dependent decrements take, about 1,000 natively.
# KVM on these machines boots but emulates every instruction
# (docs/emulators.md), and then the run falls back to -icount.  Rows go
# into the CSV with the workload prefixed by the measurement kind:
# kernel-kvm/... (TSC cycles) or kernel-icount/... (the kernel's
# *_cycles metrics renamed *_instructions).  The kernel's progress lines
# ("kbench: ...") are shown on stderr while it runs.
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

# An ISO booted once with ACCEL ARGS...; 0 if it ended PASS within TIMEOUT
# seconds, its console in $kout, what happened in $boot_result.  Lines
# "kbench: ..." (the workload running) are copied to stderr as they come.
KBENCH_MEMORY=1G
KBENCH_CPUS=${KBENCH_CPUS:-4} # the throughput rows run 1, 2, 4 threads
# -cpu host alone aborts on these machines (MSR 0x10a, docs/emulators.md)
KVM_CPU=host,-arch-capabilities
# The probe boots the kernel alone: GRUB through an emulated BIOS takes
# 40 s on a quiet machine here, two minutes on a loaded one.
KVM_PROBE_TIMEOUT=${KVM_PROBE_TIMEOUT:-300}
# TSC ticks per 1,000 dependent decrements up to which KVM counts as
# running the guest natively (about 1,000 there; 3.8 million here)
NATIVE_SPIN_MAX=10000
probe_iso=${iso%.iso}-probe.iso
qerr=$(mktemp)
trap 'rm -f "$tmp" "$kout" "$qerr"' EXIT
boot_bench() { # ISO TIMEOUT ACCEL_ARGS...
	local status=0
	timeout "$2" qemu-system-x86_64 -machine pc -no-reboot -m $KBENCH_MEMORY -smp $KBENCH_CPUS \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 "${@:3}" \
		-display none -monitor none -serial stdio -cdrom "$1" 2> "$qerr" |
		tee "$kout" | sed -u -n -e 's/\r$//' -e 's/^kbench: /bench: kernel: /p' >&2 ||
		status=${PIPESTATUS[0]}
	if grep -q '^kbench-end: PASS' "$kout" && [ "$status" = 33 ]; then
		boot_result="completed"
		return 0
	fi
	case $status in
	124) boot_result="no result within $2 s (hung)" ;;
	33|35) boot_result="the benchmark failed" ;;
	*) boot_result="QEMU exited with status $status" ;;
	esac
	# QEMU's own complaint, e.g. "KVM internal error. Suberror: 1"
	[ -s "$qerr" ] && boot_result="$boot_result: $(head -1 "$qerr" | tr -d '"')"
	return 1
}

kernel_meta() { # NAME: a kbench,meta,kernel,NAME,VALUE row's value in $kout
	sed -n -e 's/\r$//' -e "s/^kbench,meta,kernel,$1,\([^,]*\),.*/\1/p" "$kout" | head -1
}

# Sets kvm_probe (what the probe found, for the report), kvm_spin (its
# TSC ticks per 1,000 decrements, or empty) and kvm_native (1 or 0).
probe_kvm() {
	local t0=$SECONDS
	kvm_native=0 kvm_spin=""
	if [ ! -w /dev/kvm ]; then
		kvm_probe="no usable /dev/kvm"
		return
	fi
	echo "bench: probing KVM (-cpu $KVM_CPU, at most $KVM_PROBE_TIMEOUT s)" >&2
	if ! boot_bench "$probe_iso" "$KVM_PROBE_TIMEOUT" -accel kvm -cpu $KVM_CPU; then
		kvm_probe="-accel kvm -cpu $KVM_CPU: $boot_result"
		return
	fi
	kvm_spin=$(kernel_meta spin_ticks_per_1000)
	if [ -n "$kvm_spin" ] && [ "$kvm_spin" -le $NATIVE_SPIN_MAX ]; then
		kvm_native=1
		kvm_probe="-accel kvm -cpu $KVM_CPU: runs the guest natively (1,000 dependent decrements in $kvm_spin TSC ticks)"
	else
		kvm_probe="-accel kvm -cpu $KVM_CPU: booted (in $((SECONDS - t0)) s), but 1,000 dependent decrements took ${kvm_spin:-?} TSC ticks, about 1,000 where a CPU runs them natively: this KVM emulates the guest's instructions (docs/emulators.md), so its TSC intervals would time the emulator"
	fi
}

# KVM if it runs the guest natively, else TCG with -icount.  Sets accel,
# kernel_cpu, kvm_probe, kvm_spin and kernel_seconds (the benchmark's
# boot, the probe's not included).
run_kernel_bench() {
	probe_kvm
	echo "bench: KVM probe: $kvm_probe" >&2
	kernel_t0=$SECONDS
	if [ $kvm_native = 1 ]; then
		accel=kvm kernel_cpu=$KVM_CPU
		boot_bench "$iso" 1800 -accel kvm -cpu $KVM_CPU ||
			{ echo "bench: the in-kernel benchmark under KVM: $boot_result" >&2; exit 1; }
		kernel_seconds=$((SECONDS - kernel_t0))
		return
	fi
	accel=icount kernel_cpu=max
	echo "bench: the in-kernel benchmark under TCG with -icount shift=0 (instruction counts)" >&2
	boot_bench "$iso" 3600 -accel tcg -cpu max -icount shift=0,sleep=off ||
		{ echo "bench: the in-kernel benchmark under TCG -icount: $boot_result" >&2; exit 1; }
	kernel_seconds=$((SECONDS - kernel_t0))
}

# kbench,WORKLOAD,... rows as WORKLOAD prefixed by the measurement kind;
# kbench,meta,kernel,... as meta rows.  Under -icount a TSC tick is a guest
# instruction: *_cycles metrics (unit cycles) become *_instructions.
kernel_rows() {
	local rename=""
	[ "$accel" = icount ] &&
		rename='s/^\(kbench,[^,]*,[^,]*,[^,]*\)_cycles,\([^,]*\),cycles$/\1_instructions,\2,instructions/'
	sed -n -e 's/\r$//' -e "$rename" \
		-e 's/^kbench,meta,kernel,\([^,]*\),\([^,]*\),\(.*\)$/meta,kernel,\1,"\2",\3/p' \
		-e "/^kbench,meta,/d" \
		-e "s|^kbench,|kernel-$accel/|p" "$kout"
	# -icount is still TCG: its rows go out under the names earlier runs
	# gave them too (kernel-tcg/..., *_cycles in the emulated TSC's ticks),
	# so results stay comparable across commits; the PE load is measured
	# now, so the old "pending" flag stays, at 0.
	[ "$accel" = icount ] &&
		sed -n -e 's/\r$//' \
			-e 's/^kbench,meta,kernel,run_cycles,\([^,]*\),.*$/meta,kernel,run_cycles,"\1",cycles/p' \
			-e "/^kbench,meta,/d" -e "s|^kbench,|kernel-tcg/|p" "$kout"
	echo "kernel-pe-load,both,pending,0,flag"
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
	printf 'meta,kernel,kvm_probe,"%s",text\n' "${kvm_probe//\"/\"\"}"
	[ -n "$kvm_spin" ] && printf 'meta,kernel,kvm_spin_ticks_per_1000,"%s",ticks\n' "$kvm_spin"
	printf 'meta,kernel,run_seconds,"%s",s\n' "$kernel_seconds"
} >> "$tmp"
echo "bench: in-kernel benchmark ($accel) done in $((SECONDS - t0)) s" >&2
meta run_seconds "$(($(date +%s) - start))" s >> "$tmp"
mv "$tmp" "$csv"
rm -f "$kout" "$qerr"
trap - EXIT
"$python" scripts/bench-report.py "$csv" docs/tradeoffs.md docs/img
echo "bench: docs/tradeoffs.md, $csv and docs/img/ written" >&2

for b in pmm vm card1; do
	t0=$SECONDS
	"$bin/bench_$b" > "docs/bench-$b.md"
	echo "bench: docs/bench-$b.md written in $((SECONDS - t0)) s" >&2
done
