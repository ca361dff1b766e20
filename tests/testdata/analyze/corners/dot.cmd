analyze
.
--output
dot
