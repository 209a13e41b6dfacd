# Shared look for every ringbench figure: colours from the Okabe-Ito
# palette (distinct for colour-blind readers) and, per engine, a distinct
# point shape and fill pattern too, so a figure still reads in grey print.
# Sizes for a two-column paper: double column 7 in wide, single column
# 3.3 in (size='single'); fonts stay at 7 pt in the PDF either way.
# Variables set by the harness (gnuplot -e): out (path without extension),
# fmt (pdf, png or svg), size ('single' or 'double', default double),
# height (inches, default 2.8).
if (!exists("size")) size = "double"
if (!exists("height")) height = 2.8
w = size eq "single" ? 3.3 : 7.0
if (fmt eq "pdf") {
	set terminal pdfcairo color dashed font "Helvetica,7" size w,height
} else { if (fmt eq "png") {
	set terminal pngcairo color font "Helvetica,10" size int(w * 200),int(height * 200)
} else {
	set terminal svg font "Helvetica,10" size int(w * 150),int(height * 150) dynamic
}}
set output out.".".fmt
set border 3
set tics nomirror
set grid ytics lt 0 lw 0.5 lc "gray50"
set key top left horizontal samplen 2
set xtics rotate by 45 right scale 0
set termoption noenhanced   # benchmark names contain "_"
set datafile missing "NaN"
set datafile separator whitespace
# Engine i: colour, point shape and fill pattern (in engine order).
colour(i) = word("#0072B2 #D55E00 #009E73 #E69F00 #CC79A7 #56B4E9 #F0E442 #000000", (i - 1) % 8 + 1)
shape(i) = int(word("7 5 9 11 13 15 1 2", (i - 1) % 8 + 1))
pat(i) = int(word("0 4 3 5 1 6 2 7", (i - 1) % 8 + 1))
set style fill pattern border -1
# '_' stands for a space inside one gnuplot word (engine labels).
undo(s) = (p = strstrt(s, "_"), p ? s[1:p-1]." ".undo(s[p+1:]) : s)
