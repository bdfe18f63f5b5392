"""Baseline for the synth benchmark: load the AWS provider bindings, synthesize one resource."""

import sys

from cdktf import App, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic

app = App(outdir=sys.argv[1])
stack = TerraformStack(app, "minimal")
AwsProvider(stack, "Aws", region="us-east-1")
SnsTopic(stack, "Topic", name="bench")
app.synth()
