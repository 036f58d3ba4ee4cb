/*
 * suggest.h — "did you mean" for names a user mistyped: the closest candidate by edit
 * distance, when it is close enough to be a likely typo. [any, non-RT]
 */
#ifndef CX_SUGGEST_H
#define CX_SUGGEST_H

#include <stddef.h>

/* Damerau-Levenshtein distance (adjacent transpositions count 1) of a and b, capped at 32. */
unsigned cx_edit_distance(const char *a, const char *b);

/* The candidate closest to word when within max(1, strlen(word) / 3) edits (ties: the first),
 * or NULL. cands[i] may be NULL or empty (skipped). */
const char *cx_suggest(const char *word, const char *const *cands, size_t n);

/* Appends "; did you mean 'X'?" to msg (of capacity cap) when cx_suggest finds X. */
void cx_suggest_append(char *msg, size_t cap, const char *word, const char *const *cands, size_t n);

#endif /* CX_SUGGEST_H */
