analyze
.
--output
table
