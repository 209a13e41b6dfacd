# The overcommit sweep: Jain's fairness index of the vCPUs' shares per
# engine at each ratio; the dashed line is 1/N, one vCPU having it all.
# Input (data): ratio, 1/vCPUs, then per engine Jain's index (NaN: none).
# Variables: data, out, fmt, engines (labels, '_' for spaces).
n = words(engines)
size = "single"
height = 2.6
load dir."/common.gp"
set xtics rotate by 0 center
set xlabel "overcommit (vCPUs per host CPU)"
set ylabel "Jain's fairness index (1 = equal shares)"
set yrange [0:1.05]
set offsets 0.15, 0.15, 0, 0
set key bottom left vertical samplen 2 font ",8"
plot for [i = 1:n] data using 1:(column(i + 2)) with linespoints title undo(word(engines, i)) \
	lc rgb colour(i) pt shape(i) ps 0.9 lw 1.5, \
     data using 1:2 with lines dt 2 lc rgb "gray50" title "1/N (one vCPU has it all)"
