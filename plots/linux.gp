# The Linux macrobenchmarks (bench --linux): per benchmark each engine's
# time per unit of work over the fastest engine's (1 = the fastest), log
# scale, whiskers the 95% CI of the median over the init's runs.
# Input (data): benchmark label, then per engine: ratio, CI low, CI high.
# Variables: dir, data, out, fmt, engines (labels, '_' for spaces), what
# (the y label's quantity: time or CPU time), ymax (the y axis' top).
height = 3.0
load dir."/common.gp"
if (!exists("what")) what = "time"
set ylabel what." / fastest engine's (log scale)"
set logscale y
# ymax (the harness's: a little over the tallest whisker) keeps the
# axis from running on to the next power of ten.
if (exists("ymax")) { set yrange [0.8:ymax] } else { set yrange [0.8:*] }
set ytics (0.8, 1, 1.5, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000, 10000)
set mytics 10
set style data histogram
set style histogram errorbars gap 1 lw 1
set boxwidth 0.9
set xtics norotate center
set key top right horizontal samplen 2
set bmargin 4
n = words(engines)
# Bar i of a cluster of n (gap 1) sits at x + (i - (n+1)/2)/(n+1).
bx(i) = column(0) + (i - (n + 1) / 2.0) / (n + 1)
plot for [i=1:n] data using (column(3*i-1)):(column(3*i)):(column(3*i+1)):xtic(1) \
	title undo(word(engines, i)) fs pattern pat(i) lc rgb colour(i), \
	for [i=1:n] data using (bx(i)):(column(3*i+1)):(sprintf("%.2g", column(3*i-1))) \
	with labels offset 0,0.6 font ",8" notitle, \
	1 notitle dt 2 lc "black"
