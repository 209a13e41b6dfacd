/* The fuzz test's second generator (tests/unit/test_bt_fuzz.c): whole
 * instructions rather than random bytes, weighted toward what translators
 * get wrong — memory operands with every ModRM/SIB form and addresses at
 * page edges, PUSH/POP runs, CALL/RET/LEAVE, indirect jumps, prefix
 * combinations with REX, FS/GS bases set by WRMSR, SWAPGS.  gen_mode 2
 * makes most instructions stack operations, 3 favours register forms and
 * RSP/AH encodings.  Runs of memory operands through one base register
 * (bt's memory groups: one probe for the run) with displacements around
 * page edges, copied instructions between them.  Included once, after
 * rnd(), CODE and CODE_MAX. */
#ifndef RINGBENCH_TEST_BT_FUZZ_GEN_H
#define RINGBENCH_TEST_BT_FUZZ_GEN_H

static int gen_mode = 1;

static uint64_t pick_addr(void)
{
	static const uint64_t edges[] = { 0x200000, 0x201000, 0x202000, 0x400000, 0x21f000, 0x200100,
					  0x1ff000, 0x210000, 0x3ff000, 0x100000, 0x500000, 0x500800 };
	uint64_t e = edges[rnd() % (sizeof(edges) / sizeof(edges[0]))];
	return e + (rnd() % 33) - 16;
}

static unsigned gen_modrm(uint8_t *c, unsigned n, int regfield, bool memonly)
{
	unsigned mod = memonly ? (unsigned)(rnd() % 3) : (rnd() % 4 == 0 ? 3 : (unsigned)(rnd() % 3));
	unsigned reg = regfield >= 0 ? (unsigned)regfield : (unsigned)(rnd() % 8);
	unsigned rm = (unsigned)(rnd() % 8);
	if (rnd() % 3 == 0 && mod != 3) rm = 4;
	if (gen_mode == 3) {
		if (!memonly && rnd() % 2) mod = 3;
		if (rnd() % 3 == 0) rm = 4;
		if (regfield < 0 && rnd() % 3 == 0) reg = 4;
	}
	c[n++] = (uint8_t)((mod << 6) | (reg << 3) | rm);
	if (mod != 3 && rm == 4) {
		unsigned sib = (unsigned)rnd() & 0xff;
		if (rnd() % 3 == 0) sib = (sib & 0xc0) | (4 << 3) | (sib & 7);   /* no index */
		c[n++] = (uint8_t)sib;
		if (mod == 0 && (sib & 7) == 5) {
			uint32_t d = (uint32_t)pick_addr();
			memcpy(c + n, &d, 4); n += 4;
		}
	}
	if (mod == 1) {
		c[n++] = (uint8_t)((rnd() % 2) ? (rnd() % 33) - 16 : rnd());
	} else if (mod == 2 || (mod == 0 && rm == 5)) {
		int32_t d = (int32_t)((rnd() % 2) ? (int64_t)(rnd() % 8193) - 4096 : (int64_t)pick_addr());
		if (mod == 0) d = (int32_t)(rnd() % 2 ? 0x1000 - 0x20 + rnd() % 64 : (rnd() % 0x2000) - 0x1000);
		memcpy(c + n, &d, 4); n += 4;
	}
	return n;
}

