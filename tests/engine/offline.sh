#!/usr/bin/env bash
# Engine behaviour through the offline renderer (specs/engine.feature):
#   ENG-01 two renders of the same script are bit-identical;
#   ENG-02 a timed gate lands on its exact frame, one period after (the async pipeline);
#   ENG-03 a feedback loop renders, bounded and finite;
#   ENG-04 a failing command changes nothing and the render says which line, with a suggestion;
#   ENG-05 an unpatched vca passes signal (its cv input reads its default 1.0).
set -euo pipefail
render=$1
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

cat >"$tmp/song.chr" <<'S'
create vco lead wave=saw freq=110
create vcf filt cutoff=900 resonance=0.5
create vca amp
create adsr env attack=0.005 decay=0.1 sustain=0.5 release=0.2
patch lead > filt > amp > out
patch env > amp.cv
gate env 1
wait 0.25
set lead.freq 165
wait 0.25
gate env 0
S
"$render" -q -o "$tmp/a.wav" -t 1 "$tmp/song.chr"
"$render" -q -o "$tmp/b.wav" -t 1 "$tmp/song.chr"
if cmp -s "$tmp/a.wav" "$tmp/b.wav"; then ok "ENG-01 renders are bit-identical"; else bad "ENG-01 renders differ"; fi

# ENG-02: a vca whose unpatched input steps to 1 at 0.5 s (frame 24000) reaches the output at frame 24000 + 64.
cat >"$tmp/gate.chr" <<'S'
create vca v
patch v > out
@0.5 gate v.in 1
S
"$render" -q -o "$tmp/gate.wav" -t 1 -b 64 "$tmp/gate.chr"
first=$("$py" - "$tmp/gate.wav" <<'P'
import sys, numpy as np, wave
w = wave.open(sys.argv[1]) if False else None
raw = open(sys.argv[1], 'rb').read()
# float WAV: find the 'data' chunk
i = raw.find(b'data'); n = int.from_bytes(raw[i+4:i+8], 'little')
x = np.frombuffer(raw[i+8:i+8+n], dtype='<f4').reshape(-1, 2)[:, 0]
nz = np.nonzero(np.abs(x) > 1e-9)[0]
print(nz[0] if len(nz) else -1)
P
)
if [ "$first" = "24064" ]; then ok "ENG-02 gate at frame 24000 heard first at frame $first"; else bad "ENG-02 gate heard at frame $first, want 24064"; fi

# ENG-03: feedback loop vcf -> vca -> vcf, driven by a saw.
cat >"$tmp/fb.chr" <<'S'
create vco src wave=saw freq=220
create vcf f cutoff=2000 resonance=0.9
create vca loop gain=2
patch src > f > loop > f
patch f > out
S
"$render" -q -o "$tmp/fb.wav" -t 2 "$tmp/fb.chr"
peak=$("$py" - "$tmp/fb.wav" <<'P'
import sys, numpy as np
raw = open(sys.argv[1], 'rb').read(); i = raw.find(b'data'); n = int.from_bytes(raw[i+4:i+8], 'little')
x = np.frombuffer(raw[i+8:i+8+n], dtype='<f4')
print("nan" if not np.all(np.isfinite(x)) else ("%.4f" % np.max(np.abs(x))))
P
)
if [ "$peak" != nan ] && "$py" -c "import sys; sys.exit(0 if 0.01 < $peak <= 1.0 else 1)"; then
	ok "ENG-03 feedback loop renders, peak $peak"
else
	bad "ENG-03 feedback loop peak $peak"
fi

# ENG-04: a bad line is reported with its number; the rest still plays.
printf 'create vco a freq=440\ncreate vco a\nset a.fraq 3\npatch a > out\n' >"$tmp/bad.chr"
if "$render" -q -o "$tmp/bad.wav" -t 0.2 "$tmp/bad.chr" 2>"$tmp/err"; then
	bad "ENG-04 render of a bad script exited 0"
elif grep -q "line 2: an instance named 'a' already exists" "$tmp/err" &&
	grep -q "line 3: unknown parameter 'fraq' on vco 'a'; did you mean 'freq'? parameters: freq" "$tmp/err"; then
	ok "ENG-04 failing lines are named: $(tr '\n' '|' <"$tmp/err")"
else
	bad "ENG-04 messages: $(cat "$tmp/err")"
fi

# ENG-05: an unpatched vca passes its input.
printf 'create vco a wave=sine freq=440\ncreate vca v\npatch a > v > out\n' >"$tmp/vca.chr"
"$render" -q -o "$tmp/vca.wav" -t 0.5 "$tmp/vca.chr"
rms=$("$py" - "$tmp/vca.wav" <<'P'
import sys, numpy as np
raw = open(sys.argv[1], 'rb').read(); i = raw.find(b'data'); n = int.from_bytes(raw[i+4:i+8], 'little')
x = np.frombuffer(raw[i+8:i+8+n], dtype='<f4').reshape(-1, 2)[:, 0]
print("%.3f" % np.sqrt(np.mean(x[4800:] ** 2)))
P
)
if "$py" -c "import sys; sys.exit(0 if $rms > 0.2 else 1)"; then ok "ENG-05 unpatched vca passes signal (rms $rms)"; else bad "ENG-05 rms $rms"; fi
exit $fail
