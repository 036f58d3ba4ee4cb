/* ring.c — see ring.h. */
#include "ring.h"

int cx_ring_init(cx_ring_t *r, void *storage, uint32_t capacity, uint32_t elem_size)
{
	if (capacity == 0 || (capacity & (capacity - 1u)) != 0 || elem_size == 0)
		return -1;
	atomic_store(&r->head, 0);
	atomic_store(&r->tail, 0);
	r->mask = capacity - 1u;
	r->elem_size = elem_size;
	r->data = storage;
	return 0;
}
