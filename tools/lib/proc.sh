#!/usr/bin/env bash
# tools/lib/proc.sh — start, watch and stop processes by PID, for tools/run and tests.
#
# Source it from bash (it sets no shell options of its own):
#   . tools/lib/proc.sh
#   pid_alive PID                  status 0 when PID exists and is not a zombie
#   pid_is PID NAME                status 0 when PID is alive and its command name is NAME
#   stop_pid PID [NAME]            SIGTERM, wait up to 5 s, then SIGKILL; with NAME, a PID
#                                  that now belongs to another program is left alone
#   wait_for_line FILE REGEX SECONDS [PID]
#                                  wait until a line of FILE matches REGEX (grep -E) and
#                                  print it; fails on timeout, or as soon as PID has died
# Nothing here kills by name: only PIDs the caller started and recorded.

pid_alive() {
	local pid=$1 state
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	# A dead child that nobody has reaped yet still answers kill -0: look at its state.
	state=$(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$pid/stat" 2>/dev/null) || return 1
	[[ $state != Z && $state != X ]]
}

pid_is() {
	local pid=$1 name=$2 comm
	pid_alive "$pid" || return 1
	comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
	# The kernel keeps 15 characters of the command name.
	[[ $comm == "${name:0:15}" ]]
}

stop_pid() {
	local pid=$1 name=${2:-} i
	if ! pid_alive "$pid"; then
		wait "$pid" 2>/dev/null || true
		return 0
	fi
	if [[ -n $name ]] && ! pid_is "$pid" "$name"; then
		printf 'not stopping PID %s: it is no longer %s\n' "$pid" "$name" >&2
		return 0
	fi
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		pid_alive "$pid" || break
		sleep 0.1
	done
	if pid_alive "$pid"; then
		printf 'PID %s (%s) ignored SIGTERM for 5 s: sending SIGKILL\n' "$pid" \
			"${name:-process}" >&2
		kill -KILL "$pid" 2>/dev/null || true
		for ((i = 0; i < 20; i++)); do
			pid_alive "$pid" || break
			sleep 0.1
		done
	fi
	# Reap it when it is our own child, so the shell does not report it later.
	wait "$pid" 2>/dev/null || true
	return 0
}

wait_for_line() {
	local file=$1 regex=$2 seconds=$3 pid=${4:-} line i
	for ((i = 0; i < seconds * 10; i++)); do
		if line=$(grep -E -m1 -- "$regex" "$file" 2>/dev/null); then
			printf '%s\n' "$line"
			return 0
		fi
		if [[ -n $pid ]] && ! pid_alive "$pid"; then
			# One last look: it may have printed the line and exited at once.
			line=$(grep -E -m1 -- "$regex" "$file" 2>/dev/null) || return 1
			printf '%s\n' "$line"
			return 0
		fi
		sleep 0.1
	done
	return 1
}
