/* model.c — see model.h. */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jsonr.h"

#define CACHE_MAX     64
#define SHORT_MS      2000.0
#define LASTING_MS    30000.0
#define DEAD_PAUSE_MS 3000.0

typedef struct {
	char *key; /* "ADDR LINE" */
	char *text;
	int status;
	int lasting;
	double at;
} entry_t;

static sh_client_t *client;
static int use_json;
static entry_t cache[CACHE_MAX];
static double dead_at = -1e18;

void strv_pushn(strv_t *s, const char *str, size_t len)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 8;
		char **v = realloc(s->v, nc * sizeof *v);
		if (!v)
			return;
		s->v = v;
		s->cap = nc;
	}
	char *d = malloc(len + 1);
	if (!d)
		return;
	memcpy(d, str, len);
	d[len] = 0;
	s->v[s->n++] = d;
}

void strv_push(strv_t *s, const char *str)
{
	strv_pushn(s, str, strlen(str));
}

void strv_free(strv_t *s)
{
	for (size_t k = 0; k < s->n; k++)
		free(s->v[k]);
	free(s->v);
	memset(s, 0, sizeof *s);
}

int strv_has(const strv_t *s, const char *str)
{
	for (size_t k = 0; k < s->n; k++)
		if (strcmp(s->v[k], str) == 0)
			return 1;
	return 0;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void sh_model_init(sh_client_t *c, int json)
{
	client = c;
	use_json = json;
}

static void drop(entry_t *e)
{
	free(e->key);
	free(e->text);
	memset(e, 0, sizeof *e);
}

void sh_model_forget(void)
{
	for (int k = 0; k < CACHE_MAX; k++)
		if (cache[k].key && !cache[k].lasting)
			drop(&cache[k]);
}

void sh_model_free(void)
{
	for (int k = 0; k < CACHE_MAX; k++)
		if (cache[k].key)
			drop(&cache[k]);
}

static entry_t *free_slot(void)
{
	entry_t *slot = NULL;
	for (int k = 0; k < CACHE_MAX && !slot; k++)
		if (!cache[k].key)
			slot = &cache[k];
	if (!slot) { /* full: drop the oldest */
		slot = &cache[0];
		for (int k = 1; k < CACHE_MAX; k++)
			if (cache[k].at < slot->at)
				slot = &cache[k];
		drop(slot);
	}
	return slot;
}

static entry_t *store(const char *key, int status, char *text, int lasting)
{
	entry_t *slot = free_slot();
	slot->key = strdup(key);
	slot->text = text ? text : strdup("");
	slot->status = status;
	slot->lasting = lasting;
	slot->at = now_ms();
	if (!slot->key || !slot->text) {
		drop(slot);
		return NULL;
	}
	return slot;
}

void sh_model_remember(const char *addr, const char *line, int status, char *text)
{
	char key[1024];
	snprintf(key, sizeof key, "%s %s", addr, line);
	store(key, status, text, 1);
}

/* The engine's answer to LINE on ADDR, from the cache when it is fresh. Returns SH_DONE,
 * SH_FAIL or SH_NOREPLY; *text stays valid until the next call. */
static int ask(const char *addr, const char *line, int lasting, const char **text)
{
	*text = "";
	if (!client)
		return SH_NOREPLY;
	char key[1024];
	snprintf(key, sizeof key, "%s %s", addr, line);
	double t = now_ms();
	for (int k = 0; k < CACHE_MAX; k++) {
		entry_t *e = &cache[k];
		if (e->key && t - e->at > (e->lasting ? LASTING_MS : SHORT_MS))
			drop(e);
		if (e->key && strcmp(e->key, key) == 0) {
			*text = e->text;
			return e->status;
		}
	}
	/* An engine that did not answer a moment ago is not asked again at every key. */
	if (t - dead_at < DEAD_PAUSE_MS)
		return SH_NOREPLY;
	char *reply = NULL;
	int st = sh_request(client, addr, line, &reply);
	if (st == SH_NOREPLY) {
		dead_at = now_ms();
		free(reply);
		return st;
	}
	entry_t *slot = store(key, st, reply, lasting);
	if (!slot)
		return SH_NOREPLY;
	*text = slot->text;
	return st;
}

/* The "data" member of the engine's /json answer to LINE (caller frees *root), or NULL. */
static const jv_t *ask_json(const char *line, int lasting, jv_t **root)
{
	*root = NULL;
	if (!use_json)
		return NULL;
	const char *text;
	if (ask("/json", line, lasting, &text) != SH_DONE)
		return NULL;
	*root = jv_parse(text);
	const jv_t *data = jv_get(*root, "data");
	if (!data) {
		jv_free(*root);
		*root = NULL;
	}
	return data;
}

/* Names of an array of {"name": ...} objects (or of strings). */
static int names_of(const jv_t *arr, strv_t *out)
{
	if (!arr || arr->kind != JV_ARR)
		return -1;
	for (size_t k = 0; k < jv_len(arr); k++) {
		const jv_t *it = jv_at(arr, k);
		const char *n = jv_str(it) ? jv_str(it) : jv_gets(it, "name");
		if (n)
			strv_push(out, n);
	}
	return 0;
}

/* Splits "a, b, c" (up to the end of s) into out; "none" is no names. */
static void split_list(const char *s, const char *sep, strv_t *out)
{
	size_t sl = strlen(sep);
	while (*s) {
		const char *e = strstr(s, sep);
		size_t len = e ? (size_t)(e - s) : strlen(s);
		if (len && !(len == 4 && strncmp(s, "none", 4) == 0))
			strv_pushn(out, s, len);
		if (!e)
			break;
		s = e + sl;
	}
}

/* The list after MARKER in a refusal ("...; outputs: a, b"), into out. */
static int list_after(const char *text, const char *marker, const char *sep, strv_t *out)
{
	const char *p = strstr(text, marker);
	if (!p)
		return -1;
	split_list(p + strlen(marker), sep, out);
	return 0;
}

int sh_model_commands(strv_t *names)
{
	jv_t *root;
	const jv_t *data = ask_json("help", 1, &root);
	if (data) {
		int rc = names_of(jv_get(data, "commands"), names);
		jv_free(root);
		if (rc == 0)
			return 0;
	}
	const char *text;
	if (ask("/cmd", "help", 1, &text) != SH_DONE)
		return -1;
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, " \n");
		if (len)
			strv_pushn(names, p, len);
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	return 0;
}

