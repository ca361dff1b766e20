render
--no-such-flag
x
