#!/usr/bin/env bash
# tests/integration/lib.sh — shared by the integration, fault and rt-trap tests (bash).
#
# Each test starts its own JACK dummy server under a name of its own, its own engines on
# free UDP ports, and stops every process it started by PID, on every exit path.
#
#   . tests/integration/lib.sh
#   t_setup ID                     temp dir, private JACK server name, cleanup trap
#   t_start_jack                   jackd -n $JACK_DEFAULT_SERVER --no-realtime -d dummy ...
#   t_start_engine NAME [ARGS...]  chronusd --name NAME --port P --no-connect ARGS; waits for
#                                  the ready line; sets E_PID, E_PORT, E_READY, E_OUT, E_ERR.
#                                  T_ENGINE_ENV (array of VAR=value) goes to its environment.
#   t_send PORT CMD...             chronus-send; its stdout, its status
#   t_must PORT CMD...             chronus-send that must answer done:, else the test fails
#   t_zygote EPID                  PID of the engine's chronus-zygote child
#   t_workers EPID                 "PID COMM" lines of the engine's chronus-wN processes
#   t_wait_workers EPID N          wait until N workers run (15 s)
#   t_record PORT SECONDS FILE [PORT...]
#                                  jack_rec of JACK ports into FILE (waits until done)
#   t_fail MSG / t_ok MSG          report and stop / report
# Environment from meson: CHRONUSD, CHRONUS_SEND, CHRONUS_TOOLS_LIB.

set -euo pipefail

: "${CHRONUSD:?set CHRONUSD to the chronusd binary}"
: "${CHRONUS_SEND:?set CHRONUS_SEND to the chronus-send binary}"
: "${CHRONUS_TOOLS_LIB:?set CHRONUS_TOOLS_LIB to the source tree tools/lib}"

# shellcheck source=tools/lib/proc.sh
. "$CHRONUS_TOOLS_LIB/proc.sh"

T_LIB_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
T_PY=/usr/bin/python3 # Debian's: it has numpy (the python3 on PATH may not)
T_AUDIO="$T_LIB_DIR/audio.py"
T_UID=$(id -u)

# Clients we start must never start a server of their own behind our back.
export JACK_NO_START_SERVER=1

T_DIR=
T_PIDS=()        # "PID COMM" of every process we started, in order
T_KIDS=()        # "PID COMM" of engine children (zygote, workers) we saw
T_SHM_NAMES=()   # engine names whose segment we may have to remove
T_ENGINE_ENV=()
T_JACK_PID=

t_log() { printf '%s\n' "$*"; }
t_ok() { printf 'ok: %s\n' "$*"; }

t_fail() {
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}

t_setup() {
	local id=$1
	T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/chronus-test-$id.XXXXXX")
	# Short and unique: JACK server, engine and segment names derive from it.
	T_TAG="$id-$$"
	export JACK_DEFAULT_SERVER="jsrv-$T_TAG"
	trap t_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	t_start_guard
}

# A guard, in a session of its own, for when this shell dies without cleaning up (SIGKILL,
# e.g. a test runner's timeout): it then stops, by PID, what the test started (listed in
# $T_DIR/.pids, newest first, only while they still run the same program) and removes the
# test's segments (listed in $T_DIR/.shm) and $T_DIR. A normal cleanup leaves $T_DIR/.clean
# or removes $T_DIR, and the guard just ends.
t_start_guard() {
	: >"$T_DIR/.pids"
	: >"$T_DIR/.shm"
	setsid bash -c '
		main=$1 dir=$2 uid=$3
		. "$4/proc.sh"
		while kill -0 "$main" 2>/dev/null; do
			[[ -d $dir && ! -e $dir/.clean ]] || exit 0
			sleep 1
		done
		[[ -d $dir && ! -e $dir/.clean ]] || exit 0
		tac "$dir/.pids" | while read -r pid comm; do
			[[ $comm == jackd ]] || stop_pid "$pid" "$comm"
		done
		tac "$dir/.pids" | while read -r pid comm; do
			[[ $comm == jackd ]] && stop_pid "$pid" jackd
		done
		while read -r name; do
			[[ -n $name ]] && rm -f "/dev/shm/chronus-$uid-$name"
		done <"$dir/.shm"
		rm -rf "$dir"
	' chronus-test-guard "$$" "$T_DIR" "$T_UID" "$CHRONUS_TOOLS_LIB" \
		</dev/null >/dev/null 2>&1 &
}

