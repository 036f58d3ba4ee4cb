#!/usr/bin/python3
"""Send one structured OSC message to an engine and print its reply (standard library only).

  osc.py PORT ADDRESS [TYPED-ARG ...]     each argument is s:TEXT, f:NUMBER or i:NUMBER

Prints the reply as "ADDRESS arg arg ..." (e.g. "/fail /set lead.nosuch ..."). Exits 0 on a
/done reply, 1 on a /fail reply, 3 when nothing answered within 3 s, 2 on a usage error.
"""
import socket
import struct
import sys


def pad(b):
    return b + b"\0" * (4 - len(b) % 4)


def encode(address, args):
    tags, data = ",", b""
    for a in args:
        kind, _, val = a.partition(":")
        if kind == "s":
            tags += "s"
            data += pad(val.encode())
        elif kind == "f":
            tags += "f"
            data += struct.pack(">f", float(val))
        elif kind == "i":
            tags += "i"
            data += struct.pack(">i", int(val))
        else:
            raise ValueError(f"argument '{a}' is not s:, f: or i:")
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
            out.append(str(struct.unpack(">i", msg[off:off + 4])[0]))
            off += 4
        elif t == "f":
            out.append(repr(struct.unpack(">f", msg[off:off + 4])[0]))
            off += 4
        else:
            out.append(f"<{t}>")
            break
    return address, out


def main():
    if len(sys.argv) < 3:
        print(__doc__.strip())
        return 2
    port, address, args = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    try:
        packet = encode(address, args)
    except ValueError as e:
        print(e)
        return 2
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        s.settimeout(3.0)
        s.sendto(packet, ("127.0.0.1", port))
        try:
            reply, _ = s.recvfrom(65536)
        except socket.timeout:
            print(f"no reply from 127.0.0.1:{port} within 3 s")
            return 3
    addr, out = decode(reply)
    print(" ".join([addr] + out))
    return 0 if addr == "/done" else 1


if __name__ == "__main__":
    sys.exit(main())
