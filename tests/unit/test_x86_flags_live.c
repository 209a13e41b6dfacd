/* A block's flags liveness (x86_thread_block, engines/x86/ops_fast64.c):
 * which instructions of a decoded block run their flag-free twin.  One
 * does only where every flag it may change is written again before
 * anything reads it, and before anything that may fault, exit or end the
 * block (an exception frame, the VM core or the next block may read them
 * there).  What each twin computes is held against the host by
 * test_x86_fast64. */
#include <stdbool.h>
#include <string.h>

#include "engines/x86/insn.h"
#include "tests/check.h"

/* Each sequence is one block, ending at its first block-ending
 * instruction; its expectation has a letter per instruction: y twin, -
 * not. */
__asm__(
	".pushsection .rodata.flags_live, \"a\"\n"
	".globl fl_branch, fl_store, fl_carry, fl_count0, fl_count32, fl_rcl, fl_sbb, fl_end\n"
	".globl fl_inc, fl_lea, fl_cmp, fl_load, fl_end_mark\n"
	/* microbench/baseline.c's branch loop: the xorshift's shifts and
	 * XORs are overwritten by the TEST that JE reads. */
	"fl_branch:\n"
	"	mov %rcx, %rdi\n"
	"	shl $13, %rdi\n"
	"	xor %rdi, %rcx\n"
	"	mov %rcx, %rdi\n"
	"	shr $7, %rdi\n"
	"	xor %rcx, %rdi\n"
	"	mov %rdi, %rcx\n"
	"	shl $17, %rcx\n"
	"	xor %rdi, %rcx\n"
	"	test $1, %rcx\n"
	"	je 0f\n"
	"0:\n"
	/* A store may fault: the frame holds ADD's flags. */
	"fl_store:\n"
	"	add $5, %rcx\n"
	"	mov %rax, (%rbx)\n"
	"	cmp %rax, %rdx\n"
	"	jb 0f\n"
	"0:\n"
	/* CF flows through INC (which keeps it) to ADC. */
	"fl_carry:\n"
	"	add %rbx, %rax\n"
	"	inc %rcx\n"
	"	adc $0, %rdx\n"
	"	jmp 0f\n"
	"0:\n"
	/* A shift by 0 changes no flag: ADD's reach JE. */
	"fl_count0:\n"
	"	add %rbx, %rax\n"
	"	shl $0, %rcx\n"
	"	je 0f\n"
	"0:\n"
	/* A 32-bit shift's count is masked to 5 bits: 32 is 0. */
	"fl_count32:\n"
	"	add %rbx, %rax\n"
	"	shl $32, %ecx\n"
	"	je 0f\n"
	"0:\n"
	/* RCL reads CF. */
	"fl_rcl:\n"
	"	add %rbx, %rax\n"
	"	rcl $1, %rax\n"
	"	xor %rax, %rax\n"
	"	je 0f\n"
	"0:\n"
	/* SBB reads CF; TEST overwrites SBB's flags (SBB has no twin). */
	"fl_sbb:\n"
	"	cmp %rax, %rbx\n"
	"	sbb %rcx, %rcx\n"
	"	test %rcx, %rcx\n"
	"	je 0f\n"
	"0:\n"
	/* The next block may read what the last ALU instruction leaves. */
	"fl_end:\n"
	"	sub $1, %rax\n"
	"	add %rax, %rbx\n"
	"	jmp 0f\n"
	"0:\n"
	/* INC and DEC change all but CF, which CMP then writes. */
	"fl_inc:\n"
	"	inc %rax\n"
	"	dec %ebx\n"
	"	cmp %rax, %rbx\n"
	"	jne 0f\n"
	"0:\n"
	/* LEA and MOV leave the flags alone and cannot fault. */
	"fl_lea:\n"
	"	add %rbx, %rax\n"
	"	lea 8(%rax), %rbx\n"
	"	mov %rbx, %rdx\n"
	"	sub %rdx, %rcx\n"
	"	jne 0f\n"
	"0:\n"
	/* A CMP no one reads is a no-op; TEST's flags reach JNE. */
	"fl_cmp:\n"
	"	cmp %rax, %rbx\n"
	"	test %rcx, %rcx\n"
	"	jne 0f\n"
	"0:\n"
	/* A load may fault too; ADD's own flags are overwritten all the
	 * same, so it gets its twin while the XOR before it does not. */
	"fl_load:\n"
	"	xor %rdx, %rdx\n"
	"	add (%rbx), %rax\n"
	"	cmp %rax, %rcx\n"
	"	jne 0f\n"
	"0:\n"
	"fl_end_mark:\n"
	".popsection\n");

