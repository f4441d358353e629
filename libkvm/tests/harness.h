/* SPDX-License-Identifier: MIT */
/*
 * Turns Check's per-test results into the project's result lines:
 *   PASS <tier>/<test>, FAIL <tier>/<test>: <reason>, SKIP <tier>/<test>: <reason>
 * A test that cannot run calls SKIP_TEST(reason...): Check counts it as
 * passed, the result line says SKIP.
 */
#ifndef LIBKVM_TEST_HARNESS_H
#define LIBKVM_TEST_HARNESS_H

#include <check.h>

/* Run the suite, print Check's summary and our lines; returns failures. */
int harness_run(Suite *s, const char *tier);

/* Record that the current test (function fn, "<name>_fn") is skipped. */
void harness_skip(const char *fn, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define SKIP_TEST(...) do { harness_skip(__func__, __VA_ARGS__); return; } while (0)

#endif
