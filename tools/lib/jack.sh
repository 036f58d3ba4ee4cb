#!/usr/bin/env bash
# tools/lib/jack.sh — find a running JACK server, or start one, for tools/run, tests and bench.
#
# Source it from bash (it sets no shell options of its own):
#   . tools/lib/jack.sh
#   jack_server_name        print the server name: $JACK_DEFAULT_SERVER, else "default"
#   jack_is_running         status 0 when that server answers (jack_lsp)
#   jack_has_sound_card     status 0 when /proc/asound/cards lists a card
#   jack_ensure [LOGFILE]   use the running server, or start one and wait (10 s at most) until
#                           it answers. Sets JACK_STARTED_PID (empty when the server was
#                           already running) and JACK_DRIVER (existing, alsa or dummy).
#                           The server it starts is detached (setsid), so it outlives the
#                           caller until jack_stop_started or stop_pid stops it.
#   jack_stop_started       stop the server jack_ensure started, if any, by its PID
#
# Or run it, from a test written in another language:
#   tools/lib/jack.sh start [LOGFILE]   prints the PID it started, or nothing when a server
#                                       was already running; status 1 when none came up
#   tools/lib/jack.sh stop PID          stops that jackd (SIGTERM, 5 s, SIGKILL)
#   tools/lib/jack.sh status            status 0 when the server answers
#
# Tests that may run side by side should each set JACK_DEFAULT_SERVER to a name of their own
# (e.g. chronus-test-$$) before calling jack_ensure: every JACK client they start then finds
# that server, and stopping it disturbs no one else.
#
# With no sound card it starts `jackd --no-realtime -d dummy -r 48000 -p 64`: the dummy
# driver keeps real time with a timer, so clients run as with a card, and the sound goes
# nowhere but to recordings (jack_rec). With a card it starts `jackd -d alsa`, and falls back
# to the dummy driver if that does not come up.

JACK_LIB_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tools/lib/proc.sh
. "$JACK_LIB_DIR/proc.sh"

JACK_STARTED_PID=${JACK_STARTED_PID:-}
JACK_DRIVER=${JACK_DRIVER:-}
JACK_WAIT_S=${JACK_WAIT_S:-10}

# Clients we run must never start a server of their own behind our back: that one would
# have no PID we know and could not be stopped.
export JACK_NO_START_SERVER=1

jack_server_name() {
	printf '%s\n' "${JACK_DEFAULT_SERVER:-default}"
}

jack_is_running() {
	jack_lsp -s "$(jack_server_name)" >/dev/null 2>&1
}

jack_has_sound_card() {
	[[ -r /proc/asound/cards ]] && grep -qE '^ *[0-9]+ ' /proc/asound/cards
}

# _jack_start LOGFILE DRIVER-ARGS... — start jackd detached; sets JACK_STARTED_PID.
_jack_start() {
	local log=$1
	shift
	local name_args=()
	if [[ -n ${JACK_DEFAULT_SERVER:-} ]]; then
		name_args=(-n "$JACK_DEFAULT_SERVER")
	fi
	# setsid execs jackd in place (the background job is no process group leader), so $!
	# is jackd's own PID; its new session keeps it from the terminal's signals.
	setsid jackd "${name_args[@]}" "$@" </dev/null >>"$log" 2>&1 &
	JACK_STARTED_PID=$!
}

# _jack_wait LOGFILE — wait until the server answers; status 1 when jackd died or timed out.
_jack_wait() {
	local log=$1 i
	for ((i = 0; i < JACK_WAIT_S * 10; i++)); do
		if jack_is_running; then
			return 0
		fi
		if ! pid_alive "$JACK_STARTED_PID"; then
			wait "$JACK_STARTED_PID" 2>/dev/null || true
			printf 'jackd exited while starting; the end of its log (%s):\n' "$log" >&2
			tail -n 15 "$log" | sed 's/^/    /' >&2
			JACK_STARTED_PID=
			return 1
		fi
		sleep 0.1
	done
	printf 'JACK server "%s" did not answer within %s s; the end of its log (%s):\n' \
		"$(jack_server_name)" "$JACK_WAIT_S" "$log" >&2
	tail -n 15 "$log" | sed 's/^/    /' >&2
	stop_pid "$JACK_STARTED_PID" jackd
	JACK_STARTED_PID=
	return 1
}

jack_ensure() {
	local log=${1:-}
	JACK_STARTED_PID=
	if jack_is_running; then
		JACK_DRIVER=existing
		return 0
	fi
	if ! command -v jackd >/dev/null 2>&1; then
		printf 'jackd is not installed (Debian package jackd2)\n' >&2
		return 1
	fi
	if [[ -z $log ]]; then
		log=$(mktemp "${TMPDIR:-/tmp}/jackd.XXXXXX.log")
	fi
	if jack_has_sound_card; then
		JACK_DRIVER=alsa
		_jack_start "$log" -d alsa
		if _jack_wait "$log"; then
			printf 'started JACK with the ALSA driver (server "%s", PID %s)\n' \
				"$(jack_server_name)" "$JACK_STARTED_PID"
			return 0
		fi
		printf 'the ALSA driver did not come up: trying the dummy driver\n' >&2
	fi
	JACK_DRIVER=dummy
	_jack_start "$log" --no-realtime -d dummy -r 48000 -p 64
	_jack_wait "$log" || return 1
	printf 'no sound card: started JACK'\''s dummy driver (48 kHz, 64 frames); '
	printf 'sound goes nowhere but recordings\n'
}

jack_stop_started() {
	if [[ -n $JACK_STARTED_PID ]]; then
		stop_pid "$JACK_STARTED_PID" jackd
		JACK_STARTED_PID=
	fi
}

# Run as a program rather than sourced.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	set -euo pipefail
	case ${1:-} in
	start)
		# Our own messages go to stderr: stdout carries only the PID.
		jack_ensure "${2:-}" >&2
		if [[ -n $JACK_STARTED_PID ]]; then
			printf '%s\n' "$JACK_STARTED_PID"
		fi
		;;
	stop)
		[[ -n ${2:-} ]] || {
			echo "usage: $0 stop PID" >&2
			exit 2
		}
		stop_pid "$2" jackd
		;;
	status)
		jack_is_running
		;;
	*)
		echo "usage: $0 start [LOGFILE] | stop PID | status" >&2
		exit 2
		;;
	esac
fi
