/*
 * bench-stats.c — chronus-bench-stats: an engine's timing figures over an interval.
 *
 * Maps the running engine's segment read-only by its name, snapshots the statistics (shm.h:
 * periods, misses, xruns, the callback histogram and every worker's wake and render
 * histograms), sleeps, snapshots again and prints what happened in between: callback
 * duration, worker wake latency (publish -> running, per worker and merged over workers) and
 * shard render time at p50 / p99 / p99.9 / max in microseconds, and the counters. It only
 * reads the segment, so it never disturbs the engine. tools/bench drives it; it is as useful
 * by hand against `tools/run`'s engine:
 *
 *   build/tools/chronus-bench-stats chronus 10
 *   build/tools/chronus-bench-stats --kv bench-1234 20      (key=value, one a line)
 *   build/tools/chronus-bench-stats --json bench-1234 20
 *
 * Percentiles come from the log histograms of stats.h, so they are the upper bound of a
 * bucket about 4.4 % wide. The interval's max is exact when the engine's all-time max rose
 * during the interval, and otherwise the upper bound of the highest bucket hit.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shm.h"
#include "stats.h"

enum out_mode { OUT_TABLE, OUT_KV, OUT_JSON };

/* Everything read from the segment at one moment. */
typedef struct snap {
	uint64_t t_ns;
	uint64_t periods, misses, xruns, events_late, events_dropped, muted, limiter;
	cx_hist_t callback;
	struct {
		uint64_t periods, misses, deaths, respawns;
		uint32_t state, rt_prio;
		cx_hist_t wake, render;
	} w[CX_WORKERS_MAX];
} snap_t;

/* One histogram's figures over the interval. */
typedef struct figs {
	uint64_t count;
	double p50, p99, p999, max, mean; /* µs */
} figs_t;

static snap_t before, after;
static cx_hist_t scratch, merged_wake, merged_render;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t ld(const _Atomic uint64_t *p)
{
	return atomic_load_explicit(p, memory_order_relaxed);
}

static void take(snap_t *s, const cx_shm_t *shm, uint32_t workers)
{
	s->t_ns = now_ns();
	s->periods = ld(&shm->periods);
	s->misses = ld(&shm->misses);
	s->xruns = ld(&shm->xruns);
	s->events_late = ld(&shm->events_late);
	s->events_dropped = ld(&shm->events_dropped);
	s->muted = ld(&shm->muted_periods);
	s->limiter = ld(&shm->limiter_active);
	cx_hist_snapshot(&s->callback, &shm->callback_ns);
	for (uint32_t k = 0; k < workers; k++) {
		const cx_worker_t *w = cx_shm_worker(shm, k);
		s->w[k].periods = ld(&w->periods);
		s->w[k].misses = ld(&w->misses);
		s->w[k].deaths = ld(&w->deaths);
		s->w[k].respawns = ld(&w->respawns);
		s->w[k].state = atomic_load(&w->state);
		s->w[k].rt_prio = atomic_load(&w->rt_prio_set);
		cx_hist_snapshot(&s->w[k].wake, &w->wake_ns);
		cx_hist_snapshot(&s->w[k].render, &w->render_ns);
	}
}

/* dst = a - b, with count the sum of the buckets (the writer may be between its stores) and
 * max the interval's max as well as the histograms can tell it. */
static void interval(cx_hist_t *dst, const cx_hist_t *a, const cx_hist_t *b, int lifetime)
{
	if (lifetime) {
		cx_hist_snapshot(dst, a);
	} else {
		cx_hist_diff(dst, a, b);
	}
	uint64_t n = 0;
	uint32_t top = 0;
	for (uint32_t i = 0; i < CX_HIST_BUCKETS; i++) {
		uint64_t c = atomic_load_explicit(&dst->bucket[i], memory_order_relaxed);
		if (c > (uint64_t)1 << 62) /* a bucket read torn against the writer */
			c = 0, atomic_store(&dst->bucket[i], 0);
		n += c;
		if (c)
			top = i;
	}
	atomic_store(&dst->count, n);
	uint64_t amax = atomic_load(&a->max), bmax = atomic_load(&b->max);
	uint64_t max = 0;
	if (n) {
		if (lifetime || amax > bmax)
			max = amax;
		else {
			max = cx_hist_bucket_top(top);
			if (amax && max > amax)
				max = amax;
		}
	}
	atomic_store(&dst->max, max);
}

