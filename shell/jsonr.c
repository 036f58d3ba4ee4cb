/* jsonr.c — see jsonr.h. */
#include "jsonr.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define JV_DEPTH_MAX 64

typedef struct {
	const char *p;
	int depth;
} rd_t;

static void skip_ws(rd_t *r)
{
	while (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')
		r->p++;
}

static int parse_value(rd_t *r, jv_t *v);

static int hex4(const char *p, uint32_t *out)
{
	uint32_t u = 0;
	for (int k = 0; k < 4; k++) {
		char c = p[k];
		u <<= 4;
		if (c >= '0' && c <= '9')
			u |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			u |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			u |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	*out = u;
	return 0;
}

static size_t put_utf8(char *o, uint32_t u)
{
	if (u < 0x80) {
		o[0] = (char)u;
		return 1;
	}
	if (u < 0x800) {
		o[0] = (char)(0xc0 | (u >> 6));
		o[1] = (char)(0x80 | (u & 0x3f));
		return 2;
	}
	if (u < 0x10000) {
		o[0] = (char)(0xe0 | (u >> 12));
		o[1] = (char)(0x80 | ((u >> 6) & 0x3f));
		o[2] = (char)(0x80 | (u & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (u >> 18));
	o[1] = (char)(0x80 | ((u >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((u >> 6) & 0x3f));
	o[3] = (char)(0x80 | (u & 0x3f));
	return 4;
}

/* A string at r->p (on its opening quote), decoded into a new buffer. */
static char *parse_string(rd_t *r)
{
	const char *p = r->p + 1;
	size_t cap = 0;
	for (const char *q = p; *q && *q != '"'; q++, cap++)
		if (*q == '\\' && q[1])
			q++;
	char *out = malloc(cap * 2 + 8); /* an escape never grows past 4 bytes for 6 read */
	if (!out)
		return NULL;
	size_t n = 0;
	while (*p && *p != '"') {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20)
			goto bad;
		if (c != '\\') {
			out[n++] = (char)c;
			p++;
			continue;
		}
		p++;
		switch (*p) {
		case '"':
		case '\\':
		case '/':
			out[n++] = *p++;
			break;
		case 'b':
			out[n++] = '\b', p++;
			break;
		case 'f':
			out[n++] = '\f', p++;
			break;
		case 'n':
			out[n++] = '\n', p++;
			break;
		case 'r':
			out[n++] = '\r', p++;
			break;
		case 't':
			out[n++] = '\t', p++;
			break;
		case 'u': {
			uint32_t u, lo;
			if (hex4(p + 1, &u))
				goto bad;
			p += 5;
			if (u >= 0xd800 && u < 0xdc00 && p[0] == '\\' && p[1] == 'u' &&
			    !hex4(p + 2, &lo) && lo >= 0xdc00 && lo < 0xe000) {
				u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
				p += 6;
			}
			n += put_utf8(out + n, u);
			break;
		}
		default:
			goto bad;
		}
	}
	if (*p != '"')
		goto bad;
	out[n] = 0;
	r->p = p + 1;
	return out;
bad:
	free(out);
	return NULL;
}

static int push(jv_t *v, size_t *cap, char *key)
{
	if (v->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 4;
		jv_t *items = realloc(v->items, nc * sizeof *items);
		if (!items)
			return -1;
		v->items = items;
		if (v->kind == JV_OBJ) {
			char **keys = realloc(v->keys, nc * sizeof *keys);
			if (!keys)
				return -1;
			v->keys = keys;
		}
		*cap = nc;
	}
	memset(&v->items[v->n], 0, sizeof v->items[v->n]);
	if (v->kind == JV_OBJ)
		v->keys[v->n] = key;
	v->n++;
	return 0;
}

static int parse_container(rd_t *r, jv_t *v, char close)
{
	size_t cap = 0;
	r->p++;
	skip_ws(r);
	if (*r->p == close) {
		r->p++;
		return 0;
	}
	for (;;) {
		char *key = NULL;
		skip_ws(r);
		if (close == '}') {
			if (*r->p != '"' || !(key = parse_string(r)))
				return -1;
			skip_ws(r);
			if (*r->p != ':') {
				free(key);
				return -1;
			}
			r->p++;
		}
		if (push(v, &cap, key)) {
			free(key);
			return -1;
		}
		if (parse_value(r, &v->items[v->n - 1]))
			return -1;
		skip_ws(r);
		if (*r->p == ',') {
			r->p++;
			continue;
		}
		if (*r->p == close) {
			r->p++;
			return 0;
		}
		return -1;
	}
}

static int parse_value(rd_t *r, jv_t *v)
{
	skip_ws(r);
	if (++r->depth > JV_DEPTH_MAX)
		return -1;
	int rc = 0;
	switch (*r->p) {
	case '{':
		v->kind = JV_OBJ;
		rc = parse_container(r, v, '}');
		break;
	case '[':
		v->kind = JV_ARR;
		rc = parse_container(r, v, ']');
		break;
	case '"':
		v->kind = JV_STR;
		v->str = parse_string(r);
		rc = v->str ? 0 : -1;
		break;
	case 't':
	case 'f':
	case 'n': {
		static const char *const words[] = {"true", "false", "null"};
		int w = *r->p == 't' ? 0 : *r->p == 'f' ? 1 : 2;
		size_t len = strlen(words[w]);
		if (strncmp(r->p, words[w], len) != 0)
			return -1;
		r->p += len;
		v->kind = w == 2 ? JV_NULL : JV_BOOL;
		v->b = w == 0;
		break;
	}
	default: {
		char *end;
		if (*r->p != '-' && (*r->p < '0' || *r->p > '9'))
			return -1;
		v->kind = JV_NUM;
		v->num = strtod(r->p, &end);
		if (end == r->p)
			return -1;
		r->p = end;
	}
	}
	r->depth--;
	return rc;
}

static void free_members(jv_t *v)
{
	for (size_t k = 0; k < v->n; k++) {
		free_members(&v->items[k]);
		if (v->kind == JV_OBJ)
			free(v->keys[k]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
}

jv_t *jv_parse(const char *text)
{
	if (!text)
		return NULL;
	jv_t *v = calloc(1, sizeof *v);
	if (!v)
		return NULL;
	rd_t r = {text, 0};
	if (parse_value(&r, v) == 0) {
		skip_ws(&r);
		if (*r.p == 0)
			return v;
	}
	jv_free(v);
	return NULL;
}

void jv_free(jv_t *v)
{
	if (!v)
		return;
	free_members(v);
	free(v);
}

const jv_t *jv_get(const jv_t *obj, const char *key)
{
	if (!obj || obj->kind != JV_OBJ)
		return NULL;
	for (size_t k = 0; k < obj->n; k++)
		if (strcmp(obj->keys[k], key) == 0)
			return &obj->items[k];
	return NULL;
}

const jv_t *jv_at(const jv_t *arr, size_t k)
{
	if (!arr || arr->kind != JV_ARR || k >= arr->n)
		return NULL;
	return &arr->items[k];
}

size_t jv_len(const jv_t *arr)
{
	return arr && arr->kind == JV_ARR ? arr->n : 0;
}

const char *jv_str(const jv_t *v)
{
	return v && v->kind == JV_STR ? v->str : NULL;
}

const char *jv_gets(const jv_t *obj, const char *key)
{
	return jv_str(jv_get(obj, key));
}

void jv_write_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}
