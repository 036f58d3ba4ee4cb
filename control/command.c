/* command.c — see command.h. */
#include "command.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sndfile.h>

#include "loader.h"
#include "record.h"
#include "suggest.h"
#include "template.h"

#define ARGS_MAX      64
#define LINE_MAX_     2048
#define SEQ_STEPS_MAX 16
#define C4_HZ         261.6256f

static char patch_dir[1024] = "patches";
static char work_dir[1024] = ".";
static char sample_dir[1024] = "samples";

void cx_command_templates(const char *user_dir, const char *src_dir, const char *install_dir)
{
	struct stat st;
	const char *shipped = src_dir && stat(src_dir, &st) == 0 ? src_dir : install_dir;
	const char *dirs[2] = {user_dir && user_dir[0] ? user_dir : "templates", shipped};
	cx_template_dirs(dirs, shipped ? 2 : 1);
}

void cx_command_configure(const char *pdir, const char *wdir, const char *sdir)
{
	if (pdir && pdir[0])
		snprintf(patch_dir, sizeof patch_dir, "%s", pdir);
	if (wdir && wdir[0])
		snprintf(work_dir, sizeof work_dir, "%s", wdir);
	if (sdir && sdir[0])
		snprintf(sample_dir, sizeof sample_dir, "%s", sdir);
}

/* ---- small helpers ---------------------------------------------------------------------- */

static int fail(cx_cmd_t *c, const char *fmt, const char *a, const char *b)
{
	snprintf(c->text, c->text_len, fmt, a ? a : "", b ? b : "");
	return -1;
}

static const cx_type_t *type_named(const cx_engine_t *e, const char *type)
{
	const cx_shm_t *s = cx_engine_shm(e);
	int t = cx_type_find(cx_shm_type(s, 0), s->type_count, type ? type : "");
	return t < 0 ? NULL : cx_shm_type(s, (uint32_t)t);
}

