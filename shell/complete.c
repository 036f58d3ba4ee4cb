/* complete.c — see complete.h. */
#include "complete.h"

#include <readline/readline.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define WORDS_MAX 64

const char *const sh_local_commands[] = {"quit", "exit", "wait", NULL};

/* The candidates of the completion in progress, filtered by prefix. */
static strv_t cands;
static size_t cand_next;

static int starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void add(const char *prefix, const char *cand)
{
	if (starts(cand, prefix) && !strv_has(&cands, cand))
		strv_push(&cands, cand);
}

static void add_all(const char *prefix, const strv_t *s, const char *before, const char *after)
{
	char buf[512];
	for (size_t k = 0; k < s->n; k++) {
		snprintf(buf, sizeof buf, "%s%s%s", before, s->v[k], after);
		add(prefix, buf);
	}
}

static void commands(const char *text)
{
	strv_t names = {0};
	sh_model_commands(&names);
	for (int k = 0; sh_local_commands[k]; k++)
		strv_push(&names, sh_local_commands[k]);
	add_all(text, &names, "", "");
	strv_free(&names);
}

static void types(const char *text)
{
	strv_t names = {0};
	sh_model_types(&names);
	add_all(text, &names, "", "");
	strv_free(&names);
}

static void instances(const char *text, const char *after)
{
	strv_t names = {0};
	sh_model_instances(&names);
	add_all(text, &names, "", after);
	strv_free(&names);
}

/* "param=" for TYPE's parameters, or "param=value" once the '=' is typed (enums). */
static void assignments(const char *text, const char *type, const char *inst_prefix)
{
	const char *eq = strchr(text, '=');
	strv_t s = {0};
	char before[256];
	if (eq) {
		const char *p = text + strlen(inst_prefix);
		snprintf(before, sizeof before, "%.*s", (int)(eq + 1 - text), text);
		char param[128];
		snprintf(param, sizeof param, "%.*s", (int)(eq - p), p);
		sh_model_param_values(type, param, &s);
		add_all(text, &s, before, "");
	} else {
		sh_model_type_params(type, &s);
		add_all(text, &s, inst_prefix, "=");
	}
	strv_free(&s);
}

/* TEXT is "inst" or "inst.port": ports of the instance, on the output side or the input side.
 * A prefix that only one instance matches goes straight to its ports. */
static void ports(const char *text, int outputs)
{
	const char *dot = strchr(text, '.');
	char inst[128];
	if (!dot) {
		strv_t names = {0};
		sh_model_instances(&names);
		size_t hits = 0, hit = 0;
		for (size_t k = 0; k < names.n; k++)
			if (starts(names.v[k], text))
				hits++, hit = k;
		if (hits == 1) {
			snprintf(inst, sizeof inst, "%s", names.v[hit]);
			strv_t p = {0};
			sh_model_ports(inst, outputs, &p);
			char before[160];
			snprintf(before, sizeof before, "%s.", inst);
			add_all(text, &p, before, "");
			if (!p.n) /* a sink, or nothing known: the bare name */
				add(text, inst);
			strv_free(&p);
		} else {
			add_all(text, &names, "", "");
		}
		strv_free(&names);
		return;
	}
	snprintf(inst, sizeof inst, "%.*s", (int)(dot - text), text);
	strv_t p = {0};
	sh_model_ports(inst, outputs, &p);
	char before[160];
	snprintf(before, sizeof before, "%s.", inst);
	add_all(text, &p, before, "");
	strv_free(&p);
}

/* TEXT is "inst", "inst.param" or "inst.param=value". */
static void inst_params(const char *text)
{
	const char *dot = strchr(text, '.');
	char inst[128], type[128];
	if (!dot) {
		strv_t names = {0};
		sh_model_instances(&names);
		size_t hits = 0, hit = 0;
		for (size_t k = 0; k < names.n; k++)
			if (starts(names.v[k], text))
				hits++, hit = k;
		if (hits == 1) {
			strv_t p = {0};
			char before[160];
			snprintf(before, sizeof before, "%s.", names.v[hit]);
			sh_model_params(names.v[hit], &p);
			add_all(text, &p, before, "");
			strv_free(&p);
		} else {
			add_all(text, &names, "", ".");
		}
		strv_free(&names);
		return;
	}
	snprintf(inst, sizeof inst, "%.*s", (int)(dot - text), text);
	char before[160];
	snprintf(before, sizeof before, "%s.", inst);
	if (strchr(dot, '=')) {
		if (sh_model_instance_type(inst, type, sizeof type) == 0)
			assignments(text, type, before);
		return;
	}
	strv_t p = {0};
	sh_model_params(inst, &p);
	add_all(text, &p, before, "");
	strv_free(&p);
}

/* Enum values of the parameter named by "inst.param". */
static void values_of(const char *text, const char *target)
{
	const char *dot = strchr(target, '.');
	char inst[128], type[128];
	if (!dot)
		return;
	snprintf(inst, sizeof inst, "%.*s", (int)(dot - target), target);
	if (sh_model_instance_type(inst, type, sizeof type))
		return;
	strv_t v = {0};
	sh_model_param_values(type, dot + 1, &v);
	add_all(text, &v, "", "");
	strv_free(&v);
}

