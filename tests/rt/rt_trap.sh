#!/usr/bin/env bash
# RT-04 the realtime path makes no allocation, lock or stray system call.
#
# 1. The trap works (it can fail): rttrap-selftest under the trap makes known calls from an
#    armed "worker" thread and from a JACK process callback; the counts must be exactly
#    those calls, and calls from unarmed threads must not count.
# 2. chronusd runs under LD_PRELOAD=rttrap (jackd does not) with two workers, and plays
#    vco -> vcf -> vca <- adsr -> out plus a second voice on the other worker, for 3 s:
#    a parameter set every 50 ms, gates toggling, triggers, and one instance created,
#    patched and freed while it plays; where the engine has them, also the transport (tempo,
#    play, stop), a step sequencer, a melody, and the engine's own recorder. A take of out_L must not be silent. After SIGTERM,
#    the trap's summary must show the callback wrapper ran, both workers armed, and zero
#    violations in the callback, in JACK calls made from it, and in the workers.
# 3. The trap sees inside the real engine's render loop: then, an rtcanary instance (a test
#    module that mallocs once in process() when told to) must be caught: exactly one malloc
#    and one free in a worker, with a backtrace through rtcanary.so, and nothing else.
# See rttrap.c for what is counted and what is allowed.
. "$(dirname -- "${BASH_SOURCE[0]}")/../integration/lib.sh"
: "${CHRONUS_RTTRAP:?set CHRONUS_RTTRAP to the trap library}"
: "${CHRONUS_RTTRAP_SELFTEST:?set CHRONUS_RTTRAP_SELFTEST to rttrap-selftest}"
: "${CHRONUS_MODULE_DIRS:?set CHRONUS_MODULE_DIRS to the module folders, : between them}"

if ldd "$CHRONUSD" 2>/dev/null | grep -qE 'lib(asan|tsan|ubsan)'; then
	echo "chronusd is built with a sanitizer: an LD_PRELOAD malloc trap cannot run with it; skipping"
	exit 77
fi

t_setup rt
t_start_jack

# n FILE CTX KIND — a count from a trap report (0 when absent).
n() {
	local v
	v=$(grep -oE "^rttrap: count ctx=$2 kind=$3 n=[0-9]+" "$1" | tail -n1 | grep -oE '[0-9]+$') || true
	printf '%s\n' "${v:-0}"
}
# summary FILE KEY — a field of the summary or total line.
summary() {
	grep -E '^rttrap: (summary|total) ' "$1" | grep -oE "(^| )$2=[0-9]+" | tail -n1 | grep -oE '[0-9]+$'
}
expect() { # expect WHAT GOT WANT
	[[ $2 == "$3" ]] || t_fail "$1 is $2, want $3"
}

# ---- 1. the trap catches what it should ---------------------------------------------------
rep="$T_DIR/self-worker.txt"
LD_PRELOAD=$CHRONUS_RTTRAP CX_RTTRAP_OUT=$rep "$CHRONUS_RTTRAP_SELFTEST" worker 2>>"$T_DIR/selftest.err" ||
	t_fail "rttrap-selftest worker failed"
[[ -s $rep ]] || t_fail "the trap wrote no report for the worker self-test"
cat "$rep"
for k in malloc free mutex_lock write sleep syscall; do
	expect "self-test worker count of $k" "$(n "$rep" worker $k)" 1
done
expect "self-test worker total" "$(summary "$rep" worker)" 6
expect "self-test callback total" "$(summary "$rep" callback)" 0
expect "self-test workers_armed" "$(summary "$rep" workers_armed)" 1
grep -q '^rttrap: VIOLATION ctx=worker kind=malloc .*comm=chronus-w0 at ' "$rep" ||
	t_fail "the worker self-test's malloc has no VIOLATION line with a backtrace"
t_ok "the trap counts each call of an armed worker once, nothing before arming, and lets FUTEX_WAKE pass"

