/* template.c — see template.h. */
#include "template.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "command.h"

#define DIRS_MAX  4
#define CACHE_MAX 64
#define TINST_MAX 256

static char dirs[DIRS_MAX][1024];
static int ndirs;

static struct cached {
	cx_template_t t;
	struct timespec mtime;
	int used;
} cache[CACHE_MAX];

static struct tinst {
	char name[CX_INSTANCE_NAME_MAX];
	char tpl[CX_NAME_MAX];
	int used;
} tinsts[TINST_MAX];

void cx_template_dirs(const char *const *d, int count)
{
	ndirs = 0;
	for (int i = 0; i < count && ndirs < DIRS_MAX; i++)
		if (d[i] && d[i][0])
			snprintf(dirs[ndirs++], sizeof dirs[0], "%s", d[i]);
}

static int word_ok(const char *s)
{
	if (!s || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return 0;
	for (size_t n = 0; s[n]; n++)
		if (!(isalnum((unsigned char)s[n]) || s[n] == '_') || n + 1 >= CX_NAME_MAX)
			return 0;
	return 1;
}

static int local_index(const cx_template_t *t, const char *name)
{
	for (int i = 0; i < t->ninner; i++)
		if (strcmp(t->inner[i], name) == 0)
			return i;
	return -1;
}

/* "osc.pitch" -> inner "osc", port "pitch" (port "" when bare); the inner must exist. */
static int split_target(const cx_template_t *t, const char *spec, char *inner, char *port,
                        char *err, size_t errlen)
{
	const char *dot = strchr(spec, '.');
	size_t n = dot ? (size_t)(dot - spec) : strlen(spec);
	if (!n || n >= CX_INSTANCE_NAME_MAX) {
		snprintf(err, errlen, "'%s' is not inner.port", spec);
		return -1;
	}
	memcpy(inner, spec, n);
	inner[n] = 0;
	snprintf(port, CX_NAME_MAX, "%s", dot ? dot + 1 : "");
	if (local_index(t, inner) < 0) {
		snprintf(err, errlen, "'%s' names no instance the template creates", inner);
		return -1;
	}
	return 0;
}

/* One declaration line: param/input/output. */
static int parse_decl(cx_template_t *t, char **w, int nw, char *err, size_t errlen)
{
	int is_param = strcmp(w[0], "param") == 0;
	if (nw < 4 || strcmp(w[2], "=") != 0 || !word_ok(w[1])) {
		snprintf(err, errlen, "write '%s NAME = inner.%s ...'", w[0],
		         is_param ? "param [word:value ...]" : "port");
		return -1;
	}
	if (is_param) {
		if (t->nparams == CX_TPL_PARAMS_MAX) {
			snprintf(err, errlen, "at most %d params", CX_TPL_PARAMS_MAX);
			return -1;
		}
		cx_tpl_param_t *p = &t->params[t->nparams++];
		memset(p, 0, sizeof *p);
		snprintf(p->name, sizeof p->name, "%s", w[1]);
		if (split_target(t, w[3], p->inner, p->param, err, errlen))
			return -1;
		if (!p->param[0]) {
			snprintf(err, errlen, "param %s needs inner.param, not '%s'", w[1], w[3]);
			return -1;
		}
		for (int k = 4; k < nw; k++) {
			char *colon = strchr(w[k], ':');
			if (!colon || p->aliases == CX_TPL_ALIASES_MAX) {
				snprintf(err, errlen, "value aliases are word:value, at most %d",
				         CX_TPL_ALIASES_MAX);
				return -1;
			}
			*colon = 0;
			snprintf(p->alias[p->aliases][0], CX_NAME_MAX, "%s", w[k]);
			snprintf(p->alias[p->aliases][1], CX_NAME_MAX, "%s", colon + 1);
			p->aliases++;
		}
		return 0;
	}
	int output = strcmp(w[0], "output") == 0;
	int *count = output ? &t->noutputs : &t->ninputs;
	if (*count == CX_TPL_PORTS_MAX) {
		snprintf(err, errlen, "at most %d %ss", CX_TPL_PORTS_MAX, w[0]);
		return -1;
	}
	cx_tpl_port_t *p = output ? &t->outputs[(*count)++] : &t->inputs[(*count)++];
	memset(p, 0, sizeof *p);
	snprintf(p->name, sizeof p->name, "%s", w[1]);
	for (int k = 3; k < nw; k++) {
		if (p->targets == CX_TPL_TARGETS_MAX) {
			snprintf(err, errlen, "a port maps to at most %d inner ports",
			         CX_TPL_TARGETS_MAX);
			return -1;
		}
		if (split_target(t, w[k], p->inner[p->targets], p->port[p->targets], err, errlen))
			return -1;
		p->targets++;
	}
	return 0;
}

int cx_template_parse(cx_template_t *t, const char *name, const char *text, char *err,
                      size_t errlen)
{
	memset(t, 0, sizeof *t);
	snprintf(t->name, sizeof t->name, "%s", name);
	size_t body = 0;
	int lineno = 0;
	char line[2048], e2[256];
	for (const char *s = text; *s;) {
		/* Lines end at a newline, or at ';' (define's one-line form) outside a comment. */
		const char *lead = s + strspn(s, " \t");
		size_t n = *lead == '#' ? strcspn(s, "\n") : strcspn(s, "\n;");
		lineno++;
		snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line ? n : sizeof line - 1),
		         s);
		s += n + (s[n] != 0);
		char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '#') {
			if (!t->summary[0]) {
				p++;
				while (*p == ' ')
					p++;
				snprintf(t->summary, sizeof t->summary, "%s", p);
			}
			continue;
		}
		char copy[2048];
		snprintf(copy, sizeof copy, "%s", p);
		char *w[64];
		int nw = 0;
		for (char *tok = strtok(copy, " \t\r"); tok && nw < 64; tok = strtok(NULL, " \t\r"))
			w[nw++] = tok;
		if (!nw)
			continue;
		if (!strcmp(w[0], "param") || !strcmp(w[0], "input") || !strcmp(w[0], "output")) {
			if (parse_decl(t, w, nw, e2, sizeof e2)) {
				snprintf(err, errlen, "template %s, line %d: %s", name, lineno, e2);
				return -1;
			}
			continue;
		}
		if (!strcmp(w[0], "create")) {
			if (nw < 3 || strchr(w[2], '=') || !word_ok(w[2]) ||
			    t->ninner == CX_TPL_INNER_MAX || local_index(t, w[2]) >= 0) {
				snprintf(
				    err, errlen,
				    "template %s, line %d: write 'create TYPE NAME ...' with a new "
				    "name (at most %d instances)",
				    name, lineno, CX_TPL_INNER_MAX);
				return -1;
			}
			snprintf(t->inner[t->ninner++], CX_INSTANCE_NAME_MAX, "%s", w[2]);
		} else if (strcmp(w[0], "patch") && strcmp(w[0], "set") && strcmp(w[0], "gate")) {
			snprintf(err, errlen,
			         "template %s, line %d: a template holds create, patch, set, gate, "
			         "param, input and output lines, not '%s'",
			         name, lineno, w[0]);
			return -1;
		}
		size_t len = strlen(p);
		if (body + len + 2 > sizeof t->body) {
			snprintf(err, errlen, "template %s is too long", name);
			return -1;
		}
		memcpy(t->body + body, p, len);
		body += len;
		t->body[body++] = '\n';
		t->body[body] = 0;
	}
	if (!t->ninner || !t->noutputs) {
		snprintf(err, errlen, "template %s creates no instance or declares no output",
		         name);
		return -1;
	}
	return 0;
}