static unsigned gen_insn(uint8_t *c)
{
	unsigned n = 0;
	static const uint8_t seg[] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x64, 0x65 };
	int k = (int)(rnd() % 40);
	/* stack ops without prefixes sometimes */
	if (k < (gen_mode == 2 ? 26 : 8)) {
		switch (rnd() % 12) {
		case 0: case 1: c[n++] = (uint8_t)(0x50 + rnd() % 8); if (rnd() % 4 == 0) { c[0] = (uint8_t)(0x41 + (rnd() % 2) * 7); c[1] = (uint8_t)(0x50 + rnd() % 8); n = 2; } break;
		case 2: case 3: c[n++] = (uint8_t)(0x58 + rnd() % 8); if (rnd() % 4 == 0) { c[0] = 0x41; c[1] = (uint8_t)(0x58 + rnd() % 8); n = 2; } break;
		case 4: c[n++] = 0x6a; c[n++] = (uint8_t)rnd(); break;
		case 5: c[n++] = 0x68; for (int i = 0; i < 4; i++) c[n++] = (uint8_t)rnd(); break;
		case 6: c[n++] = 0xe8; c[n++] = (uint8_t)(rnd() % 24); c[n++] = 0; c[n++] = 0; c[n++] = 0; break;
		case 7: c[n++] = rnd() % 4 ? 0xc3 : 0xc2; if (c[n - 1] == 0xc2) { c[n++] = (uint8_t)(rnd() % 32); c[n++] = 0; } break;
		case 8: c[n++] = 0xc9; break;
		case 9: if (rnd() % 2) c[n++] = 0x41; c[n++] = 0xff; c[n++] = (uint8_t)(0xc0 | ((rnd() % 2 ? 2 : 4) << 3) | (rnd() % 8)); break;
		case 10: c[n++] = 0xff; n = gen_modrm(c, n, (int)(rnd() % 2 ? 6 : (rnd() % 2 ? 2 : 4)), true); break;
		case 11: c[n++] = 0x8f; n = gen_modrm(c, n, 0, false); break;
		}
		return n;
	}
	/* prefixes */
	while (rnd() % 3 == 0) {
		switch (rnd() % 5) {
		case 0: c[n++] = 0x66; break;
		case 1: c[n++] = 0x67; break;
		case 2: c[n++] = seg[rnd() % 8]; break;
		case 3: c[n++] = 0xf0; break;
		default: c[n++] = (uint8_t)(rnd() % 2 ? 0xf3 : 0xf2); break;
		}
		if (n > 3) break;
	}
	if (rnd() % 2) c[n++] = (uint8_t)(0x40 | (rnd() & 0xf));
	static const uint8_t one[] = { 0x00, 0x01, 0x02, 0x03, 0x08, 0x09, 0x0a, 0x0b, 0x10, 0x11, 0x12, 0x13,
		0x18, 0x19, 0x1a, 0x1b, 0x20, 0x21, 0x22, 0x23, 0x28, 0x29, 0x2a, 0x2b, 0x30, 0x31, 0x32, 0x33,
		0x38, 0x39, 0x3a, 0x3b, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8d, 0x63, 0x88, 0x89,
		0x8a, 0x8b, 0x8d };
	static const uint8_t two[] = { 0xb6, 0xb7, 0xbe, 0xbf, 0xaf, 0xa3, 0xab, 0xb3, 0xbb, 0xbc, 0xbd,
		0xc0, 0xc1, 0xb0, 0xb1, 0x40, 0x44, 0x45, 0x4c, 0x94, 0x95, 0x92, 0x9f, 0xa4, 0xa5, 0xac, 0xad,
		0x18, 0x1f, 0x0d };
	switch (rnd() % 12) {
	case 11:
		/* the sensitive forms bt translates inline (not RDTSC: its
		 * value differs between the runs) */
		switch (rnd() % 10) {
		case 0: c[n++] = (uint8_t)(rnd() % 2 ? 0xfa : 0xfb); break;           /* cli, sti */
		case 1: c[n++] = 0x9c; if (rnd() % 2) c[n++] = 0x9d; break;           /* pushf, popf */
		case 2: c[n++] = 0x9d; break;
		case 3: c[n++] = 0x0f; c[n++] = 0x01; n = gen_modrm(c, n, (int)(rnd() % 2 ? 4 : rnd() % 2), false); break;   /* smsw, sgdt, sidt */
		case 4: c[n++] = 0x0f; c[n++] = 0x00; n = gen_modrm(c, n, (int)(rnd() % 2), false); break;   /* sldt, str */
		case 5: { static const uint8_t cr[] = { 0, 2, 3, 4, 8 };                  /* mov reg, crN; mov cr8, reg */
			uint8_t k = cr[rnd() % 5];
			bool w8 = k == 8 && rnd() % 2;
			if (k == 8) c[n++] = 0x44;
			c[n++] = 0x0f; c[n++] = w8 ? 0x22 : 0x20; c[n++] = (uint8_t)(0xc0 | ((k & 7) << 3) | (rnd() % 8)); break; }
		case 6: c[n++] = 0x9c; c[n++] = 0x58 + (uint8_t)(rnd() % 8); break;    /* pushf; pop reg */
		case 7: c[n++] = 0x0f; c[n++] = 0xa2; break;                            /* cpuid */
		case 8: {       /* mov r32, imm (mostly no breakpoint); mov dr7, reg; or mov reg, drN */
			uint32_t v = rnd() % 4 ? 0x400u << (rnd() % 2) : (uint32_t)rnd();
			uint8_t r = (uint8_t)(rnd() % 8);
			if (r == 4)
				r = 1;          /* not RSP */
			n = 0;
			c[n++] = (uint8_t)(0xb8 + r); memcpy(c + n, &v, 4); n += 4;
			c[n++] = 0x0f; c[n++] = (uint8_t)(rnd() % 3 ? 0x23 : 0x21);
			c[n++] = (uint8_t)(0xc0 | ((rnd() % 3 ? 7 : rnd() % 8) << 3) | r);
			break;
		}
		default: {      /* wrmsr KERNEL_GS_BASE or STAR, canonical or not; rdmsr */
			uint32_t m = rnd() % 2 ? 0xc0000102 : 0xc0000081, hi = rnd() % 2 ? 0xffff8000 : (uint32_t)rnd();
			n = 0;
			c[n++] = 0xb9; memcpy(c + n, &m, 4); n += 4;
			c[n++] = 0xba; memcpy(c + n, &hi, 4); n += 4;
			c[n++] = 0x0f; c[n++] = (uint8_t)(rnd() % 2 ? 0x30 : 0x32);
			break;
		}
		}
		break;
	case 0: case 1: case 2:
		c[n++] = one[rnd() % sizeof(one)];
		n = gen_modrm(c, n, -1, false);
		break;
	case 3: {
		static const uint8_t g[] = { 0x80, 0x81, 0x83, 0xc6, 0xc7, 0xc0, 0xc1, 0xd0, 0xd1, 0xd2, 0xd3, 0x69, 0x6b };
		uint8_t o = g[rnd() % sizeof(g)];
		c[n++] = o;
		n = gen_modrm(c, n, (o == 0xc6 || o == 0xc7) ? 0 : (o == 0x69 || o == 0x6b) ? -1 : (int)(rnd() % 8), false);
		int imm = o == 0x81 || o == 0xc7 || o == 0x69 ? 4 : (o == 0x80 || o == 0x83 || o == 0xc6 || o == 0xc0 || o == 0xc1 || o == 0x6b) ? 1 : 0;
		for (int i = 0; i < imm; i++) c[n++] = (uint8_t)rnd();
		break;
	}
	case 4: {
		uint8_t o = rnd() % 2 ? 0xf6 : 0xf7;
		c[n++] = o;
		if (rnd() % 2) { c[n++] = 0xfe | (o & 1); n = gen_modrm(c, n, (int)(rnd() % 2), false); }
		else { unsigned r = (unsigned)(rnd() % 4); n = gen_modrm(c, n, (int)(r == 0 ? 0 : r + 1), false);
			if (r == 0) { int imm = o == 0xf6 ? 1 : 4; for (int i = 0; i < imm; i++) c[n++] = (uint8_t)rnd(); } }
		break;
	}
	case 5: case 6: {
		c[n++] = 0x0f;
		uint8_t o = two[rnd() % sizeof(two)];
		c[n++] = o;
		n = gen_modrm(c, n, o == 0x18 || o == 0x1f || o == 0x0d ? (int)(rnd() % 4) : -1, false);
		if (o == 0xa4 || o == 0xac) c[n++] = (uint8_t)rnd();
		break;
	}
	case 7:
		c[n++] = 0x0f; c[n++] = 0xba; n = gen_modrm(c, n, (int)(4 + rnd() % 4), false); c[n++] = (uint8_t)rnd();
		break;
	case 8:
		/* string ops, cld/std, xchg eax, cbw etc */
		{ static const uint8_t z[] = { 0xa4, 0xa5, 0xaa, 0xab, 0xac, 0xad, 0xfc, 0xfd, 0x98, 0x99, 0x9e, 0x9f, 0x91, 0x94, 0xf5, 0xf8, 0xf9, 0xd7 };
		  c[n++] = z[rnd() % sizeof(z)]; }
		break;
	case 9:
		if (rnd() % 3 == 0) {
			static const uint32_t msr[] = { 0xc0000100, 0xc0000101, 0xc0000102 };
			uint32_t m = msr[rnd() % 3], lo = (uint32_t)(rnd() % 2 ? pick_addr() : (pick_addr() - CODE));
			n = 0;
			c[n++] = 0xb9; memcpy(c + n, &m, 4); n += 4;
			c[n++] = 0xb8; memcpy(c + n, &lo, 4); n += 4;
			c[n++] = 0x31; c[n++] = 0xd2;
			c[n++] = 0x0f; c[n++] = 0x30;
			break;
		}
		if (rnd() % 2) { n = 0; c[n++] = 0x0f; c[n++] = 0x01; c[n++] = 0xf8; break; }
		/* fall through */
	default:
		/* mov reg, imm to reload address registers near edges */
		{ unsigned r = (unsigned)(rnd() % 16); if (r == 4 && rnd() % 2) r = 3;
		  n = 0; c[n++] = (uint8_t)(0x48 | (r >> 3)); c[n++] = (uint8_t)(0xb8 + (r & 7));
		  uint64_t v = pick_addr(); memcpy(c + n, &v, 8); n += 8; }
		break;
	}
	return n;
}

