// SPDX-License-Identifier: MIT
/*
 * ABI tier: the shipped libkvm.so.1 against the committed baseline
 * (abidiff), its exports, its soname, and the public header on its own.
 * Paths come from the Makefile: LIBKVM_SO, LIBKVM_BASELINE, LIBKVM_SRCDIR, CC.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

static const char *env(const char *name)
{
	const char *v = getenv(name);

	ck_assert_msg(v && v[0], "%s is not set (run through make check-abi)", name);
	return v;
}

/* Run cmd, collect stdout+stderr into out; return the exit status. */
static int run(const char *cmd, char *out, size_t len)
{
	char full[4096];
	size_t used = 0;
	FILE *p;
	int st;

	snprintf(full, sizeof(full), "%s 2>&1", cmd);
	p = popen(full, "r");
	ck_assert_msg(p != NULL, "cannot run %s", cmd);
	out[0] = 0;
	while (used + 1 < len && fgets(out + used, (int)(len - used), p))
		used += strlen(out + used);
	while (fgetc(p) != EOF)
		;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 255;
}

static int have_tool(const char *tool)
{
	char cmd[256], out[256];

	snprintf(cmd, sizeof(cmd), "command -v %s", tool);
	return run(cmd, out, sizeof(out)) == 0;
}

/* Print a multi-line report as comment lines after the result. */
static void note(const char *text)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		int n = nl ? (int)(nl - p) : (int)strlen(p);

		printf("#   %.*s\n", n, p);
		p += n + (nl ? 1 : 0);
	}
}

START_TEST(abidiff_against_baseline)
{
	static char out[65536];
	char cmd[2048];
	unsigned int fr = 0, fc = 0, vr = 0, vc = 0;
	const char *p;
	int st;

	if (!have_tool("abidiff"))
		SKIP_TEST("abidiff not installed (Debian package abigail-tools)");
	snprintf(cmd, sizeof(cmd), "abidiff --headers-dir2 %s/include/libkvm %s %s",
		 env("LIBKVM_SRCDIR"), env("LIBKVM_BASELINE"), env("LIBKVM_SO"));
	st = run(cmd, out, sizeof(out));
	ck_assert_msg(!(st & 3), "abidiff failed to run (status %d): %s", st, out);
	p = strstr(out, "Functions changes summary:");
	if (p)
		sscanf(p, "Functions changes summary: %u Removed, %u Changed", &fr, &fc);
	p = strstr(out, "Variables changes summary:");
	if (p)
		sscanf(p, "Variables changes summary: %u Removed, %u Changed", &vr, &vc);
	if ((st & 8) || fr || fc || vr || vc) {
		fflush(stdout);
		fprintf(stdout, "# abidiff report (status %d):\n", st);
		note(out);
		fflush(stdout);
		ck_abort_msg("the ABI differs from abi/libkvm.abi (status %d, %u functions "
			     "removed, %u changed); an intended change needs a new soname or "
			     "symbol version and `make abi-baseline`", st, fr, fc);
	}
	if (st & 4) {
		/* Only additions: compatible, but the baseline should catch up. */
		printf("# libkvm-abi: compatible additions since the baseline:\n");
		note(out);
	}
}
END_TEST

START_TEST(exports_only_the_versioned_api)
{
	static char out[65536];
	char cmd[1024], *line, *save = NULL;
	int n = 0;

	snprintf(cmd, sizeof(cmd), "nm -D --defined-only %s", env("LIBKVM_SO"));
	ck_assert_msg(run(cmd, out, sizeof(out)) == 0, "nm failed: %s", out);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char addr[64], type[8], name[256];

		if (sscanf(line, "%63s %7s %255s", addr, type, name) != 3)
			continue;
		if (!strcmp(name, "LIBKVM_1.0"))
			continue;
		ck_assert_msg(!strncmp(name, "libkvm_", 7), "exported non-API symbol %s", name);
		ck_assert_msg(strstr(name, "@@LIBKVM_1.0") != NULL, "%s is not versioned", name);
		n++;
	}
	ck_assert_msg(n >= 40, "only %d symbols exported", n);
}
END_TEST

