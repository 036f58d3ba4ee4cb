#!/usr/bin/env bash
# PROC-03 killing a worker costs only its modules' sound, briefly (also PLAN-02).
#
# Two independent sine voices, low (300 Hz) and high (500 Hz), each patched to out, on an
# engine with two workers: `list` puts them on different workers. While out_L is recorded
# (jack_rec), high's frequency is set to 600 Hz and its worker is killed with SIGKILL at once.
# Then:
#   - the engine answers; status shows deaths=1, respawns>=1 and a last_death naming the
#     worker, its PID and signal 9; a new chronus-wN with a new PID replaces the killed one;
#   - in the take, from the last moment 500 Hz sounds (the kill) until 600 Hz is back for
#     100 ms (the respawned worker plays the new setting), and at least 60 ms before and
#     300 ms after the kill, low's 300 Hz stays at least half its median amplitude (20 ms
#     windows);
#   - a second take ~0.5 s later holds both voices (300 Hz and 600 Hz);
#   - a third voice, created afterwards, does not move low or high to another worker.
#
# The machine is shared and JACK runs without realtime priority, so a take can lose sound
# anywhere to scheduling (a late worker, an xrun) that has nothing to do with the kill. Only
# the stretch around the kill is judged, and a take whose survivor dips there is repeated (up
# to 3 takes, each with a new kill and a new frequency): an engine whose kill silences the
# other voice fails every take. shm_peek prints each worker's misses over a take, so a failure
# says whether the surviving worker itself was late.
. "$(dirname -- "${BASH_SOURCE[0]}")/../integration/lib.sh"
: "${CHRONUS_SHM_PEEK:?set CHRONUS_SHM_PEEK to the shm_peek binary}"
t_setup fault
t_start_jack

name="cxt-fault-$$"
t_start_engine "$name" --workers 2
port=$E_PORT epid=$E_PID
t_wait_workers "$epid" 2
# out.level 0.4: the two voices sum below full scale, so the safety limiter stays out of it.
t_must "$port" "create vco low wave=sine freq=300" "create vco high wave=sine freq=500" \
	"patch low > out" "patch high > out" "set out.level 0.4" >/dev/null
list=$(t_wait_placed "$port" 2)
t_log "list: $list"
w_low=$(grep -oE '(^|; )low vco worker=[0-9]+' <<<"$list" | grep -oE '[0-9]+$') || true
w_high=$(grep -oE '(^|; )high vco worker=[0-9]+' <<<"$list" | grep -oE '[0-9]+$') || true
[[ -n $w_low && -n $w_high ]] || t_fail "list does not place both voices: $list"
[[ $w_low != "$w_high" ]] || t_fail "both voices are on worker $w_low; want one per worker: $list"
t_ok "low (300 Hz) on worker $w_low, high (500 Hz) on worker $w_high"

st=$(t_must "$port" status)
[[ $(t_field "$st" deaths) == 0 ]] || t_fail "a worker died before the test killed one: $st"

# current_worker [NOT] — PID of chronus-w$w_high (one other than NOT); waits up to 5 s.
current_worker() {
	local not=${1:-} pid i
	for ((i = 0; i < 50; i++)); do
		pid=$(t_workers "$epid" | awk -v c="chronus-w$w_high" '$2 == c { print $1 }')
		if [[ -n $pid && $pid != "$not" ]]; then
			printf '%s\n' "$pid"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

misses() { t_field "$("$CHRONUS_SHM_PEEK" "$name")" "w$1_misses"; }

kills=0
ok=0
freq=500
victim=$(current_worker) ||
	t_fail "no chronus-w$w_high process under the zygote: $(t_workers "$epid" | tr '\n' ' ')"
sleep 0.3
for take in 1 2 3; do
	next=$((freq + 100))
	m0=$(misses "$w_low")
	t_record_start "$name:out_L" 3 "$T_DIR/kill-$take.wav"
	sleep 1.2
	t_must "$port" "set high.freq $next" >/dev/null
	kill -KILL "$victim"
	kills=$((kills + 1))
	t_log "take $take: set high.freq $next and killed chronus-w$w_high (PID $victim)"
	t_record_wait 3
	m1=$(misses "$w_low")

	st=$(t_must "$port" status)
	t_log "status: $st"
	[[ $(t_field "$st" deaths) == "$kills" ]] || t_fail "status does not show deaths=$kills: $st"
	(($(t_field "$st" respawns) >= kills)) || t_fail "status does not show respawns>=$kills: $st"
	grep -qE "last_death=worker $w_high \(pid $victim\) killed by signal 9" <<<"$st" ||
		t_fail "last_death does not say worker $w_high (pid $victim) was killed by signal 9: $st"
	t_ok "engine answers; deaths=$kills respawns=$(t_field "$st" respawns); last death names signal 9"

	new=$(current_worker "$victim") || t_fail "no new chronus-w$w_high replaced PID $victim"
	pid_alive "$victim" && t_fail "the killed worker $victim is still alive"
	T_KIDS+=("$new chronus-w$w_high")
	t_ok "chronus-w$w_high respawned as PID $new"
	victim=$new

	if "$T_PY" "$T_AUDIO" handover "$T_DIR/kill-$take.wav" 300 "$freq" "$next" --window 0.02; then
		ok=1
		freq=$next
		break
	fi
	t_log "take $take: not judged clean; the surviving worker $w_low missed $((m1 - m0)) periods during it"
	freq=$next
done
((ok)) || t_fail "in 3 takes, the 300 Hz voice on the surviving worker did not play on through the kill"
t_ok "300 Hz played on through the kill and the respawn; the killed voice came back at $freq Hz"

sleep 0.5
t_record "$name:out_L" 1 "$T_DIR/after.wav"
"$T_PY" "$T_AUDIO" both "$T_DIR/after.wav" 300 "$freq" --min-amp 0.05 ||
	t_fail "after the respawn, not both voices play"
t_ok "both voices play again after the respawn (300 Hz and $freq Hz)"

t_must "$port" "create vco third wave=sine freq=700" "patch third > out" >/dev/null
list2=$(t_wait_placed "$port" 3)
{ grep -qE "(^|; )low vco worker=$w_low(;|$)" <<<"$list2" &&
	grep -qE "(^|; )high vco worker=$w_high(;|$)" <<<"$list2"; } ||
	t_fail "a new instance moved the voices: before '$list', after '$list2'"
t_ok "a third voice left low and high where they were: $list2"
