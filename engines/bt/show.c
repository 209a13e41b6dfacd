/* --show-translation: a guest block's disassembly with, under each guest
 * instruction, the host code it became; then the block's out-of-line code
 * (TLB-miss paths and exits). */
#include <capstone/capstone.h>
#include <inttypes.h>
#include <stdio.h>

#include "engines/bt/bt.h"
#include "engines/bt/form.h"
#include "engines/x86/sse.h"

static const char *const class_names[] = {
	[TC_HELPER] = "helper call", [TC_COPY] = "copied", [TC_DROP] = "dropped",
	[TC_MEM] = "memory operand via the TLB", [TC_RSP] = "RSP renamed",
	[TC_LEA] = "address computed", [TC_PUSH] = "push via the TLB", [TC_POP] = "pop via the TLB",
	[TC_LEAVE] = "leave via the TLB", [TC_JMP] = "chained jump", [TC_JCC] = "chained branch",
	[TC_CALL] = "push + chained jump", [TC_RET] = "pop + jump cache",
	[TC_JMP_IND] = "jump cache", [TC_CALL_IND] = "push + jump cache",
	[TC_DF] = "DF in the CPU state", [TC_PUSH_MEM] = "load and push via the TLB",
};

static void host_range(csh cs, const uint8_t *p, size_t n, FILE *out)
{
	cs_insn *insn;
	size_t k = n ? cs_disasm(cs, p, n, (uint64_t)(uintptr_t)p, 0, &insn) : 0;

	for (size_t i = 0; i < k; i++)
		fprintf(out, "        %012" PRIx64 "  %s %s\n", insn[i].address,
			insn[i].mnemonic, insn[i].op_str);
	if (k)
		cs_free(insn, k);
}

void bt_show_block(struct engine *e, const struct bt_block *b, FILE *out)
{
	const uint8_t *g = e->cpu.ram + b->pa;
	unsigned group = 0;
	int32_t off = 0;
	csh cs;

	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
		return;
	fprintf(out, "bt: guest block at %#" PRIx64 " (physical %#" PRIx64 ", %s, %u instructions, "
		"%u bytes) became %u bytes of host code\n", b->rip, b->pa, b->user ? "CPL 3" : "CPL 0-2",
		b->n, b->bytes, b->host_len);
	fprintf(out, "  (entry: count instructions, poll for interrupts)\n");
	host_range(cs, b->host, b->ioff[0], out);
	for (unsigned i = 0; i < b->n; i++) {
		struct x86_inst in;
		struct bt_form f;
		char text[192];
		cs_insn *gi;
		unsigned len = x86_decode(g + off, 0x1000 - (unsigned)((b->pa + off) & 0xfff), 64, &in);
		if (!len)
			len = 1;
		bt_classify(&in, &f);
		/* Disassembled at its own address: branch targets read as such. */
		if (cs_disasm(cs, g + off, len, b->rip + (uint64_t)(int64_t)off, 1, &gi) == 1) {
			snprintf(text, sizeof(text), "%s %s", gi->mnemonic, gi->op_str);
			cs_free(gi, 1);
		} else {
			snprintf(text, sizeof(text), "(bad)");
		}
		struct x86_sse_regs rf;
		const char *cls = f.cls == TC_HELPER && x86_sse_reg_form(&in, &rf) ?
				  "SSE native, else helper calls (translate_sse.c)" : class_names[f.cls];
		if (b->sys_inline >> i & 1)
			cls = "translated inline; the shared handler only where it must";
		if (b->callee_n && i == b->call_idx)
			cls = "push; the callee traced into the block";
		else if (b->callee_n && i == (unsigned)b->call_idx + b->callee_n)
			cls = "RSP + 8; the return address known";
		group += b->group_starts >> i & 1;
		if (b->group_members >> i & 1)
			fprintf(out, "  %016" PRIx64 "  %-44s [memory operand, group %u]\n",
				b->rip + (uint64_t)(int64_t)off, text, group);
		else
			fprintf(out, "  %016" PRIx64 "  %-44s [%s]\n", b->rip + (uint64_t)(int64_t)off, text, cls);
		host_range(cs, b->host + b->ioff[i], b->ioff[i + 1] - b->ioff[i], out);
		off = bt_next_off(b, i, off, len);
	}
	fprintf(out, "  (fall-through exit, TLB-miss paths, exit stubs)\n");
	host_range(cs, b->host + b->ioff[b->n], b->host_len - b->ioff[b->n], out);
	cs_close(&cs);
}
