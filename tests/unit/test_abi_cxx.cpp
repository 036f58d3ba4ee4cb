// Unit: the public module header compiles as C++ (and links as C from C++).
#include "chronus/module.h"

static_assert(sizeof(cx_event_t) == 12, "events stay 12 bytes");

int main()
{
	cx_module_t m{};
	m.abi_version = CX_ABI_VERSION;
	return m.abi_version >> 16 == CX_ABI_VERSION_MAJOR ? 0 : 1;
}
