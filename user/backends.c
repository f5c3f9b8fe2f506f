// SPDX-License-Identifier: GPL-2.0
/* backends.c - the registry: every backend, in the order auto tries them. */
#include <stdio.h>
#include <string.h>

#include "backend.h"

const struct backend_ops *const tcpstat_backends[] = {
	&kmod_backend,
	&bpf_backend,
	&netlink_backend,
	&procfs_backend,
	NULL,
};
_Static_assert(sizeof(tcpstat_backends) / sizeof(tcpstat_backends[0]) <= BACKENDS_MAX + 1,
	       "raise BACKENDS_MAX");

const struct backend_ops *backend_find(const char *name)
{
	for (size_t i = 0; tcpstat_backends[i]; i++) {
		if (strcmp(name, tcpstat_backends[i]->name) == 0)
			return tcpstat_backends[i];
	}
	return NULL;
}

const char *backend_list(void)
{
	static char list[128];
	size_t len = 0;

	if (!list[0]) {
		for (size_t i = 0; tcpstat_backends[i] && len < sizeof(list); i++)
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
						i ? ", " : "", tcpstat_backends[i]->name);
	}
	return list;
}

const char *backend_names(void)
{
	static char names[160];

	if (!names[0])
		snprintf(names, sizeof(names), "auto, %s", backend_list());
	return names;
}
