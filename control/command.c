/* command.c — see command.h. */
#include "command.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"

#define ARGS_MAX 64

static const cx_type_t *type_named(const cx_engine_t *e, const char *type)
{
	const cx_shm_t *s = cx_engine_shm(e);
	int t = cx_type_find(cx_shm_type(s, 0), s->type_count, type);
	return t < 0 ? NULL : cx_shm_type(s, (uint32_t)t);
}

int cx_command_value(const cx_engine_t *e, const char *type, const char *param, const char *text,
                     float *value, char *err, size_t errlen)
{
	char *end;
	errno = 0;
	double v = strtod(text, &end);
	if (end != text && *end == 0 && errno == 0) {
		*value = (float)v;
		return 0;
	}
	const cx_type_t *ty = type ? type_named(e, type) : NULL;
	for (uint32_t p = 0; ty && p < ty->param_count; p++) {
		const cx_type_param_t *pp = &ty->params[p];
		if (strcmp(pp->name, param) != 0)
			continue;
		for (uint32_t k = 0; k < pp->enum_count; k++)
			if (strcmp(pp->enum_names[k], text) == 0) {
				*value = (float)k;
				return 0;
			}
		if (pp->enum_count) {
			size_t n =
			    (size_t)snprintf(err, errlen, "%s.%s takes one of:", type, param);
			for (uint32_t k = 0; k < pp->enum_count && n < errlen; k++)
				n +=
				    (size_t)snprintf(err + n, errlen - n, " %s", pp->enum_names[k]);
			return -1;
		}
	}
	snprintf(err, errlen, "'%s' is not a number", text);
	return -1;
}

/* The type of the instance named inst, as shown by `list` ("name type ..."). */
static int instance_type(cx_engine_t *e, const char *inst, char *type, size_t len)
{
	const cx_shm_t *s = cx_engine_shm(e);
	for (uint32_t i = 0; i < CX_INSTANCES_MAX; i++) {
		const cx_instance_t *in = cx_shm_instance(s, i);
		if (in->name[0] && strcmp(in->name, inst) == 0 && in->state_off) {
			snprintf(type, len, "%s", cx_shm_type(s, in->type)->name);
			return 0;
		}
	}
	return -1;
}

static int cmd_create(cx_engine_t *e, int argc, char **argv, uint64_t frame, char *reply,
                      size_t len)
{
	(void)frame;
	if (argc < 2) {
		snprintf(reply, len, "usage: create TYPE [NAME] [param=value ...]");
		return -1;
	}
	const char *name = NULL;
	int first = 2;
	if (argc > 2 && !strchr(argv[2], '=')) {
		name = argv[2];
		first = 3;
	}
	const char *names[ARGS_MAX];
	float values[ARGS_MAX];
	uint32_t n = 0;
	for (int a = first; a < argc; a++) {
		char *eq = strchr(argv[a], '=');
		if (!eq || eq == argv[a] || !eq[1]) {
			snprintf(reply, len, "expected param=value, got '%s'", argv[a]);
			return -1;
		}
		*eq = 0;
		names[n] = argv[a];
		if (cx_command_value(e, argv[1], argv[a], eq + 1, &values[n], reply, len))
			return -1;
		n++;
	}
	char made[CX_INSTANCE_NAME_MAX];
	if (cx_engine_create(e, argv[1], name, names, values, n, made, sizeof made, reply, len))
		return -1;
	snprintf(reply, len, "created %s %s", argv[1], made);
	return 0;
}

static int cmd_free(cx_engine_t *e, int argc, char **argv, uint64_t frame, char *reply, size_t len)
{
	(void)frame;
	if (argc != 2) {
		snprintf(reply, len, "usage: free NAME");
		return -1;
	}
	if (cx_engine_free(e, argv[1], reply, len))
		return -1;
	snprintf(reply, len, "freed %s", argv[1]);
	return 0;
}

/* patch A > B > C (or patch A B): every link, or none when one fails. */
static int cmd_patch_or_unpatch(cx_engine_t *e, int argc, char **argv, char *reply, size_t len,
                                int patch)
{
	const char *chain[ARGS_MAX];
	int n = 0;
	for (int a = 1; a < argc; a++)
		if (strcmp(argv[a], ">") != 0)
			chain[n++] = argv[a];
	if (n < 2) {
		snprintf(reply, len, "usage: %s SRC[.port] > DST[.port] [> ...]",
		         patch ? "patch" : "unpatch");
		return -1;
	}
	for (int k = 0; k + 1 < n; k++) {
		int rc = patch ? cx_engine_patch(e, chain[k], chain[k + 1], reply, len)
		               : cx_engine_unpatch(e, chain[k], chain[k + 1], reply, len);
		if (rc) {
			char ignore[256];
			for (int u = k - 1; u >= 0; u--) /* undo the links already made */
				patch ? cx_engine_unpatch(e, chain[u], chain[u + 1], ignore,
				                          sizeof ignore)
				      : cx_engine_patch(e, chain[u], chain[u + 1], ignore,
				                        sizeof ignore);
			return -1;
		}
	}
	size_t o = (size_t)snprintf(reply, len, "%s", patch ? "patched" : "unpatched");
	for (int k = 0; k < n && o < len; k++)
		o += (size_t)snprintf(reply + o, len - o, "%s%s", k ? " > " : " ", chain[k]);
	return 0;
}

