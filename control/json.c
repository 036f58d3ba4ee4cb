/* json.c — see json.h. */
#include "json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void put(cx_json_t *j, const char *s, size_t n)
{
	if (j->truncated || j->len + n + 1 > j->cap) {
		j->truncated = 1;
		return;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = 0;
}

static void puts_(cx_json_t *j, const char *s)
{
	put(j, s, strlen(s));
}

/* The comma before a value or a key, unless it follows a key. */
static void sep(cx_json_t *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (!j->first[j->depth])
		put(j, ",", 1);
	j->first[j->depth] = 0;
}

void cx_json_init(cx_json_t *j, char *buf, size_t cap)
{
	memset(j, 0, sizeof *j);
	j->buf = buf;
	j->cap = cap;
	j->first[0] = 1;
	if (cap)
		buf[0] = 0;
}

static void open_(cx_json_t *j, const char *c)
{
	sep(j);
	puts_(j, c);
	if (j->depth + 1 < CX_JSON_DEPTH)
		j->first[++j->depth] = 1;
	else
		j->truncated = 1;
}

static void close_(cx_json_t *j, const char *c)
{
	if (j->depth > 0)
		j->depth--;
	puts_(j, c);
}

void cx_json_obj(cx_json_t *j)
{
	open_(j, "{");
}
void cx_json_end(cx_json_t *j)
{
	close_(j, "}");
}
void cx_json_arr(cx_json_t *j)
{
	open_(j, "[");
}
void cx_json_aend(cx_json_t *j)
{
	close_(j, "]");
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *p)
{
	size_t n = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;
	if (p[0] >= 0xf5)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if (n == 3 && ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0)))
		return 0; /* overlong, or a UTF-16 surrogate */
	if (n == 4 && ((p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90)))
		return 0; /* overlong, or above U+10FFFF */
	return n;
}

static void quoted(cx_json_t *j, const char *s)
{
	put(j, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if (*p >=
		    0x80) { /* text from the network: bytes that are not UTF-8 become U+FFFD */
			size_t n = utf8_len(p);
			if (n) {
				put(j, (const char *)p, n);
				p += n - 1;
			} else {
				puts_(j, "\\ufffd");
			}
			continue;
		}
		char esc[8];
		switch (*p) {
		case '"':
			puts_(j, "\\\"");
			break;
		case '\\':
			puts_(j, "\\\\");
			break;
		case '\n':
			puts_(j, "\\n");
			break;
		case '\r':
			puts_(j, "\\r");
			break;
		case '\t':
			puts_(j, "\\t");
			break;
		default:
			if (*p < 0x20) {
				snprintf(esc, sizeof esc, "\\u%04x", *p);
				puts_(j, esc);
			} else {
				put(j, (const char *)p, 1);
			}
		}
	}
	put(j, "\"", 1);
}

void cx_json_key(cx_json_t *j, const char *key)
{
	sep(j);
	quoted(j, key);
	put(j, ":", 1);
	j->after_key = 1;
}

void cx_json_str(cx_json_t *j, const char *s)
{
	sep(j);
	quoted(j, s);
}

void cx_json_num(cx_json_t *j, double v)
{
	sep(j);
	if (!isfinite(v)) {
		puts_(j, "null");
		return;
	}
	char b[40];
	snprintf(b, sizeof b, "%.9g", v);
	puts_(j, b);
}

void cx_json_int(cx_json_t *j, long long v)
{
	sep(j);
	char b[32];
	snprintf(b, sizeof b, "%lld", v);
	puts_(j, b);
}

void cx_json_bool(cx_json_t *j, int v)
{
	sep(j);
	puts_(j, v ? "true" : "false");
}

void cx_json_raw(cx_json_t *j, const char *json)
{
	sep(j);
	puts_(j, json && json[0] ? json : "null");
}

void cx_json_kstr(cx_json_t *j, const char *key, const char *s)
{
	cx_json_key(j, key);
	cx_json_str(j, s);
}
void cx_json_knum(cx_json_t *j, const char *key, double v)
{
	cx_json_key(j, key);
	cx_json_num(j, v);
}
void cx_json_kint(cx_json_t *j, const char *key, long long v)
{
	cx_json_key(j, key);
	cx_json_int(j, v);
}
void cx_json_kbool(cx_json_t *j, const char *key, int v)
{
	cx_json_key(j, key);
	cx_json_bool(j, v);
}

int cx_json_ok(const cx_json_t *j)
{
	return !j->truncated && j->depth == 0;
}
