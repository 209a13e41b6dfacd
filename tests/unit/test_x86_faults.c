/* Exceptions the SDM requires, under interp and bt: #GP for reserved bits
 * in CR0/CR4 writes (CR4: every bit the vCPU's CPUID does not allow), for
 * clearing CR0.PG in 64-bit mode, for a non-canonical LGDT/LIDT/LTR base;
 * #PF with PFEC.RSVD for a paging entry with a bit above MAXPHYADDR;
 * SYSCALL from compatibility mode per the vCPU's vendor (AMD: to CSTAR;
 * Intel: #UD); RF set in a fault's frame (as the host does for #PF, #UD
 * and #GP), not in a trap's (INT3); LAPIC self-IPIs by delivery mode (NMI
 * taken whatever IF says; INIT, SIPI, SMI ignored by a lone BSP); an
 * interrupt pending at STI taken after the one instruction its shadow
 * covers; TF single-step (#DB trap after the instruction following the
 * POPF that set TF, DR6.BS); a DR0 execute breakpoint (#DB fault at the
 * instruction, DR6.B0, RF clear in the frame); ICEBP. */
#include <stdlib.h>
#include <unistd.h>

#include "engines/bt/bt.h"
#include "tests/check.h"
#include "tests/unit/engine_run.h"

extern const struct engine_ops interp_engine_ops, kvm_engine_ops;

/* ORACLE=kvm in the environment adds kvm, where /dev/kvm is usable, as
 * an oracle run of the same checks (CPUID-dependent ones aside: KVM's
 * CPUID offers FXSR).  Not in make test: on the (nested-virtualization)
 * host these were written on, the kvm runs differ in places, not yet
 * investigated (harness or KVM): no #GP for a non-canonical LGDT/LIDT/LTR
 * base, no MOV SS hold of the single-step trap, SYSRET's #GP at CPL 3,
 * ICEBP an emulation failure, INT3, self-NMI, the STI-shadow interrupt
 * and the data breakpoint not seen; the rest agree (CR0 #GP, #PF RSVD,
 * RF in fault frames, TF, DR0 execute breakpoint, SYSCALL from compat). */
static const struct { const char *name; const struct engine_ops *ops; bool oracle; } engines[] = {
	{ "interp", &interp_engine_ops, false }, { "bt", &bt_engine_ops, false },
	{ "kvm (oracle)", &kvm_engine_ops, true },
};

static struct vm *vm;

/* Map the LAPIC page (0xFEE00000, a 2 MiB page through a PD at 0xA000),
 * enable it (SVR 0x1FF), RBX = its base. */
static size_t lapic_on(uint8_t *c)
{
	size_t k = er_movabs(c, 0, 0xa000 | 3);
	k += er_store_rax(c + k, LM_PDPT + 3 * 8);
	k += er_movabs(c + k, 0, 0xfee00000ull | 0x83);
	k += er_store_rax(c + k, 0xa000 + 0x1f7 * 8);
	k += er_movabs(c + k, 3, 0xfee00000ull);                   /* mov rbx, base */
	c[k++] = 0xc7; c[k++] = 0x83; c[k++] = 0xf0; c[k++] = 0; c[k++] = 0; c[k++] = 0;
	c[k++] = 0xff; c[k++] = 1; c[k++] = 0; c[k++] = 0;      /* mov dword [rbx+0xf0], 0x1ff */
	return k;
}

/* mov dword [rbx+0x300], icr */
static size_t icr_write(uint8_t *c, uint32_t icr)
{
	c[0] = 0xc7; c[1] = 0x83; c[2] = 0x00; c[3] = 0x03; c[4] = 0; c[5] = 0;
	memcpy(c + 6, &icr, 4);
	return 10;
}
static void compat_mode_star(struct cpu_state *s)
{
	s->star = (0x08ull << 32) | (0x10ull << 48);    /* SYSRET: CS 0x20|3, SS 0x18|3 */
}

static void compat_mode(struct cpu_state *s)
{
	/* CPL 3, a 32-bit code segment in IA-32e mode: compatibility mode. */
	s->seg[S_CS].l = 0;
	s->seg[S_CS].db = 1;
	s->star = (0x08ull << 32) | (0x10ull << 48);
	s->cstar = ER_CODE0;            /* HLT there (the RAM fill) */
	s->lstar = ER_CODE0;
}

