/* The CMOS/RTC (engines/core/rtc.c) against the MC146818 datasheet and
 * QEMU's CMOS layout: host UTC time in BCD and binary, 12/24-hour, the
 * status registers, NMI-disable bit of the index, guest-set time, and the
 * memory-size bytes SeaBIOS reads. */
#include <time.h>

#include "tests/check.h"
#include "tests/unit/platform_io.h"

static struct vm *vm;

static uint8_t cmos(uint8_t idx)
{
	outb(vm, 0x70, idx);
	return inb(vm, 0x71);
}

static void cmos_w(uint8_t idx, uint8_t v)
{
	outb(vm, 0x70, idx);
	outb(vm, 0x71, v);
}

static unsigned bcd(uint8_t v) { return (v >> 4) * 10u + (v & 15u); }

int main(void)
{
	char err[200];

	vm = vm_create(64u << 20, NULL, err, sizeof(err));
	CHECK(vm != NULL, "a VM (the RTC is on every engine's)");
	if (!vm)
		CHECK_EXIT();

	CHECK(cmos(0x0a) == 0x26 || cmos(0x0a) == 0xa6, "register A: 32.768 kHz divider, 1024 Hz rate");
	CHECK(cmos(0x0b) == 0x02, "register B: 24-hour, BCD, no interrupts");
	CHECK(cmos(0x0d) == 0x80, "register D: valid RAM and time");
	CHECK(cmos(0x0c) == 0x00, "register C: no interrupt flags");

	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	unsigned yr = bcd(cmos(0x09)), cent = bcd(cmos(0x32)), mon = bcd(cmos(0x08)), day = bcd(cmos(0x07));
	unsigned h = bcd(cmos(0x04)), m = bcd(cmos(0x02));
	CHECK(cent * 100 + yr == (unsigned)tm.tm_year + 1900 && mon == (unsigned)tm.tm_mon + 1 &&
	      day == (unsigned)tm.tm_mday, "BCD date is the host's UTC date (%u%02u-%02u-%02u)", cent, yr, mon, day);
	CHECK(h == (unsigned)tm.tm_hour && (m == (unsigned)tm.tm_min || m == (unsigned)(tm.tm_min + 1) % 60),
	      "BCD time is the host's UTC time (%02u:%02u)", h, m);
	CHECK(bcd(cmos(0x06)) == (unsigned)tm.tm_wday + 1, "day of week 1-7, Sunday 1");

	cmos_w(0x0b, 0x06);                     /* binary, 24 h */
	CHECK(cmos(0x04) == (uint8_t)tm.tm_hour && cmos(0x09) == (uint8_t)(tm.tm_year % 100),
	      "binary mode (register B bit 2): hours %u, year %u", cmos(0x04), cmos(0x09));
	cmos_w(0x0b, 0x04);                     /* binary, 12 h */
	uint8_t h12 = cmos(0x04);
	unsigned want = tm.tm_hour % 12 ? (unsigned)tm.tm_hour % 12 : 12;
	CHECK((h12 & 0x7f) == want && !!(h12 & 0x80) == (tm.tm_hour >= 12),
	      "12-hour mode: hour 1-12, bit 7 PM (0x%02x)", h12);

	/* The guest sets the clock (as Linux's set_rtc_time: SET, fields, clear SET). */
	cmos_w(0x0b, 0x86);
	cmos_w(0x09, 99);
	cmos_w(0x32, 19);
	cmos_w(0x0b, 0x06);
	CHECK(cmos(0x09) == 99 && cmos(0x32) == 19 && cmos(0x08) == (uint8_t)(tm.tm_mon + 1),
	      "time written by the guest is kept (year 1999), the rest runs on");
	cmos_w(0x32, 20);
	cmos_w(0x09, (uint8_t)(tm.tm_year % 100));
	CHECK(cmos(0x09) == (uint8_t)(tm.tm_year % 100), "and set back");

	/* UIP shows in the last 244 us of a second and not before.  Read once
	 * 0.6-0.9 s into a second, far from the window (a read right after a
	 * clock read just before it races with being switched out), then poll
	 * from 20 ms before a second boundary, a few tries: a loaded host
	 * (make test's jobs) may wake us late or switch us out, and from
	 * 400 us before it ten tries in a row missed the window once. */
	struct timespec ts;
	int clear_mid = -1, uip = 0;            /* -1: no mid-second read yet */
	for (int try = 0; try < 10 && clear_mid < 0; try++) {
		clock_gettime(CLOCK_REALTIME, &ts);
		sleep_us((1700000000l - ts.tv_nsec) % 1000000000l / 1000);
		clock_gettime(CLOCK_REALTIME, &ts);
		if (ts.tv_nsec > 600000000l && ts.tv_nsec < 900000000l)
			clear_mid = !(cmos(0x0a) & 0x80);
	}
	for (int try = 0; try < 10 && !uip; try++) {
		clock_gettime(CLOCK_REALTIME, &ts);
		long to = 1000000000l - 20000000l - ts.tv_nsec;
		if (to > 0)
			sleep_us(to / 1000);
		for (int i = 0; i < 2000000 && !uip; i++) {
			uip = cmos(0x0a) & 0x80;
			clock_gettime(CLOCK_REALTIME, &ts);
			if (ts.tv_nsec < 500000000l)
				break;          /* past the boundary: next try */
		}
	}
	CHECK(uip && clear_mid == 1, "update-in-progress (register A bit 7) shows just before the seconds tick, "
	      "not before (seen before the tick %d; clear mid-second %d, -1: never read)", !!uip, clear_mid);

	/* Memory sizes, as QEMU's pc_cmos_init for 64 MiB. */
	CHECK((cmos(0x15) | cmos(0x16) << 8) == 640, "base memory 640 KiB (0x15/0x16)");
	CHECK((cmos(0x17) | cmos(0x18) << 8) == 64 * 1024 - 1024 && (cmos(0x30) | cmos(0x31) << 8) == 64 * 1024 - 1024,
	      "extended memory in KiB above 1 MiB (0x17/0x18, 0x30/0x31)");
	CHECK((cmos(0x34) | cmos(0x35) << 8) == (64 - 16) * 16, "memory above 16 MiB in 64 KiB units (0x34/0x35)");

	/* NVRAM, and the NMI-disable bit of the index. */
	outb(vm, 0x70, 0x80 | 0x40);
	outb(vm, 0x71, 0x5a);
	CHECK(cmos(0x40) == 0x5a, "bit 7 of the index (NMI disable) does not change the register picked");
	cmos_w(0x0c, 0xff);
	cmos_w(0x0d, 0x00);
	CHECK(cmos(0x0c) == 0 && cmos(0x0d) == 0x80, "registers C and D are read-only");
	CHECK(inb(vm, 0x70) == 0xff, "the index port is write-only (reads all ones)");

	vm_destroy(vm);
	CHECK_EXIT();
}
