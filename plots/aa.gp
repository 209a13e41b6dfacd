# Adams & Agesen's nanobenchmarks (ASPLOS 2006, table 4): for each of their
# rows, the TSC cycles per operation of each engine — binary translation
# against hardware assistance, with the interpreter and QEMU beside them —
# as grouped bars on a log axis.  A missing bar is marked in the engine's
# colour at the bottom: "n/a" (not measured) or "<res" (below resolution).
# Input (data): A&A row, our benchmark, then per engine: cycles mark.
# Variables: data, out, fmt, size, engines (labels, '_' for spaces), ylo.
if (!exists("size")) size = "double"
height = size eq "single" ? 2.6 : 2.4
load dir."/common.gp"
n = words(engines)
set ylabel "TSC cycles per operation (log)"
set logscale y
set format y "%g"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key top left horizontal samplen 1
set xtics rotate by 0 center
set yrange [ylo / 3:*]
w = 1.0 / (n + 1)
plot for [i = 1:n] data using (column(2 * i + 1)):xtic(stringcolumn(1)." (".stringcolumn(2).")") \
	title undo(word(engines, i)) lc rgb colour(i), \
     for [i = 1:n] data using ($0 - 0.5 + w * (i + 0.5)):(strcol(2 * i + 2) eq "ok" ? NaN : ylo / 2.5):(strcol(2 * i + 2) eq "ok" ? "" : strcol(2 * i + 2)) \
	with labels rotate by 90 left font ",7" tc rgb colour(i) notitle
