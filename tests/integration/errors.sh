#!/usr/bin/env bash
# INT-03 bad commands over OSC fail with a reason and change nothing.
# Each bad command line (through chronus-send, OSC /cmd) and each bad structured message
# (/set, /create, an unknown address) gets a fail reply whose text names what was wrong,
# and `list` and the instance/cable counts are the same before and after.
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
t_setup errors
t_start_jack

name="cxt-err-$$"
t_start_engine "$name" --workers 2
port=$E_PORT
t_must "$port" "create vco lead wave=sine freq=440" "create vca amp" "patch lead > out" >/dev/null
before=$(t_wait_placed "$port" 2)
st_before=$(t_must "$port" status)
t_log "list before: $before"

# expect_fail COMMAND REGEX — the command fails (status 1, "fail: ...") with a matching text.
expect_fail() {
	local cmd=$1 re=$2 out rc=0
	out=$(t_send "$port" "$cmd" 2>&1) || rc=$?
	((rc == 1)) || t_fail "'$cmd': chronus-send exited $rc, want 1 (a fail reply): $out"
	[[ $out == fail:* ]] || t_fail "'$cmd': reply is not a fail: $out"
	grep -qE -- "$re" <<<"$out" || t_fail "'$cmd': reply '$out' does not say /$re/"
	t_ok "'$cmd' -> $out"
}

# expect_osc_fail REGEX ADDRESS ARGS... — a structured message gets /fail with that text.
expect_osc_fail() {
	local re=$1 out rc=0
	shift
	out=$("$T_PY" "$T_LIB_DIR/osc.py" "$port" "$@" 2>&1) || rc=$?
	((rc == 1)) || t_fail "OSC $*: want a /fail reply (status 1), got status $rc: $out"
	grep -qE -- "$re" <<<"$out" || t_fail "OSC $*: reply '$out' does not say /$re/"
	t_ok "OSC $* -> $out"
}

expect_fail "crate vco x" "unknown command 'crate'.*create"
expect_fail "create vco x frq=3" "unknown parameter 'frq'.*freq"
expect_fail "create vcx y" "unknown module type 'vcx'.*vco"
expect_fail "create vco lead" "an instance named .lead. already exists"
expect_fail "create vco x wave=sqr" "wave .*one of:.*square"
expect_fail "set lead.freq abc" "'abc' is not a number"
expect_fail "set lead.frq 300" "unknown parameter 'frq'.*freq"
expect_fail "set lead.freq 9999999" "out of range"
expect_fail "set nosuch.freq 300" "no instance named 'nosuch'"
expect_fail "patch lead > nowhere" "no instance named 'nowhere'"
# A chain whose second link fails makes no link at all.
expect_fail "patch lead > amp > nowhere" "nowhere"
expect_fail "free nosuch" "nosuch"
expect_osc_fail "^/fail .*unknown parameter 'nosuch'" /set s:lead s:nosuch f:1
expect_osc_fail "^/fail .*no instance named 'ghost'" /set s:ghost s:freq f:300
expect_osc_fail "^/fail .*unknown parameter 'frq'" /create s:vco s:x2 s:frq f:300
expect_osc_fail "^/fail .*unknown address /frobnicate" /frobnicate

after=$(t_must "$port" list)
[[ $after == "$before" ]] || t_fail "list changed: before '$before', after '$after'"
st_after=$(t_must "$port" status)
for k in instances cables; do
	[[ $(t_field "$st_before" $k) == $(t_field "$st_after" $k) ]] ||
		t_fail "$k changed from $(t_field "$st_before" $k) to $(t_field "$st_after" $k)"
done
t_ok "list unchanged: $after"