/* Placeholder K (1-based) of a usage line: "info NAME" -> "NAME". */
static void usage_word(const char *usage, int k, char *out, size_t len)
{
	out[0] = 0;
	const char *p = usage;
	for (int w = 0; *p; w++) {
		while (*p == ' ')
			p++;
		size_t n = strcspn(p, " \n");
		if (w == k) {
			snprintf(out, len, "%.*s", (int)n, p);
			return;
		}
		p += n;
		if (*p == '\n')
			return;
	}
}

static void by_usage(const char *cmd, int k, const char *text)
{
	char usage[512], word[128];
	if (sh_model_usage(cmd, usage, sizeof usage))
		return;
	usage_word(usage, k, word, sizeof word);
	if (strstr(word, "COMMAND"))
		commands(text);
	else if (strstr(word, "TYPE"))
		types(text);
	else if (strstr(word, ".PARAM"))
		inst_params(text);
	else if (strstr(word, "SRC"))
		ports(text, 1);
	else if (strstr(word, "DST") || strstr(word, ".port"))
		ports(text, 0);
	else if (strstr(word, "NAME") || strstr(word, "INST"))
		instances(text, "");
}

/* --- completion from the engine's argument schema ------------------------------------------ */

#define TOKENS_MAX 16

typedef struct {
	char kind[32]; /* type, newname, instance, output, input, param, assign, value, number,
	                  file, word, or the literal's text */
	char mod;      /* 0, '?' (optional) or '*' (repeats) */
	int literal;
} tok_t;

/* "type newname? assign*" -> tokens; the literal '>' of patch chains is left out (a '>' typed
 * is skipped too). Returns the count, or -1. */
static int parse_schema(const char *schema, tok_t *t)
{
	int n = 0;
	for (const char *p = schema; *p;) {
		p += strspn(p, " ");
		size_t len = strcspn(p, " ");
		if (!len)
			break;
		if (n == TOKENS_MAX)
			return -1;
		tok_t *k = &t[n];
		memset(k, 0, sizeof *k);
		if (p[len - 1] == '?' || p[len - 1] == '*')
			k->mod = p[len - 1];
		size_t body = len - (k->mod ? 1 : 0);
		if (body >= 2 && p[0] == '\'' && p[body - 1] == '\'') {
			k->literal = 1;
			snprintf(k->kind, sizeof k->kind, "%.*s", (int)(body - 2), p + 1);
		} else {
			snprintf(k->kind, sizeof k->kind, "%.*s", (int)body, p);
		}
		p += len;
		if (!(k->literal && strcmp(k->kind, ">") == 0))
			n++;
	}
	return n;
}

static int tok_matches(const tok_t *t, const char *w)
{
	if (t->literal)
		return strcmp(t->kind, w) == 0;
	if (strcmp(t->kind, "assign") == 0)
		return strchr(w, '=') != NULL;
	if (strcmp(t->kind, "newname") == 0)
		return strchr(w, '=') == NULL;
	return 1;
}

/* Positions reachable without a word: past optional and repeating tokens. */
static unsigned closure(const tok_t *t, int n, unsigned set)
{
	for (int i = 0; i < n; i++)
		if ((set >> i & 1u) && t[i].mod)
			set |= 1u << (i + 1);
	return set;
}

/* Completes TEXT by SCHEMA after the arguments w[0..nw). Returns -1 when SCHEMA is unusable. */
static int by_schema(const char *schema, char **w, int nw, const char *text)
{
	tok_t t[TOKENS_MAX];
	int n = parse_schema(schema, t);
	if (n < 0)
		return -1;
	const char *ctx_type = NULL, *ctx_inst = NULL, *ctx_param = NULL;
	unsigned set = closure(t, n, 1u);
	for (int k = 0; k < nw && set; k++) {
		if (strcmp(w[k], ">") == 0)
			continue;
		unsigned next = 0;
		for (int i = 0; i < n; i++) {
			if (!(set >> i & 1u) || !tok_matches(&t[i], w[k]))
				continue;
			if (strcmp(t[i].kind, "type") == 0)
				ctx_type = w[k];
			else if (strcmp(t[i].kind, "instance") == 0)
				ctx_inst = w[k];
			else if (strcmp(t[i].kind, "param") == 0)
				ctx_param = w[k];
			/* "set a.f=1 b.g=2": an assignment in place of param value repeats */
			int again = t[i].mod == '*' ||
			            (strcmp(t[i].kind, "param") == 0 && strchr(w[k], '='));
			next |= 1u << (again ? i : i + 1);
		}
		set = closure(t, n, next);
	}
	char type[128];
	for (int i = 0; i < n; i++) {
		if (!(set >> i & 1u))
			continue;
		const char *kind = t[i].kind;
		if (t[i].literal)
			add(text, kind);
		else if (strcmp(kind, "type") == 0)
			types(text);
		else if (strcmp(kind, "instance") == 0)
			instances(text, "");
		else if (strcmp(kind, "output") == 0)
			ports(text, 1);
		else if (strcmp(kind, "input") == 0)
			ports(text, 0);
		else if (strcmp(kind, "param") == 0)
			inst_params(text);
		else if (strcmp(kind, "assign") == 0 && ctx_type)
			assignments(text, ctx_type, "");
		else if (strcmp(kind, "assign") == 0 && ctx_inst &&
		         sh_model_instance_type(ctx_inst, type, sizeof type) == 0)
			assignments(text, type, "");
		else if (strcmp(kind, "value") == 0 && ctx_param && !strchr(ctx_param, '='))
			values_of(text, ctx_param);
	}
	return 0;
}

