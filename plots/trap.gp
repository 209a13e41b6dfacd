# Trap profile: for each benchmark (rows) and technique (columns), how the
# operation is handled, as a coloured cell with its counters written in it.
# Colours from the Okabe-Ito palette (safe for colour-blind readers); the
# verdict is also written in each cell, so the figure reads in grey too.
# Input (data): benchmark, then per technique: verdict (1 native, 2 trap,
# 3 emulated, 4 translated, 5 paravirtual; NaN none) and "cell text".
# Variables: data, out, fmt, techniques (space-separated, '_' for spaces), size (optional).
rows = system(sprintf("wc -l < '%s'", data)) + 0
h = 0.9 + 0.13 * rows
w = exists("size") && size eq "single" ? 3.3 : 7
if (fmt eq "pdf") {
	set terminal pdfcairo color font "Helvetica,6" size w,h
} else { if (fmt eq "png") {
	set terminal pngcairo color font "Helvetica,9" size int(w * 200),int(h * 190)
} else {
	set terminal svg font "Helvetica,9" size int(w * 150),int(h * 140) dynamic
}}
set output out.".".fmt
set termoption noenhanced
set datafile missing "NaN"
unset key
unset border
n = words(techniques)
undo(s) = (p = strstrt(s, "_"), p ? s[1:p-1]." ".undo(s[p+1:]) : s)
set xrange [0.5:n + 0.5]
set yrange [-rows + 0.5:0.5]
set x2tics scale 0 (undo(word(techniques, 1)) 1)
do for [i=2:n] { set x2tics add (undo(word(techniques, i)) i) }
unset xtics
set ytics scale 0
colour(v) = v == 1 ? 0x009E73 : v == 2 ? 0xD55E00 : v == 3 ? 0xE69F00 : v == 4 ? 0x56B4E9 : v == 5 ? 0xCC79A7 : 0xDDDDDD
set title "Trap profile: native, trap, emulated, translated, paravirtual (x exits, e emulated insns, h helper calls per op)"
plot for [i=1:n] data using (i):(-$0):(0.48):(0.45):(colour(column(2 * i))):ytic(1) \
	with boxxyerror fs solid 0.85 noborder fc rgb variable, \
     for [i=1:n] data using (i):(-$0):(stringcolumn(2 * i + 1)) with labels font ",6"
