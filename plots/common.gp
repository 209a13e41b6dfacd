# Shared look for every ringbench figure: black and white with fill
# patterns (legible in print), sized for a two-column paper (full text
# width 7 in; single column figures would be 3.3 in).
# Variables set by the harness (gnuplot -e): out (path without extension),
# fmt (pdf, png or svg).
if (fmt eq "pdf") {
	set terminal pdfcairo monochrome dashed font "Helvetica,7" size 7in,2.8in
} else { if (fmt eq "png") {
	set terminal pngcairo monochrome font "Helvetica,10" size 1400,560
} else {
	set terminal svg font "Helvetica,10" size 1050,420 dynamic
}}
set output out.".".fmt
set border 3
set tics nomirror
set grid ytics lt 0 lw 0.5 lc "gray50"
set key top left horizontal samplen 2
set xtics rotate by 45 right scale 0
set style fill pattern border -1
set termoption noenhanced   # benchmark names contain "_"
set datafile missing "NaN"
set datafile separator whitespace
# Fill patterns that stay distinct in black and white, in engine order:
# empty, diagonal /, solid, diagonal \, crosshatch, sparse /, dense, sparse \.
pat(i) = int(word("0 4 3 5 1 6 2 7", (i - 1) % 8 + 1))