/* Fills cands for the word TEXT, which follows the words w[0..nw). */
static void candidates(char **w, int nw, const char *text)
{
	if (nw == 0) {
		if (strchr(text, '.')) /* an implied set: "lead.freq 330" */
			inst_params(text);
		else
			commands(text);
		return;
	}
	const char *cmd = w[0];
	char schema[256];
	if (strcmp(cmd, "help") == 0) {
		if (nw == 1)
			commands(text);
		return;
	}
	/* "lead.freq 330" is an implied set */
	if (strchr(cmd, '.') && sh_model_schema("set", schema, sizeof schema) == 0 &&
	    by_schema(schema, w, nw, text) == 0)
		return;
	if (sh_model_schema(cmd, schema, sizeof schema) == 0 &&
	    by_schema(schema, w + 1, nw - 1, text) == 0)
		return;
	/* An engine without /json: what this shell knows of the commands. */
	if (strcmp(cmd, "help") == 0) {
		if (nw == 1)
			commands(text);
	} else if (strcmp(cmd, "create") == 0) {
		if (nw == 1)
			types(text);
		else
			assignments(text, w[1], "");
	} else if (strcmp(cmd, "free") == 0) {
		if (nw == 1)
			instances(text, "");
	} else if (strcmp(cmd, "patch") == 0 || strcmp(cmd, "unpatch") == 0) {
		int ends = 0;
		for (int k = 1; k < nw; k++)
			if (strcmp(w[k], ">") != 0)
				ends++;
		ports(text, ends == 0);
	} else if (strcmp(cmd, "gate") == 0 || strcmp(cmd, "trig") == 0) {
		if (nw == 1)
			ports(text, 0);
	} else if (strcmp(cmd, "set") == 0) {
		if (nw == 2 && !strchr(w[1], '=') && !strchr(text, '.'))
			values_of(text, w[1]);
		else if (nw == 1 || strchr(w[nw - 1], '='))
			inst_params(text);
	} else if (strcmp(cmd, "quit") == 0 || strcmp(cmd, "exit") == 0 ||
	           strcmp(cmd, "wait") == 0) {
		/* nothing to complete */
	} else {
		by_usage(cmd, nw, text);
	}
}

/* Splits the first END bytes of LINE into words (at most WORDS_MAX, in buf). */
static int split_words(const char *line, size_t end, char *buf, size_t buflen, char **w)
{
	if (end >= buflen)
		end = buflen - 1;
	memcpy(buf, line, end);
	buf[end] = 0;
	int n = 0;
	char *save = NULL;
	for (char *t = strtok_r(buf, " \t", &save); t && n < WORDS_MAX;
	     t = strtok_r(NULL, " \t", &save))
		w[n++] = t;
	return n;
}

static void fill(const char *line, size_t start, const char *text)
{
	strv_free(&cands);
	cand_next = 0;
	char buf[2048];
	char *w[WORDS_MAX];
	int nw = split_words(line, start, buf, sizeof buf, w);
	candidates(w, nw, text);
}

static char *generator(const char *text, int state)
{
	(void)text;
	if (state == 0)
		cand_next = 0;
	return cand_next < cands.n ? strdup(cands.v[cand_next++]) : NULL;
}

static char **attempt(const char *text, int start, int end)
{
	(void)end;
	rl_attempted_completion_over = 1; /* never file names */
	fill(rl_line_buffer, (size_t)start, text);
	if (cands.n == 1) {
		size_t len = strlen(cands.v[0]);
		if (len && (cands.v[0][len - 1] == '.' || cands.v[0][len - 1] == '='))
			rl_completion_suppress_append = 1;
	}
	return cands.n ? rl_completion_matches(text, generator) : NULL;
}

void sh_complete_install(void)
{
	rl_readline_name = "chronus";
	rl_attempted_completion_function = attempt;
	rl_basic_word_break_characters = " \t";
	rl_completer_word_break_characters = " \t";
}

void sh_complete_print(const char *line)
{
	size_t len = strlen(line);
	size_t start = len;
	while (start > 0 && line[start - 1] != ' ' && line[start - 1] != '\t')
		start--;
	fill(line, start, line + start);
	for (size_t k = 0; k < cands.n; k++)
		printf("%s\n", cands.v[k]);
	strv_free(&cands);
}
