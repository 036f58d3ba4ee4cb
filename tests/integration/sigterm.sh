#!/usr/bin/env bash
# PROC-04 a clean shutdown leaves no process and no shared memory.
# An engine with two workers and a patch playing gets SIGTERM: it exits 0, the zygote and
# worker PIDs seen before (ps --ppid) are all gone, /dev/shm/chronus-UID-NAME is unlinked and
# its JACK ports are unregistered.
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
t_setup term
t_start_jack

name="cxt-term-$$"
shm=/dev/shm/chronus-$T_UID-$name
t_start_engine "$name" --workers 2
t_wait_workers "$E_PID" 2
t_must "$E_PORT" "create vco a wave=saw freq=110" "create vco b freq=220" "patch a > out" \
	"patch b > out" >/dev/null
t_wait_placed "$E_PORT" 2 >/dev/null
z=$(t_zygote "$E_PID")
kids="$z $(t_workers "$E_PID" | awk '{ print $1 }' | tr '\n' ' ')"
[[ -n $z && $(wc -w <<<"$kids") -eq 3 ]] || t_fail "want a zygote and 2 workers, found PIDs: $kids"
[[ -e $shm ]] || t_fail "$shm does not exist while the engine runs"
t_log "engine $E_PID, zygote and workers: $kids"

kill -TERM "$E_PID"
for ((i = 0; i < 100; i++)); do
	pid_alive "$E_PID" || break
	sleep 0.1
done
pid_alive "$E_PID" && t_fail "chronusd (PID $E_PID) still runs 10 s after SIGTERM"
rc=0
wait "$E_PID" || rc=$?
((rc == 0)) || t_fail "chronusd exited $rc after SIGTERM, want 0"
t_ok "chronusd exited 0 after SIGTERM"

# Its children go with it; give the kernel a moment to deliver PDEATHSIG where that is how.
for ((i = 0; i < 30; i++)); do
	left=
	for p in $kids; do
		if pid_alive "$p"; then
			left+="$p($(cat /proc/"$p"/comm 2>/dev/null)) "
		fi
	done
	[[ -z $left ]] && break
	sleep 0.1
done
[[ -z $left ]] || t_fail "processes of the engine's tree outlived it: $left"
t_ok "zygote and workers gone: $kids"

[[ ! -e $shm ]] || t_fail "$shm is still there after a clean exit"
t_ok "$shm removed"
jack_lsp | grep -q "^$name:" && t_fail "JACK still lists ports of $name: $(jack_lsp | grep "^$name:" | tr '\n' ' ')"
t_ok "JACK ports of $name gone"
