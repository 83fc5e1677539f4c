/* The table of every builtin and function.  Adding one means one entry in
 * its topic's file and one line here. */
#include <string.h>

#include "stdlib/stdlib.h"
#include "stdlib/entries.h"

const struct stdlib_fn *const stdlib_table[] = {
	/* builtin variables */
	&sl_pid, &sl_tid, &sl_uid, &sl_gid, &sl_comm, &sl_nsecs, &sl_elapsed, &sl_cpu, &sl_probe, &sl_cpid,
	&sl_ncpus, &sl_numaid, &sl_jiffies, &sl_rand, &sl_cgroup, &sl_func, &sl_nsecs_fn,
	/* the current task */
	&sl_curtask, &sl_ppid, &sl_ppid_fn, &sl_pcomm, &sl_pcomm_fn, &sl_username,
	/* output and control */
	&sl_printf, &sl_exit, &sl_print, &sl_clear, &sl_zero, &sl_delete,
	/* registers, bytes, address spaces, cgroups, diagnostics */
	&sl_reg, &sl_usermode, &sl_bswap, &sl_kptr, &sl_uptr, &sl_cgroupid, &sl_errorf, &sl_warnf,
	&sl_cgroup_path, &sl_debugf, &sl_percpu_kaddr, &sl_socket_cookie,
	/* text printed by the runtime; unsafe */
	&sl_join, &sl_cat, &sl_system, &sl_signal, &sl_override,
	/* watchpoints */
	&sl_unwatch,
	/* network addresses */
	&sl_ntop, &sl_pton, &sl_macaddr,
	/* maps and time */
	&sl_has_key, &sl_len, &sl_time, &sl_strftime,
	/* strings */
	&sl_str, &sl_strlen, &sl_strncmp, &sl_strstr, &sl_strcontains, &sl_buf, &sl_path,
	/* types */
	&sl_sizeof, &sl_offsetof,
	/* symbols and stacks */
	&sl_ksym, &sl_usym, &sl_kaddr, &sl_uaddr, &sl_kstack, &sl_ustack, &sl_kstack_fn, &sl_ustack_fn,
	/* aggregations */
	&sl_count, &sl_sum, &sl_min, &sl_max, &sl_avg, &sl_stats, &sl_hist, &sl_lhist, &sl_tseries,
};
const int stdlib_count = sizeof(stdlib_table) / sizeof(stdlib_table[0]);

const struct stdlib_fn *stdlib_find(const char *name, enum stdlib_kind kind)
{
	for (int i = 0; i < stdlib_count; i++)
		if (stdlib_table[i]->kind == kind && !strcmp(stdlib_table[i]->name, name))
			return stdlib_table[i];
	return NULL;
}

int stdlib_names(const char **out, int max, enum stdlib_kind kind)
{
	int n = 0;
	for (int i = 0; i < stdlib_count && n < max; i++)
		if (stdlib_table[i]->kind == kind)
			out[n++] = stdlib_table[i]->name;
	return n;
}
