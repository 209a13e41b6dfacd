/* COM1 output and the debug-exit port.  Lines are collected and sent with
 * one REP OUTSB each: one exit per line instead of one per character on
 * engines where port I/O exits are expensive. */
#include <stdarg.h>

#include "guests/kernel.h"
#include "guests/x86.h"

#define COM1 0x3f8

static char line[256];
static unsigned line_len;

void console_init(void)
{
	outb(COM1 + 1, 0x00);         /* no UART interrupts */
	outb(COM1 + 3, 0x03);         /* 8N1, divisor latch closed */
}

static void flush(void)
{
	const char *p = line;
	unsigned long n = line_len;

	__asm__ volatile("rep outsb" : "+S"(p), "+c"(n) : "d"(COM1) : "memory");
	line_len = 0;
}

static void putc(char c)
{
	line[line_len++] = c;
	if (c == '\n' || line_len == sizeof(line))
		flush();
}

static void put_u64(uint64_t v, unsigned base, int width, char pad)
{
	char buf[24];
	int n = 0;

	do
		buf[n++] = "0123456789abcdef"[v % base];
	while ((v /= base));
	while (width-- > n)
		putc(pad);
	while (n)
		putc(buf[--n]);
}

/* printf subset: %s %c %d %u %x %p with optional 0, width, l, ll. */
static void vkprintf(const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			putc(*fmt);
			continue;
		}
		char pad = ' ';
		int width = 0, longs = 0;
		if (*++fmt == '0')
			pad = '0', fmt++;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l')
			longs++, fmt++;
		switch (*fmt) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			for (s = s ? s : "(null)"; *s; s++)
				putc(*s);
			break;
		}
		case 'c': putc((char)va_arg(ap, int)); break;
		case 'd': {
			int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
			if (v < 0)
				putc('-'), v = -v;
			put_u64((uint64_t)v, 10, width, pad);
			break;
		}
		case 'u':
			put_u64(longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10, width, pad);
			break;
		case 'x':
			put_u64(longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16, width, pad);
			break;
		case 'p':
			putc('0'), putc('x');
			put_u64((uint64_t)va_arg(ap, void *), 16, 0, ' ');
			break;
		case '%': putc('%'); break;
		default:  putc('?'); break;
		}
	}
}

void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vkprintf(fmt, ap);
	va_end(ap);
}

/* The harness's printer, for microbench/harness.c. */
void mb_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vkprintf(fmt, ap);
	va_end(ap);
}

/* Without a debug-exit device (bare QEMU without -device isa-debug-exit)
 * the write is ignored: halt for good instead. */
void debug_exit(uint32_t code)
{
	if (line_len)
		flush();
	outl(RB_DEBUG_EXIT_PORT, code);
	kprintf("debug-exit (port 0xf4) did not stop the machine; halting\n");
	for (;;) {
		cli();
		hlt();
	}
}
