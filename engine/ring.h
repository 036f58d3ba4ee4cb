/*
 * ring.h — a bounded single-producer single-consumer queue of fixed-size messages.
 *
 * The control thread pushes, the JACK callback pops (and the reverse for notices), with no
 * lock and no allocation after cx_ring_init. Capacity is a power of two; head and tail are
 * free-running counters on their own cache lines, published with release/acquire. A push to
 * a full ring fails and the caller decides (control reports "engine busy", the callback
 * counts a drop).
 */
#ifndef CX_RING_H
#define CX_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct cx_ring {
	_Alignas(64) _Atomic uint64_t head; /* next slot to write; producer-owned */
	_Alignas(64) _Atomic uint64_t tail; /* next slot to read; consumer-owned */
	_Alignas(64) uint32_t mask;
	uint32_t elem_size;
	unsigned char *data;
} cx_ring_t;

/* Sets up a ring over caller-owned storage of capacity * elem_size bytes; capacity must be a
 * power of two. Returns 0, or -1 when it is not. [main] */
int cx_ring_init(cx_ring_t *r, void *storage, uint32_t capacity, uint32_t elem_size);

/* Copies one message in. Returns false when full. Producer side only. [any] */
static inline bool cx_ring_push(cx_ring_t *r, const void *msg)
{
	uint64_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint64_t t = atomic_load_explicit(&r->tail, memory_order_acquire);
	if (h - t > r->mask)
		return false;
	memcpy(r->data + (size_t)(h & r->mask) * r->elem_size, msg, r->elem_size);
	atomic_store_explicit(&r->head, h + 1u, memory_order_release);
	return true;
}

/* Copies the oldest message out. Returns false when empty. Consumer side only. [any] */
static inline bool cx_ring_pop(cx_ring_t *r, void *msg)
{
	uint64_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint64_t h = atomic_load_explicit(&r->head, memory_order_acquire);
	if (t == h)
		return false;
	memcpy(msg, r->data + (size_t)(t & r->mask) * r->elem_size, r->elem_size);
	atomic_store_explicit(&r->tail, t + 1u, memory_order_release);
	return true;
}

/* Messages waiting. Exact for either side, approximate for others. [any] */
static inline uint64_t cx_ring_count(cx_ring_t *r)
{
	return atomic_load_explicit(&r->head, memory_order_acquire) -
	       atomic_load_explicit(&r->tail, memory_order_acquire);
}

#endif /* CX_RING_H */
