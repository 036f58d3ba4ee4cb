"""Reads a float WAV written by chronus-render (stereo) and measures it. Used by the control
tests with Debian's /usr/bin/python3 (numpy)."""
import sys
import numpy as np


def read(path):
    raw = open(path, 'rb').read()
    i = raw.find(b'data')
    n = int.from_bytes(raw[i + 4:i + 8], 'little')
    return np.frombuffer(raw[i + 8:i + 8 + n], dtype='<f4').reshape(-1, 2)


def onsets(x, floor=1e-6):
    """Frames where the signal leaves silence (first non-zero sample after a zero)."""
    nz = np.abs(x) > floor
    return [int(i) for i in np.nonzero(nz[1:] & ~nz[:-1])[0] + 1] + ([0] if nz[0] else [])


def freq(x, rate):
    """Frequency by interpolated rising zero crossings (precise for a clean tone)."""
    s = np.signbit(x)
    idx = np.nonzero(s[:-1] & ~s[1:])[0]
    if len(idx) < 3:
        return 0.0
    t = idx + x[idx] / (x[idx] - x[idx + 1])
    return rate * (len(t) - 1) / (t[-1] - t[0])


if __name__ == '__main__':
    cmd, path = sys.argv[1], sys.argv[2]
    x = read(path)[:, 0]
    if cmd == 'onsets':
        print(' '.join(str(o) for o in sorted(onsets(x))))
    elif cmd == 'freq':  # freq PATH START_S END_S
        a, b = float(sys.argv[3]), float(sys.argv[4])
        print('%.4f' % freq(x[int(a * 48000):int(b * 48000)], 48000))
    elif cmd == 'at':  # at PATH FRAME...
        print(' '.join('%.5f' % x[int(f)] for f in sys.argv[3:]))
    elif cmd == 'len':
        print(len(x))