static int cmd_patch(cx_engine_t *e, int argc, char **argv, uint64_t frame, char *reply, size_t len)
{
	(void)frame;
	return cmd_patch_or_unpatch(e, argc, argv, reply, len, 1);
}

static int cmd_unpatch(cx_engine_t *e, int argc, char **argv, uint64_t frame, char *reply,
                       size_t len)
{
	(void)frame;
	return cmd_patch_or_unpatch(e, argc, argv, reply, len, 0);
}

/* One assignment inst.param value. */
static int set_one(cx_engine_t *e, char *target, const char *text, uint64_t frame, char *reply,
                   size_t len)
{
	char *dot = strchr(target, '.');
	if (!dot || dot == target || !dot[1]) {
		snprintf(reply, len, "expected INSTANCE.PARAM, got '%s'", target);
		return -1;
	}
	*dot = 0;
	char type[CX_NAME_MAX] = "";
	instance_type(e, target, type, sizeof type);
	float v;
	if (cx_command_value(e, type[0] ? type : NULL, dot + 1, text, &v, reply, len))
		return -1;
	return cx_engine_set(e, target, dot + 1, v, frame, reply, len);
}

static int cmd_set(cx_engine_t *e, int argc, char **argv, uint64_t frame, char *reply, size_t len)
{
	if (argc == 3 && !strchr(argv[1], '=')) {
		if (set_one(e, argv[1], argv[2], frame, reply, len))
			return -1;
	} else if (argc >= 2) {
		/* Check every assignment's shape first so a bad one changes nothing. */
		for (int a = 1; a < argc; a++)
			if (!strchr(argv[a], '=') || !strchr(argv[a], '.')) {
				snprintf(reply, len, "expected INSTANCE.PARAM=VALUE, got '%s'",
				         argv[a]);
				return -1;
			}
		for (int a = 1; a < argc; a++) {
			char *eq = strchr(argv[a], '=');
			*eq = 0;
			if (set_one(e, argv[a], eq + 1, frame, reply, len))
				return -1;
		}
	} else {
		snprintf(reply, len, "usage: set INSTANCE.PARAM VALUE | set I.P=V ...");
		return -1;
	}
	snprintf(reply, len, "set");
	return 0;
}

static int cmd_gate(cx_engine_t *e, int argc, char **argv, uint64_t frame, char *reply, size_t len)
{
	if (argc != 3) {
		snprintf(reply, len, "usage: gate INSTANCE[.port] 1|0");
		return -1;
	}
	char *dot = strchr(argv[1], '.');
	if (dot)
		*dot++ = 0;
	float v;
	if (cx_command_value(e, NULL, "", argv[2], &v, reply, len))
		return -1;
	if (cx_engine_gate(e, argv[1], dot, v, frame, reply, len))
		return -1;
	snprintf(reply, len, "gate %s %g", argv[1], (double)v);
	return 0;
}

static int cmd_trig(cx_engine_t *e, int argc, char **argv, uint64_t frame, char *reply, size_t len)
{
	if (argc != 2) {
		snprintf(reply, len, "usage: trig INSTANCE[.port]");
		return -1;
	}
	char *dot = strchr(argv[1], '.');
	if (dot)
		*dot++ = 0;
	if (cx_engine_trig(e, argv[1], dot, frame, reply, len))
		return -1;
	snprintf(reply, len, "trig %s", argv[1]);
	return 0;
}

static int cmd_tempo(cx_engine_t *e, int argc, char **argv, uint64_t frame, char *reply, size_t len)
{
	char *end = NULL;
	double bpm = argc == 2 ? strtod(argv[1], &end) : 0.0;
	if (argc != 2 || end == argv[1] || *end) {
		snprintf(reply, len, "usage: tempo BPM (20 to 999)");
		return -1;
	}
	if (cx_engine_transport(e, CX_TRANSPORT_TEMPO, bpm, frame, reply, len))
		return -1;
	snprintf(reply, len, "tempo %g", bpm);
	return 0;
}

static int cmd_play(cx_engine_t *e, int argc, char **argv, uint64_t frame, char *reply, size_t len)
{
	(void)argv;
	if (argc != 1) {
		snprintf(reply, len, "usage: play");
		return -1;
	}
	if (cx_engine_transport(e, CX_TRANSPORT_PLAY, 0.0, frame, reply, len))
		return -1;
	snprintf(reply, len, "playing");
	return 0;
}

static int cmd_stop(cx_engine_t *e, int argc, char **argv, uint64_t frame, char *reply, size_t len)
{
	(void)argv;
	if (argc != 1) {
		snprintf(reply, len, "usage: stop");
		return -1;
	}
	if (cx_engine_transport(e, CX_TRANSPORT_STOP, 0.0, frame, reply, len))
		return -1;
	snprintf(reply, len, "stopped");
	return 0;
}

