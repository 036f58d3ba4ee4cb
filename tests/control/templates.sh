#!/usr/bin/env bash
# Templates and the seed's session (specs/modules.feature), through chronus-render:
#   TPL-01 a shipped template is created like a type, with its own params; info shows inside
#   TPL-02 define writes a template that works at once; a broken one is refused with its line
#   TPL-03 add EFFECT to NAME puts the effect between NAME and where it went, amount its mix
#   TPL-04 save and load keep a template instance and its values
#   SEED-01 the seed's session, exactly as typed, sounds like what it says
set -euo pipefail
render=$1
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT
cd "$tmp"
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

# TPL-01
out=$(printf 'create bass b1 cutoff=700 filter=highpass\ninfo b1\ninfo b1_filt\nset b1.cutoff 900\ninfo b1_filt\nset b1.nosuch 1\ncreate bass\ncreate bass\nlist\n' |
	"$render" -o a.wav -t 0.1 - 2>&1 || true)
if grep -q "created bass b1 (a template" <<<"$out" && grep -q "b1_filt (vcf) cutoff=700Hz resonance=0.3 mode=hp" <<<"$out" &&
	grep -q "b1_filt (vcf) cutoff=900Hz" <<<"$out" && grep -q "template bass 'b1' has no parameter 'nosuch'; parameters: osc filter cutoff" <<<"$out" &&
	grep -q "created bass bass " <<<"$out" && grep -q "created bass bass2 " <<<"$out" && grep -q "inside: create vco osc" <<<"$out"; then
	ok "TPL-01 create bass b1 cutoff=700 filter=highpass: params reach the inner filter; info shows inside; names bass, bass2"
else
	bad "TPL-01: $out"
fi

# TPL-02
out=$(printf '%s\n' 'define wobble: create vco osc wave=saw; create lfo mod rate=3; patch mod > osc.pitch; param rate = mod.rate; param freq = osc.freq; input pitch = osc.pitch; output out = osc.out' \
	'create wobble w rate=5' 'info w_mod' 'define broken: create vco osc; patch osc > nowhere; frobnicate 3; output out = osc.out' |
	"$render" -o b.wav -t 0.1 - 2>&1 || true)
if grep -q "defined template wobble" <<<"$out" && [ -f templates/wobble.chr ] && grep -q "w_mod (lfo) .*rate=5Hz" <<<"$out" &&
	grep -q "template broken, line 3: a template holds create, patch, set, gate, param, input and output lines, not 'frobnicate'" <<<"$out" &&
	[ ! -f templates/broken.chr ]; then
	ok "TPL-02 define wobble works at once (templates/wobble.chr); a broken template is refused with its line"
else
	bad "TPL-02: $out"
fi

# TPL-03: add an effect after a voice that goes to out, and after one that goes nowhere.
fx=delay
if printf 'types\n' | "$render" -q -o /dev/null -t 0.01 - 2>&1 | grep -q "delay" ||
	printf 'info delay\n' | "$render" -o /dev/null -t 0.01 - 2>&1 | grep -q "^ *0.000  delay:"; then
	out=$(printf 'create vco lead\npatch lead > out\nadd %s to lead amount=0.4\nlist\ninfo %s\ncreate vco solo\nadd %s to solo\nlist\nadd vcx to lead\n' "$fx" "$fx" "$fx" |
		"$render" -o c.wav -t 0.1 - 2>&1 || true)
	if grep -q "added $fx $fx after lead (lead > $fx > out.in)" <<<"$out" && grep -q "lead.out > $fx.in; .*$fx.out > out.in\|$fx.out > out.in.*lead.out > $fx.in" <<<"$out" &&
		grep -q "mix=0.4" <<<"$out" && grep -q "added $fx ${fx}2 after solo (solo > ${fx}2 > out)" <<<"$out" &&
		grep -q "'vcx' is not an effect" <<<"$out" && ! grep -q "lead.out > out.in" <<<"$(grep 'out out;' <<<"$out" | tail -1)"; then
		ok "TPL-03 add $fx to lead amount=0.4: lead > $fx > out, mix 0.4; after a voice going nowhere, to out"
	else
		bad "TPL-03: $out"
	fi
else
	bad "TPL-03 no effect module (delay) is built"
fi

# TPL-04
out=$(printf 'create bass b1 cutoff=650\ncreate vco x\npatch x > b1.cutoff\nsave patch tp\nfree b1\nfree x\nload patch tp\ninfo b1_filt\nlist\n' |
	"$render" -o d.wav -t 0.1 - 2>&1 || true)
if grep -q "loaded patch tp" <<<"$out" && grep -q "b1_filt (vcf) cutoff=650Hz" <<<"$out" &&
	grep -q "b1 is a bass" <<<"$out" && grep -q "x.out > b1_filt.cutoff" <<<"$out" && grep -q "^create bass b1$" patches/tp.chr; then
	ok "TPL-04 a saved template instance loads back with its values and cables"
else
	bad "TPL-04: $out; $(cat patches/tp.chr 2>/dev/null)"
fi

# SEED-01: the seed's session as typed; play at 0, the bass from 2 s, the reverb from 4 s.
cat >seed.chr <<'S'
create kick freq=60 decay=0.5
create hihat noise=white decay=0.05
sequence kick: x...x...x...x...
sequence hihat: ..x...x...x...x.
play
wait 2
create bass osc=saw filter=lowpass cutoff=500
melody bass: C2 C2 G2 Eb2
play all
wait 2
add reverb to bass amount=0.3
save patch "deep_groove"
S
echo "@6 stop" >>seed.chr
grep -v "^add reverb" seed.chr | sed 's/"deep_groove"/dry_groove/' >dry.chr
if "$render" -o seed.wav -t 8 seed.chr >seed.out 2>&1 && "$render" -q -o dry.wav -t 8 dry.chr; then
	if "$py" "$here/session.py" seed.wav dry.wav && grep -q "reverb" patches/deep_groove.chr; then
		ok "SEED-01 the seed's session plays as typed: $(grep -c . seed.out) lines, deep_groove saved"
	else
		bad "SEED-01 the session does not sound as it says"
	fi
else
	bad "SEED-01 a line failed: $(grep -v '^ ' seed.out)"
fi
exit $fail
