#!/usr/bin/env bash
# Real clients no one here wrote drive chronusd and read its replies (specs/control.feature):
#   OSC-01 oscsend drives the engine and oscdump, subscribed with /notify ON PORT, hears it;
#   OSC-02 python3-liblo: request ids, /json, structured addresses, timetags, /late, /notify;
#   SEC-01 the engine listens on 127.0.0.1 only, unless told otherwise;
#   SEC-02 a module type is only ever a name found in the module folders;
#   SEC-03 NaN, infinities, out-of-range values, wrong types, unknown addresses are refused.
. "$(dirname -- "${BASH_SOURCE[0]}")/../integration/lib.sh"
t_setup clients
t_start_jack
name="cxt-clients-$$"
t_start_engine "$name" --workers 1

bound=$(ss -ulnH "sport = :$E_PORT" | awk '{print $4}')
[ "$bound" = "127.0.0.1:$E_PORT" ] || t_fail "engine bound to '$bound', want 127.0.0.1:$E_PORT"
t_ok "SEC-01 the engine listens on $bound only"

dump_port=$(t_free_port)
oscdump -L "$dump_port" >"$T_DIR/dump.txt" 2>&1 &
t_track $! oscdump
sleep 0.3
oscsend 127.0.0.1 "$E_PORT" /notify ii 1 "$dump_port"
oscsend 127.0.0.1 "$E_PORT" /cmd s "create vco lead wave=saw freq=110"
oscsend 127.0.0.1 "$E_PORT" /create sssf vcf filt cutoff 900
oscsend 127.0.0.1 "$E_PORT" /patch ss lead filt
oscsend 127.0.0.1 "$E_PORT" /set ssf lead freq 330
oscsend 127.0.0.1 "$E_PORT" /set ssf lead freq nan
sleep 0.5
for want in "created vco lead" "created vcf filt" "patched lead > filt" "set lead.freq"; do
	grep -q "/notice s \"$want" "$T_DIR/dump.txt" || t_fail "oscdump did not hear '$want': $(cat "$T_DIR/dump.txt")"
done
[ "$(grep '/notice' "$T_DIR/dump.txt" | grep -vc 'periods missed')" = 4 ] || t_fail "oscdump heard $(grep -c /notice "$T_DIR/dump.txt") notices, want 4 (the NaN set changes nothing): $(cat "$T_DIR/dump.txt")"
reply=$(t_send "$E_PORT" "info lead")
grep -q "freq=330Hz" <<<"$reply" || t_fail "oscsend's set did not land: $reply"
t_ok "OSC-01 oscsend drove the engine and oscdump heard 4 notices: $(grep -c /notice "$T_DIR/dump.txt")"

reply=$(t_send "$E_PORT" "create ../../../tmp/evil x" || true)
grep -q "unknown module type" <<<"$reply" || t_fail "a path as a type: $reply"
t_ok "SEC-02 a path is not a module type: $reply"

/usr/bin/python3 "$(dirname -- "${BASH_SOURCE[0]}")/clients.py" "$E_PORT" || t_fail "python3-liblo client"
