#!/usr/bin/python3
"""OSC fuzz client for a running chronusd (standard library only; 127.0.0.1 only).

  osc_fuzz.py --port P --pid PID [--packets N] [--seed S] [--rate R]

Sends a seeded random corpus of UDP packets, built by hand so that malformed ones can be
built too: valid messages to every address but /quit, wrong type tags, missing arguments,
NaN/inf/huge floats and doubles, int64 and blob arguments, truncated packets, bad padding,
strings without their NUL, addresses without '/', bundles with bad element sizes, bundles
nested 20 deep, past and future timetags, packets near 64 KB, empty packets, byte soup and
byte-flipped valid packets. Every 100 packets it sends a well-formed request carrying a
request id and waits for its answer (which also paces the run).

Two instances, zzguard (vco) and zzguard2 (adsr), only ever receive bad values (NaN,
infinities, out-of-range numbers, wrong types, all-or-nothing batches with one bad value);
no other packet mentions them. Their `info` before and after must be the same.

Checks: the engine process is alive throughout; every sampled well-formed request is
answered (the ones that must succeed with /done, the bad values with /fail); afterwards
`/cmd status` answers /done and shows no new worker deaths; the guards did not change.
Exit status 0 when every check held, 1 otherwise.
"""
import argparse
import json
import math
import os
import random
import re
import socket
import struct
import sys
import time

NTP_EPOCH = 2208988800  # seconds from 1900 to 1970

POOL = ["p0", "p1", "p2", "p3", "p4", "p5", "lead", "bass", "vco", "seq", "out", "x",
        "n-1", "_u", "p0_seq"]
WEIRD = ["", ">", ".", "..", "=", "a.b.c", "#", '"', "\\", "%s%n", "\t", "over", "all",
         "\u00e9t\u00e9", "\U0001f3b9", "../../etc/passwd", "/etc/passwd", "-1", "0",
         "out.left", "out.in", "p0.out", "p0.pitch", "p0.freq", "nan", "a" * 40,
         "a" * 31, "a" * 300]
WEIRD_BYTES = [b"\xff\xfe", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82", b"\x80", b"\x7f",
               b"\x01\x02", b"\x1b[2J"]
NUM_WORDS = ["0", "-0", "1", "-1", "0.5", "1e9", "1e38", "1e39", "1e309", "-1e309",
             "1e-309", "nan", "-nan", "inf", "-inf", "Infinity", "0x1p128", "4294967296",
             "1.", ".", "-", "1e", "2s", "500ms", "C4", "3600", "3601", "20", "999", "440"]
BAD_FLOATS = [float("nan"), float("inf"), float("-inf"), -float("nan")]
PATCH_NAMES_SAVE = ["s1", "s2"]
PATCH_NAMES_LOAD = ["nosuch", "../../etc/passwd", "../escape", "..", "a/b", "/tmp/escape",
                    "\u00e9", "x" * 70, "%2e%2e"]

TEMPLATES = ["bass", "lead", "pad", "drumkit", "t1", "t2", "tloop", "nosuch"]
INNER = ["osc", "filt", "env", "amp", "a", "b", "x", "kick", "snare"]
DEFINE_NAMES = ["t1", "t2", "tloop", "vco", "../x", "/tmp/x", "a/b", "..", "x.y", ""]
DEFINE_BODIES = ["create vco osc; output out = osc.out", "create t1 a; output out = a.out",
                 "create t2 b; output out = b.out", "create tloop x", "", ";;",
                 "create vco osc; free osc", "create vco osc; load patch s1",
                 "param p = nosuch.freq", "create vco osc; param f = osc.freq; "
                 "input pitch = osc.pitch; output out = osc.out"]
SAMPLE_FILES = ["tone.wav", "empty.wav", "text.wav", "missing.wav", "../secret.wav",
                "/etc/passwd", "../../../../etc/passwd", "..", "sub/../tone.wav"]
SEQ_PATTERNS = ["x...x...", "xxxxxxxxxxxxxxxxx", "", "x\u00e9", "|.|", "x\udcff"]
SAVE_NAME_RE = re.compile(rb"load\s+patch\s+\"?s[12]")


# ---- OSC encoding --------------------------------------------------------------------------

def ostr(b):
    if isinstance(b, str):
        b = b.encode("utf-8", "surrogateescape")
    return b + b"\0" * (4 - len(b) % 4)


