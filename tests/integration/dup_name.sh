#!/usr/bin/env bash
# INT-04 a second engine with the same name refuses to start.
# With engine A running, a second chronusd of the same name (another OSC port, same JACK
# server) exits non-zero at once with a message naming the clash and A's PID; A keeps its
# segment, its zygote and workers, its JACK ports, and keeps answering.
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
t_setup dup
t_start_jack

name="cxt-dup-$$"
t_start_engine "$name" --workers 2
a_pid=$E_PID a_port=$E_PORT
t_wait_workers "$a_pid" 2
a_kids=$( (t_zygote "$a_pid"; t_workers "$a_pid" | awk '{ print $1 }') | sort | tr '\n' ' ')
t_must "$a_port" "create vco lead wave=sine freq=440" "patch lead > out" >/dev/null

t_launch_engine "$name" --workers 2
b_pid=$E_PID b_err=$E_ERR b_out=$E_OUT
for ((i = 0; i < 150; i++)); do
	pid_alive "$b_pid" || break
	sleep 0.1
done
pid_alive "$b_pid" && t_fail "the second engine named $name is still running after 15 s"
rc=0
wait "$b_pid" || rc=$?
((rc != 0)) || t_fail "the second engine named $name exited 0"
grep -q '^chronusd: ready' "$b_out" && t_fail "the second engine printed a ready line"
msg=$(tr '\n' ' ' <"$b_err")
grep -qE "already running \(pid $a_pid\)" "$b_err" ||
	t_fail "the second engine's message does not say an engine named $name runs as PID $a_pid: '$msg'"
grep -q -- "--name" "$b_err" || t_fail "the message does not say what to do (--name): '$msg'"
t_ok "second engine exited $rc: $msg"

pid_is "$a_pid" chronusd || t_fail "engine A (PID $a_pid) is gone"
[[ -e /dev/shm/chronus-$T_UID-$name ]] || t_fail "engine A's segment /dev/shm/chronus-$T_UID-$name is gone"
now_kids=$( (t_zygote "$a_pid"; t_workers "$a_pid" | awk '{ print $1 }') | sort | tr '\n' ' ')
[[ $now_kids == "$a_kids" ]] || t_fail "engine A's zygote and workers changed: '$a_kids' -> '$now_kids'"
jack_lsp | grep -qxF "$name:out_L" || t_fail "engine A's port $name:out_L is gone"
out=$(t_must "$a_port" list)
grep -q 'lead vco' <<<"$out" || t_fail "engine A's list lost lead: $out"
st=$(t_must "$a_port" status)
[[ $(t_field "$st" deaths) == 0 ]] || t_fail "engine A lost a worker: $st"
t_ok "engine A unharmed: PID $a_pid, children $a_kids, list: $out"
