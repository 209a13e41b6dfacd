/* The instruction table (engines/x86/insn_table.h) against the code and
 * the CPU:
 * - every handler in engines/x86/ops_*.c is reached from a row (or is one
 *   of the handlers chosen by the bytes);
 * - every Capstone id the decoder fixes up, a handler tests, or the
 *   translator and lockstep special-case has a row;
 * - the columns agree with one another (a privileged row is sensitive, a
 *   sensitive row is no native translation, ...);
 * - the privilege column is what the engines do: every row that is not
 *   "any" raises #GP(0) at CPL 3 under interp and bt (an IOPL row does
 *   not with IOPL 3), and a few that are "any" (the sensitive-but-
 *   unprivileged ones) do not; the host CPU, run
 *   at CPL 3 in a child process, agrees (SIGSEGV for a #GP) for the
 *   privileged ones, and runs the unprivileged ones it can (the host has
 *   UMIP, which the vCPU does not advertise: SGDT, SIDT, SMSW, STR, SLDT
 *   are not run there). */
#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engines/bt/bt.h"
#include "engines/bt/form.h"
#include "engines/x86/insn_info.h"
#include "tests/check.h"
#include "tests/unit/engine_run.h"

extern const struct engine_ops interp_engine_ops;

static const struct { const char *name; const struct engine_ops *ops; } engines[] = {
	{ "interp", &interp_engine_ops }, { "bt", &bt_engine_ops },
};

static const struct x86_insn_info *row_named(const char *name)
{
	for (unsigned i = 0; i < x86_insn_row_count; i++) {
		const struct x86_insn_info *r = x86_insn_info(x86_insn_rows[i]);
		if (!strcmp(r->name, name))
			return r;
	}
	return NULL;
}

static bool handler_known(const char *fn)
{
	for (unsigned i = 0; i < x86_insn_row_count; i++) {
		const struct x86_insn_info *r = x86_insn_info(x86_insn_rows[i]);
		if (r->fn && !strcmp(r->fn_name, fn))
			return true;
	}
	for (unsigned i = 0; i < x86_insn_by_bytes_count; i++)
		if (!strcmp(x86_insn_by_bytes[i].fn_name, fn))
			return true;
	return false;
}

/* Calls f(word, ctx) for each match of prefix followed by [A-Za-z0-9_]+ in
 * the files matching pattern; returns how many files were read. */
static int scan(const char *pattern, const char *prefix, void (*f)(const char *, const char *, void *),
		void *ctx)
{
	glob_t g;
	int files = 0;

	if (glob(pattern, 0, NULL, &g))
		return 0;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		FILE *fp = fopen(g.gl_pathv[i], "r");
		char line[1024];
		if (!fp)
			continue;
		files++;
		while (fgets(line, sizeof(line), fp)) {
			for (char *p = strstr(line, prefix); p; p = strstr(p, prefix)) {
				char word[64];
				size_t n = 0;
				p += strlen(prefix);
				while (n + 1 < sizeof(word) && (isalnum((unsigned char)p[n]) || p[n] == '_')) {
					word[n] = p[n];
					n++;
				}
				word[n] = 0;
				if (n)
					f(word, g.gl_pathv[i], ctx);
			}
		}
		fclose(fp);
	}
	globfree(&g);
	return files;
}

static void check_handler(const char *word, const char *file, void *ctx)
{
	char fn[80];

	snprintf(fn, sizeof(fn), "h_%s", word);
	if (!handler_known(fn))
		CHECK(0, "handler %s (%s) is reached from a row of the instruction table", fn, file);
	else
		(*(int *)ctx)++;
}

static void check_id(const char *word, const char *file, void *ctx)
{
	if (!strcmp(word, "ENDING") || !strcmp(word, "INVALID"))
		return;
	if (!row_named(word))
		CHECK(0, "X86_INS_%s, named in %s, has a row in the instruction table", word, file);
	else
		(*(int *)ctx)++;
}

