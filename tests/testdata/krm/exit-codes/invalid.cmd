--root
.
