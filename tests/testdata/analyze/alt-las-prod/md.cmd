analyze
.
--output
md
