#!/bin/sh
# docs/instructions.md is generated from the instruction table
# (engines/x86/insn_table.h) by `ringbench engines --instructions`: the
# committed page must be what the table says now.  Regenerate with
#   ./ringbench engines --instructions > docs/instructions.md
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/helpers/harness_lib.sh
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if ! ./ringbench engines --instructions >"$out" 2>&1; then
	notok "ringbench engines --instructions: $(head -1 "$out")"
	exit 1
fi
if cmp -s "$out" docs/instructions.md; then
	ok "docs/instructions.md is the table as generated ($(grep -c '^| ' "$out") table lines)"
else
	notok "docs/instructions.md differs from \`ringbench engines --instructions\`: $(diff docs/instructions.md "$out" | head -3 | tr '\n' ' ')"
fi
# The generated page holds every row of the table and its columns.
for want in '| HLT | h_hlt | end | system | CPL 0 | control |' '| CLI | h_cli |  | system | IOPL |' \
	    '| RDTSC RDTSCP | h_rdtsc |' '| h_x87 | x87 |'; do
	grep -qF "$want" "$out" && ok "instructions page has: $want" || notok "instructions page lacks: $want"
done
./ringbench engines --instructions extra >/dev/null 2>&1
[ $? -ne 0 ] && ok "engines --instructions with an extra argument: non-zero exit" ||
	notok "engines --instructions with an extra argument exits 0"
