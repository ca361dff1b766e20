render
-
