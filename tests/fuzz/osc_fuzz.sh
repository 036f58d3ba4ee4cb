#!/usr/bin/env bash
# OSC fuzz (FUZZ-02): a seeded random corpus of UDP packets (osc_fuzz.py) against a running chronusd on
# a private JACK dummy server and a free port, 127.0.0.1 only. Then SIGTERM: the engine must
# exit cleanly, and its stderr must hold no sanitizer report (ASan, LeakSanitizer, UBSan in
# an ASan build), and no file may appear outside its folders.
#   FUZZ_PACKETS (default 100000), FUZZ_SEED (default 20260101) change the corpus.
. "$(dirname -- "${BASH_SOURCE[0]}")/../integration/lib.sh"

t_setup osc-fuzz
t_start_jack

# The engine's folder sits three levels inside work/, so that paths climbing out of it with
# "../" would still land in work/, where we look: recordings land in it, patches,
# templates and samples in its subfolders.
W="$T_DIR/work/d1/d2/eng"
mkdir -p "$W/samples"
cd "$W"
touch "$T_DIR/start-marker"
t_start_engine "fz-$T_TAG" --workers 2 --patches "$W/patches" --templates "$W/templates" \
	--samples "$W/samples"
t_wait_workers "$E_PID" 2
t_log "engine PID $E_PID on port $E_PORT: $E_READY"

rc=0
"$T_PY" "$(dirname -- "${BASH_SOURCE[0]}")/osc_fuzz.py" --port "$E_PORT" --pid "$E_PID" \
	--packets "${FUZZ_PACKETS:-100000}" --seed "${FUZZ_SEED:-20260101}" \
	--samples "$W/samples" || rc=$?

pid_alive "$E_PID" || t_fail "the engine is gone after the fuzz run: $(tail -n 20 "$E_ERR")"

# A clean stop: SIGTERM, then its exit status and its stderr.
kill -TERM "$E_PID"
for ((i = 0; i < 300; i++)); do
	pid_alive "$E_PID" || break
	sleep 0.1
done
pid_alive "$E_PID" && t_fail "the engine did not stop within 30 s of SIGTERM"
erc=0
wait "$E_PID" || erc=$?
if grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$E_ERR"; then
	printf -- '--- engine stderr ---\n' >&2
	grep -vE '^chronusd: (ready|sound)' "$E_ERR" | head -n 120 >&2
	t_fail "the engine's stderr holds a sanitizer report"
fi
((erc == 0)) || t_fail "the engine exited with status $erc after SIGTERM"
t_ok "the engine stopped on SIGTERM with status 0 and no sanitizer report"

# Nothing written outside the engine's folders, or against their naming rules.
# (Byte flips make other valid names too: any name the rules allow is fine.)
bad=$(find "$T_DIR/work" -type f ! -regex "$W/patches/[A-Za-z0-9_-]+\.chr" \
	! -regex "$W/templates/[A-Za-z_][A-Za-z0-9_]*\.chr" ! -path "$W/samples/*" \
	! -regex "$W/[^/]+\.wav" ! -regex "$W/[^/]+\.wav\.part" -print)
[[ -z $bad ]] || t_fail "files written outside the engine's folders or against their rules: $bad"
for f in /tmp/escape.chr /tmp/escape.wav /tmp/x.wav /etc/passwd.chr; do
	if [[ -e $f && $f -nt "$T_DIR/start-marker" ]]; then
		t_fail "$f was written during the run"
	fi
done

((rc == 0)) || t_fail "the OSC fuzz client reported failures (see above)"
t_ok "OSC fuzz: the engine survived, answered, and kept the guarded values"
