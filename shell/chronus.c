/*
 * chronus.c — the chronus shell: command lines to a running engine over OSC, with readline.
 *
 *   chronus                       interactive (stdin a terminal): prompt, history, completion,
 *                                 the engine's notices printed above the line being typed
 *   chronus -c LINE [-c LINE...]  each LINE in turn
 *   chronus FILE... | chronus -   scripts: one line each, '#' comments, `wait S`, `@S LINE`
 *   ... | chronus                 standard input that is not a terminal, read as a script
 *
 * Lines go to /cmd (text replies) or, with --json, to /json (the engine's JSON object printed
 * on one line; an engine without /json gets one made from its text reply). Exit status: 0, 1
 * when a command failed, 2 on a usage error, 3 when no engine answered (interactive: 0 after
 * quit, exit or Ctrl-D, 3 when no engine answered at the start). [shell]
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <readline/history.h>
#include <readline/readline.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "complete.h"
#include "jsonr.h"
#include "model.h"

#ifndef CHRONUS_VERSION
#define CHRONUS_VERSION "unknown"
#endif

#define DEFAULT_PORT   "57130"
#define PROMPT         "chronus> "
#define HISTORY_LINES  1000
#define LINE_MAX_BYTES 2048

static sh_client_t *cl;
static int json_out;     /* --json */
static int engine_json;  /* the engine answers /json */
static int no_json;      /* --no-json: only /cmd */
static int interactive;  /* a person at a terminal */
static int color;        /* red errors */
static int quitting;     /* quit, exit, Ctrl-D */
static int worst;        /* exit status so far */
static double script_t0; /* when the script began (for @S) */
static char history_path[4096];
static volatile sig_atomic_t got_winch;
static int subscribed;  /* to the engine's notices (interactive) */
static int engine_lost; /* a request went unanswered: subscribe again when it answers */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
	fprintf(
	    f, "usage: chronus [OPTIONS] [-c LINE]... [SCRIPT...]\n"
	       "\n"
	       "The chronus shell: sends command lines to a running chronusd over OSC and prints\n"
	       "its replies. With no -c and no SCRIPT it reads standard input: a prompt with\n"
	       "history and TAB completion on a terminal, one line after another otherwise.\n"
	       "\n"
	       "  -c, --command LINE   run LINE (repeatable; in order), then exit\n"
	       "  SCRIPT               run the lines of a file ('-': standard input); '#' starts\n"
	       "                       a comment, 'wait S' sleeps S seconds, '@S LINE' runs LINE\n"
	       "                       S seconds after the script began\n"
	       "  -j, --json           print one JSON object per command (the engine's /json\n"
	       "                       reply) on one line: "
	       "{\"ok\",\"command\",\"text\",\"error\",...}\n"
	       "  -e, --engine WHAT    the engine: NAME (chronusd --name NAME; its port is read\n"
	       "                       from ${XDG_RUNTIME_DIR:-/tmp}/chronus-UID/NAME.port),\n"
	       "                       HOST:PORT, or PORT\n"
	       "  -p, --port N         the engine's UDP port on 127.0.0.1 (default $CHRONUS_PORT,\n"
	       "                       else " DEFAULT_PORT ")\n"
	       "  -t, --timeout MS     how long to wait for each reply (default 2000)\n"
	       "      --complete LINE  print the completions of LINE's last word, one a line\n"
	       "  -h, --help           this text\n"
	       "  -V, --version        the version\n"
	       "\n"
	       "In the shell: 'help' lists the engine's commands, 'help CMD' one of them;\n"
	       "'quit', 'exit' or Ctrl-D leave. History is kept in\n"
	       "${XDG_STATE_HOME:-~/.local/state}/chronus/history.\n"
	       "\n"
	       "Exit status: 0 all commands done, 1 a command failed, 2 bad usage, 3 no engine\n"
	       "answered.\n");
}

/* --- output --------------------------------------------------------------------------------- */

/* The first word of LINE, for JSON "command". */
static void first_word(const char *line, char *out, size_t len)
{
	line += strspn(line, " \t");
	snprintf(out, len, "%.*s", (int)strcspn(line, " \t"), line);
}

