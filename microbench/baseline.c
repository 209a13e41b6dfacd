/* Unprivileged baseline: the same code at CPL3 in the guest and natively.
 * Each body counts what it did in user data; the checks compare that with
 * the iterations the harness asked for. */
#include "microbench/bench.h"

UDATA uint8_t *mb_ws;

/* --- empty loop: the overhead subtracted from every other result --- */
static UDATA uint64_t loop_done;

static UCODE uint64_t loop_body(uint64_t n)
{
	uint64_t c = TIMED_LOOP(n, );

	loop_done += n;
	return c;
}

static int loop_check(uint64_t expected, char *why)
{
	if (loop_done == expected)
		return CHECK_OK;
	mb_strlcpy(why, "empty loop ran a different number of iterations", WHY_LEN);
	return CHECK_FAIL;
}

/* --- ALU dependency chain: four dependent single-cycle operations --- */
static UDATA uint64_t alu_done, alu_value;

static UCODE uint64_t alu_body(uint64_t n)
{
	uint64_t x = alu_value;
	uint64_t c = TIMED_LOOP(n, __asm__ volatile(
		"add $7, %0\n\trol $5, %0\n\txor $0x3c, %0\n\tsub $3, %0" : "+r"(x)));

	alu_value = x;
	alu_done += n;
	return c;
}

static int alu_check(uint64_t expected, char *why)
{
	if (alu_done == expected)
		return CHECK_OK;
	mb_strlcpy(why, "ALU chain ran a different number of iterations", WHY_LEN);
	return CHECK_FAIL;
}

/* --- call/ret to a function the compiler may not inline or analyse --- */
static UDATA uint64_t callret_sum;

static UCODE __attribute__((noipa)) uint64_t callret_leaf(uint64_t x)
{
	__asm__ volatile("");
	return x + 1;
}

static UCODE uint64_t callret_body(uint64_t n)
{
	uint64_t x = 0;
	uint64_t c = TIMED_LOOP(n, x = callret_leaf(x));

	callret_sum += x;
	return c;
}

static int callret_check(uint64_t expected, char *why)
{
	if (callret_sum == expected)
		return CHECK_OK;
	mb_strlcpy(why, "call count differs from iterations", WHY_LEN);
	return CHECK_FAIL;
}

static int ws_start(char *why)
{
	if (mb_ws)
		return 0;
	mb_strlcpy(why, "no working set (too little RAM)", WHY_LEN);
	return 1;
}

/* --- sequential reads, one per cache line, wrapping over the working set --- */
static UDATA uint64_t seq_done, seq_off;

static UCODE uint64_t mem_seq_body(uint64_t n)
{
	uint64_t off = seq_off, sum = 0;
	const uint8_t *ws = mb_ws;
	uint64_t c = TIMED_LOOP(n,
		sum += *(volatile const uint64_t *)(ws + off);
		off = (off + 64) & (MB_WS_BYTES - 1));

	seq_off = off;
	seq_done += n;
	(void)sum;
	return c;
}

static int mem_seq_check(uint64_t expected, char *why)
{
	if (seq_done == expected && seq_off == (expected * 64) % MB_WS_BYTES)
		return CHECK_OK;
	mb_strlcpy(why, "sequential reads: position differs from iterations", WHY_LEN);
	return CHECK_FAIL;
}

/* --- random reads: a pointer chase through one random cycle of lines --- */
struct node {
	struct node *next;
	uint64_t order;          /* position in the cycle */
	uint64_t pad[6];         /* one node per 64-byte line */
};
#define NODES (MB_WS_BYTES / sizeof(struct node))

static UDATA struct node *chase_at;
static UDATA uint64_t chase_start;

static UCODE uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Sattolo's shuffle gives one cycle through every node; pad[0] holds the
 * permutation while it is built. */
static UCODE uint64_t mem_rand_setup(uint64_t arg)
{
	struct node *nd = (struct node *)mb_ws;
	uint64_t s = 0x9e3779b97f4a7c15ull;

	(void)arg;
	for (uint64_t i = 0; i < NODES; i++)
		nd[i].pad[0] = i;
	for (uint64_t i = NODES - 1; i > 0; i--) {
		uint64_t j = xorshift(&s) % i, t = nd[i].pad[0];
		nd[i].pad[0] = nd[j].pad[0];
		nd[j].pad[0] = t;
	}
	for (uint64_t k = 0; k < NODES; k++) {
		struct node *a = &nd[nd[k].pad[0]];
		a->next = &nd[nd[(k + 1) % NODES].pad[0]];
		a->order = k;
	}
	chase_at = &nd[nd[0].pad[0]];
	chase_start = chase_at->order;
	return 0;
}

static UCODE uint64_t mem_rand_body(uint64_t n)
{
	struct node *p = chase_at;
	uint64_t c = TIMED_LOOP(n, p = *(struct node *volatile *)&p->next);

	chase_at = p;
	return c;
}

static int mem_rand_check(uint64_t expected, char *why)
{
	if (chase_at && chase_at->order == (chase_start + expected) % NODES)
		return CHECK_OK;
	mb_strlcpy(why, "pointer chase ended at the wrong node", WHY_LEN);
	return CHECK_FAIL;
}

/* --- unpredictable branches: a conditional jump on a pseudo-random bit --- */
static UDATA uint64_t branch_done, branch_taken, branch_seed = 88172645463325252ull;

static UCODE uint64_t branch_body(uint64_t n)
{
	uint64_t s = branch_seed, taken = 0;
	uint64_t c = TIMED_LOOP(n,
		s ^= s << 13; s ^= s >> 7; s ^= s << 17;
		__asm__ volatile("test $1, %1\n\tjz 1f\n\tinc %0\n1:" : "+r"(taken) : "r"(s)));

	branch_seed = s;
	branch_taken += taken;
	branch_done += n;
	return c;
}

static int branch_check(uint64_t expected, char *why)
{
	/* Half the branches are taken; a quarter either way is far outside
	 * chance for the counts the budget gives. */
	if (branch_done == expected &&
	    (expected < 64 || (branch_taken > expected / 4 && branch_taken < expected * 3 / 4)))
		return CHECK_OK;
	mb_strlcpy(why, "branch counts do not match the iterations", WHY_LEN);
	return CHECK_FAIL;
}

#define BASE(n, ...) { .name = n, .group = "baseline", .class = "unprivileged", \
		       .ring = 3, __VA_ARGS__ }

static const struct bench loop = BASE("loop", .body = loop_body, .check = loop_check);
static const struct bench alu = BASE("alu", .body = alu_body, .check = alu_check);
static const struct bench callret = BASE("callret", .body = callret_body,
					 .check = callret_check);
static const struct bench mem_seq = BASE("mem_seq", .start = ws_start,
					 .body = mem_seq_body, .check = mem_seq_check);
static const struct bench mem_rand = BASE("mem_rand", .start = ws_start,
					  .setup = mem_rand_setup, .body = mem_rand_body,
					  .check = mem_rand_check);
static const struct bench branch = BASE("branch", .body = branch_body, .check = branch_check);

const struct bench *const baseline_benches[] = {
	&loop, &alu, &callret, &mem_seq, &mem_rand, &branch,
};
const unsigned baseline_count = sizeof(baseline_benches) / sizeof(baseline_benches[0]);
