/*
 * jsonr.h — a small JSON reader and string writer for the shell.
 *
 * The shell reads the engine's /json replies (one object each, a few kilobytes at most) to
 * learn commands, module types, instances and ports for completion, and writes JSON lines of
 * its own when the engine cannot. A tree of values is built in one pass; numbers are doubles;
 * \u escapes (with surrogate pairs) become UTF-8. [shell]
 */
#ifndef SH_JSONR_H
#define SH_JSONR_H

#include <stddef.h>
#include <stdio.h>

typedef enum { JV_NULL, JV_BOOL, JV_NUM, JV_STR, JV_ARR, JV_OBJ } jv_kind_t;

typedef struct jv {
	jv_kind_t kind;
	int b;
	double num;
	char *str;        /* JV_STR */
	size_t n;         /* JV_ARR, JV_OBJ: members */
	char **keys;      /* JV_OBJ: n keys */
	struct jv *items; /* JV_ARR, JV_OBJ: n values */
} jv_t;

/* The value in text (surrounding whitespace allowed), or NULL when text is not JSON. */
jv_t *jv_parse(const char *text);
void jv_free(jv_t *v);

const jv_t *jv_get(const jv_t *obj, const char *key); /* NULL: not an object, or no key */
const jv_t *jv_at(const jv_t *arr, size_t k);         /* NULL: not an array, or too short */
size_t jv_len(const jv_t *arr);                       /* 0 unless an array */
const char *jv_str(const jv_t *v);                    /* NULL unless a string */
const char *jv_gets(const jv_t *obj, const char *key);

/* Writes s as a JSON string, quotes included. */
void jv_write_str(FILE *f, const char *s);

#endif /* SH_JSONR_H */
