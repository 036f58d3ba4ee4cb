/* loader.c — see loader.h. */
#include "loader.h"

#include <dirent.h>
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int cx_name_valid(const char *s)
{
	if (!s || !(s[0] >= 'a' && s[0] <= 'z'))
		return 0;
	size_t n = 0;
	for (; s[n]; n++) {
		char c = s[n];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return 0;
		if (n + 1 >= CX_NAME_MAX)
			return 0;
	}
	return 1;
}

/* An enum value's name: what a musician types, "saw", "1/4", "1/8t", "+12": [a-z0-9+-] first,
 * then letters, digits and _ . / + -. */
static int enum_name_valid(const char *s)
{
	if (!s || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9') || s[0] == '+' ||
	            s[0] == '-'))
		return 0;
	size_t n = 0;
	for (; s[n]; n++) {
		char c = s[n];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("_./+-", c)) ||
		    n + 1 >= CX_NAME_MAX)
			return 0;
	}
	return 1;
}

int cx_module_open(const char *path, void **handle, const cx_module_t **desc, char *err,
                   size_t errlen)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(err, errlen, "cannot load %s: %s", path, dlerror());
		return -1;
	}
	const cx_module_t *d = dlsym(h, CX_MODULE_SYMBOL);
	if (!d) {
		snprintf(err, errlen,
		         "%s exports no '%s' descriptor (build it with CX_MODULE_EXPORT)", path,
		         CX_MODULE_SYMBOL);
		dlclose(h);
		return -1;
	}
	*handle = h;
	*desc = d;
	return 0;
}

static int copy_str(char *dst, size_t cap, const char *src)
{
	if (!src) {
		dst[0] = 0;
		return 0;
	}
	size_t n = strnlen(src, cap);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
	return 0;
}

static int check_ports(const char *what, uint32_t count, const cx_port_info_t *ports,
                       cx_type_port_t *out, char *err, size_t errlen)
{
	if (count > CX_PORTS_MAX) {
		snprintf(err, errlen, "%u %s ports, at most %u are allowed", count, what,
		         CX_PORTS_MAX);
		return -1;
	}
	if (count && !ports) {
		snprintf(err, errlen, "%s_count is %u but the %s table is NULL", what, count, what);
		return -1;
	}
	for (uint32_t i = 0; i < count; i++) {
		const cx_port_info_t *p = &ports[i];
		if (!cx_name_valid(p->name)) {
			snprintf(err, errlen,
			         "%s port %u has a bad name '%s' (want [a-z][a-z0-9_]*)", what, i,
			         p->name ? p->name : "(null)");
			return -1;
		}
		if (p->kind > CX_PORT_GATE) {
			snprintf(err, errlen, "%s port '%s' has unknown kind %u", what, p->name,
			         p->kind);
			return -1;
		}
		if (!isfinite(p->def)) {
			snprintf(err, errlen, "%s port '%s' has a non-finite default", what,
			         p->name);
			return -1;
		}
		for (uint32_t j = 0; j < i; j++)
			if (strcmp(ports[j].name, p->name) == 0) {
				snprintf(err, errlen, "two %s ports are named '%s'", what, p->name);
				return -1;
			}
		copy_str(out[i].name, sizeof out[i].name, p->name);
		out[i].kind = p->kind;
		out[i].def = p->def;
		copy_str(out[i].help, sizeof out[i].help, p->help);
	}
	return 0;
}

