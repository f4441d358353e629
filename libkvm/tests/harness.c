// SPDX-License-Identifier: MIT
/* Check results -> PASS/FAIL/SKIP lines. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

#define SKIP_ENV "LIBKVM_TEST_SKIPFILE"

void harness_skip(const char *fn, const char *fmt, ...)
{
	const char *path = getenv(SKIP_ENV);
	size_t n = strlen(fn);
	va_list ap;
	FILE *f;

	if (n > 3 && !strcmp(fn + n - 3, "_fn"))
		n -= 3;
	if (!path || !(f = fopen(path, "a")))
		return;
	fprintf(f, "%.*s\t", (int)n, fn);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

/* The reason recorded for test, or NULL. */
static char *skip_reason(const char *path, const char *test)
{
	char line[1024];
	char *reason = NULL;
	size_t n = strlen(test);
	FILE *f = fopen(path, "r");

	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, test, n) || line[n] != '\t')
			continue;
		line[strcspn(line, "\n")] = 0;
		free(reason);
		reason = strdup(line + n + 1);
	}
	fclose(f);
	return reason;
}

/*
 * Log lines look like  file:line:R:tcase:test:iter: message  with R one
 * of P (passed), F (failed assertion), E (error: crash, timeout, exit).
 */
static int report(const char *log, const char *skips, const char *tier,
		  int *seen)
{
	char line[2048];
	int fails = 0;
	FILE *f = fopen(log, "r");

	if (!f) {
		printf("FAIL %s/harness: cannot read Check's log %s\n", tier, log);
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *fld[7], *p = line;
		char *reason;
		int i;

		line[strcspn(line, "\n")] = 0;
		for (i = 0; i < 6; i++) {
			fld[i] = p;
			p = strchr(p, ':');
			if (!p)
				break;
			*p++ = 0;
		}
		if (i < 6 || strlen(fld[2]) != 1 || !strchr("PFE", fld[2][0]))
			continue;
		fld[6] = p + (*p == ' ');
		(*seen)++;
		if (fld[2][0] != 'P') {
			printf("FAIL %s/%s: %s (%s:%s)\n", tier, fld[4], fld[6], fld[0], fld[1]);
			fails++;
			continue;
		}
		reason = skip_reason(skips, fld[4]);
		if (reason)
			printf("SKIP %s/%s: %s\n", tier, fld[4], reason);
		else
			printf("PASS %s/%s\n", tier, fld[4]);
		free(reason);
	}
	fclose(f);
	return fails;
}

int harness_run(Suite *s, const char *tier)
{
	const char *tmp = getenv("TMPDIR");
	char dir[256], log[300], skips[300];
	SRunner *sr;
	int fails, seen = 0, nrun;

	/* A bare initramfs may lack /tmp, which Check itself needs too. */
	if (!tmp || !tmp[0]) {
		tmp = "/tmp";
		mkdir(tmp, 01777);
	}
	snprintf(dir, sizeof(dir), "%s/libkvm-check.XXXXXX", tmp);
	if (!mkdtemp(dir)) {
		printf("FAIL %s/harness: cannot make a temporary directory in %s\n", tier, tmp);
		return 1;
	}
	snprintf(log, sizeof(log), "%s/log", dir);
	snprintf(skips, sizeof(skips), "%s/skips", dir);
	setenv(SKIP_ENV, skips, 1);
	sr = srunner_create(s);
	srunner_set_log(sr, log);
	fflush(stdout);
	srunner_run_all(sr, CK_ENV);
	nrun = srunner_ntests_run(sr);
	fails = srunner_ntests_failed(sr);
	srunner_free(sr);
	fflush(stdout);
	if (report(log, skips, tier, &seen) != fails || seen != nrun) {
		printf("FAIL %s/harness: Check ran %d tests (%d failed), the log shows %d\n",
		       tier, nrun, fails, seen);
		fails++;
	}
	unlink(log);
	unlink(skips);
	rmdir(dir);
	return fails;
}