static int param_index(const cx_type_t *t, const char *name)
{
	for (uint32_t i = 0; t && i < t->param_count; i++)
		if (strcmp(t->params[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int input_index(const cx_type_t *t, const char *name)
{
	for (uint32_t i = 0; t && i < t->in_count; i++)
		if (strcmp(t->ins[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int first_gate_input(const cx_type_t *t)
{
	for (uint32_t i = 0; t && i < t->in_count; i++)
		if (t->ins[i].kind == CX_PORT_GATE)
			return (int)i;
	return -1;
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
	int p = param_index(ty, param);
	if (p >= 0 && ty->params[p].enum_count) {
		const cx_type_param_t *pp = &ty->params[p];
		const char *cands[CX_ENUM_MAX];
		for (uint32_t k = 0; k < pp->enum_count; k++) {
			if (strcmp(pp->enum_names[k], text) == 0) {
				*value = (float)k;
				return 0;
			}
			cands[k] = pp->enum_names[k];
		}
		size_t n =
		    (size_t)snprintf(err, errlen, "%s.%s has no value '%s'", type, param, text);
		const char *s = cx_suggest(text, cands, pp->enum_count);
		if (s && n < errlen)
			n += (size_t)snprintf(err + n, errlen - n, "; did you mean '%s'?", s);
		if (n < errlen)
			n += (size_t)snprintf(err + n, errlen - n,
			                      "%s it takes one of:", s ? "" : ";");
		for (uint32_t k = 0; k < pp->enum_count && n < errlen; k++)
			n += (size_t)snprintf(err + n, errlen - n, " %s", pp->enum_names[k]);
		return -1;
	}
	snprintf(err, errlen, "'%s' is not a number", text);
	return -1;
}

int cx_note_volts(const char *note, float *volts)
{
	static const int pc[7] = {9, 11, 0, 2, 4, 5, 7}; /* A B C D E F G */
	char l = (char)toupper((unsigned char)note[0]);
	if (l < 'A' || l > 'G')
		return -1;
	int semis = pc[l - 'A'];
	const char *p = note + 1;
	for (; *p == '#' || *p == 'b'; p++)
		semis += *p == '#' ? 1 : -1;
	char *end;
	long oct = strtol(p, &end, 10);
	if (end == p || *end || oct < -1 || oct > 9)
		return -1;
	int midi = (int)(oct + 1) * 12 + semis;
	*volts = (float)(midi - 60) / 12.0f;
	return 0;
}

/* ---- JSON pieces ------------------------------------------------------------------------ */

static const char *kind_name(uint32_t k)
{
	return k == CX_PORT_AUDIO ? "audio" : k == CX_PORT_CV ? "cv" : "gate";
}

/* A type as JSON; brief leaves out the help lines (`types` lists every type in one reply). */
static void json_type(cx_json_t *j, const cx_type_t *t, int brief)
{
	cx_json_obj(j);
	cx_json_kstr(j, "name", t->name);
	cx_json_kstr(j, "summary", t->summary);
	cx_json_kbool(j, "loaded", t->status == CX_TYPE_OK);
	if (t->status != CX_TYPE_OK)
		cx_json_kstr(j, "error", t->error);
	for (int side = 0; side < 2; side++) {
		cx_json_key(j, side ? "outputs" : "inputs");
		cx_json_arr(j);
		uint32_t n = side ? t->out_count : t->in_count;
		for (uint32_t i = 0; i < n; i++) {
			const cx_type_port_t *p = side ? &t->outs[i] : &t->ins[i];
			cx_json_obj(j);
			cx_json_kstr(j, "name", p->name);
			cx_json_kstr(j, "kind", kind_name(p->kind));
			if (!side)
				cx_json_knum(j, "default", p->def);
			if (!brief)
				cx_json_kstr(j, "help", p->help);
			cx_json_end(j);
		}
		cx_json_aend(j);
	}
	cx_json_key(j, "params");
	cx_json_arr(j);
	for (uint32_t i = 0; i < t->param_count; i++) {
		const cx_type_param_t *p = &t->params[i];
		cx_json_obj(j);
		cx_json_kstr(j, "name", p->name);
		cx_json_kstr(j, "unit", p->unit);
		cx_json_knum(j, "min", p->min);
		cx_json_knum(j, "max", p->max);
		cx_json_knum(j, "default", p->def);
		cx_json_kbool(j, "log", (p->flags & CX_PARAM_LOG) != 0);
		cx_json_kbool(j, "integer", (p->flags & (CX_PARAM_INTEGER | CX_PARAM_ENUM)) != 0);
		if (p->enum_count) {
			cx_json_key(j, "values");
			cx_json_arr(j);
			for (uint32_t k = 0; k < p->enum_count; k++)
				cx_json_str(j, p->enum_names[k]);
			cx_json_aend(j);
		}
		if (!brief)
			cx_json_kstr(j, "help", p->help);
		cx_json_end(j);
	}
	cx_json_aend(j);
	cx_json_end(j);
}

/* ---- commands --------------------------------------------------------------------------- */

/* create TEMPLATE [NAME] [param=value ...]: a template instance (NAME defaults like a type's). */
static int create_template(cx_cmd_t *c, const cx_template_t *t, const char *name, int argc,
                           char **argv, int first)
{
	char made[CX_INSTANCE_NAME_MAX];
	cx_instance_info_t info;
	char ignore[512];
	if (name) {
		snprintf(made, sizeof made, "%s", name);
	} else {
		snprintf(made, sizeof made, "%s", t->name);
		for (unsigned k = 2;
		     (cx_tinst_find(made, NULL) ||
		      cx_engine_instance(c->e, made, &info, ignore, sizeof ignore) == 0) &&
		     k < 10000;
		     k++)
			snprintf(made, sizeof made, "%.20s%u", t->name, k);
	}
	if (cx_template_create(c->e, t, made, argv + first, argc - first, c->text, c->text_len))
		return -1;
	snprintf(c->text, c->text_len, "created %s %s (a template: info %s shows inside)", t->name,
	         made, made);
	if (c->data) {
		cx_json_obj(c->data);
		cx_json_kstr(c->data, "name", made);
		cx_json_kstr(c->data, "template", t->name);
		cx_json_end(c->data);
	}
	return 0;
}

static int cmd_create(cx_cmd_t *c, int argc, char **argv)
{
	if (argc < 2)
		return fail(c, "usage: create TYPE|TEMPLATE [NAME] [param=value ...]", NULL, NULL);
	const char *name = NULL;
	int first = 2;
	if (argc > 2 && !strchr(argv[2], '=')) {
		name = argv[2];
		first = 3;
	}
	const cx_template_t *t = type_named(c->e, argv[1]) ? NULL : cx_template_get(argv[1]);
	if (t)
		return create_template(c, t, name, argc, argv, first);
	const char *names[ARGS_MAX];
	float values[ARGS_MAX];
	uint32_t n = 0;
	for (int a = first; a < argc; a++) {
		char *eq = strchr(argv[a], '=');
		if (!eq || eq == argv[a] || !eq[1])
			return fail(c, "expected param=value, got '%s'", argv[a], NULL);
		*eq = 0;
		names[n] = argv[a];
		if (cx_command_value(c->e, argv[1], argv[a], eq + 1, &values[n], c->text,
		                     c->text_len))
			return -1;
		n++;
	}
	if (name && cx_tinst_find(name, NULL))
		return fail(c,
		            "an instance named '%s' already exists; free it or pick another name",
		            name, NULL);
	char made[CX_INSTANCE_NAME_MAX];
	if (cx_engine_create(c->e, argv[1], name, names, values, n, made, sizeof made, c->text,
	                     c->text_len)) {
		const char *terr = cx_template_error(argv[1]);
		if (terr) /* a template that does not parse: say why */
			return fail(c, "%s", terr, NULL);
		if (strstr(c->text, "unknown module type")) { /* templates are types too */
			char list[512];
			cx_template_list(list, sizeof list);
			size_t l = strlen(c->text);
			snprintf(c->text + l, c->text_len - l, "; templates: %s", list);
		}
		return -1;
	}
	snprintf(c->text, c->text_len, "created %s %s", argv[1], made);
	if (c->data) {
		cx_json_obj(c->data);
		cx_json_kstr(c->data, "name", made);
		cx_json_kstr(c->data, "type", argv[1]);
		cx_json_end(c->data);
	}
	return 0;
}

static int cmd_free(cx_cmd_t *c, int argc, char **argv)
{
	if (argc != 2)
		return fail(c, "usage: free NAME", NULL, NULL);
	char owner[CX_INSTANCE_NAME_MAX];
	if (cx_template_owner(argv[1], owner, sizeof owner)) {
		snprintf(c->text, c->text_len,
		         "%s belongs to the template instance %s: free %s frees it with the rest",
		         argv[1], owner, owner);
		return -1;
	}
	int t = cx_template_free(c->e, argv[1], c->text, c->text_len);
	if (t == 0 && cx_engine_free(c->e, argv[1], c->text, c->text_len))
		return -1;
	snprintf(c->text, c->text_len, "freed %s", argv[1]);
	return 0;
}

/* patch A > B > C (or patch A B): every link, or none when one fails. */
/* The real port specs a chain element stands for: a template instance's port maps to its
 * inner ports (a drum kit's output to every drum's). Returns the count, or -1 with text. */
static int port_specs(cx_cmd_t *c, const char *spec, int output, char specs[][64], int max)
{
	int n = cx_template_port(spec, output, specs, max, c->text, c->text_len);
	if (n == 0) {
		snprintf(specs[0], 64, "%.63s", spec);
		n = 1;
	}
	return n;
}

static int patch_chain(cx_cmd_t *c, int argc, char **argv, int patch)
{
	const char *chain[ARGS_MAX];
	int n = 0;
	for (int a = 1; a < argc; a++)
		if (strcmp(argv[a], ">") != 0)
			chain[n++] = argv[a];
	if (n < 2)
		return fail(c, "usage: %s SRC[.port] > DST[.port] [> ...]",
		            patch ? "patch" : "unpatch", NULL);
	/* Every link made is remembered, so a failure undoes them all. */
	static char done_src[256][64], done_dst[256][64];
	int done = 0, rc = 0;
	for (int k = 0; k + 1 < n && !rc; k++) {
		char src[CX_TPL_TARGETS_MAX][64], dst[CX_TPL_TARGETS_MAX][64];
		int ns = port_specs(c, chain[k], 1, src, CX_TPL_TARGETS_MAX);
		int nd = ns < 0 ? -1 : port_specs(c, chain[k + 1], 0, dst, CX_TPL_TARGETS_MAX);
		if (ns < 0 || nd < 0) {
			rc = -1;
			break;
		}
		for (int i = 0; i < ns && !rc; i++)
			for (int j = 0; j < nd && !rc; j++) {
				rc = patch ? cx_engine_patch(c->e, src[i], dst[j], c->text,
				                             c->text_len)
				           : cx_engine_unpatch(c->e, src[i], dst[j], c->text,
				                               c->text_len);
				if (!rc && done < 256) {
					snprintf(done_src[done], 64, "%s", src[i]);
					snprintf(done_dst[done++], 64, "%s", dst[j]);
				}
			}
	}
	if (rc) {
		char ignore[256];
		for (int u = done - 1; u >= 0; u--)
			patch ? cx_engine_unpatch(c->e, done_src[u], done_dst[u], ignore,
			                          sizeof ignore)
			      : cx_engine_patch(c->e, done_src[u], done_dst[u], ignore,
			                        sizeof ignore);
		return -1;
	}
	size_t o = (size_t)snprintf(c->text, c->text_len, "%s", patch ? "patched" : "unpatched");
	for (int k = 0; k < n && o < c->text_len; k++)
		o += (size_t)snprintf(c->text + o, c->text_len - o, "%s%s", k ? " > " : " ",
		                      chain[k]);
	return 0;
}

static int cmd_patch(cx_cmd_t *c, int argc, char **argv)
{
	return patch_chain(c, argc, argv, 1);
}

static int cmd_unpatch(cx_cmd_t *c, int argc, char **argv)
{
	return patch_chain(c, argc, argv, 0);
}

/* Splits "inst.param"; returns the instance's info and the param index, or -1 with text. */
static int target(cx_cmd_t *c, char *spec, cx_instance_info_t *info, const cx_type_t **ty,
                  char **param)
{
	char *dot = strchr(spec, '.');
	if (!dot || dot == spec || !dot[1])
		return fail(c, "expected INSTANCE.PARAM, got '%s'", spec, NULL);
	*dot = 0;
	*param = dot + 1;
	if (cx_engine_instance(c->e, spec, info, c->text, c->text_len))
		return -1;
	*ty = cx_engine_type(c->e, info->type);
	return 0;
}

/* Parses "2s", "500ms", "2" (seconds) into seconds; -1 when malformed. */
static double duration_s(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || !(v >= 0.0) || !isfinite(v))
		return -1.0;
	if (strcmp(end, "ms") == 0)
		return v / 1000.0;
	if (*end == 0 || strcmp(end, "s") == 0)
		return v;
	return -1.0;
}

/* A ramp: the value glides to `to` over seconds, as events every 20 ms (the module smooths
 * between them); logarithmic parameters glide geometrically. */
static int ramp(cx_cmd_t *c, const char *inst, const cx_type_t *ty, int p, float from, float to,
                double seconds)
{
	const cx_type_param_t *pp = &ty->params[p];
	cx_status_t st;
	cx_engine_status(c->e, &st);
	uint64_t start = c->frame ? c->frame : cx_engine_now(c->e);
	uint32_t steps = (uint32_t)ceil(seconds / 0.02);
	if (steps < 1)
		steps = 1;
	if (steps > 500)
		steps = 500;
	int geometric = (pp->flags & CX_PARAM_LOG) && from > 0.0f && to > 0.0f;
	for (uint32_t k = 1; k <= steps; k++) {
		double t = (double)k / steps;
		double v = geometric ? from * pow((double)to / from, t) : from + (to - from) * t;
		uint64_t at = start + (uint64_t)llround(t * seconds * st.sample_rate);
		if (cx_engine_set(c->e, inst, pp->name, (float)v, at, c->text, c->text_len))
			return -1;
	}
	return 0;
}

static int set_one(cx_cmd_t *c, char *spec, const char *text, double over_s)
{
	cx_instance_info_t info;
	const cx_type_t *ty;
	char *param;
	if (target(c, spec, &info, &ty, &param))
		return -1;
	float v;
	if (cx_command_value(c->e, ty->name, param, text, &v, c->text, c->text_len))
		return -1;
	int p = param_index(ty, param);
	if (over_s > 0.0 && p >= 0) {
		/* Check the end value first, so a bad ramp sends nothing. */
		if (cx_engine_set(c->e, spec, param, v, CX_FRAME_CHECK, c->text, c->text_len))
			return -1;
		return ramp(c, spec, ty, p, info.params[p], v, over_s);
	}
	return cx_engine_set(c->e, spec, param, v, c->frame, c->text, c->text_len);
}

/* Rewrites a template instance's "inst.param" (and its value through the param's aliases) to
 * the inner instance's, in place in buf; 0 when not a template's (or translated), -1 error. */
static int untemplate(cx_cmd_t *c, char *spec, size_t speclen, char *value, size_t vlen)
{
	char inst[CX_INSTANCE_NAME_MAX], real[64], rparam[64], rvalue[64];
	const char *dot = strchr(spec, '.');
	if (!dot || (size_t)(dot - spec) >= sizeof inst)
		return 0;
	snprintf(inst, sizeof inst, "%.*s", (int)(dot - spec), spec);
	int r = cx_template_param(inst, dot + 1, value, real, sizeof real, rparam, sizeof rparam,
	                          rvalue, sizeof rvalue, c->text, c->text_len);
	if (r <= 0)
		return r;
	snprintf(spec, speclen, "%s.%s", real, rparam);
	if (value)
		snprintf(value, vlen, "%s", rvalue);
	return 0;
}

static int cmd_set(cx_cmd_t *c, int argc, char **argv)
{
	double over = 0.0;
	/* Template parameters first: b1.cutoff=500 becomes b1_filt.cutoff=500. */
	static char specs[ARGS_MAX][128], vals[ARGS_MAX][64];
	if ((argc == 3 || argc == 5) && !strchr(argv[1], '=')) {
		snprintf(specs[1], sizeof specs[1], "%s", argv[1]);
		snprintf(vals[1], sizeof vals[1], "%s", argv[2]);
		if (untemplate(c, specs[1], sizeof specs[1], vals[1], sizeof vals[1]))
			return -1;
		argv[1] = specs[1];
		argv[2] = vals[1];
	} else {
		for (int a = 1; a < argc && a < ARGS_MAX; a++) {
			char *eq = strchr(argv[a], '=');
			if (!eq)
				continue;
			snprintf(specs[a], sizeof specs[a], "%.*s", (int)(eq - argv[a]), argv[a]);
			snprintf(vals[a], sizeof vals[a], "%s", eq + 1);
			if (untemplate(c, specs[a], sizeof specs[a], vals[a], sizeof vals[a]))
				return -1;
			size_t l = strlen(specs[a]);
			snprintf(specs[a] + l, sizeof specs[a] - l, "=%s", vals[a]);
			argv[a] = specs[a];
		}
	}
	if (argc == 5 && strcmp(argv[3], "over") == 0) {
		over = duration_s(argv[4]);
		if (over <= 0.0 || over > 3600.0)
			return fail(
			    c, "a ramp takes a time from 1ms to 3600s, like 2s or 500ms, not '%s'",
			    argv[4], NULL);
		argc = 3;
	}
	if (argc == 3 && !strchr(argv[1], '=')) {
		if (set_one(c, argv[1], argv[2], over))
			return -1;
		snprintf(c->text, c->text_len, "set %s.%s %s%s%s", argv[1],
		         argv[1] + strlen(argv[1]) + 1, argv[2], over > 0 ? " over " : "",
		         over > 0 ? argv[4] : "");
		return 0;
	}
	if (argc < 2)
		return fail(c, "usage: set INSTANCE.PARAM VALUE [over TIME] | set I.P=V ...", NULL,
		            NULL);
	/* I.P=V ...: check every assignment before sending any, so a bad one changes nothing. */
	float values[ARGS_MAX];
	for (int a = 1; a < argc; a++) {
		char *eq = strchr(argv[a], '=');
		if (!eq || !strchr(argv[a], '.'))
			return fail(c, "expected INSTANCE.PARAM=VALUE, got '%s'", argv[a], NULL);
		*eq = 0;
		char spec[96];
		snprintf(spec, sizeof spec, "%s", argv[a]);
		cx_instance_info_t info;
		const cx_type_t *ty;
		char *param;
		if (target(c, spec, &info, &ty, &param) ||
		    cx_command_value(c->e, ty->name, param, eq + 1, &values[a], c->text,
		                     c->text_len) ||
		    cx_engine_set(c->e, spec, param, values[a], CX_FRAME_CHECK, c->text,
		                  c->text_len))
			return -1;
		*eq = '=';
	}
	for (int a = 1; a < argc; a++) {
		char *eq = strchr(argv[a], '=');
		*eq = 0;
		char *dot = strchr(argv[a], '.');
		*dot = 0;
		if (cx_engine_set(c->e, argv[a], dot + 1, values[a], c->frame, c->text,
		                  c->text_len))
			return -1;
		*dot = '.';
		*eq = '=';
	}
	snprintf(c->text, c->text_len, "set %d value%s", argc - 1, argc > 2 ? "s" : "");
	return 0;
}

/* A gate or trigger input's real "inst" and port (NULL: the first gate input), through a
 * template's inputs. Returns 0, or -1 with text. */
static int gate_target(cx_cmd_t *c, char *spec, char *inst, size_t ilen, const char **port)
{
	char specs[CX_TPL_TARGETS_MAX][64];
	int n = cx_template_port(spec, 0, specs, CX_TPL_TARGETS_MAX, c->text, c->text_len);
	if (n < 0)
		return -1;
	static char real[64];
	snprintf(real, sizeof real, "%s", n > 0 ? specs[0] : spec);
	char *dot = strchr(real, '.');
	if (dot)
		*dot++ = 0;
	snprintf(inst, ilen, "%.31s", real);
	*port = dot;
	return 0;
}

static int cmd_gate(cx_cmd_t *c, int argc, char **argv)
{
	if (argc != 3)
		return fail(c, "usage: gate INSTANCE[.port] 1|0", NULL, NULL);
	char inst[CX_INSTANCE_NAME_MAX];
	const char *port;
	float v;
	if (gate_target(c, argv[1], inst, sizeof inst, &port) ||
	    cx_command_value(c->e, NULL, "", argv[2], &v, c->text, c->text_len) ||
	    cx_engine_gate(c->e, inst, port, v, c->frame, c->text, c->text_len))
		return -1;
	snprintf(c->text, c->text_len, "gate %s %g", argv[1], (double)v);
	return 0;
}

static int cmd_trig(cx_cmd_t *c, int argc, char **argv)
{
	if (argc != 2)
		return fail(c, "usage: trig INSTANCE[.port]", NULL, NULL);
	char inst[CX_INSTANCE_NAME_MAX];
	const char *port;
	if (gate_target(c, argv[1], inst, sizeof inst, &port) ||
	    cx_engine_trig(c->e, inst, port, c->frame, c->text, c->text_len))
		return -1;
	snprintf(c->text, c->text_len, "trig %s", argv[1]);
	return 0;
}

static int cmd_tempo(cx_cmd_t *c, int argc, char **argv)
{
	char *end = NULL;
	double bpm = argc == 2 ? strtod(argv[1], &end) : 0.0;
	if (argc != 2 || end == argv[1] || *end)
		return fail(c, "usage: tempo BPM (20 to 999)", NULL, NULL);
	if (cx_engine_transport(c->e, CX_TRANSPORT_TEMPO, bpm, c->frame, c->text, c->text_len))
		return -1;
	snprintf(c->text, c->text_len, "tempo %g", bpm);
	return 0;
}

static int make_heard(cx_cmd_t *c, const char *voice, char *note, size_t nlen);

static int cmd_play(cx_cmd_t *c, int argc, char **argv)
{
	if (argc > 2 || (argc == 2 && strcmp(argv[1], "all") != 0))
		return fail(c, "usage: play [all]", NULL, NULL);
	if (argc == 1) {
		if (cx_engine_transport(c->e, CX_TRANSPORT_PLAY, 0.0, c->frame, c->text,
		                        c->text_len))
			return -1;
		snprintf(c->text, c->text_len, "playing from beat 0");
		return 0;
	}
	/* play all: every voice a sequence drives is heard; the transport runs (it goes on
	 * where it is when already playing, so a voice joins in time). */
	static cx_cable_info_t cables[CX_CONNECTIONS_MAX];
	uint32_t nc = cx_engine_cables(c->e, cables, CX_CONNECTIONS_MAX);
	char note[1024] = "";
	int voices = 0;
	for (uint32_t k = 0; k < nc && k < CX_CONNECTIONS_MAX; k++) {
		if (strcmp(cx_engine_type(c->e, cables[k].src_type)->name, "seq") != 0)
			continue;
		char voice[CX_INSTANCE_NAME_MAX];
		if (!cx_template_owner(cables[k].dst, voice, sizeof voice))
			snprintf(voice, sizeof voice, "%s", cables[k].dst);
		if (make_heard(c, voice, note, sizeof note))
			return -1;
		voices++;
	}
	cx_status_t st;
	cx_engine_status(c->e, &st);
	if (!st.playing &&
	    cx_engine_transport(c->e, CX_TRANSPORT_PLAY, 0.0, c->frame, c->text, c->text_len))
		return -1;
	snprintf(c->text, c->text_len, "playing all: %d sequenced input%s%s", voices,
	         voices == 1 ? "" : "s", note);
	return 0;
}

static int cmd_stop(cx_cmd_t *c, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return fail(c, "usage: stop", NULL, NULL);
	if (cx_engine_transport(c->e, CX_TRANSPORT_STOP, 0.0, c->frame, c->text, c->text_len))
		return -1;
	snprintf(c->text, c->text_len, "stopped");
	return 0;
}

/* "env:" "x...x..." or "env" ":" "x..." -> target name and the rest joined. */
static int split_target(cx_cmd_t *c, int argc, char **argv, char *tgt, size_t tlen, char *rest,
                        size_t rlen, const char *usage)
{
	if (argc < 3)
		return fail(c, "usage: %s", usage, NULL);
	snprintf(tgt, tlen, "%s", argv[1]);
	size_t tl = strlen(tgt);
	int a = 2;
	if (tl && tgt[tl - 1] == ':')
		tgt[tl - 1] = 0;
	else if (strcmp(argv[2], ":") == 0)
		a = 3;
	else
		return fail(c, "usage: %s (a ':' after the name)", usage, NULL);
	rest[0] = 0;
	for (size_t n = 0; a < argc; a++)
		n += (size_t)snprintf(rest + n, n < rlen ? rlen - n : 0, "%s%s", n ? " " : "",
		                      argv[a]);
	return tgt[0] ? 0 : fail(c, "usage: %s", usage, NULL);
}

/* Creates (or updates) the seq instance `seqname` with params, patched as `links` says.
 * All or nothing: a new seq that cannot be patched is freed again. */
static int seq_apply(cx_cmd_t *c, const char *seqname, const char **names, const float *values,
                     uint32_t n, const char *const *links, uint32_t nlinks)
{
	cx_instance_info_t info;
	char err[512];
	int exists = cx_engine_instance(c->e, seqname, &info, err, sizeof err) == 0;
	if (exists) {
		const cx_type_t *ty = cx_engine_type(c->e, info.type);
		if (strcmp(ty->name, "seq") != 0)
			return fail(c, "'%s' exists and is not a seq; free it first", seqname,
			            NULL);
		for (uint32_t k = 0; k < n; k++)
			if (cx_engine_set(c->e, seqname, names[k], values[k], CX_FRAME_CHECK,
			                  c->text, c->text_len))
				return -1;
		for (uint32_t k = 0; k < n; k++)
			cx_engine_set(c->e, seqname, names[k], values[k], c->frame, err,
			              sizeof err);
		return 0;
	}
	char made[CX_INSTANCE_NAME_MAX];
	if (cx_engine_create(c->e, "seq", seqname, names, values, n, made, sizeof made, c->text,
	                     c->text_len))
		return -1;
	for (uint32_t k = 0; k + 1 < nlinks; k += 2) {
		if (cx_engine_patch(c->e, links[k], links[k + 1], c->text, c->text_len)) {
			cx_engine_free(c->e, seqname, err, sizeof err);
			return -1;
		}
	}
	return 0;
}

/* The real input specs a sequencer drives on tgt (an instance, a template instance, or
 * tgt.port): role "gate" (a gate or trigger) or "pitch". Returns the count (0: none), -1. */
static int voice_inputs(cx_cmd_t *c, const char *tgt, const char *role, char specs[][64], int max)
{
	if (strchr(tgt, '.'))
		return port_specs(c, tgt, 0, specs, max);
	const cx_template_t *t;
	if (cx_tinst_find(tgt, &t)) {
		int pick = -1;
		for (int i = 0; i < t->ninputs && pick < 0; i++)
			if (!strcmp(t->inputs[i].name, role) ||
			    (!strcmp(role, "gate") && !strcmp(t->inputs[i].name, "trig")))
				pick = i;
		if (pick < 0 && !strcmp(role, "gate") && t->ninputs)
			pick = 0;
		if (pick < 0)
			return 0;
		char spec[96];
		snprintf(spec, sizeof spec, "%s.%s", tgt, t->inputs[pick].name);
		return port_specs(c, spec, 0, specs, max);
	}
	cx_instance_info_t info;
	if (cx_engine_instance(c->e, tgt, &info, c->text, c->text_len))
		return -1;
	const cx_type_t *ty = cx_engine_type(c->e, info.type);
	int in = !strcmp(role, "gate") ? first_gate_input(ty) : input_index(ty, role);
	if (in < 0)
		return 0;
	snprintf(specs[0], 64, "%.31s.%.23s", tgt, ty->ins[in].name);
	return 1;
}

/* Whether the real output spec "inst[.port]" has a cable. */
static int output_used(cx_cmd_t *c, const char *spec)
{
	char inst[CX_INSTANCE_NAME_MAX];
	const char *dot = strchr(spec, '.');
	snprintf(inst, sizeof inst, "%.*s", (int)(dot ? (size_t)(dot - spec) : strlen(spec)), spec);
	cx_instance_info_t info;
	char err[512];
	if (cx_engine_instance(c->e, inst, &info, err, sizeof err))
		return 1;
	const cx_type_t *ty = cx_engine_type(c->e, info.type);
	uint32_t port = 0;
	for (uint32_t p = 0; dot && p < ty->out_count; p++)
		if (!strcmp(ty->outs[p].name, dot + 1))
			port = p;
	static cx_cable_info_t cables[CX_CONNECTIONS_MAX];
	uint32_t n = cx_engine_cables(c->e, cables, CX_CONNECTIONS_MAX);
	for (uint32_t k = 0; k < n && k < CX_CONNECTIONS_MAX; k++)
		if (!strcmp(cables[k].src, inst) && cables[k].src_port == port)
			return 1;
	return 0;
}

/* Makes a voice heard: when its default output goes nowhere, patches it to out. Appends what
 * it did to note. Returns 0 or -1. */
static int make_heard(cx_cmd_t *c, const char *voice, char *note, size_t nlen)
{
	char specs[CX_TPL_TARGETS_MAX][64];
	int n = port_specs(c, voice, 1, specs, CX_TPL_TARGETS_MAX);
	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (output_used(c, specs[i]))
			return 0;
	cx_instance_info_t info;
	char err[512];
	if (cx_engine_instance(c->e, "out", &info, err, sizeof err))
		return 0; /* no out to reach */
	for (int i = 0; i < n; i++)
		if (cx_engine_patch(c->e, specs[i], "out", c->text, c->text_len))
			return -1;
	size_t l = strlen(note);
	snprintf(note + l, nlen - l, "; %s > out, to be heard", voice);
	return 0;
}

/* seq name for a target: "kick" -> kick_seq, "kit.snare" -> kit_snare_seq. */
static void seq_name(const char *tgt, const char *suffix, char *out, size_t len)
{
	snprintf(out, len, "%.20s%s", tgt, suffix);
	for (char *p = out; *p; p++)
		if (*p == '.')
			*p = '_';
}

static int cmd_sequence(cx_cmd_t *c, int argc, char **argv)
{
	static const char *usage =
	    "sequence INSTANCE[.input]: x...x... (x a hit, . a rest, up to 16)";
	char tgt[CX_INSTANCE_NAME_MAX + CX_NAME_MAX + 2], pat[256];
	if (split_target(c, argc, argv, tgt, sizeof tgt, pat, sizeof pat, usage))
		return -1;
	char ins[CX_TPL_TARGETS_MAX][64];
	int nin = voice_inputs(c, tgt, "gate", ins, CX_TPL_TARGETS_MAX);
	if (nin < 0)
		return -1;
	if (nin == 0)
		return fail(c, "%s has no gate or trigger input to sequence", tgt, NULL);
	const char *names[2 + SEQ_STEPS_MAX];
	float values[2 + SEQ_STEPS_MAX];
	static char gname[SEQ_STEPS_MAX][8];
	uint32_t steps = 0, hits = 0;
	for (const char *p = pat; *p; p++) {
		if (*p == ' ' || *p == '|')
			continue;
		if (!strchr("xX.-_", *p)) {
			char bad[2] = {*p, 0};
			return fail(c, "'%s' is not a step: use x for a hit and . for a rest", bad,
			            NULL);
		}
		if (steps == SEQ_STEPS_MAX)
			return fail(c, "a sequence has at most 16 steps", NULL, NULL);
		snprintf(gname[steps], sizeof gname[steps], "gate%u", steps + 1u);
		names[2 + steps] = gname[steps];
		values[2 + steps] = (*p == 'x' || *p == 'X') ? 1.0f : 0.0f;
		hits += *p == 'x' || *p == 'X';
		steps++;
	}
	if (!steps)
		return fail(c, "usage: %s", usage, NULL);
	names[0] = "steps", values[0] = (float)steps;
	names[1] = "div", values[1] = 4.0f;
	char seqname[CX_INSTANCE_NAME_MAX], from[64];
	seq_name(tgt, "_seq", seqname, sizeof seqname);
	snprintf(from, sizeof from, "%s.gate", seqname);
	const char *links[2 * CX_TPL_TARGETS_MAX];
	for (int i = 0; i < nin; i++)
		links[2 * i] = from, links[2 * i + 1] = ins[i];
	if (seq_apply(c, seqname, names, values, 2 + steps, links, 2u * (uint32_t)nin))
		return -1;
	char voice[CX_INSTANCE_NAME_MAX], note[256] = "";
	snprintf(voice, sizeof voice, "%.*s", (int)strcspn(tgt, "."), tgt);
	if (make_heard(c, voice, note, sizeof note))
		return -1;
	snprintf(c->text, c->text_len, "sequence %s: %u steps, %u hits, 16ths (%s > %s)%s", tgt,
	         steps, hits, from, ins[0], note);
	return 0;
}

static int cmd_melody(cx_cmd_t *c, int argc, char **argv)
{
	static const char *usage = "melody INSTANCE: C2 Eb2 . G2 (notes, . a rest, up to 16)";
	char tgt[CX_INSTANCE_NAME_MAX], notes[512];
	if (split_target(c, argc, argv, tgt, sizeof tgt, notes, sizeof notes, usage))
		return -1;
	char pins[CX_TPL_TARGETS_MAX][64], gins[CX_TPL_TARGETS_MAX][64];
	int np = voice_inputs(c, tgt, "pitch", pins, CX_TPL_TARGETS_MAX);
	if (np < 0)
		return -1;
	if (np == 0)
		return fail(c,
		            "%s has no pitch input; melody plays a voice with one, such as vco or "
		            "the bass template",
		            tgt, NULL);
	int ng = voice_inputs(c, tgt, "gate", gins, CX_TPL_TARGETS_MAX);
	if (ng < 0 || (ng == 1 && !strcmp(gins[0], pins[0])))
		ng = 0; /* a voice whose first input is its pitch has no gate of its own */
	const char *names[3 + 2 * SEQ_STEPS_MAX];
	float values[3 + 2 * SEQ_STEPS_MAX];
	static char pname[SEQ_STEPS_MAX][8], gname[SEQ_STEPS_MAX][8];
	uint32_t n = 3, steps = 0;
	char *save = NULL;
	for (char *tok = strtok_r(notes, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (steps == SEQ_STEPS_MAX)
			return fail(c, "a melody has at most 16 notes", NULL, NULL);
		float v = 0.0f;
		int rest = strcmp(tok, ".") == 0 || strcmp(tok, "-") == 0;
		if (!rest && cx_note_volts(tok, &v))
			return fail(c, "'%s' is not a note: write C4, Eb2, F#3 or . for a rest",
			            tok, NULL);
		snprintf(gname[steps], sizeof gname[steps], "gate%u", steps + 1u);
		snprintf(pname[steps], sizeof pname[steps], "pitch%u", steps + 1u);
		names[n] = gname[steps], values[n++] = rest ? 0.0f : 1.0f;
		names[n] = pname[steps], values[n++] = v;
		steps++;
	}
	if (!steps)
		return fail(c, "usage: %s", usage, NULL);
	names[0] = "steps", values[0] = (float)steps;
	names[1] = "div", values[1] = 1.0f;
	names[2] = "length", values[2] = 0.9f;
	char seqname[CX_INSTANCE_NAME_MAX], pf[64], gf[64];
	seq_name(tgt, "_mel", seqname, sizeof seqname);
	snprintf(pf, sizeof pf, "%s.pitch", seqname);
	snprintf(gf, sizeof gf, "%s.gate", seqname);
	const char *links[4 * CX_TPL_TARGETS_MAX];
	uint32_t nl = 0;
	for (int i = 0; i < np; i++)
		links[nl++] = pf, links[nl++] = pins[i];
	for (int i = 0; i < ng; i++)
		links[nl++] = gf, links[nl++] = gins[i];
	/* The pitch input adds to log2(freq): freq at C4 makes the notes sound as named. */
	char fspec[96], fval[32] = "261.6256";
	snprintf(fspec, sizeof fspec, "%s.freq", tgt);
	char err[512];
	int has_freq = untemplate(c, fspec, sizeof fspec, fval, sizeof fval) == 0;
	if (has_freq) {
		char inst[64];
		snprintf(inst, sizeof inst, "%.*s", (int)strcspn(fspec, "."), fspec);
		has_freq =
		    cx_engine_set(c->e, inst, "freq", C4_HZ, CX_FRAME_CHECK, err, sizeof err) == 0;
		if (has_freq && seq_apply(c, seqname, names, values, n, links, nl))
			return -1;
		if (has_freq)
			cx_engine_set(c->e, inst, "freq", C4_HZ, c->frame, err, sizeof err);
	}
	if (!has_freq && seq_apply(c, seqname, names, values, n, links, nl))
		return -1;
	char note[256] = "";
	if (make_heard(c, tgt, note, sizeof note))
		return -1;
	snprintf(c->text, c->text_len, "melody %s: %u notes, one a beat (%s > %s)%s%s", tgt, steps,
	         pf, pins[0], has_freq ? "; freq at C4 so the notes sound as named" : "", note);
	return 0;
}

/* add EFFECT to NAME [param=value ...]: the effect goes between NAME's output and wherever it
 * went (out, when nowhere); amount=A sets its wet/dry mix. All or nothing. */
static int cmd_add(cx_cmd_t *c, int argc, char **argv)
{
	if (argc < 4 || strcmp(argv[2], "to") != 0)
		return fail(c, "usage: add EFFECT to NAME [amount=0..1] [param=value ...]", NULL,
		            NULL);
	const cx_type_t *fx = type_named(c->e, argv[1]);
	if (!fx || !fx->in_count || !fx->out_count)
		return fail(c,
		            "'%s' is not an effect with an input and an output (try reverb, "
		            "delay, chorus, drive)",
		            argv[1], NULL);
	char src[CX_TPL_TARGETS_MAX][64];
	int ns = port_specs(c, argv[3], 1, src, CX_TPL_TARGETS_MAX);
	if (ns < 0)
		return -1;
	const char *names[ARGS_MAX];
	float values[ARGS_MAX];
	uint32_t n = 0;
	for (int a = 4; a < argc; a++) {
		char *eq = strchr(argv[a], '=');
		if (!eq || eq == argv[a])
			return fail(c, "expected param=value, got '%s'", argv[a], NULL);
		*eq = 0;
		names[n] = argv[a];
		if (!strcmp(argv[a], "amount")) { /* the effect's wet/dry, whatever it calls it */
			const char *mix = param_index(fx, "mix") >= 0      ? "mix"
			                  : param_index(fx, "wet") >= 0    ? "wet"
			                  : param_index(fx, "amount") >= 0 ? "amount"
			                                                   : NULL;
			if (!mix)
				return fail(c, "%s has no mix to set with amount", fx->name, NULL);
			names[n] = mix;
		}
		if (cx_command_value(c->e, fx->name, names[n], eq + 1, &values[n], c->text,
		                     c->text_len))
			return -1;
		n++;
	}
	/* Where NAME's output goes now. */
	static cx_cable_info_t cables[CX_CONNECTIONS_MAX];
	uint32_t nc = cx_engine_cables(c->e, cables, CX_CONNECTIONS_MAX);
	static char moved_src[64][64], moved_dst[64][64];
	int nm = 0;
	for (int i = 0; i < ns; i++) {
		char inst[CX_INSTANCE_NAME_MAX];
		const char *dot = strchr(src[i], '.');
		snprintf(inst, sizeof inst, "%.*s",
		         (int)(dot ? (size_t)(dot - src[i]) : strlen(src[i])), src[i]);
		for (uint32_t k = 0; k < nc && k < CX_CONNECTIONS_MAX && nm < 64; k++) {
			const cx_type_t *st = cx_engine_type(c->e, cables[k].src_type);
			const char *sp = st->outs[cables[k].src_port].name;
			if (strcmp(cables[k].src, inst) ||
			    (dot ? strcmp(sp, dot + 1) : cables[k].src_port))
				continue;
			snprintf(moved_src[nm], 64, "%.31s.%.23s", inst, sp);
			snprintf(
			    moved_dst[nm++], 64, "%.31s.%.23s", cables[k].dst,
			    cx_engine_type(c->e, cables[k].dst_type)->ins[cables[k].dst_port].name);
		}
	}
	char made[CX_INSTANCE_NAME_MAX], err[512];
	if (cx_engine_create(c->e, fx->name, NULL, names, values, n, made, sizeof made, c->text,
	                     c->text_len))
		return -1;
	char fin[64], fout[64];
	snprintf(fin, sizeof fin, "%.31s.%.23s", made, fx->ins[0].name);
	snprintf(fout, sizeof fout, "%.31s.%.23s", made, fx->outs[0].name);
	int rc = 0;
	for (int i = 0; i < nm && !rc; i++)
		rc = cx_engine_unpatch(c->e, moved_src[i], moved_dst[i], c->text, c->text_len);
	for (int i = 0; i < ns && !rc; i++)
		rc = cx_engine_patch(c->e, src[i], fin, c->text, c->text_len);
	int nd = 0;
	for (int i = 0; i < nm && !rc; i++) { /* each destination once */
		int seen = 0;
		for (int j = 0; j < i; j++)
			seen |= !strcmp(moved_dst[j], moved_dst[i]);
		if (!seen &&
		    !(rc = cx_engine_patch(c->e, fout, moved_dst[i], c->text, c->text_len)))
			nd++;
	}
	if (!rc && !nm)
		rc = cx_engine_patch(c->e, fout, "out", c->text, c->text_len);
	if (rc) { /* put it back as it was */
		char why[1024];
		snprintf(why, sizeof why, "%s", c->text);
		cx_engine_free(c->e, made, err, sizeof err);
		for (int i = 0; i < nm; i++)
			cx_engine_patch(c->e, moved_src[i], moved_dst[i], err, sizeof err);
		snprintf(c->text, c->text_len, "add %s to %s failed: %s; nothing changed", fx->name,
		         argv[3], why);
		return -1;
	}
	snprintf(c->text, c->text_len, "added %s %s after %s (%s > %s > %s)", fx->name, made,
	         argv[3], argv[3], made, nm ? moved_dst[0] : "out");
	return 0;
}

/* define NAME: line; line; ... -- a template, written to the templates folder. */
static int cmd_define(cx_cmd_t *c, int argc, char **argv)
{
	static const char *usage = "define NAME: create vco osc; ...; output out = osc.out";
	char name[CX_NAME_MAX + 2], body[CX_TPL_BODY_MAX];
	if (split_target(c, argc, argv, name, sizeof name, body, sizeof body, usage))
		return -1;
	if (type_named(c->e, name))
		return fail(c, "'%s' is a module type; a template needs another name", name, NULL);
	if (cx_template_define(name, body, c->text, c->text_len))
		return -1;
	snprintf(c->text, c->text_len, "defined template %s: create %s NAME to use it", name, name);
	return 0;
}

static int cmd_list(cx_cmd_t *c, int argc, char **argv)
{
	(void)argc, (void)argv;
	cx_engine_list(c->e, c->text, c->text_len);
	if (!c->text[0])
		snprintf(c->text, c->text_len,
		         "no instances (out was freed: create out to hear "
		         "anything)");
	for (int i = 0; i < cx_tinst_count(); i++) { /* template instances, and what they hold */
		const cx_template_t *t;
		const char *name = cx_tinst_name(i, &t);
		size_t l = strlen(c->text);
		if (name && l < c->text_len)
			snprintf(c->text + l, c->text_len - l, "; %s is a %s (%s_*)", name, t->name,
			         name);
	}
	if (!c->data)
		return 0;
	static cx_instance_info_t insts[CX_INSTANCES_MAX];
	static cx_cable_info_t cables[CX_CONNECTIONS_MAX];
	uint32_t ni = cx_engine_instances(c->e, insts, CX_INSTANCES_MAX);
	uint32_t nc = cx_engine_cables(c->e, cables, CX_CONNECTIONS_MAX);
	cx_json_t *j = c->data;
	cx_json_obj(j);
	cx_json_key(j, "instances");
	cx_json_arr(j);
	for (uint32_t i = 0; i < ni && i < CX_INSTANCES_MAX; i++) {
		cx_json_obj(j);
		cx_json_kstr(j, "name", insts[i].name);
		cx_json_kstr(j, "type", cx_engine_type(c->e, insts[i].type)->name);
		cx_json_kint(j, "worker", insts[i].worker);
		cx_json_end(j);
	}
	cx_json_aend(j);
	cx_json_key(j, "cables");
	cx_json_arr(j);
	for (uint32_t k = 0; k < nc && k < CX_CONNECTIONS_MAX; k++) {
		char a[64], b[64];
		snprintf(a, sizeof a, "%.31s.%.23s", cables[k].src,
		         cx_engine_type(c->e, cables[k].src_type)->outs[cables[k].src_port].name);
		snprintf(b, sizeof b, "%.31s.%.23s", cables[k].dst,
		         cx_engine_type(c->e, cables[k].dst_type)->ins[cables[k].dst_port].name);
		cx_json_obj(j);
		cx_json_kstr(j, "from", a);
		cx_json_kstr(j, "to", b);
		cx_json_end(j);
	}
	cx_json_aend(j);
	cx_json_key(j, "templates");
	cx_json_arr(j);
	for (int i = 0; i < cx_tinst_count(); i++) {
		const cx_template_t *t;
		const char *name = cx_tinst_name(i, &t);
		if (!name)
			continue;
		cx_json_obj(j);
		cx_json_kstr(j, "name", name);
		cx_json_kstr(j, "template", t->name);
		cx_json_end(j);
	}
	cx_json_aend(j);
	cx_json_end(j);
	return 0;
}

/* info NAME (an instance) and ports NAME: values, ports and their cables. */
static int describe(cx_cmd_t *c, int argc, char **argv, int ports_only)
{
	if (argc != 2)
		return fail(c, ports_only ? "usage: ports INSTANCE" : "usage: info INSTANCE|TYPE",
		            NULL, NULL);
	cx_instance_info_t info;
	const cx_type_t *ty = NULL;
	if (!ports_only && cx_engine_instance(c->e, argv[1], &info, c->text, c->text_len) != 0) {
		ty = type_named(c->e, argv[1]); /* info on a type */
		if (!ty)
			return -1;
		size_t n = (size_t)snprintf(c->text, c->text_len, "%s: %s. params:", ty->name,
		                            ty->summary);
		for (uint32_t p = 0; p < ty->param_count && n < c->text_len; p++)
			n += (size_t)snprintf(c->text + n, c->text_len - n, " %s=%g%s%s (%g..%g)",
			                      ty->params[p].name, (double)ty->params[p].def,
			                      ty->params[p].unit[0] ? " " : "", ty->params[p].unit,
			                      (double)ty->params[p].min, (double)ty->params[p].max);
		if (c->data)
			json_type(c->data, ty, 0);
		return 0;
	}
	if (ports_only && cx_engine_instance(c->e, argv[1], &info, c->text, c->text_len) != 0)
		return -1;
	ty = cx_engine_type(c->e, info.type);
	static cx_cable_info_t cables[CX_CONNECTIONS_MAX];
	uint32_t nc = cx_engine_cables(c->e, cables, CX_CONNECTIONS_MAX);
	size_t n = (size_t)snprintf(c->text, c->text_len, "%s (%s)", info.name, ty->name);
	if (!ports_only)
		for (uint32_t p = 0; p < ty->param_count && n < c->text_len; p++) {
			const cx_type_param_t *pp = &ty->params[p];
			if (pp->enum_count && info.params[p] >= 0.0f &&
			    (uint32_t)info.params[p] < pp->enum_count)
				n += (size_t)snprintf(c->text + n, c->text_len - n, " %s=%s",
				                      pp->name,
				                      pp->enum_names[(uint32_t)info.params[p]]);
			else
				n += (size_t)snprintf(c->text + n, c->text_len - n, " %s=%g%s",
				                      pp->name, (double)info.params[p], pp->unit);
		}
	for (int side = 0; side < 2 && n < c->text_len; side++) {
		uint32_t np = side ? ty->out_count : ty->in_count;
		n += (size_t)snprintf(c->text + n, c->text_len - n, "%s",
		                      side ? "; outputs" : "; inputs");
		for (uint32_t p = 0; p < np && n < c->text_len; p++) {
			const char *pn = side ? ty->outs[p].name : ty->ins[p].name;
			n += (size_t)snprintf(c->text + n, c->text_len - n, " %s", pn);
			for (uint32_t k = 0; k < nc && n < c->text_len; k++) {
				const cx_cable_info_t *cb = &cables[k];
				if (side && strcmp(cb->src, info.name) == 0 && cb->src_port == p)
					n += (size_t)snprintf(c->text + n, c->text_len - n, ">%s",
					                      cb->dst);
				if (!side && strcmp(cb->dst, info.name) == 0 && cb->dst_port == p)
					n += (size_t)snprintf(c->text + n, c->text_len - n, "<%s",
					                      cb->src);
			}
		}
	}
	if (!c->data)
		return 0;
	cx_json_t *j = c->data;
	cx_json_obj(j);
	cx_json_kstr(j, "name", info.name);
	cx_json_kstr(j, "type", ty->name);
	cx_json_kint(j, "worker", info.worker);
	if (!ports_only) {
		cx_json_key(j, "params");
		cx_json_arr(j);
		for (uint32_t p = 0; p < ty->param_count; p++) {
			const cx_type_param_t *pp = &ty->params[p];
			cx_json_obj(j);
			cx_json_kstr(j, "name", pp->name);
			cx_json_knum(j, "value", info.params[p]);
			if (pp->enum_count && (uint32_t)info.params[p] < pp->enum_count)
				cx_json_kstr(j, "text", pp->enum_names[(uint32_t)info.params[p]]);
			cx_json_kstr(j, "unit", pp->unit);
			cx_json_knum(j, "min", pp->min);
			cx_json_knum(j, "max", pp->max);
			cx_json_knum(j, "default", pp->def);
			cx_json_end(j);
		}
		cx_json_aend(j);
	}
	for (int side = 0; side < 2; side++) {
		uint32_t np = side ? ty->out_count : ty->in_count;
		cx_json_key(j, side ? "outputs" : "inputs");
		cx_json_arr(j);
		for (uint32_t p = 0; p < np; p++) {
			const cx_type_port_t *tp = side ? &ty->outs[p] : &ty->ins[p];
			cx_json_obj(j);
			cx_json_kstr(j, "name", tp->name);
			cx_json_kstr(j, "kind", kind_name(tp->kind));
			if (!side)
				cx_json_knum(j, "level", info.inputs[p]);
			cx_json_key(j, "cables");
			cx_json_arr(j);
			for (uint32_t k = 0; k < nc; k++) {
				const cx_cable_info_t *cb = &cables[k];
				char other[64];
				if (side && strcmp(cb->src, info.name) == 0 && cb->src_port == p) {
					snprintf(other, sizeof other, "%.31s.%.23s", cb->dst,
					         cx_engine_type(c->e, cb->dst_type)
					             ->ins[cb->dst_port]
					             .name);
					cx_json_str(j, other);
				}
				if (!side && strcmp(cb->dst, info.name) == 0 && cb->dst_port == p) {
					snprintf(other, sizeof other, "%.31s.%.23s", cb->src,
					         cx_engine_type(c->e, cb->src_type)
					             ->outs[cb->src_port]
					             .name);
					cx_json_str(j, other);
				}
			}
			cx_json_aend(j);
			cx_json_end(j);
		}
		cx_json_aend(j);
	}
	cx_json_end(j);
	return 0;
}

static int cmd_info(cx_cmd_t *c, int argc, char **argv)
{
	/* An instance first, then a template instance, a module type, a template. */
	cx_instance_info_t info;
	char err[512];
	if (argc == 2 && cx_engine_instance(c->e, argv[1], &info, err, sizeof err) != 0 &&
	    (cx_tinst_find(argv[1], NULL) || !type_named(c->e, argv[1])) &&
	    cx_template_info(c->e, argv[1], c->text, c->text_len, c->data) == 0)
		return 0;
	return describe(c, argc, argv, 0);
}

static int cmd_ports(cx_cmd_t *c, int argc, char **argv)
{
	return describe(c, argc, argv, 1);
}

static int cmd_types(cx_cmd_t *c, int argc, char **argv)
{
	(void)argc, (void)argv;
	cx_engine_types(c->e, c->text, c->text_len);
	char tpls[1024];
	cx_template_list(tpls, sizeof tpls);
	size_t l = strlen(c->text);
	snprintf(c->text + l, c->text_len - l, "; templates: %s", tpls);
	if (!c->data)
		return 0;
	cx_json_obj(c->data);
	cx_json_key(c->data, "types");
	cx_json_arr(c->data);
	for (uint32_t t = 0; t < cx_engine_type_count(c->e); t++)
		json_type(c->data, cx_engine_type(c->e, t), 1);
	cx_json_aend(c->data);
	cx_json_key(c->data, "templates");
	cx_json_arr(c->data);
	for (char *tok = strtok(tpls, ", "); tok; tok = strtok(NULL, ", "))
		if (strcmp(tok, "none") != 0)
			cx_json_str(c->data, tok);
	cx_json_aend(c->data);
	cx_json_end(c->data);
	return 0;
}

static int cmd_status(cx_cmd_t *c, int argc, char **argv)
{
	(void)argc, (void)argv;
	cx_status_t st;
	cx_engine_status(c->e, &st);
	char rec[256] = "";
	int recording = cx_record_busy(rec, sizeof rec);
	snprintf(c->text, c->text_len,
	         "rate=%u frames=%u workers=%u ready=%u instances=%u cables=%u periods=%llu "
	         "misses=%llu xruns=%llu late=%llu dropped=%llu deaths=%llu respawns=%llu "
	         "callback_p50_us=%.1f callback_p99_us=%.1f tempo=%g playing=%d beat=%.3f%s%s%s%s",
	         st.sample_rate, st.frames, st.workers, st.workers_ready, st.instances, st.cables,
	         (unsigned long long)st.periods, (unsigned long long)st.misses,
	         (unsigned long long)st.xruns, (unsigned long long)st.events_late,
	         (unsigned long long)st.events_dropped, (unsigned long long)st.deaths,
	         (unsigned long long)st.respawns, (double)st.callback_p50_ns / 1e3,
	         (double)st.callback_p99_ns / 1e3, st.tempo_bpm, st.playing, st.beat,
	         recording ? " recording=" : "", rec, st.last_death[0] ? " last_death=" : "",
	         st.last_death);
	if (!c->data)
		return 0;
	cx_json_t *j = c->data;
	cx_json_obj(j);
	cx_json_kint(j, "rate", st.sample_rate);
	cx_json_kint(j, "frames", st.frames);
	cx_json_kint(j, "workers", st.workers);
	cx_json_kint(j, "workers_ready", st.workers_ready);
	cx_json_kint(j, "instances", st.instances);
	cx_json_kint(j, "cables", st.cables);
	cx_json_kint(j, "periods", (long long)st.periods);
	cx_json_kint(j, "misses", (long long)st.misses);
	cx_json_kint(j, "xruns", (long long)st.xruns);
	cx_json_kint(j, "late", (long long)st.events_late);
	cx_json_kint(j, "dropped", (long long)st.events_dropped);
	cx_json_kint(j, "deaths", (long long)st.deaths);
	cx_json_kint(j, "respawns", (long long)st.respawns);
	cx_json_knum(j, "callback_p50_us", (double)st.callback_p50_ns / 1e3);
	cx_json_knum(j, "callback_p99_us", (double)st.callback_p99_ns / 1e3);
	cx_json_knum(j, "load",
	             (double)st.callback_p50_ns / 1e9 * st.sample_rate /
	                 (st.frames ? st.frames : 1u));
	cx_json_knum(j, "tempo", st.tempo_bpm);
	cx_json_kbool(j, "playing", st.playing);
	cx_json_knum(j, "beat", st.beat);
	if (recording)
		cx_json_kstr(j, "recording", rec);
	if (st.last_death[0])
		cx_json_kstr(j, "last_death", st.last_death);
	cx_json_end(j);
	return 0;
}

/* ---- patches on disk -------------------------------------------------------------------- */

static int patch_name_ok(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (!(isalnum((unsigned char)s[n]) || s[n] == '_' || s[n] == '-') || n >= 64)
			return 0;
	return n > 0;
}

static int mkdirs(const char *path)
{
	char tmp[1024];
	snprintf(tmp, sizeof tmp, "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(tmp, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

/* The shortest text that reads back as the same float. */
static const char *exact(float v, char *buf, size_t len)
{
	for (int digits = 6; digits <= 9; digits++) {
		snprintf(buf, len, "%.*g", digits, (double)v);
		if (strtof(buf, NULL) == v)
			break;
	}
	return buf;
}

/* "inst" or "inst.port" as the real output or input spec it means ("" when not an instance). */
static void default_port(cx_engine_t *e, const char *spec, int output, char *out, size_t len)
{
	out[0] = 0;
	if (strchr(spec, '.')) {
		snprintf(out, len, "%s", spec);
		return;
	}
	cx_instance_info_t info;
	char err[512];
	if (cx_engine_instance(e, spec, &info, err, sizeof err))
		return;
	const cx_type_t *ty = cx_engine_type(e, info.type);
	if (output ? ty->out_count : ty->in_count)
		snprintf(out, len, "%.31s.%.23s", spec,
		         output ? ty->outs[0].name : ty->ins[0].name);
}

/* The real spec "inst.port" of cable q's end. */
static void cable_end(cx_engine_t *e, const cx_cable_info_t *cb, int src, char *out, size_t len)
{
	const cx_type_t *t = cx_engine_type(e, src ? cb->src_type : cb->dst_type);
	snprintf(out, len, "%.31s.%.23s", src ? cb->src : cb->dst,
	         src ? t->outs[cb->src_port].name : t->ins[cb->dst_port].name);
}

/* unpatch lines for the cables a template instance's lines make that are no longer there. */
static size_t template_unpatches(cx_engine_t *e, const cx_cable_info_t *cables, uint32_t nc,
                                 char *buf, size_t cap)
{
	size_t n = 0;
	for (int i = 0; i < cx_tinst_count(); i++) {
		const cx_template_t *t;
		const char *name = cx_tinst_name(i, &t);
		for (const char *s = name ? t->body : ""; *s;) {
			size_t k = strcspn(s, "\n");
			char line[2048], real[2048];
			snprintf(line, sizeof line, "%.*s", (int)(k < 2000 ? k : 2000), s);
			s += k + (s[k] != 0);
			if (strncmp(line, "patch ", 6) != 0)
				continue;
			cx_template_rewrite(t, name, line, real, sizeof real);
			char *w[64], *save = NULL;
			int nw = 0;
			for (char *tok = strtok_r(real + 6, " ", &save); tok && nw < 64;
			     tok = strtok_r(NULL, " ", &save))
				if (strcmp(tok, ">") != 0)
					w[nw++] = tok;
			for (int j = 0; j + 1 < nw; j++) {
				char a[64], b[64], ca[64], cb[64];
				default_port(e, w[j], 1, a, sizeof a);
				default_port(e, w[j + 1], 0, b, sizeof b);
				int found = !a[0] || !b[0];
				for (uint32_t q = 0; q < nc && !found; q++) {
					cable_end(e, &cables[q], 1, ca, sizeof ca);
					cable_end(e, &cables[q], 0, cb, sizeof cb);
					found = !strcmp(ca, a) && !strcmp(cb, b);
				}
				if (!found && n < cap)
					n += (size_t)snprintf(buf + n, cap - n, "unpatch %s > %s\n",
					                      a, b);
			}
		}
	}
	return n < cap ? n : cap;
}

/* Writes the patch as a replayable command script into buf. */
static size_t patch_script(cx_engine_t *e, char *buf, size_t cap)
{
	static cx_instance_info_t insts[CX_INSTANCES_MAX];
	static cx_cable_info_t cables[CX_CONNECTIONS_MAX];
	uint32_t ni = cx_engine_instances(e, insts, CX_INSTANCES_MAX);
	uint32_t nc = cx_engine_cables(e, cables, CX_CONNECTIONS_MAX);
	cx_status_t st;
	cx_engine_status(e, &st);
	size_t n = (size_t)snprintf(buf, cap, "# chronus patch: a script of commands\ntempo %g\n",
	                            st.tempo_bpm);
	/* Template instances first: their create line makes their inner instances and cables. */
	for (int i = 0; i < cx_tinst_count() && n < cap; i++) {
		const cx_template_t *t;
		const char *name = cx_tinst_name(i, &t);
		char owner[CX_INSTANCE_NAME_MAX];
		if (name &&
		    !cx_template_owner(name, owner, sizeof owner)) /* nested: made by its owner */
			n += (size_t)snprintf(buf + n, cap - n, "create %s %s\n", t->name, name);
	}
	for (uint32_t i = 0; i < ni && n < cap; i++) {
		const cx_type_t *ty = cx_engine_type(e, insts[i].type);
		char owner[CX_INSTANCE_NAME_MAX];
		/* The built-in out exists in every engine, a template's inner instances exist once
		 * it is created: only their changed values are saved. */
		int is_out = (strcmp(insts[i].name, "out") == 0 && strcmp(ty->name, "out") == 0) ||
		             cx_template_owner(insts[i].name, owner, sizeof owner);
		if (!is_out)
			n += (size_t)snprintf(buf + n, cap - n, "create %s %s", ty->name,
			                      insts[i].name);
		int changed = 0;
		int inner = is_out && strcmp(insts[i].name, "out") != 0;
		for (uint32_t p = 0; p < ty->param_count && n < cap; p++) {
			/* A template's inner values may differ from what the template sets even
			 * when they equal the type's default: save them all. */
			if (insts[i].params[p] == ty->params[p].def && !inner)
				continue;
			if (is_out && !changed)
				n += (size_t)snprintf(buf + n, cap - n, "set");
			char num[32];
			n += (size_t)snprintf(buf + n, cap - n, " %s%s%s=%s",
			                      is_out ? insts[i].name : "", is_out ? "." : "",
			                      ty->params[p].name,
			                      exact(insts[i].params[p], num, sizeof num));
			changed = 1;
		}
		if (!is_out || changed)
			n += (size_t)snprintf(buf + n, cap - n, "\n");
		for (uint32_t p = 0; p < ty->in_count && n < cap; p++)
			if (insts[i].inputs[p] != ty->ins[p].def) {
				char num[32];
				n += (size_t)snprintf(buf + n, cap - n, "gate %s.%s %s\n",
				                      insts[i].name, ty->ins[p].name,
				                      exact(insts[i].inputs[p], num, sizeof num));
			}
	}
	n += template_unpatches(e, cables, nc, buf + n, n < cap ? cap - n : 0);
	for (uint32_t k = 0; k < nc && n < cap; k++) {
		char o1[CX_INSTANCE_NAME_MAX], o2[CX_INSTANCE_NAME_MAX];
		if (cx_template_owner(cables[k].src, o1, sizeof o1) &&
		    cx_template_owner(cables[k].dst, o2, sizeof o2) && !strcmp(o1, o2))
			continue; /* inside one template instance: its create line makes it */
		n += (size_t)snprintf(
		    buf + n, cap - n, "patch %s.%s > %s.%s\n", cables[k].src,
		    cx_engine_type(e, cables[k].src_type)->outs[cables[k].src_port].name,
		    cables[k].dst,
		    cx_engine_type(e, cables[k].dst_type)->ins[cables[k].dst_port].name);
	}
	return n < cap ? n : cap;
}

static int cmd_save(cx_cmd_t *c, int argc, char **argv)
{
	if (argc != 3 || strcmp(argv[1], "patch") != 0)
		return fail(c, "usage: save patch NAME", NULL, NULL);
	if (!patch_name_ok(argv[2]))
		return fail(c, "bad patch name '%s': use letters, digits, '_' or '-'", argv[2],
		            NULL);
	static char buf[1 << 20];
	size_t n = patch_script(c->e, buf, sizeof buf);
	char path[1200], tmp[1300];
	snprintf(path, sizeof path, "%s/%s.chr", patch_dir, argv[2]);
	snprintf(tmp, sizeof tmp, "%s.tmp-%d", path, (int)getpid());
	if (mkdirs(patch_dir) != 0)
		return fail(c, "cannot create the patch folder %s: %s", patch_dir, strerror(errno));
	/* Atomic: write a temporary file, sync it, rename it over the old one. */
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return fail(c, "cannot write %s: %s", tmp, strerror(errno));
	size_t done = 0;
	while (done < n) {
		ssize_t w = write(fd, buf + done, n - done);
		if (w <= 0) {
			int err = errno;
			close(fd);
			unlink(tmp);
			return fail(c, "saving %s failed: %s; the old file is untouched", path,
			            strerror(w < 0 ? err : ENOSPC));
		}
		done += (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
		int err = errno;
		unlink(tmp);
		return fail(c, "saving %s failed: %s; the old file is untouched", path,
		            strerror(err));
	}
	int dfd = open(patch_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	snprintf(c->text, c->text_len, "saved patch %s to %s", argv[2], path);
	return 0;
}

/* Frees every instance but the built-in out, and sets out back to its defaults. */
static void clear_patch(cx_engine_t *e)
{
	cx_tinst_clear();
	static cx_instance_info_t insts[CX_INSTANCES_MAX];
	uint32_t ni = cx_engine_instances(e, insts, CX_INSTANCES_MAX);
	char err[256];
	for (uint32_t i = 0; i < ni && i < CX_INSTANCES_MAX; i++) {
		const cx_type_t *ty = cx_engine_type(e, insts[i].type);
		if (strcmp(insts[i].name, "out") == 0 && strcmp(ty->name, "out") == 0) {
			for (uint32_t p = 0; p < ty->param_count; p++)
				cx_engine_set(e, "out", ty->params[p].name, ty->params[p].def, 0,
				              err, sizeof err);
			continue;
		}
		cx_engine_free(e, insts[i].name, err, sizeof err);
	}
}

/* Runs a script's lines; on the first failure returns its line number with text set. */
static int run_script(cx_cmd_t *c, char *script)
{
	int lineno = 0;
	for (char *line = script; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		lineno++;
		char reply[1024];
		char copy[LINE_MAX_];
		snprintf(copy, sizeof copy, "%s", line);
		line = nl ? nl + 1 : NULL;
		if (strncmp(copy, "load ", 5) == 0 || strncmp(copy, "save ", 5) == 0)
			continue; /* a patch does not load or save patches */
		if (cx_command_line(c->e, copy, c->frame, reply, sizeof reply) < 0) {
			snprintf(c->text, c->text_len, "line %d (%s): %s", lineno, copy, reply);
			return lineno;
		}
	}
	return 0;
}

static int cmd_load(cx_cmd_t *c, int argc, char **argv)
{
	if (argc != 3 || strcmp(argv[1], "patch") != 0)
		return fail(c, "usage: load patch NAME", NULL, NULL);
	if (!patch_name_ok(argv[2]))
		return fail(c, "bad patch name '%s': use letters, digits, '_' or '-'", argv[2],
		            NULL);
	char path[1200];
	snprintf(path, sizeof path, "%s/%s.chr", patch_dir, argv[2]);
	FILE *f = fopen(path, "r");
	if (!f)
		return fail(c, "no patch %s (%s)", path, strerror(errno));
	static char script[1 << 20], before[1 << 20];
	size_t n = fread(script, 1, sizeof script - 1, f);
	fclose(f);
	script[n] = 0;
	/* All or nothing: keep the current patch as a script to put back on a failure. */
	patch_script(c->e, before, sizeof before);
	clear_patch(c->e);
	/* The freed instances' memory is reusable once the clear is in force: wait for it, so a
	 * patch that filled the engine loads back. */
	cx_engine_commit(c->e, 500);
	char text[1024];
	cx_cmd_t sub = *c;
	sub.text = text;
	sub.text_len = sizeof text;
	sub.data = NULL;
	if (run_script(&sub, script)) {
		char why[1100];
		snprintf(why, sizeof why, "%s", text);
		clear_patch(c->e);
		run_script(&sub, before);
		snprintf(c->text, c->text_len, "loading %s failed at %s; the patch is as it was",
		         path, why);
		return -1;
	}
	snprintf(c->text, c->text_len, "loaded patch %s from %s", argv[2], path);
	return 0;
}

/* A recording's path: relative, no "..", a .wav, inside the working folder. */
static int record_path(cx_cmd_t *c, const char *rel, char *out, size_t len)
{
	size_t n = strlen(rel);
	if (!n || rel[0] == '/' || strstr(rel, "..") || n < 5 || strcmp(rel + n - 4, ".wav") != 0)
		return fail(c,
		            "record writes a .wav inside the engine's folder: a relative path "
		            "without '..', not '%s'",
		            rel, NULL);
	snprintf(out, len, "%s/%s", work_dir, rel);
	return 0;
}

static int cmd_record(cx_cmd_t *c, int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "stop") == 0) {
		cx_record_stop(c->e);
		snprintf(c->text, c->text_len, "recording stops");
		return 0;
	}
	if (argc != 3)
		return fail(c, "usage: record FILE.wav SECONDS | record stop", NULL, NULL);
	double s = duration_s(argv[2]);
	if (s <= 0.0)
		return fail(c, "record takes a length like 10 or 10s, not '%s'", argv[2], NULL);
	char path[1200];
	if (record_path(c, argv[1], path, sizeof path) ||
	    cx_record_start(c->e, path, s, c->text, c->text_len))
		return -1;
	snprintf(c->text, c->text_len, "recording %s for %g s", argv[1], s);
	return 0;
}

#define SAMPLE_VALUES_MAX (16u << 20) /* 16 M values: 3 min of stereo at 44.1 kHz */

/* sample INST FILE.wav: reads a file from the samples folder (libsndfile, here on the control
 * thread) and hands its frames to the instance's load(). */
static int cmd_sample(cx_cmd_t *c, int argc, char **argv)
{
	if (argc != 3)
		return fail(c, "usage: sample INSTANCE FILE (a sound file in the samples folder)",
		            NULL, NULL);
	const char *rel = argv[2];
	if (!rel[0] || rel[0] == '/' || strstr(rel, ".."))
		return fail(c,
		            "a sample is a file inside the samples folder: a relative path "
		            "without '..', not '%s'",
		            rel, NULL);
	char path[1200];
	snprintf(path, sizeof path, "%s/%s", sample_dir, rel);
	SF_INFO info = {0};
	SNDFILE *f = sf_open(path, SFM_READ, &info);
	if (!f)
		return fail(c, "cannot read %s: %s", path, sf_strerror(NULL));
	uint64_t values = (uint64_t)info.frames * (uint64_t)info.channels;
	if (info.frames <= 0 || info.channels <= 0 || values > SAMPLE_VALUES_MAX) {
		sf_close(f);
		return fail(c, "%s is empty or too long (at most 16 M samples)", path, NULL);
	}
	float *buf = malloc(values * sizeof(float));
	sf_count_t got = buf ? sf_readf_float(f, buf, info.frames) : 0;
	sf_close(f);
	if (got <= 0) {
		free(buf);
		return fail(c, "cannot read the frames of %s", path, NULL);
	}
	int rc = cx_engine_load_data(c->e, argv[1], buf, (uint32_t)got, (uint32_t)info.channels,
	                             (float)info.samplerate, c->text, c->text_len);
	free(buf);
	if (rc)
		return -1;
	snprintf(c->text, c->text_len, "sample %s: %s, %.3f s, %d channel%s, %d Hz", argv[1], rel,
	         (double)got / info.samplerate, info.channels, info.channels > 1 ? "s" : "",
	         info.samplerate);
	return 0;
}

static int cmd_help(cx_cmd_t *c, int argc, char **argv)
{
	size_t n = 0;
	c->text[0] = 0;
	for (const cx_command_t *k = cx_commands; k->name && n < c->text_len; k++)
		if (argc < 2 || strcmp(argv[1], k->name) == 0)
			n += (size_t)snprintf(c->text + n, c->text_len - n, "%s%-42s %s",
			                      n ? "\n" : "", k->usage, k->help);
	if (!n) {
		const char *cands[64];
		size_t nc = 0;
		for (const cx_command_t *k = cx_commands; k->name && nc < 64; k++)
			cands[nc++] = k->name;
		snprintf(c->text, c->text_len, "no command '%s'", argv[1]);
		cx_suggest_append(c->text, c->text_len, argv[1], cands, nc);
		return -1;
	}
	if (c->data) {
		cx_json_obj(c->data);
		cx_json_key(c->data, "commands");
		cx_json_arr(c->data);
		for (const cx_command_t *k = cx_commands; k->name; k++) {
			if (argc >= 2 && strcmp(argv[1], k->name) != 0)
				continue;
			cx_json_obj(c->data);
			cx_json_kstr(c->data, "name", k->name);
			cx_json_kstr(c->data, "schema", k->schema);
			cx_json_kstr(c->data, "usage", k->usage);
			cx_json_kstr(c->data, "help", k->help);
			cx_json_end(c->data);
		}
		cx_json_aend(c->data);
		cx_json_end(c->data);
	}
	return 0;
}

const cx_command_t cx_commands[] = {
    {"create", "type newname? assign*", "create TYPE [NAME] [param=value ...]",
     "make an instance of a module type (NAME defaults to the type's name, then name2...)",
     cmd_create, 1},
    {"free", "instance", "free NAME", "remove an instance and its cables", cmd_free, 1},
    {"patch", "output '>' input*", "patch SRC[.port] > DST[.port] [> ...]",
     "connect an output to an input; a chain patches each link", cmd_patch, 1},
    {"unpatch", "output '>' input", "unpatch SRC[.port] > DST[.port]", "remove a connection",
     cmd_unpatch, 1},
    {"set", "param value 'over'? number?", "set INST.PARAM VALUE [over 2s] | set I.P=V ...",
     "change parameters (always ramped; 'over' glides)", cmd_set, 1},
    {"gate", "input number", "gate INSTANCE[.port] 1|0",
     "hold an input's level (default: its first gate input)", cmd_gate, 1},
    {"trig", "input", "trig INSTANCE[.port]", "pulse a gate input high for 1 ms", cmd_trig, 1},
    {"tempo", "number", "tempo BPM", "the transport's tempo, 20 to 999", cmd_tempo, 1},
    {"play", "'all'?", "play [all]",
     "start the transport from beat 0; play all: every sequenced voice heard, joining in time",
     cmd_play, 1},
    {"stop", "", "stop", "stop the transport", cmd_stop, 1},
    {"sequence", "instance word*", "sequence INST: x...x...x...x...",
     "16th-note gates into INST from a step sequencer (x a hit, . a rest)", cmd_sequence, 1},
    {"melody", "instance word*", "melody INST: C2 C2 G2 Eb2",
     "one note a beat into INST's pitch input (. a rest)", cmd_melody, 1},
    {"add", "type 'to' instance assign*", "add EFFECT to NAME [amount=0..1] [param=value ...]",
     "insert an effect after NAME's output (amount: its wet/dry mix)", cmd_add, 1},
    {"define", "word word*", "define NAME: create vco osc; ...; output out = osc.out",
     "make a template: lines of a patch with param/input/output declarations", cmd_define, 1},
    {"list", "", "list", "instances and cables", cmd_list, 0},
    {"info", "instance", "info INSTANCE|TYPE", "parameters, ports and cables", cmd_info, 0},
    {"ports", "instance", "ports INSTANCE", "inputs and outputs with their cables", cmd_ports, 0},
    {"types", "", "types", "module types the engine found", cmd_types, 0},
    {"status", "", "status", "engine figures: periods, misses, workers, transport", cmd_status, 0},
    {"save", "'patch' word", "save patch NAME", "write the patch as a command script (atomic)",
     cmd_save, 0},
    {"load", "'patch' word", "load patch NAME",
     "replace the patch with a saved one (all or nothing)", cmd_load, 1},
    {"record", "file number", "record FILE.wav SECONDS | record stop",
     "write the engine's output to a WAV file", cmd_record, 1},
    {"sample", "instance file", "sample INSTANCE FILE.wav",
     "load a sound file from the samples folder into a sampler", cmd_sample, 1},
    {"help", "word?", "help [COMMAND]", "this list", cmd_help, 0},
    {NULL, NULL, NULL, NULL, NULL, 0},
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

/* Runs line; *cmd gets the command's name ("" when none). */
static int run_line(cx_cmd_t *c, const char *line, const char **cmd)
{
	char buf[LINE_MAX_];
	char *argv[ARGS_MAX];
	*cmd = "";
	if (strlen(line) >= sizeof buf)
		return fail(c, "line too long (at most 2047 characters)", NULL, NULL);
	for (const unsigned char *p = (const unsigned char *)line; *p; p++)
		if (*p < 0x20 && *p != '\t' && *p != '\r' && *p != '\n')
			return fail(c, "the line holds a control character", NULL, NULL);
	snprintf(buf, sizeof buf, "%s", line);
	int argc = tokenize(buf, argv);
	if (argc == 0) {
		c->text[0] = 0;
		return 1;
	}
	if (argc == ARGS_MAX)
		return fail(c, "too many words on one line (at most 63)", NULL, NULL);
	for (const cx_command_t *k = cx_commands; k->name; k++)
		if (strcmp(k->name, argv[0]) == 0) {
			*cmd = k->name;
			return k->run(c, argc, argv);
		}
	/* "filt.cutoff=1200 filt.resonance=0.7" without the word set */
	if (strchr(argv[0], '.') && strchr(argv[0], '=')) {
		*cmd = "set";
		memmove(&argv[1], &argv[0], sizeof argv[0] * (size_t)argc);
		argv[0] = "set";
		return cmd_set(c, argc + 1, argv);
	}
	const char *cands[64];
	size_t nc = 0;
	for (const cx_command_t *k = cx_commands; k->name && nc < 64; k++)
		cands[nc++] = k->name;
	size_t n = (size_t)snprintf(c->text, c->text_len, "unknown command '%s'", argv[0]);
	const char *s = cx_suggest(argv[0], cands, nc);
	if (s && n < c->text_len)
		n += (size_t)snprintf(c->text + n, c->text_len - n, "; did you mean '%s'?", s);
	if (n < c->text_len)
		n += (size_t)snprintf(c->text + n, c->text_len - n, "%s commands:", s ? "" : ";");
	for (size_t k = 0; k < nc && n < c->text_len; k++)
		n += (size_t)snprintf(c->text + n, c->text_len - n, " %s", cands[k]);
	return -1;
}

int cx_command_line(cx_engine_t *e, const char *line, uint64_t frame, char *reply, size_t len)
{
	cx_cmd_t c = {e, frame, reply, len, NULL};
	const char *cmd;
	return run_line(&c, line, &cmd);
}

static char json_text[8192];

const char *cx_command_json_text(void)
{
	return json_text;
}

int cx_command_json(cx_engine_t *e, const char *line, uint64_t frame, char *out, size_t len)
{
	static char data[1 << 20];
	char *text = json_text;
	cx_json_t dj;
	cx_json_init(&dj, data, sizeof data);
	cx_cmd_t c = {e, frame, text, sizeof json_text, &dj};
	const char *cmd;
	int rc = run_line(&c, line, &cmd);
	cx_json_t j;
	cx_json_init(&j, out, len);
	cx_json_obj(&j);
	cx_json_kbool(&j, "ok", rc >= 0);
	cx_json_kstr(&j, "command", cmd);
	cx_json_kstr(&j, rc >= 0 ? "text" : "error", text);
	if (rc >= 0 && dj.len && cx_json_ok(&dj)) {
		cx_json_key(&j, "data");
		cx_json_raw(&j, data);
	}
	cx_json_end(&j);
	if (!cx_json_ok(&j)) { /* too large for the reply: say so, as JSON */
		cx_json_init(&j, out, len);
		cx_json_obj(&j);
		cx_json_kbool(&j, "ok", 0);
		cx_json_kstr(&j, "command", cmd);
		cx_json_kstr(&j, "error", "the reply is too large for one message");
		cx_json_end(&j);
	}
	return rc;
}

const cx_command_t *cx_command_find(const char *line)
{
	while (*line == ' ' || *line == '\t')
		line++;
	size_t n = strcspn(line, " \t\r\n");
	for (const cx_command_t *k = cx_commands; k->name; k++)
		if (strlen(k->name) == n && strncmp(k->name, line, n) == 0)
			return k;
	if (memchr(line, '.', n) && memchr(line, '=', n))
		return cx_command_find("set");
	return NULL;
}