static void check_columns(void)
{
	unsigned bad = 0;

	for (unsigned i = 0; i < x86_insn_row_count; i++) {
		const struct x86_insn_info *r = x86_insn_info(x86_insn_rows[i]);
		const char *why = NULL;
		bool native = r->bt == X86_BT_NATIVE || r->bt == X86_BT_FLOW || r->bt == X86_BT_DF ||
			      r->bt == X86_BT_DROP;
		bool inline_ = r->bt == X86_BT_INLINE || r->bt == X86_BT_INLINE0;
		if (r->priv != X86_PRIV_ANY && r->sens == X86_SENS_NO)
			why = "privileged but not sensitive";
		else if (native && r->sens != X86_SENS_NO)
			why = "sensitive but translated natively";
		else if (inline_ && r->sens == X86_SENS_NO)
			why = "inline in emit_sys but not sensitive (emit_sys sees sensitive ones only)";
		else if (!r->fn && r->feat == X86_FEAT_NONE)
			why = "no handler and no CPUID feature: the row says nothing";
		else if (!r->fn && native)
			why = "no handler but translated natively";
		else if ((r->cls == X86_CL_BRANCH || r->cls == X86_CL_GATE || r->cls == X86_CL_IO) && !r->end)
			why = "a transfer or port I/O that does not end a block";
		else if (r->flags == X86_FL_CC && r->cls != X86_CL_ALU && r->cls != X86_CL_DATA &&
			 r->cls != X86_CL_BRANCH)
			why = "reads a condition code but is no Jcc/SETcc/CMOVcc";
		else if (r->lock && r->cls != X86_CL_ALU && r->cls != X86_CL_DATA)
			why = "LOCK allowed outside ALU and data movement";
		if (why) {
			bad++;
			CHECK(0, "row %s: %s", r->name, why);
		}
	}
	CHECK(bad == 0, "the columns of all %u rows agree with one another", x86_insn_row_count);
	const struct x86_insn_info *z = x86_insn_info(X86_INS_INVALID);
	CHECK(!z->name && !z->fn && z->flags == X86_FL_READ && !z->end,
	      "an id without a row looks up as no handler, flags read (the safe default)");
	CHECK(x86_insn_info(X86_INS_ENDING + 5)->name == NULL, "an id beyond the table looks up as no row");
}

/* The decoder and the translator follow the table: over random byte
 * sequences (64-bit), an instruction decoded to its row's handler ends a
 * block where the row says so, and bt's class is one the row's bt column
 * allows; a sensitive row is never translated natively. */
static void check_readers(void)
{
	unsigned seed = 12345, decoded = 0, bad_end = 0, bad_bt = 0, bad_sens = 0;

	for (unsigned n = 0; n < 100000; n++) {
		uint8_t b[15];
		struct x86_inst in;
		struct bt_form f;
		for (unsigned k = 0; k < sizeof(b); k++) {
			seed = seed * 1103515245u + 12345u;
			b[k] = (uint8_t)(seed >> 16);
		}
		if (!x86_decode(b, sizeof(b), 64, &in))
			continue;
		decoded++;
		const struct x86_insn_info *r = x86_insn_info(in.id);
		if (r->fn && in.fn == r->fn && r->end && !(in.flags & IF_BLOCK_END) && bad_end++ < 3)
			printf("# %s: decoded without the block end its row has\n", r->name);
		bt_classify(&in, &f);
		bool ok;
		switch (f.cls) {
		case TC_COPY: case TC_MEM: case TC_RSP: case TC_LEA:
			ok = r->bt == X86_BT_NATIVE || in.id == X86_INS_NOP;
			break;
		case TC_DF: ok = r->bt == X86_BT_DF; break;
		case TC_DROP: ok = r->bt == X86_BT_DROP; break;
		case TC_HELPER: ok = true; break;       /* any row may fall back per form */
		default: ok = r->bt == X86_BT_FLOW; break;
		}
		if (!ok && bad_bt++ < 3)
			printf("# %s: bt class %u, the row says %s\n", r->name ? r->name : "?", f.cls, x86_bt_name(r->bt));
		if (r->sens != X86_SENS_NO && (!f.sensitive || f.cls != TC_HELPER) && bad_sens++ < 3)
			printf("# %s: sensitive row, bt class %u sensitive %d\n", r->name, f.cls, f.sensitive);
	}
	CHECK(decoded > 50000 && !bad_end, "decoder: rows that end a block end it (%u of %u decoded, %u wrong)",
	      decoded, 100000u, bad_end);
	CHECK(!bad_bt, "bt: each instruction's class is one its row's bt column allows (%u wrong)", bad_bt);
	CHECK(!bad_sens, "bt: sensitive rows are helper calls marked sensitive (%u wrong)", bad_sens);
}

