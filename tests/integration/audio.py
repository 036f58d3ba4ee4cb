#!/usr/bin/python3
"""Measure recordings made by the integration and fault tests (jack_rec WAV files).

Run with Debian's /usr/bin/python3 (it has numpy). sox converts any WAV to float samples.

  audio.py pitch FILE HZ [--tol 0.01] [--min-rms 0.05]
      the dominant frequency (Hann window, FFT, parabolic interpolation of the log
      magnitude) is within tol of HZ, and the RMS level is at least min-rms
  audio.py handover FILE KEEP_HZ OLD_HZ NEW_HZ [--window 0.02] [--min-amp 0.05]
      a voice switched from OLD_HZ to NEW_HZ as its worker was killed: from the last window
      holding OLD_HZ (the kill) until NEW_HZ is sustained for 100 ms (the respawn), and at
      least 60 ms before and 300 ms after the kill, KEEP_HZ stays at least half its median
  audio.py both FILE HZ HZ ... [--min-amp 0.05]
      every frequency named has a median amplitude (20 ms windows) of at least min-amp
  audio.py rms FILE [--min-rms 0.01]

Exits 0 when the claim holds, 1 when it does not (saying why), 2 on a usage or file error.
"""
import argparse
import subprocess
import sys

import numpy as np

RATE = 48000


def load(path):
    """The take as float64 samples, with the silence jack_rec may write before it connects
    (and after it stops) cut off."""
    try:
        raw = subprocess.run(
            ["sox", path, "-t", "raw", "-e", "floating-point", "-b", "32", "-c", "1",
             "-r", str(RATE), "-"],
            capture_output=True, check=True).stdout
    except subprocess.CalledProcessError as e:
        print(f"sox cannot read {path}: {e.stderr.decode(errors='replace').strip()}")
        sys.exit(2)
    x = np.frombuffer(raw, dtype="<f4").astype(np.float64)
    loud = np.nonzero(np.abs(x) > 1e-3)[0]
    if len(loud) == 0:
        return x[:0], len(x)
    return x[loud[0]:loud[-1] + 1], len(x)


def dominant(x):
    n = len(x)
    w = np.hanning(n)
    pad = 1 << int(np.ceil(np.log2(n * 4)))
    mag = np.abs(np.fft.rfft((x - x.mean()) * w, pad))
    k = int(np.argmax(mag[1:-1])) + 1
    a, b, c = np.log(mag[k - 1:k + 2] + 1e-30)
    den = a - 2 * b + c
    p = 0.5 * (a - c) / den if den != 0 else 0.0
    return (k + p) * RATE / pad


def amplitude(x, hz):
    """Amplitude of the sinusoid at hz in x (Hann-windowed single-bin DFT)."""
    n = len(x)
    w = np.hanning(n)
    t = np.arange(n)
    z = np.sum(x * w * np.exp(-2j * np.pi * hz * t / RATE))
    return 2.0 * abs(z) / np.sum(w)


def cmd_pitch(a):
    x, total = load(a.file)
    if len(x) < RATE // 4:
        print(f"{a.file}: only {len(x)} non-silent samples of {total}: no sound to measure")
        return 1
    f = dominant(x)
    rms = float(np.sqrt(np.mean(x ** 2)))
    err = abs(f - a.hz) / a.hz
    print(f"{a.file}: {len(x)} samples, dominant {f:.2f} Hz (want {a.hz:g} Hz, "
          f"error {err * 100:.3f} %), rms {rms:.4f}")
    ok = True
    if err > a.tol:
        print(f"  dominant frequency {f:.2f} Hz is not within {a.tol * 100:g} % of {a.hz:g} Hz")
        ok = False
    if rms < a.min_rms:
        print(f"  rms {rms:.4f} is below {a.min_rms}")
        ok = False
    return 0 if ok else 1


