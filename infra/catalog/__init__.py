"""Static facts the platform sizes and validates against: GPUs and EC2 instances, model
architectures, and the command line of the pinned vLLM release. Each module cites its sources."""