def blob(b):
    return struct.pack(">i", len(b)) + b + b"\0" * (-len(b) % 4)


def arg(tag, v):
    if tag == "i" or tag == "c" or tag == "r":
        return struct.pack(">I", v & 0xffffffff)
    if tag == "f":
        return struct.pack(">f", v)
    if tag == "d":
        return struct.pack(">d", v)
    if tag == "h":
        return struct.pack(">q", v)
    if tag == "t":
        return struct.pack(">Q", v & 0xffffffffffffffff)
    if tag in "sS":
        return ostr(v)
    if tag == "b":
        return blob(v)
    if tag == "m":
        return bytes(v)[:4].ljust(4, b"\0")
    return b""  # T F N I


def msg(address, args):
    """args: a list of (tag, value)."""
    tags = "," + "".join(t for t, _ in args)
    return ostr(address) + ostr(tags) + b"".join(arg(t, v) for t, v in args)


def timetag(seconds_from_now):
    t = time.time() + NTP_EPOCH + seconds_from_now
    sec = int(t)
    frac = int((t - sec) * 2**32)
    return max(0, min(sec, 0xffffffff)) << 32 | (frac & 0xffffffff)


def bundle(tt, elements, sizes=None):
    out = b"#bundle\0" + struct.pack(">Q", tt)
    for k, e in enumerate(elements):
        n = len(e) if sizes is None or sizes[k] is None else sizes[k]
        out += struct.pack(">I", n & 0xffffffff) + e
    return out