static int read_file(const char *path, char *buf, size_t cap, struct timespec *mtime)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return -1;
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = 0;
	*mtime = st.st_mtim;
	return 0;
}

static char last_error[512], last_error_name[CX_NAME_MAX];

const char *cx_template_error(const char *name)
{
	if (!name || !name[0])
		return NULL;
	cx_template_get(name);
	return last_error_name[0] && strcmp(last_error_name, name) == 0 ? last_error : NULL;
}

const cx_template_t *cx_template_get(const char *name)
{
	if (!word_ok(name))
		return NULL;
	for (int d = 0; d < ndirs; d++) {
		char path[1200];
		snprintf(path, sizeof path, "%s/%s.chr", dirs[d], name);
		struct stat st;
		if (stat(path, &st) != 0)
			continue;
		int slot = -1, empty = -1;
		for (int i = 0; i < CACHE_MAX; i++) {
			if (cache[i].used && strcmp(cache[i].t.path, path) == 0)
				slot = i;
			if (!cache[i].used && empty < 0)
				empty = i;
		}
		if (slot >= 0 && cache[slot].mtime.tv_sec == st.st_mtim.tv_sec &&
		    cache[slot].mtime.tv_nsec == st.st_mtim.tv_nsec)
			return &cache[slot].t;
		if (slot < 0)
			slot = empty >= 0 ? empty : 0;
		static char text[CX_TPL_BODY_MAX * 2];
		struct timespec mt;
		if (read_file(path, text, sizeof text, &mt) != 0 ||
		    cx_template_parse(&cache[slot].t, name, text, last_error, sizeof last_error) !=
		        0) {
			cache[slot].used = 0;
			snprintf(last_error_name, sizeof last_error_name, "%s", name);
			return NULL;
		}
		snprintf(cache[slot].t.path, sizeof cache[slot].t.path, "%.1000s", path);
		if (!strcmp(last_error_name, name))
			last_error_name[0] = 0;
		cache[slot].mtime = mt;
		cache[slot].used = 1;
		return &cache[slot].t;
	}
	return NULL;
}

