"""`python -m infra preflight`: read-only checks of the AWS account before anything is created."""
