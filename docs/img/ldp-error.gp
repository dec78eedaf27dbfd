# Renders docs/img/ldp-error.png from docs/img/ldp-error.dat (see ldp-error.cpp).
set terminal pngcairo size 900,540 font "sans,11"
set output "docs/img/ldp-error.png"
set title "Error of one estimated share vs ε (10,000 reports, skewed truth)"
set xlabel "ε per metric"
set ylabel "standard error (percentage points)"
set logscale y
set grid
set key top right
plot "docs/img/ldp-error.dat" using 1:2 with lines lw 2 lc rgb "#3b6fd8" title "d = 3, theory", \
     "" using 1:3 with points pt 7 ps 1.2 lc rgb "#3b6fd8" title "d = 3, simulated", \
     "" using 1:5 with lines lw 2 lc rgb "#d8783b" title "d = 10, theory", \
     "" using 1:6 with points pt 7 ps 1.2 lc rgb "#d8783b" title "d = 10, simulated", \
     "" using 1:8 with lines lw 2 lc rgb "#2e9e5b" title "d = 30, theory", \
     "" using 1:9 with points pt 7 ps 1.2 lc rgb "#2e9e5b" title "d = 30, simulated"
