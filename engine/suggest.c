/* suggest.c — see suggest.h. */
#include "suggest.h"

#include <stdio.h>
#include <string.h>

#define CAP 32u

unsigned cx_edit_distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	if (n >= CAP || m >= CAP)
		return CAP;
	unsigned d[CAP + 1][CAP + 1];
	for (size_t i = 0; i <= n; i++)
		d[i][0] = (unsigned)i;
	for (size_t k = 0; k <= m; k++)
		d[0][k] = (unsigned)k;
	for (size_t i = 1; i <= n; i++) {
		for (size_t k = 1; k <= m; k++) {
			unsigned cost = a[i - 1] != b[k - 1];
			unsigned best = d[i - 1][k] + 1;
			if (d[i][k - 1] + 1 < best)
				best = d[i][k - 1] + 1;
			if (d[i - 1][k - 1] + cost < best)
				best = d[i - 1][k - 1] + cost;
			if (i > 1 && k > 1 && a[i - 1] == b[k - 2] && a[i - 2] == b[k - 1] &&
			    d[i - 2][k - 2] + 1 < best)
				best = d[i - 2][k - 2] + 1;
			d[i][k] = best;
		}
	}
	return d[n][m];
}

const char *cx_suggest(const char *word, const char *const *cands, size_t n)
{
	size_t len = strlen(word);
	unsigned limit = len / 3 > 1 ? (unsigned)(len / 3) : 1u;
	const char *best = NULL;
	unsigned best_d = limit + 1;
	for (size_t i = 0; i < n; i++) {
		if (!cands[i] || !cands[i][0])
			continue;
		unsigned d = cx_edit_distance(word, cands[i]);
		if (d < best_d) {
			best_d = d;
			best = cands[i];
		}
	}
	return best;
}

void cx_suggest_append(char *msg, size_t cap, const char *word, const char *const *cands, size_t n)
{
	const char *s = cx_suggest(word, cands, n);
	size_t len = strlen(msg);
	if (s && len < cap)
		snprintf(msg + len, cap - len, "; did you mean '%s'?", s);
}