int cx_template_define(const char *name, const char *text, char *err, size_t errlen)
{
	static cx_template_t t;
	if (!word_ok(name)) {
		snprintf(err, errlen, "bad template name '%s': a letter, then letters, digits, '_'",
		         name);
		return -1;
	}
	if (!ndirs) {
		snprintf(err, errlen, "no templates folder is configured");
		return -1;
	}
	if (cx_template_parse(&t, name, text, err, errlen))
		return -1;
	mkdir(dirs[0], 0755);
	char path[1200], tmp[1300];
	snprintf(path, sizeof path, "%s/%s.chr", dirs[0], name);
	snprintf(tmp, sizeof tmp, "%s.tmp-%d", path, (int)getpid());
	FILE *f = fopen(tmp, "w");
	if (!f) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		return -1;
	}
	for (const char *s = text; *s; s++)
		fputc(*s == ';' ? '\n' : *s, f);
	fputc('\n', f);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0 || fclose(f) != 0 || rename(tmp, path) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Names of NAME.chr files in dir, sorted; returns how many (at most max). */
static int list_dir(const char *dir, char names[][CX_NAME_MAX], int max)
{
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *de;
	while (d && (de = readdir(d)) != NULL && n < max) {
		size_t len = strlen(de->d_name);
		if (len > 4 && len - 4 < CX_NAME_MAX && strcmp(de->d_name + len - 4, ".chr") == 0)
			snprintf(names[n++], CX_NAME_MAX, "%.*s", (int)(len - 4), de->d_name);
	}
	if (d)
		closedir(d);
	qsort(names, (size_t)n, CX_NAME_MAX, (int (*)(const void *, const void *))strcmp);
	return n;
}

void cx_template_list(char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = 0;
	static char seen[128][CX_NAME_MAX], names[64][CX_NAME_MAX];
	int nseen = 0;
	for (int d = 0; d < ndirs; d++) {
		int k = list_dir(dirs[d], names, 64);
		for (int i = 0; i < k; i++) {
			int dup = 0;
			for (int j = 0; j < nseen; j++)
				dup |= strcmp(seen[j], names[i]) == 0;
			if (dup || nseen == 128 || !cx_template_get(names[i]))
				continue;
			snprintf(seen[nseen++], CX_NAME_MAX, "%.23s", names[i]);
			n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? ", " : "",
			                      names[i]);
		}
	}
	if (!n)
		snprintf(buf, len, "none");
}

void cx_tinst_inner(const char *inst, const char *local, char *out, size_t len)
{
	snprintf(out, len, "%s_%s", inst, local);
}

const char *cx_tinst_find(const char *name, const cx_template_t **t)
{
	for (int i = 0; i < TINST_MAX; i++)
		if (tinsts[i].used && strcmp(tinsts[i].name, name) == 0) {
			const cx_template_t *tp = cx_template_get(tinsts[i].tpl);
			if (t)
				*t = tp;
			return tp ? tinsts[i].name : NULL;
		}
	return NULL;
}

