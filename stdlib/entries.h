/* Every stdlib entry, defined in its topic's file. */
#ifndef SONDE_STDLIB_ENTRIES_H
#define SONDE_STDLIB_ENTRIES_H

#include "stdlib/stdlib.h"

extern const struct stdlib_fn sl_pid, sl_tid, sl_uid, sl_gid, sl_comm, sl_nsecs, sl_elapsed,
	sl_cpu, sl_probe, sl_cpid;
extern const struct stdlib_fn sl_ncpus, sl_numaid, sl_jiffies, sl_rand, sl_cgroup, sl_func,
	sl_nsecs_fn;
extern const struct stdlib_fn sl_curtask, sl_ppid, sl_ppid_fn, sl_pcomm, sl_pcomm_fn, sl_username;
extern const struct stdlib_fn sl_printf, sl_exit, sl_print, sl_clear, sl_zero, sl_delete;
extern const struct stdlib_fn sl_str, sl_strlen, sl_strncmp, sl_strstr, sl_strcontains, sl_buf,
	sl_path;
extern const struct stdlib_fn sl_sizeof, sl_offsetof;
extern const struct stdlib_fn sl_ntop, sl_pton, sl_macaddr;
extern const struct stdlib_fn sl_reg, sl_usermode, sl_bswap, sl_kptr, sl_uptr, sl_cgroupid,
	sl_errorf, sl_warnf;
extern const struct stdlib_fn sl_join, sl_cat, sl_system, sl_signal, sl_override;
extern const struct stdlib_fn sl_cgroup_path, sl_debugf, sl_percpu_kaddr, sl_socket_cookie;
extern const struct stdlib_fn sl_has_key, sl_len, sl_time, sl_strftime;
extern const struct stdlib_fn sl_ksym, sl_usym, sl_kaddr, sl_uaddr, sl_kstack, sl_ustack,
	sl_kstack_fn, sl_ustack_fn;
/* watchpoints: unwatch(), and the events of watchpoint:FUNC+argN's hidden
 * program (not in the table) */
extern const struct stdlib_fn sl_unwatch, sl_probe_setup;
extern const struct stdlib_fn sl_count, sl_sum, sl_min, sl_max, sl_avg, sl_stats, sl_hist,
	sl_lhist, sl_tseries;

/* A value of one uint64 the runtime turns into text (strftime's time,
 * cgroup_path's id): e stored at the destination hint or in a buffer. */
LLVMValueRef stdlib_emit_u64(struct codegen *cg, struct ast_node *e, const char *name);

/* printf-like calls (printf, cat, system): checks the literal format
 * against the arguments and makes the event; NULL after an error. */
struct sema_event *stdlib_format_event(struct sema *s, struct ast_node *n,
				      const struct stdlib_fn *fn);

#endif
