#!/usr/bin/python3
"""Measure recordings made by the integration and fault tests (jack_rec WAV files).

Run with Debian's /usr/bin/python3 (it has numpy). sox converts any WAV to float samples.
Channels are counted from 0 (a take of out_L and out_R: 0 is out_L).

  audio.py pitch FILE HZ [--tol 0.01] [--min-rms 0.05] [--channel 0]
      the dominant frequency (Hann window, FFT, parabolic interpolation of the log
      magnitude) is within tol of HZ, and the RMS level is at least min-rms
  audio.py handover FILE KEEP_HZ OLD_HZ NEW_HZ [--keep-channel 0] [--voice-channel 1]
                   [--events WATCH] [--allow-ms 0]
      a voice (on voice-channel) switched from OLD_HZ to NEW_HZ as its worker was killed:
      find the kill (the last 20 ms window holding OLD_HZ), the respawn (NEW_HZ sustained
      for 100 ms) and, at sample resolution, the voice's gap between them; from 60 ms before
      the kill to 100 ms after the voice is back, the KEEP_HZ voice (on keep-channel) stays
      above half its median envelope (Hilbert envelope, 32-sample average) except in periods
      its own worker missed or JACK reported an xrun (WATCH: shm_peek --watch output, lined
      up at the killed voice's fade) and, outside the killed voice's gap, where that voice
      dips too (the whole output glitched); without a usable WATCH, below half for at most
      allow-ms
  audio.py both FILE HZ[@CHANNEL] ... [--min-amp 0.05]
      every frequency named has a median amplitude (20 ms windows) of at least min-amp, on
      its channel (0 when not given)
  audio.py rms FILE [--min-rms 0.01] [--channel 0]

Exits 0 when the claim holds, 1 when it does not (saying why), 2 on a usage or file error.
"""
import argparse
import subprocess
import sys

import numpy as np

RATE = 48000
PERIOD = 64  # frames: the tests' JACK servers run -p 64


def load(path):
    """The take as float64 samples [frames, channels], with the silence jack_rec may write
    before it connects (and after it stops) cut off; and the frame count before cutting."""
    try:
        info = subprocess.run(["soxi", "-c", path], capture_output=True, check=True)
        channels = int(info.stdout.decode().strip())
        raw = subprocess.run(
            ["sox", path, "-t", "raw", "-e", "floating-point", "-b", "32",
             "-r", str(RATE), "-"],
            capture_output=True, check=True).stdout
    except (subprocess.CalledProcessError, ValueError) as e:
        print(f"sox cannot read {path}: {e}")
        sys.exit(2)
    x = np.frombuffer(raw, dtype="<f4").astype(np.float64).reshape(-1, channels)
    loud = np.nonzero(np.max(np.abs(x), axis=1) > 1e-3)[0]
    if len(loud) == 0:
        return x[:0], len(x)
    return x[loud[0]:loud[-1] + 1], len(x)


def channel(x, ch, path):
    if ch >= x.shape[1]:
        print(f"{path} has {x.shape[1]} channels, no channel {ch}")
        sys.exit(2)
    return x[:, ch]


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


