diff
../../../../overlays/prod
../../render/dangling-flow-to
