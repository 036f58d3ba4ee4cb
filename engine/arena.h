/*
 * arena.h — handing out the shared segment's arena to instances (state blobs, port buffers).
 *
 * First fit over a sorted free list with coalescing; 64-byte aligned blocks. The list lives in
 * the engine's private heap and only the control thread touches it. [control]
 */
#ifndef CX_ARENA_H
#define CX_ARENA_H

#include <stdint.h>

#define CX_ARENA_HOLES_MAX 16384u

typedef struct cx_arena {
	uint64_t base, size;
	uint32_t holes;
	struct {
		uint64_t off, size;
	} hole[CX_ARENA_HOLES_MAX];
} cx_arena_t;

void cx_arena_init(cx_arena_t *a, uint64_t base, uint64_t size);
/* Returns the offset of a block of at least size bytes, or 0 when none fits. */
uint64_t cx_arena_alloc(cx_arena_t *a, uint64_t size);
void cx_arena_free(cx_arena_t *a, uint64_t off, uint64_t size);
uint64_t cx_arena_free_bytes(const cx_arena_t *a);

#endif /* CX_ARENA_H */
