"""--confirm: torch run on the linted classes in child processes, findings marked by its verdict."""
