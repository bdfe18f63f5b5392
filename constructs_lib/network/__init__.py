"""VPC per region and the peering between them."""
