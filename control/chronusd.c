/*
 * chronusd.c — the engine process's main(): the composition root.
 *
 * Order matters: the shared segment and the zygote come first, while this process has one
 * thread; then the JACK client, the workers, the OSC server. SIGINT/SIGTERM or /quit stop
 * everything and remove the segment.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "jack_driver.h"
#include "command.h"
#include "osc.h"

#ifndef CX_MODULE_DIR_BUILD
#define CX_MODULE_DIR_BUILD ""
#endif
#ifndef CX_TEMPLATE_DIR_SRC
#define CX_TEMPLATE_DIR_SRC ""
#endif
#ifndef CX_TEMPLATE_DIR_INSTALL
#define CX_TEMPLATE_DIR_INSTALL "/usr/local/share/chronus/templates"
#endif
#ifndef CX_MODULE_DIR_INSTALL
#define CX_MODULE_DIR_INSTALL "/usr/local/lib/chronus/modules"
#endif

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* ${XDG_RUNTIME_DIR:-/tmp}/chronus-UID/NAME.port: where `chronus --engine NAME` finds us. */
static void port_file_path(char *buf, size_t len, const char *name)
{
	const char *run = getenv("XDG_RUNTIME_DIR");
	snprintf(buf, len, "%s/chronus-%u/%s.port", run && run[0] ? run : "/tmp",
	         (unsigned)getuid(), name);
}

/* Writes HOST:PORT there, atomically. Returns 0 or -1 (the engine runs on without it). */
static int write_port_file(const char *name, const char *listen, int port)
{
	char path[4096], tmp[4200];
	port_file_path(path, sizeof path, name);
	char *slash = strrchr(path, '/');
	*slash = 0;
	mkdir(path, 0700);
	*slash = '/';
	snprintf(tmp, sizeof tmp, "%s.%d", path, (int)getpid());
	FILE *f = fopen(tmp, "w");
	if (!f)
		return -1;
	int bad =
	    fprintf(f, "%s:%d\n", strcmp(listen, "0.0.0.0") == 0 ? "127.0.0.1" : listen, port) < 0;
	bad |= fclose(f) != 0;
	if (bad || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: chronusd [options]\n"
	    "  -n, --name NAME      engine and JACK client name (default chronus)\n"
	    "  -w, --workers N      worker processes (default: number of cores)\n"
	    "  -p, --port N         OSC UDP port (default 57130)\n"
	    "  -l, --listen ADDR    address to listen on (default 127.0.0.1)\n"
	    "  -m, --modules DIR    module folder (repeatable; default: the build's or the\n"
	    "                       installed one)\n"
	    "  -s, --server NAME    JACK server (default: $JACK_DEFAULT_SERVER or default)\n"
	    "      --memory MIB     engine memory for instances (default 256)\n"
	    "      --no-connect     do not connect to the system playback ports\n"
	    "      --patches DIR    where save/load patch keep patches (default ./patches)\n"
	    "      --samples DIR    where `sample` finds sound files (default ./samples)\n"
	    "      --templates DIR  your templates, before the shipped ones (default ./templates)\n"
	    "      --spin-us N      workers wake N us before each period and spin for it,\n"
	    "                       sparing the callback a futex wake (default 150; 0: off)\n"
	    "  -h, --help           this text\n");
}

