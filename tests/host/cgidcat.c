// SPDX-License-Identifier: GPL-2.0
/*
 * cgidcat.c - user/cgroupid.c on live processes, for tests/host/cgroupid.sh
 * until --all-netns labels namespaces: for each PID, the network namespace
 * it is in, resolved through the cache from that process's cgroup:
 *
 *   PID runtime=docker container_id=<64 hex> pod_uid= unit=
 *
 * Exit 0, 1 if a namespace could not be resolved, 2 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cgroupid.h"

static uint32_t the_pid(void *ctx, uint64_t inode, size_t k)
{
	(void)inode;
	return k == 0 ? *(uint32_t *)ctx : 0;
}

int main(int argc, char **argv)
{
	struct cgid_cache c;
	struct tcpstat_err e;
	int ret = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: cgidcat PID...\n");
		return 2;
	}
	if (cgid_cache_init(&c, "/proc", &e)) {
		fprintf(stderr, "cgidcat: %s\n", e.msg);
		return 1;
	}
	cgid_cache_begin(&c);
	for (int i = 1; i < argc; i++) {
		uint32_t pid = (uint32_t)strtoul(argv[i], NULL, 10);
		const struct cgroup_id *id;
		char path[64];
		struct stat st;

		snprintf(path, sizeof(path), "/proc/%u/ns/net", pid);
		if (stat(path, &st)) {
			perror(path);
			ret = 1;
			continue;
		}
		if (cgid_cache_lookup(&c, st.st_ino, the_pid, &pid, &id, &e)) {
			fprintf(stderr, "cgidcat: %s\n", e.msg);
			ret = 1;
			if (!id)
				continue;
		}
		printf("%u runtime=%s container_id=%s pod_uid=%s unit=%s\n", pid,
		       cgid_runtime_name(id->runtime), id->container_id, id->pod_uid, id->unit);
	}
	cgid_cache_end(&c);
	cgid_cache_free(&c);
	return ret;
}
