argocd
discover
