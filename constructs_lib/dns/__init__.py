"""Private DNS names of the writer and readers, and their SSM endpoint parameters."""
