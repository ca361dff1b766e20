completion
zsh
