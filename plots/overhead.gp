# Overhead normalised to native: median cost / native median per benchmark
# (1 = native speed), log scale; only benchmarks with a native twin.
# Input (data): benchmark, then per engine: ratio.
# Variables: data, out, fmt, engines (labels, '_' for spaces).
load dir."/common.gp"
set ylabel "slowdown vs native (log)"
set logscale y
set style data histogram
set style histogram clustered gap 1
set boxwidth 0.9
n = words(engines)
plot for [i=1:n] data using (column(i+1)):xtic(1) title undo(word(engines, i)) \
	fs pattern pat(i) lc rgb colour(i), 1 notitle dt 2 lc "black"
