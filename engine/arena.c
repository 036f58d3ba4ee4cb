/* arena.c — see arena.h. */
#include "arena.h"

#include <string.h>

static uint64_t round64(uint64_t v)
{
	return (v + 63u) & ~(uint64_t)63u;
}

void cx_arena_init(cx_arena_t *a, uint64_t base, uint64_t size)
{
	a->base = round64(base);
	a->size = size - (a->base - base);
	a->holes = 1;
	a->hole[0].off = a->base;
	a->hole[0].size = a->size & ~(uint64_t)63u;
}

uint64_t cx_arena_alloc(cx_arena_t *a, uint64_t size)
{
	size = round64(size ? size : 1u);
	for (uint32_t i = 0; i < a->holes; i++) {
		if (a->hole[i].size < size)
			continue;
		uint64_t off = a->hole[i].off;
		a->hole[i].off += size;
		a->hole[i].size -= size;
		if (a->hole[i].size == 0) {
			memmove(&a->hole[i], &a->hole[i + 1],
			        sizeof a->hole[0] * (a->holes - i - 1));
			a->holes--;
		}
		return off;
	}
	return 0;
}

void cx_arena_free(cx_arena_t *a, uint64_t off, uint64_t size)
{
	if (!off)
		return;
	size = round64(size ? size : 1u);
	uint32_t i = 0;
	while (i < a->holes && a->hole[i].off < off)
		i++;
	int join_prev = i > 0 && a->hole[i - 1].off + a->hole[i - 1].size == off;
	int join_next = i < a->holes && off + size == a->hole[i].off;
	if (join_prev && join_next) {
		a->hole[i - 1].size += size + a->hole[i].size;
		memmove(&a->hole[i], &a->hole[i + 1], sizeof a->hole[0] * (a->holes - i - 1));
		a->holes--;
	} else if (join_prev) {
		a->hole[i - 1].size += size;
	} else if (join_next) {
		a->hole[i].off = off;
		a->hole[i].size += size;
	} else if (a->holes < CX_ARENA_HOLES_MAX) {
		memmove(&a->hole[i + 1], &a->hole[i], sizeof a->hole[0] * (a->holes - i));
		a->hole[i].off = off;
		a->hole[i].size = size;
		a->holes++;
	} /* else: the block is lost until restart; 16k holes means heavy fragmentation */
}

uint64_t cx_arena_free_bytes(const cx_arena_t *a)
{
	uint64_t n = 0;
	for (uint32_t i = 0; i < a->holes; i++)
		n += a->hole[i].size;
	return n;
}
