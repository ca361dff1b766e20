completion
tcsh
