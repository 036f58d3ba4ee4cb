/*
 * render.c — chronus-render: the engine against a virtual clock, no JACK.
 *
 * Runs a script of commands (the same lines /cmd takes) with `wait SECONDS` and `@SECONDS`
 * to place them in time, renders the engine's output for --seconds, and writes a WAV. The
 * same engine and worker code runs, in this process, so the output is the same from run to
 * run and faster than realtime.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "command.h"
#include "record.h"
#include "engine.h"

#ifndef CX_TEMPLATE_DIR_SRC
#define CX_TEMPLATE_DIR_SRC ""
#endif
#ifndef CX_TEMPLATE_DIR_INSTALL
#define CX_TEMPLATE_DIR_INSTALL "/usr/local/share/chronus/templates"
#endif
#ifndef CX_MODULE_DIR_BUILD
#define CX_MODULE_DIR_BUILD ""
#endif

static void usage(FILE *f)
{
	fprintf(
	    f, "usage: chronus-render [options] -o OUT.wav SCRIPT\n"
	       "  -o, --output FILE    WAV to write (float, stereo)\n"
	       "  -t, --seconds S      length to render (default: the script's last time + 1 s)\n"
	       "  -r, --rate HZ        sample rate (default 48000)\n"
	       "  -b, --frames N       period size (default 64)\n"
	       "  -w, --workers N      shards (default 1; output depends on it)\n"
	       "  -m, --modules DIR    module folder (repeatable)\n"
	       "  -q, --quiet          print nothing but errors\n"
	       "SCRIPT lines are commands (create, patch, set, gate, ...), 'wait S' to move the\n"
	       "script's clock on, '@S' (seconds) before a command to place it in time; '-' reads\n"
	       "standard input.\n");
}

typedef struct line {
	double at_s;
	char *text;
	int lineno;
} line_t;

/* Reads the script into timed lines. Returns the count, or -1. */
static int read_script(FILE *f, line_t **out, double *end_s)
{
	size_t cap = 64, n = 0;
	line_t *v = malloc(cap * sizeof *v);
	char buf[2048];
	double t = 0;
	int lineno = 0;
	while (v && fgets(buf, sizeof buf, f)) {
		lineno++;
		char *s = buf;
		while (*s == ' ' || *s == '\t')
			s++;
		s[strcspn(s, "\r\n")] = 0;
		if (!*s || *s == '#')
			continue;
		double at = t;
		if (strncmp(s, "wait ", 5) == 0) {
			char *end;
			double w = strtod(s + 5, &end);
			if (!(w >= 0) || !isfinite(w)) {
				fprintf(stderr,
				        "chronus-render: line %d: wait takes seconds >= 0\n",
				        lineno);
				free(v);
				return -1;
			}
			t += w;
			continue;
		}
		if (*s == '@') {
			char *end;
			at = strtod(s + 1, &end);
			if (end == s + 1 || !(at >= 0)) {
				fprintf(stderr, "chronus-render: line %d: '@' takes seconds >= 0\n",
				        lineno);
				free(v);
				return -1;
			}
			s = end;
			while (*s == ' ' || *s == '\t')
				s++;
		}
		if (n == cap) {
			line_t *nv = realloc(v, (cap *= 2) * sizeof *v);
			if (!nv)
				break;
			v = nv;
		}
		v[n++] = (line_t){at, strdup(s), lineno};
		if (at > *end_s)
			*end_s = at;
		if (t > *end_s)
			*end_s = t;
	}
	/* Stable by time: lines placed with @ may come out of order. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && v[j - 1].at_s > v[j].at_s; j--) {
			line_t tmp = v[j];
			v[j] = v[j - 1];
			v[j - 1] = tmp;
		}
	*out = v;
	return v ? (int)n : -1;
}

int main(int argc, char **argv)
{
	cx_engine_config_t cfg = {.name = NULL, .offline = 1};
	const char *outpath = NULL;
	double seconds = -1;
	long rate = 48000, frames = 64;
	int quiet = 0;
	static const struct option opts[] = {
	    {"output", required_argument, 0, 'o'},
	    {"seconds", required_argument, 0, 't'},
	    {"rate", required_argument, 0, 'r'},
	    {"frames", required_argument, 0, 'b'},
	    {"workers", required_argument, 0, 'w'},
	    {"modules", required_argument, 0, 'm'},
	    {"quiet", no_argument, 0, 'q'},
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "o:t:r:b:w:m:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			outpath = optarg;
			break;
		case 't':
			seconds = strtod(optarg, NULL);
			break;
		case 'r':
			rate = strtol(optarg, NULL, 10);
			break;
		case 'b':
			frames = strtol(optarg, NULL, 10);
			break;
		case 'w':
			cfg.workers = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'm':
			if (cfg.module_dir_count < CX_MODULE_DIRS_MAX)
				cfg.module_dirs[cfg.module_dir_count++] = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!outpath || optind != argc - 1 || rate < 8000 || rate > 384000 || frames < 1 ||
	    frames > (long)CX_FRAMES_MAX || cfg.workers > CX_WORKERS_MAX) {
		usage(stderr);
		return 2;
	}
	if (!cfg.module_dir_count && CX_MODULE_DIR_BUILD[0])
		cfg.module_dirs[cfg.module_dir_count++] = CX_MODULE_DIR_BUILD;
	cx_command_templates(NULL, CX_TEMPLATE_DIR_SRC, CX_TEMPLATE_DIR_INSTALL);
	signal(SIGXFSZ, SIG_IGN); /* a full disk or file limit is an error to report, not a death */
	const char *script = argv[optind];
	FILE *sf = strcmp(script, "-") == 0 ? stdin : fopen(script, "r");
	if (!sf) {
		fprintf(stderr, "chronus-render: cannot read %s: %s\n", script, strerror(errno));
		return 1;
	}
	line_t *lines;
	double end_s = 0;
	int nlines = read_script(sf, &lines, &end_s);
	if (sf != stdin)
		fclose(sf);
	if (nlines < 0)
		return 1;
	if (seconds < 0)
		seconds = end_s + 1.0;

	char name[64], err[1024];
	snprintf(name, sizeof name, "render-%d", (int)getpid());
	cfg.name = name;
	cx_engine_t *e;
	if (cx_engine_open(&e, &cfg, err, sizeof err) != 0 ||
	    cx_engine_start(e, (uint32_t)rate, (uint32_t)frames, err, sizeof err) != 0) {
		fprintf(stderr, "chronus-render: %s\n", err);
		return 1;
	}
	SF_INFO info = {
	    .samplerate = (int)rate, .channels = 2, .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT};
	SNDFILE *wav = sf_open(outpath, SFM_WRITE, &info);
	if (!wav) {
		fprintf(stderr, "chronus-render: cannot write %s: %s\n", outpath,
		        sf_strerror(NULL));
		cx_engine_close(e);
		return 1;
	}
	uint64_t total = (uint64_t)llround(seconds * (double)rate);
	float l[CX_FRAMES_MAX], r[CX_FRAMES_MAX], inter[2 * CX_FRAMES_MAX];
	float *out[2] = {l, r};
	int next = 0, failed = 0;
	char reply[4096];
	for (uint64_t done = 0; done < total;) {
		uint64_t period_end = done + (uint64_t)frames;
		/* Commands due before this period ends, each on its exact frame. */
		while (next < nlines &&
		       (uint64_t)llround(lines[next].at_s * (double)rate) < period_end) {
			uint64_t at = (uint64_t)llround(lines[next].at_s * (double)rate);
			int rc = cx_command_line(e, lines[next].text, at > done ? at : done, reply,
			                         sizeof reply);
			if (rc < 0) {
				fprintf(stderr, "chronus-render: line %d: %s\n", lines[next].lineno,
				        reply);
				failed = 1;
			} else if (rc == 0 && !quiet) {
				printf("%8.3f  %s\n", lines[next].at_s, reply);
			}
			next++;
		}
		cx_engine_commit(e, 0);
		uint32_t n =
		    (uint32_t)(total - done < (uint64_t)frames ? total - done : (uint64_t)frames);
		cx_engine_period(e, n, NULL, out);
		for (uint32_t i = 0; i < n; i++) {
			inter[2 * i] = l[i];
			inter[2 * i + 1] = r[i];
		}
		sf_writef_float(wav, inter, n);
		done += n;
		if (cx_record_poll(e, reply, sizeof reply) && !quiet)
			printf("%8.3f  %s\n", (double)done / (double)rate, reply);
	}
	sf_close(wav);
	for (int i = 0; i < nlines; i++)
		free(lines[i].text);
	free(lines);
	cx_engine_close(e);
	if (!quiet)
		printf("wrote %s: %.3f s at %ld Hz\n", outpath, seconds, rate);
	return failed ? 1 : 0;
}