rep="$T_DIR/self-callback.txt"
LD_PRELOAD=$CHRONUS_RTTRAP CX_RTTRAP_OUT=$rep "$CHRONUS_RTTRAP_SELFTEST" callback 2>>"$T_DIR/selftest.err" ||
	t_fail "rttrap-selftest callback failed: $(tail -n 3 "$T_DIR/selftest.err" | tr '\n' ' ')"
[[ -s $rep ]] || t_fail "the trap wrote no report for the callback self-test"
grep -v VIOLATION "$rep"
expect "self-test callback malloc count" "$(n "$rep" callback malloc)" 3
expect "self-test callback free count" "$(n "$rep" callback free)" 3
expect "self-test callback total" "$(summary "$rep" callback)" 6
expect "self-test worker total" "$(summary "$rep" worker)" 0
(($(summary "$rep" callbacks) >= 10)) || t_fail "the self-test's callback ran through the trap's wrapper fewer than 10 times"
t_ok "the trap counts allocations in a JACK process callback, and none from the main thread"

# ---- 2. chronusd under the trap -------------------------------------------------------------
rep="$T_DIR/engine.txt"
name="cxt-rt-$$"
T_ENGINE_ENV=("LD_PRELOAD=$CHRONUS_RTTRAP" "CX_RTTRAP_OUT=$rep")
cd "$T_DIR" # the engine records into its working folder
mod_args=()
IFS=: read -r -a mod_dirs <<<"$CHRONUS_MODULE_DIRS"
for d in "${mod_dirs[@]}"; do mod_args+=(--modules "$d"); done
t_start_engine "$name" --workers 2 "${mod_args[@]}"
T_ENGINE_ENV=()
port=$E_PORT epid=$E_PID
grep -qF "$CHRONUS_RTTRAP" "/proc/$epid/maps" || t_fail "the trap is not loaded in chronusd (PID $epid)"
t_wait_workers "$epid" 2
for w in $(t_workers "$epid" | awk '{ print $1 }'); do
	grep -qF "$CHRONUS_RTTRAP" "/proc/$w/maps" || t_fail "the trap is not loaded in worker $w"
done

t_must "$port" "create vco lead wave=saw freq=220" "create vcf filt cutoff=1200" \
	"create vca amp" "create adsr env" "patch lead > filt > amp > out" "patch env > amp.cv" \
	"create vco bass wave=square freq=110" "create vca bamp" "patch bass > bamp > out" \
	"create adsr benv" "patch benv > bamp.cv" \
	"gate env 1" >/dev/null
list=$(t_wait_placed "$port" 7)
t_log "list: $list"
grep -qE 'worker=0' <<<"$list" && grep -qE 'worker=1' <<<"$list" ||
	t_fail "the patch does not use both workers: $list"

