# The overcommit sweep: slowdown per operation against the lowest ratio,
# one panel per smp benchmark, a line per engine with its 95% interval.
# Input (data): one block per benchmark (index j-1): ratio, then per
# engine: slowdown lo hi (NaN: no value).
# Variables: data, out, fmt, engines (labels, '_' for spaces), benches, base.
n = words(engines)
nb = words(benches)
cols = nb <= 2 ? nb : nb == 4 ? 2 : 3
rows = int((nb + cols - 1) / cols)
size = cols == 1 ? "single" : "double"
height = 2.2 * rows + 0.5
load dir."/common.gp"
set xtics rotate by 0 center
set xlabel sprintf("overcommit (vCPUs per host CPU)")
set ylabel sprintf("slowdown vs %gx (x, log)", base)
set logscale y
set format y "%g"
set key at screen 0.5, screen 0.005 center bottom horizontal maxrows 1 maxcols 8 width 1 samplen 2 font ",9"
set offsets 0.15, 0.15, 0, 0
set multiplot layout rows, cols margins 0.08, 0.98, (0.55 / height), 0.95 spacing 0.08, 0.16
do for [j = 1:nb] {
	set title word(benches, j) font ",10"
	if (j > 1) { unset key }
	plot for [i = 1:n] data index (j - 1) using 1:(column(3 * i - 1)):(column(3 * i)):(column(3 * i + 1)) \
		with yerrorlines title undo(word(engines, i)) lc rgb colour(i) pt shape(i) ps 0.8 lw 1.5, \
	     1 with lines dt 2 lc rgb "gray50" notitle
}
unset multiplot