START_TEST(soname_is_libkvm_so_1)
{
	static char out[16384];
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "readelf -d %s", env("LIBKVM_SO"));
	ck_assert_msg(run(cmd, out, sizeof(out)) == 0, "readelf failed: %s", out);
	ck_assert_msg(strstr(out, "Library soname: [libkvm.so.1]") != NULL, "%s", out);
}
END_TEST

/* Every function the header declares is exported, and nothing else. */
START_TEST(header_and_exports_agree)
{
	static char hdr[65536], out[65536];
	char cmd[1024], path[1024];
	const char *p;
	FILE *f;
	size_t n;
	int decl = 0;

	snprintf(path, sizeof(path), "%s/include/libkvm/libkvm.h", env("LIBKVM_SRCDIR"));
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	n = fread(hdr, 1, sizeof(hdr) - 1, f);
	hdr[n] = 0;
	fclose(f);
	snprintf(cmd, sizeof(cmd), "nm -D --defined-only %s", env("LIBKVM_SO"));
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 0);
	for (p = hdr; (p = strstr(p, "libkvm_")); p++) {
		char name[128], sym[160];
		size_t k = 0;
		const char *q = p;

		if (p > hdr && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
			continue;
		while (k < sizeof(name) - 1 && (isalnum((unsigned char)*q) || *q == '_'))
			name[k++] = *q++;
		name[k] = 0;
		if (*q != '(')
			continue;	/* a type or a mention, not a declaration */
		snprintf(sym, sizeof(sym), " %s@@LIBKVM_1.0\n", name);
		ck_assert_msg(strstr(out, sym) != NULL, "%s is declared but not exported", name);
		decl++;
	}
	ck_assert_msg(decl >= 40, "found only %d declarations", decl);
}
END_TEST

static void compile(const char *src, const char *flags)
{
	static char out[16384];
	char path[] = "/tmp/libkvm-abi-XXXXXX.c";
	char cmd[2048];
	int fd = mkstemps(path, 2);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, src, strlen(src)), (ssize_t)strlen(src));
	close(fd);
	/* Only the public include directory: no okvm/kvm.h, no src/. */
	snprintf(cmd, sizeof(cmd), "%s %s -Wall -Wextra -Werror -fsyntax-only -I%s/include %s",
		 env("CC"), flags, env("LIBKVM_SRCDIR"), path);
	ck_assert_msg(run(cmd, out, sizeof(out)) == 0, "%s failed:\n%s", cmd, out);
	unlink(path);
}

START_TEST(header_compiles_alone_c99)
{
	compile("#include <libkvm/libkvm.h>\n"
		"int main(void) { struct libkvm_exit e = { 0 }; return (int)e.kind; }\n",
		"-std=c99 -pedantic");
}
END_TEST

START_TEST(header_coexists_with_linux_kvm_h)
{
	compile("#include <linux/kvm.h>\n#include <libkvm/libkvm.h>\n"
		"int main(void) { return KVM_API_VERSION - 12 + LIBKVM_EXIT_IO - 1; }\n",
		"-std=gnu11");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("libkvm-abi");
	TCase *t = tcase_create("abi");

	tcase_set_timeout(t, 120);
	tcase_add_test(t, abidiff_against_baseline);
	tcase_add_test(t, exports_only_the_versioned_api);
	tcase_add_test(t, soname_is_libkvm_so_1);
	tcase_add_test(t, header_and_exports_agree);
	tcase_add_test(t, header_compiles_alone_c99);
	tcase_add_test(t, header_coexists_with_linux_kvm_h);
	suite_add_tcase(s, t);
	return harness_run(s, "libkvm-abi") ? 1 : 0;
}
