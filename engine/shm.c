/* shm.c — creating, finding and removing the engine's segment (shm.h). */
#include "shm.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int cx_shm_name(char *buf, size_t len, const char *instance_name)
{
	if (!instance_name || !instance_name[0] || strchr(instance_name, '/'))
		return -EINVAL;
	int n = snprintf(buf, len, "/chronus-%u-%s", (unsigned)getuid(), instance_name);
	if (n < 0 || (size_t)n >= len || n > 200)
		return -ENAMETOOLONG;
	return 0;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1u) & ~(a - 1u);
}

/* Is the segment named nm owned by a live engine? Returns its pid, or 0 when stale. */
/* The start time of process pid (clock ticks since boot, /proc/PID/stat field 22), 0 when it
 * is gone or a zombie. With the pid it names one process: a pid is reused, a start time not. */
static uint64_t proc_start(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	const char *p = strrchr(buf, ')'); /* the name may hold spaces and parentheses */
	if (!p)
		return 0;
	char state = 0;
	unsigned long long start = 0;
	/* after ')': state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
	 * utime stime cutime cstime priority nice threads itrealvalue starttime(22) */
	if (sscanf(p + 1,
	           " %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
	           "%*d %*d %llu",
	           &state, &start) != 2 ||
	    state == 'Z' || state == 'X')
		return 0;
	return start;
}

/* Is the segment named nm owned by a live engine? Returns its pid, or 0 when stale. */
static pid_t live_owner(const char *nm)
{
	int fd = shm_open(nm, O_RDONLY, 0);
	if (fd < 0)
		return 0;
	struct stat st;
	pid_t pid = 0;
	if (fstat(fd, &st) == 0 && (size_t)st.st_size >= sizeof(cx_shm_t)) {
		const cx_shm_t *h = mmap(NULL, sizeof(cx_shm_t), PROT_READ, MAP_SHARED, fd, 0);
		if (h != MAP_FAILED) {
			if (h->magic == CX_SHM_MAGIC && h->owner_pid > 0 &&
			    proc_start(h->owner_pid) == h->owner_start && h->owner_start)
				pid = h->owner_pid;
			munmap((void *)h, sizeof(cx_shm_t));
		}
	}
	close(fd);
	return pid;
}

int cx_shm_create(cx_shm_t **out, const char *instance_name, uint64_t arena_bytes,
                  uint32_t worker_count, char *err, size_t errlen)
{
	char nm[256];
	int rc = cx_shm_name(nm, sizeof nm, instance_name);
	if (rc < 0) {
		snprintf(err, errlen, "bad engine name '%s': use letters, digits, '-' or '_'",
		         instance_name ? instance_name : "");
		return rc;
	}
	pid_t owner = live_owner(nm);
	if (owner > 0) {
		snprintf(err, errlen,
		         "an engine named '%s' is already running (pid %d); stop it or "
		         "pick another "
		         "--name",
		         instance_name, (int)owner);
		return -EEXIST;
	}
	shm_unlink(nm); /* stale segment from a crashed run, if any */

	uint64_t off = align_up(sizeof(cx_shm_t), 4096);
	uint64_t workers_off = off;
	off = align_up(off + sizeof(cx_worker_t) * CX_WORKERS_MAX, 4096);
	uint64_t types_off = off;
	off = align_up(off + sizeof(cx_type_t) * CX_TYPES_MAX, 4096);
	uint64_t instances_off = off;
	off = align_up(off + sizeof(cx_instance_t) * CX_INSTANCES_MAX, 4096);
	uint64_t plans_off[2];
	for (int p = 0; p < 2; p++) {
		plans_off[p] = off;
		off = align_up(off + sizeof(cx_plan_t), 4096);
	}
	uint64_t host_in_off = off;
	off = align_up(off + sizeof(float) * 4u * CX_FRAMES_MAX, 4096);
	uint64_t arena_off = off;
	uint64_t size = align_up(off + arena_bytes, 4096);

	int fd = shm_open(nm, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot create shared memory %s: %s", nm, strerror(errno));
		return rc;
	}
	if (ftruncate(fd, (off_t)size) != 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot size shared memory %s to %llu bytes: %s", nm,
		         (unsigned long long)size, strerror(errno));
		close(fd);
		shm_unlink(nm);
		return rc;
	}
	void *base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (base == MAP_FAILED) {
		rc = -errno;
		snprintf(err, errlen, "cannot map shared memory %s: %s", nm, strerror(errno));
		shm_unlink(nm);
		return rc;
	}
	cx_shm_t *shm = base; /* ftruncate zero-filled it */
	shm->layout_version = CX_SHM_LAYOUT_VERSION;
	shm->size = size;
	shm->owner_pid = (int32_t)getpid();
	shm->owner_start = proc_start(getpid());
	shm->worker_count = worker_count;
	snprintf(shm->name, sizeof shm->name, "%s", instance_name);
	shm->workers_off = workers_off;
	shm->types_off = types_off;
	shm->instances_off = instances_off;
	shm->plans_off[0] = plans_off[0];
	shm->plans_off[1] = plans_off[1];
	shm->host_in_off = host_in_off;
	shm->arena_off = arena_off;
	shm->arena_size = size - arena_off;
	for (uint32_t i = 0; i < CX_INSTANCES_MAX; i++)
		cx_shm_instance(shm, i)->last_period = -1;
	for (int p = 0; p < 2; p++)
		memset(cx_shm_plan(shm, (uint32_t)p)->shard_of, CX_SHARD_NONE, CX_INSTANCES_MAX);
	atomic_thread_fence(memory_order_release);
	shm->magic = CX_SHM_MAGIC; /* last: a reader seeing the magic sees a whole header */
	*out = shm;
	return 0;
}

int cx_shm_open_readonly(const cx_shm_t **out, const char *instance_name, char *err, size_t errlen)
{
	char nm[256];
	int rc = cx_shm_name(nm, sizeof nm, instance_name);
	if (rc < 0) {
		snprintf(err, errlen, "bad engine name '%s'", instance_name ? instance_name : "");
		return rc;
	}
	int fd = shm_open(nm, O_RDONLY, 0);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "no engine named '%s' is running (%s: %s)", instance_name, nm,
		         strerror(errno));
		return rc;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof(cx_shm_t)) {
		close(fd);
		snprintf(err, errlen, "%s is not an engine segment", nm);
		return -EINVAL;
	}
	const cx_shm_t *shm = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (shm == MAP_FAILED) {
		rc = -errno;
		snprintf(err, errlen, "cannot map %s: %s", nm, strerror(errno));
		return rc;
	}
	if (shm->magic != CX_SHM_MAGIC || shm->layout_version != CX_SHM_LAYOUT_VERSION) {
		snprintf(err, errlen, "%s has layout %u, this tool reads %u", nm,
		         shm->layout_version, CX_SHM_LAYOUT_VERSION);
		munmap((void *)shm, (size_t)st.st_size);
		return -EPROTO;
	}
	*out = shm;
	return 0;
}

void cx_shm_destroy(cx_shm_t *shm, const char *instance_name, int unlink_too)
{
	if (!shm)
		return;
	munmap(shm, shm->size);
	char nm[256];
	if (unlink_too && cx_shm_name(nm, sizeof nm, instance_name) == 0)
		shm_unlink(nm);
}

void cx_shm_close_readonly(const cx_shm_t *shm)
{
	if (shm)
		munmap((void *)shm, shm->size);
}
