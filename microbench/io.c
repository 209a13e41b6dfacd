/* I/O from the kernel: port write and read of the ringbench null port, a
 * UART data-port write, MMIO read and write of the ringbench null page.
 *
 * With the ringbench device the checks compare its access counters.
 * Without it (QEMU) the port benchmarks use the same, there unclaimed, port
 * and check what a PC does with one (reads give all ones); the MMIO ones
 * report unsupported.  The UART write goes to the data port with the
 * divisor latch open (DLAB), so it prints nothing; the check reads the
 * divisor back. */
#include "guests/kernel.h"
#include "guests/x86.h"
#include "microbench/bench.h"

#define COM1 0x3f8
#define LCR_DLAB 0x80

static uint32_t count0;
static uint64_t wrong, done;

static int device(void)
{
	return host.features & RB_FEAT_DEVICE;
}

static int pio_start(char *why)
{
	(void)why;
	wrong = done = 0;
	count0 = device() ? rb_counter(RB_CNT_NULL_PORT) : 0;
	return 0;
}

static int pio_check(uint64_t expected, char *why)
{
	if (wrong) {
		mb_strlcpy(why, device() ? "the null port read non-zero"
				: "the unclaimed port did not read all ones", WHY_LEN);
		return CHECK_FAIL;
	}
	if (!device())
		return mb_count_check(why, "iterations", done, expected);
	/* The counter is 32 bits wide on the port. */
	return mb_count_check(why, "null-port accesses",
			      (uint32_t)(rb_counter(RB_CNT_NULL_PORT) - count0),
			      (uint32_t)expected);
}

static uint32_t pio_idle_value(void)
{
	return device() ? 0 : 0xffffffffu;
}

static uint64_t pio_out_body(uint64_t n)
{
	uint64_t c = TIMED_LOOP(n, outl(RB_PORT_NULL, (uint32_t)i_));

	if (!device())
		wrong += inl(RB_PORT_NULL) != 0xffffffffu;
	done += n;
	return c;
}

static uint64_t pio_in_body(uint64_t n)
{
	uint32_t want = pio_idle_value();
	uint64_t bad = 0, c = TIMED_LOOP(n, bad += inl(RB_PORT_NULL) != want);

	/* Without the device the check's count is done; with it the reads
	 * themselves are what the counter saw. */
	wrong += bad;
	done += n;
	return c;
}

/* --- UART data port, divisor latch open --- */
static uint8_t uart_last;

static int uart_start(char *why)
{
	(void)why;
	done = 0;
	return 0;
}

static uint64_t uart_out_body(uint64_t n)
{
	uint64_t c;

	outb(COM1 + 3, 0x03 | LCR_DLAB);
	c = TIMED_LOOP(n, outb(COM1, (uint8_t)(1 + (i_ & 1))));
	uart_last = inb(COM1);
	outb(COM1, 1);                     /* 115200 baud again */
	outb(COM1 + 3, 0x03);
	done += (uart_last == (uint8_t)(1 + ((n - 1) & 1))) ? n : 0;
	return c;
}

static int uart_check(uint64_t expected, char *why)
{
	return mb_count_check(why, "divisor writes read back", done, expected);
}

/* --- MMIO to the null page --- */
static int mmio_start(char *why)
{
	if (!device()) {
		mb_strlcpy(why, "no ringbench null page here", WHY_LEN);
		return 1;
	}
	wrong = 0;
	count0 = rb_counter(RB_CNT_NULL_PAGE);
	return 0;
}

static uint64_t mmio_read_body(uint64_t n)
{
	const volatile uint32_t *p = (const volatile uint32_t *)RB_NULL_PAGE;
	uint64_t bad = 0, c = TIMED_LOOP(n, bad += *p != 0);

	wrong += bad;
	return c;
}

static uint64_t mmio_write_body(uint64_t n)
{
	volatile uint32_t *p = (volatile uint32_t *)RB_NULL_PAGE;

	return TIMED_LOOP(n, *p = (uint32_t)i_);
}

static int mmio_check(uint64_t expected, char *why)
{
	if (wrong) {
		mb_strlcpy(why, "the null page read non-zero", WHY_LEN);
		return CHECK_FAIL;
	}
	return mb_count_check(why, "null-page accesses",
			      (uint32_t)(rb_counter(RB_CNT_NULL_PAGE) - count0),
			      (uint32_t)expected);
}

#define IO(n, st, b, ck) { .name = n, .group = "io", .class = "io", .ring = 0, \
			   .start = st, .body = b, .check = ck }

static const struct bench pio_out_b = IO("pio_out", pio_start, pio_out_body, pio_check);
static const struct bench pio_in_b = IO("pio_in", pio_start, pio_in_body, pio_check);
static const struct bench uart_out_b = IO("uart_out", uart_start, uart_out_body, uart_check);
static const struct bench mmio_read_b = IO("mmio_read", mmio_start, mmio_read_body, mmio_check);
static const struct bench mmio_write_b = IO("mmio_write", mmio_start, mmio_write_body, mmio_check);

const struct bench *const io_benches[] = {
	&pio_out_b, &pio_in_b, &uart_out_b, &mmio_read_b, &mmio_write_b,
};
const unsigned io_count = sizeof(io_benches) / sizeof(io_benches[0]);
