"""The once-per-account foundation the CI/CD workflows stand on (see docs/operations/ci.md)."""
