// SPDX-License-Identifier: MIT
/*
 * kvm-run: the example VMM shipped with libkvm.  It loads a flat binary or
 * a static ELF, starts one vcpu in real, protected or long mode, gives the
 * guest a 16550 UART at 0x3f8 on stdin/stdout and an exit port, and exits
 * with the guest's code.  Read it top to bottom: it is meant as the first
 * VMM a libkvm user reads.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <libkvm/libkvm.h>

#define EXIT_TIMEOUT	124
#define EXIT_FAILURE_VMM 125
#define TABLES_GPA	0x1000		/* page tables and GDT for prot/long */
#define UART_BASE	0x3f8

struct options {
	const char *device;
	const char *image;
	uint32_t mode;
	uint64_t load;
	uint64_t entry;
	uint64_t stack;
	uint64_t mem;
	uint16_t exit_port;
	unsigned int timeout;
	int have_load, have_entry, have_stack;
	int verbose;
};

struct uart {
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
};

struct machine {
	struct options *opt;
	struct uart uart;
	int exit_code;
	char out[256];
	size_t out_len;
};

static const char *prog = "kvm-run";
static struct libkvm_vcpu *timeout_vcpu;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [options] IMAGE\n"
		"Run IMAGE (a flat binary or a static ELF) on one vcpu.\n\n"
		"  -d, --device PATH    KVM device (default: $LIBKVM_DEVICE, /dev/okvm, /dev/kvm)\n"
		"  -m, --mode MODE      real, prot or long (default long)\n"
		"  -l, --load ADDR      where a flat binary goes (default 0x100000, real mode 0x7c00)\n"
		"  -e, --entry ADDR     entry point (default: load address or ELF entry)\n"
		"  -s, --stack ADDR     initial stack pointer (default: top of RAM, real mode 0x7000)\n"
		"  -M, --mem SIZE       guest RAM at address 0, K/M/G suffixes (default 64M)\n"
		"  -x, --exit-port PORT a write of V to PORT ends the run with status V & 0xff\n"
		"                       (default 0x501)\n"
		"  -t, --timeout SECS   stop the guest after SECS seconds (status 124)\n"
		"  -v, --verbose        report exits and the end of the run on stderr\n"
		"  -h, --help\n", prog);
}

static int parse_num(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'k': case 'K': n <<= 10; end++; break;
	case 'm': case 'M': n <<= 20; end++; break;
	case 'g': case 'G': n <<= 30; end++; break;
	}
	if (*end)
		return -1;
	*v = n;
	return 0;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option lo[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "mode", required_argument, NULL, 'm' },
		{ "load", required_argument, NULL, 'l' },
		{ "entry", required_argument, NULL, 'e' },
		{ "stack", required_argument, NULL, 's' },
		{ "mem", required_argument, NULL, 'M' },
		{ "exit-port", required_argument, NULL, 'x' },
		{ "timeout", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	o->mode = LIBKVM_MODE_LONG64;
	o->mem = 64ull << 20;
	o->exit_port = 0x501;
	while ((c = getopt_long(argc, argv, "d:m:l:e:s:M:x:t:vh", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->device = optarg;
			break;
		case 'm':
			if (!strcmp(optarg, "real"))
				o->mode = LIBKVM_MODE_REAL;
			else if (!strcmp(optarg, "prot"))
				o->mode = LIBKVM_MODE_PROT32;
			else if (!strcmp(optarg, "long"))
				o->mode = LIBKVM_MODE_LONG64;
			else
				goto bad;
			break;
		case 'l':
			if (parse_num(optarg, &o->load))
				goto bad;
			o->have_load = 1;
			break;
		case 'e':
			if (parse_num(optarg, &o->entry))
				goto bad;
			o->have_entry = 1;
			break;
		case 's':
			if (parse_num(optarg, &o->stack))
				goto bad;
			o->have_stack = 1;
			break;
		case 'M':
			if (parse_num(optarg, &o->mem) || !o->mem || o->mem & 0xfff)
				goto bad;
			break;
		case 'x':
			if (parse_num(optarg, &v) || v > 0xffff)
				goto bad;
			o->exit_port = (uint16_t)v;
			break;
		case 't':
			if (parse_num(optarg, &v) || !v || v > 86400)
				goto bad;
			o->timeout = (unsigned int)v;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return -1;
	}
	o->image = argv[optind];
	if (!o->have_load)
		o->load = o->mode == LIBKVM_MODE_REAL ? 0x7c00 : 0x100000;
	if (!o->have_stack)
		o->stack = o->mode == LIBKVM_MODE_REAL ? 0x7000 :
			   o->mem < (4ull << 30) ? o->mem : (4ull << 30);
	return 0;
bad:
	fprintf(stderr, "%s: bad value for -%c: %s\n", prog, c, optarg);
	return -1;
}

static int read_file(const char *path, uint8_t **buf, size_t *len)
{
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st)) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*len = (size_t)st.st_size;
	*buf = malloc(*len ? *len : 1);
	while (*buf && got < *len && (n = read(fd, *buf + got, *len - got)) > 0)
		got += (size_t)n;
	close(fd);
	if (!*buf || got != *len) {
		fprintf(stderr, "%s: %s: short read\n", prog, path);
		return -1;
	}
	return 0;
}

