analyze
-