int main(int argc, char **argv)
{
	cx_engine_config_t cfg = {.name = "chronus", .spin_us = -1};
	const char *port = "57130", *listen = "127.0.0.1", *server = NULL;
	int connect = 1;
	const char *patches = NULL, *samples = NULL, *templates = NULL;
	static const struct option opts[] = {
	    {"name", required_argument, 0, 'n'},    {"workers", required_argument, 0, 'w'},
	    {"port", required_argument, 0, 'p'},    {"listen", required_argument, 0, 'l'},
	    {"modules", required_argument, 0, 'm'}, {"server", required_argument, 0, 's'},
	    {"memory", required_argument, 0, 'M'},  {"no-connect", no_argument, 0, 'N'},
	    {"spin-us", required_argument, 0, 'S'}, {"patches", required_argument, 0, 'P'},
	    {"samples", required_argument, 0, 'A'}, {"templates", required_argument, 0, 'T'},
	    {"help", no_argument, 0, 'h'},          {0, 0, 0, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "n:w:p:l:m:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			cfg.name = optarg;
			break;
		case 'w': {
			char *end;
			long w = strtol(optarg, &end, 10);
			if (*end || w < 1 || w > (long)CX_WORKERS_MAX) {
				fprintf(stderr, "chronusd: --workers takes 1 to %u, not '%s'\n",
				        CX_WORKERS_MAX, optarg);
				return 2;
			}
			cfg.workers = (uint32_t)w;
			break;
		}
		case 'p':
			port = optarg;
			break;
		case 'l':
			listen = optarg;
			break;
		case 'm':
			if (cfg.module_dir_count < CX_MODULE_DIRS_MAX)
				cfg.module_dirs[cfg.module_dir_count++] = optarg;
			break;
		case 's':
			server = optarg;
			break;
		case 'M':
			cfg.arena_bytes = (uint64_t)strtoull(optarg, NULL, 10) << 20;
			break;
		case 'N':
			connect = 0;
			break;
		case 'P':
			patches = optarg;
			break;
		case 'A':
			samples = optarg;
			break;
		case 'T':
			templates = optarg;
			break;
		case 'S': {
			char *end;
			long us = strtol(optarg, &end, 10);
			if (*end || us < 0 || us > 10000) {
				fprintf(stderr, "chronusd: --spin-us takes 0 to 10000, not '%s'\n",
				        optarg);
				return 2;
			}
			cfg.spin_us = (int)us;
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "chronusd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (!cfg.module_dir_count) {
		if (CX_MODULE_DIR_BUILD[0] && access(CX_MODULE_DIR_BUILD, R_OK) == 0)
			cfg.module_dirs[cfg.module_dir_count++] = CX_MODULE_DIR_BUILD;
		cfg.module_dirs[cfg.module_dir_count++] = CX_MODULE_DIR_INSTALL;
	}

	char cwd[1024] = ".", pdir[1100];
	if (!getcwd(cwd, sizeof cwd))
		snprintf(cwd, sizeof cwd, ".");
	char sdir[1100];
	snprintf(pdir, sizeof pdir, "%s/patches", cwd);
	snprintf(sdir, sizeof sdir, "%s/samples", cwd);
	cx_command_configure(patches ? patches : pdir, cwd, samples ? samples : sdir);
	char tdir[1100];
	snprintf(tdir, sizeof tdir, "%s/templates", cwd);
	cx_command_templates(templates ? templates : tdir, CX_TEMPLATE_DIR_SRC,
	                     CX_TEMPLATE_DIR_INSTALL);

	char err[512];
	cx_engine_t *e;
	if (cx_engine_open(&e, &cfg, err, sizeof err) != 0) { /* forks the zygote: first */
		fprintf(stderr, "chronusd: %s\n", err);
		return 1;
	}
	cx_jack_t *jack = NULL;
	cx_osc_t *osc = NULL;
	uint32_t rate, frames;
	int status = 1;
	const char *srv = server ? server : getenv("JACK_DEFAULT_SERVER");
	if (strcmp(srv && srv[0] ? srv : "default", cfg.name) == 0) {
		/* JACK cannot tell a client from a server of the same name: clients stop finding
		 * the server. */
		fprintf(stderr,
		        "chronusd: the engine's name '%s' is the JACK server's name; pick "
		        "another --name\n",
		        cfg.name);
		status = 2;
		goto out;
	}
	if (cx_jack_open(&jack, cfg.name, server, &rate, &frames, err, sizeof err) != 0) {
		fprintf(stderr, "chronusd: %s\n", err);
		status = 3;
		goto out;
	}
	if (cx_engine_start(e, rate, frames, err, sizeof err) != 0 || cx_engine_supervise(e) != 0 ||
	    cx_jack_activate(jack, e, connect, err, sizeof err) ||
	    cx_osc_start(&osc, e, listen, port, err, sizeof err) != 0) {
		fprintf(stderr, "chronusd: %s\n", err);
		goto out;
	}
	int jprio = cx_jack_rt_priority(jack);
	if (jprio > 1 && cx_osc_set_rt_priority(osc, jprio - 1) != 0)
		fprintf(stderr,
		        "chronusd: the OSC thread could not run realtime; commands may wait "
		        "behind busy workers\n");
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN); /* a file limit reached while saving is reported, not fatal */
	char where[512];
	cx_jack_connections(jack, where, sizeof where);
	if (write_port_file(cfg.name, listen, cx_osc_port(osc)) != 0)
		fprintf(stderr,
		        "chronusd: cannot write the port file; chronus --engine %s will not "
		        "find this engine (use --port)\n",
		        cfg.name);
	printf("chronusd: ready name=%s osc=%s:%d workers=%u rate=%u frames=%u\n", cfg.name, listen,
	       cx_osc_port(osc), cx_engine_worker_count(e), rate, frames);
	printf("chronusd: sound goes to %s\n", where[0] ? where
	                                                : "no playback port (--no-connect "
	                                                  "or none on this server)");
	fflush(stdout);
	while (!stop_signal && !cx_osc_quit_requested(osc) && !cx_jack_dead(jack)) {
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	if (cx_jack_dead(jack))
		fprintf(stderr, "chronusd: the JACK server went away; stopping\n");
	status = cx_jack_dead(jack) ? 1 : 0;
out:
	if (osc) {
		char path[4096];
		port_file_path(path, sizeof path, cfg.name);
		unlink(path);
	}
	cx_osc_stop(osc);
	cx_jack_close(jack);
	cx_engine_close(e);
	return status;
}