static void json_line(int ok, const char *line, const char *text, const char *error)
{
	char cmd[64];
	first_word(line, cmd, sizeof cmd);
	fputs("{\"ok\":", stdout);
	fputs(ok ? "true" : "false", stdout);
	fputs(",\"command\":", stdout);
	jv_write_str(stdout, cmd);
	/* As the engine answers: "text" when done, "error" when failed. */
	fputs(ok ? ",\"text\":" : ",\"error\":", stdout);
	jv_write_str(stdout, ok ? text : error);
	fputs("}\n", stdout);
	fflush(stdout);
}

static void print_error(const char *msg)
{
	fflush(stdout);
	if (color)
		fprintf(stderr, "\033[31merror: %s\033[0m\n", msg);
	else
		fprintf(stderr, "error: %s\n", msg);
	fflush(stderr);
}

static void no_engine(const char *line)
{
	char msg[512];
	snprintf(msg, sizeof msg,
	         "no chronus engine answers on %s:%s; start one with tools/run (or: "
	         "build/control/chronusd --port %s)",
	         sh_client_host(cl), sh_client_port(cl), sh_client_port(cl));
	if (json_out)
		json_line(0, line, "", msg);
	print_error(msg);
}

/* Prints the engine's notices that have arrived; above the prompt while one is shown. */
static void print_notices(int above_prompt)
{
	char *n = sh_client_notice(cl);
	if (!n)
		return;
	if (above_prompt)
		rl_clear_visible_line();
	for (; n; n = sh_client_notice(cl)) {
		if (color)
			printf("\033[33mnotice: %s\033[0m\n", n);
		else
			printf("notice: %s\n", n);
		free(n);
	}
	fflush(stdout);
	if (above_prompt) {
		rl_on_new_line();
		rl_redisplay();
	}
}

/* --- running lines -------------------------------------------------------------------------- */

/* Sleeps S seconds; the socket is drained meanwhile. Status 0, or 1 when interrupted. */
static int sleep_s(double s)
{
	double end = now_s() + s;
	for (;;) {
		double left = end - now_s();
		if (left <= 0)
			return 0;
		if (sh_interrupted)
			return 1;
		sh_client_pump(cl, left > 0.05 ? 50 : (int)(left * 1e3) + 1);
		if (interactive)
			print_notices(0);
	}
}

static int parse_seconds(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno || !isfinite(v) || v < 0)
		return -1;
	end += strspn(end, " \t");
	if (*end)
		return -1;
	*out = v;
	return 0;
}

static int local_result(const char *line, int ok, const char *text)
{
	if (json_out)
		json_line(ok, line, ok ? text : "", ok ? "" : text);
	else if (!ok)
		print_error(text);
	else if (text[0])
		printf("%s\n", text);
	fflush(stdout);
	return ok ? 0 : 1;
}

static const char *const local_help[] = {
    "quit | exit | Ctrl-D                     leave the shell",
    "wait SECONDS                             pause (in scripts: between lines)",
    "@SECONDS LINE                            (scripts) run LINE at that time from the start",
    NULL,
};

