#!/usr/bin/env bash
# The command language, as users type it (specs/control.feature), through chronus-render:
#   GRAM-01 names default to the type, then type2, type3
#   GRAM-03 patch chains, unpatch, every set form, and a ramp that glides over its time
#   GRAM-04 sequence: gates fall on exact frames at the tempo
#   GRAM-05 melody: the notes named, one a beat
#   GRAM-06 save then load reproduces the patch; a patch that fails to load changes nothing
#   GRAM-07 record writes the output to a WAV, only inside the working folder
#   GRAM-08 a typo gets a suggestion and changes nothing
#   GRAM-09 a save that fails midway (a full disk) leaves the old patch file whole
set -euo pipefail
render=$1
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT
TMPDIR_PARENT=$(dirname -- "$tmp")
cd "$tmp"
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
wav() { "$py" "$here/wav.py" "$@"; }
near() { "$py" -c "import sys; sys.exit(0 if abs($1 - ($2)) <= $3 else 1)"; }

# GRAM-01
out=$(printf 'create vco\ncreate vco\ncreate vco\ncreate vco lead\ncreate vco lead\n' |
	"$render" -o a.wav -t 0.1 - 2>&1 || true)
if grep -q "created vco vco$" <<<"$out" && grep -q "created vco vco2$" <<<"$out" &&
	grep -q "created vco vco3$" <<<"$out" && grep -q "line 5: an instance named 'lead' already exists" <<<"$out"; then
	ok "GRAM-01 default names vco, vco2, vco3; a taken name is refused"
else
	bad "GRAM-01: $out"
fi

# GRAM-03: chains and set forms; a gain ramp over 1 s on a DC input.
cat >set.chr <<'S'
create vco lead wave=saw freq=110
create vcf filt cutoff=800 resonance=0.6
create vca amp
create adsr env attack=0.01 release=0.4
patch lead > filt > amp > out
patch env > amp.cv
patch env > filt.cutoff
unpatch env > filt.cutoff
set filt.cutoff 1200
filt.cutoff=1200 filt.resonance=0.7
set filt.resonance=0.2 filt.mode=hp
info filt
S
out=$("$render" -o s.wav -t 0.1 set.chr 2>&1)
if grep -q "filt (vcf) cutoff=1200Hz resonance=0.2 mode=hp; inputs in<lead cutoff; outputs out>amp" <<<"$out"; then
	ok "GRAM-03 chains, unpatch and set forms: $(grep 'filt (vcf)' <<<"$out")"
else
	bad "GRAM-03 set forms: $out"
fi
cat >ramp.chr <<'S'
create vca v gain=0
gate v.in 1
patch v > out
@0.5 set v.gain 1 over 1s
S
"$render" -q -o r.wav -t 2 ramp.chr
read -r q1 q2 q3 end <<<"$(wav at r.wav 36064 48064 60064 80000)"
full=$("$py" -c "print(0.8 * 0.70710678)")
if near "$q1" "0.25*$full" 0.03 && near "$q2" "0.5*$full" 0.03 && near "$q3" "0.75*$full" 0.03 &&
	near "$end" "$full" 0.002; then
	ok "GRAM-03 set v.gain 1 over 1s: $q1 $q2 $q3 at 1/4, 1/2, 3/4, then $end"
else
	bad "GRAM-03 ramp values $q1 $q2 $q3 $end (full $full)"
fi

# GRAM-04: x...x...x...x... at 120 BPM from play at 0.25 s: onsets at 12000 + 64 + k*24000
# (+1: an envelope's first sample after its gate is 0).
cat >seq.chr <<'S'
tempo 120
create adsr env attack=0.0005 decay=0.0005 sustain=1 release=0.0005
patch env > out
sequence env: x...x...x...x...
@0.25 play
S
"$render" -q -o q.wav -t 2.2 seq.chr
got=$(wav onsets q.wav)
want="12065 36065 60065 84065"
if [ "$(echo $got | cut -d' ' -f1-4)" = "$want" ]; then
	ok "GRAM-04 sequence gates at frames $got (120 BPM, 16ths, play at 0.25 s)"
else
	bad "GRAM-04 onsets '$got', want '$want ...'"
fi

# GRAM-05: melody lead: C3 E3 G3 C4 at 120 BPM: each note for half a second.
cat >mel.chr <<'S'
tempo 120
create vco lead wave=sine freq=110
patch lead > out
melody lead: C3 E3 G3 C4
play
S
"$render" -q -o m.wav -t 2.1 mel.chr
okm=1
notes=""
for spec in "0.1 0.4 130.8128" "0.6 0.9 164.8138" "1.1 1.4 195.9977" "1.6 1.9 261.6256"; do
	read -r a b f <<<"$spec"
	got=$(wav freq m.wav "$a" "$b")
	cents=$("$py" -c "import math; print('%.2f' % (1200*math.log2($got/$f)))")
	notes="$notes $got Hz (${cents} c)"
	near "$cents" 0 2 || okm=0
done
if [ $okm = 1 ]; then ok "GRAM-05 melody plays C3 E3 G3 C4:$notes"; else bad "GRAM-05 melody:$notes"; fi

