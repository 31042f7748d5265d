// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer target: --prometheus [ADDR:]PORT (http_parse_listen in
 * src/http.c). The input is the argument (up to the first NUL). An accepted
 * value must give a port in 1..65535 and a numeric address, and formatting
 * it (http_format_addr) must parse back to the same address and port. */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *arg = malloc(size + 1), addr[HTTP_ADDR_LEN], again[HTTP_ADDR_LEN];
	char text[HTTP_ADDR_LEN + 16];
	unsigned char bin[16];
	unsigned int port = 0, port2 = 0;

	if (!arg)
		return 0;
	memcpy(arg, data, size);
	arg[size] = '\0';
	memset(addr, 0x5a, sizeof(addr));
	if (http_parse_listen(arg, addr, &port) == 0) {
		if (port < 1 || port > 65535 || !memchr(addr, '\0', sizeof(addr)))
			abort();
		if (inet_pton(strchr(addr, ':') ? AF_INET6 : AF_INET, addr, bin) != 1)
			abort();
		http_format_addr(addr, port, text, sizeof(text));
		if (http_parse_listen(text, again, &port2) || strcmp(addr, again) || port != port2)
			abort();
	}
	free(arg);
	return 0;
}