/* Rewrites a template body line for instance inst: local names become inst_local. */
void cx_template_rewrite(const cx_template_t *t, const char *inst, const char *line, char *out,
                         size_t len)
{
	char copy[2048];
	snprintf(copy, sizeof copy, "%.2000s", line);
	size_t n = 0;
	int word = 0;
	out[0] = 0;
	for (char *tok = strtok(copy, " \t\r"); tok; tok = strtok(NULL, " \t\r"), word++) {
		char buf[256];
		const char *w = tok;
		/* create TYPE NAME: the name; elsewhere any word whose part before '.' or '=' is a
		 * local instance name. */
		size_t head = strcspn(tok, ".=");
		char local[CX_INSTANCE_NAME_MAX];
		snprintf(local, sizeof local, "%.*s", (int)(head < sizeof local ? head : 0), tok);
		int is_create = strncmp(line, "create", 6) == 0;
		if ((!is_create || word == 2) && word > 0 && local_index(t, local) >= 0) {
			char real[64];
			cx_tinst_inner(inst, local, real, sizeof real);
			snprintf(buf, sizeof buf, "%s%s", real, tok + head);
			w = buf;
		}
		n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%s%s", n ? " " : "", w);
	}
}

static int tinst_add(const char *name, const char *tpl)
{
	for (int i = 0; i < TINST_MAX; i++)
		if (!tinsts[i].used) {
			snprintf(tinsts[i].name, sizeof tinsts[i].name, "%s", name);
			snprintf(tinsts[i].tpl, sizeof tinsts[i].tpl, "%s", tpl);
			tinsts[i].used = 1;
			return 0;
		}
	return -1;
}

static void free_inners(cx_engine_t *e, const cx_template_t *t, const char *name, int upto)
{
	char real[64], ignore[512];
	for (int i = 0; i < upto && i < t->ninner; i++) {
		cx_tinst_inner(name, t->inner[i], real, sizeof real);
		/* an inner instance may itself be a template instance (templates nest) */
		if (!cx_template_free(e, real, ignore, sizeof ignore))
			cx_engine_free(e, real, ignore, sizeof ignore);
	}
}

int cx_template_param(const char *inst, const char *param, const char *value, char *real,
                      size_t rlen, char *rparam, size_t plen, char *rvalue, size_t vlen, char *err,
                      size_t errlen)
{
	const cx_template_t *t;
	if (!cx_tinst_find(inst, &t))
		return 0;
	for (int i = 0; i < t->nparams; i++) {
		const cx_tpl_param_t *p = &t->params[i];
		if (strcmp(p->name, param) != 0)
			continue;
		cx_tinst_inner(inst, p->inner, real, rlen);
		snprintf(rparam, plen, "%s", p->param);
		snprintf(rvalue, vlen, "%s", value ? value : "");
		for (int k = 0; value && k < p->aliases; k++)
			if (strcmp(p->alias[k][0], value) == 0)
				snprintf(rvalue, vlen, "%s", p->alias[k][1]);
		return 1;
	}
	size_t n = (size_t)snprintf(err, errlen,
	                            "template %s '%s' has no parameter '%s'; "
	                            "parameters:",
	                            t->name, inst, param);
	for (int i = 0; i < t->nparams && n < errlen; i++)
		n += (size_t)snprintf(err + n, errlen - n, " %s", t->params[i].name);
	return -1;
}

int cx_template_port(const char *spec, int output, char specs[][64], int max, char *err,
                     size_t errlen)
{
	char inst[CX_INSTANCE_NAME_MAX];
	const char *dot = strchr(spec, '.');
	snprintf(inst, sizeof inst, "%.*s", (int)(dot ? (size_t)(dot - spec) : strlen(spec)), spec);
	const cx_template_t *t;
	if (!cx_tinst_find(inst, &t))
		return 0;
	const cx_tpl_port_t *ports = output ? t->outputs : t->inputs;
	int n = output ? t->noutputs : t->ninputs;
	const cx_tpl_port_t *p = NULL;
	for (int i = 0; i < n && !p; i++)
		if (!dot || strcmp(ports[i].name, dot + 1) == 0)
			p = &ports[i];
	if (!p) {
		size_t m = (size_t)snprintf(
		    err, errlen, "template %s '%s' has no %s '%s'; %ss:", t->name, inst,
		    output ? "output" : "input", dot ? dot + 1 : "", output ? "output" : "input");
		for (int i = 0; i < n && m < errlen; i++)
			m += (size_t)snprintf(err + m, errlen - m, " %s", ports[i].name);
		if (!n && m < errlen)
			snprintf(err + m, errlen - m, " none");
		return -1;
	}
	int k = 0;
	for (; k < p->targets && k < max; k++) {
		char real[64];
		cx_tinst_inner(inst, p->inner[k], real, sizeof real);
		snprintf(specs[k], 64, "%.40s%s%.20s", real, p->port[k][0] ? "." : "", p->port[k]);
	}
	return k;
}