/* A displacement for a same-base run: small, or near the base's page
 * end (+-0x1000), or wide enough that the run's range passes 4 KiB. */
static int32_t gen_run_disp(void)
{
	switch (rnd() % 4) {
	case 0: return (int32_t)(rnd() % 64) - 32;
	case 1: return 0x1000 - 16 + (int32_t)(rnd() % 32);
	case 2: return -0x1000 - 16 + (int32_t)(rnd() % 32);
	default: return (int32_t)(rnd() % 0x2000) - 0x1000;
	}
}

/* 2-5 memory operands [B + disp] (loads, stores, read-modify-writes,
 * byte and zero-extending forms; the register sometimes B itself), B
 * first set near a page edge or not, register copies, indexed loads and
 * RIP-relative LEAs in between; every other run through two bases,
 * interleaved. */
static unsigned gen_same_base_run(uint8_t *c)
{
	static const uint8_t ops[] = { 0x8b, 0x89, 0x01, 0x03, 0x39, 0x88, 0x8a, 0x31 };
	unsigned n = 0, b1 = (unsigned)(rnd() % 16), b2 = rnd() % 2 ? (unsigned)(rnd() % 16) : b1;
	unsigned k = 2 + (unsigned)(rnd() % 4);

	if (rnd() % 2) {
		uint64_t v = pick_addr();
		c[n++] = (uint8_t)(0x48 | (b1 >> 3)); c[n++] = (uint8_t)(0xb8 + (b1 & 7));
		memcpy(c + n, &v, 8); n += 8;
	}
	for (unsigned m = 0; m < k; m++) {
		unsigned b = rnd() % 2 ? b1 : b2;
		unsigned reg = (unsigned)(rnd() % 16);
		if (rnd() % 4 == 0)
			reg = b;
		bool movzx = rnd() % 6 == 0;
		uint8_t rex = (uint8_t)(0x40 | (rnd() % 2 ? 8 : 0) | (reg >> 3) << 2 | (b >> 3));
		if (rex != 0x40 || rnd() % 2)
			c[n++] = rex;
		if (movzx) {
			c[n++] = 0x0f; c[n++] = 0xb6;
		} else {
			c[n++] = ops[rnd() % sizeof(ops)];
		}
		int32_t d = gen_run_disp();
		bool d8 = d >= -128 && d < 128;
		c[n++] = (uint8_t)((d8 ? 0x40 : 0x80) | (reg & 7) << 3 | (b & 7));
		if ((b & 7) == 4)
			c[n++] = 0x24;                  /* SIB: base only */
		if (d8) {
			c[n++] = (uint8_t)d;
		} else {
			memcpy(c + n, &d, 4); n += 4;
		}
		if (rnd() % 3 == 0) {                   /* add r32, r32: neither B, mostly */
			unsigned x = (unsigned)(rnd() % 8), y = (unsigned)(rnd() % 8);
			c[n++] = 0x01; c[n++] = (uint8_t)(0xc0 | x << 3 | y);
		}
		if (rnd() % 8 == 0) {                   /* an LEA of its own: RIP-relative */
			int32_t d = (int32_t)(rnd() % 256) - 128;
			c[n++] = 0x48; c[n++] = 0x8d; c[n++] = (uint8_t)(0x05 | (rnd() % 8) << 3);
			memcpy(c + n, &d, 4); n += 4;
		}
		if (rnd() % 4 == 0) {                   /* a load of its own: [base + index + d8] */
			unsigned x = (unsigned)(rnd() % 8), y = (unsigned)(rnd() % 8), ix = (unsigned)(rnd() % 8);
			c[n++] = 0x8b; c[n++] = (uint8_t)(0x44 | x << 3);
			c[n++] = (uint8_t)((rnd() % 4) << 6 | (ix == 4 ? 1 : ix) << 3 | y);
			c[n++] = (uint8_t)((rnd() % 64) - 32);
		}
	}
	return n;
}

static void gen_structured(struct program *p)
{
	unsigned n = 0;
	unsigned target = 16 + (unsigned)(rnd() % (CODE_MAX - 40));
	while (n < target) {
		uint8_t c[96];
		unsigned k = rnd() % 8 == 0 ? gen_same_base_run(c) : gen_insn(c);
		if (n + k > CODE_MAX) break;
		memcpy(p->code + n, c, k);
		n += k;
	}
	p->len = n;
}

#endif
