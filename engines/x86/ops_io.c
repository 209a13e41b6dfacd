/* Port I/O: IN, OUT, INS, OUTS.  An access a device answers at once
 * (x86_exit_in_place) goes to the VM core's dispatcher in place; any
 * other leaves run() as an IO exit for the VM core.  A write completes
 * the instruction first; a read leaves without completing it, and the
 * next run() re-executes it with the value the core put in the
 * engine-owned buffer (cpu->replay). */
#include "engines/core/sized.h"
#include "engines/core/vm.h"
#include "engines/x86/ops.h"
#include "engines/x86/ops_list.h"

/* No I/O permission bitmap: above IOPL every port access is #GP. */
static bool io_permitted(const struct x86_cpu *cpu)
{
	return cpu->cpl <= ((cpu->rflags >> 12) & 3);
}

static void io_allowed(struct x86_cpu *cpu)
{
	if (!io_permitted(cpu))
		x86_gp(cpu, 0);
}

static void io_exit(struct x86_cpu *cpu, uint16_t port, unsigned size, bool write, uint64_t v)
{
	/* Not the whole exit zeroed (300 bytes, on a hot path): its readers
	 * look at the io member only. */
	cpu->exit.reason = VM_EXIT_IO;
	memset(&cpu->exit.io, 0, sizeof(cpu->exit.io));
	cpu->exit.io.port = port;
	cpu->exit.io.size = (uint8_t)size;
	cpu->exit.io.is_write = write;
	cpu->exit.io.count = 1;
	cpu->exit.io.data = cpu->io_buf;
	memset(cpu->io_buf, 0xff, sizeof(cpu->io_buf));
	if (write)
		sized_store(cpu->io_buf, size, v);
}

static uint64_t io_read(struct x86_cpu *cpu, uint16_t port, unsigned size)
{
	if (cpu->replay_pos < cpu->replay_n)
		return cpu->replay[cpu->replay_pos++] & x86_size_mask(size);
	io_exit(cpu, port, size, false, 0);
	if (x86_exit_in_place(cpu))
		return sized_load(cpu->io_buf, size);
	x86_exit_now(cpu);
}

static void io_write(struct x86_cpu *cpu, uint16_t port, unsigned size, uint64_t v)
{
	io_exit(cpu, port, size, true, v);
	if (x86_exit_in_place(cpu))
		return;
	cpu->exit_ready = true;
	cpu->pending = true;
}

bool x86_pio_quiet(struct x86_cpu *cpu, uint16_t port, unsigned size, bool write, uint64_t *v)
{
	if (!cpu->vm || cpu->vm->finished || !io_permitted(cpu) ||
	    cpu->replay_pos < cpu->replay_n || x86_debug_active(cpu))
		return false;
	if (!bus_quiet(&cpu->vm->pio, port, size, write))
		return false;
	io_exit(cpu, port, size, write, *v);
	x86_exit_dispatch(cpu);
	if (!write)
		*v = sized_load(cpu->io_buf, size);
	return true;
}

HANDLER(h_in)
{
	const struct x86_op *d = &in->op[0];
	uint16_t port = (uint16_t)op_read(cpu, in, &in->op[1]);

	io_allowed(cpu);
	set_reg(cpu, R_RAX, d->size, 0, io_read(cpu, port, d->size));
	return advance(cpu, in);
}

HANDLER(h_out)
{
	const struct x86_op *s = &in->op[1];
	uint16_t port = (uint16_t)op_read(cpu, in, &in->op[0]);

	io_allowed(cpu);
	io_write(cpu, port, s->size, get_reg(cpu, R_RAX, s->size, 0));
	advance(cpu, in);
	return 1;
}

static unsigned str_size(const struct x86_inst *in)
{
	switch (in->id) {
	case X86_INS_INSB: case X86_INS_OUTSB: return 1;
	case X86_INS_INSW: case X86_INS_OUTSW: return 2;
	default: return 4;
	}
}

/* One element per run: REP repeats by leaving RIP on the instruction. */
static int ins_outs(struct x86_cpu *cpu, const struct x86_inst *in, bool out)
{
	unsigned size = str_size(in), as = in->addrsize;
	uint64_t am = addr_mask(as);
	int64_t step = (cpu->rflags & F_DF) ? -(int64_t)size : (int64_t)size;
	uint16_t port = (uint16_t)cpu->gpr[R_RDX];

	io_allowed(cpu);
	if (in->rep && (cpu->gpr[R_RCX] & am) == 0)
		return advance(cpu, in);
	if (out && in->rep) {
		/* REP OUTS: up to a buffer's worth in one exit (count > 1), as
		 * KVM does.  All elements are read before anything commits. */
		uint64_t n = cpu->gpr[R_RCX] & am, si = cpu->gpr[R_RSI];
		if (n > sizeof(cpu->io_bulk) / size)
			n = sizeof(cpu->io_bulk) / size;
		for (uint64_t i = 0; i < n; i++) {
			uint64_t v = x86_read(cpu, x86_lin(cpu, in->sseg, (si + (uint64_t)step * i) & am), size);
			memcpy(cpu->io_bulk + i * size, &v, size);
		}
		io_exit(cpu, port, size, true, 0);
		cpu->exit.io.count = (uint32_t)n;
		cpu->exit.io.data = cpu->io_bulk;
		cpu->exit_ready = true;
		cpu->pending = true;
		set_reg(cpu, R_RSI, as, 0, si + (uint64_t)step * n);
		set_reg(cpu, R_RCX, as, 0, cpu->gpr[R_RCX] - n);
		if (cpu->gpr[R_RCX] & am)
			return 1;
		advance(cpu, in);
		return 1;
	}
	if (out) {
		uint64_t si = cpu->gpr[R_RSI] & am;
		uint64_t v = x86_read(cpu, x86_lin(cpu, in->sseg, si), size);
		io_write(cpu, port, size, v);
		set_reg(cpu, R_RSI, as, 0, cpu->gpr[R_RSI] + (uint64_t)step);
	} else {
		uint64_t di = cpu->gpr[R_RDI] & am;
		uint64_t lin = x86_lin(cpu, S_ES, di);
		x86_read(cpu, lin, size);       /* fault before the port is read */
		uint64_t v = io_read(cpu, port, size);
		x86_write(cpu, lin, size, v);
		set_reg(cpu, R_RDI, as, 0, cpu->gpr[R_RDI] + (uint64_t)step);
	}
	if (in->rep) {
		set_reg(cpu, R_RCX, as, 0, cpu->gpr[R_RCX] - 1);
		if (cpu->gpr[R_RCX] & am)
			return 1;
	}
	advance(cpu, in);
	return 1;
}

HANDLER(h_ins) { return ins_outs(cpu, in, false); }
HANDLER(h_outs) { return ins_outs(cpu, in, true); }
