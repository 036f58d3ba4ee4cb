"""Checks the seed session's render (SEED-01): 120 BPM, play at 0; kick on every beat, hats on
the off-beat 16ths, the bass (from 2 s) playing C2 C2 G2 Eb2 one a beat, and (against a render
without the reverb, argv[2]) a reverb tail after the stop at 6 s. Prints each figure; exits 1 when one is off."""
import sys
import numpy as np
sys.path.insert(0, __import__('os').path.dirname(__file__))
import wav

RATE = 48000
x = wav.read(sys.argv[1])[:, 0].astype(np.float64)
ok = True


def band(sig, lo, hi):
    """Sig band-passed to lo..hi Hz (FFT mask)."""
    s = np.fft.rfft(sig)
    f = np.fft.rfftfreq(len(sig), 1 / RATE)
    s[(f < lo) | (f > hi)] = 0
    return np.fft.irfft(s, len(sig))


def report(cond, what):
    global ok
    print(('ok: ' if cond else 'FAIL: ') + what)
    ok &= bool(cond)


# Kick: low band energy peaks within 10 ms after each beat (0.5 s) in the first 2 s.
low = band(x[:2 * RATE], 30, 120) ** 2
beats = []
for b in range(4):
    at = b * RATE // 2 + 64
    win = low[at:at + RATE // 8]
    beats.append((np.argmax(win) / RATE * 1000, win.max()))
report(all(t < 40 for t, _ in beats) and min(e for _, e in beats) > 1e-4,
       'kick on every beat: peaks %s ms after each' % ['%.1f' % t for t, _ in beats])
# Tail pitch of the kick near 60 Hz.
seg = x[int(0.25 * RATE):int(0.45 * RATE)]
spec = np.abs(np.fft.rfft(seg * np.hanning(len(seg)), 16 * len(seg)))
f = np.fft.rfftfreq(16 * len(seg), 1 / RATE)
m = (f > 30) & (f < 200)
kick_hz = f[m][np.argmax(spec[m])]
report(abs(kick_hz - 60) < 3, 'kick tail at %.1f Hz (freq=60)' % kick_hz)
# Hats: high band energy at the off-beat 16ths (0.25, 0.75 s ...) and not on the beat.
high = band(x[:2 * RATE], 5000, 20000) ** 2
def energy(t):
    a = int(t * RATE) + 64
    return high[a:a + 1200].sum()
off = [energy(0.25 + 0.5 * k) for k in range(4)]
on = [energy(0.5 * k + 0.125) for k in range(4)]
report(min(off) > 20 * max(on), 'hats on the off-beats: %.3g vs %.3g between' % (min(off), max(on)))
# Bass from 2 s: C2 C2 G2 Eb2, one a beat, starting on a bar (the transport keeps running).
notes = {'C2': 65.406, 'G2': 97.999, 'Eb2': 77.782}
heard = []
for k in range(4):
    t0 = 2.0 + 0.5 * k  # beats 4..7 of the running transport
    seg = band(x[int((t0 + 0.05) * RATE):int((t0 + 0.4) * RATE)], 40, 140)
    spec = np.abs(np.fft.rfft(seg * np.hanning(len(seg)), 32 * len(seg)))
    f = np.fft.rfftfreq(32 * len(seg), 1 / RATE)
    m = (f > 55) & (f < 120)
    heard.append(f[m][np.argmax(spec[m])])
want = [notes['C2'], notes['C2'], notes['G2'], notes['Eb2']]
cents = [1200 * np.log2(h / w) for h, w in zip(heard, want)]
report(max(abs(c) for c in cents) < 25, 'bass plays C2 C2 G2 Eb2: %s Hz' % ['%.1f' % h for h in heard])
# Reverb: the session and the same without `add reverb` both stop at 6 s; the reverb's tail
# rings on after the stop, the dry one does not (the kick's last hit has died by 6.6 s).
if len(sys.argv) > 2:
    dry = wav.read(sys.argv[2])[:, 0].astype(np.float64)
    def tail(sig):
        return (band(sig[int(6.6 * RATE):int(7.4 * RATE)], 100, 3000) ** 2).mean()
    wet_tail, dry_tail = tail(x), tail(dry)
    report(wet_tail > 100 * dry_tail and wet_tail > 1e-7,
           'reverb on the bass: tail after stop %.3g (dry %.3g)' % (wet_tail, dry_tail))
report(np.all(np.isfinite(x)) and np.max(np.abs(x)) <= 1.0, 'finite, peak %.3f' % np.max(np.abs(x)))
sys.exit(0 if ok else 1)
