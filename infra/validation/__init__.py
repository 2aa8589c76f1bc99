"""Offline validation of rendered Kubernetes objects against pinned, vendored schemas."""
