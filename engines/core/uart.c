/* 16550A UART at COM1.  Transmit only: every THR write goes to the console
 * at once, so the line status always reports the transmitter empty.  Its
 * interrupt on ISA IRQ4, as QEMU's serial.c raises it (Linux's 8250 driver
 * transmits from it): "THR empty" (IER bit 1) pends when that bit is
 * turned on with the transmitter empty and after each character sent,
 * and clears on an IIR read that reports it or a THR write; "received
 * data" (IER bit 0) never pends (no input); the line follows IIR. */
#include <stdlib.h>

#include "engines/core/console.h"
#include "engines/core/devices.h"
#include "engines/core/platform.h"

enum { REG_DATA, REG_IER, REG_IIR_FCR, REG_LCR, REG_MCR, REG_LSR, REG_MSR, REG_SCR };
#define LCR_DLAB   0x80
#define LSR_THRE   0x20
#define LSR_TEMT   0x40
#define IIR_NO_INT 0x01
#define IIR_THRI   0x02
#define IIR_FIFO   0xc0
#define IER_THRI   0x02
#define UART_IRQ   4

struct uart {
	struct vm *vm;
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	bool thr_pending;               /* "THR empty" interrupt pending */
	bool irq;                       /* IRQ4 level */
};

static uint8_t iir_id(const struct uart *u)
{
	return (u->ier & IER_THRI) && u->thr_pending ? IIR_THRI : IIR_NO_INT;
}

static void update_irq(struct uart *u)
{
	bool level = iir_id(u) != IIR_NO_INT;

	if (level != u->irq) {
		u->irq = level;
		platform_set_irq(u->vm, UART_IRQ, level);
	}
}

static uint8_t uart_read(struct uart *u, unsigned reg)
{
	switch (reg) {
	case REG_DATA:    return (u->lcr & LCR_DLAB) ? u->dll : 0;
	case REG_IER:     return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
	case REG_IIR_FCR: {
		uint8_t id = iir_id(u);
		if (id == IIR_THRI) {   /* reading it acknowledges THR empty */
			u->thr_pending = false;
			update_irq(u);
		}
		return id | ((u->fcr & 1) ? IIR_FIFO : 0);
	}
	case REG_LCR:     return u->lcr;
	case REG_MCR:     return u->mcr;
	case REG_LSR:     return LSR_THRE | LSR_TEMT;
	case REG_MSR:     return 0xb0;   /* DCD, DSR, CTS: a cable is there */
	default:          return u->scr;
	}
}

static void uart_write(struct uart *u, unsigned reg, uint8_t v)
{
	switch (reg) {
	case REG_DATA:
		if (u->lcr & LCR_DLAB) {
			u->dll = v;
			break;
		}
		if (u->vm->console)
			console_putc(u->vm->console, (char)v);
		if (u->ier & IER_THRI) {
			/* Sent at once: THR empty again, a new edge on IRQ4. */
			u->thr_pending = false;
			update_irq(u);
			u->thr_pending = true;
			update_irq(u);
		}
		break;
	case REG_IER:
		if (u->lcr & LCR_DLAB) {
			u->dlm = v;
			break;
		}
		/* Turning THR-empty on with the transmitter empty pends it. */
		if ((v & IER_THRI) && !(u->ier & IER_THRI))
			u->thr_pending = true;
		u->ier = v & 0x0f;
		update_irq(u);
		break;
	case REG_IIR_FCR: u->fcr = v; break;
	case REG_LCR:     u->lcr = v; break;
	case REG_MCR:     u->mcr = v & 0x1f; break;
	case REG_SCR:     u->scr = v; break;
	default:          break;          /* LSR, MSR: read-only */
	}
}

/* With every interrupt source off, no access but a write of IER (which
 * may turn one on) can raise IRQ4: the bus's quiet_now. */
static bool uart_quiet_now(const void *dev, uint64_t off, unsigned size, bool is_write)
{
	const struct uart *u = dev;

	return u->ier == 0 && !(is_write && off <= REG_IER && off + size > REG_IER);
}

static void uart_io(void *dev, uint64_t off, uint8_t *data, unsigned size, bool is_write)
{
	/* Byte registers; a wider access touches consecutive ones. */
	for (unsigned i = 0; i < size; i++) {
		unsigned reg = (unsigned)(off + i) & 7;
		if (is_write)
			uart_write(dev, reg, data[i]);
		else
			data[i] = uart_read(dev, reg);
	}
}

int uart_register(struct vm *vm)
{
	struct uart *u = calloc(1, sizeof(*u));

	if (!u)
		return -1;
	u->vm = vm;
	if (bus_register(&vm->pio, RB_UART_COM1_PORT, 8, uart_io, u, "uart") < 0) {
		free(u);
		return -1;
	}
	bus_set_quiet(&vm->pio, RB_UART_COM1_PORT, uart_quiet_now);
	vm_own(vm, u);
	return 0;
}