def decode(data):
    """Address and arguments of a reply; None when it is no OSC message we understand."""
    try:
        end = data.index(b"\0")
        address = data[:end].decode("utf-8", "replace")
        off = (end // 4 + 1) * 4
        end = data.index(b"\0", off)
        tags = data[off:end].decode()
        off = (end // 4 + 1) * 4
        out = []
        for t in tags[1:]:
            if t == "i":
                out.append(struct.unpack(">i", data[off:off + 4])[0])
                off += 4
            elif t == "h":
                out.append(struct.unpack(">q", data[off:off + 8])[0])
                off += 8
            elif t == "f":
                out.append(struct.unpack(">f", data[off:off + 4])[0])
                off += 4
            elif t == "s":
                end = data.index(b"\0", off)
                out.append(data[off:end].decode("utf-8", "replace"))
                off = (end // 4 + 1) * 4
            else:
                return address, out
        return address, out
    except (ValueError, struct.error, UnicodeDecodeError):
        return None


def make_samples(folder):
    """A short tone, an empty file and a text file for `sample`; one more outside."""
    import wave
    os.makedirs(folder, exist_ok=True)
    frames = b"".join(struct.pack("<h", int(12000 * math.sin(i * 0.0654))) for i in range(480))
    for path in (os.path.join(folder, "tone.wav"),
                 os.path.join(os.path.dirname(os.path.abspath(folder)), "secret.wav")):
        with wave.open(path, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(48000)
            w.writeframes(frames)
    open(os.path.join(folder, "empty.wav"), "wb").close()
    with open(os.path.join(folder, "text.wav"), "w") as f:
        f.write("RIFF but not really a sound file\n")


# ---- the fuzzer ----------------------------------------------------------------------------

class Fuzz:
    def __init__(self, a):
        self.a = a
        self.rng = random.Random(a.seed)
        self.dest = ("127.0.0.1", a.port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.myport = self.sock.getsockname()[1]
        self.next_id = self.rng.randrange(1000, 1 << 30)
        self.sent = self.replies = 0
        self.sample_sent = self.sample_answered = 0
        self.must_done = self.got_done = 0
        self.must_fail = self.got_fail = 0
        self.failures = []
        self.recent = []  # the last packets sent, for a report
        self.kinds = {}
        self.types = {}
        self.t0 = time.monotonic()
        self.sample_k = 0
        self.pending = set()  # request ids we wait for
        self.answers = {}  # their answers, by id

    # -- plumbing --

    def fail(self, text):
        if len(self.failures) < 40:
            print("FAIL: " + text, file=sys.stderr, flush=True)
        self.failures.append(text)

    def alive(self):
        try:
            with open(f"/proc/{self.a.pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
            return state not in ("Z", "X")
        except (OSError, IndexError):
            return False

    def send(self, data, kind):
        if len(data) > 65507:
            data = data[:65507]
        self.recent.append((kind, data))
        if len(self.recent) > 30:
            self.recent.pop(0)
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        try:
            self.sock.sendto(data, self.dest)
        except OSError as e:
            self.fail(f"sendto failed for a {kind} packet of {len(data)} bytes: {e}")
        self.sent += 1
        self.drain(0)

    def drain(self, timeout, want_id=None):
        """Reads replies, keeping the answers to our own requests by id; with want_id,
        until that id's answer (returned) or timeout."""
        deadline = time.monotonic() + timeout
        while True:
            if want_id is not None and want_id in self.answers:
                return self.answers.pop(want_id)
            left = deadline - time.monotonic()
            if want_id is not None and left <= 0:
                return None
            self.sock.settimeout(left if want_id is not None else 0)
            try:
                data = self.sock.recv(65536)
            except (BlockingIOError, socket.timeout):
                if want_id is None:
                    return None
                continue
            self.replies += 1
            r = decode(data)
            if r and r[0] in ("/done", "/fail") and r[1] and isinstance(r[1][0], int) and \
                    r[1][0] in self.pending:
                self.pending.discard(r[1][0])
                self.answers[r[1][0]] = r

    def request(self, address, args, timeout=5.0):
        """Sends address with a request id; returns (reply address, args) or None."""
        rid = self.next_id
        self.next_id += 1
        self.pending.add(rid)
        self.send(msg(address, [("i", rid)] + args), "sample")
        r = self.drain(timeout, want_id=rid)
        self.pending.discard(rid)
        return r

    def cmd(self, line, json_reply=False):
        r = self.request("/json" if json_reply else "/cmd", [("s", line)])
        if r is None:
            return None, None
        text = r[1][2] if len(r[1]) > 2 else ""
        if json_reply:
            try:
                return r[0], json.loads(text)
            except ValueError:
                self.fail(f"/json {line!r}: the reply is not JSON: {text[:200]!r}")
                return r[0], None
        return r[0], text

    def must(self, line):
        addr, text = self.cmd(line)
        if addr != "/done":
            self.fail(f"setup command {line!r} answered {addr} {text!r}")
        return text

    # -- what the engine offers --

    def learn_types(self):
        addr, j = self.cmd("types", json_reply=True)
        if addr != "/done" or not j:
            self.fail("/json types did not answer")
            return
        for t in j["data"]["types"]:
            if t.get("loaded"):
                self.types[t["name"]] = t

    def guard_state(self):
        out = {}
        for g in ("zzguard", "zzguard2"):
            addr, j = self.cmd(f"info {g}", json_reply=True)
            if addr != "/done" or not j:
                self.fail(f"info {g} did not answer /done")
                return None
            d = j["data"]
            out[g] = {"params": [(p["name"], p["value"]) for p in d["params"]],
                      "inputs": [(p["name"], p["level"], tuple(p["cables"]))
                                 for p in d["inputs"]],
                      "outputs": [(p["name"], tuple(p["cables"])) for p in d["outputs"]],
                      "type": d["type"]}
            self.guard_info[g] = d
        return out

    # -- generators --

    def pick(self, seq):
        return seq[self.rng.randrange(len(seq))]

    def some_type(self):
        return self.types[self.pick(sorted(self.types))] if self.types else None

    def word(self):
        r = self.rng.random()
        if r < 0.6:
            return self.pick(POOL)
        if r < 0.9:
            return self.pick(WEIRD)
        return self.pick(WEIRD_BYTES).decode("utf-8", "surrogateescape")

    def number_arg(self):
        r = self.rng.randrange(12)
        if r == 0:
            return ("f", self.pick(BAD_FLOATS))
        if r == 1:
            return ("d", self.pick([float("nan"), float("inf"), 1e300, -1e300, 5e-324]))
        if r == 2:
            return ("h", self.pick([0, 1, -1, 2**62, -2**63, 2**63 - 1, 440]))
        if r == 3:
            return ("i", self.pick([0, 1, -1, 2**31 - 1, -2**31, 440, 3]))
        if r == 4:
            return ("f", self.pick([3.4e38, -3.4e38, 1e-45, -0.0, 0.0]))
        if r == 5:
            return ("s", self.pick(NUM_WORDS))
        return ("f", self.rng.uniform(-10, 2000))

    def param_pair(self, t):
        if t and t["params"] and self.rng.random() < 0.8:
            p = self.pick(t["params"])
            name = p["name"]
            if p.get("values") and self.rng.random() < 0.3:
                return [("s", name), ("s", self.pick(p["values"] + ["nosuch"]))]
            if self.rng.random() < 0.5:
                return [("s", name), ("f", self.rng.uniform(p["min"], p["max"]))]
            return [("s", name), self.number_arg()]
        return [("s", self.word()), self.number_arg()]

    def port_spec(self, output):
        inst = self.pick(POOL)
        t = self.some_type()
        ports = (t["outputs"] if output else t["inputs"]) if t else []
        if ports and self.rng.random() < 0.7:
            return inst + "." + self.pick(ports)["name"]
        return inst if self.rng.random() < 0.7 else inst + "." + self.word()

    def cmd_line(self):
        t = self.some_type()
        tn = t["name"] if t else "vco"
        p = self.pick(t["params"])["name"] if t and t["params"] else "freq"
        forms = [
            lambda: f"create {tn} {self.pick(POOL)}",
            lambda: f"create {tn}",
            lambda: f"create {tn} {self.pick(POOL)} {p}={self.pick(NUM_WORDS)}",
            lambda: f"free {self.pick(POOL)}",
            lambda: f"patch {self.port_spec(True)} > {self.port_spec(False)}",
            lambda: "patch " + " > ".join(self.pick(POOL) for _ in range(self.rng.randrange(2, 8))),
            lambda: f"unpatch {self.port_spec(True)} > {self.port_spec(False)}",
            lambda: f"set {self.pick(POOL)}.{p} {self.pick(NUM_WORDS)}",
            lambda: f"set {self.pick(POOL)}.{p} {self.pick(NUM_WORDS)} over "
                    f"{self.pick(['2s', '20ms', '1e9s', 'nan', '0'])}",
            lambda: f"{self.pick(POOL)}.{p}={self.pick(NUM_WORDS)}",
            lambda: f"gate {self.port_spec(False)} {self.pick(NUM_WORDS)}",
            lambda: f"trig {self.port_spec(False)}",
            lambda: f"tempo {self.pick(NUM_WORDS)}",
            lambda: self.pick(["play", "stop", "play all", "list", "types", "status", "help",
                               "help set", "info vco", "ports out", "info out"]),
            lambda: f"sequence {self.pick(POOL)}: "
                    + self.pick(SEQ_PATTERNS),
            lambda: f"melody {self.pick(POOL)}: "
                    + " ".join(self.pick(["C4", "Eb2", ".", "H2", "C10", "G9"])
                               for _ in range(self.rng.randrange(0, 18))),
            lambda: f"save patch {self.pick(PATCH_NAMES_SAVE + PATCH_NAMES_LOAD[1:])}",
            lambda: f"load patch {self.pick(PATCH_NAMES_LOAD)}",
            lambda: f"record {self.pick(['a.wav', '../x.wav', '/tmp/x.wav', 'x'])} "
                    f"{self.pick(['0.05', '0.1', 'nan', '-1', '0', '3601', '1e9', 'x'])}",
            lambda: "record stop",
            lambda: f"info {self.word()}",
            lambda: " ".join(self.word() for _ in range(self.rng.randrange(0, 70))),
            lambda: "status" + " " * self.pick([2041, 2042, 3000]),
            lambda: f"create {self.pick(TEMPLATES)} {self.pick(POOL + [''])}",
            lambda: f"free {self.pick(POOL)}_{self.pick(INNER)}",
            lambda: f"set {self.pick(POOL)}_{self.pick(INNER)}.{p} {self.pick(NUM_WORDS)}",
            lambda: f"define {self.pick(DEFINE_NAMES)}: {self.pick(DEFINE_BODIES)}",
            lambda: f"add {tn} to {self.pick(POOL)} amount={self.pick(NUM_WORDS)}",
            lambda: f"sample {self.pick(POOL)} {self.pick(SAMPLE_FILES)}",
        ]
        return self.pick(forms)()

    def valid_message(self):
        """A well-formed message to one of the addresses (maybe with a request id)."""
        r = self.rng.randrange(13)
        t = self.some_type()
        if r == 0:
            address, args = "/cmd", [("s", self.cmd_line())]
        elif r == 1:
            address, args = "/json", [("s", self.cmd_line())]
        elif r == 2:
            address = "/create"
            args = [("s", t["name"] if t and self.rng.random() < 0.9 else self.word()),
                    ("s", self.pick(POOL + [""]))]
            for _ in range(self.rng.randrange(0, 4)):
                args += self.param_pair(t)
        elif r == 3:
            address, args = "/free", [("s", self.pick(POOL))]
        elif r == 4:
            address = self.pick(["/patch", "/unpatch"])
            args = [("s", self.port_spec(True)), ("s", self.port_spec(False))]
        elif r == 5:
            address, args = "/set", [("s", self.pick(POOL))] + self.param_pair(t)
        elif r == 6:
            address = "/gate"
            args = [("s", self.pick(POOL))]
            if self.rng.random() < 0.5 and t and t["inputs"]:
                args.append(("s", self.pick(t["inputs"])["name"]))
            args.append(self.number_arg() if self.rng.random() < 0.5 else ("f", 1.0))
        elif r == 7:
            address = "/trig"
            args = [("s", self.pick(POOL))]
            if self.rng.random() < 0.5 and t and t["inputs"]:
                args.append(("s", self.pick(t["inputs"])["name"]))
        elif r in (8, 9):
            address, args = self.pick(["/status", "/list", "/types"]), []
        elif r == 10:
            return self.notify(), "notify"
        else:
            address, args = "/set", [("s", self.pick(POOL)), ("s", "freq"),
                                     self.number_arg()]
        if self.rng.random() < 0.3:
            args = [("i", self.rng.randrange(-2**31, 2**31))] + args
        return msg(address, args), "valid"

    def notify(self):
        """/notify forms: only ever our own port, or ports the engine must refuse."""
        forms = [
            [("i", 1)], [("i", 0)], [("f", 1.0)], [("i", 1), ("i", self.myport)],
            [("i", 0), ("i", self.myport)], [("i", 7), ("i", 1), ("i", self.myport)],
            [("i", 1), ("i", 0)], [("i", 1), ("i", 70000)], [("i", 1), ("f", 1.5)],
            [("d", float("nan"))], [("s", "1")], [], [("i", 2)],
            [("i", 1), ("f", float("nan"))],
        ]
        return msg("/notify", self.pick(forms))

    def wrong_types(self):
        address = self.pick(["/cmd", "/json", "/create", "/free", "/patch", "/unpatch",
                             "/set", "/gate", "/trig", "/status", "/list", "/types"])
        args = []
        for _ in range(self.rng.randrange(0, 6)):
            tag = self.pick("ifdhsSbcrmtTFNI")
            v = {"i": 1, "f": float("nan"), "d": 1e300, "h": 2**40, "s": self.pick(POOL),
                 "S": "sym", "b": os.urandom(self.rng.randrange(0, 40)), "c": 65, "r": 0,
                 "m": b"\x90\x3c\x7f\x00", "t": 1}.get(tag, None)
            args.append((tag, v))
        return msg(address, args)

    def malformed(self):
        r = self.rng.randrange(12)
        base, _ = self.valid_message()
        if r == 0:  # truncated
            return base[:self.rng.randrange(0, max(1, len(base)))]
        if r == 1:  # a string not padded to 4 bytes
            return b"/set\0,ssf\0p0\0freq\0" + struct.pack(">f", 1.0)
        if r == 2:  # an address without its NUL
            return self.pick([b"/status", b"/cmd", b"/set12345", b"/"])
        if r == 3:  # type tags without their NUL
            return ostr("/cmd") + b",sss"
        if r == 4:  # a string argument running to the end of the packet
            return ostr("/cmd") + ostr(",s") + b"status"
        if r == 5:  # an address without '/'
            return msg(self.pick(["set", "cmd", "status", "", "#", "*", "?"]),
                       [("s", "status")])
        if r == 6:  # type tags without ','
            return ostr("/cmd") + ostr("s") + ostr("status")
        if r == 7:  # more type tags than data
            return ostr("/set") + ostr(",ssffffffff") + ostr("p0")
        if r == 8:  # blob with a lying length
            return ostr("/cmd") + ostr(",b") + struct.pack(">i", self.pick(
                [-1, 0x7fffffff, 1000, -100])) + b"abcd"
        if r == 9:  # patterns and odd characters in the address
            return msg(self.pick(["/s*", "/[a-z]et", "/{cmd,json}", "/cmd/", "//cmd",
                                  "/cmd\xff", "/" + "x" * 5000]), [("s", "status")])
        if r == 10:  # huge argument counts
            n = self.rng.randrange(64, 400)
            return ostr("/create") + ostr("," + "s" * n) + ostr("x") * n
        return self.mutate(base)

    def mutate(self, data):
        b = bytearray(data)
        for _ in range(self.rng.randrange(1, 6)):
            if not b:
                break
            k = self.rng.randrange(len(b))
            op = self.rng.randrange(4)
            if op == 0:
                b[k] = self.rng.randrange(256)
            elif op == 1:
                b[k] ^= 1 << self.rng.randrange(8)
            elif op == 2:
                del b[k:k + self.rng.randrange(1, 8)]
            else:
                b[k:k] = bytes(self.rng.randrange(256) for _ in range(self.rng.randrange(1, 8)))
        return bytes(b)

    def bad_bundle(self):
        r = self.rng.randrange(8)
        inner = [self.valid_message()[0] for _ in range(self.rng.randrange(1, 5))]
        if r == 0:  # element sizes that lie
            sizes = [self.pick([0, 3, 5, len(e) + 4, len(e) + 1000, 0xffffffff, 0x80000000,
                                len(e) - 4]) for e in inner]
            return bundle(1, inner, sizes)
        if r == 1:  # nested 20 deep
            pkt = inner[0]
            for _ in range(20):
                pkt = bundle(1, [pkt])
            return pkt
        if r == 2:  # past timetags
            return bundle(self.pick([2, 1 << 32, timetag(-3600), timetag(-1)]), inner)
        if r == 3:  # future timetags, near and very far
            return bundle(self.pick([timetag(0.05), timetag(1), timetag(1e6),
                                     0xffffffffffffffff, 0xfffffffe00000000]), inner)
        if r == 4:  # a header and nothing, or a short header
            return self.pick([b"#bundle\0", b"#bundle\0" + b"\0" * 8, b"#bundle",
                              b"#bundle\0" + b"\0" * 7, b"#bundlx\0" + b"\0" * 8])
        if r == 5:  # a trailing partial element
            return bundle(1, inner) + b"\0\0"
        if r == 6:  # empty elements and a bundle inside a message's place
            return bundle(1, inner + [b"", bundle(1, [])])
        return self.mutate(bundle(timetag(0), inner))

    def big(self):
        r = self.rng.randrange(5)
        if r == 0:
            return msg("/cmd", [("s", "set p0.freq " + "9" * 65000)])
        if r == 1:
            return msg("/json", [("s", "x" * 65400)])
        if r == 2:
            return msg("/cmd", [("b", os.urandom(65000))])
        if r == 3:
            inner = [msg("/cmd", [("s", "status" + " " * 900)]) for _ in range(60)]
            return bundle(1, inner)
        return os.urandom(65507)

    def guard_bad(self):
        """A message that must not change zzguard or zzguard2."""
        g = self.pick(["zzguard", "zzguard2"])
        d = self.guard_info[g]
        params = d["params"]
        p = self.pick(params)
        lo, hi = p["min"], p["max"]
        out_of_range = [hi + 1 + abs(hi), lo - 1 - abs(lo), hi * 10 + 100]
        bad_num = self.pick([("f", float("nan")), ("f", float("inf")), ("f", float("-inf")),
                             ("d", float("nan")), ("d", 1e300), ("d", -1e300),
                             ("h", 2**62), ("h", -2**62), ("i", 2**31 - 1),
                             ("f", self.pick(out_of_range)), ("d", self.pick(out_of_range))])
        bad_word = self.pick(["nan", "-nan", "inf", "-inf", "1e309", "-1e309", "1e39",
                              "Infinity", repr(self.pick(out_of_range)), "0x1p200", "NaN"])
        other = self.pick([q for q in params if q is not p] or [p])
        r = self.rng.randrange(11)
        if r in (0, 1, 2):
            return "/set", [("s", g), ("s", p["name"]), bad_num]
        if r == 3:
            return "/set", [("s", g), ("s", p["name"]), ("s", "440")]  # must be a number
        if r == 4:
            return "/cmd", [("s", f"set {g}.{p['name']} {bad_word}")]
        if r == 5:
            return "/json", [("s", f"{g}.{p['name']}={bad_word}")]
        if r == 6:  # all or nothing: a good value beside a bad one
            good = (other["min"] + other["max"]) / 2
            return "/cmd", [("s", f"set {g}.{other['name']}={good!r} {g}.{p['name']}="
                                  f"{bad_word}")]
        if r == 7:
            return "/cmd", [("s", f"set {g}.{p['name']} {bad_word} over 1s")]
        if r == 8:
            ins = [i["name"] for i in d["inputs"]]
            args = [("s", g)]
            if ins and self.rng.random() < 0.6:
                args.append(("s", self.pick(ins)))
            return "/gate", args + [self.pick([("f", float("nan")), ("f", float("inf")),
                                               ("d", float("-inf")), ("d", float("nan"))])]
        if r == 9:
            return "/create", [("s", self.pick(["vco", "adsr"])), ("s", g), ("s", p["name"]),
                               bad_num]
        return "/cmd", [("s", f"gate {g} {self.pick(['nan', 'inf', '-inf', '1e309'])}")]

    def fuzz_packet(self):
        r = self.rng.random()
        if r < 0.30:
            return self.valid_message()
        if r < 0.42:
            return self.wrong_types(), "types"
        if r < 0.62:
            return self.malformed(), "malformed"
        if r < 0.74:
            return self.bad_bundle(), "bundle"
        if r < 0.76:
            return b"", "empty"
        if r < 0.80:
            return os.urandom(self.rng.randrange(1, 200)), "soup"
        if r < 0.90:
            a, args = self.guard_bad()
            return msg(a, args), "guard"
        return self.mutate(self.valid_message()[0]), "mutated"

    def allowed(self, data, kind):
        """Packets the run must not send: /quit, other /notify forms, the guards' names
        outside the guard generator, loading a patch we saved (it would replace the
        guards)."""
        if b"/quit" in data:
            return False
        if kind != "guard" and b"zz" in data:
            return False
        if b"/notify" in data and kind != "notify":
            return False
        if SAVE_NAME_RE.search(data):
            return False
        if kind != "valid" and b"load" in data:  # a flipped name might be one we saved
            return False
        return True

    # -- the sampled, well-formed requests (every 100 packets) --

    def sample(self):
        k = self.sample_k
        self.sample_k += 1
        r = k % 12
        expect = "/done"
        if r == 0:
            a, args = "/cmd", [("s", "status")]
        elif r == 1:
            a, args = "/json", [("s", "list")]
        elif r == 2:
            a, args = self.pick(["/status", "/list", "/types"]), []
        elif r == 3:
            a, args = "/create", [("s", "vco"), ("s", f"zzs{k}"), ("s", "freq"), ("f", 220.0)]
            self.pending_free = f"zzs{k}"
        elif r == 4:
            a, args = "/free", [("s", getattr(self, "pending_free", "zzs_none"))]
            if not hasattr(self, "pending_free"):
                expect = "/fail"
        elif r == 5:
            a, args = "/set", [("s", "zzsample"), ("s", "freq"),
                               ("f", self.rng.uniform(50, 5000))]
        elif r == 6:
            a, args = "/gate", [("s", "zzenv"), ("f", float(self.rng.randrange(2)))]
        elif r == 7:
            a, args = "/trig", [("s", "zzenv")]
        elif r == 8:
            a, args = ("/patch" if (k // 12) % 2 == 0 else "/unpatch",
                       [("s", "zzsample"), ("s", "zzvca")])
        elif r == 9:
            a, args = "/json", [("s", "info zzsample")]
        elif r == 10:
            a, args = self.guard_bad()
            expect = "/fail"
        else:
            a, args = "/cmd", [("s", self.pick(["help", "types", "info zzguard",
                                                  "ports zzenv", "list"]))]
        self.sample_sent += 1
        reply = self.request(a, args)
        if reply is None:
            self.fail(f"no answer within 5 s to the well-formed request {a} {args!r}")
            return
        self.sample_answered += 1
        if expect == "/done":
            self.must_done += 1
            if reply[0] == "/done":
                self.got_done += 1
            else:
                self.fail(f"{a} {args!r} answered {reply[0]} {reply[1]!r}")
        else:
            self.must_fail += 1
            if reply[0] == "/fail":
                self.got_fail += 1
            else:
                self.fail(f"{a} {args!r} (a bad value) answered {reply[0]} {reply[1]!r}")

    def keep_small(self):
        addr, j = self.cmd("list", json_reply=True)
        if addr != "/done" or not j:
            return
        names = [i["name"] for i in j["data"]["instances"]
                 if not i["name"].startswith("zz") and i["name"] != "out"]
        for n in names[30:]:
            self.send(msg("/free", [("s", n)]), "cleanup")

    # -- the run --

    def run(self):
        a = self.a
        if not self.alive():
            self.fail("the engine is not running at the start")
            return False
        self.learn_types()
        for line in ["create vco zzguard freq=330 wave=1", "create adsr zzguard2 attack=0.2",
                     "create vco zzsample", "create adsr zzenv", "create vca zzvca",
                     "create vco p0", "create vcf p1", "patch p0 > p1 > out",
                     "patch zzvca > out", "tempo 140", "play"]:
            self.must(line)
        self.guard_info = {}
        guards_before = self.guard_state()
        addr, st = self.cmd("status", json_reply=True)
        deaths_before = st["data"]["deaths"] if st else 0
        print(f"osc_fuzz: seed {a.seed}, {a.packets} packets to 127.0.0.1:{a.port}, "
              f"{len(self.types)} module types, engine PID {a.pid}", flush=True)
        min_gap = 1.0 / a.rate if a.rate > 0 else 0.0
        start = time.monotonic()
        n = 0
        while n < a.packets:
            if n % 100 == 0:
                if not self.alive():
                    self.fail(f"the engine died after {n} packets")
                    break
                self.sample()
                if n % 5000 == 0:
                    self.keep_small()
                if n % 300 == 0:
                    data, kind = self.big(), "big"
                    self.send(data, kind)
                    n += 1
            data, kind = self.fuzz_packet()
            if not self.allowed(data, kind):
                continue
            self.send(data, kind)
            n += 1
            ahead = start + n * min_gap - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
        elapsed = time.monotonic() - start
        self.drain(1.0, want_id=object())
        alive = self.alive()
        if not alive:
            self.fail("the engine is not running after the corpus")
            self.report_recent()
            return False
        # Afterwards: status answers, no worker died, the guards did not change.
        self.send(msg("/notify", [("i", 0)]), "notify")
        self.send(msg("/notify", [("i", 0), ("i", self.myport)]), "notify")
        self.cmd("record stop")
        addr, text = self.cmd("status")
        if addr != "/done":
            self.fail(f"/cmd status after the run answered {addr} {text!r}")
        addr, st = self.cmd("status", json_reply=True)
        deaths = st["data"]["deaths"] if st else -1
        if deaths != deaths_before:
            self.fail(f"worker deaths went from {deaths_before} to {deaths} during the run: "
                      f"{st['data'].get('last_death', '') if st else ''}")
        guards_after = self.guard_state()
        if guards_before and guards_after:
            for g in guards_before:
                if guards_before[g] != guards_after[g]:
                    self.fail(f"{g} changed although it only ever got bad values:\n"
                              f"  before {guards_before[g]}\n  after  {guards_after[g]}")
        if self.sample_answered != self.sample_sent:
            self.fail(f"{self.sample_sent - self.sample_answered} of {self.sample_sent} "
                      f"well-formed requests got no answer")
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(self.kinds.items()))
        print(f"osc_fuzz: {self.sent} packets in {elapsed:.1f} s ({kinds})")
        print(f"osc_fuzz: {self.replies} replies; sampled requests {self.sample_answered}/"
              f"{self.sample_sent} answered, {self.got_done}/{self.must_done} /done as "
              f"expected, {self.got_fail}/{self.must_fail} bad values refused with /fail")
        if st:
            d = st["data"]
            print(f"osc_fuzz: engine after the run: instances {d['instances']}, cables "
                  f"{d['cables']}, periods {d['periods']}, deaths {d['deaths']}, misses "
                  f"{d['misses']}, late {d['late']}, dropped {d['dropped']}")
        print(f"osc_fuzz: guards unchanged: {guards_before == guards_after}")
        if self.failures:
            self.report_recent()
        print(f"osc_fuzz: {'FAIL' if self.failures else 'ok'} ({len(self.failures)} failures)")
        return not self.failures

    def report_recent(self):
        print("osc_fuzz: the last packets sent (kind, hex):", file=sys.stderr)
        for kind, data in self.recent[-10:]:
            print(f"  {kind}: {data[:160].hex()}{'...' if len(data) > 160 else ''} "
                  f"({len(data)} bytes)", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--packets", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=20260101)
    ap.add_argument("--rate", type=float, default=4000.0, help="packets per second at most")
    ap.add_argument("--samples", help="the engine's samples folder: sound files made here")
    a = ap.parse_args()
    if a.samples:
        make_samples(a.samples)
    f = Fuzz(a)
    ok = f.run()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
