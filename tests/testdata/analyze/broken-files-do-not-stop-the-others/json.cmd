analyze
.
-o
json
