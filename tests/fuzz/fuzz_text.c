/*
 * fuzz_text.c (FUZZ-01) — the text command language under a seeded random corpus, in-process.
 *
 *   fuzz_text MODULE_DIR [LINES [SEED [TEMPLATE_DIR]]]   (defaults: 100000 lines, seed
 *                                                        20260101, no shipped templates)
 *
 * Opens an offline engine on MODULE_DIR and feeds every line of the corpus to cx_command_line
 * and then to cx_command_json: every command of cx_commands (read from the table, so new
 * commands are covered through their schema) with plausible and absurd arguments, mutations
 * of them (byte and bit flips, truncations, inserted control bytes, UTF-8 and invalid UTF-8,
 * unbalanced quotes), lines of 2047 and 2048 characters, 63 to 65 words, patch chains of 60
 * links, odd sequences and melodies, ramps over 1e9 s, nested and recursive templates, and
 * patch, template, sample and recording names that look like paths. Every 8 lines it commits
 * and renders a period of 64 frames.
 *
 * Checks: no crash (in an ASan/UBSan build: no report and no leak at exit); a non-empty reply
 * for every line that is not blank or a comment; every JSON reply is valid JSON (RFC 8259,
 * UTF-8 included) whose "ok" agrees with the return code; the output stays finite and within
 * +-1; path-like names are refused and no file appears outside the patch, template and
 * recording folders (all in a temp folder); a patch just saved loads back the same; after
 * the run a set and a short ramp still reach the instance and `status` answers. Prints the
 * counts, per command too. On a crash it names the line that was running.
 */
#include <limits.h>
#include <ftw.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "command.h"
#include "engine.h"
#include "record.h"

#include <sndfile.h>

#define LINE_CAP     4096
#define REPLY_CAP    65000
#define FRAMES       64u
#define RATE         48000u
#define PERIOD_EVERY 8   /* lines between two rendered periods */
#define INST_SOFT    48u /* above this, extra instances are freed (keeps periods short) */

/* ---- failures --------------------------------------------------------------------------- */

static long failures;

/* Failures are grouped by kind (the format string): a few of each are shown in full. */
#define KINDS_MAX     32
#define SHOW_PER_KIND 3
static struct {
	const char *fmt;
	long count;
} kinds[KINDS_MAX];

static void escape(const char *s, char *out, size_t cap)
{
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p && o + 8 < cap; p++) {
		if (*p >= 0x20 && *p < 0x7f && *p != '\\')
			out[o++] = (char)*p;
		else
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", *p);
	}
	if (o + 8 >= cap && o + 4 < cap)
		o += (size_t)snprintf(out + o, cap - o, "...");
	out[o] = 0;
}

__attribute__((format(printf, 3, 4))) static void failf(const char *line, const char *reply,
                                                        const char *fmt, ...)
{
	failures++;
	int k = 0;
	while (k < KINDS_MAX - 1 && kinds[k].fmt && kinds[k].fmt != fmt)
		k++;
	kinds[k].fmt = fmt;
	if (++kinds[k].count > SHOW_PER_KIND)
		return;
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	static char a[1200], b[1200];
	escape(line ? line : "", a, sizeof a);
	escape(reply ? reply : "", b, sizeof b);
	fprintf(stderr, "FAIL: %s\n  line:  \"%s\"\n  reply: \"%s\"\n", what, a, b);
}

static void fail_summary(void)
{
	for (int k = 0; k < KINDS_MAX && kinds[k].fmt; k++)
		fprintf(stderr, "FAIL x%ld: %s\n", kinds[k].count, kinds[k].fmt);
}

/* On a crash: say which line was running (the sanitizers print the stack after this). */
static const char *volatile current_line;
static volatile long current_no;
static volatile int current_json;

static void tell_current(void)
{
	static char buf[6000];
	const char *l = current_line;
	if (!l)
		return;
	size_t o =
	    (size_t)snprintf(buf, sizeof buf, "fuzz_text: crashed in %s on line %ld: \"",
	                     current_json ? "cx_command_json" : "cx_command_line", current_no);
	for (const unsigned char *p = (const unsigned char *)l; *p && o + 8 < sizeof buf; p++) {
		if (*p >= 0x20 && *p < 0x7f && *p != '\\' && *p != '"') {
			buf[o++] = (char)*p;
		} else {
			static const char hex[] = "0123456789abcdef";
			buf[o++] = '\\', buf[o++] = 'x', buf[o++] = hex[*p >> 4],
			buf[o++] = hex[*p & 15];
		}
	}
	buf[o++] = '"', buf[o++] = '\n';
	(void)!write(2, buf, o);
}

#if defined(__SANITIZE_ADDRESS__)
void __sanitizer_set_death_callback(void (*callback)(void));
#else
static void on_crash(int sig)
{
	tell_current();
	signal(sig, SIG_DFL);
	raise(sig);
}
#endif

static void catch_crashes(void)
{
#if defined(__SANITIZE_ADDRESS__)
	__sanitizer_set_death_callback(tell_current);
#else
	signal(SIGSEGV, on_crash);
	signal(SIGBUS, on_crash);
	signal(SIGFPE, on_crash);
	signal(SIGILL, on_crash);
	signal(SIGABRT, on_crash);
#endif
}

/* ---- random ----------------------------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545F4914F6CDD1Dull;
}

static uint32_t below(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0u;
}

static int chance(uint32_t percent)
{
	return below(100) < percent;
}

static double unit(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

#define PICK(arr) ((arr)[below((uint32_t)(sizeof(arr) / sizeof((arr)[0])))])

/* ---- a strict JSON validator (RFC 8259, UTF-8 included) ----------------------------------- */

typedef struct jp {
	const unsigned char *p, *end;
	int depth;
	int ok_seen, ok_value; /* the top object's "ok": -1 none, 0 false, 1 true */
	const char *why;
} jp_t;