extern const uint8_t fl_branch[], fl_store[], fl_carry[], fl_count0[], fl_count32[], fl_rcl[],
	fl_sbb[], fl_end[], fl_inc[], fl_lea[], fl_cmp[], fl_load[], fl_end_mark[];

#define MAX 16

/* Decode one block at p as the interpreter's decode cache does, thread it,
 * and write y or - per instruction into got. */
static unsigned twins(const uint8_t *p, char *got)
{
	static struct x86_inst in[MAX + 1];
	unsigned n = 0, off = 0;
	int fl;

	memset(in, 0, sizeof(in));
	while (n < MAX) {
		unsigned len = x86_decode(p + off, (unsigned)(fl_end_mark - p - off), 64, &in[n]);
		if (!len)
			break;
		off += len;
		x86_handler_for(in[n].id, &fl);
		if (fl & IF_BLOCK_END) {
			n++;
			break;
		}
		n++;
	}
	x86_thread_block(in, n);
	for (unsigned i = 0; i < n; i++)
		got[i] = in[i].tfn != x86_thread_for(&in[i], X86_FLS_ALL) ? 'y' : '-';
	got[n] = 0;
	return n;
}

static void expect(const char *name, const uint8_t *p, const char *want, const char *why)
{
	char got[MAX + 1];

	twins(p, got);
	CHECK(!strcmp(got, want), "%-8s twins %s (want %s): %s", name, got, want, why);
}

/* The host's arithmetic flags after insn (an immediate-count shift of
 * RAX: the form the guest uses, as Intel treats some flags differently in
 * the CL form) from input flags fin. */
#define HOST_FLAGS(insn, v, fin) ({ \
	uint64_t a_ = (v), f_ = (fin); \
	__asm__("sub $128, %%rsp; push %[f]; popf; " insn "; pushf; pop %[f]; add $128, %%rsp" \
		: "+a"(a_), [f] "+r"(f_) : : "cc"); \
	f_ & 0x8d5; })
#define SAME_FLAGS(insn, v) (HOST_FLAGS(insn, v, 0x2) == HOST_FLAGS(insn, v, 0x8d7))

/* Whether this host's SHL, SHR and SAR by the branch loop's counts (and
 * 1, 2, 63) leave flags that depend on the flags before (the SDM leaves OF
 * and AF undefined): then they read the flags, as far as liveness goes. */
static bool host_shifts_read_flags(void)
{
	static const uint64_t v[] = { 0, 1, 0x80, 0x80000000, 0x8000000000000000ull, ~0ull,
				      0x123456789abcdef0ull };

	for (unsigned i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (!SAME_FLAGS("shl $13, %%rax", v[i]) || !SAME_FLAGS("shr $7, %%rax", v[i]) ||
		    !SAME_FLAGS("shl $17, %%rax", v[i]) || !SAME_FLAGS("shl $1, %%rax", v[i]) ||
		    !SAME_FLAGS("shr $2, %%rax", v[i]) || !SAME_FLAGS("sar $63, %%rax", v[i]))
			return true;
	return false;
}

int main(void)
{
	if (host_shifts_read_flags())
		expect("branch", fl_branch, "-y--y--yy--",
		       "the XOR before the TEST and the shifts, not the XORs whose flags a shift may keep on this host");
	else
		expect("branch", fl_branch, "-yy-yy-yy--",
		       "the shifts and XORs before the TEST, not the TEST that JE reads");
	expect("store", fl_store, "----", "not the ADD before a store that may fault");
	expect("carry", fl_carry, "-y--", "not the ADD whose CF goes through INC to ADC; INC itself");
	expect("count0", fl_count0, "---", "not the ADD whose flags a shift by 0 passes on");
	expect("count32", fl_count32, "---", "nor when a 32-bit shift's count masks to 0");
	expect("rcl", fl_rcl, "----", "not the ADD whose CF RCL reads");
	expect("sbb", fl_sbb, "----", "not the CMP whose CF SBB reads");
	expect("end", fl_end, "y--", "not the last ADD, whose flags the next block may read");
	expect("inc", fl_inc, "yy--", "INC and DEC before a CMP");
	expect("lea", fl_lea, "y----", "the ADD across LEA and MOV");
	expect("cmp", fl_cmp, "y--", "a CMP no one reads");
	expect("load", fl_load, "-y--", "the ADD with a memory source, not the XOR before it");
	CHECK_EXIT();
}
