#!/usr/bin/env bash
# INT-02 a patched oscillator sounds at its pitch on out_L (MUS-01).
# vco sine 440 Hz -> out, recorded from NAME:out_L by jack_rec (a separate JACK client): the
# dominant frequency is 440 Hz within 1 % and the level is not trivial; after
# `set lead.freq 220`, 220 Hz within 1 %.
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
t_setup pitch
t_start_jack

name="cxt-pitch-$$"
t_start_engine "$name" --workers 2
t_must "$E_PORT" "create vco lead wave=sine freq=440" "patch lead > out"
t_wait_placed "$E_PORT" 1 >/dev/null
sleep 0.3

t_record "$name:out_L" 1 "$T_DIR/a440.wav"
"$T_PY" "$T_AUDIO" pitch "$T_DIR/a440.wav" 440 --tol 0.01 --min-rms 0.05 ||
	t_fail "out_L is not a 440 Hz tone"
t_ok "440 Hz on out_L"

t_must "$E_PORT" "set lead.freq 220"
sleep 0.3 # past the parameter ramp
t_record "$name:out_L" 1 "$T_DIR/a220.wav"
"$T_PY" "$T_AUDIO" pitch "$T_DIR/a220.wav" 220 --tol 0.01 --min-rms 0.05 ||
	t_fail "out_L is not a 220 Hz tone after set lead.freq 220"
t_ok "220 Hz on out_L after set lead.freq 220"