static void ws(jp_t *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int jfail(jp_t *j, const char *why)
{
	if (!j->why)
		j->why = why;
	return -1;
}

/* One UTF-8 sequence at j->p (first byte >= 0x80); advances past it. */
static int utf8(jp_t *j)
{
	const unsigned char *p = j->p;
	unsigned c = *p, n;
	uint32_t cp;
	if (c >= 0xc2 && c <= 0xdf)
		n = 1, cp = c & 0x1fu;
	else if (c >= 0xe0 && c <= 0xef)
		n = 2, cp = c & 0x0fu;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 3, cp = c & 0x07u;
	else
		return jfail(j, "invalid UTF-8 lead byte in a string");
	if ((size_t)(j->end - p) <= n)
		return jfail(j, "truncated UTF-8 sequence");
	for (unsigned k = 1; k <= n; k++) {
		if ((p[k] & 0xc0u) != 0x80u)
			return jfail(j, "invalid UTF-8 continuation byte in a string");
		cp = cp << 6 | (p[k] & 0x3fu);
	}
	if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return jfail(j, "overlong or out-of-range UTF-8 in a string");
	j->p += n + 1;
	return 0;
}

static int string(jp_t *j, char *copy, size_t cap)
{
	size_t o = 0;
	if (j->p >= j->end || *j->p != '"')
		return jfail(j, "expected a string");
	j->p++;
	while (j->p < j->end && *j->p != '"') {
		unsigned char c = *j->p;
		if (c < 0x20)
			return jfail(j, "raw control character in a string");
		if (c == '\\') {
			j->p++;
			if (j->p >= j->end)
				return jfail(j, "string ends in a backslash");
			c = *j->p;
			if (c == 'u') {
				for (int k = 1; k <= 4; k++)
					if (j->p + k >= j->end ||
					    !strchr("0123456789abcdefABCDEF", j->p[k]) || !j->p[k])
						return jfail(j, "bad \\u escape");
				j->p += 5;
			} else if (strchr("\"\\/bfnrt", c) && c) {
				j->p++;
			} else {
				return jfail(j, "bad escape in a string");
			}
			continue;
		}
		if (c >= 0x80) {
			if (utf8(j))
				return -1;
			continue;
		}
		if (copy && o + 1 < cap)
			copy[o++] = (char)c;
		j->p++;
	}
	if (j->p >= j->end)
		return jfail(j, "unterminated string");
	j->p++;
	if (copy && cap)
		copy[o] = 0;
	return 0;
}

static int number(jp_t *j)
{
	const unsigned char *p = j->p;
	if (p < j->end && *p == '-')
		p++;
	if (p >= j->end)
		return jfail(j, "bad number");
	if (*p == '0') {
		p++;
	} else if (*p >= '1' && *p <= '9') {
		while (p < j->end && *p >= '0' && *p <= '9')
			p++;
	} else {
		return jfail(j, "bad number");
	}
	if (p < j->end && *p == '.') {
		p++;
		if (p >= j->end || *p < '0' || *p > '9')
			return jfail(j, "bad fraction");
		while (p < j->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < j->end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < j->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= j->end || *p < '0' || *p > '9')
			return jfail(j, "bad exponent");
		while (p < j->end && *p >= '0' && *p <= '9')
			p++;
	}
	j->p = p;
	return 0;
}

static int literal(jp_t *j, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
		return jfail(j, "unexpected character");
	j->p += n;
	return 0;
}

static int value(jp_t *j);

static int members(jp_t *j, int top)
{
	j->p++; /* { */
	ws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		return 0;
	}
	for (;;) {
		char key[32];
		ws(j);
		if (string(j, key, sizeof key))
			return -1;
		ws(j);
		if (j->p >= j->end || *j->p != ':')
			return jfail(j, "expected ':'");
		j->p++;
		ws(j);
		if (top && strcmp(key, "ok") == 0) {
			if (j->ok_seen)
				return jfail(j, "\"ok\" twice");
			j->ok_seen = 1;
			if (j->p < j->end && *j->p == 't')
				j->ok_value = 1;
			else if (j->p < j->end && *j->p == 'f')
				j->ok_value = 0;
			else
				return jfail(j, "\"ok\" is not true or false");
		}
		if (value(j))
			return -1;
		ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			return 0;
		}
		return jfail(j, "expected ',' or '}'");
	}
}

static int elements(jp_t *j)
{
	j->p++; /* [ */
	ws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		return 0;
	}
	for (;;) {
		ws(j);
		if (value(j))
			return -1;
		ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			return 0;
		}
		return jfail(j, "expected ',' or ']'");
	}
}

static int value(jp_t *j)
{
	ws(j);
	if (j->p >= j->end)
		return jfail(j, "value expected, text ended");
	if (++j->depth > 64)
		return jfail(j, "nested too deep");
	int rc;
	switch (*j->p) {
	case '{':
		rc = members(j, j->depth == 1);
		break;
	case '[':
		rc = elements(j);
		break;
	case '"':
		rc = string(j, NULL, 0);
		break;
	case 't':
		rc = literal(j, "true");
		break;
	case 'f':
		rc = literal(j, "false");
		break;
	case 'n':
		rc = literal(j, "null");
		break;
	default:
		rc = number(j);
	}
	j->depth--;
	return rc;
}

/* 0 when text is one valid JSON object; *ok gets its "ok" (-1 when absent). */
static int json_check(const char *text, int *ok, const char **why)
{
	jp_t j = {(const unsigned char *)text,
	          (const unsigned char *)text + strlen(text),
	          0,
	          0,
	          -1,
	          NULL};
	ws(&j);
	if (j.p >= j.end || *j.p != '{') {
		*why = "not an object";
		return -1;
	}
	if (value(&j)) {
		*why = j.why;
		return -1;
	}
	ws(&j);
	if (j.p != j.end) {
		*why = "text after the object";
		return -1;
	}
	*ok = j.ok_seen ? j.ok_value : -1;
	return 0;
}

/* ---- what the engine offers ------------------------------------------------------------- */

static cx_engine_t *eng;

static const char *pool[] = {"a0",   "a1",  "a2",     "a3",     "a4",   "a5", "a6",  "a7",
                             "b0",   "b1",  "lead",   "bass",   "kick", "x",  "out", "vco",
                             "vco2", "seq", "a0_seq", "a1_mel", "ZZ",   "_u", "n-1"};

static const char *weird_words[] = {
    "",
    ">",
    ">>",
    ":",
    ".",
    "..",
    "=",
    "==",
    "a.",
    ".b",
    "a..b",
    "a.b.c",
    "a=",
    "=1",
    "a.b=",
    "a.b==1",
    "#",
    "\"",
    "\"\"",
    "\"a b\"",
    "\\",
    "\\n",
    "%s%s%s%n",
    "%999999d",
    "\t",
    "*",
    "?",
    "over",
    "patch",
    "all",
    "\xc3\xa9t\xc3\xa9", /* été */
    "\xe2\x82\xac",      /* euro sign */
    "\xf0\x9f\x8e\xb9",  /* a keyboard emoji */
    "\xff\xfe",          /* invalid UTF-8 */
    "\xc0\xaf",          /* overlong '/' */
    "\xed\xa0\x80",      /* a surrogate */
    "\xe2\x82",          /* truncated sequence */
    "\xf4\x90\x80\x80",  /* above U+10FFFF */
    "\x80",
    "\x7f",
    "a\x7f\x62", /* a DEL b */
    "../../etc/passwd",
    "/etc/passwd",
    "-",
    "-1",
    "0",
    "x",
    "vco",
    "out.left",
    "out.in",
    "a0.out",
    "a0.pitch",
    "a0.gate",
    "a0.freq",
};

static const char *weird_numbers[] = {
    "0",
    "-0",
    "1",
    "-1",
    "0.5",
    "1e9",
    "-1e9",
    "1e38",
    "3.4028235e38",
    "3.4028236e38",
    "1e39",
    "-1e39",
    "1e309",
    "-1e309",
    "1e-309",
    "1e-45",
    "1e-50",
    "nan",
    "NaN",
    "-nan",
    "nan(123)",
    "inf",
    "-inf",
    "Infinity",
    "INF",
    "0x1p128",
    "0x1.fffffep127",
    "0x10",
    "4294967296",
    "18446744073709551616",
    "9223372036854775807",
    "-2147483649",
    "1.",
    ".",
    "-",
    "+",
    "1e",
    "e5",
    "0x",
    "1,5",
    "\xd9\xa1", /* Arabic 1 */
    "\xc2\xbd",
    /* ½ */ "0b101",
    "1_000",
    "007",
    "1e+2",
    "2s",
    "500ms",
    "440hz",
    "C4",
    "+5",
    "  3",
    "1e-7",
    "99999999999999999999999999999999999999999999999999",
    "0.0000000001",
    "20",
    "999",
    "19.999",
    "999.0001",
    "1000",
    "3600",
    "3601",
    "0.001",
    "1e9s",
    "1e300s",
    "nans",
    "infms",
};

static const char *patch_names[] = {
    "p1",
    "p2",
    "good-name_2",
    "../../etc/passwd",
    "../escape",
    "../../../../escape",
    "..",
    ".",
    "./p1",
    "p1/../p2",
    "a/b",
    "a\\b",
    "%2e%2e%2fescape",
    "....//escape",
    "/tmp/escape",
    "~/escape",
    "p1.chr",
    "p1\xc3\xa9",
    "\xff",
    "-",
    "_",
    "0123456789012345678901234567890123456789012345678901234567890123",  /* 64 */
    "01234567890123456789012345678901234567890123456789012345678901234", /* 65 */
    "con",
    "p1 p2",
    "\"p1\"",
    "$(touch escape)",
    "`touch escape`",
    "p1;touch escape",
};