static void merge(cx_hist_t *dst, const cx_hist_t *src)
{
	atomic_store(&dst->count, atomic_load(&dst->count) + atomic_load(&src->count));
	atomic_store(&dst->sum, atomic_load(&dst->sum) + atomic_load(&src->sum));
	if (atomic_load(&src->max) > atomic_load(&dst->max))
		atomic_store(&dst->max, atomic_load(&src->max));
	for (uint32_t i = 0; i < CX_HIST_BUCKETS; i++)
		atomic_store(&dst->bucket[i],
		             atomic_load(&dst->bucket[i]) + atomic_load(&src->bucket[i]));
}

static figs_t figures(const cx_hist_t *h)
{
	figs_t f = {0};
	f.count = atomic_load(&h->count);
	if (!f.count)
		return f;
	f.p50 = (double)cx_hist_quantile(h, 0.5) / 1e3;
	f.p99 = (double)cx_hist_quantile(h, 0.99) / 1e3;
	f.p999 = (double)cx_hist_quantile(h, 0.999) / 1e3;
	f.max = (double)atomic_load(&h->max) / 1e3;
	f.mean = (double)atomic_load(&h->sum) / (double)f.count / 1e3;
	return f;
}

static void table_row(const char *label, const figs_t *f)
{
	if (!f->count) {
		printf("  %-16s %9s %9s %9s %9s %9s %10s\n", label, "-", "-", "-", "-", "-", "0");
		return;
	}
	printf("  %-16s %9.2f %9.2f %9.2f %9.2f %9.2f %10llu\n", label, f->p50, f->p99, f->p999,
	       f->max, f->mean, (unsigned long long)f->count);
}

static void kv_figs(const char *prefix, const figs_t *f)
{
	printf("%s_p50_us=%.3f\n%s_p99_us=%.3f\n%s_p999_us=%.3f\n%s_max_us=%.3f\n"
	       "%s_mean_us=%.3f\n%s_count=%llu\n",
	       prefix, f->p50, prefix, f->p99, prefix, f->p999, prefix, f->max, prefix, f->mean,
	       prefix, (unsigned long long)f->count);
}

static void json_figs(const char *key, const figs_t *f)
{
	printf("\"%s\":{\"p50_us\":%.3f,\"p99_us\":%.3f,\"p999_us\":%.3f,\"max_us\":%.3f,"
	       "\"mean_us\":%.3f,\"count\":%llu}",
	       key, f->p50, f->p99, f->p999, f->max, f->mean, (unsigned long long)f->count);
}

static const char *state_name(uint32_t s)
{
	static const char *const names[] = {"off", "starting", "ready", "dead"};
	return s < 4 ? names[s] : "?";
}

static void usage(FILE *f)
{
	fprintf(
	    f, "usage: chronus-bench-stats [--kv | --json] [--lifetime] NAME [SECONDS]\n"
	       "  Reads the statistics of the running engine NAME (chronusd --name) from its\n"
	       "  shared memory, waits SECONDS (default 10), reads them again and prints the\n"
	       "  interval's figures: callback duration, worker wake latency (publish -> running)\n"
	       "  and shard render time at p50/p99/p99.9/max in microseconds, periods, misses\n"
	       "  (total and per worker) and xruns.\n"
	       "  --kv        key=value, one a line, for scripts\n"
	       "  --json      one JSON object\n"
	       "  --lifetime  the figures since the engine started; no waiting\n"
	       "Exit status: 0; 1 when the engine is gone by the end; 2 on bad usage; 3 when no\n"
	       "engine NAME is running.\n");
}

