check
no-such-dir
--from
a/b
--to
a/c
--port
80
