#!/usr/bin/env bash
# PROC-05 a crashed engine's leftovers are cleaned at the next start.
# kill -9 of chronusd itself: its zygote and workers die with it (PR_SET_PDEATHSIG), its
# segment stays behind (nothing could remove it), and a new engine of the same name starts,
# works, and removes the segment when it stops cleanly.
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
t_setup stale
t_start_jack

name="cxt-stale-$$"
shm=/dev/shm/chronus-$T_UID-$name
t_start_engine "$name" --workers 2
t_wait_workers "$E_PID" 2
t_must "$E_PORT" "create vco lead wave=sine freq=440" "patch lead > out" >/dev/null
z=$(t_zygote "$E_PID")
kids="$z $(t_workers "$E_PID" | awk '{ print $1 }' | tr '\n' ' ')"
[[ -n $z && $(wc -w <<<"$kids") -eq 3 ]] || t_fail "want a zygote and 2 workers, found PIDs: $kids"
t_log "engine $E_PID, zygote and workers: $kids"

kill -KILL "$E_PID"
rc=0
wait "$E_PID" || rc=$? # reap it, as the shell that started it would
((rc == 137)) || t_fail "chronusd exited $rc after SIGKILL, want 137"
for ((i = 0; i < 50; i++)); do
	left=
	for p in $kids; do
		pid_alive "$p" && left+="$p($(cat /proc/"$p"/comm 2>/dev/null)) "
	done
	[[ -z $left ]] && break
	sleep 0.1
done
[[ -z $left ]] || t_fail "5 s after kill -9 of chronusd, these still run: $left"
t_ok "zygote and workers died with the engine: $kids"
[[ -e $shm ]] || t_fail "precondition: kill -9 should leave $shm behind, but it is gone"
t_ok "stale segment left behind: $shm"

# JACK notices the dead client by itself; its ports must go before the name is free.
for ((i = 0; i < 50; i++)); do
	jack_lsp | grep -q "^$name:" || break
	sleep 0.1
done
jack_lsp | grep -q "^$name:" && t_fail "JACK still lists $name's ports 5 s after kill -9"

old_ino=$(stat -c %i "$shm")
t_start_engine "$name" --workers 2
t_ok "a new engine named $name started: $E_READY"
[[ -e $shm ]] || t_fail "the new engine has no segment $shm"
new_ino=$(stat -c %i "$shm")
[[ $new_ino != "$old_ino" ]] || t_fail "the new engine reuses the stale segment (inode $old_ino) instead of a fresh one"
t_wait_workers "$E_PID" 2
t_must "$E_PORT" "create vco lead wave=sine freq=440" "patch lead > out" >/dev/null
out=$(t_wait_placed "$E_PORT" 1)
st=$(t_must "$E_PORT" status)
[[ $(t_field "$st" ready) == 2 && $(t_field "$st" deaths) == 0 ]] ||
	t_fail "the new engine's status is not 2 ready workers and no deaths: $st"
t_ok "the new engine works: $out; $st"

stop_pid "$E_PID" chronusd
[[ ! -e $shm ]] || t_fail "$shm is still there after the new engine stopped"
t_ok "the new engine removed $shm on exit"
