/* The MC146818 CMOS/RTC at ports 0x70 (index; bit 7 disables NMI) and
 * 0x71 (data), as QEMU's hw/rtc/mc146818rtc.c presents it: the host's UTC
 * time (QEMU's default base), BCD or binary (register B bit 2), 24- or
 * 12-hour (B bit 1), update-in-progress (A bit 7) for the last 244 us of
 * each second, C read-and-clear, D "valid RAM and time", the century at
 * 0x32, and the memory sizes SeaBIOS reads, filled as QEMU's
 * pc_cmos_init: 0x15/0x16 base memory (640 KiB), 0x17/0x18 and 0x30/0x31
 * KiB above 1 MiB, 0x34/0x35 64-KiB units above 16 MiB (each at most
 * 0xFFFF).  Time written by the guest (with B's SET bit, as Linux does)
 * becomes an offset from host time.  No RTC interrupts (periodic, alarm,
 * update): IRQ8 is never raised (docs/platform.md). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engines/core/devices.h"
#include "engines/core/vm.h"

enum { SEC = 0, MIN = 2, HOUR = 4, WDAY = 6, MDAY = 7, MON = 8, YEAR = 9,
       REG_A = 0x0a, REG_B = 0x0b, REG_C = 0x0c, REG_D = 0x0d, CENTURY = 0x32 };
#define B_SET    0x80
#define B_BINARY 0x04
#define B_24H    0x02

struct rtc {
	struct vm *vm;
	uint8_t index;
	bool nmi_disabled;
	uint8_t cmos[128];
	int64_t offset_s;               /* guest time - host time */
};

static uint8_t enc(const struct rtc *r, unsigned v)
{
	return (r->cmos[REG_B] & B_BINARY) ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

static unsigned dec(const struct rtc *r, uint8_t v)
{
	return (r->cmos[REG_B] & B_BINARY) ? v : (v >> 4) * 10u + (v & 15u);
}

static uint8_t enc_hour(const struct rtc *r, unsigned h)
{
	if (r->cmos[REG_B] & B_24H)
		return enc(r, h);
	unsigned h12 = h % 12 ? h % 12 : 12;
	return (uint8_t)(enc(r, h12) | (h >= 12 ? 0x80 : 0));
}

static unsigned dec_hour(const struct rtc *r, uint8_t v)
{
	if (r->cmos[REG_B] & B_24H)
		return dec(r, v);
	unsigned h = dec(r, v & 0x7f) % 12;
	return h + ((v & 0x80) ? 12 : 0);
}

static struct tm guest_time(const struct rtc *r, long *ns)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	time_t t = ts.tv_sec + (time_t)r->offset_s;
	gmtime_r(&t, &tm);
	if (ns)
		*ns = ts.tv_nsec;
	return tm;
}

static uint8_t read_time(const struct rtc *r, unsigned reg)
{
	struct tm tm = guest_time(r, NULL);

	switch (reg) {
	case SEC: return enc(r, (unsigned)tm.tm_sec);
	case MIN: return enc(r, (unsigned)tm.tm_min);
	case HOUR: return enc_hour(r, (unsigned)tm.tm_hour);
	case WDAY: return enc(r, (unsigned)tm.tm_wday + 1);
	case MDAY: return enc(r, (unsigned)tm.tm_mday);
	case MON: return enc(r, (unsigned)tm.tm_mon + 1);
	case YEAR: return enc(r, (unsigned)(tm.tm_year % 100));
	default: return enc(r, (unsigned)(tm.tm_year + 1900) / 100);   /* CENTURY */
	}
}

/* The guest sets one field: the new time is the present one with it. */
static void write_time(struct rtc *r, unsigned reg, uint8_t v)
{
	struct tm tm = guest_time(r, NULL);
	struct timespec ts;

	switch (reg) {
	case SEC: tm.tm_sec = (int)dec(r, v); break;
	case MIN: tm.tm_min = (int)dec(r, v); break;
	case HOUR: tm.tm_hour = (int)dec_hour(r, v); break;
	case WDAY: return;              /* derived from the date */
	case MDAY: tm.tm_mday = (int)dec(r, v); break;
	case MON: tm.tm_mon = (int)dec(r, v) - 1; break;
	case YEAR: tm.tm_year = tm.tm_year / 100 * 100 + (int)dec(r, v); break;
	default: tm.tm_year = ((int)dec(r, v) - 19) * 100 + tm.tm_year % 100; break;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	r->offset_s = (int64_t)timegm(&tm) - (int64_t)ts.tv_sec;
}

static bool is_time_reg(unsigned reg)
{
	return reg == SEC || reg == MIN || reg == HOUR || reg == WDAY || reg == MDAY ||
	       reg == MON || reg == YEAR || reg == CENTURY;
}

static uint8_t rtc_read(struct rtc *r)
{
	unsigned reg = r->index;
	long ns;
	uint8_t v;

	if (is_time_reg(reg))
		return read_time(r, reg);
	switch (reg) {
	case REG_A:
		guest_time(r, &ns);
		/* Update in progress: the 244 us before the seconds tick. */
		return (uint8_t)((r->cmos[REG_A] & 0x7f) |
				 (!(r->cmos[REG_B] & B_SET) && ns >= 1000000000l - 244000 ? 0x80 : 0));
	case REG_C:
		v = r->cmos[REG_C];
		r->cmos[REG_C] = 0;
		return v;
	case REG_D:
		return 0x80;
	default:
		return r->cmos[reg];
	}
}

static void rtc_write(struct rtc *r, uint8_t v)
{
	unsigned reg = r->index;

	if (is_time_reg(reg)) {
		write_time(r, reg, v);
		return;
	}
	switch (reg) {
	case REG_A: r->cmos[REG_A] = v & 0x7f; break;   /* UIP is read-only */
	case REG_C: case REG_D: break;                  /* read-only */
	default: r->cmos[reg] = v; break;
	}
}

static void rtc_io(void *dev, uint64_t off, uint8_t *data, unsigned size, bool is_write)
{
	struct rtc *r = dev;

	(void)size;
	if (off == 0) {
		if (is_write) {
			r->index = data[0] & 0x7f;
			r->nmi_disabled = data[0] & 0x80;
		} else {
			data[0] = 0xff;         /* the index port is write-only */
		}
	} else if (is_write) {
		rtc_write(r, data[0]);
	} else {
		data[0] = rtc_read(r);
	}
}

static void put16(uint8_t *cmos, unsigned lo, uint64_t v)
{
	if (v > 0xffff)
		v = 0xffff;
	cmos[lo] = (uint8_t)v;
	cmos[lo + 1] = (uint8_t)(v >> 8);
}

int rtc_register(struct vm *vm)
{
	struct rtc *r = calloc(1, sizeof(*r));
	uint64_t ram = vm->ram_size;

	if (!r)
		return -1;
	r->vm = vm;
	r->cmos[REG_A] = 0x26;          /* 32.768 kHz base, 1024 Hz rate */
	r->cmos[REG_B] = B_24H;
	put16(r->cmos, 0x15, 640);
	put16(r->cmos, 0x17, ram / 1024 - 1024);
	put16(r->cmos, 0x30, ram / 1024 - 1024);
	put16(r->cmos, 0x34, ram > (16u << 20) ? (ram - (16u << 20)) / 65536 : 0);
	vm_own(vm, r);
	return bus_register(&vm->pio, 0x70, 2, rtc_io, r, "rtc");
}
