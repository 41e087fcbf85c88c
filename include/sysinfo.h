/*
 * sysinfo.h: facts about the running system the daemon needs: CPU lists,
 * privilege and namespaces, delay accounting, boot id, clocks.
 */
#ifndef SYSINFO_H
#define SYSINFO_H

#include <stddef.h>
#include <stdint.h>

#include "cpulist.h"

#define SYSCTL_DELAYACCT	"/proc/sys/kernel/task_delayacct"

int	 cpulist_possible(char *, size_t);
int	 proc_caps(const char *, uint64_t *);
int	 preflight_privilege(char *, size_t);
int	 preflight_namespaces(char *, size_t);
int	 delayacct_get(void);
int	 delayacct_enable(void);
int	 read_line(const char *, char *, size_t);
int64_t	 now_real_us(void);
int64_t	 now_mono_ms(void);

#endif