/* Runs one command line; returns 0, 1 (failed) or 3 (no engine). */
static int run_line(const char *raw)
{
	char line[LINE_MAX_BYTES];
	snprintf(line, sizeof line, "%s", raw + strspn(raw, " \t"));
	line[strcspn(line, "\r\n")] = 0;
	for (size_t n = strlen(line); n && (line[n - 1] == ' ' || line[n - 1] == '\t'); n--)
		line[n - 1] = 0;
	if (!line[0] || line[0] == '#')
		return 0;
	char *cmd = line;
	if (line[0] == '@') { /* @S LINE: at S seconds from the start */
		char *sp = line + 1 + strcspn(line + 1, " \t");
		double at;
		char saved = *sp;
		*sp = 0;
		int bad = parse_seconds(line + 1, &at);
		*sp = saved;
		if (bad)
			return local_result(line, 0,
			                    "expected @SECONDS LINE, e.g. @1.5 gate env 1");
		double left = script_t0 + at - now_s();
		if (left > 0 && sleep_s(left))
			return local_result(line, 0, "interrupted");
		cmd = sp + strspn(sp, " \t");
		if (!*cmd)
			return 0;
	}
	char word[64];
	first_word(cmd, word, sizeof word);
	const char *rest = cmd + strlen(word);
	rest += strspn(rest, " \t");
	if (strcmp(word, "quit") == 0 || strcmp(word, "exit") == 0) {
		quitting = 1;
		return 0;
	}
	if (strcmp(word, "wait") == 0) {
		double s;
		if (parse_seconds(rest, &s))
			return local_result(cmd, 0, "usage: wait SECONDS (a number, 0 or more)");
		if (sleep_s(s))
			return local_result(cmd, 0, "interrupted");
		char text[64];
		snprintf(text, sizeof text, "waited %g s", s);
		return local_result(cmd, 1, json_out ? text : "");
	}
	if (strcmp(word, "help") == 0) {
		for (int k = 0; local_help[k]; k++)
			if (rest[0] && strncmp(local_help[k], rest, strlen(rest)) == 0 &&
			    strchr(" |", local_help[k][strlen(rest)]))
				return local_result(cmd, 1, local_help[k]);
	}

	char *text = NULL;
	int st = sh_request(cl, json_out && engine_json ? "/json" : "/cmd", cmd, &text);
	if (st == SH_NOREPLY) {
		free(text);
		if (sh_interrupted)
			return local_result(cmd, 0,
			                    "interrupted (the engine may still carry it out)");
		no_engine(cmd);
		engine_lost = 1;
		return 3;
	}
	if (engine_lost && subscribed) { /* a restarted engine has forgotten us */
		char *ignored = NULL;
		sh_notify(cl, 1, &ignored);
		free(ignored);
	}
	engine_lost = 0;
	const char *t = text ? text : "";
	if (json_out && engine_json) {
		/* One object a line: the engine's, with any raw line break flattened. */
		for (char *p = text; p && *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
		printf("%s\n", t);
	} else if (json_out) {
		json_line(st == SH_DONE, cmd, st == SH_DONE ? t : "", st == SH_DONE ? "" : t);
	} else if (st == SH_FAIL) {
		print_error(t);
	} else {
		if (t[0])
			printf("%s\n", t);
		if (strcmp(word, "help") == 0 && !rest[0])
			for (int k = 0; local_help[k]; k++)
				printf("%s\n", local_help[k]);
	}
	fflush(stdout);
	free(text);
	sh_model_forget(); /* instances and cables may have changed */
	return st == SH_DONE ? 0 : 1;
}

static void account(int rc)
{
	if (rc > worst)
		worst = rc;
}

/* Runs the lines of F; stops at quit or when the engine is gone. */
static void run_stream(FILE *f)
{
	char line[LINE_MAX_BYTES];
	script_t0 = now_s();
	while (!quitting && fgets(line, sizeof line, f)) {
		size_t n = strlen(line);
		if (n == sizeof line - 1 && line[n - 1] != '\n') {
			int c;
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			account(local_result(line, 0, "line too long (at most 2046 characters)"));
			continue;
		}
		int rc = run_line(line);
		account(rc);
		if (rc == 3 || sh_interrupted)
			break;
	}
}

/* --- interactive ---------------------------------------------------------------------------- */

static void history_open(void)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char dir[4096];
	if (state && state[0] == '/')
		snprintf(dir, sizeof dir, "%s/chronus", state);
	else if (home && home[0])
		snprintf(dir, sizeof dir, "%s/.local/state/chronus", home);
	else
		return;
	/* mkdir -p */
	for (char *p = dir + 1;; p++) {
		if (*p == '/' || *p == 0) {
			char c = *p;
			*p = 0;
			if (mkdir(dir, 0700) && errno != EEXIST) {
				fprintf(stderr, "chronus: cannot create %s: %s (no history kept)\n",
				        dir, strerror(errno));
				return;
			}
			*p = c;
			if (!c)
				break;
		}
	}
	int n = snprintf(history_path, sizeof history_path, "%s/history", dir);
	if (n < 0 || (size_t)n >= sizeof history_path) {
		history_path[0] = 0;
		return;
	}
	using_history();
	if (read_history(history_path) != 0 && write_history(history_path) != 0)
		history_path[0] = 0; /* neither readable nor writable: keep none */
}

static void history_keep(const char *line)
{
	if (!line[strspn(line, " \t")])
		return;
	HIST_ENTRY *last = history_length ? history_get(history_base + history_length - 1) : NULL;
	if (last && strcmp(last->line, line) == 0)
		return;
	add_history(line);
	if (history_path[0])
		append_history(1, history_path);
}