/* One instruction at CPL 3.  Before it: RAX = a user-writable address
 * (memory operands), ECX = 0 (MSR, XCR), EDX = 0 (port). */
struct sample {
	const char *name;       /* the row (h_movcr: the by-bytes handler) */
	uint8_t len, bytes[4];
	uint64_t cr4;           /* CR4 bits the guest runs with */
	bool host;              /* run on the host too */
};

#define USER_BUF 0x3e0000u
static const uint8_t guest_prefix[] = { 0xb8, USER_BUF & 0xff, (USER_BUF >> 8) & 0xff, USER_BUF >> 16, 0,
					0x31, 0xc9, 0x31, 0xd2 };
#define CR4_TSD_BIT 0x4ull
#define CR4_OSXSAVE_BIT (1ull << 18)

static const struct sample samples[] = {
	/* privileged (or IOPL / CR4 dependent): #GP(0) at CPL 3 */
	{ "HLT", 1, { 0xf4 }, 0, true },
	{ "CLI", 1, { 0xfa }, 0, true },
	{ "STI", 1, { 0xfb }, 0, true },
	{ "IN", 1, { 0xec }, 0, true },
	{ "OUT", 1, { 0xee }, 0, true },
	{ "INSB", 1, { 0x6c }, 0, true },
	{ "INSW", 2, { 0x66, 0x6d }, 0, true },
	{ "INSD", 1, { 0x6d }, 0, true },
	{ "OUTSB", 1, { 0x6e }, 0, true },
	{ "OUTSW", 2, { 0x66, 0x6f }, 0, true },
	{ "OUTSD", 1, { 0x6f }, 0, true },
	{ "LGDT", 3, { 0x0f, 0x01, 0x10 }, 0, true },
	{ "LIDT", 3, { 0x0f, 0x01, 0x18 }, 0, true },
	{ "LMSW", 3, { 0x0f, 0x01, 0xf0 }, 0, true },
	{ "CLTS", 2, { 0x0f, 0x06 }, 0, true },
	{ "LTR", 3, { 0x0f, 0x00, 0xd8 }, 0, true },
	{ "LLDT", 3, { 0x0f, 0x00, 0xd0 }, 0, true },
	{ "INVLPG", 3, { 0x0f, 0x01, 0x38 }, 0, true },
	{ "WBINVD", 2, { 0x0f, 0x09 }, 0, true },
	{ "INVD", 2, { 0x0f, 0x08 }, 0, true },
	{ "SWAPGS", 3, { 0x0f, 0x01, 0xf8 }, 0, true },
	{ "RDMSR", 2, { 0x0f, 0x32 }, 0, true },
	{ "WRMSR", 2, { 0x0f, 0x30 }, 0, true },
	{ "SYSRET", 3, { 0x48, 0x0f, 0x07 }, 0, true },
	{ "XSETBV", 3, { 0x0f, 0x01, 0xd1 }, CR4_OSXSAVE_BIT, true },
	{ "RDPMC", 2, { 0x0f, 0x33 }, 0, false },       /* the host's CR4.PCE is Linux's choice */
	{ "RDTSC", 2, { 0x0f, 0x31 }, CR4_TSD_BIT, false },
	{ "RDTSCP", 3, { 0x0f, 0x01, 0xf9 }, CR4_TSD_BIT, false },
	{ "h_movcr", 3, { 0x0f, 0x22, 0xc0 }, 0, true },        /* mov cr0, rax */
	{ "h_movcr", 3, { 0x0f, 0x20, 0xd8 }, 0, true },        /* mov rax, cr3 */
	{ "h_movcr", 3, { 0x0f, 0x23, 0xf8 }, 0, true },        /* mov dr7, rax */
	/* sensitive but not privileged: no fault at CPL 3 */
	{ "PUSHFQ", 2, { 0x9c, 0x58 }, 0, true },       /* PUSHFQ; POP RAX */
	{ "POPFQ", 2, { 0x9c, 0x9d }, 0, true },        /* PUSHFQ; POPFQ */
	{ "CPUID", 2, { 0x0f, 0xa2 }, 0, true },
	{ "RDTSC", 2, { 0x0f, 0x31 }, 0, true },
	{ "SGDT", 3, { 0x0f, 0x01, 0x00 }, 0, false },
	{ "SIDT", 3, { 0x0f, 0x01, 0x08 }, 0, false },
	{ "SMSW", 3, { 0x0f, 0x01, 0xe0 }, 0, false },
	{ "STR", 3, { 0x0f, 0x00, 0xc8 }, 0, false },
	{ "SLDT", 3, { 0x0f, 0x00, 0xc0 }, 0, false },
	{ "VMCALL", 3, { 0x0f, 0x01, 0xc1 }, 0, false },        /* -KVM_EPERM in RAX */
	{ "XGETBV", 3, { 0x0f, 0x01, 0xd0 }, CR4_OSXSAVE_BIT, true },
};
#define N_SAMPLES (sizeof(samples) / sizeof(samples[0]))

