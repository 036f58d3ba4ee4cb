/* Unit (ABI-04): the public module header compiles alone as strict C11. */
#include "chronus/module.h"

_Static_assert(sizeof(cx_event_t) == 12, "events stay 12 bytes");

int main(void)
{
	cx_module_t m = {.abi_version = CX_ABI_VERSION};
	return (int)(m.abi_version >> 16) == (int)CX_ABI_VERSION_MAJOR ? 0 : 1;
}