def cmd_handover(a):
    """A voice changed pitch from OLD to NEW Hz at the moment its worker was killed: find
    that moment (the last window holding OLD) and the return (NEW sustained for 100 ms),
    and check that KEEP, on another worker, played on through all of it."""
    x, total = load(a.file)
    win = int(round(a.window * RATE))
    nwin = len(x) // win
    if nwin < 20:
        print(f"{a.file}: only {len(x)} non-silent samples of {total}: too short")
        return 1
    segs = [x[i * win:(i + 1) * win] for i in range(nwin)]
    keep = np.array([amplitude(s, a.keep) for s in segs])
    old = np.array([amplitude(s, a.old) for s in segs])
    new = np.array([amplitude(s, a.new) for s in segs])
    ref = float(np.median(keep))
    strong = 0.5 * ref

    def t(i):
        return f"{i * a.window:.2f} s"

    if ref < a.min_amp:
        print(f"{a.file}: {a.keep:g} Hz median amplitude {ref:.4f} is below {a.min_amp}")
        return 1
    olds = np.nonzero(old >= strong)[0]
    if len(olds) == 0:
        print(f"{a.file}: {a.old:g} Hz never sounds: the take missed the voice before the kill")
        return 1
    last_old = int(olds[-1])
    sustain = max(1, int(round(0.1 / a.window)))
    back = None
    for i in range(last_old + 1, nwin - sustain + 1):
        if np.all(new[i:i + sustain] >= strong):
            back = i
            break
    if back is None:
        print(f"{a.file}: {a.old:g} Hz last sounds at {t(last_old)}, and {a.new:g} Hz is never "
              f"sustained after it: the killed voice did not come back within the take")
        return 1
    gap = [i for i in range(last_old + 1, back) if new[i] < strong]
    lo = max(0, last_old - int(round(0.06 / a.window)))
    hi = min(nwin, max(back + 2, last_old + int(round(0.3 / a.window))))
    span = keep[lo:hi]
    worst = lo + int(np.argmin(span))
    print(f"{a.file}: {nwin} windows of {a.window * 1000:g} ms; {a.old:g} Hz last at "
          f"{t(last_old)}, {a.new:g} Hz sustained from {t(back)} ({len(gap)} weak windows "
          f"between: the killed voice's gap); {a.keep:g} Hz median {ref:.4f}, lowest "
          f"{keep[worst]:.4f} at {t(worst)} in {t(lo)}..{t(hi)}")
    elsewhere = [i for i in range(nwin) if (i < lo or i >= hi) and keep[i] < strong]
    if elsewhere:
        print(f"  (away from the kill, {a.keep:g} Hz dipped in {len(elsewhere)} windows, first at "
              f"{t(elsewhere[0])}: a late worker or an xrun, not judged)")
    bad = [lo + i for i in range(len(span)) if span[i] < strong]
    if bad:
        print(f"  {a.keep:g} Hz fell below half its median around the kill, in {len(bad)} "
              f"windows: " + " ".join(f"{t(i)}={keep[i]:.3f}" for i in bad[:10]))
        return 1
    return 0


def cmd_both(a):
    """Each frequency's median amplitude over 20 ms windows: a window is short enough that a
    lost or repeated block (an xrun) elsewhere in the take does not cancel it out."""
    x, total = load(a.file)
    win = int(round(0.02 * RATE))
    nwin = len(x) // win
    if nwin < 10:
        print(f"{a.file}: only {len(x)} non-silent samples of {total}: no sound to measure")
        return 1
    ok = True
    amps = {hz: float(np.median([amplitude(x[i * win:(i + 1) * win], hz) for i in range(nwin)]))
            for hz in a.hz}
    rms = float(np.sqrt(np.mean(x ** 2)))
    print(f"{a.file}: {nwin} windows of 20 ms, rms {rms:.4f}; median amplitude " +
          ", ".join(f"{hz:g} Hz {v:.4f}" for hz, v in amps.items()))
    for hz, v in amps.items():
        if v < a.min_amp:
            print(f"  {hz:g} Hz median amplitude {v:.4f} is below {a.min_amp}")
            ok = False
    return 0 if ok else 1


def cmd_rms(a):
    x, total = load(a.file)
    rms = float(np.sqrt(np.mean(x ** 2))) if len(x) else 0.0
    print(f"{a.file}: {len(x)} non-silent samples of {total}, rms {rms:.4f}")
    if rms < a.min_rms:
        print(f"  rms {rms:.4f} is below {a.min_rms}")
        return 1
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pitch")
    p.add_argument("file")
    p.add_argument("hz", type=float)
    p.add_argument("--tol", type=float, default=0.01)
    p.add_argument("--min-rms", type=float, default=0.05)
    p = sub.add_parser("handover")
    p.add_argument("file")
    p.add_argument("keep", type=float)
    p.add_argument("old", type=float)
    p.add_argument("new", type=float)
    p.add_argument("--window", type=float, default=0.02)
    p.add_argument("--min-amp", type=float, default=0.05)
    p = sub.add_parser("both")
    p.add_argument("file")
    p.add_argument("hz", type=float, nargs="+")
    p.add_argument("--min-amp", type=float, default=0.05)
    p = sub.add_parser("rms")
    p.add_argument("file")
    p.add_argument("--min-rms", type=float, default=0.01)
    a = ap.parse_args()
    return {"pitch": cmd_pitch, "handover": cmd_handover, "both": cmd_both,
            "rms": cmd_rms}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