/* Copy [p, p+len) of the image to guest gpa and zero up to memsz. */
static int put_segment(struct libkvm_vm *vm, uint64_t gpa, const uint8_t *p,
		       uint64_t len, uint64_t memsz)
{
	static const uint8_t zeros[4096];
	uint64_t off;

	if (libkvm_vm_write(vm, gpa, p, len))
		goto fail;
	for (off = len; off < memsz; off += sizeof(zeros)) {
		uint64_t n = memsz - off < sizeof(zeros) ? memsz - off : sizeof(zeros);

		if (libkvm_vm_write(vm, gpa + off, zeros, n))
			goto fail;
	}
	return 0;
fail:
	fprintf(stderr, "%s: image does not fit in guest RAM: %s\n", prog,
		libkvm_vm_error(vm));
	return -1;
}

/* Load a static ELF32/ELF64 by its program headers; sets the entry. */
static int load_elf(struct libkvm_vm *vm, const uint8_t *img, size_t len,
		    uint64_t *entry)
{
	unsigned int i, n;
	int is64 = img[EI_CLASS] == ELFCLASS64;

	if (len < (is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr)))
		goto bad;
	if (is64) {
		const Elf64_Ehdr *eh = (const void *)img;

		*entry = eh->e_entry;
		n = eh->e_phnum;
		if (eh->e_phoff > len || (uint64_t)n * sizeof(Elf64_Phdr) > len - eh->e_phoff)
			goto bad;
		for (i = 0; i < n; i++) {
			Elf64_Phdr ph;

			memcpy(&ph, img + eh->e_phoff + i * sizeof(ph), sizeof(ph));
			if (ph.p_type != PT_LOAD)
				continue;
			if (ph.p_offset > len || ph.p_filesz > len - ph.p_offset ||
			    ph.p_filesz > ph.p_memsz)
				goto bad;
			if (put_segment(vm, ph.p_paddr, img + ph.p_offset, ph.p_filesz, ph.p_memsz))
				return -1;
		}
	} else {
		const Elf32_Ehdr *eh = (const void *)img;

		*entry = eh->e_entry;
		n = eh->e_phnum;
		if (eh->e_phoff > len || (uint64_t)n * sizeof(Elf32_Phdr) > len - eh->e_phoff)
			goto bad;
		for (i = 0; i < n; i++) {
			Elf32_Phdr ph;

			memcpy(&ph, img + eh->e_phoff + i * sizeof(ph), sizeof(ph));
			if (ph.p_type != PT_LOAD)
				continue;
			if (ph.p_offset > len || ph.p_filesz > len - ph.p_offset ||
			    ph.p_filesz > ph.p_memsz)
				goto bad;
			if (put_segment(vm, ph.p_paddr, img + ph.p_offset, ph.p_filesz, ph.p_memsz))
				return -1;
		}
	}
	return 0;
bad:
	fprintf(stderr, "%s: malformed ELF image\n", prog);
	return -1;
}

static void flush_out(struct machine *m)
{
	if (m->out_len && write(STDOUT_FILENO, m->out, m->out_len) < 0)
		m->out_len = 0;
	m->out_len = 0;
}

