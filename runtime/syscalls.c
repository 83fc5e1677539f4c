#include <string.h>

#include "runtime/syscalls.h"

static const struct {
	const char *name;
	int nr;
} numbers[] = {
#include "generated/syscall_numbers.inc"
};

/* x86-64 syscalls newer than Debian 12's headers; the numbering only
 * grows, and each was checked against its tracepoint's __syscall_nr on a
 * 6.18 kernel. */
static const struct {
	const char *name;
	int nr;
} newer[] = {
#ifdef __x86_64__
	{"uretprobe", 335},	    {"uprobe", 336},	      {"cachestat", 451},
	{"fchmodat2", 452},	    {"map_shadow_stack", 453}, {"futex_wake", 454},
	{"futex_wait", 455},	    {"futex_requeue", 456},    {"statmount", 457},
	{"listmount", 458},	    {"lsm_get_self_attr", 459}, {"lsm_set_self_attr", 460},
	{"lsm_list_modules", 461}, {"mseal", 462},	      {"setxattrat", 463},
	{"getxattrat", 464},	    {"listxattrat", 465},      {"removexattrat", 466},
	{"open_tree_attr", 467},   {"file_getattr", 468},     {"file_setattr", 469},
#endif
	{NULL, -1},
};

/* Tracepoints named after the kernel's SYSCALL_DEFINE, not the __NR_ name */
static const struct {
	const char *tracepoint, *syscall;
} aliases[] = {
	{"newstat", "stat"},	 {"newlstat", "lstat"},	      {"newfstat", "fstat"},
	{"newuname", "uname"},	 {"sendfile64", "sendfile"},  {"umount", "umount2"},
};

int syscall_number(const char *name)
{
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcmp(aliases[i].tracepoint, name))
			name = aliases[i].syscall;
	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++)
		if (!strcmp(numbers[i].name, name))
			return numbers[i].nr;
	for (size_t i = 0; newer[i].name; i++)
		if (!strcmp(newer[i].name, name))
			return newer[i].nr;
	return -1;
}