t_track() {
	T_PIDS+=("$1 $2")
	printf '%s %s\n' "$1" "$2" >>"$T_DIR/.pids"
}

t_cleanup() {
	local rc=$? entry pid comm i
	set +e
	# Engines and clients first (newest first), the JACK server last.
	for ((i = ${#T_PIDS[@]} - 1; i >= 0; i--)); do
		read -r pid comm <<<"${T_PIDS[i]}"
		[[ $comm == jackd ]] && continue
		stop_pid "$pid" "$comm"
	done
	# Engine children we saw: a correct engine took them with it; never leave one behind.
	for entry in "${T_KIDS[@]}"; do
		read -r pid comm <<<"$entry"
		if pid_is "$pid" "$comm"; then
			printf 'cleanup: %s (PID %s) outlived its engine: SIGKILL\n' "$comm" "$pid" >&2
			kill -KILL "$pid" 2>/dev/null
		fi
	done
	for entry in "${T_SHM_NAMES[@]}"; do
		if [[ -e /dev/shm/chronus-$T_UID-$entry ]]; then
			printf 'cleanup: removing leftover /dev/shm/chronus-%s-%s\n' "$T_UID" "$entry" >&2
			rm -f "/dev/shm/chronus-$T_UID-$entry"
		fi
	done
	for ((i = ${#T_PIDS[@]} - 1; i >= 0; i--)); do
		read -r pid comm <<<"${T_PIDS[i]}"
		[[ $comm == jackd ]] && stop_pid "$pid" jackd
	done
	if [[ -n $T_DIR && -d $T_DIR ]]; then
		if ((rc != 0)); then
			local f
			for f in "$T_DIR"/*.out "$T_DIR"/*.err "$T_DIR"/*.log; do
				[[ -s $f ]] || continue
				printf -- '--- %s (last 20 lines) ---\n' "${f##*/}" >&2
				tail -n 20 "$f" >&2
			done
		fi
		: >"$T_DIR/.clean" # the guard ends
		if [[ -n ${CHRONUS_TEST_KEEP:-} ]]; then
			printf 'kept %s\n' "$T_DIR" >&2
		else
			rm -rf "$T_DIR"
		fi
	fi
	exit "$rc"
}

t_start_jack() {
	jackd -n "$JACK_DEFAULT_SERVER" --no-realtime -d dummy -r 48000 -p 64 \
		</dev/null >"$T_DIR/jackd.log" 2>&1 &
	T_JACK_PID=$!
	t_track "$T_JACK_PID" jackd
	local i
	for ((i = 0; i < 150; i++)); do
		if jack_lsp -s "$JACK_DEFAULT_SERVER" >/dev/null 2>&1; then
			return 0
		fi
		pid_alive "$T_JACK_PID" || t_fail "jackd exited while starting (see jackd.log)"
		sleep 0.1
	done
	t_fail "JACK server $JACK_DEFAULT_SERVER did not answer within 15 s"
}

t_free_port() { "$T_PY" "$CHRONUS_TOOLS_LIB/free_udp_port"; }

# t_launch_engine NAME ARGS... — start chronusd without waiting; sets E_PID E_PORT E_OUT E_ERR.
t_launch_engine() {
	local name=$1
	shift
	E_PORT=$(t_free_port)
	E_OUT="$T_DIR/engine-$name-$RANDOM.out"
	E_ERR="${E_OUT%.out}.err"
	T_SHM_NAMES+=("$name")
	printf '%s\n' "$name" >>"$T_DIR/.shm"
	env "${T_ENGINE_ENV[@]}" "$CHRONUSD" --name "$name" --port "$E_PORT" --no-connect "$@" \
		</dev/null >"$E_OUT" 2>"$E_ERR" &
	E_PID=$!
	t_track "$E_PID" chronusd
}

t_start_engine() {
	local name=$1
	t_launch_engine "$@"
	if ! E_READY=$(wait_for_line "$E_OUT" '^chronusd: ready ' 30 "$E_PID"); then
		if pid_alive "$E_PID"; then
			t_fail "engine $name printed no ready line within 30 s"
		fi
		wait "$E_PID" 2>/dev/null
		t_fail "engine $name exited before it was ready: $(tr '\n' ' ' <"$E_ERR")"
	fi
	t_remember_kids "$E_PID"
}

t_send() {
	local port=$1
	shift
	"$CHRONUS_SEND" -p "$port" -t 3000 "$@"
}

t_must() {
	local port=$1 out
	shift
	if ! out=$(t_send "$port" "$@" 2>&1); then
		t_fail "command failed: $* -> $out"
	fi
	printf '%s\n' "$out"
}

t_zygote() {
	ps --ppid "$1" -o pid=,comm= 2>/dev/null | awk '$2 == "chronus-zygote" { print $1; exit }'
}

t_workers() {
	local z
	z=$(t_zygote "$1")
	[[ -n $z ]] || return 0
	ps --ppid "$z" -o pid=,comm= 2>/dev/null | awk '$2 ~ /^chronus-w[0-9]+$/ { print $1, $2 }'
}

# Records the engine's zygote and workers so cleanup can make sure they are gone.
t_remember_kids() {
	local z line
	z=$(t_zygote "$1")
	[[ -n $z ]] && T_KIDS+=("$z chronus-zygote")
	while read -r line; do
		[[ -n $line ]] && T_KIDS+=("$line")
	done < <(t_workers "$1")
}

t_wait_workers() {
	local epid=$1 n=$2 i
	for ((i = 0; i < 150; i++)); do
		if (($(t_workers "$epid" | wc -l) >= n)); then
			t_remember_kids "$epid"
			return 0
		fi
		sleep 0.1
	done
	t_fail "engine $epid has not $n workers after 15 s: $(t_workers "$epid" | tr '\n' ' ')"
}

# Waits until `list` shows every instance placed on a worker (the plan is in force).
t_wait_placed() {
	local port=$1 want=$2 i out
	for ((i = 0; i < 50; i++)); do
		out=$(t_send "$port" list) || true
		if (($(grep -o 'worker=' <<<"$out" | wc -l) >= want)); then
			printf '%s\n' "$out"
			return 0
		fi
		sleep 0.1
	done
	t_fail "after 5 s, list shows fewer than $want placed instances: $out"
}

# t_record_start PORT SECONDS FILE [PORT...] — jack_rec in the background (one channel a
# port, in that order); sets REC_PID.
t_record_start() {
	local port=$1 secs=$2 file=$3
	shift 3
	jack_rec -f "$file" -d "$secs" "$port" "$@" </dev/null >>"$T_DIR/jack_rec.log" 2>&1 &
	REC_PID=$!
	t_track "$REC_PID" jack_rec
}

# t_record_wait SECONDS — wait for REC_PID (at most SECONDS + 15 s) and check its status.
t_record_wait() {
	local secs=$1 i rc
	for ((i = 0; i < (secs + 15) * 10; i++)); do
		pid_alive "$REC_PID" || break
		sleep 0.1
	done
	if pid_alive "$REC_PID"; then
		t_fail "jack_rec did not finish a ${secs} s take within $((secs + 15)) s"
	fi
	rc=0
	wait "$REC_PID" || rc=$?
	((rc == 0)) || t_fail "jack_rec exited with status $rc (see jack_rec.log)"
}

t_record() {
	t_record_start "$@"
	t_record_wait "$2"
	[[ -s $3 ]] || t_fail "jack_rec wrote no file $3"
}

# Status field: t_field "key=value ..." key
t_field() {
	grep -oE "(^|[ :])$2=[^ ]*" <<<"$1" | head -n1 | sed -E "s/^[ :]?$2=//"
}
