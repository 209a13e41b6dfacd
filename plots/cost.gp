# Cost per operation: grouped bars per benchmark, one bar per engine, log
# scale, 95% CI of the median as error bars.
# Input (data): benchmark, then per engine: median lo hi (ns per op).
# Variables: data, out, fmt, engines (space-separated names).
load dir."/common.gp"
set ylabel "ns per operation (log)"
set logscale y
set style data histogram
set style histogram errorbars gap 1 lw 0.6
set boxwidth 0.9
n = words(engines)
plot for [i=1:n] data using (column(3*i-1)):(column(3*i)):(column(3*i+1)):xtic(1) \
	title word(engines, i) fs pattern pat(i) lc "black"