/* What the table says a sample does at CPL 3: #GP(0) unless "any" (a CR4
 * row: only with the CR4 bit that makes it privileged). */
static bool expect_gp(const struct sample *s)
{
	const struct x86_insn_info *r = row_named(s->name);

	if (!r)
		return true;            /* h_movcr: CPL 0 only (insn_table.h's notes) */
	if (r->priv == X86_PRIV_CR4)
		return s->cr4 & CR4_TSD_BIT || !strcmp(s->name, "RDPMC");
	return r->priv != X86_PRIV_ANY;
}

/* The sample's name and bytes, for messages. */
static const char *sample_text(const struct sample *s)
{
	static char text[64];
	int k = snprintf(text, sizeof(text), "%s (", s->name);

	for (unsigned i = 0; i < s->len; i++)
		k += snprintf(text + k, sizeof(text) - (size_t)k, i ? " %02x" : "%02x", s->bytes[i]);
	snprintf(text + k, sizeof(text) - (size_t)k, ")");
	return text;
}

static uint64_t adjust_cr4, adjust_rflags;
static void with_cr4(struct cpu_state *st)
{
	st->cr4 |= adjust_cr4;
	st->rflags |= adjust_rflags;
}

static void check_guest(struct vm *vm)
{
	for (size_t k = 0; k < sizeof(engines) / sizeof(engines[0]); k++)
		for (size_t i = 0; i < N_SAMPLES; i++) {
			const struct sample *s = &samples[i];
			uint8_t code[32];
			struct er_result r;
			memcpy(code, guest_prefix, sizeof(guest_prefix));
			memcpy(code + sizeof(guest_prefix), s->bytes, s->len);
			adjust_cr4 = s->cr4;
			int rc = er_run(engines[k].ops, vm, 3, code, sizeof(guest_prefix) + s->len, with_cr4, &r);
			if (expect_gp(s)) {
				uint64_t at = ER_CODE3 + sizeof(guest_prefix);
				CHECK(rc == 0 && r.vector == 13 && r.err == 0 && r.fault_rip == at,
				      "%s: %s at CPL 3 raises #GP(0) at the instruction (vector %d err %#x rip %#llx) %s",
				      engines[k].name, sample_text(s), r.vector, r.err, (unsigned long long)r.fault_rip,
				      r.msg);
			} else {
				CHECK(rc == 0 && r.vector == ER_NONE,
				      "%s: %s at CPL 3 runs without a fault (vector %d) %s", engines[k].name, sample_text(s),
				      r.vector, r.msg);
			}
			/* IOPL rows: with IOPL 3, CPL 3 passes the check (what
			 * follows may fault otherwise: INS/OUTS touch [RDI]/[RSI]). */
			const struct x86_insn_info *row = row_named(s->name);
			if (!row || row->priv != X86_PRIV_IOPL)
				continue;
			adjust_rflags = 3u << 12;
			rc = er_run(engines[k].ops, vm, 3, code, sizeof(guest_prefix) + s->len, with_cr4, &r);
			adjust_rflags = 0;
			CHECK(rc == 0 && r.vector != 13, "%s: %s at CPL 3 with IOPL 3: no #GP (vector %d) %s",
			      engines[k].name, sample_text(s), r.vector, r.msg);
		}
}