# GRAM-06: save, change, load: the same patch; a save that cannot finish keeps the old file.
cat >save.chr <<'S'
tempo 97
create vco lead wave=square freq=220 width=0.3
create vcf filt cutoff=500
create vca amp gain=1.5
patch lead > filt > amp > out
set out.level 0.5
@0.1 list
@0.1 info lead
@0.1 save patch groove
@0.2 free lead
@0.2 create vco other
@0.2 tempo 60
@0.3 load patch groove
@0.4 list
@0.4 info lead
S
out=$("$render" -o v.wav -t 0.5 save.chr 2>&1)
l1=$(grep -E '^ +0.100  out out' <<<"$out" | sed 's/worker=[0-9]//g; s/^ *[0-9.]* *//')
l2=$(grep -E '^ +0.400  out out' <<<"$out" | sed 's/worker=[0-9]//g; s/^ *[0-9.]* *//')
i1=$(grep -E '^ +0.100  lead \(vco\)' <<<"$out" | sed 's/^ *[0-9.]* *//')
i2=$(grep -E '^ +0.400  lead \(vco\)' <<<"$out" | sed 's/^ *[0-9.]* *//')
if [ -n "$l1" ] && [ "$l1" = "$l2" ] && [ -n "$i1" ] && [ "$i1" = "$i2" ] &&
	grep -q "tempo 97" patches/groove.chr && grep -q "set out.level=0.5" patches/groove.chr; then
	ok "GRAM-06 save then load reproduces the patch: $l2"
else
	bad "GRAM-06 before/after: '$l1' / '$l2'; '$i1' / '$i2'"
fi
# load of a broken patch changes nothing
printf 'create vco a\ncreate nosuchtype b\n' >patches/broken.chr
out=$(printf 'create vco keep\nload patch broken\nlist\n' | "$render" -o b.wav -t 0.1 - 2>&1 || true)
if grep -q "loading .*broken.chr failed at line 2" <<<"$out" && grep -q "keep vco" <<<"$out" &&
	! grep -q " a vco" <<<"$out"; then
	ok "GRAM-06 a patch that fails to load changes nothing"
else
	bad "GRAM-06 broken load: $out"
fi

# GRAM-07
outside="chronus-outside-$$.wav"
out=$(printf 'create vco a wave=sine freq=440\npatch a > out\nrecord take1.wav 0.5\nrecord ../%s 1\nrecord %s/%s 1\n' "$outside" "$TMPDIR_PARENT" "$outside" |
	"$render" -o o.wav -t 1 - 2>&1 || true)
n=$(wav len take1.wav 2>/dev/null || echo 0)
if [ "$n" = 24000 ] && grep -q "line 4: record writes a .wav inside" <<<"$out" &&
	grep -q "line 5: record writes a .wav inside" <<<"$out" && [ ! -e "../$outside" ]; then
	ok "GRAM-07 record wrote take1.wav (24000 frames); paths outside the folder refused"
else
	bad "GRAM-07 record: frames $n; $out"
fi

# GRAM-08
out=$(printf 'create vcf filt\nset filt.cutof 3\ncrate vco x\ninfo filt\n' | "$render" -o t.wav -t 0.1 - 2>&1 || true)
if grep -q "unknown parameter 'cutof' on vcf 'filt'; did you mean 'cutoff'? parameters: cutoff, resonance, mode" <<<"$out" &&
	grep -q "unknown command 'crate'; did you mean 'create'?" <<<"$out" &&
	grep -q "filt (vcf) cutoff=1000Hz" <<<"$out"; then
	ok "GRAM-08 typos get suggestions and change nothing"
else
	bad "GRAM-08: $out"
fi
# GRAM-09: the renderer runs in a private mount namespace whose folder is a 32 KB tmpfs; a
# small patch saves, a 2000-instance patch does not fit: the save fails midway with ENOSPC.
mkdir full
{ echo "create vco lead freq=220"; echo "save patch keep"; echo "@0.001 list";
  for i in $(seq 2000); do echo "@0.002 create vco voice$i freq=$((100 + i))"; done
  echo "@0.003 save patch keep"; } >full.chr
ns=(unshare -m)
[ "$(id -u)" = 0 ] || ns=(unshare -rm)
out=$("${ns[@]}" bash -c 'mount -t tmpfs -o size=32k tmpfs full && cd full &&
	"$0" -o /dev/null -t 0.01 ../full.chr >../run.out 2>&1; status=$?;
	cat patches/keep.chr >../after.chr; ls -a patches >../listing; exit $status' "$render" 2>&1) && rc=0 || rc=$?
if [ "$rc" != 0 ] && grep -q "saving .*keep.chr failed: No space left on device; the old file is untouched" run.out &&
	[ "$(cat after.chr | grep -c '^create')" = 1 ] && grep -q "create vco lead freq=220" after.chr &&
	! grep -q tmp listing; then
	ok "GRAM-09 a save that ran out of room left the old patch whole: $(grep 'saving' run.out | sed 's/^chronus-render: //')"
else
	bad "GRAM-09 full-disk save: rc=$rc; $(cat run.out 2>/dev/null | tail -3); after: $(head -3 after.chr 2>/dev/null); $out"
fi
exit $fail