static int check_param(const cx_param_info_t *p, uint32_t i, cx_type_param_t *o, char *err,
                       size_t errlen)
{
	if (!cx_name_valid(p->name)) {
		snprintf(err, errlen, "parameter %u has a bad name '%s' (want [a-z][a-z0-9_]*)", i,
		         p->name ? p->name : "(null)");
		return -1;
	}
	if (!isfinite(p->min) || !isfinite(p->max) || !isfinite(p->def) || p->min > p->max ||
	    p->def < p->min || p->def > p->max) {
		snprintf(err, errlen,
		         "parameter '%s' needs finite min <= default <= max (has %g, %g, %g)",
		         p->name, (double)p->min, (double)p->def, (double)p->max);
		return -1;
	}
	if ((p->flags & CX_PARAM_LOG) && p->min <= 0.0f) {
		snprintf(err, errlen, "logarithmic parameter '%s' needs min > 0", p->name);
		return -1;
	}
	o->id = p->id;
	copy_str(o->name, sizeof o->name, p->name);
	copy_str(o->unit, sizeof o->unit, p->unit);
	copy_str(o->help, sizeof o->help, p->help);
	o->min = p->min;
	o->max = p->max;
	o->def = p->def;
	o->flags = p->flags;
	o->enum_count = 0;
	if (p->flags & CX_PARAM_ENUM) {
		float span = p->max - p->min;
		if (p->min != 0.0f || span != floorf(span) || span + 1.0f > (float)CX_ENUM_MAX ||
		    !p->enum_names) {
			snprintf(err, errlen,
			         "enum parameter '%s' needs min 0, a whole max below %u and "
			         "enum_names",
			         p->name, CX_ENUM_MAX);
			return -1;
		}
		o->enum_count = (uint32_t)span + 1u;
		for (uint32_t e = 0; e < o->enum_count; e++) {
			if (!enum_name_valid(p->enum_names[e])) {
				snprintf(err, errlen, "enum parameter '%s' value %u has a bad name",
				         p->name, e);
				return -1;
			}
			copy_str(o->enum_names[e], CX_NAME_MAX, p->enum_names[e]);
		}
	}
	return 0;
}

int cx_descriptor_check(const cx_module_t *d, const char *expect_type, cx_type_t *out, char *err,
                        size_t errlen)
{
	if ((d->abi_version >> 16) != CX_ABI_VERSION_MAJOR) {
		snprintf(err, errlen, "built for module ABI %u.%u, this engine runs ABI %u.x",
		         d->abi_version >> 16, d->abi_version & 0xffffu, CX_ABI_VERSION_MAJOR);
		return -1;
	}
	if (d->struct_size < CX_MODULE_SIZE_1_0) {
		snprintf(err, errlen, "descriptor is %u bytes, ABI %u needs at least %zu",
		         d->struct_size, CX_ABI_VERSION_MAJOR, (size_t)CX_MODULE_SIZE_1_0);
		return -1;
	}
	if (!cx_name_valid(d->type)) {
		snprintf(err, errlen, "type id '%s' is not a valid name (want [a-z][a-z0-9_]*)",
		         d->type ? d->type : "(null)");
		return -1;
	}
	if (expect_type && strcmp(expect_type, d->type) != 0) {
		snprintf(err, errlen, "file is named for type '%s' but its descriptor says '%s'",
		         expect_type, d->type);
		return -1;
	}
	if (!d->init || !d->process) {
		snprintf(err, errlen, "descriptor lacks %s", !d->init ? "init()" : "process()");
		return -1;
	}
	if (d->state_size == 0 || d->state_size > CX_STATE_SIZE_MAX) {
		snprintf(err, errlen, "state_size %u is outside 1..%u bytes", d->state_size,
		         CX_STATE_SIZE_MAX);
		return -1;
	}
	memset(out->ins, 0, sizeof out->ins);
	memset(out->outs, 0, sizeof out->outs);
	memset(out->params, 0, sizeof out->params);
	if (check_ports("input", d->in_count, d->ins, out->ins, err, errlen) ||
	    check_ports("output", d->out_count, d->outs, out->outs, err, errlen))
		return -1;
	if ((d->flags & CX_MODULE_SINK) && d->out_count < 2) {
		snprintf(err, errlen, "a sink needs two outputs (left, right), has %u",
		         d->out_count);
		return -1;
	}
	if (d->param_count > CX_PARAMS_MAX || (d->param_count && !d->params)) {
		snprintf(err, errlen, "%u parameters (at most %u, with a table)", d->param_count,
		         CX_PARAMS_MAX);
		return -1;
	}
	for (uint32_t i = 0; i < d->param_count; i++) {
		if (check_param(&d->params[i], i, &out->params[i], err, errlen))
			return -1;
		for (uint32_t j = 0; j < i; j++) {
			if (d->params[j].id == d->params[i].id ||
			    strcmp(d->params[j].name, d->params[i].name) == 0) {
				snprintf(err, errlen, "parameters %u and %u share an id or a name",
				         j, i);
				return -1;
			}
		}
	}
	copy_str(out->name, sizeof out->name, d->type);
	copy_str(out->summary, sizeof out->summary, d->summary);
	out->version = d->version;
	out->state_version = d->state_version;
	out->flags = d->flags & ~CX_TYPE_HAS_LOAD;
	if (d->struct_size >= offsetof(cx_module_t, load) + sizeof d->load && d->load)
		out->flags |= CX_TYPE_HAS_LOAD;
	out->state_size = d->state_size;
	out->in_count = d->in_count;
	out->out_count = d->out_count;
	out->param_count = d->param_count;
	return 0;
}

