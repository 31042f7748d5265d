/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __VQTRACE_VERSION_H
#define __VQTRACE_VERSION_H
#define VQTRACE_VERSION "0.1.0"
#endif