# Commands of the engine's transport, sequencers and recorder, where this engine has them.
has() { t_send "$port" "help $1" >/dev/null 2>&1; }
extra=()
has tempo && has play && extra+=("tempo 132" "play")
has sequence && extra+=("sequence benv: x...x...x.x.x...")
has melody && extra+=("melody lead: C3 E3 G3 C4")
((${#extra[@]})) && t_must "$port" "${extra[@]}" >/dev/null
t_log "also playing: ${extra[*]:-(no transport, sequencer or melody commands in this engine)}"
recording=0
has record && recording=1

t_record_start "$name:out_L" 1 "$T_DIR/play.wav"
freqs=(220 247 262 294 330 349 392 440)
for ((i = 0; i < 60; i++)); do
	cmds=("set lead.freq ${freqs[i % 8]}" "set filt.cutoff $((800 + (i % 10) * 150))")
	((i % 3 == 0)) && cmds+=("set bass.freq $((110 + (i % 4) * 5))")
	((i % 5 == 0)) && cmds+=("gate env $(((i / 5) % 2))")
	((i % 7 == 0)) && cmds+=("trig env")
	((i == 10 && recording)) && cmds+=("record rt-take.wav 1")
	((i == 20)) && cmds+=("create vco extra wave=sine freq=660" "patch extra > out")
	((i == 30)) && has stop && cmds+=("stop")
	((i == 35)) && has play && cmds+=("play")
	((i == 40)) && cmds+=("free extra")
	t_must "$port" "${cmds[@]}" >/dev/null
	sleep 0.05
done
t_record_wait 1
if ((recording)); then
	[[ -s $T_DIR/rt-take.wav ]] || t_fail "the engine's own recording (record rt-take.wav 1) wrote nothing"
	t_ok "the engine recorded rt-take.wav while under the trap"
fi
"$T_PY" "$T_AUDIO" rms "$T_DIR/play.wav" --min-rms 0.01 || t_fail "the patch under the trap is silent on out_L"
st=$(t_must "$port" status)
t_log "status: $st"
[[ $(t_field "$st" deaths) == 0 ]] || t_fail "a worker died under the trap: $st"

# Violations are written to the report the moment they happen: none so far.
if grep -q '^rttrap: VIOLATION' "$rep"; then
	grep '^rttrap: VIOLATION' "$rep" >&2
	t_fail "the realtime path made forbidden calls while the patch played (VIOLATION lines above say where)"
fi
t_ok "no violation while the patch played (gates, sets, triggers, create/patch/free)"

# ---- 3. the trap sees a module break the rules inside the engine --------------------------
t_must "$port" "create rtcanary canary" "patch canary > out" >/dev/null
for ((i = 0; i < 50; i++)); do
	t_send "$port" list | grep -qE '(^|; )canary rtcanary worker=' && break
	sleep 0.1
done
t_must "$port" "set canary.misbehave 1" >/dev/null
for ((i = 0; i < 50; i++)); do
	grep -q '^rttrap: VIOLATION ctx=worker kind=free' "$rep" && break
	sleep 0.1
done
grep '^rttrap: VIOLATION' "$rep" || true
grep -qE '^rttrap: VIOLATION ctx=worker kind=malloc .*comm=chronus-w[0-9]+ at .*\(rtcanary\.so\)' "$rep" ||
	t_fail "the canary's malloc inside a worker's render loop was not caught with a backtrace through rtcanary.so"
t_ok "the trap caught the canary's malloc inside a worker's render loop"

kill -TERM "$epid"
for ((i = 0; i < 100; i++)); do
	pid_alive "$epid" || break
	sleep 0.1
done
pid_alive "$epid" && t_fail "chronusd under the trap still runs 10 s after SIGTERM"
rc=0
wait "$epid" || rc=$?
((rc == 0)) || t_fail "chronusd under the trap exited $rc after SIGTERM, want 0"
[[ -s $rep ]] || t_fail "the trap wrote no report for chronusd ($rep)"
t_log "--- trap report ---"
cat "$rep"
grep -q '^rttrap: summary ' "$rep" || t_fail "no summary from the trap: chronusd did not exit normally"
(($(summary "$rep" callbacks) >= 500)) ||
	t_fail "the process callback ran through the trap's wrapper only $(summary "$rep" callbacks) times"
(($(summary "$rep" workers_armed) >= 2)) || t_fail "fewer than 2 workers were armed"
(($(summary "$rep" worker_futex_waits) > 0)) || t_fail "armed workers never waited on the futex"
cb=$(summary "$rep" callback) jk=$(summary "$rep" jack) wk=$(summary "$rep" worker)
t_log "violations: callback=$cb jack=$jk worker=$wk (callbacks=$(summary "$rep" callbacks)," \
	"futex wakes from the callback=$(summary "$rep" callback_futex_wakes)," \
	"worker futex waits=$(summary "$rep" worker_futex_waits), worker module loads=$(summary "$rep" worker_loads))"
((cb == 0 && jk == 0)) ||
	t_fail "the JACK callback made forbidden calls: callback=$cb, in JACK calls from it=$jk (VIOLATION lines above say where)"
expect "worker malloc count (the canary's one)" "$(n "$rep" worker malloc)" 1
expect "worker free count (the canary's one)" "$(n "$rep" worker free)" 1
((wk == 2)) ||
	t_fail "the workers made $wk forbidden calls; only the canary's malloc and free (2) were expected (VIOLATION lines above say where)"
t_ok "no allocation, lock or stray system call in the JACK callback or the workers' render loops, but for the canary's deliberate one"
