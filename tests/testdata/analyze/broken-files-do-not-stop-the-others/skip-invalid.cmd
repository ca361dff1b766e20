analyze
--skip-invalid
.
-o
summary
