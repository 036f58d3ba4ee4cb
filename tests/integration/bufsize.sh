#!/usr/bin/env bash
# INT-05 the engine follows JACK's buffer size when it changes while a patch plays.
# vco sine 440 Hz -> out at 64 frames; jack_bufsize moves the server to 256, then 32, then 64
# frames. After each change `status` reports the new size and out_L carries 440 Hz again
# (a larger period than the buffers were laid out for mutes only until they are laid out anew).
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
t_setup bufsize
t_start_jack

name="cxt-bufsize-$$"
t_start_engine "$name" --workers 2
t_must "$E_PORT" "create vco lead wave=sine freq=440" "patch lead > out"
t_wait_placed "$E_PORT" 1 >/dev/null
sleep 0.3
for frames in 256 32 64; do
	jack_bufsize "$frames" >/dev/null 2>&1 || t_fail "jack_bufsize $frames failed"
	ok=0
	for _ in $(seq 50); do
		if t_send "$E_PORT" status | grep -q " frames=$frames "; then
			ok=1
			break
		fi
		sleep 0.1
	done
	[ "$ok" = 1 ] || t_fail "status never showed frames=$frames: $(t_send "$E_PORT" status)"
	sleep 0.3
	t_record "$name:out_L" 1 "$T_DIR/f$frames.wav"
	"$T_PY" "$T_AUDIO" pitch "$T_DIR/f$frames.wav" 440 --tol 0.01 --min-rms 0.05 ||
		t_fail "no 440 Hz on out_L after the buffer size became $frames"
	t_ok "buffer size $frames: status follows, 440 Hz on out_L"
done
