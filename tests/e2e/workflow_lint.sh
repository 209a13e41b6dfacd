#!/bin/sh
# The cross-machine workflow (.github/workflows/bench.yml) cannot run
# here, so it is linted: YAML parse plus a structural check
# (tests/e2e/helpers/lint_workflow.py, python3-yaml from `make deps`).
# The broken variants prove the check can fail.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/helpers/harness_lib.sh
wf=.github/workflows/bench.yml
lint="python3 tests/e2e/helpers/lint_workflow.py"
if ! python3 -c 'import yaml' 2>/dev/null; then
	notok "workflow lint: python3-yaml missing (make deps installs it)"
	exit 1
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
$lint "$wf" >"$out/lint" 2>&1
[ $? -eq 0 ] && ok "$wf parses and has the bench matrix, artifacts and merge job" ||
	notok "$wf: $(head -3 "$out/lint")"
# broken "what" sed-expression: the linter must reject the variant.
broken() {
	sed "$2" "$wf" >"$out/bad.yml"
	if cmp -s "$wf" "$out/bad.yml"; then
		notok "lint catches $1 (the edit changed nothing)"
	elif $lint "$out/bad.yml" >"$out/bad" 2>&1; then
		notok "lint catches $1 (it passed)"
	else
		ok "lint catches $1: $(head -1 "$out/bad" | cut -c1-120)"
	fi
}
broken "a YAML syntax error" 's/^jobs:/jobs: [/'
broken "no make bench" 's/make bench QUICK/make all QUICK/'
broken "a runner without /dev/kvm" 's/self-hosted, linux, x64, kvm, svm/self-hosted, linux, x64, svm/'
broken "a single runner kind" '/- host: svm/,/runner: \[self-hosted, linux, x64, kvm, pvm\]/d'
broken "no artifact upload" 's#actions/upload-artifact@v4#actions/cache@v4#'
broken "a merge without ringbench report" 's#./ringbench report --out#./ringbench compare --out#'
broken "a merge that does not wait for the hosts" 's/needs: bench/needs: []/'
broken "an unknown matrix key" 's/matrix.host }}"/matrix.hots }}"/'
broken "an unpinned action" 's#actions/checkout@v4#actions/checkout#'
