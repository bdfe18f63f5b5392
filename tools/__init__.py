"""Project tooling: Terraform runner, local AWS emulator, end-to-end drill."""