def envelope(x, smooth=32):
    """Amplitude envelope of a (near) pure tone: |analytic signal|, averaged over smooth
    samples. A block of silence (one 64-frame period) shows as a dip to about zero."""
    n = len(x)
    spec = np.fft.fft(x)
    h = np.zeros(n)
    h[0] = 1.0
    if n % 2 == 0:
        h[n // 2] = 1.0
        h[1:n // 2] = 2.0
    else:
        h[1:(n + 1) // 2] = 2.0
    env = np.abs(np.fft.ifft(spec * h))
    return np.convolve(env, np.ones(smooth) / smooth, mode="same")


def ms(samples):
    return f"{samples * 1000.0 / RATE:.1f} ms"


def at(sample):
    return f"{sample / RATE:.3f} s"


def cmd_pitch(a):
    x, total = load(a.file)
    x = channel(x, a.channel, a.file)
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
    x, total = load(a.file)
    keep = channel(x, a.keep_channel, a.file)
    voice = channel(x, a.voice_channel, a.file)
    win = int(round(0.02 * RATE))
    nwin = len(x) // win
    if nwin < 20:
        print(f"{a.file}: only {len(x)} non-silent samples of {total}: too short")
        return 1
    segs = [voice[i * win:(i + 1) * win] for i in range(nwin)]
    old = np.array([amplitude(s, a.old) for s in segs])
    new = np.array([amplitude(s, a.new) for s in segs])
    ref_v = float(np.median(np.maximum(old, new)))
    if ref_v < a.min_amp:
        print(f"{a.file}: the killed voice's median amplitude {ref_v:.4f} is below {a.min_amp}")
        return 1
    olds = np.nonzero(old >= 0.5 * ref_v)[0]
    if len(olds) == 0:
        print(f"{a.file}: {a.old:g} Hz never sounds: the take missed the voice before the kill")
        return 1
    last_old = int(olds[-1])
    sustain = 5  # windows: 100 ms
    back = None
    for i in range(last_old + 1, nwin - sustain + 1):
        if np.all(new[i:i + sustain] >= 0.5 * ref_v):
            back = i
            break
    if back is None:
        print(f"{a.file}: {a.old:g} Hz last sounds at {at(last_old * win)}, and {a.new:g} Hz is "
              f"never sustained after it: the killed voice did not come back within the take")
        return 1

    # The voice's gap at sample resolution, between the last OLD window and the NEW return.
    env_v = envelope(voice)
    lo_v, hi_v = last_old * win, min(len(x), (back + 1) * win)
    quiet = np.nonzero(env_v[lo_v:hi_v] < 0.25 * ref_v)[0]
    if len(quiet):
        gap0, gap1 = lo_v + int(quiet[0]), lo_v + int(quiet[-1]) + 1
        gap = f"the killed voice is silent {at(gap0)}..{at(gap1)} ({ms(gap1 - gap0)})"
    else:
        gap0, gap1 = lo_v, hi_v
        gap = "no silence of the killed voice is visible (it came back within a period or two)"

    env_k = envelope(keep)
    ref_k = float(np.median(env_k))
    if ref_k < a.min_amp:
        print(f"{a.file}: the {a.keep:g} Hz voice's median envelope {ref_k:.4f} is below "
              f"{a.min_amp}")
        return 1
    j0 = max(0, min(gap0, lo_v) - int(0.06 * RATE))
    j1 = min(len(x), max(gap1, back * win) + int(0.1 * RATE))
    span = env_k[j0:j1]
    worst = j0 + int(np.argmin(span))
    excused, why = excuses(a, env_v, ref_v, lo_v, hi_v, len(x))
    print(f"{a.file}: {a.old:g} Hz last at {at(last_old * win)}, {a.new:g} Hz sustained from "
          f"{at(back * win)}; {gap}; {a.keep:g} Hz envelope median {ref_k:.4f}, lowest "
          f"{env_k[worst]:.4f} at {at(worst)} in {at(j0)}..{at(j1)}")
    edge = int(0.01 * RATE)  # the envelope is not defined at the take's two ends
    low = np.nonzero(env_k < 0.5 * ref_k)[0]
    elsewhere = low[((low < j0) | (low >= j1)) & (low >= edge) & (low < len(x) - edge)]
    if len(elsewhere):
        print(f"  (away from the kill, {a.keep:g} Hz dipped for {ms(len(elsewhere))} in all, "
              f"first at {at(int(elsewhere[0]))}: a late worker or an xrun, not judged)")
    bad = j0 + np.nonzero(span < 0.5 * ref_k)[0]
    if why:
        print(f"  {why}")
    if excused is not None:
        left = bad[~excused[bad]]
        if len(left) > PERIOD // 2:
            print(f"  {a.keep:g} Hz fell below half its median around the kill for {ms(len(bad))}, "
                  f"{ms(len(left))} of it when neither its worker nor the callback was late: "
                  f"from {at(int(left[0]))} to {at(int(left[-1]))}")
            return 1
        if len(bad):
            print(f"  {a.keep:g} Hz fell below half its median around the kill for {ms(len(bad))}, "
                  f"all of it when its own worker or the callback was late")
        return 0
    allow = int(round(a.allow_ms * RATE / 1000.0))
    if len(bad) > allow:
        print(f"  {a.keep:g} Hz fell below half its median around the kill for {ms(len(bad))} "
              f"(allowed: {ms(allow)}), from {at(int(bad[0]))} to {at(int(bad[-1]))}")
        return 1
    if len(bad):
        print(f"  {a.keep:g} Hz fell below half its median around the kill for {ms(len(bad))}, "
              f"within the {ms(allow)} allowed (its own worker was late)")
    return 0


def excuses(a, env_v, ref_v, lo_v, hi_v, n):
    """Samples of the take where the surviving voice may be quiet by design, from the engine's
    counters watched during the take (shm_peek --watch): a period its worker missed (its sound
    fades for that period and comes back over the next) and a JACK xrun (the callback itself
    late). The watch names periods; the take is lined up with them at the killed voice's
    fade, which starts in period victim_last + 2. Returns (mask or None, note)."""
    if not a.events:
        return None, ""
    ev = {"miss": [], "xrun": [], "victim_last": [], "end": []}
    try:
        with open(a.events) as f:
            for line in f:
                kind, *fields = line.split()
                kv = dict(fl.partition("=")[::2] for fl in fields)
                if kind in ev and kv.get("period", "").isdigit():
                    p = int(kv["period"])
                    since = int(kv["since"]) if kv.get("since", "").isdigit() else p
                    ev[kind].append(p if kind in ("victim_last", "end") else (since, p))
    except OSError as e:
        return None, f"(no watch of the engine's counters: {e}; judging by --allow-ms)"
    if not ev["victim_last"]:
        return None, "(the watch did not see the worker die; judging by --allow-ms)"
    # The fade: the start of the killed voice's longest silence there (a glitch of the whole
    # output can fade it for a period too, earlier); when the worker came back within a
    # period or two and left no silence, where its envelope falls halfway to its lowest.
    r0 = max(0, lo_v - 2 * PERIOD)
    quiet = env_v[r0:hi_v] < 0.25 * ref_v
    runs, start = [], None
    for i, q in enumerate(np.append(quiet, False)):
        if q and start is None:
            start = i
        elif not q and start is not None:
            runs.append((i - start, start))
            start = None
    if runs:
        anchor = r0 + max(runs)[1] - PERIOD // 4
    else:
        deepest = float(np.min(env_v[r0:hi_v]))
        if deepest > 0.85 * ref_v:
            return None, ("(no fade of the killed voice to line the watch up with; "
                          "judging by --allow-ms)")
        fade = np.nonzero(env_v[r0:hi_v] < 0.5 * (ref_v + deepest))[0]
        anchor = r0 + int(fade[0]) - PERIOD // 4
    p0 = ev["victim_last"][0] + 2

    def rec(period):
        return anchor + (period - p0) * PERIOD

    mask = np.zeros(n, dtype=bool)
    for since, p in ev["miss"]:  # counted in one of since+1..p+1; faded then, back after
        mask[max(0, rec(since - 1)):max(0, min(n, rec(p + 4)))] = True
    for since, p in ev["xrun"]:  # the cycle JACK found late: reported just after it
        mask[max(0, rec(since - 2)):max(0, min(n, rec(p + 1)))] = True
    # A glitch of the whole output (the callback or the recorder late) shows on both
    # channels: where the killed voice is alive and dips with the survivor, excuse it. Its
    # gap, from the fade until it is back, is judged strictly.
    glitch = env_v < 0.5 * ref_v
    glitch[max(0, anchor - PERIOD):hi_v] = False
    mask |= glitch[:n]
    return mask, (f"(watch: killed worker's last period {ev['victim_last'][0]}, its fade at "
                  f"{at(anchor)}; {len(ev['miss'])} misses of the surviving worker and "
                  f"{len(ev['xrun'])} xruns while watched)")


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
    found = []
    for spec in a.hz:
        hz, _, ch = spec.partition("@")
        hz, ch = float(hz), int(ch or 0)
        y = channel(x, ch, a.file)
        v = float(np.median([amplitude(y[i * win:(i + 1) * win], hz) for i in range(nwin)]))
        found.append(f"{hz:g} Hz on channel {ch}: {v:.4f}")
        if v < a.min_amp:
            print(f"  {hz:g} Hz median amplitude on channel {ch} is {v:.4f}, below {a.min_amp}")
            ok = False
    print(f"{a.file}: {nwin} windows of 20 ms; median amplitude " + ", ".join(found))
    return 0 if ok else 1


def cmd_rms(a):
    x, total = load(a.file)
    x = channel(x, a.channel, a.file) if len(x) else x[:, 0]
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
    p.add_argument("--channel", type=int, default=0)
    p = sub.add_parser("handover")
    p.add_argument("file")
    p.add_argument("keep", type=float)
    p.add_argument("old", type=float)
    p.add_argument("new", type=float)
    p.add_argument("--keep-channel", type=int, default=0)
    p.add_argument("--voice-channel", type=int, default=1)
    p.add_argument("--allow-ms", type=float, default=0.0)
    p.add_argument("--events", default="")
    p.add_argument("--min-amp", type=float, default=0.05)
    p = sub.add_parser("both")
    p.add_argument("file")
    p.add_argument("hz", nargs="+")
    p.add_argument("--min-amp", type=float, default=0.05)
    p = sub.add_parser("rms")
    p.add_argument("file")
    p.add_argument("--min-rms", type=float, default=0.01)
    p.add_argument("--channel", type=int, default=0)
    a = ap.parse_args()
    return {"pitch": cmd_pitch, "handover": cmd_handover, "both": cmd_both,
            "rms": cmd_rms}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
