# The overcommit sweep: the latency distribution of single operations per
# engine and ratio, one panel per benchmark: the box spans p50 to p99, the
# whisker reaches p99.9, the point marks p50 (log scale, µs).
# Input (data): one block per benchmark: ratio index, ratio, then per
# engine p50 p99 p99.9 in µs (NaN: none).
# Variables: data, out, fmt, engines, benches, ratios (labels like 1.5x).
n = words(engines)
nb = words(benches)
cols = nb <= 2 ? nb : nb == 4 ? 2 : 3
rows = int((nb + cols - 1) / cols)
size = cols == 1 ? "single" : "double"
height = 2.2 * rows + 0.5
load dir."/common.gp"
set xtics rotate by 0 center
set xlabel "overcommit (vCPUs per host CPU)"
set ylabel "latency per operation (µs, log)"
set label 1 "box: p50 to p99 (point: p50); whisker: p99.9" at screen 0.5, screen 0.975 center font ",9"
set logscale y
set format y "%g"
set style fill solid 0.35 border
bw = 0.8 / n
set boxwidth bw * 0.8 absolute
set xrange [-0.6:words(ratios) - 0.4]
set xtics () 
do for [k = 1:words(ratios)] { set xtics add (word(ratios, k) k - 1) }
set key at screen 0.5, screen 0.005 center bottom horizontal maxrows 1 maxcols 8 width 1 samplen 2 font ",9"
set multiplot layout rows, cols margins 0.08, 0.98, (0.55 / height), 1 - (0.35 / height) spacing 0.08, 0.16
do for [j = 1:nb] {
	set title word(benches, j) font ",10"
	if (j > 1) { unset key }
	plot for [i = 1:n] data index (j - 1) using ($1 - 0.4 + bw * (i - 0.5)):(column(3 * i)):(column(3 * i)):(column(3 * i + 2)):(column(3 * i + 1)) \
		with candlesticks lc rgb colour(i) title undo(word(engines, i)) whiskerbars 0.5, \
	     for [i = 1:n] data index (j - 1) using ($1 - 0.4 + bw * (i - 0.5)):(column(3 * i)) \
		with points pt shape(i) ps 0.5 lc rgb colour(i) notitle
}
unset multiplot