int cx_template_create(cx_engine_t *e, const cx_template_t *t, const char *name,
                       char *const *assigns, int nassigns, char *err, size_t errlen)
{
	cx_instance_info_t info;
	char ignore[512];
	if (cx_tinst_find(name, NULL) ||
	    cx_engine_instance(e, name, &info, ignore, sizeof ignore) == 0) {
		snprintf(err, errlen,
		         "an instance named '%s' already exists; free it or pick another "
		         "name",
		         name);
		return -1;
	}
	if (tinst_add(name, t->name) != 0) {
		snprintf(err, errlen, "at most %d template instances", TINST_MAX);
		return -1;
	}
	/* The body, with local names made real; then the assignments through params. */
	/* Not static: a line may create another template, which runs this again. */
	char *body = malloc(CX_TPL_BODY_MAX);
	if (!body) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(body, CX_TPL_BODY_MAX, "%s", t->body);
	int created = 0, rc = 0;
	char reply[1024], line[2048];
	for (char *s = body; *s && !rc;) {
		char *nl = strchr(s, '\n');
		if (nl)
			*nl = 0;
		cx_template_rewrite(t, name, s, line, sizeof line);
		if (cx_command_line(e, line, 0, reply, sizeof reply) < 0) {
			snprintf(err, errlen, "template %s: '%s': %s", t->name, line, reply);
			rc = -1;
		} else if (strncmp(line, "create", 6) == 0) {
			created++;
		}
		s = nl ? nl + 1 : s + strlen(s);
	}
	for (int a = 0; a < nassigns && !rc; a++) {
		char pname[64], real[64], rparam[64], rvalue[64];
		const char *eq = strchr(assigns[a], '=');
		snprintf(pname, sizeof pname, "%.*s", (int)(eq ? (size_t)(eq - assigns[a]) : 0),
		         assigns[a]);
		int r = eq ? cx_template_param(name, pname, eq + 1, real, sizeof real, rparam,
		                               sizeof rparam, rvalue, sizeof rvalue, err, errlen)
		           : -1;
		if (r != 1) {
			if (!eq)
				snprintf(err, errlen, "expected param=value, got '%s'", assigns[a]);
			rc = -1;
			break;
		}
		snprintf(line, sizeof line, "set %s.%s %s", real, rparam, rvalue);
		if (cx_command_line(e, line, 0, reply, sizeof reply) < 0) {
			snprintf(err, errlen, "%s=%s: %s", pname, eq + 1, reply);
			rc = -1;
		}
	}
	if (rc) {
		free_inners(e, t, name, t->ninner);
		for (int i = 0; i < TINST_MAX; i++)
			if (tinsts[i].used && strcmp(tinsts[i].name, name) == 0)
				tinsts[i].used = 0;
	}
	(void)created;
	free(body);
	return rc;
}

int cx_template_free(cx_engine_t *e, const char *name, char *err, size_t errlen)
{
	const cx_template_t *t;
	if (!cx_tinst_find(name, &t))
		return 0;
	(void)err, (void)errlen;
	free_inners(e, t, name, t->ninner);
	for (int i = 0; i < TINST_MAX; i++)
		if (tinsts[i].used && strcmp(tinsts[i].name, name) == 0)
			tinsts[i].used = 0;
	return 1;
}

int cx_template_owner(const char *name, char *owner, size_t len)
{
	for (int i = 0; i < TINST_MAX; i++) {
		if (!tinsts[i].used)
			continue;
		const cx_template_t *t = cx_template_get(tinsts[i].tpl);
		for (int k = 0; t && k < t->ninner; k++) {
			char real[64];
			cx_tinst_inner(tinsts[i].name, t->inner[k], real, sizeof real);
			if (strcmp(real, name) == 0) {
				snprintf(owner, len, "%s", tinsts[i].name);
				return 1;
			}
		}
	}
	return 0;
}

int cx_tinst_count(void)
{
	return TINST_MAX;
}

