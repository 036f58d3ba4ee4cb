"""OSC-02 and SEC-03: python3-liblo (a client no one here wrote) drives chronusd and reads its
replies. Usage: clients.py PORT. Exits 1 on the first failed expectation."""
import json
import math
import sys
import time

import liblo

PORT = int(sys.argv[1])
ENGINE = liblo.Address('127.0.0.1', PORT)
server = liblo.Server()
got = []
server.add_method(None, None, lambda path, args, types, src: got.append((path, args)))


def ask(*msg, n=1, timeout=3.0):
    """Sends a message (or a prepared Message/Bundle) and returns the next n replies."""
    start = len(got)
    server.send(ENGINE, *msg)
    end = time.time() + timeout
    while len(got) < start + n and time.time() < end:
        server.recv(10)
    if len(got) < start + n:
        sys.exit('FAIL: no reply to %r' % (msg,))
    return got[start:start + n]


def expect(cond, what):
    if not cond:
        sys.exit('FAIL: ' + what)
    print('ok:', what)


def info(inst):
    path, args = ask('/json', 'info ' + inst)[0]
    return {p['name']: p['value'] for p in json.loads(args[1])['data']['params']}


# Replies with a request id, text and JSON, structured addresses.
r = ask(liblo.Message('/cmd', 41, 'create vco pylead freq=220'))[0]
expect(r == ('/done', [41, '/cmd', 'created vco pylead']), 'OSC-02 /cmd with request id 41: %r' % (r,))
r = ask('/create', 'vcf', 'pyfilt', 'cutoff', 800.0)[0]
expect(r[0] == '/done' and r[1][1] == 'created vcf pyfilt', 'OSC-02 /create ssf: %r' % (r,))
r = ask('/patch', 'pylead', 'pyfilt')[0]
expect(r[0] == '/done', 'OSC-02 /patch ss: %r' % (r,))
d = json.loads(ask('/json', 'list')[0][1][1])
expect(d['ok'] and {'from': 'pylead.out', 'to': 'pyfilt.in'} in d['data']['cables'],
       'OSC-02 /json list shows the cable: %s' % d['data']['cables'])
d = json.loads(ask('/json', 'types')[0][1][1])
names = [t['name'] for t in d['data']['types']]
expect('vco' in names and all('params' in t for t in d['data']['types']),
       'OSC-02 /json types: %d types with their params' % len(names))

# SEC-03: bad values change nothing and get a reason.
before = info('pylead')
for msg, why in [(('/set', 'pylead', 'freq', float('nan')), 'NaN'),
                 (('/set', 'pylead', 'freq', float('inf')), 'infinity'),
                 (('/set', 'pylead', 'freq', 1e9), 'out of range'),
                 (('/set', 'pylead', 'freq', 'high'), 'a string for a number'),
                 (('/set', 'pylead', 'frq', 300.0), 'a misspelt parameter'),
                 (('/set', 'ghost', 'freq', 300.0), 'an unknown instance'),
                 (('/nosuch', 1.0), 'an unknown address'),
                 (('/create', '../../tmp/evil', 'x'), 'a path as a module type'),
                 (('/create', '/usr/lib/x.so', 'y'), 'an absolute path as a module type')]:
    r = ask(*msg)[0]
    expect(r[0] == '/fail' and len(r[1][-1]) > 10, 'SEC-03 %s refused: %s' % (why, r[1][-1]))
expect(info('pylead') == before, 'SEC-03 nothing changed: pylead is %s' % info('pylead'))
r = ask('/json', 'create vco x frq=3')[0]
d = json.loads(r[1][1])
expect(r[0] == '/fail' and not d['ok'] and "did you mean 'freq'" in d['error'],
       'OSC-02 a /json fail is JSON with the reason: %s' % d['error'])

# Timetags: a bundle in the future is answered now and lands later; one in the past gets /late.
r = ask(liblo.Bundle(liblo.time() + 0.2, liblo.Message('/cmd', 'set pylead.freq 330')))[0]
expect(r[0] == '/done', 'OSC-02 a timetagged bundle is answered: %r' % (r,))
r = ask(liblo.Bundle(liblo.time() - 1.0, liblo.Message('/cmd', 'set pylead.freq 440')), n=2)
late = [x for x in r if x[0] == '/late']
expect(late and late[0][1][2] > late[0][1][1],
       'OSC-02 a bundle timed in the past lands at once and its sender gets /late %r' % (late,))

# /notify: a second client hears what this one changes.
other = liblo.Server()
heard = []
other.add_method(None, None, lambda p, a, t, s: heard.append((p, a)))
other.send(ENGINE, '/notify', 1)
end = time.time() + 2
while not heard and time.time() < end:
    other.recv(10)
expect(heard and heard[0][0] == '/done', 'OSC-02 /notify 1 subscribes: %r' % (heard,))
ask('/cmd', 'create vca amp')
end = time.time() + 2
while len(heard) < 2 and time.time() < end:
    other.recv(10)
expect(len(heard) > 1 and heard[1] == ('/notice', ['created vca amp']),
       'OSC-02 the subscriber hears another client\'s change: %r' % (heard[1:],))
print('clients.py: all expectations met')
