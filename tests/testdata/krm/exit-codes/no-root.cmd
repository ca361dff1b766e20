--root
no-such-dir
