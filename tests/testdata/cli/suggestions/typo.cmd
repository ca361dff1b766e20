rendr
x
