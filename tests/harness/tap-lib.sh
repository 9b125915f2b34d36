# tap-lib.sh - sourced by the harness scripts: TAP result lines and the
# reading of a kernel's serial log.
#
# Every harness script prints TAP "ok - NAME" / "not ok - NAME # why" lines;
# scripts/run-tests.sh counts them together with the KTAP lines the kernel
# itself printed.

tap_result() { # tap_result NAME CONDITION-STATUS [WHY]
	if [ "$2" -eq 0 ]; then
		echo "ok - $1"
	else
		echo "not ok - $1${3:+ # $3}"
	fi
}

# The kernel's console, without the UART's carriage returns and GRUB's
# terminal escapes.
clean_log() {
	tr -d '\r' < "$1" | sed 's/\x1b\[[0-9;]*[A-Za-z]//g'
}

# KTAP test lines printed by the kernel (nested diagnostics start with '#').
ktap_lines() {
	clean_log "$1" | grep -E '^(not )?ok [0-9]+ '
}
