analyze
.
--output
dot
--layout
dot