static void on_line(char *line)
{
	if (!line) { /* Ctrl-D */
		printf("\n");
		quitting = 1;
		rl_callback_handler_remove();
		return;
	}
	history_keep(line);
	sh_interrupted = 0;
	run_line(line); /* a failure is shown; the session goes on (the engine may come back) */
	free(line);
	print_notices(0);
	if (quitting)
		rl_callback_handler_remove();
}

static void on_sigint(int sig)
{
	(void)sig;
	sh_interrupted = 1;
}

static void on_sigwinch(int sig)
{
	(void)sig;
	got_winch = 1;
}

static void run_interactive(void)
{
	struct sigaction sa = {0};
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_sigint; /* no SA_RESTART: poll returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_sigwinch;
	sigaction(SIGWINCH, &sa, NULL);
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;

	history_open();
	sh_complete_install();
	char *text = NULL;
	subscribed = sh_notify(cl, 1, &text) == SH_DONE;
	free(text);
	printf("chronus %s on %s:%s; 'help' lists commands, TAB completes, Ctrl-D leaves%s\n",
	       CHRONUS_VERSION, sh_client_host(cl), sh_client_port(cl),
	       subscribed ? "" : " (this engine sends no notices)");
	fflush(stdout);
	rl_callback_handler_install(PROMPT, on_line);
	while (!quitting) {
		struct pollfd pf[2] = {{STDIN_FILENO, POLLIN, 0}, {sh_client_fd(cl), POLLIN, 0}};
		int n = poll(pf, 2, -1);
		if (got_winch) {
			got_winch = 0;
			rl_resize_terminal();
		}
		if (sh_interrupted) { /* Ctrl-C: drop the line being typed */
			sh_interrupted = 0;
			rl_free_line_state();
			rl_callback_sigcleanup();
			rl_replace_line("", 0);
			rl_crlf();
			rl_on_new_line();
			rl_redisplay();
		}
		if (n <= 0)
			continue;
		if (pf[1].revents & POLLIN) {
			sh_client_pump(cl, 0);
			print_notices(1);
		}
		if (pf[0].revents & (POLLIN | POLLHUP | POLLERR))
			rl_callback_read_char();
		print_notices(!quitting);
	}
	rl_callback_handler_remove();
	if (subscribed)
		sh_notify(cl, 0, NULL);
	if (history_path[0])
		history_truncate_file(history_path, HISTORY_LINES);
	clear_history();
}

/* --- finding the engine --------------------------------------------------------------------- */