static void check(const char *eng, const char *what, int rc, const struct er_result *r, int vector,
		  uint32_t err, uint64_t rip)
{
	CHECK(rc == 0 && r->vector == vector && (vector == ER_NONE || (r->err == err && r->fault_rip == rip)),
	      "%s: %s: vector %d error %#x at %#llx (got vector %#x error %#x at %#llx%s%s)", eng, what,
	      vector, err, (unsigned long long)rip, r->vector, r->err,
	      (unsigned long long)r->fault_rip, r->msg[0] ? ": " : "", r->msg);
}

int main(void)
{
	char errbuf[200];
	uint8_t c[256];
	struct er_result r;
	size_t k;
	int rc;

	vm = vm_create(ER_RAM, NULL, errbuf, sizeof(errbuf));
	if (!vm) {
		CHECK(0, "a VM: %s", errbuf);
		CHECK_EXIT();
	}
	for (size_t ei = 0; ei < sizeof(engines) / sizeof(engines[0]); ei++) {
		const char *eng = engines[ei].name;
		const struct engine_ops *ops = engines[ei].ops;
		bool oracle = engines[ei].oracle;

		if (oracle && !getenv("ORACLE"))
			continue;
		if (oracle) {
			struct engine *e = access("/dev/kvm", R_OK | W_OK) == 0 ?
					   ops->create(vm, errbuf, sizeof(errbuf)) : NULL;
			if (!e) {
				SKIP("kvm as the oracle: /dev/kvm not usable");
				continue;
			}
			ops->destroy(e);
		}

		/* CR4: PAE|PGE|SMEP (SMEP not in our CPUID; in KVM's). */
		k = er_movabs(c, 0, 0x1000a0);
		c[k++] = 0x0f; c[k++] = 0x22; c[k++] = 0xe0;            /* mov cr4, rax */
		rc = er_run(ops, vm, 0, c, k, NULL, &r);
		if (!oracle)
			check(eng, "MOV CR4 with SMEP, which CPUID does not allow", rc, &r, 13, 0,
			      ER_CODE0 + 10);
		k = er_movabs(c, 0, 0x402a0);                              /* PAE|PGE|OSFXSR|OSXSAVE */
		c[k++] = 0x0f; c[k++] = 0x22; c[k++] = 0xe0;
		rc = er_run(ops, vm, 0, c, k, NULL, &r);
		check(eng, "MOV CR4 with OSFXSR and OSXSAVE (FXSR, XSAVE in CPUID)", rc, &r, ER_NONE, 0, 0);
		k = er_movabs(c, 0, 0xa0);
		c[k++] = 0x0f; c[k++] = 0x22; c[k++] = 0xe0;
		rc = er_run(ops, vm, 0, c, k, NULL, &r);
		check(eng, "MOV CR4 with PAE|PGE only", rc, &r, ER_NONE, 0, 0);
		/* CR0: NW without CD; PG cleared in 64-bit mode. */
		k = er_movabs(c, 0, 0x80010011ull | 0x20000000ull);
		c[k++] = 0x0f; c[k++] = 0x22; c[k++] = 0xc0;            /* mov cr0, rax */
		rc = er_run(ops, vm, 0, c, k, NULL, &r);
		check(eng, "MOV CR0 with NW but not CD", rc, &r, 13, 0, ER_CODE0 + 10);
		k = er_movabs(c, 0, 0x00010011ull);
		c[k++] = 0x0f; c[k++] = 0x22; c[k++] = 0xc0;
		rc = er_run(ops, vm, 0, c, k, NULL, &r);
		check(eng, "MOV CR0 clearing PG in 64-bit mode", rc, &r, 13, 0, ER_CODE0 + 10);

		/* LGDT/LIDT from [0x7000]: limit, then a non-canonical base. */
		for (int idt = 0; idt < 2; idt++) {
			/* [0x7000]: limit 0xffff, base 0x0000800000000000. */
			k = er_movabs(c, 0, 0x800000000000ffffull);
			k += er_store_rax(c + k, 0x7000);
			k += er_movabs(c + k, 0, 0);
			k += er_store_rax(c + k, 0x7008);
			size_t at = k;
			c[k++] = 0x0f; c[k++] = 0x01; c[k++] = idt ? 0x1c : 0x14; c[k++] = 0x25;
			uint32_t a = 0x7000;
			memcpy(c + k, &a, 4);
			k += 4;
			rc = er_run(ops, vm, 0, c, k, NULL, &r);
			check(eng, idt ? "LIDT with a non-canonical base" : "LGDT with a non-canonical base", rc,
			      &r, 13, 0, ER_CODE0 + at);
		}

		/* LTR 0x38: a 64-bit TSS descriptor whose base is non-canonical. */
		k = er_movabs(c, 0, 0x0000890000000067ull | (0x3000ull << 16));
		k += er_store_rax(c + k, LM_GDT + 0x38);
		k += er_movabs(c + k, 0, 0x00008000ull);                 /* base 63:32 = 0x8000: bit 47 */
		k += er_store_rax(c + k, LM_GDT + 0x40);
		size_t at = k;
		c[k++] = 0x66; c[k++] = 0xb8; c[k++] = 0x38; c[k++] = 0;  /* mov ax, 0x38 */
		c[k++] = 0x0f; c[k++] = 0x00; c[k++] = 0xd8;              /* ltr ax */
		rc = er_run(ops, vm, 0, c, k, er_gdt_wide, &r);
		check(eng, "LTR of a TSS with a non-canonical base", rc, &r, 13, 0x38, ER_CODE0 + at + 4);

		/* A PDE with bit 51 set maps 2-4 MiB: a read there is #PF with
		 * P|RSVD (error 9), CR2 the address. */
		k = er_movabs(c, 0, 0x200087ull | (1ull << 51));
		k += er_store_rax(c + k, LM_PD + 8);
		at = k;
		c[k++] = 0x8b; c[k++] = 0x04; c[k++] = 0x25;              /* mov eax, [0x200010] */
		uint32_t a = 0x200010;
		memcpy(c + k, &a, 4);
		k += 4;
		rc = er_run(ops, vm, 0, c, k, NULL, &r);
		check(eng, "a read through a PDE with a reserved bit (51)", rc, &r, 14, 9, ER_CODE0 + at);
		CHECK(r.st.cr2 == 0x200010, "%s: CR2 is the address (%#llx)", eng,
		      (unsigned long long)r.st.cr2);
		CHECK(r.fault_rflags & F_RF, "%s: the #PF frame has RF set (rflags %#llx)", eng,
		      (unsigned long long)r.fault_rflags);

		/* RF: set for #UD (a fault), not for INT3 (a trap). */
		static const uint8_t ud2[] = { 0x0f, 0x0b }, int3[] = { 0xcc };
		rc = er_run(ops, vm, 0, ud2, 2, NULL, &r);
		CHECK(rc == 0 && r.vector == 6 && (r.fault_rflags & F_RF), "%s: the #UD frame has RF set "
		      "(vector %#x rflags %#llx)", eng, r.vector, (unsigned long long)r.fault_rflags);
		rc = er_run(ops, vm, 0, int3, 1, NULL, &r);
		CHECK(rc == 0 && r.vector == 3 && !(r.fault_rflags & F_RF), "%s: the INT3 frame has RF "
		      "clear (vector %#x rflags %#llx)", eng, r.vector, (unsigned long long)r.fault_rflags);

		/* Self-NMI through the ICR (shorthand self, mode NMI), IF clear:
		 * taken after the ICR write. */
		k = lapic_on(c);
		k += icr_write(c + k, 0x40400);
		at = k;
		c[k++] = 0x90;
		rc = er_run(ops, vm, 0, c, k, NULL, &r);
		check(eng, "a self-NMI with IF clear is taken after the ICR write", rc, &r, 2, 0, ER_CODE0 + at);
		/* INIT, Start-up, SMI to ourselves: nothing happens. */
		k = lapic_on(c);
		k += icr_write(c + k, 0x40500);
		k += icr_write(c + k, 0x40600);
		k += icr_write(c + k, 0x40200);
		rc = er_run(ops, vm, 0, c, k, NULL, &r);
		check(eng, "self-INIT, SIPI and SMI are ignored", rc, &r, ER_NONE, 0, 0);
		/* A fixed self-IPI pending with IF clear, then STI; NOP; NOP:
		 * taken after the first NOP (the shadow), not at the STI or
		 * the end of a block. */
		k = lapic_on(c);
		k += icr_write(c + k, 0x40040);
		c[k++] = 0xfb;                                          /* sti */
		c[k++] = 0x90;
		at = k;
		c[k++] = 0x90;
		c[k++] = 0x90;
		c[k++] = 0x90;
		rc = er_run(ops, vm, 0, c, k, NULL, &r);
		check(eng, "an interrupt pending at STI comes after the one shadowed instruction", rc, &r,
		      0x40, 0, ER_CODE0 + at);
		/* Clean up: the LAPIC outlives the run (vector 0x40 in service). */
		k = lapic_on(c);
		c[k++] = 0xc7; c[k++] = 0x83; c[k++] = 0xb0; c[k++] = 0; c[k++] = 0; c[k++] = 0;
		c[k++] = 0; c[k++] = 0; c[k++] = 0; c[k++] = 0;         /* EOI */
		er_run(ops, vm, 0, c, k, NULL, &r);

		/* TF: PUSHFQ; OR [RSP], 0x100; POPFQ; NOP; NOP: the trap comes
		 * after the first NOP (POPF began with TF clear). */
		k = 0;
		c[k++] = 0x9c;                                          /* pushfq */
		c[k++] = 0x48; c[k++] = 0x81; c[k++] = 0x0c; c[k++] = 0x24;
		c[k++] = 0x00; c[k++] = 0x01; c[k++] = 0; c[k++] = 0;  /* or qword [rsp], 0x100 */
		c[k++] = 0x9d;                                          /* popfq */
		c[k++] = 0x90;
		at = k;
		c[k++] = 0x90;
		rc = er_run(ops, vm, 0, c, k, NULL, &r);
		check(eng, "TF set by POPF: the single-step trap after the next instruction", rc, &r, 1, 0,
		      ER_CODE0 + at);
		CHECK((r.st.dr[6] & 0x4000) && (r.fault_rflags & F_TF), "%s: DR6.BS is set, TF in the frame "
		      "(dr6 %#llx)", eng, (unsigned long long)r.st.dr[6]);
		/* TF with MOV SS first: the trap waits one more instruction. */
		k = 0;
		c[k++] = 0xb8; c[k++] = 0x10; c[k++] = 0; c[k++] = 0; c[k++] = 0;   /* mov eax, 0x10 */
		c[k++] = 0x9c;
		c[k++] = 0x48; c[k++] = 0x81; c[k++] = 0x0c; c[k++] = 0x24;
		c[k++] = 0x00; c[k++] = 0x01; c[k++] = 0; c[k++] = 0;
		c[k++] = 0x9d;
		c[k++] = 0x8e; c[k++] = 0xd0;                           /* mov ss, ax */
		c[k++] = 0x90;
		at = k;
		c[k++] = 0x90;
		rc = er_run(ops, vm, 0, c, k, NULL, &r);
		check(eng, "TF: no trap right after MOV SS, one after the next instruction", rc, &r, 1, 0,
		      ER_CODE0 + at);
		/* DR0 = the second NOP, DR7 = L0 (execute, 1 byte). */
		k = er_movabs(c, 0, 0);
		size_t fix = 2;                                         /* the imm64 of mov rax */
		c[k++] = 0x0f; c[k++] = 0x23; c[k++] = 0xc0;            /* mov dr0, rax */
		k += er_movabs(c + k, 0, 0x401);
		c[k++] = 0x0f; c[k++] = 0x23; c[k++] = 0xf8;            /* mov dr7, rax */
		c[k++] = 0x90;
		at = k;
		c[k++] = 0x90;
		uint64_t target = ER_CODE0 + at;
		memcpy(c + fix, &target, 8);
		rc = er_run(ops, vm, 0, c, k, NULL, &r);
		check(eng, "a DR0 execute breakpoint faults at its instruction", rc, &r, 1, 0, target);
		CHECK((r.st.dr[6] & 1) && !(r.fault_rflags & F_RF), "%s: DR6.B0 set, RF clear in the "
		      "breakpoint's frame (dr6 %#llx rflags %#llx)", eng, (unsigned long long)r.st.dr[6],
		      (unsigned long long)r.fault_rflags);
		/* DR1 = a 4-byte write watch on 0x7010 (R/W 01, LEN 11): a read
		 * there does not trigger, a 1-byte write at 0x7012 does, as a
		 * trap after the write. */
		k = er_movabs(c, 0, 0x7010);
		c[k++] = 0x0f; c[k++] = 0x23; c[k++] = 0xc8;            /* mov dr1, rax */
		k += er_movabs(c + k, 0, 0x400 | (1u << 2) | (0xdull << 20));  /* L1, R/W 01, LEN 11 */
		c[k++] = 0x0f; c[k++] = 0x23; c[k++] = 0xf8;            /* mov dr7, rax */
		c[k++] = 0x8b; c[k++] = 0x04; c[k++] = 0x25;            /* mov eax, [0x7010] */
		c[k++] = 0x10; c[k++] = 0x70; c[k++] = 0; c[k++] = 0;
		c[k++] = 0xc6; c[k++] = 0x04; c[k++] = 0x25;            /* mov byte [0x7012], 1 */
		c[k++] = 0x12; c[k++] = 0x70; c[k++] = 0; c[k++] = 0; c[k++] = 1;
		at = k;
		c[k++] = 0x90;
		rc = er_run(ops, vm, 0, c, k, NULL, &r);
		check(eng, "a DR1 write watch: the trap after the write, not the read", rc, &r, 1, 0,
		      ER_CODE0 + at);
		CHECK((r.st.dr[6] & 0xf) == 2 && vm->ram[0x7012] == 1, "%s: DR6.B1 alone, the write done "
		      "(dr6 %#llx)", eng, (unsigned long long)r.st.dr[6]);
		static const uint8_t icebp[] = { 0xf1, 0x90 };
		rc = er_run(ops, vm, 0, icebp, 2, NULL, &r);
		check(eng, "ICEBP: a #DB trap after it", rc, &r, 1, 0, ER_CODE0 + 1);

		/* SYSRET to a non-canonical RCX: Intel #GP(0) at the SYSRET,
		 * CPL 0; AMD returns and the fetch faults at CPL 3. */
		k = er_movabs(c, 1, 0x0000800000000000ull);                /* mov rcx, ... */
		at = k;
		c[k++] = 0x48; c[k++] = 0x0f; c[k++] = 0x07;            /* sysretq */
		rc = er_run(ops, vm, 0, c, k, compat_mode_star, &r);
		if (x86_vendor_amd())
			CHECK(rc == 0 && r.vector == 13 && r.fault_rip == 0x0000800000000000ull,
			      "%s: AMD: SYSRET to a non-canonical RCX faults at CPL 3 (vector %#x rip %#llx)",
			      eng, r.vector, (unsigned long long)r.fault_rip);
		else
			check(eng, "Intel: SYSRET to a non-canonical RCX", rc, &r, 13, 0, ER_CODE0 + at);

		/* SYSCALL in compatibility mode. */
		static const uint8_t syscall[] = { 0x0f, 0x05 };
		rc = er_run(ops, vm, 3, syscall, 2, compat_mode, &r);
		if (x86_vendor_amd())   /* CSTAR holds the RAM fill's HLT: the run ends after it, at CPL 0 */
			CHECK(rc == 0 && r.vector == ER_NONE && r.st.rip == ER_CODE0 + 1 &&
			      (r.st.seg[S_CS].selector & 3) == 0 && r.st.gpr[R_RCX] == ER_CODE3 + 2,
			      "%s: AMD: SYSCALL from compatibility mode goes to CSTAR at CPL 0 (vector %#x rip %#llx "
			      "cs %#x rcx %#llx)", eng, r.vector, (unsigned long long)r.st.rip,
			      r.st.seg[S_CS].selector, (unsigned long long)r.st.gpr[R_RCX]);
		else
			check(eng, "Intel: SYSCALL from compatibility mode", rc, &r, 6, 0, ER_CODE3);
	}
	vm_destroy(vm);
	CHECK_EXIT();
}
