analyze
no-such-dir