/* MEMBER of the /json `help` entry of COMMAND, into out. */
static int help_member(const char *command, const char *member, char *out, size_t len)
{
	jv_t *root;
	const jv_t *data = ask_json("help", 1, &root);
	const jv_t *cmds = jv_get(data, "commands");
	for (size_t k = 0; k < jv_len(cmds); k++) {
		const jv_t *c = jv_at(cmds, k);
		const char *n = jv_gets(c, "name"), *v = jv_gets(c, member);
		if (n && v && strcmp(n, command) == 0) {
			snprintf(out, len, "%s", v);
			jv_free(root);
			return 0;
		}
	}
	jv_free(root);
	return -1;
}

int sh_model_schema(const char *command, char *schema, size_t len)
{
	return help_member(command, "schema", schema, len);
}

int sh_model_usage(const char *command, char *usage, size_t len)
{
	if (help_member(command, "usage", usage, len) == 0)
		return 0;
	const char *text;
	if (ask("/cmd", "help", 1, &text) != SH_DONE)
		return -1;
	size_t cl = strlen(command);
	for (const char *p = text; *p;) {
		size_t ll = strcspn(p, "\n");
		if (ll > cl && strncmp(p, command, cl) == 0 && p[cl] == ' ') {
			snprintf(usage, len, "%.*s", (int)ll, p);
			return 0;
		}
		p += ll;
		if (*p)
			p++;
	}
	return -1;
}

