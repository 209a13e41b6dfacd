# Exit-reason breakdown for one engine: stacked bars of exits per operation
# by reason for each benchmark.
# Input (data): benchmark, then per reason: exits per op.
# Variables: data, out, fmt, reasons (space-separated), engine.
load dir."/common.gp"
set ylabel sprintf("%s: VM exits per operation", engine)
# kvm engines: the reasons that reached user space (user.*) stacked under
# "in-kernel", the exits KVM handled itself (its own statistics).
set style data histogram
set style histogram rowstacked
set boxwidth 0.7
n = words(reasons)
plot for [i=1:n] data using (column(i+1)):xtic(1) title word(reasons, i) \
	fs pattern pat(i) lc rgb colour(i)
