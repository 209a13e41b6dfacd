# Cost per operation, one small panel per instruction class: per benchmark
# the median of each engine as a point (its own shape and colour) with the
# 95% CI of the median as an error bar, on a log axis in ns.  A benchmark an
# engine did not measure is marked at the bottom of the panel in the
# engine's colour: "n/a" (unsupported, failed or not run: report.md says
# why) or "<res" (not above the empty loop's cost: below resolution).
# Input: one file per class, "<prefix>-<class>.dat": index, benchmark, then
# per engine: median lo hi mark ("ok", "n/a" or "<res").
# Variables: prefix, classes, counts (benchmarks per class), ylos, yhis (y
# range per class), engines (labels, '_' for spaces), out, fmt, size.
nc = words(classes)
cols = size eq "single" ? (nc > 1 ? 2 : 1) : (nc > 3 ? 3 : nc)
rows = int((nc + cols - 1) / cols)
height = 0.5 + (size eq "single" ? 1.5 : 1.8) * rows
load dir."/common.gp"
n = words(engines)
set multiplot layout rows, cols spacing 0.07, 0.16 margins 0.08, 0.98, 0.12, 0.93
set logscale y
set format y "%g"
set mytics 10
off(i) = (i - (n + 1) / 2.0) * 0.6 / n
do for [k = 1:nc] {
	f = sprintf("%s-%s.dat", prefix, word(classes, k))
	nb = word(counts, k) + 0
	lo = word(ylos, k) + 0.0
	hi = word(yhis, k) + 0.0
	floor = lo / 4.0
	set yrange [floor / 1.6:hi * 2.5]
	set xrange [0.4:nb + 0.6]
	set title word(classes, k) offset 0, -0.8
	set ylabel ((k - 1) % cols == 0 ? "ns per operation (log)" : "")
	# One legend for the whole figure, above the panels.
	if (k == 1) { set key at screen 0.5, screen 0.995 center top horizontal samplen 1 } else { unset key }
	plot f using 1:(NaN):xtic(2) notitle, \
	     for [i = 1:n] f using ($1 + off(i)):(column(4 * i - 1)):(column(4 * i)):(column(4 * i + 1)) \
		with yerrorbars lc rgb colour(i) pt shape(i) ps 0.6 lw 0.8 title undo(word(engines, i)), \
	     for [i = 1:n] f using ($1 + off(i)):(strcol(4 * i + 2) eq "ok" ? NaN : floor):(strcol(4 * i + 2) eq "ok" ? "" : strcol(4 * i + 2)) \
		with labels rotate by 90 left font ",6" tc rgb colour(i) notitle
}
unset multiplot
