/*
 * json.h — a small JSON writer into a fixed buffer, for the engine's machine-readable replies.
 *
 * Written by hand: the replies are a few objects of strings, numbers and arrays, and no
 * Debian-packaged C JSON library is worth a dependency for writing them. Commas are managed by
 * depth; strings are escaped per RFC 8259; a buffer that fills up marks the writer truncated
 * (cx_json_ok fails) instead of writing past its end. [control]
 */
#ifndef CX_JSON_H
#define CX_JSON_H

#include <stddef.h>

#define CX_JSON_DEPTH 16

typedef struct cx_json {
	char *buf;
	size_t cap, len;
	int depth;
	int first[CX_JSON_DEPTH]; /* no member written yet at this depth */
	int after_key;
	int truncated;
} cx_json_t;

void cx_json_init(cx_json_t *j, char *buf, size_t cap);
void cx_json_obj(cx_json_t *j);  /* { */
void cx_json_end(cx_json_t *j);  /* } */
void cx_json_arr(cx_json_t *j);  /* [ */
void cx_json_aend(cx_json_t *j); /* ] */
void cx_json_key(cx_json_t *j, const char *key);
void cx_json_str(cx_json_t *j, const char *s);
void cx_json_num(cx_json_t *j, double v); /* non-finite numbers are written as null */
void cx_json_int(cx_json_t *j, long long v);
void cx_json_bool(cx_json_t *j, int v);
void cx_json_raw(cx_json_t *j, const char *json); /* an already-encoded value */
/* key + value in one call */
void cx_json_kstr(cx_json_t *j, const char *key, const char *s);
void cx_json_knum(cx_json_t *j, const char *key, double v);
void cx_json_kint(cx_json_t *j, const char *key, long long v);
void cx_json_kbool(cx_json_t *j, const char *key, int v);
int cx_json_ok(const cx_json_t *j);

#endif /* CX_JSON_H */