static const char *record_files[] = {
    "take.wav",     "b.wav",      "../escape.wav", "/tmp/escape.wav",
    "sub/x.wav",    "a..b.wav",   ".wav",          "x.WAV",
    "x.wav.part",   "x",          "..wav",         "~/x.wav",
    "..",           "a/../b.wav", "\xff.wav",      "dir/",
    "%2e%2e/x.wav",
};

static const char *notes[] = {
    "C4",
    "Eb2",
    "F#3",
    "G9",
    "B#9",
    "Cb-1",
    "C-1",
    "H2",
    "c4",
    "Ebbbb4",
    "C##4",
    "C10",
    "C-2",
    "C",
    "4",
    "C4.5",
    "C+4",
    ".",
    "-",
    "x",
    "A0",
    "e5",
    "Bb",
    "#4",
    "b4",
    "C4C4",
    "C\xe2\x99\xaf\x34", /* C sharp-sign 4 */
    "C 4",
    "C99999999999999999999",
    "Db-1",
    "G#9",
};

static const char *seq_patterns[] = {
    "x...x...x...x...",
    "x",
    ".",
    "xxxxxxxxxxxxxxxx",
    "xxxxxxxxxxxxxxxxx", /* 17 */
    "x.x. x.x. | x-x_",
    "X._-",
    "x..o",
    "",
    "|||",
    "   ",
    "x\xff",
    "x\xc3\xa9",
    "1010",
    "x...x...x...x...x...x...x...x...x...x...x...x...",
    "x x x x x x x x x x x x x x x x x",
};

static const char *template_names[] = {"bass", "lead", "pad", "drumkit", "t1", "t2", "tloop"};

static const char *define_names[] = {"t1",
                                     "t2",
                                     "tloop",
                                     "t_long_name_of_23_chars",
                                     "vco",
                                     "out",
                                     "../x",
                                     "/tmp/x",
                                     "a/b",
                                     "..",
                                     ".",
                                     "x.y",
                                     "t-1",
                                     "",
                                     "bass",
                                     "9t",
                                     "\xc3\xa9",
                                     "t1 t2",
                                     "t_name_much_longer_than_the_limit_of_names"};

static const char *define_bodies[] = {
    "create vco osc; output out = osc.out",
    "create vco osc freq=220; create vcf f; patch osc > f; param cutoff = f.cutoff; "
    "input pitch = osc.pitch; output out = f.out",
    "create t1 inner; output out = inner.out",
    "create t2 a; output out = a.out",
    "create tloop x; output out = x.out",
    "create bass b; output out = b.out",
    "",
    ";;;;",
    "param x = nosuch.freq",
    "create vco osc; create vco osc",
    "output out = osc.out",
    "create vco osc; free osc",
    "create vco osc; load patch p1",
    "create vco osc; save patch p1",
    "create vco osc; record x.wav 1",
    "create vco osc; gate osc.pitch nan; output out = osc.out",
    "create vco osc; set osc.freq 1e9",
    "create vco osc; param f = osc.freq; param f = osc.wave",
    "create vco osc; param w = osc.wave sine:sine saw:saw bad; output out = osc.out",
    "create vco osc; input pitch = osc.nosuch",
    "create vco osc; output out = osc.out; output out = osc.out",
    "create vco 1bad",
    "create vco osc; patch osc > out",
    "create vco o1; create vco o2; create vco o3; create vco o4; create vco o5; create vco o6; "
    "create vco o7; create vco o8; create vco o9; create vco o10; create vco o11; "
    "create vco o12; create vco o13; create vco o14; create vco o15; create vco o16; "
    "create vco o17; create vco o18; create vco o19; create vco o20; output out = o1.out",
    "# only a comment",
    "create vco osc\xff; output out = osc.out",
};

static const char *sample_files[] = {"tone.wav",
                                     "stereo.wav",
                                     "empty.wav",
                                     "text.wav",
                                     "missing.wav",
                                     "../secret.wav",
                                     "/etc/passwd",
                                     "../../../../etc/passwd",
                                     "..",
                                     ".",
                                     "",
                                     "sub/../tone.wav",
                                     "tone.wav/..",
                                     "./tone.wav",
                                     "%2e%2e/secret.wav",
                                     "tone.wav\xff",
                                     "tone"};

static uint32_t ntypes;
static const cx_type_t *types[CX_TYPES_MAX];

static const cx_type_t *any_type(void)
{
	return types[below(ntypes)];
}

/* An instance name that may exist: the pool or, often, a real one. */
static const char *some_instance(void)
{
	static cx_instance_info_t insts[64];
	static char name[CX_INSTANCE_NAME_MAX];
	if (chance(60)) {
		uint32_t n = cx_engine_instances(eng, insts, 64);
		if (n) {
			n = n < 64 ? n : 64;
			snprintf(name, sizeof name, "%s", insts[below(n)].name);
			return name;
		}
	}
	return PICK(pool);
}

/* The type of instance `name`, or a random one. */
static const cx_type_t *type_of(const char *name)
{
	cx_instance_info_t info;
	char err[256];
	if (cx_engine_instance(eng, name, &info, err, sizeof err) == 0)
		return cx_engine_type(eng, info.type);
	return any_type();
}

/* ---- the line generator ----------------------------------------------------------------- */

typedef struct out {
	char *s;
	size_t n, cap;
} out_t;

