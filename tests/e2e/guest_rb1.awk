# Validate a console log against docs/protocol.md (RB1 lines), for the
# guest_*.sh tests.  Prints one "problem: ..." line per violation and a
# summary "ends: ok=N fail=N unsupported=N failed_names=a,b"; exits 1 on
# any problem.
function num(v) { return v ~ /^[0-9]+$/ }
function problem(msg) { print "problem: " msg " (line " NR ": " $0 ")"; bad = 1 }
/^RB1 / {
	delete kv
	for (i = 3; i <= NF; i++) {
		if ($i ~ /^reason=/) break
		if (split($i, p, "=") != 2) { problem("field without key=value"); next }
		kv[p[1]] = p[2]
	}
}
/^RB1 hello / {
	hellos++
	if (kv["version"] != 1) problem("hello without version=1")
	if (!("host" in kv) || !("engine" in kv)) problem("hello without host or engine")
}
/^RB1 begin / {
	if (!num(kv["seq"]) || kv["bench"] == "" || kv["group"] == "" || kv["class"] == "")
		problem("begin without seq, bench, group or class")
	if (kv["seq"] in begun) problem("seq begun twice")
	begun[kv["seq"]] = kv["bench"]; open_seq = kv["seq"]
}
/^RB1 sample / {
	if (!(kv["seq"] in begun) || begun[kv["seq"]] != kv["bench"]) problem("sample for a benchmark not begun")
	if (!num(kv["rep"]) || !num(kv["iters"]) || !num(kv["cycles"]) || kv["iters"] == 0)
		problem("sample with a bad rep, iters or cycles")
	if ("empty" in kv && !num(kv["empty"])) problem("sample with a bad empty")
	# The empty loop paired with every repetition, except loop and loop_k's own.
	if (("empty" in kv) != (kv["bench"] != "loop" && kv["bench"] != "loop_k"))
		problem("empty= on the empty loop's sample, or missing on a benchmark's")
	samples[kv["seq"]]++
}
/^RB1 end / {
	s = kv["status"]
	if (!(kv["seq"] in begun) || begun[kv["seq"]] != kv["bench"]) problem("end for a benchmark not begun")
	if (kv["seq"] in ended) problem("seq ended twice")
	ended[kv["seq"]] = 1
	if (s != "ok" && s != "fail" && s != "unsupported") problem("bad status")
	if (s != "ok" && $0 !~ / reason=./) problem("fail/unsupported without a reason")
	if (s == "ok" && !samples[kv["seq"]]) problem("ok without samples")
	if (s != "ok" && samples[kv["seq"]]) problem("samples printed for a failed or unsupported benchmark")
	count[s]++
	if (s == "fail") failed_names = failed_names (failed_names == "" ? "" : ",") kv["bench"]
}
/^RB1 done / {
	dones++
	if (kv["ok"] != count["ok"] + 0 || kv["failed"] != count["fail"] + 0 ||
	    kv["unsupported"] != count["unsupported"] + 0)
		problem("done counts differ from the end lines")
}
END {
	if (hellos != 1) problem("expected one hello line, saw " hellos + 0)
	if (dones != 1) problem("expected one done line, saw " dones + 0)
	for (q in begun) if (!(q in ended)) problem("benchmark " begun[q] " began but never ended")
	printf "ends: ok=%d fail=%d unsupported=%d failed_names=%s\n", count["ok"], count["fail"], count["unsupported"], failed_names
	exit bad
}