static int all_digits(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

/* Resolves --engine/--port into host and port; returns 0, or 3 with a message printed. */
static int find_engine(const char *engine, const char *port_opt, char *host, size_t hl, char *port,
                       size_t pl)
{
	const char *env_port = getenv("CHRONUS_PORT");
	snprintf(host, hl, "127.0.0.1");
	snprintf(port, pl, "%s",
	         port_opt                           ? port_opt
	         : env_port && all_digits(env_port) ? env_port
	                                            : DEFAULT_PORT);
	if (!engine)
		return 0;
	const char *colon = strrchr(engine, ':');
	if (colon) {
		snprintf(host, hl, "%.*s", (int)(colon - engine), engine);
		snprintf(port, pl, "%s", colon + 1);
		if (!host[0])
			snprintf(host, hl, "127.0.0.1");
		return 0;
	}
	if (all_digits(engine)) {
		snprintf(port, pl, "%s", engine);
		return 0;
	}
	const char *run = getenv("XDG_RUNTIME_DIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/chronus-%u/%s.port", run && run[0] ? run : "/tmp",
	         (unsigned)getuid(), engine);
	FILE *f = fopen(path, "r");
	char buf[300] = "";
	if (f) {
		if (!fgets(buf, sizeof buf, f))
			buf[0] = 0;
		fclose(f);
	}
	buf[strcspn(buf, " \t\r\n")] = 0;
	if (!buf[0]) {
		fprintf(stderr,
		        "chronus: no engine named '%s' is running (no port file %s); start one "
		        "with tools/run (or: chronusd --name NAME), or pass a port: chronus --port "
		        "N, --engine HOST:PORT\n",
		        engine, path);
		return 3;
	}
	colon = strrchr(buf, ':');
	if (colon) {
		snprintf(host, hl, "%.*s", (int)(colon - buf), buf);
		snprintf(port, pl, "%s", colon + 1);
	} else {
		snprintf(port, pl, "%s", buf);
	}
	if (!all_digits(port)) {
		fprintf(stderr, "chronus: %s holds no port number ('%s')\n", path, buf);
		return 3;
	}
	return 0;
}

/* --- main ----------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"command", required_argument, NULL, 'c'}, {"json", no_argument, NULL, 'j'},
	    {"engine", required_argument, NULL, 'e'},  {"port", required_argument, NULL, 'p'},
	    {"timeout", required_argument, NULL, 't'}, {"complete", required_argument, NULL, 'C'},
	    {"no-json", no_argument, NULL, 'N'},       {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},       {NULL, 0, NULL, 0},
	};
	const char **lines = calloc((size_t)argc + 1, sizeof *lines);
	int nlines = 0, timeout_ms = 2000, o;
	const char *engine = NULL, *port_opt = NULL, *complete = NULL;
	if (!lines)
		return 2;
	while ((o = getopt_long(argc, argv, "c:je:p:t:hV", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			lines[nlines++] = optarg;
			break;
		case 'j':
			json_out = 1;
			break;
		case 'e':
			engine = optarg;
			break;
		case 'p':
			if (!all_digits(optarg)) {
				fprintf(stderr, "chronus: --port takes a number, not '%s'\n",
				        optarg);
				return 2;
			}
			port_opt = optarg;
			break;
		case 't':
			timeout_ms = atoi(optarg);
			if (timeout_ms <= 0) {
				fprintf(stderr, "chronus: --timeout takes milliseconds (> 0)\n");
				return 2;
			}
			break;
		case 'C':
			complete = optarg;
			break;
		case 'N':
			no_json = 1;
			break;
		case 'h':
			usage(stdout);
			free(lines);
			return 0;
		case 'V':
			printf("chronus %s\n", CHRONUS_VERSION);
			free(lines);
			return 0;
		default:
			usage(stderr);
			free(lines);
			return 2;
		}
	}
	char host[256], port[32];
	int rc = find_engine(engine, port_opt, host, sizeof host, port, sizeof port);
	if (rc) {
		free(lines);
		return rc;
	}
	char err[512] = "";
	cl = sh_client_open(host, port, err, sizeof err, timeout_ms);
	if (!cl) {
		fprintf(stderr, "chronus: %s\n", err);
		free(lines);
		return 3;
	}
	int scripts = optind < argc;
	interactive = !nlines && !scripts && !complete && isatty(STDIN_FILENO);
	color =
	    interactive && isatty(STDOUT_FILENO) && isatty(STDERR_FILENO) && !getenv("NO_COLOR");

	/* Is an engine there, and does it speak /json? (One request answers both.) */
	char *text = NULL;
	int st = sh_request(cl, "/json", "help", &text);
	if (st == SH_NOREPLY) {
		no_engine(nlines ? lines[0] : "");
		free(text);
		sh_client_close(cl);
		free(lines);
		return 3;
	}
	engine_json = !no_json && text && text[0] == '{';
	sh_model_init(cl, engine_json);
	if (engine_json)
		sh_model_remember("/json", "help", st, text); /* the commands, for completion */
	else
		free(text);

	if (complete) {
		sh_complete_print(complete);
	} else if (nlines) {
		script_t0 = now_s();
		for (int k = 0; k < nlines && !quitting; k++) {
			rc = run_line(lines[k]);
			account(rc);
			if (rc == 3)
				break;
		}
	} else if (scripts) {
		for (int k = optind; k < argc && !quitting && worst != 3; k++) {
			FILE *f = strcmp(argv[k], "-") == 0 ? stdin : fopen(argv[k], "r");
			if (!f) {
				fprintf(stderr, "chronus: cannot read %s: %s\n", argv[k],
				        strerror(errno));
				account(1);
				continue;
			}
			run_stream(f);
			if (f != stdin)
				fclose(f);
		}
	} else if (interactive) {
		run_interactive();
	} else {
		run_stream(stdin);
	}
	sh_model_free();
	sh_client_close(cl);
	free(lines);
	return worst;
}