static void add(out_t *o, const char *fmt, ...)
{
	if (o->n + 1 >= o->cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int w = vsnprintf(o->s + o->n, o->cap - o->n, fmt, ap);
	va_end(ap);
	if (w > 0)
		o->n += (size_t)w < o->cap - o->n ? (size_t)w : o->cap - o->n - 1;
}

/* A value for parameter p: in range, at the edges, just outside, or absurd. */
static void param_value(out_t *o, const cx_type_param_t *p)
{
	switch (below(8)) {
	case 0:
		add(o, "%s", PICK(weird_numbers));
		break;
	case 1:
		if (p && p->enum_count) {
			add(o, "%s", p->enum_names[below(p->enum_count)]);
			break;
		}
		/* fall through */
	case 2:
		add(o, "%.9g", p ? (double)p->min : 0.0);
		break;
	case 3:
		add(o, "%.9g", p ? (double)p->max : 1.0);
		break;
	case 4:
		add(o, "%.9g", p ? (double)p->max + 1.0 + fabs((double)p->max) : 1e30);
		break;
	case 5:
		add(o, "%.9g", p ? (double)p->min - 1.0 - fabs((double)p->min) : -1e30);
		break;
	default:
		if (p)
			add(o, "%.6g", (double)p->min + unit() * ((double)p->max - (double)p->min));
		else
			add(o, "%.6g", unit());
	}
}

static const cx_type_param_t *some_param(const cx_type_t *t)
{
	return t && t->param_count ? &t->params[below(t->param_count)] : NULL;
}

static void param_name(out_t *o, const cx_type_t *t)
{
	const cx_type_param_t *p = some_param(t);
	if (p && chance(85))
		add(o, "%s", p->name);
	else
		add(o, "%s", chance(50) ? PICK(weird_words) : "frq");
}

static void port_spec(out_t *o, int output)
{
	const char *inst = some_instance();
	const cx_type_t *t = type_of(inst);
	add(o, "%s", inst);
	uint32_t n = output ? t->out_count : t->in_count;
	if (n && chance(75))
		add(o, ".%s", output ? t->outs[below(n)].name : t->ins[below(n)].name);
	else if (chance(20))
		add(o, ".%s", PICK(weird_words));
}

static void gen_create(out_t *o)
{
	const cx_type_t *t = any_type();
	uint32_t r = below(100);
	add(o, "create %s", r < 85 ? t->name : (r < 93 ? PICK(template_names) : PICK(weird_words)));
	if (chance(80)) {
		if (chance(85))
			add(o, " %s", PICK(pool));
		else if (chance(50))
			add(o, " %s", PICK(weird_words));
		else /* 31, 32 or many characters */
			add(o, " n%.*s", (int)PICK(((const unsigned[]){30, 31, 200})),
			    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	}
	uint32_t k = below(5);
	for (uint32_t i = 0; i < k; i++) {
		const cx_type_param_t *p = some_param(t);
		add(o, " ");
		param_name(o, t);
		add(o, "=");
		param_value(o, p);
	}
}

static void gen_chain(out_t *o, const char *verb)
{
	add(o, "%s", verb);
	uint32_t links = chance(10) ? 60u : 1u + below(4);
	int arrows = chance(70);
	for (uint32_t k = 0; k <= links; k++) {
		if (k && arrows)
			add(o, " >");
		add(o, " ");
		port_spec(o, k == 0 ? 1 : (k == links ? 0 : (int)below(2)));
	}
}

static void gen_set(out_t *o)
{
	const char *inst = some_instance();
	const cx_type_t *t = type_of(inst);
	const cx_type_param_t *p = some_param(t);
	switch (below(4)) {
	case 0: /* set I.P V [over T] */
		add(o, "set %s.%s ", inst, p ? p->name : "nothing");
		param_value(o, p);
		if (chance(30)) {
			static const char *times[] = {"2s",   "500ms", "0",    "0s",  "-1s",
			                              "1e9s", "1e9",   "nan",  "inf", "1e300s",
			                              "20ms", "0.001", "5min", "s",   "1e-9s"};
			add(o, " over %s", PICK(times));
		}
		break;
	case 1: { /* set I.P=V ... */
		add(o, "set");
		uint32_t k = 1 + below(4);
		for (uint32_t i = 0; i < k; i++) {
			const char *in = some_instance();
			const cx_type_t *tt = type_of(in);
			const cx_type_param_t *pp = some_param(tt);
			add(o, " %s.%s=", in, pp ? pp->name : "x");
			param_value(o, pp);
		}
		break;
	}
	case 2: /* the implied set */
		add(o, "%s.%s=", inst, p ? p->name : "x");
		param_value(o, p);
		break;
	default:
		add(o, "set %s", chance(50) ? inst : PICK(weird_words));
		if (chance(50))
			add(o, " %s", PICK(weird_numbers));
	}
}

static void gen_seq(out_t *o, int melody)
{
	const char *inst = some_instance();
	add(o, "%s %s", melody ? "melody" : "sequence", chance(90) ? inst : PICK(weird_words));
	add(o, "%s", chance(70) ? ":" : (chance(50) ? " :" : ""));
	if (melody) {
		uint32_t k = below(20);
		for (uint32_t i = 0; i < k; i++)
			add(o, " %s", PICK(notes));
	} else {
		add(o, " %s", PICK(seq_patterns));
		if (chance(10))
			add(o, " %s", PICK(seq_patterns));
	}
}

/* A line from a command's argument schema (for commands without a generator of their own). */
static void gen_schema(out_t *o, const cx_command_t *k)
{
	add(o, "%s", k->name);
	char schema[256];
	snprintf(schema, sizeof schema, "%s", k->schema ? k->schema : "");
	char *save = NULL;
	for (char *w = strtok_r(schema, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		size_t l = strlen(w);
		int opt = l && w[l - 1] == '?', rep = l && w[l - 1] == '*';
		if (opt || rep)
			w[--l] = 0;
		uint32_t times = rep ? below(4) : (opt ? below(2) : 1u);
		for (uint32_t t = 0; t < times; t++) {
			add(o, " ");
			if (w[0] == '\'') {
				add(o, "%.*s", (int)(l > 2 ? l - 2 : 0), w + 1);
			} else if (strcmp(w, "type") == 0) {
				add(o, "%s", chance(80) ? any_type()->name : PICK(template_names));
			} else if (strcmp(w, "newname") == 0 || strcmp(w, "instance") == 0) {
				add(o, "%s", chance(70) ? some_instance() : PICK(weird_words));
			} else if (strcmp(w, "output") == 0 || strcmp(w, "input") == 0) {
				port_spec(o, w[0] == 'o');
			} else if (strcmp(w, "param") == 0 || strcmp(w, "assign") == 0) {
				const char *inst = some_instance();
				const cx_type_t *ty = type_of(inst);
				const cx_type_param_t *pp = some_param(ty);
				if (w[0] == 'p')
					add(o, "%s.", inst);
				add(o, "%s", pp ? pp->name : "x");
				if (w[0] == 'a') {
					add(o, "=");
					param_value(o, pp);
				}
			} else if (strcmp(w, "value") == 0 || strcmp(w, "number") == 0) {
				add(o, "%s", PICK(weird_numbers));
			} else if (strcmp(w, "file") == 0) {
				add(o, "%s", chance(50) ? PICK(record_files) : PICK(sample_files));
			} else {
				add(o, "%s", PICK(weird_words));
			}
		}
	}
}

static void gen_command(out_t *o, const cx_command_t *k)
{
	const char *c = k->name;
	if (strcmp(c, "create") == 0) {
		gen_create(o);
	} else if (strcmp(c, "free") == 0) {
		add(o, "free %s", chance(90) ? some_instance() : PICK(weird_words));
	} else if (strcmp(c, "patch") == 0 || strcmp(c, "unpatch") == 0) {
		gen_chain(o, c);
	} else if (strcmp(c, "set") == 0) {
		gen_set(o);
	} else if (strcmp(c, "gate") == 0) {
		add(o, "gate ");
		port_spec(o, 0);
		add(o, " %s", chance(50) ? (chance(50) ? "1" : "0") : PICK(weird_numbers));
	} else if (strcmp(c, "trig") == 0) {
		add(o, "trig ");
		port_spec(o, 0);
	} else if (strcmp(c, "tempo") == 0) {
		add(o, "tempo %s", chance(30) ? "120" : PICK(weird_numbers));
	} else if (strcmp(c, "play") == 0 || strcmp(c, "stop") == 0) {
		add(o, "%s%s", c, chance(80) ? "" : (chance(50) ? " all" : " now"));
	} else if (strcmp(c, "sequence") == 0 || strcmp(c, "melody") == 0) {
		gen_seq(o, c[0] == 'm');
	} else if (strcmp(c, "info") == 0 || strcmp(c, "ports") == 0) {
		add(o, "%s %s", c,
		    chance(60) ? some_instance()
		               : (chance(50) ? any_type()->name : PICK(weird_words)));
	} else if (strcmp(c, "save") == 0 || strcmp(c, "load") == 0) {
		add(o, "%s %s %s", c, chance(92) ? "patch" : "patches", PICK(patch_names));
	} else if (strcmp(c, "record") == 0) {
		if (chance(30))
			add(o, "record stop");
		else
			add(o, "record %s %s", PICK(record_files),
			    chance(60) ? PICK(((const char *[]){"0.01", "0.05s", "10ms"}))
			               : PICK(weird_numbers));
	} else if (strcmp(c, "define") == 0) {
		add(o, "define %s%s %s", PICK(define_names), chance(85) ? ":" : " :",
		    PICK(define_bodies));
	} else if (strcmp(c, "add") == 0) {
		add(o, "add %s %s %s", chance(85) ? any_type()->name : PICK(weird_words),
		    chance(90) ? "to" : "into", some_instance());
		if (chance(50))
			add(o, " amount=%s", chance(50) ? "0.5" : PICK(weird_numbers));
	} else if (strcmp(c, "sample") == 0) {
		add(o, "sample %s %s", some_instance(), PICK(sample_files));
	} else if (strcmp(c, "help") == 0) {
		add(o, "help%s%s", chance(50) ? " " : "", chance(50) ? c : PICK(weird_words));
	} else {
		gen_schema(o, k);
	}
	if (chance(5)) /* a trailing comment */
		add(o, " # %s", PICK(weird_words));
}

static uint32_t ncommands;
static long cmd_lines[64], cmd_ok[64];

/* Any command of the table (the common ones more often), or its schema's reading. */
static void gen_valid(out_t *o)
{
	static const char *heavy[] = {"create", "create", "set", "set", "patch", "gate", "free"};
	const cx_command_t *k = NULL;
	if (chance(35)) {
		const char *want = PICK(heavy);
		for (uint32_t i = 0; i < ncommands; i++)
			if (strcmp(cx_commands[i].name, want) == 0)
				k = &cx_commands[i];
	}
	if (!k)
		k = &cx_commands[below(ncommands)];
	if (chance(10))
		gen_schema(o, k);
	else
		gen_command(o, k);
}

/* Mutations: flips, truncations, insertions, deletions, duplications. */
static void mutate(out_t *o)
{
	static const char *inserts[] = {"\x01",     "\x1b[2J", "\x7f", "\xff", "\xc3", "\xe2\x82",
	                                "\xc3\xa9", "\"",      "\"\"", "#",    ">",    ".",
	                                "=",        ":",       "\t",   "\r",   "\n",   " ",
	                                "\x00",     "%n",      "\\"};
	uint32_t k = 1 + below(4);
	for (uint32_t m = 0; m < k && o->n; m++) {
		size_t at = below((uint32_t)o->n);
		switch (below(6)) {
		case 0: /* byte flip */
			o->s[at] = (char)(rnd() & 0xffu);
			break;
		case 1: /* bit flip */
			o->s[at] = (char)(o->s[at] ^ (char)(1u << below(8)));
			break;
		case 2: /* truncation */
			o->n = at;
			break;
		case 3: { /* insertion */
			const char *ins = PICK(inserts);
			size_t l = strlen(ins);
			if (!l) /* an embedded NUL: a truncation at heart */
				o->n = at;
			else if (o->n + l + 1 < o->cap) {
				memmove(o->s + at + l, o->s + at, o->n - at);
				memcpy(o->s + at, ins, l);
				o->n += l;
			}
			break;
		}
		case 4: { /* deletion */
			size_t l = 1 + below(8);
			if (at + l > o->n)
				l = o->n - at;
			memmove(o->s + at, o->s + at + l, o->n - at - l);
			o->n -= l;
			break;
		}
		default: { /* duplicate a span */
			size_t l = 1 + below(16);
			if (at + l > o->n)
				l = o->n - at;
			if (o->n + l + 1 < o->cap) {
				memmove(o->s + at + l, o->s + at, o->n - at);
				o->n += l;
			}
		}
		}
	}
	o->s[o->n] = 0;
	/* A zero byte ends the C string the engine sees. */
	o->n = strlen(o->s);
}

/* Lines of exact lengths around the limit, many words, long words. */
static void gen_special(out_t *o)
{
	switch (below(9)) {
	case 0:
	case 1: { /* 2046..2049 characters: a command padded with spaces or a long word */
		static const size_t lens[] = {2046, 2047, 2048, 2049, 4000};
		size_t len = PICK(lens);
		add(o, "%s",
		    PICK(((const char *[]){"status", "list", "info out", "free ", "create vco "})));
		char fill = chance(50) ? ' ' : 'a';
		while (o->n < len && o->n + 1 < o->cap)
			o->s[o->n++] = fill;
		o->s[o->n] = 0;
		break;
	}
	case 2: { /* 62, 63, 64, 65 words */
		uint32_t words = 62 + below(4);
		add(o, "%s", chance(50) ? "help" : "set");
		for (uint32_t w = 1; w < words; w++)
			add(o, " %s", chance(50) ? "a0.freq=1" : "x");
		break;
	}
	case 3: /* the longest chain: 60 links, without and with arrows */
		add(o, "patch");
		for (uint32_t k = 0; k <= 60; k++)
			add(o, "%s %s", chance(20) && k ? " >" : "", PICK(pool));
		break;
	case 4: /* unbalanced quotes */
		add(o, "%s",
		    PICK(((const char *[]){"create \"vco lead", "\"", "info \"out",
		                           "set \"a0.freq\" \"440", "\"\"\"\"\"",
		                           "create vco \"a b\"", "\"create\" vco q1"})));
		break;
	case 5: /* ramps far and near */
		add(o, "set %s.%s %s over %s", some_instance(),
		    PICK(((const char *[]){"freq", "level", "cutoff"})),
		    PICK(((const char *[]){"440", "0.5", "1000", "nan"})),
		    PICK(((const char *[]){"1e9s", "1e9", "3600s", "1e300", "20ms", "1e-300s"})));
		break;
	case 6: /* only blanks and comments */
		add(o, "%s",
		    PICK(((const char *[]){"", " ", "\t", "   \t  ", "# comment", "  # x", "#",
		                           "\r", "\r\n"})));
		break;
	case 7: /* control bytes alone */
		add(o, "%c%s", (char)(1 + below(31)), chance(50) ? "status" : "");
		break;
	default: /* a random byte soup */
	{
		uint32_t len = below(300);
		for (uint32_t k = 0; k < len && o->n + 1 < o->cap; k++)
			o->s[o->n++] = (char)(1 + below(255));
		o->s[o->n] = 0;
	}
	}
}

static void generate(char *buf, size_t cap)
{
	out_t o = {buf, 0, cap};
	buf[0] = 0;
	uint32_t r = below(100);
	if (r < 8)
		gen_special(&o);
	else
		gen_valid(&o);
	if (r >= 8 && chance(30))
		mutate(&o);
}

/* Whether the callback's newest value of inst.param is want (the event reached it). */
static int landed(const char *inst, const char *param, float want)
{
	cx_instance_info_t info;
	char err[512];
	if (cx_engine_instance(eng, inst, &info, err, sizeof err) != 0)
		return 0;
	const cx_type_t *t = cx_engine_type(eng, info.type);
	uint32_t p = 0;
	while (p < t->param_count && strcmp(t->params[p].name, param) != 0)
		p++;
	if (p == t->param_count)
		return 0;
	const cx_shm_t *shm = cx_engine_shm(eng);
	for (uint32_t i = 0; i < CX_INSTANCES_MAX; i++) {
		const cx_instance_t *ci = cx_shm_instance(shm, i);
		if (strcmp(ci->name, inst) == 0 && ci->type == info.type &&
		    ci->param_target[p] == want)
			return 1;
	}
	return 0;
}

/* A patch name or a recording path the rules refuse (they could leave their folder). */
static int path_like_refused(const char *line, int rc, const char *reply)
{
	char verb[16], what[2100], name[2100], extra[8];
	int n = sscanf(line, " %15s %2099s %2099s %7s", verb, what, name, extra);
	if (n == 3 && strcmp(verb, "sample") == 0 && (name[0] == '/' || strstr(name, ".."))) {
		if (rc != -1)
			failf(line, reply, "a sample path outside the samples folder was accepted");
		return 1;
	}
	if (n >= 2 && strcmp(verb, "define") == 0 && strpbrk(what, "/.\\")) {
		if (rc != -1)
			failf(line, reply, "a template name that looks like a path was accepted");
		return 1;
	}
	if (n == 3 && (strcmp(verb, "save") == 0 || strcmp(verb, "load") == 0) &&
	    strcmp(what, "patch") == 0 && strpbrk(name, "/.\\~%")) {
		if (rc != -1)
			failf(line, reply, "a patch name that looks like a path was accepted");
		return 1;
	}
	if (n == 3 && strcmp(verb, "record") == 0 && (what[0] == '/' || strstr(what, ".."))) {
		if (rc != -1)
			failf(line, reply, "a recording path outside the folder was accepted");
		return 1;
	}
	return 0;
}

/* ---- running ---------------------------------------------------------------------------- */

static char tmp_root[512], patch_dir[700], work_dir[700], cwd_dir[700], sample_dir[700],
    template_dir[700], secret_wav[700];

static long n_lines, n_ok, n_fail, n_blank, n_json, n_periods, n_out_bad;
static float peak;

static int blank_or_comment(const char *line)
{
	const char *p = line + strspn(line, " \t\r\n");
	return *p == 0 || *p == '#';
}

static size_t words_before_comment(const char *line)
{
	size_t n = 0;
	const char *p = line;
	for (;;) {
		p += strspn(p, " \t\r\n");
		if (!*p || *p == '#' || *p == '"')
			return *p == '"' ? (size_t)-1 : n;
		n++;
		p += strcspn(p, " \t\r\n");
	}
}

static void render(int periods)
{
	static float l[FRAMES], r[FRAMES];
	float *out[2] = {l, r};
	char msg[1200];
	for (int k = 0; k < periods; k++) {
		cx_engine_commit(eng, 0);
		cx_engine_period(eng, FRAMES, NULL, out);
		n_periods++;
		for (uint32_t i = 0; i < FRAMES; i++)
			for (int c = 0; c < 2; c++) {
				float v = out[c][i];
				if (!isfinite(v) || fabsf(v) > 1.0f) {
					if (!n_out_bad++)
						failf(NULL, NULL,
						      "output sample %g (channel %d, period %ld) "
						      "is not finite or beyond +-1",
						      (double)v, c, n_periods);
				} else if (fabsf(v) > peak) {
					peak = fabsf(v);
				}
			}
		cx_record_poll(eng, msg, sizeof msg);
	}
}

static void run_one(const char *line)
{
	static char reply[REPLY_CAP], json[REPLY_CAP];
	size_t len = strlen(line);
	n_lines++;
	current_line = line, current_no = n_lines, current_json = 0;
	int rc = cx_command_line(eng, line, 0, reply, sizeof reply);
	if (rc < -1 || rc > 1)
		failf(line, reply, "cx_command_line returned %d", rc);
	size_t fw = strcspn(line + strspn(line, " \t"), " \t\r\n");
	for (uint32_t i = 0; i < ncommands && i < 64; i++)
		if (strlen(cx_commands[i].name) == fw &&
		    strncmp(line + strspn(line, " \t"), cx_commands[i].name, fw) == 0) {
			cmd_lines[i]++;
			cmd_ok[i] += rc == 0;
		}
	if (rc == 1) {
		n_blank++;
		if (!blank_or_comment(line))
			failf(line, reply, "a line that is not blank was taken as blank");
	} else {
		if (!reply[0])
			failf(line, reply, "empty reply to a line that is not blank");
		rc == 0 ? n_ok++ : n_fail++;
	}
	if (rc == 1 && strlen(reply) != 0)
		failf(line, reply, "a blank line got a reply");
	if (len >= 2048 && rc != -1)
		failf(line, reply, "a line of %zu characters was run (at most 2047)", len);
	if (len >= 2048 && rc == -1 && !strstr(reply, "too long"))
		failf(line, reply, "a line of %zu characters was refused for another reason", len);
	if (!strchr(line, '"') && !strchr(line, '#'))
		path_like_refused(line, rc, reply);
	size_t w = words_before_comment(line);
	int has_ctl = 0;
	for (const unsigned char *p = (const unsigned char *)line; *p; p++)
		has_ctl |= *p < 0x20 && *p != '\t' && *p != '\r' && *p != '\n';
	if (len < 2048 && !has_ctl && w != (size_t)-1 && w >= 64 && rc != -1)
		failf(line, reply, "a line of %zu words was run (at most 63)", w);

	current_json = 1;
	int jrc = cx_command_json(eng, line, 0, json, sizeof json);
	current_line = NULL;
	int ok = -1;
	const char *why = NULL;
	n_json++;
	if (json_check(json, &ok, &why) != 0)
		failf(line, json, "JSON reply is not valid JSON: %s", why);
	else if (ok < 0)
		failf(line, json, "JSON reply has no \"ok\"");
	else if ((ok == 1) != (jrc >= 0) && !strstr(json, "the reply is too large for one message"))
		failf(line, json, "JSON \"ok\" is %s but the command returned %d",
		      ok ? "true" : "false", jrc);
}

/* Frees instances beyond INST_SOFT (default names pile up: vco, vco2, vco3 ...). */
static void keep_small(void)
{
	static cx_instance_info_t insts[CX_INSTANCES_MAX];
	uint32_t n = cx_engine_instances(eng, insts, CX_INSTANCES_MAX);
	if (n <= INST_SOFT)
		return;
	char line[96], reply[512];
	for (uint32_t i = 0; i < n && i < CX_INSTANCES_MAX; i++) {
		if (strcmp(insts[i].name, "out") == 0 || !insts[i].name[0] || below(3) == 0)
			continue;
		snprintf(line, sizeof line, "free %.31s", insts[i].name);
		cx_command_line(eng, line, 0, reply, sizeof reply);
	}
}

/* save patch then load patch of the same name: both work, and the instances stay. */
static int line_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The cables as "src.port>dst.port" lines, sorted; returns how many. */
static uint32_t cable_lines(char (*out)[128], uint32_t max)
{
	static cx_cable_info_t cables[CX_CONNECTIONS_MAX];
	uint32_t n = cx_engine_cables(eng, cables, CX_CONNECTIONS_MAX);
	n = n < max ? n : max;
	for (uint32_t k = 0; k < n; k++) {
		const cx_type_t *st = cx_engine_type(eng, cables[k].src_type);
		const cx_type_t *dt = cx_engine_type(eng, cables[k].dst_type);
		snprintf(out[k], 128, "%.31s.%.23s>%.31s.%.23s", cables[k].src,
		         st->outs[cables[k].src_port].name, cables[k].dst,
		         dt->ins[cables[k].dst_port].name);
	}
	qsort(out, n, 128, line_cmp);
	return n;
}

/* Shows the saved patch file once (the first time a round trip goes wrong). */
static void show_patch_file(void)
{
	static int shown;
	if (shown++)
		return;
	char path[800], line[2100];
	snprintf(path, sizeof path, "%s/roundtrip.chr", patch_dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	fprintf(stderr, "  the saved patch (%s):\n", path);
	for (int k = 0; k < 60 && fgets(line, sizeof line, f); k++)
		fprintf(stderr, "    %s", line);
	fclose(f);
}

/* save patch then load patch of the same name: both work, and the patch is the same. */
static void roundtrip(void)
{
	static cx_instance_info_t before[CX_INSTANCES_MAX], after[CX_INSTANCES_MAX];
	static char cb_lines[512][128], ca_lines[512][128];
	static char reply[REPLY_CAP];
	uint32_t nb = cx_engine_instances(eng, before, CX_INSTANCES_MAX);
	uint32_t cb = cable_lines(cb_lines, 512);
	if (cx_command_line(eng, "save patch roundtrip", 0, reply, sizeof reply) != 0) {
		failf("save patch roundtrip", reply, "saving the patch failed");
		return;
	}
	if (cx_command_line(eng, "load patch roundtrip", 0, reply, sizeof reply) != 0) {
		failf("load patch roundtrip", reply, "a patch just saved does not load");
		show_patch_file();
		return;
	}
	uint32_t na = cx_engine_instances(eng, after, CX_INSTANCES_MAX);
	uint32_t ca = cable_lines(ca_lines, 512);
	uint32_t visible_b = 0, visible_a = 0;
	for (uint32_t i = 0; i < nb && i < CX_INSTANCES_MAX; i++)
		visible_b += before[i].name[0] != 0;
	for (uint32_t i = 0; i < na && i < CX_INSTANCES_MAX; i++)
		visible_a += after[i].name[0] != 0;
	int same = ca == cb;
	for (uint32_t k = 0; same && k < ca; k++)
		same = strcmp(ca_lines[k], cb_lines[k]) == 0;
	if (visible_a != visible_b || !same) {
		char what[1200];
		size_t o = (size_t)snprintf(what, sizeof what,
		                            "%u instances %u cables -> %u instances %u cables;",
		                            visible_b, cb, visible_a, ca);
		for (uint32_t k = 0; k < ca && o < sizeof what; k++)
			if (!bsearch(ca_lines[k], cb_lines, cb, 128, line_cmp))
				o += (size_t)snprintf(what + o, sizeof what - o, " new %s",
				                      ca_lines[k]);
		for (uint32_t k = 0; k < cb && o < sizeof what; k++)
			if (!bsearch(cb_lines[k], ca_lines, ca, 128, line_cmp))
				o += (size_t)snprintf(what + o, sizeof what - o, " lost %s",
				                      cb_lines[k]);
		failf("load patch roundtrip", what, "a saved patch loads back different");
		show_patch_file();
	}
	for (uint32_t i = 0; i < nb && i < CX_INSTANCES_MAX; i++) {
		if (!before[i].name[0])
			continue;
		cx_instance_info_t now;
		char err[512];
		if (cx_engine_instance(eng, before[i].name, &now, err, sizeof err) != 0) {
			failf("load patch roundtrip", err, "instance %s is gone after the load",
			      before[i].name);
			continue;
		}
		const cx_type_t *t = cx_engine_type(eng, now.type);
		if (now.type != before[i].type)
			failf("load patch roundtrip", before[i].name, "an instance changed type");
		for (uint32_t p = 0; t && p < t->param_count; p++)
			if (now.params[p] != before[i].params[p])
				failf("load patch roundtrip", before[i].name,
				      "%s.%s was %.9g, is %.9g after the load", before[i].name,
				      t->params[p].name, (double)before[i].params[p],
				      (double)now.params[p]);
	}
}

/* ---- the file system: nothing outside the patch and recording folders --------------------- */

static long stray_files;

static int isalnum_ascii(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* name is WORD.ext with WORD of the allowed characters (1 to max of them). */
static int plain_name(const char *name, const char *ext, size_t max, int dash)
{
	size_t k = 0;
	while (name[k] && (isalnum_ascii(name[k]) || name[k] == '_' || (dash && name[k] == '-')))
		k++;
	return k > 0 && k <= max && strcmp(name + k, ext) == 0;
}

/* dir/BASE with nothing between them. */
static const char *directly_in(const char *path, const char *dir)
{
	size_t l = strlen(dir);
	if (strncmp(path, dir, l) != 0 || path[l] != '/' || strchr(path + l + 1, '/'))
		return NULL;
	return path + l + 1;
}

static int visit(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)ftw, (void)st;
	if (flag != FTW_F && flag != FTW_SL)
		return 0;
	const char *base;
	if ((base = directly_in(path, patch_dir)) && plain_name(base, ".chr", 64, 1))
		return 0;
	if ((base = directly_in(path, template_dir)) && plain_name(base, ".chr", CX_NAME_MAX, 0))
		return 0;
	if ((base = directly_in(path, sample_dir)) || strcmp(path, secret_wav) == 0)
		return 0; /* ours, made before the run */
	if ((base = directly_in(path, work_dir))) {
		size_t bl = strlen(base);
		if ((bl > 4 && strcmp(base + bl - 4, ".wav") == 0) ||
		    (bl > 9 && strcmp(base + bl - 9, ".wav.part") == 0))
			return 0;
	}
	stray_files++;
	failf(path, NULL,
	      "a file was written outside the patch, template and recording folders (or with a "
	      "name their rules do not allow)");
	return 0;
}

/* The sound files `sample` may read, and one outside its folder that it must not. */
static void make_samples(void)
{
	char path[900];
	static float frames[2 * 480];
	for (int i = 0; i < 480; i++)
		frames[2 * i] = frames[2 * i + 1] = 0.5f * sinf((float)i * 0.0654f);
	struct {
		const char *name;
		int channels, count;
	} files[] = {{"tone.wav", 1, 480}, {"stereo.wav", 2, 480}, {NULL, 1, 480}};
	for (int k = 0; k < 3; k++) {
		if (files[k].name)
			snprintf(path, sizeof path, "%s/%s", sample_dir, files[k].name);
		else
			snprintf(path, sizeof path, "%s", secret_wav);
		SF_INFO info = {.samplerate = (int)RATE,
		                .channels = files[k].channels,
		                .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT};
		SNDFILE *f = sf_open(path, SFM_WRITE, &info);
		if (!f || sf_writef_float(f, frames, files[k].count) != files[k].count) {
			fprintf(stderr, "fuzz_text: cannot write %s\n", path);
			exit(2);
		}
		sf_close(f);
	}
	snprintf(path, sizeof path, "%s/empty.wav", sample_dir);
	FILE *f = fopen(path, "w");
	if (f)
		fclose(f);
	snprintf(path, sizeof path, "%s/text.wav", sample_dir);
	f = fopen(path, "w");
	if (f) {
		fputs("RIFF but not really a sound file\n", f);
		fclose(f);
	}
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void make_dirs(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(tmp_root, sizeof tmp_root, "%s/chronus-fuzz-text.XXXXXX",
	         tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmp_root)) {
		perror("mkdtemp");
		exit(2);
	}
	/* The patch folder sits deep, so that "../../etc/passwd" would land inside tmp_root:
	 * r1/r2/etc exists, a refusal that failed would really write there. */
	char d[800];
	static const char *dirs[] = {"r1",   "r1/r2", "r1/r2/etc", "r1/r2/r3",
	                             "work", "cwd",   "samples"};
	for (size_t k = 0; k < sizeof dirs / sizeof dirs[0]; k++) {
		snprintf(d, sizeof d, "%s/%s", tmp_root, dirs[k]);
		if (mkdir(d, 0755) != 0) {
			perror(d);
			exit(2);
		}
	}
	snprintf(patch_dir, sizeof patch_dir, "%s/r1/r2/r3/patches", tmp_root);
	snprintf(work_dir, sizeof work_dir, "%s/work", tmp_root);
	snprintf(cwd_dir, sizeof cwd_dir, "%s/cwd", tmp_root);
	snprintf(sample_dir, sizeof sample_dir, "%s/samples", tmp_root);
	snprintf(template_dir, sizeof template_dir, "%s/r1/templates", tmp_root);
	snprintf(secret_wav, sizeof secret_wav, "%s/secret.wav", tmp_root);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: fuzz_text MODULE_DIR [LINES [SEED [TEMPLATE_DIR]]]\n");
		return 2;
	}
	long lines = argc > 2 ? strtol(argv[2], NULL, 10) : 100000;
	uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 10) : 20260101u;
	rng_state = seed * 0x9E3779B97F4A7C15ull + 1u;
	/* Folders given relative to where we start: we move into the temp folder below. */
	static char module_dir[PATH_MAX], shipped_dir[1000];
	if (!realpath(argv[1], module_dir)) {
		perror(argv[1]);
		return 2;
	}
	static char resolved[PATH_MAX];
	const char *shipped = NULL;
	if (argc > 4 && realpath(argv[4], resolved)) {
		snprintf(shipped_dir, sizeof shipped_dir, "%.999s", resolved);
		shipped = shipped_dir;
	}
	make_dirs();
	if (chdir(cwd_dir) != 0) { /* relative paths land in the temp folder, where we look */
		perror(cwd_dir);
		return 2;
	}
	struct stat st0;
	int passwd_chr_before = stat("/etc/passwd.chr", &st0) == 0;
	catch_crashes();
	make_samples();
	cx_command_configure(patch_dir, work_dir, sample_dir);
	/* `define` writes into our folder; the shipped templates (if given) are only read. */
	cx_command_templates(template_dir, shipped, NULL);
	int shipped_before[sizeof define_names / sizeof define_names[0]] = {0};
	for (size_t k = 0; shipped && k < sizeof define_names / sizeof define_names[0]; k++) {
		char p[1200];
		snprintf(p, sizeof p, "%s/%s.chr", shipped, define_names[k]);
		shipped_before[k] = access(p, F_OK) == 0;
	}
	for (const cx_command_t *k = cx_commands; k->name; k++)
		ncommands++;

	char name[64], err[1024];
	snprintf(name, sizeof name, "fuzz-text-%d", (int)getpid());
	cx_engine_config_t cfg = {.name = name,
	                          .offline = 1,
	                          .workers = 2,
	                          .module_dirs = {module_dir},
	                          .module_dir_count = 1};
	if (cx_engine_open(&eng, &cfg, err, sizeof err) != 0 ||
	    cx_engine_start(eng, RATE, FRAMES, err, sizeof err) != 0) {
		fprintf(stderr, "fuzz_text: %s\n", err);
		return 1;
	}
	for (uint32_t t = 0; t < cx_engine_type_count(eng) && ntypes < CX_TYPES_MAX; t++) {
		const cx_type_t *ty = cx_engine_type(eng, t);
		if (ty && ty->name[0])
			types[ntypes++] = ty;
	}
	if (!ntypes) {
		fprintf(stderr, "fuzz_text: no module types in %s\n", argv[1]);
		return 1;
	}
	printf("fuzz_text: seed %llu, %ld lines, %u module types, temp folder %s\n",
	       (unsigned long long)seed, lines, ntypes, tmp_root);
	fflush(stdout);

	static char line[LINE_CAP];
	/* A small patch to start from, so that most commands find something to act on. */
	static const char *start[] = {"create vco a0 freq=110",
	                              "create vcf a1",
	                              "create adsr a2",
	                              "create vca a3",
	                              "create seq a4",
	                              "create noise a5 level=0.2",
	                              "patch a0 > a1 > a3 > out",
	                              "patch a2 > a3.cv",
	                              "patch a4.gate > a2.gate",
	                              "tempo 150",
	                              "play"};
	for (size_t k = 0; k < sizeof start / sizeof start[0]; k++)
		run_one(start[k]);
	render(4);

	for (long k = 0; k < lines; k++) {
		generate(line, sizeof line);
		run_one(line);
		if (k % PERIOD_EVERY == PERIOD_EVERY - 1)
			render(1);
		if (k % 500 == 499)
			keep_small();
		if (k % 10000 == 5000) {
			roundtrip();
			render(2);
		}
	}

	/* After the storm: the engine still works. */
	static char reply[REPLY_CAP];
	cx_command_line(eng, "record stop", 0, reply, sizeof reply);
	render(4);
	keep_small();
	render(2);
	cx_status_t after;
	if (cx_command_line(eng, "create vco zz_final", 0, reply, sizeof reply) != 0)
		failf("create vco zz_final", reply, "a create failed after the run");
	render(2);
	if (cx_command_line(eng, "set zz_final.freq 440", 0, reply, sizeof reply) != 0)
		failf("set zz_final.freq 440", reply, "a set failed after the run");
	render(2);
	if (!landed("zz_final", "freq", 440.0f))
		failf("set zz_final.freq 440", NULL,
		      "a plain set, answered as done, never reached the instance");
	/* A short ramp may be refused while the schedule is full (an honest answer); once
	 * accepted, it must land. */
	int rc = cx_command_line(eng, "set zz_final.freq 880 over 20ms", 0, reply, sizeof reply);
	if (rc != 0 && !strstr(reply, "schedule is full"))
		failf("set zz_final.freq 880 over 20ms", reply,
		      "a short ramp failed after the run");
	render(40);
	if (rc == 0 && !landed("zz_final", "freq", 880.0f))
		failf("set zz_final.freq 880 over 20ms", reply,
		      "a 20 ms ramp, answered as done, never reached its end value");
	if (cx_command_line(eng, "status", 0, reply, sizeof reply) != 0 ||
	    !strstr(reply, "instances="))
		failf("status", reply, "status does not answer after the run");
	if (cx_command_json(eng, "status", 0, reply, sizeof reply) != 0 ||
	    strncmp(reply, "{\"ok\":true", 10) != 0)
		failf("status", reply, "JSON status does not answer after the run");
	cx_engine_status(eng, &after);

	/* Nothing outside the folders the engine may write. */
	nftw(tmp_root, visit, 16, FTW_PHYS);
	for (size_t k = 0; shipped && k < sizeof define_names / sizeof define_names[0]; k++) {
		char p[1200];
		snprintf(p, sizeof p, "%s/%s.chr", shipped, define_names[k]);
		if (!shipped_before[k] && access(p, F_OK) == 0)
			failf(p, NULL, "define wrote into the shipped templates folder");
	}
	for (uint32_t i = 0; i < ncommands && i < 64; i++) {
		printf("fuzz_text: %-9s %6ld lines, %6ld ok\n", cx_commands[i].name, cmd_lines[i],
		       cmd_ok[i]);
		if (cmd_lines[i] < 100)
			failf(cx_commands[i].name, NULL,
			      "a command of the table was hardly exercised");
	}
	struct stat st1;
	if (!passwd_chr_before && stat("/etc/passwd.chr", &st1) == 0)
		failf("/etc/passwd.chr", NULL, "a patch was written to /etc");

	printf("fuzz_text: %ld lines (each run as text and as JSON): %ld ok, %ld failed, %ld "
	       "blank or comments; %ld JSON replies checked\n",
	       n_lines, n_ok, n_fail, n_blank, n_json);
	cx_engine_status(eng, &after);
	printf("fuzz_text: %ld periods rendered, peak |out| %.4f, %ld bad samples; at the end "
	       "%u instances, %u cables, %llu events late, %llu dropped; %ld stray files\n",
	       n_periods, (double)peak, n_out_bad, after.instances, after.cables,
	       (unsigned long long)after.events_late, (unsigned long long)after.events_dropped,
	       stray_files);
	printf("fuzz_text: status: %s\n", reply);

	cx_engine_close(eng);
	if (chdir("/") == 0 && !getenv("CHRONUS_TEST_KEEP"))
		nftw(tmp_root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	fail_summary();
	printf("fuzz_text: %s (%ld failures)\n", failures ? "FAIL" : "ok", failures);
	return failures ? 1 : 0;
}
