#!/usr/bin/python3
"""A stand-in engine for the shell's notice display (standard library only).

  fake_engine.py PORT

Listens on UDP 127.0.0.1:PORT and answers as chronusd does, with request ids: /cmd LINE with
/done "ok: LINE" (`help` with one usage line), /notify 1|0 with /done (and remembers who
subscribed), anything else with /fail "unknown address". A /cmd "poke TEXT" sends the
subscriber /notice "TEXT" before its own answer: another client's change, as the engine would
announce it. Prints "ready" once listening; runs until killed.
"""
import socket
import struct
import sys


def pad(b):
    return b + b"\0" * (4 - len(b) % 4)


def encode(address, args):
    tags, data = ",", b""
    for a in args:
        if isinstance(a, int):
            tags += "i"
            data += struct.pack(">i", a)
        else:
            tags += "s"
            data += pad(a.encode())
    return pad(address.encode()) + pad(tags.encode()) + data


def decode(msg):
    def string(off):
        end = msg.index(b"\0", off)
        return msg[off:end].decode(errors="replace"), (end // 4 + 1) * 4
    address, off = string(0)
    tags, off = string(off)
    out = []
    for t in tags[1:]:
        if t == "s":
            s, off = string(off)
            out.append(s)
        elif t == "i":
            out.append(struct.unpack(">i", msg[off:off + 4])[0])
            off += 4
        else:
            raise ValueError("unexpected type tag " + t)
    return address, out


def main():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", int(sys.argv[1])))
    print("ready", flush=True)
    subscriber = None
    while True:
        data, peer = sock.recvfrom(65536)
        try:
            address, args = decode(data)
        except (ValueError, IndexError, struct.error):
            continue
        rid = [args.pop(0)] if args and isinstance(args[0], int) else []
        if address == "/cmd" and args:
            line = args[0]
            if line.startswith("poke ") and subscriber:
                sock.sendto(encode("/notice", [line[5:]]), subscriber)
            text = "help [COMMAND]                           this list" \
                if line == "help" else "ok: " + line
            sock.sendto(encode("/done", rid + ["/cmd", text]), peer)
        elif address == "/notify" and args:
            subscriber = peer if args[0] else None
            sock.sendto(encode("/done", rid + ["/notify", "notices on" if args[0] else
                                               "notices off"]), peer)
        else:
            sock.sendto(encode("/fail", rid + [address, "unknown address " + address]), peer)


if __name__ == "__main__":
    main()