int sh_model_types(strv_t *names)
{
	jv_t *root;
	const jv_t *data = ask_json("types", 1, &root);
	if (data) {
		int rc = names_of(jv_get(data, "types"), names);
		jv_free(root);
		if (rc == 0)
			return 0;
	}
	const char *text;
	if (ask("/cmd", "types", 1, &text) != SH_DONE)
		return -1;
	strv_t all = {0};
	split_list(text, ", ", &all);
	for (size_t k = 0; k < all.n; k++)
		if (!strstr(all.v[k], " (broken)"))
			strv_push(names, all.v[k]);
	strv_free(&all);
	return 0;
}

/* The /json description of TYPE from `types`: calls fn on it. */
static int with_type_json(const char *type, int (*fn)(const jv_t *ty, void *arg), void *arg)
{
	jv_t *root;
	const jv_t *data = ask_json("types", 1, &root);
	const jv_t *types = jv_get(data, "types");
	int rc = -1;
	for (size_t k = 0; k < jv_len(types); k++) {
		const jv_t *ty = jv_at(types, k);
		const char *n = jv_gets(ty, "name");
		if (n && strcmp(n, type) == 0) {
			rc = fn(ty, arg);
			break;
		}
	}
	jv_free(root);
	return rc;
}

typedef struct {
	const char *member;
	strv_t *out;
} names_arg_t;

static int member_names(const jv_t *ty, void *arg)
{
	names_arg_t *a = arg;
	return names_of(jv_get(ty, a->member), a->out);
}

int sh_model_type_params(const char *type, strv_t *params)
{
	names_arg_t a = {"params", params};
	if (with_type_json(type, member_names, &a) == 0)
		return 0;
	char line[256];
	const char *text;
	snprintf(line, sizeof line, "create %s ?=0", type);
	if (strchr(type, ' ') || ask("/cmd", line, 1, &text) != SH_FAIL)
		return -1;
	return list_after(text, "; parameters: ", ", ", params);
}

typedef struct {
	const char *param;
	strv_t *out;
} values_arg_t;

static int param_values(const jv_t *ty, void *arg)
{
	values_arg_t *a = arg;
	const jv_t *params = jv_get(ty, "params");
	for (size_t k = 0; k < jv_len(params); k++) {
		const jv_t *p = jv_at(params, k);
		const char *n = jv_gets(p, "name");
		if (n && strcmp(n, a->param) == 0) {
			names_of(jv_get(p, "values"), a->out); /* no values: not an enum */
			return 0;
		}
	}
	return -1;
}

int sh_model_param_values(const char *type, const char *param, strv_t *values)
{
	values_arg_t a = {param, values};
	if (with_type_json(type, param_values, &a) == 0)
		return 0;
	char line[256];
	const char *text;
	snprintf(line, sizeof line, "create %s %s=?", type, param);
	if (strchr(type, ' ') || strchr(param, ' ') || ask("/cmd", line, 1, &text) != SH_FAIL)
		return -1;
	return list_after(text, " takes one of: ", " ", values);
}

/* Instances and their types, from `list`. */
static int instances(strv_t *names, strv_t *types)
{
	jv_t *root;
	const jv_t *data = ask_json("list", 0, &root);
	const jv_t *arr = jv_get(data, "instances");
	if (arr && arr->kind == JV_ARR) {
		for (size_t k = 0; k < jv_len(arr); k++) {
			const jv_t *in = jv_at(arr, k);
			const char *n = jv_gets(in, "name"), *t = jv_gets(in, "type");
			if (n) {
				strv_push(names, n);
				strv_push(types, t ? t : "");
			}
		}
		jv_free(root);
		return 0;
	}
	jv_free(root);
	/* Text: "lead vco worker=0; out out; lead.out > out.in" */
	const char *text;
	if (ask("/cmd", "list", 0, &text) != SH_DONE)
		return -1;
	strv_t entries = {0};
	split_list(text, "; ", &entries);
	for (size_t k = 0; k < entries.n; k++) {
		const char *e = entries.v[k];
		if (strstr(e, " > "))
			continue;
		size_t nl = strcspn(e, " ");
		const char *t = e + nl + (e[nl] ? 1 : 0);
		strv_pushn(names, e, nl);
		strv_pushn(types, t, strcspn(t, " "));
	}
	strv_free(&entries);
	return 0;
}

