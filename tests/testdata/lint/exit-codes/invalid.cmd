lint
-