int main(int argc, char **argv)
{
	enum out_mode mode = OUT_TABLE;
	int lifetime = 0;
	static const struct option opts[] = {
	    {"kv", no_argument, 0, 'k'},
	    {"json", no_argument, 0, 'j'},
	    {"lifetime", no_argument, 0, 'l'},
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "kjlh", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			mode = OUT_KV;
			break;
		case 'j':
			mode = OUT_JSON;
			break;
		case 'l':
			lifetime = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc || argc - optind > 2) {
		usage(stderr);
		return 2;
	}
	const char *name = argv[optind];
	double seconds = 10;
	if (argc - optind == 2) {
		char *end;
		seconds = strtod(argv[optind + 1], &end);
		if (*end || !(seconds >= 0) || seconds > 86400) {
			fprintf(stderr,
			        "chronus-bench-stats: SECONDS is a number from 0 to 86400, "
			        "not '%s'\n",
			        argv[optind + 1]);
			return 2;
		}
	}
	if (lifetime)
		seconds = 0;

	const cx_shm_t *shm;
	char err[512];
	if (cx_shm_open_readonly(&shm, name, err, sizeof err) != 0) {
		fprintf(stderr, "chronus-bench-stats: %s\n", err);
		return 3;
	}
	uint32_t workers = shm->worker_count;
	if (workers > CX_WORKERS_MAX)
		workers = CX_WORKERS_MAX;

	take(&before, shm, workers);
	if (seconds > 0) {
		struct timespec ts = {(time_t)seconds,
		                      (long)((seconds - (double)(time_t)seconds) * 1e9)};
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
	}
	take(&after, shm, workers);
	int alive = kill(shm->owner_pid, 0) == 0 || errno == EPERM;
	uint32_t rate = atomic_load(&shm->sample_rate), frames = atomic_load(&shm->frames);
	uint32_t spin_us = atomic_load(&shm->spin_ns) / 1000u;

	double secs = lifetime ? 0 : (double)(after.t_ns - before.t_ns) / 1e9;
	const snap_t *b = &before, *a = &after;
	static const snap_t zero;
	if (lifetime)
		b = &zero;
	uint64_t periods = a->periods - b->periods, misses = a->misses - b->misses;
	uint64_t xruns = a->xruns - b->xruns, late = a->events_late - b->events_late;
	uint64_t dropped = a->events_dropped - b->events_dropped, muted = a->muted - b->muted;
	uint64_t limiter = a->limiter - b->limiter;
	double expected = frames ? secs * rate / frames : 0;

	interval(&scratch, &a->callback, &b->callback, lifetime);
	figs_t cb = figures(&scratch);
	figs_t wf[CX_WORKERS_MAX], rf[CX_WORKERS_MAX];
	uint64_t deaths = 0, respawns = 0;
	memset(&merged_wake, 0, sizeof merged_wake);
	memset(&merged_render, 0, sizeof merged_render);
	for (uint32_t k = 0; k < workers; k++) {
		interval(&scratch, &a->w[k].wake, &b->w[k].wake, lifetime);
		wf[k] = figures(&scratch);
		merge(&merged_wake, &scratch);
		interval(&scratch, &a->w[k].render, &b->w[k].render, lifetime);
		rf[k] = figures(&scratch);
		merge(&merged_render, &scratch);
		deaths += a->w[k].deaths - b->w[k].deaths;
		respawns += a->w[k].respawns - b->w[k].respawns;
	}
	figs_t wall = figures(&merged_wake), rall = figures(&merged_render);

	switch (mode) {
	case OUT_TABLE:
		printf("engine %s: %s %.2f s, %u Hz, %u frames (%.1f us a period), %u workers, "
		       "spin %u us%s\n",
		       name, lifetime ? "since start," : "over", lifetime ? 0.0 : secs, rate,
		       frames, rate ? 1e6 * frames / rate : 0.0, workers, spin_us,
		       alive ? "" : " (ENGINE GONE)");
		printf("  periods %llu", (unsigned long long)periods);
		if (!lifetime)
			printf(" (expected %.0f)", expected);
		printf("  misses %llu  xruns %llu  late events %llu  dropped events %llu  "
		       "deaths %llu  muted %llu  limiter %llu\n",
		       (unsigned long long)misses, (unsigned long long)xruns,
		       (unsigned long long)late, (unsigned long long)dropped,
		       (unsigned long long)deaths, (unsigned long long)muted,
		       (unsigned long long)limiter);
		printf("  %-16s %9s %9s %9s %9s %9s %10s\n", "us", "p50", "p99", "p99.9", "max",
		       "mean", "count");
		table_row("callback", &cb);
		table_row("wake (all)", &wall);
		for (uint32_t k = 0; k < workers; k++) {
			char l[32];
			snprintf(l, sizeof l, "wake w%u", k);
			table_row(l, &wf[k]);
		}
		table_row("render (all)", &rall);
		for (uint32_t k = 0; k < workers; k++) {
			char l[32];
			snprintf(l, sizeof l, "render w%u", k);
			table_row(l, &rf[k]);
		}
		printf("  per worker:");
		for (uint32_t k = 0; k < workers; k++)
			printf("  w%u %s misses %llu periods %llu rt %u%s", k,
			       state_name(a->w[k].state),
			       (unsigned long long)(a->w[k].misses - b->w[k].misses),
			       (unsigned long long)(a->w[k].periods - b->w[k].periods),
			       a->w[k].rt_prio, k + 1 < workers ? ";" : "");
		printf("\n");
		break;
	case OUT_KV:
		printf("engine=%s\nalive=%d\nlifetime=%d\nseconds=%.3f\nrate=%u\nframes=%u\n"
		       "workers=%u\nspin_us=%u\nperiods=%llu\nperiods_expected=%.0f\nmisses=%"
		       "llu\nxruns=%llu\n"
		       "events_late=%llu\nevents_dropped=%llu\ndeaths=%llu\nrespawns=%llu\n"
		       "muted_periods=%llu\nlimiter_periods=%llu\n",
		       name, alive, lifetime, secs, rate, frames, workers, spin_us,
		       (unsigned long long)periods, expected, (unsigned long long)misses,
		       (unsigned long long)xruns, (unsigned long long)late,
		       (unsigned long long)dropped, (unsigned long long)deaths,
		       (unsigned long long)respawns, (unsigned long long)muted,
		       (unsigned long long)limiter);
		kv_figs("callback", &cb);
		kv_figs("wake", &wall);
		kv_figs("render", &rall);
		for (uint32_t k = 0; k < workers; k++) {
			char p[32];
			printf("w%u_state=%s\nw%u_rt_prio=%u\nw%u_periods=%llu\nw%u_misses=%llu\n",
			       k, state_name(a->w[k].state), k, a->w[k].rt_prio, k,
			       (unsigned long long)(a->w[k].periods - b->w[k].periods), k,
			       (unsigned long long)(a->w[k].misses - b->w[k].misses));
			snprintf(p, sizeof p, "w%u_wake", k);
			kv_figs(p, &wf[k]);
			snprintf(p, sizeof p, "w%u_render", k);
			kv_figs(p, &rf[k]);
		}
		break;
	case OUT_JSON:
		printf("{\"engine\":\"%s\",\"alive\":%s,\"lifetime\":%s,\"seconds\":%.3f,"
		       "\"rate\":%u,\"frames\":%u,\"workers\":%u,\"spin_us\":%u,\"periods\":%llu,"
		       "\"periods_expected\":%.0f,\"misses\":%llu,\"xruns\":%llu,"
		       "\"events_late\":%llu,\"events_dropped\":%llu,\"deaths\":%llu,"
		       "\"respawns\":%llu,\"muted_periods\":%llu,\"limiter_periods\":%llu,",
		       name, alive ? "true" : "false", lifetime ? "true" : "false", secs, rate,
		       frames, workers, spin_us, (unsigned long long)periods, expected,
		       (unsigned long long)misses, (unsigned long long)xruns,
		       (unsigned long long)late, (unsigned long long)dropped,
		       (unsigned long long)deaths, (unsigned long long)respawns,
		       (unsigned long long)muted, (unsigned long long)limiter);
		json_figs("callback", &cb);
		printf(",");
		json_figs("wake", &wall);
		printf(",");
		json_figs("render", &rall);
		printf(",\"per_worker\":[");
		for (uint32_t k = 0; k < workers; k++) {
			printf("%s{\"index\":%u,\"state\":\"%s\",\"rt_prio\":%u,\"periods\":%llu,"
			       "\"misses\":%llu,",
			       k ? "," : "", k, state_name(a->w[k].state), a->w[k].rt_prio,
			       (unsigned long long)(a->w[k].periods - b->w[k].periods),
			       (unsigned long long)(a->w[k].misses - b->w[k].misses));
			json_figs("wake", &wf[k]);
			printf(",");
			json_figs("render", &rf[k]);
			printf("}");
		}
		printf("]}\n");
		break;
	}
	cx_shm_close_readonly(shm);
	return alive ? 0 : 1;
}