int sh_model_instances(strv_t *names)
{
	strv_t types = {0};
	int rc = instances(names, &types);
	strv_free(&types);
	return rc;
}

int sh_model_instance_type(const char *inst, char *type, size_t len)
{
	strv_t names = {0}, types = {0};
	int rc = -1;
	if (instances(&names, &types) == 0)
		for (size_t k = 0; k < names.n; k++)
			if (strcmp(names.v[k], inst) == 0 && types.v[k][0]) {
				snprintf(type, len, "%s", types.v[k]);
				rc = 0;
				break;
			}
	strv_free(&names);
	strv_free(&types);
	return rc;
}

/* From /json `info INST`: the names in MEMBER. */
static int info_names(const char *inst, const char *member, strv_t *out)
{
	char line[256];
	jv_t *root;
	snprintf(line, sizeof line, "info %s", inst);
	const jv_t *data = ask_json(line, 0, &root);
	int rc = data ? names_of(jv_get(data, member), out) : -1;
	jv_free(root);
	return rc;
}

/* Outputs of INST from the engine's refusal of `unpatch INST.? > INST.?`. */
static int probe_outputs(const char *inst, strv_t *out)
{
	char line[256];
	const char *text;
	snprintf(line, sizeof line, "unpatch %s.? > %s.?", inst, inst);
	if (ask("/cmd", line, 0, &text) != SH_FAIL)
		return -1;
	if (strstr(text, "is an output sink") || strstr(text, "has no outputs"))
		return 0;
	return list_after(text, "; outputs: ", ", ", out);
}

/* Inputs of INST from the refusal of `unpatch SRC > INST.?`, SRC any instance with outputs. */
static int probe_inputs(const char *inst, strv_t *out)
{
	strv_t names = {0};
	if (sh_model_instances(&names))
		return -1;
	int rc = -1;
	/* INST itself first: it often has an output. */
	for (size_t k = 0; k <= names.n && rc < 0; k++) {
		const char *src = k == 0 ? inst : names.v[k - 1];
		if (k > 0 && strcmp(src, inst) == 0)
			continue;
		strv_t outs = {0};
		int has = probe_outputs(src, &outs) == 0 && outs.n > 0;
		strv_free(&outs);
		if (!has)
			continue;
		char line[256];
		const char *text;
		snprintf(line, sizeof line, "unpatch %s > %s.?", src, inst);
		if (ask("/cmd", line, 0, &text) != SH_FAIL)
			break;
		rc = strstr(text, "has no inputs") ? 0 : list_after(text, "; inputs: ", ", ", out);
		break;
	}
	strv_free(&names);
	return rc;
}

int sh_model_ports(const char *inst, int outputs, strv_t *ports)
{
	const char *member = outputs ? "outputs" : "inputs";
	char type[128];
	if (use_json) {
		names_arg_t a = {member, ports};
		if (sh_model_instance_type(inst, type, sizeof type) == 0 &&
		    with_type_json(type, member_names, &a) == 0)
			return 0;
		if (info_names(inst, member, ports) == 0)
			return 0;
	}
	if (strchr(inst, ' ') || strchr(inst, '.'))
		return -1;
	return outputs ? probe_outputs(inst, ports) : probe_inputs(inst, ports);
}

int sh_model_params(const char *inst, strv_t *params)
{
	char type[128];
	if (sh_model_instance_type(inst, type, sizeof type) == 0 &&
	    sh_model_type_params(type, params) == 0)
		return 0;
	if (use_json && info_names(inst, "params", params) == 0)
		return 0;
	if (strchr(inst, ' ') || strchr(inst, '.'))
		return -1;
	char line[256];
	const char *text;
	snprintf(line, sizeof line, "set %s.? 0", inst);
	if (ask("/cmd", line, 0, &text) != SH_FAIL)
		return -1;
	return list_after(text, "; parameters: ", ", ", params);
}