int cx_type_probe(cx_type_t *slot)
{
	void *h;
	const cx_module_t *d;
	char err[sizeof slot->error];
	char want[CX_NAME_MAX];
	copy_str(want, sizeof want, slot->name);
	if (cx_module_open(slot->path, &h, &d, err, sizeof err) != 0 ||
	    cx_descriptor_check(d, want, slot, err, sizeof err) != 0) {
		copy_str(slot->error, sizeof slot->error, err);
		copy_str(slot->name, sizeof slot->name, want);
		slot->status = CX_TYPE_BROKEN;
		return -1;
	}
	slot->error[0] = 0;
	slot->status = CX_TYPE_OK;
	return 0; /* the handle stays open: this runs in a child about to exit */
}

int cx_type_find(const cx_type_t *table, unsigned count, const char *name)
{
	for (unsigned i = 0; i < count; i++)
		if (strcmp(table[i].name, name) == 0)
			return (int)i;
	return -1;
}

static void add_type(cx_type_t *table, unsigned *n, unsigned max, const char *name,
                     const char *path)
{
	if (*n >= max || !cx_name_valid(name) || cx_type_find(table, *n, name) >= 0)
		return;
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return;
	cx_type_t *t = &table[*n];
	memset(t, 0, sizeof *t);
	copy_str(t->name, sizeof t->name, name);
	copy_str(t->path, sizeof t->path, path);
	(*n)++;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const cx_type_t *)a)->name, ((const cx_type_t *)b)->name);
}

unsigned cx_types_scan(const char *const *dirs, unsigned dir_count, cx_type_t *table, unsigned max)
{
	unsigned n = 0;
	for (unsigned d = 0; d < dir_count; d++) {
		DIR *dir = opendir(dirs[d]);
		if (!dir)
			continue;
		struct dirent *e;
		char path[CX_PATH_MAX + 64];
		while ((e = readdir(dir)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			size_t len = strlen(e->d_name);
			if (len > 3 && strcmp(e->d_name + len - 3, ".so") == 0) {
				char name[CX_NAME_MAX];
				if (len - 3 >= sizeof name)
					continue;
				memcpy(name, e->d_name, len - 3);
				name[len - 3] = 0;
				snprintf(path, sizeof path, "%s/%s", dirs[d], e->d_name);
			} else {
				snprintf(path, sizeof path, "%s/%s/%s.so", dirs[d], e->d_name,
				         e->d_name);
			}
			if (strlen(path) >= CX_PATH_MAX)
				continue;
			const char *nm = e->d_name;
			char base[CX_NAME_MAX];
			if (len > 3 && strcmp(e->d_name + len - 3, ".so") == 0) {
				snprintf(base, sizeof base, "%.*s", (int)(len - 3), e->d_name);
				nm = base;
			}
			add_type(table, &n, max, nm, path);
		}
		closedir(dir);
	}
	qsort(table, n, sizeof *table, by_name); /* stable type indices whatever readdir says */
	return n;
}
