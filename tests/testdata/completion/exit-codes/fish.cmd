completion
fish
