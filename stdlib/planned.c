/* bpftrace builtins and functions sonde does not implement yet: using one
 * gets "not supported yet" at its location instead of "unknown". */
#include <string.h>

#include "stdlib/stdlib.h"

static const char *const planned_vars[] = {
	"__builtin_elapsed",
};

static const char *const planned_funcs[] = {
	"skboutput", "fail",
	"print_stack",
};

bool stdlib_planned(const char *name, enum stdlib_kind kind)
{
	const char *const *t = kind == SL_VAR ? planned_vars : planned_funcs;
	size_t n = kind == SL_VAR ? sizeof(planned_vars) / sizeof(*t) : sizeof(planned_funcs) / sizeof(*t);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i], name))
			return true;
	return false;
}
