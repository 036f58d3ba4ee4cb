#!/usr/bin/env bash
# INT-01 chronusd comes up as a JACK client with stereo ports.
# Starts a private JACK dummy server and an engine with two workers; checks the ready line,
# the four JACK ports and their directions, the status reply, and the process tree
# (chronusd -> chronus-zygote -> chronus-w0, chronus-w1).
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
t_setup up
t_start_jack

name="cxt-up-$$"
t_start_engine "$name" --workers 2
re="^chronusd: ready name=$name osc=127\.0\.0\.1:$E_PORT workers=2 rate=48000 frames=64\$"
[[ $E_READY =~ $re ]] || t_fail "ready line '$E_READY' does not match '$re'"
t_ok "ready line: $E_READY"

ports=$(jack_lsp)
for p in out_L out_R in_L in_R; do
	grep -qxF "$name:$p" <<<"$ports" || t_fail "jack_lsp does not list $name:$p; it lists: $(tr '\n' ' ' <<<"$ports")"
done
for p in out_L out_R; do
	jack_lsp -p "$name:$p" | grep -q 'properties: output' ||
		t_fail "$name:$p is not an output port: $(jack_lsp -p "$name:$p" | tr '\n' ' ')"
done
for p in in_L in_R; do
	jack_lsp -p "$name:$p" | grep -q 'properties: input' ||
		t_fail "$name:$p is not an input port: $(jack_lsp -p "$name:$p" | tr '\n' ' ')"
done
t_ok "jack_lsp lists $name:out_L out_R (outputs) and in_L in_R (inputs)"

st=$(t_must "$E_PORT" status)
[[ $(t_field "$st" rate) == 48000 && $(t_field "$st" frames) == 64 &&
	$(t_field "$st" workers) == 2 ]] || t_fail "status does not say rate=48000 frames=64 workers=2: $st"
t_ok "status: $st"

t_wait_workers "$E_PID" 2
z=$(t_zygote "$E_PID")
[[ -n $z ]] || t_fail "no chronus-zygote child of chronusd (PID $E_PID)"
w=$(t_workers "$E_PID" | awk '{ print $2 }' | sort | tr '\n' ' ')
[[ $w == "chronus-w0 chronus-w1 " ]] || t_fail "workers under the zygote are '$w', want chronus-w0 chronus-w1"
t_ok "process tree: chronusd $E_PID -> chronus-zygote $z -> $w"
