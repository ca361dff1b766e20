lint
--fail-on
warning
-
