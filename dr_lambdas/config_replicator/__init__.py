"""The configuration replicator: copies Parameter Store parameters under one path from the
primary region to the secondary, re-encrypted with the secondary region's key."""


class ReplicatorEnv:
    """The replicator's environment: the stack writes these variables
    (constructs_lib/application/replicated_configuration.py), the function reads them. Every
    one is required; the function has no defaults of its own."""

    SOURCE_REGION = "SOURCE_REGION"  # where the parameters are written (the primary)
    TARGET_REGION = "TARGET_REGION"  # where the copies go (the secondary)
    PARAMETER_PATH = "PARAMETER_PATH"  # e.g. /dbdr/dev/app: no trailing "/"
    TARGET_KEY_ARN = "TARGET_KEY_ARN"  # the target region's KMS key for SecureString copies
    ALL = (SOURCE_REGION, TARGET_REGION, PARAMETER_PATH, TARGET_KEY_ARN)