static int cmd_list(cx_engine_t *e, int argc, char **argv, uint64_t frame, char *reply, size_t len)
{
	(void)argc, (void)argv, (void)frame;
	cx_engine_list(e, reply, len);
	return 0;
}

static int cmd_types(cx_engine_t *e, int argc, char **argv, uint64_t frame, char *reply, size_t len)
{
	(void)argc, (void)argv, (void)frame;
	cx_engine_types(e, reply, len);
	return 0;
}

static int cmd_status(cx_engine_t *e, int argc, char **argv, uint64_t frame, char *reply,
                      size_t len)
{
	(void)argc, (void)argv, (void)frame;
	cx_status_t st;
	cx_engine_status(e, &st);
	snprintf(reply, len,
	         "rate=%u frames=%u workers=%u ready=%u instances=%u cables=%u periods=%llu "
	         "misses=%llu xruns=%llu late=%llu dropped=%llu deaths=%llu respawns=%llu "
	         "callback_p50_us=%.1f callback_p99_us=%.1f tempo=%g playing=%d beat=%.3f%s%s",
	         st.sample_rate, st.frames, st.workers, st.workers_ready, st.instances, st.cables,
	         (unsigned long long)st.periods, (unsigned long long)st.misses,
	         (unsigned long long)st.xruns, (unsigned long long)st.events_late,
	         (unsigned long long)st.events_dropped, (unsigned long long)st.deaths,
	         (unsigned long long)st.respawns, (double)st.callback_p50_ns / 1e3,
	         (double)st.callback_p99_ns / 1e3, st.tempo_bpm, st.playing, st.beat,
	         st.last_death[0] ? " last_death=" : "", st.last_death);
	return 0;
}

static int cmd_help(cx_engine_t *e, int argc, char **argv, uint64_t frame, char *reply, size_t len)
{
	(void)e, (void)frame;
	size_t n = 0;
	reply[0] = 0;
	for (const cx_command_t *c = cx_commands; c->name && n < len; c++)
		if (argc < 2 || strcmp(argv[1], c->name) == 0)
			n += (size_t)snprintf(reply + n, len - n, "%s%-40s %s", n ? "\n" : "",
			                      c->usage, c->help);
	if (!n) {
		snprintf(reply, len, "no command '%s'; try help", argv[1]);
		return -1;
	}
	return 0;
}

const cx_command_t cx_commands[] = {
    {"create", "create TYPE [NAME] [param=value ...]", "make an instance of a module type",
     cmd_create},
    {"free", "free NAME", "remove an instance and its cables", cmd_free},
    {"patch", "patch SRC[.port] > DST[.port] [> ...]", "connect outputs to inputs", cmd_patch},
    {"unpatch", "unpatch SRC[.port] > DST[.port]", "remove a connection", cmd_unpatch},
    {"set", "set INSTANCE.PARAM VALUE", "change a parameter (ramped)", cmd_set},
    {"gate", "gate INSTANCE[.port] 1|0", "hold a gate input high or low", cmd_gate},
    {"trig", "trig INSTANCE[.port]", "pulse a gate input for 1 ms", cmd_trig},
    {"tempo", "tempo BPM", "set the transport's tempo (20 to 999)", cmd_tempo},
    {"play", "play", "start the transport from beat 0", cmd_play},
    {"stop", "stop", "stop the transport", cmd_stop},
    {"list", "list", "instances and cables", cmd_list},
    {"types", "types", "module types the engine found", cmd_types},
    {"status", "status", "engine figures: periods, misses, workers", cmd_status},
    {"help", "help [COMMAND]", "this list", cmd_help},
    {NULL, NULL, NULL, NULL},
};

static int tokenize(char *s, char **argv)
{
	int argc = 0;
	while (*s && argc < ARGS_MAX) {
		while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			s++;
		if (!*s || *s == '#')
			break;
		if (*s == '"') {
			argv[argc++] = ++s;
			while (*s && *s != '"')
				s++;
		} else {
			argv[argc++] = s;
			while (*s && *s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
				s++;
		}
		if (*s)
			*s++ = 0;
	}
	return argc;
}

int cx_command_line(cx_engine_t *e, const char *line, uint64_t frame, char *reply, size_t len)
{
	char buf[2048];
	char *argv[ARGS_MAX];
	if (strlen(line) >= sizeof buf) {
		snprintf(reply, len, "line too long (at most %zu characters)", sizeof buf - 1);
		return -1;
	}
	snprintf(buf, sizeof buf, "%s", line);
	int argc = tokenize(buf, argv);
	if (argc == 0) {
		reply[0] = 0;
		return 1;
	}
	for (const cx_command_t *c = cx_commands; c->name; c++)
		if (strcmp(c->name, argv[0]) == 0)
			return c->run(e, argc, argv, frame, reply, len);
	size_t n = (size_t)snprintf(reply, len, "unknown command '%s'; commands:", argv[0]);
	for (const cx_command_t *c = cx_commands; c->name && n < len; c++)
		n += (size_t)snprintf(reply + n, len - n, " %s", c->name);
	return -1;
}