static int stdin_ready(void)
{
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

/* The 16550 registers a polling driver uses; no interrupts. */
static void uart_io(struct machine *m, unsigned int reg, int is_write, uint8_t *v)
{
	struct uart *u = &m->uart;
	int dlab = u->lcr & 0x80;

	if (is_write) {
		switch (reg) {
		case 0:
			if (dlab) {
				u->dll = *v;
				break;
			}
			m->out[m->out_len++] = (char)*v;
			if (*v == '\n' || m->out_len == sizeof(m->out))
				flush_out(m);
			break;
		case 1: if (dlab) u->dlm = *v; else u->ier = *v & 0x0f; break;
		case 2: u->fcr = *v; break;
		case 3: u->lcr = *v; break;
		case 4: u->mcr = *v; break;
		case 7: u->scr = *v; break;
		}
		return;
	}
	switch (reg) {
	case 0:
		*v = 0;
		if (dlab)
			*v = u->dll;
		else if (stdin_ready() && read(STDIN_FILENO, v, 1) != 1)
			*v = 0;
		break;
	case 1: *v = dlab ? u->dlm : u->ier; break;
	case 2: *v = (u->fcr & 1 ? 0xc0 : 0) | 0x01; break;	/* no interrupt */
	case 3: *v = u->lcr; break;
	case 4: *v = u->mcr; break;
	case 5: *v = 0x60 | (stdin_ready() ? 0x01 : 0); break;	/* THR empty */
	case 6: *v = 0xb0; break;				/* DCD, DSR, CTS */
	case 7: *v = u->scr; break;
	}
}

static int on_io(void *opaque, struct libkvm_vcpu *vcpu, uint16_t port,
		 int is_write, void *data, uint32_t size)
{
	struct machine *m = opaque;
	uint32_t v = 0;

	(void)vcpu;
	if (port == m->opt->exit_port && is_write) {
		memcpy(&v, data, size);
		m->exit_code = (int)(v & 0xff);
		return 1;
	}
	if (port >= UART_BASE && port < UART_BASE + 8) {
		uart_io(m, port - UART_BASE, is_write, data);
		return 0;
	}
	/* Like an empty ISA bus: reads float high, writes vanish. */
	if (!is_write)
		memset(data, 0xff, size);
	return 0;
}

static int on_hlt(void *opaque, struct libkvm_vcpu *vcpu)
{
	(void)opaque;
	(void)vcpu;
	return 2;
}

static void on_alarm(int sig)
{
	(void)sig;
	libkvm_vcpu_kick(timeout_vcpu);
}

static int run(struct machine *m, struct libkvm_vcpu *vcpu)
{
	struct libkvm_handlers h = { .size = sizeof(h), .io = on_io, .hlt = on_hlt };
	struct libkvm_regs regs;
	struct libkvm_exit ex;
	int r;

	for (;;) {
		r = libkvm_vcpu_loop(vcpu, &h, m, &ex);
		if (r < 0) {
			fprintf(stderr, "%s: %s\n", prog, libkvm_vcpu_error(vcpu));
			return EXIT_FAILURE_VMM;
		}
		if (r == 1) {
			if (m->opt->verbose)
				fprintf(stderr, "%s: guest exit code %d\n", prog, m->exit_code);
			return m->exit_code;
		}
		if (r == 2) {
			if (m->opt->verbose)
				fprintf(stderr, "%s: guest halted\n", prog);
			return 0;
		}
		if (ex.kind == LIBKVM_EXIT_INTR) {
			if (ex.flags & LIBKVM_EXIT_F_KICKED) {
				fprintf(stderr, "%s: timeout after %u s\n", prog, m->opt->timeout);
				return EXIT_TIMEOUT;
			}
			continue;	/* some other signal: go on */
		}
		libkvm_vcpu_get_regs(vcpu, &regs);
		switch (ex.kind) {
		case LIBKVM_EXIT_MMIO:
			fprintf(stderr, "%s: guest %s unmapped memory at 0x%llx (rip 0x%llx)\n",
				prog, ex.u.mmio.is_write ? "wrote" : "read",
				(unsigned long long)ex.u.mmio.gpa, (unsigned long long)regs.rip);
			break;
		case LIBKVM_EXIT_SHUTDOWN:
			fprintf(stderr, "%s: guest triple-faulted (rip 0x%llx)\n", prog,
				(unsigned long long)regs.rip);
			break;
		case LIBKVM_EXIT_INTERNAL_ERROR:
			fprintf(stderr, "%s: device internal error, suberror %u (rip 0x%llx)\n",
				prog, ex.u.internal_error.suberror, (unsigned long long)regs.rip);
			break;
		case LIBKVM_EXIT_FAIL_ENTRY:
			fprintf(stderr, "%s: vcpu entry failed, reason 0x%llx\n", prog,
				(unsigned long long)ex.u.fail_entry.hardware_reason);
			break;
		default:
			fprintf(stderr, "%s: unexpected exit %s (raw reason %u, rip 0x%llx)\n",
				prog, libkvm_exit_kind_name(ex.kind), ex.raw_reason,
				(unsigned long long)regs.rip);
			break;
		}
		return EXIT_FAILURE_VMM;
	}
}

int main(int argc, char **argv)
{
	struct libkvm_sys *sys = NULL;
	struct libkvm_vm *vm = NULL;
	struct libkvm_vcpu *vcpu = NULL;
	struct libkvm_setup setup;
	struct machine m;
	struct options o;
	uint8_t *img = NULL;
	size_t len = 0;
	int status = EXIT_FAILURE_VMM;

	if (parse_args(argc, argv, &o))
		return 2;
	if (read_file(o.image, &img, &len))
		return EXIT_FAILURE_VMM;
	if (o.mode != LIBKVM_MODE_REAL && o.mem < 0x200000) {
		fprintf(stderr, "%s: protected and long mode need at least 2M of RAM\n", prog);
		goto out;
	}

	if (libkvm_sys_new(&sys) || libkvm_sys_open(sys, o.device)) {
		fprintf(stderr, "%s: %s\n", prog, sys ? libkvm_sys_error(sys) : "out of memory");
		goto out;
	}
	if (libkvm_sys_require(sys, LIBKVM_FEAT_CORE, NULL)) {
		fprintf(stderr, "%s: %s\n", prog, libkvm_sys_error(sys));
		goto out;
	}
	if (libkvm_vm_create(sys, &vm)) {
		fprintf(stderr, "%s: %s\n", prog, libkvm_sys_error(sys));
		goto out;
	}
	if (libkvm_vm_alloc(vm, 0, o.mem, 0, NULL) || libkvm_vcpu_create(vm, 0, &vcpu)) {
		fprintf(stderr, "%s: %s\n", prog, libkvm_vm_error(vm));
		goto out;
	}

	if (len >= SELFMAG && !memcmp(img, ELFMAG, SELFMAG)) {
		uint64_t e;

		if (load_elf(vm, img, len, &e))
			goto out;
		if (!o.have_entry)
			o.entry = e;
	} else {
		if (put_segment(vm, o.load, img, len, len))
			goto out;
		if (!o.have_entry)
			o.entry = o.load;
	}

	/* Give the guest the CPUID the device supports (optional). */
	if (o.mode == LIBKVM_MODE_LONG64 && libkvm_vcpu_set_supported_cpuid(vcpu) &&
	    o.verbose)
		fprintf(stderr, "%s: note: %s\n", prog, libkvm_vcpu_error(vcpu));

	memset(&setup, 0, sizeof(setup));
	setup.size = sizeof(setup);
	setup.mode = o.mode;
	setup.entry = o.entry;
	setup.stack = o.stack;
	setup.tables = TABLES_GPA;
	if (libkvm_vcpu_setup(vcpu, &setup)) {
		fprintf(stderr, "%s: %s\n", prog, libkvm_vcpu_error(vcpu));
		goto out;
	}
	if (o.verbose)
		fprintf(stderr, "%s: %s, %s mode, entry 0x%llx, %llu MiB\n", prog,
			libkvm_sys_path(sys), o.mode == LIBKVM_MODE_REAL ? "real" :
			o.mode == LIBKVM_MODE_PROT32 ? "protected" : "long",
			(unsigned long long)o.entry, (unsigned long long)(o.mem >> 20));

	if (o.timeout) {
		struct sigaction sa;
		struct itimerval it = { .it_value = { .tv_sec = o.timeout } };

		timeout_vcpu = vcpu;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_alarm;
		sigaction(SIGALRM, &sa, NULL);
		setitimer(ITIMER_REAL, &it, NULL);
	}

	memset(&m, 0, sizeof(m));
	m.opt = &o;
	status = run(&m, vcpu);
	flush_out(&m);
out:
	libkvm_vm_destroy(vm);
	libkvm_sys_free(sys);
	free(img);
	return status;
}
