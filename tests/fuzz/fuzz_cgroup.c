// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_cgroup.c - libFuzzer target for /proc/PID/cgroup (user/cgroupid.c):
 * the file, and the same bytes as one path. Whatever comes in, an
 * identity is one of the shapes the runtimes make: a 64-hex id (a
 * machine's name for nspawn) with a container runtime and never without
 * one, a pod uid of 32 hex or 8-4-4-4-12, a unit ending in ".service",
 * printable ASCII throughout.
 */
#include <stdlib.h>
#include <string.h>

#include "cgroupid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return true;
}

static void check(const struct cgroup_id *id)
{
	size_t cl = strnlen(id->container_id, sizeof(id->container_id));
	size_t pl = strnlen(id->pod_uid, sizeof(id->pod_uid));
	size_t ul = strnlen(id->unit, sizeof(id->unit));

	if (cl == sizeof(id->container_id) || pl == sizeof(id->pod_uid) ||
	    ul == sizeof(id->unit))
		abort(); /* not terminated */
	switch (id->runtime) {
	case CGID_RT_DOCKER:
	case CGID_RT_CONTAINERD:
	case CGID_RT_CRIO:
	case CGID_RT_PODMAN:
		if (cl != 64 || !hex(id->container_id, cl))
			abort();
		break;
	case CGID_RT_NSPAWN:
		if (!cl)
			abort();
		for (size_t i = 0; i < cl; i++) {
			char c = id->container_id[i];

			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
				abort();
		}
		break;
	case CGID_RT_SYSTEMD:
		if (cl || !ul)
			abort();
		break;
	case CGID_RT_NONE:
		if (cl || ul)
			abort();
		break;
	default:
		abort();
	}
	if (pl && !(pl == 32 && hex(id->pod_uid, 32)) &&
	    !(pl == 36 && id->pod_uid[8] == '-' && id->pod_uid[13] == '-' &&
	      id->pod_uid[18] == '-' && id->pod_uid[23] == '-'))
		abort();
	if (ul && (ul < 9 || strcmp(id->unit + ul - 8, ".service")))
		abort();
	for (size_t i = 0; i < ul; i++) {
		if (id->unit[i] < 0x21 || id->unit[i] > 0x7e)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cgroup_id id;
	struct parse_err pe = { 0, "" };

	cgroup_path_identify((const char *)data, size, &id);
	check(&id);
	if (cgroup_file_parse((const char *)data, size, &id, &pe)) {
		if (pe.what[0] == '\0')
			abort();
		return 0;
	}
	check(&id);
	return 0;
}
