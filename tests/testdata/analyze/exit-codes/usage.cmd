analyze
-o
xml