const char *cx_tinst_name(int i, const cx_template_t **t)
{
	if (i < 0 || i >= TINST_MAX || !tinsts[i].used)
		return NULL;
	const cx_template_t *tp = cx_template_get(tinsts[i].tpl);
	if (t)
		*t = tp;
	return tp ? tinsts[i].name : NULL;
}

void cx_tinst_clear(void)
{
	memset(tinsts, 0, sizeof tinsts);
}

/* The text of a template's declarations and inner patch. */
static size_t describe(const cx_template_t *t, const char *inst, char *text, size_t len)
{
	size_t n =
	    (size_t)snprintf(text, len, "%s%s%s (template %s): %s. params:", inst ? inst : "",
	                     inst ? " " : "", inst ? "" : t->name, t->name, t->summary);
	for (int i = 0; i < t->nparams && n < len; i++)
		n += (size_t)snprintf(text + n, len - n, " %s=%s.%s", t->params[i].name,
		                      t->params[i].inner, t->params[i].param);
	for (int side = 0; side < 2 && n < len; side++) {
		const cx_tpl_port_t *ports = side ? t->outputs : t->inputs;
		int np = side ? t->noutputs : t->ninputs;
		n += (size_t)snprintf(text + n, len - n, "; %s:", side ? "outputs" : "inputs");
		for (int i = 0; i < np && n < len; i++) {
			n += (size_t)snprintf(text + n, len - n, " %s=", ports[i].name);
			for (int k = 0; k < ports[i].targets && n < len; k++)
				n += (size_t)snprintf(
				    text + n, len - n, "%s%s%s%s", k ? "+" : "", ports[i].inner[k],
				    ports[i].port[k][0] ? "." : "", ports[i].port[k]);
		}
	}
	n += (size_t)snprintf(text + n, n < len ? len - n : 0, "; inside:");
	for (const char *s = t->body; *s && n < len;) {
		size_t k = strcspn(s, "\n");
		n += (size_t)snprintf(text + n, len - n, " %.*s;", (int)k, s);
		s += k + (s[k] != 0);
	}
	return n;
}

int cx_template_info(cx_engine_t *e, const char *name, char *text, size_t len, cx_json_t *data)
{
	const cx_template_t *t = NULL;
	const char *inst = cx_tinst_find(name, &t);
	if (!inst)
		t = cx_template_get(name);
	if (!t)
		return -1;
	describe(t, inst, text, len);
	if (!data)
		return 0;
	cx_json_obj(data);
	cx_json_kstr(data, "name", inst ? inst : t->name);
	cx_json_kstr(data, "template", t->name);
	cx_json_kstr(data, "summary", t->summary);
	cx_json_key(data, "params");
	cx_json_arr(data);
	for (int i = 0; i < t->nparams; i++) {
		cx_json_obj(data);
		cx_json_kstr(data, "name", t->params[i].name);
		char target[80];
		snprintf(target, sizeof target, "%s.%s", t->params[i].inner, t->params[i].param);
		cx_json_kstr(data, "maps_to", target);
		if (inst) { /* its current value, from the inner instance */
			char real[64], err[256];
			cx_instance_info_t info;
			cx_tinst_inner(inst, t->params[i].inner, real, sizeof real);
			if (cx_engine_instance(e, real, &info, err, sizeof err) == 0) {
				const cx_type_t *ty = cx_engine_type(e, info.type);
				for (uint32_t p = 0; p < ty->param_count; p++)
					if (strcmp(ty->params[p].name, t->params[i].param) == 0)
						cx_json_knum(data, "value", info.params[p]);
			}
		}
		cx_json_end(data);
	}
	cx_json_aend(data);
	for (int side = 0; side < 2; side++) {
		const cx_tpl_port_t *ports = side ? t->outputs : t->inputs;
		int np = side ? t->noutputs : t->ninputs;
		cx_json_key(data, side ? "outputs" : "inputs");
		cx_json_arr(data);
		for (int i = 0; i < np; i++)
			cx_json_str(data, ports[i].name);
		cx_json_aend(data);
	}
	cx_json_key(data, "inside");
	cx_json_arr(data);
	for (const char *s = t->body; *s;) {
		size_t k = strcspn(s, "\n");
		char line[512];
		snprintf(line, sizeof line, "%.*s", (int)(k < sizeof line ? k : sizeof line - 1),
		         s);
		cx_json_str(data, line);
		s += k + (s[k] != 0);
	}
	cx_json_aend(data);
	cx_json_end(data);
	return 0;
}
