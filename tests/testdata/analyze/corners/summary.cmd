analyze
.
--output
summary
