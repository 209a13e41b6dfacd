# Sourced by tests/e2e/harness_*.sh.  Lives in helpers/ so tests/run.sh
# (which runs tests/e2e/*.sh) does not run it as a test.
RB=${RINGBENCH:-./ringbench}
FAKE="sh tests/e2e/helpers/fake_engine.sh"
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; }
skip() { echo "skip - $*"; }
# check "what" command...: ok when the command succeeds.
check() {
	what=$1; shift
	if "$@" >/dev/null 2>&1; then ok "$what"; else notok "$what"; fi
}
# Does this ringbench have the harness commands (main.c wires them)?
have_bench() { [ -x "$RB" ] && "$RB" bench --help >/dev/null 2>&1; }
# The file's first bytes are the given magic (printf escapes).
has_magic() { [ -s "$1" ] && [ "$(head -c ${#2} "$1" 2>/dev/null)" = "$2" ]; }
