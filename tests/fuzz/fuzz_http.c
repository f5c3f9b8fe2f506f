// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_http.c - libFuzzer target for what --listen and /metrics take from
 * outside (user/httpd.c): an Accept header and a --listen argument, the
 * input split at its first NUL. Negotiation always picks one of the two
 * formats; a listen address that parses is IPv4 or IPv6 with the length
 * of its family, and one that does not says why.
 */
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include "httpd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = malloc(size + 1);
	struct tcpstat_err e = { "" };
	struct httpd_addr a;
	enum httpd_format f;
	const char *second;

	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	f = httpd_negotiate(in);
	if (f != HTTPD_FMT_PROMETHEUS && f != HTTPD_FMT_OPENMETRICS)
		abort();
	second = memchr(in, '\0', size) ? in + strlen(in) + 1 : in;
	if (httpd_parse_listen(second, &a, &e) == 0) {
		if (!((a.ss.ss_family == AF_INET && a.len == sizeof(struct sockaddr_in) && !a.any) ||
		      (a.ss.ss_family == AF_INET6 && a.len == sizeof(struct sockaddr_in6))))
			abort();
	} else if (e.msg[0] == '\0') {
		abort();
	}
	free(in);
	return 0;
}
