/*
 * template.h — templates: patches with their own named parameters, instantiated like a type.
 *
 * A template is a text file (TEMPLATE.chr in a templates folder) of ordinary commands —
 * create, patch, set, gate — on instance names local to the template, plus declarations:
 *   # one line that says what it is           (the first comment: the summary)
 *   param NAME = inner.param [word:value ...] a template parameter, with value aliases
 *   input NAME = inner.port [inner.port ...]  an input (first one: the default input)
 *   output NAME = inner.port [inner.port ...] an output (first one: the default output)
 * `create bass b1 cutoff=500` creates real instances b1_osc, b1_filt, ... (the engine knows
 * nothing of templates); this module remembers b1 and translates b1.cutoff, b1.pitch and b1 to
 * the inner names for the commands. [control]
 */
#ifndef CX_TEMPLATE_H
#define CX_TEMPLATE_H

#include <stddef.h>

#include "engine.h"
#include "json.h"

#define CX_TPL_PARAMS_MAX  32
#define CX_TPL_PORTS_MAX   16
#define CX_TPL_TARGETS_MAX 8
#define CX_TPL_ALIASES_MAX 8
#define CX_TPL_INNER_MAX   32
#define CX_TPL_BODY_MAX    8192

typedef struct cx_tpl_param {
	char name[CX_NAME_MAX];
	char inner[CX_INSTANCE_NAME_MAX], param[CX_NAME_MAX];
	int aliases;
	char alias[CX_TPL_ALIASES_MAX][2][CX_NAME_MAX]; /* word, value */
} cx_tpl_param_t;

typedef struct cx_tpl_port {
	char name[CX_NAME_MAX];
	int targets;
	char inner[CX_TPL_TARGETS_MAX][CX_INSTANCE_NAME_MAX];
	char port[CX_TPL_TARGETS_MAX][CX_NAME_MAX]; /* "" for the inner's default port */
} cx_tpl_port_t;

typedef struct cx_template {
	char name[CX_NAME_MAX];
	char summary[128];
	char path[1024];
	char body[CX_TPL_BODY_MAX]; /* the create/patch/set/gate lines */
	int nparams, ninputs, noutputs;
	cx_tpl_param_t params[CX_TPL_PARAMS_MAX];
	cx_tpl_port_t inputs[CX_TPL_PORTS_MAX], outputs[CX_TPL_PORTS_MAX];
	int ninner;
	char inner[CX_TPL_INNER_MAX][CX_INSTANCE_NAME_MAX]; /* local instance names */
} cx_template_t;

/* The folders searched for NAME.chr, in order (the first is where `define` writes). */
void cx_template_dirs(const char *const *dirs, int count);

/* A template by name (read from its file, again when the file changed), or NULL. */
const cx_template_t *cx_template_get(const char *name);

/* Why the template file called name does not parse, or NULL when it does (or is not there). */
const char *cx_template_error(const char *name);

/* Parses template text; returns 0, or -1 with err naming the line. */
int cx_template_parse(cx_template_t *t, const char *name, const char *text, char *err,
                      size_t errlen);

/* Writes NAME.chr into the first folder (atomically) after parsing it. */
int cx_template_define(const char *name, const char *text, char *err, size_t errlen);

/* Names of the templates found, comma-separated. */
void cx_template_list(char *buf, size_t len);

/* Creates instance `name` of template t with NAME=VALUE assignments (all or nothing). */
int cx_template_create(cx_engine_t *e, const cx_template_t *t, const char *name,
                       char *const *assigns, int nassigns, char *err, size_t errlen);

/* The template instance called name, or NULL; its template in *t. */
const char *cx_tinst_find(const char *name, const cx_template_t **t);

/* The real name of a template instance's local instance: b1 + osc -> b1_osc. */
void cx_tinst_inner(const char *inst, const char *local, char *out, size_t len);

/* Translates "inst.param" of a template instance to the inner "real.param" and the value text
 * through aliases. Returns 1 translated, 0 not a template instance, -1 unknown (err set). */
int cx_template_param(const char *inst, const char *param, const char *value, char *real,
                      size_t rlen, char *rparam, size_t plen, char *rvalue, size_t vlen, char *err,
                      size_t errlen);

/* Translates a port spec ("b1", "b1.pitch") of a template instance into inner specs.
 * Returns the number of targets (0: not a template instance), -1 unknown (err set). */
int cx_template_port(const char *spec, int output, char specs[][64], int max, char *err,
                     size_t errlen);

/* A line of t's body with its local names made real for instance inst (osc -> b1_osc). */
void cx_template_rewrite(const cx_template_t *t, const char *inst, const char *line, char *out,
                         size_t len);

/* Frees a template instance and its inner instances. 1 freed, 0 not a template instance. */
int cx_template_free(cx_engine_t *e, const char *name, char *err, size_t errlen);

/* Whether real instance `name` belongs to a template instance (its name in *owner). */
int cx_template_owner(const char *name, char *owner, size_t len);

/* info on a template instance or a template: text and (data != NULL) JSON. 0, -1. */
int cx_template_info(cx_engine_t *e, const char *name, char *text, size_t len, cx_json_t *data);

/* Count and names of template instances (for list and save). */
int cx_tinst_count(void);
const char *cx_tinst_name(int i, const cx_template_t **t);

/* Forgets every template instance (load replaces the patch). */
void cx_tinst_clear(void);

#endif /* CX_TEMPLATE_H */