/* Runs the sample's bytes at CPL 3 on the host, in a child; the signal
 * that ended it, 0 if it returned. */
static int host_run(const struct sample *s, void *page, uint64_t *buf)
{
	uint8_t *c = page;
	size_t k = 0;
	uint64_t b = (uint64_t)(uintptr_t)buf;

	c[k++] = 0x48; c[k++] = 0xb8;                   /* mov rax, buf */
	memcpy(c + k, &b, 8);
	k += 8;
	c[k++] = 0x31; c[k++] = 0xc9;                   /* xor ecx, ecx */
	c[k++] = 0x31; c[k++] = 0xd2;                   /* xor edx, edx */
	memcpy(c + k, s->bytes, s->len);
	k += s->len;
	c[k++] = 0xc3;                                  /* ret */
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		/* The sanitizer's handlers would report the fault as a crash. */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGILL, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		((void (*)(void))page)();
		_exit(0);
	}
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st) ? -1 : 0;
}

static void check_host(void)
{
	void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	static uint64_t buf[8];

	if (page == MAP_FAILED) {
		SKIP("host CPU: no executable page (%s)", strerror(errno));
		return;
	}
	for (size_t i = 0; i < N_SAMPLES; i++) {
		const struct sample *s = &samples[i];
		if (!s->host)
			continue;
		int sig = host_run(s, page, buf);
		if (expect_gp(s))
			CHECK(sig == SIGSEGV, "host CPU: %s at CPL 3 faults (#GP: SIGSEGV), got %d", sample_text(s), sig);
		else
			CHECK(sig == 0, "host CPU: %s at CPL 3 runs, got signal %d", sample_text(s), sig);
	}
	munmap(page, 4096);
}

int main(void)
{
	int n = 0;

	CHECK(scan("engines/x86/ops_*.c", "HANDLER(h_", check_handler, &n) > 0 && n > 0,
	      "every HANDLER(h_...) in engines/x86/ops_*.c (%d) is reached from the table", n);
	n = 0;
	int files = scan("engines/x86/decode*.c", "X86_INS_", check_id, &n) +
		    scan("engines/x86/ops_*.c", "X86_INS_", check_id, &n) +
		    scan("engines/bt/*.c", "X86_INS_", check_id, &n);
	CHECK(files >= 3 && n > 0,
	      "every X86_INS_ id the decoder, the handlers, the translator and lockstep name has a row (%d uses in %d files)",
	      n, files);
	check_columns();
	check_readers();

	/* Every privileged row with a handler of its own has a sample. */
	for (unsigned i = 0; i < x86_insn_row_count; i++) {
		const struct x86_insn_info *r = x86_insn_info(x86_insn_rows[i]);
		bool found = false;
		if (r->priv == X86_PRIV_ANY || !r->fn || !strcmp(r->fn_name, "x86_op_ud"))
			continue;
		for (size_t k = 0; k < N_SAMPLES; k++)
			found |= !strcmp(samples[k].name, r->name) && expect_gp(&samples[k]);
		CHECK(found, "%s (privilege %s) has a CPL 3 sample here", r->name, x86_priv_name(r->priv));
	}

	char err[200];
	struct vm *vm = vm_create(ER_RAM, NULL, err, sizeof(err));
	if (!vm) {
		printf("not ok - vm_create: %s\n", err);
		return 1;
	}
	check_guest(vm);
	vm_destroy(vm);
	check_host();
	CHECK_EXIT();
}
