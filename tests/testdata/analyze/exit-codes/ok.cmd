analyze
-
-o
json
